//! The figures a survey's analysis pages show, declared with the survey (`[[metrics]]`)
//! and checked by the loader against its questions, so that nothing in the code names a
//! question of any one survey.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Code, Condition, MetricId, QuestionId, Text};

/// The default of `suppress_below`: counts under 5 are never shown.
pub const DEFAULT_SUPPRESS_BELOW: u32 = 5;

/// One declared figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Its name in addresses, JSON and CSV files.
    pub id: MetricId,
    pub title: Text,
    pub kind: MetricKind,
}

/// What a metric counts, and over whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// The share meeting `when`, among the respondents asked every question it reads.
    Share { when: Condition },
    /// `first` − `second` over the respondents asked the questions of both (a paired
    /// difference: the same people answer both), such as interest against engagement.
    Gap { first: Labelled, second: Labelled },
    /// The mean of a rating, a whole number or one row of a rated matrix.
    Mean {
        question: QuestionId,
        row: Option<Code>,
    },
    /// A ranking question: each item's Borda points (`top`, `top − 1`, … 1 for the ranks),
    /// the share ranking it first and the share ranking it at all.
    Ranking { question: QuestionId },
    /// A matrix rated on a scale: per row, the share rating it `at_least` and its mean,
    /// ranked.
    Matrix { question: QuestionId, at_least: i64 },
    /// The share choosing each choice of a choice question, ranked.
    TopChoices { question: QuestionId },
    /// Who works with whom. The nodes are the rows of the matrix `question` (partner
    /// types); each respondent is a node too, through `types`, which maps the codes of
    /// their answer to `by` onto those rows. An edge from a respondent's type to a row
    /// counts the respondents who answered one of `ties` for it (a type working with its
    /// own kind is a loop).
    Network {
        question: QuestionId,
        ties: Vec<Code>,
        by: QuestionId,
        types: BTreeMap<Code, Code>,
    },
}

/// A condition with the words shown for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    pub when: Condition,
    pub label: Text,
}

impl MetricKind {
    /// The kind's name in a definition file (`kind = "share"`).
    pub fn name(&self) -> &'static str {
        match self {
            MetricKind::Share { .. } => "share",
            MetricKind::Gap { .. } => "gap",
            MetricKind::Mean { .. } => "mean",
            MetricKind::Ranking { .. } => "ranking",
            MetricKind::Matrix { .. } => "matrix",
            MetricKind::TopChoices { .. } => "top_choices",
            MetricKind::Network { .. } => "network",
        }
    }
}
