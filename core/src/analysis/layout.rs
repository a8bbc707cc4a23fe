//! A tally as a flat list of counters, the form in which the database keeps and adds them.
//!
//! Every counter of every kind is additive, so the stored tally of a breakdown cell grows
//! by element-wise addition (`counters = counters + new`), and shrinks by subtraction. The
//! layout of a metric's counters is fixed by its declaration and the choices of the
//! questions it reads: a survey version's tallies are read back with that version.
//!
//! | kind | counters |
//! |---|---|
//! | share | `x, n` |
//! | gap | `both, first_only, second_only, neither` |
//! | mean | `n, sum, sum_sq` |
//! | ranking | `n`, then per choice its count at each rank |
//! | matrix | per row `x, n, n, sum, sum_sq` |
//! | top choices | `n`, then per choice its count |
//! | network | per node (the matrix's rows) its respondents, then the edges node × node |

use std::collections::BTreeMap;

use super::{Tally, codes_of};
use crate::stats::{Moments, Paired, Share};
use crate::survey::{Metric, MetricKind, Survey};

/// Where each metric's counters lie in the flat counters of a survey version (as
/// [`response_counters`] lays them out): worked out once per version, used for every cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Metric ID and how many counters it has, in declaration order.
    parts: Vec<(String, usize)>,
}

impl Layout {
    pub fn of(survey: &Survey) -> Layout {
        Layout {
            parts: survey
                .metrics
                .iter()
                .map(|m| {
                    let len = Tally::empty(survey, m).counters(survey, m).len();
                    (m.id.to_string(), len)
                })
                .collect(),
        }
    }

    /// How many counters a response or a cell has.
    pub fn width(&self) -> usize {
        self.parts.iter().map(|(_, len)| len).sum()
    }

    /// `all` cut into each metric's own counters, by metric ID; empty when `all` has
    /// another length.
    pub fn split<'a>(&self, all: &'a [f64]) -> BTreeMap<&str, &'a [f64]> {
        if self.width() != all.len() {
            return BTreeMap::new();
        }
        let mut rest = all;
        let mut out = BTreeMap::new();
        for (id, len) in &self.parts {
            let (mine, after) = rest.split_at(*len);
            out.insert(id.as_str(), mine);
            rest = after;
        }
        out
    }
}

/// A counter read back as a count: stored counts are whole numbers in `float8`, exact up
/// to 2⁵³; anything else (a negative from a bad row) counts as nothing.
fn count(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value.round() as u64
    } else {
        0
    }
}

fn moments(c: &[f64]) -> Moments {
    Moments {
        n: count(c[0]),
        sum: c[1],
        sum_sq: c[2],
    }
}

impl Tally {
    /// The counters of this tally, in the layout of `metric` (see the module's table).
    pub fn counters(&self, survey: &Survey, metric: &Metric) -> Vec<f64> {
        match self {
            Tally::Share(s) => vec![s.x as f64, s.n as f64],
            Tally::Gap(p) => [p.both, p.first_only, p.second_only, p.neither]
                .map(|c| c as f64)
                .to_vec(),
            Tally::Mean(m) => vec![m.n as f64, m.sum, m.sum_sq],
            Tally::Ranking { n, positions } => std::iter::once(*n as f64)
                .chain(positions.iter().flatten().map(|&c| c as f64))
                .collect(),
            Tally::Matrix { rows } => rows
                .iter()
                .flat_map(|(s, m)| [s.x as f64, s.n as f64, m.n as f64, m.sum, m.sum_sq])
                .collect(),
            Tally::TopChoices { n, counts } => std::iter::once(*n as f64)
                .chain(counts.iter().map(|&c| c as f64))
                .collect(),
            Tally::Network { edges, n } => {
                let nodes = nodes(survey, metric);
                let mut out: Vec<f64> = nodes
                    .iter()
                    .map(|node| n.get(*node).copied().unwrap_or(0) as f64)
                    .collect();
                for from in &nodes {
                    for to in &nodes {
                        let weight = edges.get(*from).and_then(|e| e.get(*to));
                        out.push(weight.copied().unwrap_or(0) as f64);
                    }
                }
                out
            }
        }
    }

    /// The tally of `metric` whose counters are `c`; `None` when `c` does not have the
    /// layout's length (counters stored for another declaration).
    pub fn from_counters(survey: &Survey, metric: &Metric, c: &[f64]) -> Option<Tally> {
        let empty = Tally::empty(survey, metric);
        if c.len() != empty.counters(survey, metric).len() {
            return None;
        }
        Some(match (&metric.kind, empty) {
            (MetricKind::Share { .. }, _) => Tally::Share(Share::new(count(c[0]), count(c[1]))),
            (MetricKind::Gap { .. }, _) => Tally::Gap(Paired {
                both: count(c[0]),
                first_only: count(c[1]),
                second_only: count(c[2]),
                neither: count(c[3]),
            }),
            (MetricKind::Mean { .. }, _) => Tally::Mean(moments(c)),
            (_, Tally::Ranking { positions, .. }) => {
                let top = positions.first().map_or(1, Vec::len).max(1);
                Tally::Ranking {
                    n: count(c[0]),
                    positions: c[1..]
                        .chunks(top)
                        .map(|ranks| ranks.iter().map(|&v| count(v)).collect())
                        .take(positions.len())
                        .collect(),
                }
            }
            (_, Tally::Matrix { .. }) => Tally::Matrix {
                rows: c
                    .chunks(5)
                    .map(|r| (Share::new(count(r[0]), count(r[1])), moments(&r[2..])))
                    .collect(),
            },
            (_, Tally::TopChoices { .. }) => Tally::TopChoices {
                n: count(c[0]),
                counts: c[1..].iter().map(|&v| count(v)).collect(),
            },
            (_, Tally::Network { .. }) => {
                let nodes = nodes(survey, metric);
                let (ns, weights) = c.split_at(nodes.len());
                let n = nodes
                    .iter()
                    .zip(ns)
                    .filter(|(_, v)| count(**v) > 0)
                    .map(|(node, v)| (node.to_string(), count(*v)))
                    .collect();
                let mut edges: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
                for (i, from) in nodes.iter().enumerate() {
                    for (j, to) in nodes.iter().enumerate() {
                        let weight = count(weights[i * nodes.len() + j]);
                        if weight > 0 {
                            edges
                                .entry(from.to_string())
                                .or_default()
                                .insert(to.to_string(), weight);
                        }
                    }
                }
                Tally::Network { edges, n }
            }
            (_, other) => other,
        })
    }
}

/// The nodes of a network metric: the rows of its matrix, in order.
pub(crate) fn nodes<'s>(survey: &'s Survey, metric: &Metric) -> Vec<&'s str> {
    match &metric.kind {
        MetricKind::Network { question, .. } => codes_of(survey, question.as_str()),
        _ => Vec::new(),
    }
}
