use leptos::prelude::*;

/// One row of a [`FiguresTable`]: its header (a group, an item, a type) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct FiguresRow {
    pub head: String,
    pub cells: Vec<String>,
}

/// The figures a chart draws, as a table beside it: what a screen reader reads (the charts
/// are hidden from assistive technology). `heads` names every column, the rows' own first.
#[component]
pub fn FiguresTable(heads: Vec<String>, rows: Vec<FiguresRow>) -> impl IntoView {
    let heads = heads
        .into_iter()
        .map(|h| view! { <th scope="col">{h}</th> })
        .collect_view();
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .map(|c| view! { <td>{c}</td> })
                .collect_view();
            view! { <tr><th scope="row">{row.head}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="audit-table figures">
                <thead><tr>{heads}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
