//! From the tallies of breakdown cells to the figures a page shows, with their intervals,
//! and with every small count suppressed.
//!
//! A request selects the cells that match its filter and adds their counters. Which
//! figures are hidden (the survey's threshold `k`, default 5):
//!
//! 1. **Primary**: a share whose numerator, complement or denominator is below `k`, and
//!    a count (respondents, a mean's n) below `k` ([`crate::stats::suppress`]).
//! 2. **Subtraction between requests**: for each filter, the same request without it
//!    ("province = beijing" without "role = clinician") is also a request anyone may make;
//!    the difference of the two is a group of its own (Beijing's non-clinicians). A figure
//!    whose difference is a non-empty group that rule 1 would hide is hidden too. When the
//!    respondents themselves are too few, or their difference is, no figure is shown at
//!    all and the page says why ([`Withheld`]).
//! 3. **Subtraction within a table**: the groups of a split and the whole add up, so when
//!    exactly one group's figure is hidden (respondents outside every group, such as those
//!    not asked the split question, count as a group), one more is hidden: the smallest
//!    shown, or the whole when none is left ([`crate::stats::suppress::secondary`]).
//!
//! A hidden figure shows nothing: no count, no percent, no interval. Zero respondents is
//! not a secret (no one is behind it): a group nobody is in is simply not listed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AnalysisQuery, Tally, layout::nodes};
use crate::stats::suppress::{secondary, too_small};
use crate::stats::{Moments, Share, borda};
use crate::survey::{Choice, Code, MetricId, MetricKind, QuestionId, Survey, Text};

/// The methods the figures use, named on the page and in the JSON.
pub const METHOD_SHARE: &str = "Wilson score interval, 95%";
pub const METHOD_GAP: &str =
    "Newcombe's hybrid score interval for paired proportions (1998, method 10), 95%";
pub const METHOD_MEAN: &str = "t-interval, 95%";

/// The tallies of one breakdown cell: the respondents whose breakdown answers are these.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TalliedCell {
    /// Breakdown question → the respondent's choice.
    pub breakdown: BTreeMap<String, String>,
    pub respondents: u64,
    /// Metric ID → its counters ([`Tally::counters`]).
    pub counters: BTreeMap<String, Vec<f64>>,
}

/// A figure, or the fact that it is hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shown<T> {
    Value(T),
    Suppressed { suppressed: bool },
}

impl<T> Shown<T> {
    fn new(value: Option<T>, hidden: bool) -> Shown<T> {
        match value {
            Some(value) if !hidden => Shown::Value(value),
            _ => Shown::Suppressed { suppressed: true },
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Shown::Value(v) => Some(v),
            Shown::Suppressed { .. } => None,
        }
    }
}

/// `x` of `n`, with its Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub x: u64,
    pub n: u64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Proportion {
    /// None for no one: no rate, never 0%.
    pub fn of(share: Share) -> Option<Proportion> {
        let interval = share.wilson()?;
        Some(Proportion {
            x: share.x,
            n: share.n,
            estimate: share.estimate()?,
            low: interval.low,
            high: interval.high,
        })
    }
}

/// A mean with its spread and t-interval (none below two values).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    pub n: u64,
    pub mean: f64,
    pub sd: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Mean {
    pub fn of(moments: Moments) -> Option<Mean> {
        let interval = moments.t_interval();
        Some(Mean {
            n: moments.n,
            mean: moments.mean()?,
            sd: moments.sd(),
            low: interval.map(|i| i.low),
            high: interval.map(|i| i.high),
        })
    }
}

/// The difference of a gap's two shares, over the `n` asked both.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub n: u64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// One side of a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub label: Text,
    pub share: Shown<Proportion>,
}

/// One item of a ranked list (a choice, a matrix row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub code: Code,
    pub label: Text,
    /// Share choosing it (top choices), rating it at least the threshold (matrix), ranking
    /// it at all (ranking).
    pub share: Shown<Proportion>,
    /// Share ranking it first (ranking only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Shown<Proportion>>,
    /// Borda points (ranking only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borda: Option<Shown<u64>>,
    /// The row's mean rating (matrix only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Shown<Mean>>,
}

/// A node of a network: a type of partner, and the respondents of that type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub code: Code,
    pub label: Text,
    pub respondents: Shown<u64>,
}

/// Respondents of type `from` reporting a tie with type `to`, of all respondents of
/// `from`; `from == to` is a loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: Code,
    pub to: Code,
    pub weight: Shown<Proportion>,
}

/// A metric's figures for one selection of respondents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    Share {
        share: Shown<Proportion>,
    },
    Gap {
        first: Side,
        second: Side,
        difference: Shown<Difference>,
    },
    Mean {
        mean: Shown<Mean>,
    },
    /// Items by Borda points, highest first (hidden ones last, in the question's order).
    Ranking {
        respondents: Shown<u64>,
        top: usize,
        items: Vec<Item>,
    },
    /// Rows by the share rating them at least `at_least`, highest first.
    Matrix {
        at_least: i64,
        items: Vec<Item>,
    },
    /// Choices by share, highest first.
    TopChoices {
        respondents: Shown<u64>,
        items: Vec<Item>,
    },
    Network {
        nodes: Vec<Node>,
        edges: Vec<Edge>,
    },
}

/// Why a request shows no figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Withheld {
    /// Fewer respondents than the threshold match the filters.
    TooFew,
    /// Dropping the filter on `parameter` adds fewer respondents than the threshold, who
    /// could be told apart by subtracting the two.
    BySubtraction { parameter: String },
}

/// A group of a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub code: Code,
    pub label: Text,
    pub respondents: Shown<u64>,
}

/// A metric's figures: of the whole selection, and of each group when split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFigures {
    pub id: MetricId,
    pub title: Text,
    pub all: Figure,
    /// In the order of [`Report::groups`].
    pub groups: Vec<Figure>,
}

/// Everything an analysis page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Counts below this are never shown.
    pub threshold: u64,
    pub query: AnalysisQuery,
    pub respondents: Shown<u64>,
    pub withheld: Option<Withheld>,
    pub split: Option<QuestionId>,
    pub groups: Vec<Group>,
    pub metrics: Vec<MetricFigures>,
}

/// The report for `query` over the tallies of every cell of `survey`.
pub fn report(survey: &Survey, cells: &[TalliedCell], query: &AnalysisQuery) -> Report {
    // 0, which the loader refuses in a definition, shows every figure: for recounts.
    let k = u64::from(survey.suppress_below);
    let mut selections = Selections::new(survey, cells);
    let filter: Filter = query
        .filter
        .iter()
        .map(|(q, c)| (q.to_string(), c.to_string()))
        .collect();
    let mut report = Report {
        threshold: k,
        query: query.clone(),
        respondents: Shown::Suppressed { suppressed: true },
        withheld: None,
        split: query.split.clone(),
        groups: Vec::new(),
        metrics: Vec::new(),
    };
    let whole = View::new(&mut selections, &filter);
    if let Some(withheld) = whole.withheld(k) {
        report.withheld = Some(withheld);
        return report;
    }
    report.respondents = Shown::Value(whole.selection.respondents);
    let metrics: Vec<_> = survey
        .metrics
        .iter()
        .filter(|m| query.metric.as_ref().is_none_or(|id| *id == m.id))
        .collect();
    let mut masks: Vec<Vec<bool>> = metrics.iter().map(|m| whole.mask(survey, m, k)).collect();

    // The split's groups, each a view of its own, then rule 3 across them.
    let mut groups: Vec<(Group, View)> = Vec::new();
    if let Some(split) = &query.split {
        for Choice { code, label, .. } in survey.items(split.as_str()) {
            let mut with = filter.clone();
            with.insert(split.to_string(), code.to_string());
            let view = View::new(&mut selections, &with);
            if view.selection.respondents == 0 {
                continue;
            }
            let hidden = view.withheld(k).is_some();
            let group = Group {
                code: code.clone(),
                label: label.clone(),
                respondents: Shown::new(Some(view.selection.respondents), hidden),
            };
            groups.push((group, view));
        }
    }
    let mut group_masks: Vec<Vec<Vec<bool>>> = groups
        .iter()
        .map(|(_, view)| metrics.iter().map(|m| view.mask(survey, m, k)).collect())
        .collect();
    if !groups.is_empty() {
        let sizes: Vec<Slot> = groups
            .iter()
            .map(|(_, v)| Slot::Count(v.selection.respondents))
            .collect();
        let mut hidden: Vec<bool> = groups
            .iter()
            .map(|(g, _)| g.respondents.value().is_none())
            .collect();
        across(
            &mut hidden,
            &sizes,
            Slot::Count(whole.selection.respondents),
            k,
        );
        for ((group, _), hide) in groups.iter_mut().zip(hidden) {
            if hide {
                group.respondents = Shown::Suppressed { suppressed: true };
            }
        }
        for (m, metric) in metrics.iter().enumerate() {
            let total = whole.slots(survey, metric);
            let per_group: Vec<Vec<Slot>> = groups
                .iter()
                .map(|(_, v)| v.slots(survey, metric))
                .collect();
            for (i, total_slot) in total.iter().enumerate() {
                let rows: Vec<Slot> = per_group.iter().map(|s| s[i]).collect();
                let mut hidden: Vec<bool> = group_masks.iter().map(|g| g[m][i]).collect();
                if across(&mut hidden, &rows, *total_slot, k) {
                    masks[m][i] = true;
                }
                for (g, hide) in group_masks.iter_mut().zip(hidden) {
                    g[m][i] |= hide;
                }
            }
        }
    }
    report.metrics = metrics
        .iter()
        .enumerate()
        .map(|(m, metric)| MetricFigures {
            id: metric.id.clone(),
            title: metric.title.clone(),
            all: figure(survey, metric, &whole.tally(survey, metric), &masks[m]),
            groups: groups
                .iter()
                .zip(&group_masks)
                .map(|((_, view), mask)| {
                    figure(survey, metric, &view.tally(survey, metric), &mask[m])
                })
                .collect(),
        })
        .collect();
    report.groups = groups.into_iter().map(|(g, _)| g).collect();
    report
}

/// Rule 3 over one figure of a table: `rows` (the groups) and the respondents outside
/// every group (`total` minus the rows) as one more row. Returns whether the total must be
/// hidden too.
fn across(hidden: &mut Vec<bool>, rows: &[Slot], total: Slot, k: u64) -> bool {
    let rest = rows.iter().fold(total, |rest, row| rest.minus(*row));
    let mut sizes: Vec<u64> = rows.iter().map(|r| r.size()).collect();
    let extra = rest.size() > 0;
    if extra {
        hidden.push(rest.disclosive(k));
        sizes.push(rest.size());
    }
    let total_hidden = secondary(hidden, &sizes, total.disclosive(k));
    if extra {
        hidden.pop();
    }
    total_hidden
}

type Filter = BTreeMap<String, String>;

/// The added counters of the cells matching a filter.
#[derive(Debug, Clone, Default)]
struct Selection {
    respondents: u64,
    /// Per metric of the survey, in order.
    counters: Vec<Vec<f64>>,
}

/// Selections already added up, by filter.
struct Selections<'a> {
    cells: &'a [TalliedCell],
    /// Per cell, per metric of the survey (in order): its counters when of the layout.
    counters: Vec<Vec<Option<&'a [f64]>>>,
    lengths: Vec<usize>,
    done: BTreeMap<Filter, Selection>,
}

impl<'a> Selections<'a> {
    fn new(survey: &'a Survey, cells: &'a [TalliedCell]) -> Self {
        let lengths: Vec<usize> = survey
            .metrics
            .iter()
            .map(|m| Tally::empty(survey, m).counters(survey, m).len())
            .collect();
        let counters = cells
            .iter()
            .map(|cell| {
                survey
                    .metrics
                    .iter()
                    .zip(&lengths)
                    .map(|(metric, len)| {
                        cell.counters
                            .get(metric.id.as_str())
                            .filter(|c| c.len() == *len)
                            .map(Vec::as_slice)
                    })
                    .collect()
            })
            .collect();
        Selections {
            cells,
            counters,
            lengths,
            done: BTreeMap::new(),
        }
    }

    fn get(&mut self, filter: &Filter) -> Selection {
        if let Some(found) = self.done.get(filter) {
            return found.clone();
        }
        let mut selection = Selection {
            respondents: 0,
            counters: self.lengths.iter().map(|&len| vec![0.0; len]).collect(),
        };
        for (cell, counters) in self.cells.iter().zip(&self.counters) {
            let matches = filter
                .iter()
                .all(|(q, c)| cell.breakdown.get(q).is_some_and(|v| v == c));
            if !matches {
                continue;
            }
            selection.respondents += cell.respondents;
            for (sum, counters) in selection.counters.iter_mut().zip(counters) {
                for (a, b) in sum.iter_mut().zip(counters.unwrap_or_default()) {
                    *a += b;
                }
            }
        }
        self.done.insert(filter.clone(), selection.clone());
        selection
    }
}

/// A selection and the selections of the same request with one filter dropped.
struct View {
    selection: Selection,
    /// (the filter dropped, its selection).
    relaxed: Vec<(String, Selection)>,
}

impl View {
    fn new(selections: &mut Selections, filter: &Filter) -> View {
        let relaxed = filter
            .keys()
            .map(|dropped| {
                let mut fewer = filter.clone();
                fewer.remove(dropped);
                (dropped.clone(), selections.get(&fewer))
            })
            .collect();
        View {
            selection: selections.get(filter),
            relaxed,
        }
    }

    /// Why this view shows nothing, if it does not (rules 1 and 2 on its respondents).
    fn withheld(&self, k: u64) -> Option<Withheld> {
        let mine = Slot::Count(self.selection.respondents);
        if mine.disclosive(k) {
            return Some(Withheld::TooFew);
        }
        self.relaxed.iter().find_map(|(dropped, other)| {
            let rest = Slot::Count(other.respondents).minus(mine);
            (rest.size() > 0 && rest.disclosive(k)).then(|| Withheld::BySubtraction {
                parameter: dropped.clone(),
            })
        })
    }

    fn tally(&self, survey: &Survey, metric: &crate::survey::Metric) -> Tally {
        tally_of(survey, metric, &self.selection)
    }

    fn slots(&self, survey: &Survey, metric: &crate::survey::Metric) -> Vec<Slot> {
        slots(survey, metric, &self.tally(survey, metric))
    }

    /// Rules 1 and 2 for each of the metric's figures: whether to hide it.
    fn mask(&self, survey: &Survey, metric: &crate::survey::Metric, k: u64) -> Vec<bool> {
        let mine = self.slots(survey, metric);
        let others: Vec<Vec<Slot>> = self
            .relaxed
            .iter()
            .map(|(_, s)| slots(survey, metric, &tally_of(survey, metric, s)))
            .collect();
        mine.iter()
            .enumerate()
            .map(|(i, slot)| {
                slot.disclosive(k)
                    || others.iter().any(|other| {
                        let rest = other[i].minus(*slot);
                        rest.size() > 0 && rest.disclosive(k)
                    })
            })
            .collect()
    }
}

fn tally_of(survey: &Survey, metric: &crate::survey::Metric, selection: &Selection) -> Tally {
    let index = survey.metrics.iter().position(|m| m.id == metric.id);
    index
        .and_then(|i| selection.counters.get(i))
        .and_then(|c| Tally::from_counters(survey, metric, c))
        .unwrap_or_else(|| Tally::empty(survey, metric))
}

/// A count that a page shows, as the suppression rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    /// A share: hidden when its numerator, complement or denominator is small.
    Share(Share),
    /// A count on its own (respondents, a mean's n): hidden when small.
    Count(u64),
}

impl Slot {
    fn disclosive(self, k: u64) -> bool {
        match self {
            Slot::Share(share) => too_small(share, k),
            Slot::Count(n) => n < k,
        }
    }

    fn size(self) -> u64 {
        match self {
            Slot::Share(share) => share.n,
            Slot::Count(n) => n,
        }
    }

    /// What is left of `self` without `other` (a subset of it).
    fn minus(self, other: Slot) -> Slot {
        match (self, other) {
            (Slot::Share(a), Slot::Share(b)) => {
                Slot::Share(Share::new(a.x.saturating_sub(b.x), a.n.saturating_sub(b.n)))
            }
            (a, b) => Slot::Count(a.size().saturating_sub(b.size())),
        }
    }
}

/// The counts behind each figure of a metric, in the order [`figure`] shows them.
fn slots(survey: &Survey, metric: &crate::survey::Metric, tally: &Tally) -> Vec<Slot> {
    match tally {
        Tally::Share(s) => vec![Slot::Share(*s)],
        Tally::Gap(p) => vec![Slot::Share(p.first()), Slot::Share(p.second())],
        Tally::Mean(m) => vec![Slot::Count(m.n)],
        Tally::Ranking { n, positions } => std::iter::once(Slot::Count(*n))
            .chain(positions.iter().flat_map(|ranks| {
                let first = ranks.first().copied().unwrap_or(0);
                let any = ranks.iter().sum();
                [
                    Slot::Share(Share::new(first, *n)),
                    Slot::Share(Share::new(any, *n)),
                ]
            }))
            .collect(),
        Tally::Matrix { rows } => rows
            .iter()
            .flat_map(|(s, m)| [Slot::Share(*s), Slot::Count(m.n)])
            .collect(),
        Tally::TopChoices { n, counts } => std::iter::once(Slot::Count(*n))
            .chain(counts.iter().map(|&c| Slot::Share(Share::new(c, *n))))
            .collect(),
        Tally::Network { edges, n } => {
            let nodes = nodes(survey, metric);
            let count = |node: &str| n.get(node).copied().unwrap_or(0);
            let mut out: Vec<Slot> = nodes.iter().map(|node| Slot::Count(count(node))).collect();
            for from in &nodes {
                for to in &nodes {
                    let weight = edges.get(*from).and_then(|e| e.get(*to)).copied();
                    out.push(Slot::Share(Share::new(weight.unwrap_or(0), count(from))));
                }
            }
            out
        }
    }
}

/// The figures of `tally`, each hidden where `mask` (aligned with [`slots`]) says so.
fn figure(survey: &Survey, metric: &crate::survey::Metric, tally: &Tally, mask: &[bool]) -> Figure {
    let mut hidden = mask.iter().copied().chain(std::iter::repeat(true));
    let mut next = move || hidden.next().unwrap_or(true);
    let labels = labels_of(survey, metric);
    match (tally, &metric.kind) {
        (Tally::Share(s), _) => Figure::Share {
            share: Shown::new(Proportion::of(*s), next()),
        },
        (Tally::Gap(p), MetricKind::Gap { first, second }) => {
            let (a, b) = (next(), next());
            let difference = p.difference().map(|(estimate, interval)| Difference {
                n: p.n(),
                estimate,
                low: interval.low,
                high: interval.high,
            });
            Figure::Gap {
                first: Side {
                    label: first.label.clone(),
                    share: Shown::new(Proportion::of(p.first()), a),
                },
                second: Side {
                    label: second.label.clone(),
                    share: Shown::new(Proportion::of(p.second()), b),
                },
                difference: Shown::new(difference, a || b),
            }
        }
        (Tally::Mean(m), _) => Figure::Mean {
            mean: Shown::new(Mean::of(*m), next()),
        },
        (Tally::Ranking { n, positions }, _) => {
            let respondents = Shown::new(Some(*n), next());
            let top = positions.first().map_or(0, Vec::len);
            let points = borda(positions, top);
            let mut items: Vec<Item> = positions
                .iter()
                .zip(labels)
                .enumerate()
                .map(|(i, (ranks, (code, label)))| {
                    let (first, any) = (next(), next());
                    Item {
                        code,
                        label,
                        share: Shown::new(Proportion::of(Share::new(ranks.iter().sum(), *n)), any),
                        first: Some(Shown::new(
                            Proportion::of(Share::new(ranks.first().copied().unwrap_or(0), *n)),
                            first,
                        )),
                        borda: Some(Shown::new(points.get(i).copied(), any)),
                        mean: None,
                    }
                })
                .collect();
            rank(&mut items, |item| {
                item.borda
                    .as_ref()
                    .and_then(|b| b.value())
                    .map(|&b| b as f64)
            });
            Figure::Ranking {
                respondents,
                top,
                items,
            }
        }
        (Tally::Matrix { rows }, MetricKind::Matrix { at_least, .. }) => {
            let mut items: Vec<Item> = rows
                .iter()
                .zip(labels)
                .map(|((share, moments), (code, label))| {
                    let (s, m) = (next(), next());
                    Item {
                        code,
                        label,
                        share: Shown::new(Proportion::of(*share), s),
                        first: None,
                        borda: None,
                        mean: Some(Shown::new(Mean::of(*moments), m)),
                    }
                })
                .collect();
            rank(&mut items, |item| item.share.value().map(|p| p.estimate));
            Figure::Matrix {
                at_least: *at_least,
                items,
            }
        }
        (Tally::TopChoices { n, counts }, _) => {
            let respondents = Shown::new(Some(*n), next());
            let mut items: Vec<Item> = counts
                .iter()
                .zip(labels)
                .map(|(&c, (code, label))| Item {
                    code,
                    label,
                    share: Shown::new(Proportion::of(Share::new(c, *n)), next()),
                    first: None,
                    borda: None,
                    mean: None,
                })
                .collect();
            rank(&mut items, |item| item.share.value().map(|p| p.estimate));
            Figure::TopChoices { respondents, items }
        }
        (Tally::Network { edges, n }, _) => {
            let count = |node: &str| n.get(node).copied().unwrap_or(0);
            let nodes: Vec<Node> = labels
                .into_iter()
                .map(|(code, label)| Node {
                    respondents: Shown::new(Some(count(code.as_str())), next()),
                    code,
                    label,
                })
                .collect();
            let mut links = Vec::new();
            for from in &nodes {
                for to in &nodes {
                    let weight = edges
                        .get(from.code.as_str())
                        .and_then(|e| e.get(to.code.as_str()))
                        .copied()
                        .unwrap_or(0);
                    links.push(Edge {
                        from: from.code.clone(),
                        to: to.code.clone(),
                        weight: Shown::new(
                            Proportion::of(Share::new(weight, count(from.code.as_str()))),
                            next(),
                        ),
                    });
                }
            }
            Figure::Network {
                nodes,
                edges: links,
            }
        }
        // A tally of another kind than its metric's cannot be built (`Tally::empty`).
        (_, _) => Figure::Share {
            share: Shown::Suppressed { suppressed: true },
        },
    }
}

/// Shown items by `value`, highest first; hidden ones after them in their own order (so
/// that the place of a hidden item tells nothing about its value).
fn rank(items: &mut [Item], value: impl Fn(&Item) -> Option<f64>) {
    items.sort_by(|a, b| match (value(a), value(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// The codes and labels of a metric's items: the choices of its question, or the rows of
/// its matrix (a network's nodes).
fn labels_of(survey: &Survey, metric: &crate::survey::Metric) -> Vec<(Code, Text)> {
    let question = match &metric.kind {
        MetricKind::Ranking { question }
        | MetricKind::Matrix { question, .. }
        | MetricKind::TopChoices { question }
        | MetricKind::Network { question, .. } => question,
        _ => return Vec::new(),
    };
    survey
        .items(question.as_str())
        .iter()
        .map(|c| (c.code.clone(), c.label.clone()))
        .collect()
}
