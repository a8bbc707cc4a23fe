use leptos::prelude::*;

use super::chart::short;

/// A node of the drawing: its label.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkNode {
    pub label: String,
}

/// An edge of the drawing, between nodes by index, with the share of the `from` type's
/// respondents reporting the tie (only shown edges are drawn).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEdge {
    pub from: usize,
    pub to: usize,
    pub share: f64,
}

const CENTRE: (f64, f64) = (300.0, 170.0);
const RADIUS: f64 = 120.0;

/// Where node `i` of `n` sits: on a circle, the first at the top.
fn place(i: usize, n: usize) -> (f64, f64) {
    let angle = std::f64::consts::TAU * i as f64 / n.max(1) as f64 - std::f64::consts::FRAC_PI_2;
    (
        CENTRE.0 + RADIUS * angle.cos(),
        CENTRE.1 + RADIUS * angle.sin(),
    )
}

/// Who works with whom, as a node-link diagram: stakeholder types on a circle, an edge's
/// width the share of one type's respondents reporting a tie with the other, and a type
/// working with its own kind a loop beside its node. Drawn on the server; the table
/// beside it has the numbers.
#[component]
pub fn NetworkChart(nodes: Vec<NetworkNode>, edges: Vec<NetworkEdge>) -> impl IntoView {
    let n = nodes.len();
    let lines = edges
        .into_iter()
        .filter(|e| e.from < n && e.to < n && e.share > 0.0)
        .map(|e| {
            let width = format!("{:.1}", 1.0 + 12.0 * e.share);
            let (x1, y1) = place(e.from, n);
            if e.from == e.to {
                // A loop: a ring just outside the node, away from the centre.
                let (dx, dy) = (x1 - CENTRE.0, y1 - CENTRE.1);
                let scale = 1.0 + 24.0 / RADIUS;
                let (cx, cy) = (CENTRE.0 + dx * scale, CENTRE.1 + dy * scale);
                view! { <circle class="edge" cx=cx cy=cy r="16" stroke-width=width /> }.into_any()
            } else {
                let (x2, y2) = place(e.to, n);
                // Two types may report each other: offset each direction a little.
                let (ox, oy) = ((y2 - y1) * 0.03, (x1 - x2) * 0.03);
                view! {
                    <line class="edge" x1=x1 + ox y1=y1 + oy x2=x2 + ox y2=y2 + oy stroke-width=width />
                }
                .into_any()
            }
        })
        .collect_view();
    let dots = nodes
        .into_iter()
        .enumerate()
        .map(|(i, node)| {
            let (x, y) = place(i, n);
            let below = y >= CENTRE.1;
            view! {
                <g>
                    <title>{node.label.clone()}</title>
                    <circle class="node" cx=x cy=y r="10" />
                    <text
                        class="label"
                        x=x
                        y=if below { y + 44.0 } else { y - 30.0 }
                        text-anchor="middle"
                    >
                        {short(&node.label, 14)}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart network" viewBox="0 0 600 350" aria-hidden="true" focusable="false">
            {lines}
            {dots}
        </svg>
    }
}
