//! Answers: from raw input (form fields) to typed values, checked against the definition.
//!
//! [`validate`] is the one function both the browser and the server call: it walks the
//! survey in order, decides what is relevant from the answers before each question, drops
//! (and records as [`Outcome::NotAsked`]) whatever is not, and returns for every question
//! either a typed [`Answer`], [`Outcome::NoAnswer`], or a specific [`AnswerError`].

mod describe;
mod fields;
mod form;
mod parse;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::survey::Code;

pub use form::{FormError, MAX_FIELDS, from_urlencoded};
pub use parse::{MAX_OTHER_LEN, fields_of, reads_field, section_fields};
pub use validate::{Validation, validate};

/// Raw input as a form posts it: field name → values, in the order sent.
///
/// Field names: `q` for a question; `q.other` for its "other — please specify" text;
/// `q.row` for one row of a matrix; `q.1`, `q.2`, … for the choices ranked first, second, ….
pub type RawAnswers = BTreeMap<String, Vec<String>>;

/// Groups `(field, value)` pairs, as a form body decodes to, into [`RawAnswers`]; repeated
/// fields (checkboxes) keep every value in order.
pub fn from_pairs<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> RawAnswers {
    let mut raw = RawAnswers::new();
    for (field, value) in pairs {
        raw.entry(field.into()).or_default().push(value.into());
    }
    raw
}

/// A valid answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Choice {
        code: Code,
        other: Option<String>,
    },
    Choices {
        codes: Vec<Code>,
        other: Option<String>,
    },
    Scale(i64),
    Matrix(BTreeMap<Code, Cell>),
    Ranking(Vec<Code>),
    Integer(i64),
    Decimal(f64),
    Text(String),
    /// `YYYY-MM-DD`.
    Date(String),
    Year(i32),
}

/// One matrix row's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Scale(i64),
    Choice(Code),
}

/// What became of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Answered {
        answer: Answer,
    },
    /// Relevant, optional, left empty.
    NoAnswer,
    /// Not relevant for this respondent: not shown, and any input for it dropped.
    NotAsked,
    Invalid {
        error: AnswerError,
    },
}

/// Why an answer was refused. The app words each one in the respondent's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AnswerError {
    #[error("an answer is required")]
    Required,
    #[error("{value:?} is not one of the choices")]
    NotAChoice { value: String },
    #[error("only one answer is allowed")]
    OnlyOne,
    #[error("choose at least {min}")]
    TooFew { min: u32 },
    #[error("choose at most {max}")]
    TooMany { max: u32 },
    #[error("{code} cannot be combined with other choices")]
    Exclusive { code: Code },
    #[error("the same choice is selected twice")]
    Repeated,
    #[error("please specify \"other\"")]
    OtherMissing,
    #[error("answer every row")]
    RowMissing { row: Code },
    #[error("rank exactly {top}, without gaps")]
    RankIncomplete { top: u32 },
    #[error("enter a whole number")]
    NotWhole,
    #[error("enter a number")]
    NotANumber,
    #[error("enter at least {min}")]
    BelowMin { min: String },
    #[error("enter at most {max}")]
    AboveMax { max: String },
    #[error("at most {max} characters")]
    TooLong { max: u32 },
    #[error("enter a valid e-mail address")]
    NotAnEmail,
    #[error("enter a date as YYYY-MM-DD")]
    NotADate,
    #[error("enter a year")]
    NotAYear,
    /// A posted answer to a question that does not apply to this respondent (its condition
    /// does not hold). Pages never post one (such questions are disabled), so it is refused
    /// as an error rather than silently dropped.
    #[error("this question does not apply to the answers given")]
    NotAsked,
    /// A constraint of the definition failed; `index` is its position in `constraints`.
    #[error("constraint {index} is not met")]
    Constraint { index: usize },
}
