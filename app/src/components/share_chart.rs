use canvass_core::analysis::Proportion;
use leptos::prelude::*;

use super::chart::{BAR_LEFT, BAR_WIDTH, LABEL_CHARS, ROW, percent, short, x_of};

/// One bar: a label and its share, or `None` where the share is suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRow {
    pub label: String,
    pub share: Option<Proportion>,
}

/// Horizontal bars of shares with their 95% interval as whiskers, drawn on the server as
/// SVG (no script, prints, scales). A suppressed share draws no bar, only `hidden`
/// ("fewer than 5"). The numbers are in the table beside it, which is what a screen
/// reader reads, so the drawing is hidden from assistive technology.
#[component]
pub fn ShareChart(rows: Vec<ChartRow>, #[prop(into)] hidden: String) -> impl IntoView {
    let height = ROW * rows.len() as f64 + 24.0;
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let y = 8.0 + ROW * i as f64;
            let label = short(&row.label, LABEL_CHARS);
            let body = match row.share {
                Some(p) => {
                    let (low, high, end) = (x_of(p.low), x_of(p.high), x_of(p.estimate));
                    let mid = y + 8.0;
                    view! {
                        <rect class="bar" x=BAR_LEFT y=y width=end - BAR_LEFT height="16" />
                        <line class="whisker" x1=low x2=high y1=mid y2=mid />
                        <line class="whisker" x1=low x2=low y1=mid - 5.0 y2=mid + 5.0 />
                        <line class="whisker" x1=high x2=high y1=mid - 5.0 y2=mid + 5.0 />
                        <text class="value" x=high + 6.0 y=y + 13.0>{percent(p.estimate)}</text>
                    }
                    .into_any()
                }
                None => view! {
                    <text class="suppressed" x=BAR_LEFT + 4.0 y=y + 13.0>{hidden.clone()}</text>
                }
                .into_any(),
            };
            view! {
                <g>
                    <title>{row.label.clone()}</title>
                    <text class="label" x=BAR_LEFT - 8.0 y=y + 13.0 text-anchor="end">{label}</text>
                    {body}
                </g>
            }
        })
        .collect_view();
    let axis_y = height - 14.0;
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {} {height}", BAR_LEFT + BAR_WIDTH + 70.0)
            aria-hidden="true"
            focusable="false"
        >
            {bars}
            <line class="axis" x1=BAR_LEFT x2=BAR_LEFT y1="4" y2=axis_y />
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
