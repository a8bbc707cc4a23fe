//! A dataset export's variables and each response's values in them: the column layout that
//! data.csv, data.xlsx, the syntax files and the codebook share.
//!
//! Every variable is numeric or text. A choice is written as its number in the codebook
//! (its position among the question's choices, from 1), so SPSS, Stata and R attach value
//! labels to it and declare the missing codes; the codebook gives each number's code and
//! labels, and an export in labels writes the label instead. Kinds of question and their
//! columns:
//!
//! | question | columns | values |
//! |---|---|---|
//! | single choice | `q` | choice number; other-text in `q__other_text` |
//! | multiple choice | `q__code` per choice | 1 chosen, 0 not; other-text in `q__other_text` |
//! | rating scale | `q` | the point |
//! | matrix | `q__row` per row | the point, or the choice number |
//! | ranking | `q__code` per choice | its rank, 0 when outside the ranked top |
//! | integer, decimal, year | `q` | the number |
//! | short or long text | `q` | the text |
//! | date | `q` | `YYYY-MM-DD` |
//!
//! Missing values keep their meaning apart, as negative codes ([`Missing`]). Questions
//! whose disclosure class is a direct identifier, and e-mail questions, are never
//! variables; free text (text questions, other-texts) only when the export includes it.

pub mod anon;
pub mod codebook;
pub mod ddi;
mod meta;
pub mod request;
pub mod summary;
pub mod syntax;
#[cfg(test)]
mod tests;
pub mod wording;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answers::{Answer, Cell, Outcome};
use crate::lang::Lang;
use crate::response::ResponseStatus;
use meta::{meta_value, meta_variables};

use crate::survey::{
    Choice, Code, Disclosure, MatrixAnswer, Question, QuestionId, QuestionKind, SectionId, Survey,
    Text,
};

/// Why a value is missing, written as its code in every file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Skipped by branching: the question was not for this respondent.
    NotAsked,
    /// Asked, optional, left empty.
    NoAnswer,
    /// The response ended before the question: consent refused, screened out, quota full.
    Ended,
    /// The response is still in progress and has not reached the question.
    NotReached,
}

impl Missing {
    pub const ALL: [Missing; 4] = [
        Missing::NotAsked,
        Missing::NoAnswer,
        Missing::Ended,
        Missing::NotReached,
    ];

    /// The code written for it: negative, so it never collides with an answer (scales,
    /// choice numbers and ranks start at 0 or 1; a number question whose range admits
    /// negative numbers still tells its missing values apart through the syntax files'
    /// declarations, which name these four codes).
    pub fn code(self) -> i64 {
        match self {
            Missing::NotAsked => -1,
            Missing::NoAnswer => -2,
            Missing::Ended => -3,
            Missing::NotReached => -4,
        }
    }

    /// Its label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Missing::NotAsked, Lang::En) => "not asked (skipped by branching)",
            (Missing::NotAsked, Lang::Zh) => "未问（按分支跳过）",
            (Missing::NoAnswer, Lang::En) => "no answer",
            (Missing::NoAnswer, Lang::Zh) => "未作答",
            (Missing::Ended, Lang::En) => "ended before (refused, screened out or quota full)",
            (Missing::Ended, Lang::Zh) => "此前已结束（拒绝、筛除或配额已满）",
            (Missing::NotReached, Lang::En) => "not reached (response in progress)",
            (Missing::NotReached, Lang::Zh) => "尚未到达（答卷进行中）",
        }
    }
}

/// What kind of values a variable holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Numbers that name categories (choice numbers, 0/1 flags).
    Nominal,
    /// Ordered points (a rating scale, a rank).
    Ordinal,
    /// Numbers to compute with.
    Scale,
    /// Free text.
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

/// One labelled value of a variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueLabel {
    pub value: i64,
    /// The survey's code for it (a choice's code), when it has one.
    pub code: Option<Code>,
    pub label: Text,
}

/// Where a variable's value comes from in a question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The number of the chosen choice, or the scale point.
    Answer,
    /// 1 when this choice is among those chosen, 0 when not.
    Chosen(Code),
    /// The "other — please specify" text.
    OtherText,
    /// A matrix row's point or choice number.
    Row(Code),
    /// The rank given to this choice; 0 when outside the ranked top.
    RankOf(Code),
    /// What the export knows of the response itself.
    Meta(Meta),
}

/// The columns about a response rather than its answers, first in every export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meta {
    /// A number drawn for this export (never the public ID, resume code or invitation).
    Key,
    /// The response's public ID (an admin's identifiable export only).
    PublicId,
    Status,
    Lang,
    /// The day (or week) it began.
    Started,
    /// The day (or week) it was submitted.
    Completed,
    /// Whole minutes from beginning to submitting.
    Minutes,
    /// Begun in a browser that had begun another response.
    SameBrowser,
    /// Submitted in under a third of the median time (the monitoring's rule).
    Speeder,
}

/// How finely an export gives dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dates {
    /// The calendar day.
    #[default]
    Day,
    /// The week, as its Monday.
    Week,
    /// The date and time to the second, in the survey's zone (an admin's identifiable
    /// export only).
    Exact,
}

/// What an export knows of one response besides its answers, already de-identified: a
/// key drawn for the export, dates coarsened, the time in whole minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseMeta {
    pub key: i64,
    /// The response's public ID: read only for an admin's identifiable export.
    #[serde(default)]
    pub public_id: Option<String>,
    pub status: ResponseStatus,
    pub lang: Lang,
    /// `YYYY-MM-DD`: the day, or the Monday of the week.
    pub started: String,
    pub completed: Option<String>,
    pub minutes: Option<i64>,
    pub same_browser: bool,
    pub speeder: bool,
}

/// One column of the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// The column's name: the question's ID, with `__` and a choice or row code after it.
    pub name: String,
    /// The question it comes from; none for a column about the response ([`Meta`]).
    pub question: Option<QuestionId>,
    pub section: Option<SectionId>,
    /// The question's text, with the choice's or row's after it where the column is one.
    pub label: Text,
    pub measure: Measure,
    /// Numbers with a fractional part (a decimal question).
    pub decimal: bool,
    pub disclosure: Disclosure,
    /// Who was asked: the question's and its page's conditions, as written.
    pub asked_when: Vec<String>,
    pub values: Vec<ValueLabel>,
    pub source: Source,
}

impl Variable {
    /// Whether the variable holds text (or dates) rather than numbers.
    pub fn is_text(&self) -> bool {
        matches!(self.measure, Measure::Text | Measure::Date)
    }

    /// The label of `value` in `lang`, if the variable labels it.
    pub fn value_label(&self, value: i64, lang: Lang) -> Option<&str> {
        self.values
            .iter()
            .find(|v| v.value == value)
            .map(|v| v.label.get(lang))
    }
}

/// What an export leaves in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Include {
    /// Free text: text questions and other-texts (an admin's choice, with a reason).
    pub free_text: bool,
    /// Dates by day or by week.
    pub dates: Dates,
    /// The response's public ID as a column (an admin's identifiable export, with a reason).
    #[serde(default)]
    pub identifiable: bool,
}

/// One value of a response in a variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Number(i64),
    Decimal(f64),
    Text(String),
    Missing(Missing),
}

/// How values are written: as numbers (and codes) or as labels in a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Values {
    #[default]
    Codes,
    Labels(Lang),
}

impl Value {
    /// The value as written in a file: a number, a label, a text; a missing value as its
    /// code, or as its label in `[brackets]` when the export writes labels.
    pub fn written(&self, variable: &Variable, values: Values) -> String {
        match (self, values) {
            (Value::Missing(m), Values::Codes) => m.code().to_string(),
            (Value::Missing(m), Values::Labels(lang)) => format!("[{}]", m.label(lang)),
            (Value::Number(n), Values::Labels(lang)) => variable
                .value_label(*n, lang)
                .map_or_else(|| n.to_string(), str::to_owned),
            (Value::Number(n), Values::Codes) => n.to_string(),
            (Value::Decimal(x), _) => x.to_string(),
            (Value::Text(t), _) => t.clone(),
        }
    }
}

/// The export's variables for `survey`, in the order of its questions.
pub fn variables(survey: &Survey, include: Include) -> Vec<Variable> {
    let mut out = meta_variables(include);
    for (section, question) in survey.questions() {
        if exported(question, include.free_text) {
            let mut asked_when: Vec<String> = Vec::new();
            asked_when.extend(section.relevant.iter().map(|c| c.source.clone()));
            asked_when.extend(question.relevant.iter().map(|c| c.source.clone()));
            let column = Column {
                question,
                section: &section.id,
                asked_when: &asked_when,
            };
            column.push_into(&mut out, include);
        }
    }
    out
}

/// Whether `question` gets any column: never a direct identifier or an e-mail address, a
/// note, or free text unless included.
fn exported(question: &Question, free_text: bool) -> bool {
    let text = matches!(
        question.kind,
        QuestionKind::ShortText { .. } | QuestionKind::LongText { .. }
    ) || question.disclosure == Disclosure::FreeText;
    !matches!(question.kind, QuestionKind::Note | QuestionKind::Email)
        && question.disclosure != Disclosure::DirectIdentifier
        && (free_text || !text)
}

/// One question being laid out as columns.
struct Column<'a> {
    question: &'a Question,
    section: &'a SectionId,
    asked_when: &'a [String],
}

impl Column<'_> {
    fn variable(&self, name: String, label: Text, measure: Measure, source: Source) -> Variable {
        Variable {
            name,
            question: Some(self.question.id.clone()),
            section: Some(self.section.clone()),
            label,
            measure,
            decimal: false,
            disclosure: self.question.disclosure,
            asked_when: self.asked_when.to_vec(),
            values: Vec::new(),
            source,
        }
    }

    /// The question's own name and text.
    fn whole(&self, measure: Measure, values: Vec<ValueLabel>) -> Variable {
        Variable {
            values,
            ..self.variable(
                self.question.id.to_string(),
                self.question.label.clone(),
                measure,
                Source::Answer,
            )
        }
    }

    /// A column of one of the question's choices or rows.
    fn item(&self, item: &Choice, measure: Measure, source: Source) -> Variable {
        let label = Text::from_fn(|lang| {
            format!(
                "{}: {}",
                self.question.label.get(lang),
                item.label.get(lang)
            )
        });
        self.variable(
            format!("{}__{}", self.question.id, item.code),
            label,
            measure,
            source,
        )
    }

    fn other_text(&self, choices: &[Choice], free_text: bool) -> Option<Variable> {
        if !free_text || !choices.iter().any(|c| c.other) {
            return None;
        }
        let label = Text::from_fn(|lang| {
            let other = match lang {
                Lang::Zh => "其他（请注明）",
                Lang::En => "other (please specify)",
            };
            format!("{}: {other}", self.question.label.get(lang))
        });
        let mut variable = self.variable(
            format!("{}__other_text", self.question.id),
            label,
            Measure::Text,
            Source::OtherText,
        );
        variable.disclosure = Disclosure::FreeText;
        Some(variable)
    }

    fn push_into(&self, out: &mut Vec<Variable>, include: Include) {
        match &self.question.kind {
            QuestionKind::SingleChoice { choices, .. } => {
                out.push(self.whole(Measure::Nominal, numbered(choices)));
                out.extend(self.other_text(choices, include.free_text));
            }
            QuestionKind::MultipleChoice { choices, .. } => {
                for choice in choices {
                    let mut variable = self.item(
                        choice,
                        Measure::Nominal,
                        Source::Chosen(choice.code.clone()),
                    );
                    variable.values = chosen_labels();
                    out.push(variable);
                }
                out.extend(self.other_text(choices, include.free_text));
            }
            QuestionKind::Likert(scale) => {
                out.push(self.whole(Measure::Ordinal, scale_points(scale)));
            }
            QuestionKind::Matrix { rows, answer } => {
                let (measure, values) = match answer {
                    MatrixAnswer::Scale(scale) => (Measure::Ordinal, scale_points(scale)),
                    MatrixAnswer::Choices(choices) => (Measure::Nominal, numbered(choices)),
                };
                for row in rows {
                    let mut variable = self.item(row, measure, Source::Row(row.code.clone()));
                    variable.values = values.clone();
                    out.push(variable);
                }
            }
            QuestionKind::Ranking { choices, top } => {
                for choice in choices {
                    let mut variable = self.item(
                        choice,
                        Measure::Ordinal,
                        Source::RankOf(choice.code.clone()),
                    );
                    variable.values = rank_labels(*top);
                    out.push(variable);
                }
            }
            QuestionKind::Integer { .. } | QuestionKind::Year { .. } => {
                out.push(self.whole(Measure::Scale, Vec::new()));
            }
            QuestionKind::Decimal { .. } => out.push(Variable {
                decimal: true,
                ..self.whole(Measure::Scale, Vec::new())
            }),
            QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                out.push(self.whole(Measure::Text, Vec::new()));
            }
            QuestionKind::Date => out.push(self.whole(Measure::Date, Vec::new())),
            QuestionKind::Email | QuestionKind::Note => {}
        }
    }
}

/// Choices numbered from 1, in their order.
fn numbered(choices: &[Choice]) -> Vec<ValueLabel> {
    (1..)
        .zip(choices)
        .map(|(value, choice)| ValueLabel {
            value,
            code: Some(choice.code.clone()),
            label: choice.label.clone(),
        })
        .collect()
}

/// Every point of a scale, the two ends with their words.
fn scale_points(scale: &crate::survey::Scale) -> Vec<ValueLabel> {
    (scale.min..=scale.max)
        .map(|value| ValueLabel {
            value,
            code: None,
            label: Text::from_fn(|lang| {
                if value == scale.min {
                    format!("{value} {}", scale.min_label.get(lang))
                } else if value == scale.max {
                    format!("{value} {}", scale.max_label.get(lang))
                } else {
                    value.to_string()
                }
            }),
        })
        .collect()
}

fn chosen_labels() -> Vec<ValueLabel> {
    let label = Text::pair;
    vec![
        ValueLabel {
            value: 0,
            code: None,
            label: label("未选", "not chosen"),
        },
        ValueLabel {
            value: 1,
            code: None,
            label: label("已选", "chosen"),
        },
    ]
}

fn rank_labels(top: u32) -> Vec<ValueLabel> {
    let mut labels = vec![ValueLabel {
        value: 0,
        code: None,
        label: Text::from_fn(|lang| match lang {
            Lang::Zh => format!("未排入前 {top}"),
            Lang::En => format!("not in the top {top}"),
        }),
    }];
    labels.extend((1..=i64::from(top)).map(|rank| ValueLabel {
        value: rank,
        code: None,
        label: Text::from_fn(|lang| match lang {
            Lang::Zh => format!("第 {rank}"),
            Lang::En => format!("ranked {rank}"),
        }),
    }));
    labels
}

/// A response's values in `variables`: from its outcomes; where it has no answer, the
/// missing code that says why. A response that ended early (or is still in progress) was
/// not asked what comes after its last answer because it ended (or has not got there):
/// those questions are [`Missing::Ended`] (or [`Missing::NotReached`]), while a question
/// skipped by branching before that point stays [`Missing::NotAsked`].
pub fn row(
    variables: &[Variable],
    outcomes: &BTreeMap<String, Outcome>,
    meta: &ResponseMeta,
) -> Vec<Value> {
    let outcome = |v: &Variable| v.question.as_ref().and_then(|q| outcomes.get(q.as_str()));
    let answered = |v: &Variable| matches!(outcome(v), Some(Outcome::Answered { .. }));
    let reached = variables
        .iter()
        .rposition(answered)
        .map_or(0, |last| last + 1);
    let beyond = match meta.status {
        ResponseStatus::Completed => Missing::NotAsked,
        ResponseStatus::InProgress => Missing::NotReached,
        ResponseStatus::Refused | ResponseStatus::ScreenedOut | ResponseStatus::QuotaFull => {
            Missing::Ended
        }
    };
    variables
        .iter()
        .enumerate()
        .map(|(at, variable)| {
            if let Source::Meta(which) = variable.source {
                return meta_value(which, meta, beyond);
            }
            let unanswered = if at < reached {
                Missing::NotAsked
            } else {
                beyond
            };
            value(variable, outcome(variable), unanswered)
        })
        .collect()
}

/// One value; `unanswered` is what a question not asked (or absent) is missing as.
fn value(variable: &Variable, outcome: Option<&Outcome>, unanswered: Missing) -> Value {
    let answer = match outcome {
        Some(Outcome::Answered { answer }) => answer,
        Some(Outcome::NotAsked) | None => return Value::Missing(unanswered),
        Some(Outcome::NoAnswer | Outcome::Invalid { .. }) => {
            return Value::Missing(Missing::NoAnswer);
        }
    };
    let number_of = |code: &Code| {
        variable
            .values
            .iter()
            .find(|v| v.code.as_ref() == Some(code))
            .map_or(Value::Missing(Missing::NoAnswer), |v| {
                Value::Number(v.value)
            })
    };
    match (&variable.source, answer) {
        (Source::Answer, Answer::Choice { code, .. }) => number_of(code),
        (Source::Answer, Answer::Scale(point) | Answer::Integer(point)) => Value::Number(*point),
        (Source::Answer, Answer::Year(year)) => Value::Number(i64::from(*year)),
        (Source::Answer, Answer::Decimal(x)) => Value::Decimal(*x),
        (Source::Answer, Answer::Text(text) | Answer::Date(text)) => Value::Text(text.clone()),
        (Source::Chosen(code), Answer::Choices { codes, .. }) => {
            Value::Number(i64::from(codes.contains(code)))
        }
        (Source::OtherText, Answer::Choice { other, .. } | Answer::Choices { other, .. }) => other
            .clone()
            .map_or(Value::Missing(Missing::NotAsked), Value::Text),
        (Source::Row(row), Answer::Matrix(cells)) => match cells.get(row) {
            Some(Cell::Scale(point)) => Value::Number(*point),
            Some(Cell::Choice(code)) => number_of(code),
            None => Value::Missing(Missing::NoAnswer),
        },
        (Source::RankOf(code), Answer::Ranking(ranked)) => Value::Number(
            ranked
                .iter()
                .position(|c| c == code)
                .map_or(0, |at| i64::try_from(at + 1).unwrap_or(i64::MAX)),
        ),
        // An answer of another kind than the question's (a stored answer from an older
        // version of the question): not a value this variable can hold.
        _ => Value::Missing(Missing::NoAnswer),
    }
}
