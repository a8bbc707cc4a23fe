//! Folding responses into what each declared metric counts ([`Tally`]).
//!
//! A tally is additive: the counters of a set of responses ([`Tally::counters`]) are the
//! sum of its parts' counters. So each response is folded into the counters of its
//! breakdown cell, and any filter's figures add up the cells it selects; nothing is
//! counted again from the stored answers when figures are read.
//!
//! Who is counted: a metric counts the respondents *asked* the questions it reads (their
//! outcome is not "not asked"), so a clinicians-only question has clinicians for its
//! denominator. An asked question left unanswered counts in the denominator of a share
//! and as "no"; a mean or a ranking counts only the answers given.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::answers::{Answer, Cell, Outcome};
use crate::expr::{Answers, Reference, Value};
use crate::stats::{Moments, Paired, Share};
use crate::survey::{Condition, Metric, MetricKind, QuestionKind, Survey};

/// How long a response in progress rests after its last page save before the analysis
/// counts it as partial (figures of completed and partial responses). A respondent moving
/// through the survey is counted once, when they submit or stop, rather than again at
/// every page: so a page save costs the counts nothing, and a submit only its own count.
pub const PARTIAL_REST_MINUTES: u64 = 5;

/// One response's outcomes, question ID → what became of it (as stored).
pub type Outcomes = BTreeMap<String, Outcome>;

/// What one metric has counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tally {
    /// Respondents meeting the condition, of those asked.
    Share(Share),
    /// The paired table of the two conditions, over those asked both.
    Gap(Paired),
    Mean(Moments),
    /// `positions[i][r]`: respondents ranking choice `i` at rank `r + 1`; `n` respondents
    /// answered.
    Ranking {
        n: u64,
        positions: Vec<Vec<u64>>,
    },
    /// Per row, in the question's order: the share rating it `at_least`, of those who
    /// rated it, and the ratings' moments.
    Matrix {
        rows: Vec<(Share, Moments)>,
    },
    /// Per choice, in the question's order: respondents choosing it; `n` answered.
    TopChoices {
        n: u64,
        counts: Vec<u64>,
    },
    /// Respondent's type → partner type → respondents reporting a tie; `n` per type of
    /// respondent who answered.
    Network {
        edges: BTreeMap<String, BTreeMap<String, u64>>,
        n: BTreeMap<String, u64>,
    },
}

impl Tally {
    /// The tally of no response for `metric` of `survey`.
    pub fn empty(survey: &Survey, metric: &Metric) -> Tally {
        let choices = |question: &str| survey.items(question).len();
        match &metric.kind {
            MetricKind::Share { .. } => Tally::Share(Share::default()),
            MetricKind::Gap { .. } => Tally::Gap(Paired::default()),
            MetricKind::Mean { .. } => Tally::Mean(Moments::default()),
            MetricKind::Ranking { question } => {
                let top = match survey.question(question.as_str()).map(|q| &q.kind) {
                    Some(QuestionKind::Ranking { top, .. }) => *top as usize,
                    _ => 0,
                };
                Tally::Ranking {
                    n: 0,
                    positions: vec![vec![0; top]; choices(question.as_str())],
                }
            }
            MetricKind::Matrix { question, .. } => Tally::Matrix {
                rows: vec![(Share::default(), Moments::default()); choices(question.as_str())],
            },
            MetricKind::TopChoices { question } => Tally::TopChoices {
                n: 0,
                counts: vec![0; choices(question.as_str())],
            },
            MetricKind::Network { .. } => Tally::Network {
                edges: BTreeMap::new(),
                n: BTreeMap::new(),
            },
        }
    }

    /// Folds one response in. A tally of another metric's shape is left as it is.
    pub fn add(&mut self, survey: &Survey, metric: &Metric, outcomes: &Outcomes) {
        let response = Response(outcomes);
        match (self, &metric.kind) {
            (Tally::Share(share), MetricKind::Share { when }) if response.asked_all(when) => {
                share.n += 1;
                share.x += u64::from(when.expr.holds(&response));
            }
            (Tally::Gap(table), MetricKind::Gap { first, second })
                if response.asked_all(&first.when) && response.asked_all(&second.when) =>
            {
                let first = first.when.expr.holds(&response);
                match (first, second.when.expr.holds(&response)) {
                    (true, true) => table.both += 1,
                    (true, false) => table.first_only += 1,
                    (false, true) => table.second_only += 1,
                    (false, false) => table.neither += 1,
                }
            }
            (Tally::Mean(moments), MetricKind::Mean { question, row }) => {
                let value = response
                    .answer(question.as_str())
                    .map(|a| a.value(row.as_ref().map(|r| r.as_str())));
                if let Some(Value::Number(v)) = value {
                    moments.n += 1;
                    moments.sum += v;
                    moments.sum_sq += v * v;
                }
            }
            (Tally::Ranking { n, positions }, MetricKind::Ranking { question }) => {
                if let Some(Answer::Ranking(ranked)) = response.answer(question.as_str()) {
                    *n += 1;
                    let order = codes_of(survey, question.as_str());
                    for (rank, code) in ranked.iter().enumerate() {
                        let i = order.iter().position(|c| *c == code.as_str());
                        if let Some(cell) = i.and_then(|i| positions.get_mut(i)?.get_mut(rank)) {
                            *cell += 1;
                        }
                    }
                }
            }
            (Tally::Matrix { rows }, MetricKind::Matrix { question, at_least }) => {
                if let Some(Answer::Matrix(cells)) = response.answer(question.as_str()) {
                    let order = codes_of(survey, question.as_str());
                    for (code, cell) in cells {
                        let (Some(i), Cell::Scale(v)) =
                            (order.iter().position(|c| *c == code.as_str()), cell)
                        else {
                            continue;
                        };
                        if let Some((share, moments)) = rows.get_mut(i) {
                            share.n += 1;
                            share.x += u64::from(*v >= *at_least);
                            let v = *v as f64;
                            moments.n += 1;
                            moments.sum += v;
                            moments.sum_sq += v * v;
                        }
                    }
                }
            }
            (Tally::TopChoices { n, counts }, MetricKind::TopChoices { question }) => {
                let chosen: Vec<&str> = match response.answer(question.as_str()) {
                    Some(Answer::Choice { code, .. }) => vec![code.as_str()],
                    Some(Answer::Choices { codes, .. }) => {
                        codes.iter().map(|c| c.as_str()).collect()
                    }
                    _ => return,
                };
                *n += 1;
                let order = codes_of(survey, question.as_str());
                for code in chosen {
                    if let Some(count) = order
                        .iter()
                        .position(|c| *c == code)
                        .and_then(|i| counts.get_mut(i))
                    {
                        *count += 1;
                    }
                }
            }
            (
                Tally::Network { edges, n },
                MetricKind::Network {
                    question,
                    ties,
                    by,
                    types,
                },
            ) => {
                let own = match response.answer(by.as_str()) {
                    Some(Answer::Choice { code, .. }) => types.get(code),
                    _ => None,
                };
                let (Some(own), Some(Answer::Matrix(cells))) =
                    (own, response.answer(question.as_str()))
                else {
                    return;
                };
                *n.entry(own.to_string()).or_default() += 1;
                for (partner, cell) in cells {
                    if matches!(cell, Cell::Choice(c) if ties.contains(c)) {
                        let from = edges.entry(own.to_string()).or_default();
                        *from.entry(partner.to_string()).or_default() += 1;
                    }
                }
            }
            _ => {}
        }
    }
}

/// The breakdown cell of a response: each breakdown question answered → its choice.
pub fn cell_of(survey: &Survey, outcomes: &Outcomes) -> BTreeMap<String, String> {
    let response = Response(outcomes);
    survey
        .breakdowns
        .iter()
        .filter_map(|q| match response.answer(q.as_str()) {
            Some(Answer::Choice { code, .. }) => Some((q.to_string(), code.to_string())),
            _ => None,
        })
        .collect()
}

/// One response's counters for every metric of `survey`, in declaration order, one after
/// the other: what its completion adds to the counters of its cell.
pub fn response_counters(survey: &Survey, outcomes: &Outcomes) -> Vec<f64> {
    survey
        .metrics
        .iter()
        .flat_map(|metric| {
            let mut tally = Tally::empty(survey, metric);
            tally.add(survey, metric, outcomes);
            tally.counters(survey, metric)
        })
        .collect()
}

/// The questions whose answers the counts of `survey` read: its breakdowns and every
/// question a metric reads (its conditions' references too). A response's other answers
/// change neither its cell nor its counters, so the fold decodes only these.
pub fn counted_questions(survey: &Survey) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = survey.breakdowns.iter().map(|q| q.to_string()).collect();
    let mut read = |condition: &Condition| {
        for r in condition.expr.references() {
            out.insert(r.question.to_string());
        }
    };
    for metric in &survey.metrics {
        match &metric.kind {
            MetricKind::Share { when } => read(when),
            MetricKind::Gap { first, second } => {
                read(&first.when);
                read(&second.when);
            }
            _ => {}
        }
    }
    for metric in &survey.metrics {
        out.extend(metric_questions(metric).into_iter().map(str::to_string));
    }
    out
}

/// Whether counters of `metric` kept under the version `older` count the same things as
/// under `newer`: the same declaration, over questions with the same items in the same
/// order. Only then are the two versions' counters added.
pub fn comparable(older: &Survey, newer: &Survey, metric: &Metric) -> bool {
    let Some(theirs) = older.metrics.iter().find(|m| m.id == metric.id) else {
        return false;
    };
    let items = |survey: &Survey, metric: &Metric| -> Vec<Vec<String>> {
        metric_questions(metric)
            .into_iter()
            .map(|q| codes_of(survey, q).iter().map(|c| c.to_string()).collect())
            .collect()
    };
    theirs == metric && items(older, theirs) == items(newer, metric)
}

/// The questions whose items lay out a metric's counters.
fn metric_questions(metric: &Metric) -> Vec<&str> {
    match &metric.kind {
        MetricKind::Ranking { question }
        | MetricKind::Matrix { question, .. }
        | MetricKind::TopChoices { question }
        | MetricKind::Mean { question, .. } => vec![question.as_str()],
        MetricKind::Network { question, by, .. } => vec![question.as_str(), by.as_str()],
        MetricKind::Share { .. } | MetricKind::Gap { .. } => Vec::new(),
    }
}

/// The codes of a choice question's choices, or of a matrix's rows, in order.
pub(crate) fn codes_of<'s>(survey: &'s Survey, question: &str) -> Vec<&'s str> {
    survey
        .items(question)
        .iter()
        .map(|c| c.code.as_str())
        .collect()
}

/// One response, as expressions read it.
struct Response<'a>(&'a Outcomes);

impl Response<'_> {
    fn answer(&self, question: &str) -> Option<&Answer> {
        match self.0.get(question) {
            Some(Outcome::Answered { answer }) => Some(answer),
            _ => None,
        }
    }

    /// Whether every question `condition` reads was asked of this respondent.
    fn asked_all(&self, condition: &Condition) -> bool {
        condition.expr.references().iter().all(|r| {
            matches!(
                self.0.get(r.question.as_str()),
                Some(Outcome::Answered { .. } | Outcome::NoAnswer | Outcome::Invalid { .. })
            )
        })
    }
}

impl Answers for Response<'_> {
    fn value(&self, reference: &Reference) -> Value {
        match self.answer(reference.question.as_str()) {
            Some(answer) => answer.value(reference.row.as_deref()),
            None => Value::Missing,
        }
    }
}

mod figures;
mod layout;
mod packed;
pub(crate) mod query;
mod rows;

pub use figures::*;
pub use layout::Layout;
pub use packed::{pack, unpack};
pub use query::{AnalysisQuery, Counting, QueryError};
pub use rows::Row;

#[cfg(test)]
mod report_tests;
#[cfg(test)]
mod tests;
