use canvass_core::analysis::Proportion;
use leptos::prelude::*;

use super::chart::{BAR_LEFT, BAR_WIDTH, LABEL_CHARS, ROW, percent, short, x_of};

/// One row of a dumbbell: a group and its two shares (`None` where suppressed).
#[derive(Debug, Clone, PartialEq)]
pub struct DumbbellRow {
    pub label: String,
    pub first: Option<Proportion>,
    pub second: Option<Proportion>,
}

/// Two shares per group joined by a line (interest against engagement, per group): the
/// gap is the line's length. Drawn on the server; the table beside it has the numbers.
#[component]
pub fn DumbbellChart(
    rows: Vec<DumbbellRow>,
    #[prop(into)] first: String,
    #[prop(into)] second: String,
    #[prop(into)] hidden: String,
) -> impl IntoView {
    let height = ROW * rows.len() as f64 + 44.0;
    let marks = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let y = 30.0 + ROW * i as f64;
            let mid = y + 8.0;
            let body = match (row.first, row.second) {
                (Some(a), Some(b)) => view! {
                    <line class="gap" x1=x_of(a.estimate) x2=x_of(b.estimate) y1=mid y2=mid />
                    <circle class="first" cx=x_of(a.estimate) cy=mid r="6" />
                    <circle class="second" cx=x_of(b.estimate) cy=mid r="6" />
                }
                .into_any(),
                _ => view! {
                    <text class="suppressed" x=BAR_LEFT + 4.0 y=y + 13.0>{hidden.clone()}</text>
                }
                .into_any(),
            };
            view! {
                <g>
                    <title>{row.label.clone()}</title>
                    <text class="label" x=BAR_LEFT - 8.0 y=y + 13.0 text-anchor="end">
                        {short(&row.label, LABEL_CHARS)}
                    </text>
                    {body}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {} {height}", BAR_LEFT + BAR_WIDTH + 70.0)
            aria-hidden="true"
            focusable="false"
        >
            <circle class="first" cx=BAR_LEFT + 6.0 cy="10" r="6" />
            <text class="legend" x=BAR_LEFT + 16.0 y="14">{first}</text>
            <circle class="second" cx=BAR_LEFT + BAR_WIDTH / 2.0 cy="10" r="6" />
            <text class="legend" x=BAR_LEFT + BAR_WIDTH / 2.0 + 10.0 y="14">{second}</text>
            {marks}
            {[0.0, 0.5, 1.0]
                .map(|v| {
                    view! {
                        <text class="tick" x=x_of(v) y=height - 2.0 text-anchor="middle">
                            {percent(v)}
                        </text>
                    }
                })
                .into_iter()
                .collect_view()}
        </svg>
    }
}
