//! A report as flat rows, one per figure: what its CSV download holds.

use serde::Serialize;

use super::{Figure, Proportion, Report, Shown};

/// One figure of a report. A suppressed figure keeps its place with no numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub metric: String,
    /// `all`, or the code of a split's group.
    pub group: String,
    /// The item (choice, matrix row, network node) or the gap's side; empty for a share.
    pub item: String,
    /// For a network edge, the partner type.
    pub partner: String,
    pub suppressed: bool,
    pub count: Option<u64>,
    pub n: Option<u64>,
    pub estimate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Borda points of a ranked item.
    pub borda: Option<u64>,
}

impl Row {
    fn of(metric: &str, group: &str, item: &str, share: &Shown<Proportion>) -> Row {
        let p = share.value();
        Row {
            metric: metric.to_owned(),
            group: group.to_owned(),
            item: item.to_owned(),
            partner: String::new(),
            suppressed: p.is_none(),
            count: p.map(|p| p.x),
            n: p.map(|p| p.n),
            estimate: p.map(|p| p.estimate),
            low: p.map(|p| p.low),
            high: p.map(|p| p.high),
            borda: None,
        }
    }
}

impl Report {
    /// Every figure of the report, metric by metric, the whole before each group.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for metric in &self.metrics {
            let id = metric.id.as_str();
            let groups = std::iter::once(("all", &metric.all)).chain(
                self.groups
                    .iter()
                    .map(|g| g.code.as_str())
                    .zip(metric.groups.iter()),
            );
            for (group, figure) in groups {
                figure_rows(id, group, figure, &mut rows);
            }
        }
        rows
    }
}

fn figure_rows(metric: &str, group: &str, figure: &Figure, rows: &mut Vec<Row>) {
    match figure {
        Figure::Share { share } => rows.push(Row::of(metric, group, "", share)),
        Figure::Gap {
            first,
            second,
            difference,
        } => {
            rows.push(Row::of(metric, group, "first", &first.share));
            rows.push(Row::of(metric, group, "second", &second.share));
            let d = difference.value();
            rows.push(Row {
                metric: metric.to_owned(),
                group: group.to_owned(),
                item: "difference".to_owned(),
                partner: String::new(),
                suppressed: d.is_none(),
                count: None,
                n: d.map(|d| d.n),
                estimate: d.map(|d| d.estimate),
                low: d.map(|d| d.low),
                high: d.map(|d| d.high),
                borda: None,
            });
        }
        Figure::Mean { mean } => {
            let m = mean.value();
            rows.push(Row {
                metric: metric.to_owned(),
                group: group.to_owned(),
                item: String::new(),
                partner: String::new(),
                suppressed: m.is_none(),
                count: None,
                n: m.map(|m| m.n),
                estimate: m.map(|m| m.mean),
                low: m.and_then(|m| m.low),
                high: m.and_then(|m| m.high),
                borda: None,
            });
        }
        Figure::Ranking { items, .. }
        | Figure::Matrix { items, .. }
        | Figure::TopChoices { items, .. } => {
            for item in items {
                let mut row = Row::of(metric, group, item.code.as_str(), &item.share);
                row.borda = item.borda.as_ref().and_then(|b| b.value().copied());
                rows.push(row);
            }
        }
        Figure::Network { edges, .. } => {
            for edge in edges {
                let mut row = Row::of(metric, group, edge.from.as_str(), &edge.weight);
                row.partner = edge.to.to_string();
                rows.push(row);
            }
        }
    }
}
