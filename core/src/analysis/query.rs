//! What an analysis page or its JSON was asked for: the one parser of their query strings.
//!
//! `role=clinician&province=beijing&split=role&metric=interest_gap`: each breakdown
//! question of the survey may be fixed to one of its choices (an empty value means "all",
//! as a form's "all" option posts it); `split` names a breakdown question whose groups are
//! shown side by side; `metric` keeps one metric; `responses=completed_and_partial` counts
//! partial responses too. Anything else is refused with the parameter it concerns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answers::from_urlencoded;
use crate::survey::{Code, MetricId, QuestionId, QuestionKind, Survey};

/// A parsed analysis request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisQuery {
    /// Breakdown question → the one choice kept.
    pub filter: BTreeMap<QuestionId, Code>,
    /// The breakdown question whose groups are shown side by side.
    pub split: Option<QuestionId>,
    /// Only this metric.
    pub metric: Option<MetricId>,
    /// Which responses are counted.
    #[serde(default)]
    pub responses: Counting,
}

/// Which responses the figures count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Submitted responses only.
    #[default]
    Completed,
    /// Submitted ones and those in progress with an answer saved, each counted in the
    /// figures whose questions it reached.
    CompletedAndPartial,
}

impl Counting {
    /// Its value in a query string.
    pub fn as_code(self) -> &'static str {
        match self {
            Counting::Completed => "completed",
            Counting::CompletedAndPartial => "completed_and_partial",
        }
    }
}

/// Why a query was refused; each names its parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum QueryError {
    #[error("the query string is not valid UTF-8 or holds a NUL character")]
    Malformed,
    #[error("{parameter:?} is not a filter of this survey")]
    UnknownParameter { parameter: String },
    #[error("{value:?} is not a value of {parameter:?}")]
    UnknownValue { parameter: String, value: String },
    #[error("{parameter:?} is given more than once")]
    Repeated { parameter: String },
    #[error("{parameter:?} cannot both be split by and kept to one value")]
    SplitAndFiltered { parameter: String },
}

impl QueryError {
    /// The parameter the error concerns (`None` for a malformed query string).
    pub fn parameter(&self) -> Option<&str> {
        match self {
            QueryError::Malformed => None,
            QueryError::UnknownParameter { parameter }
            | QueryError::UnknownValue { parameter, .. }
            | QueryError::Repeated { parameter }
            | QueryError::SplitAndFiltered { parameter } => Some(parameter),
        }
    }
}

/// Parameters the page itself uses, which the figures do not depend on.
const IGNORED: &[&str] = &["lang"];
/// The query's own parameters (the others are breakdown questions); empty means "none".
const OWN: &[&str] = &["split", "metric", "responses"];

impl AnalysisQuery {
    /// Parses `query` (the part of the address after `?`, possibly empty) for `survey`.
    pub fn parse(survey: &Survey, query: &str) -> Result<AnalysisQuery, QueryError> {
        let fields = from_urlencoded(query.as_bytes()).map_err(|_| QueryError::Malformed)?;
        let mut parsed = AnalysisQuery::default();
        for (name, values) in &fields {
            if IGNORED.contains(&name.as_str()) {
                continue;
            }
            let value = match values.as_slice() {
                [one] => one.trim(),
                _ => {
                    return Err(QueryError::Repeated {
                        parameter: name.clone(),
                    });
                }
            };
            let unknown_value = || QueryError::UnknownValue {
                parameter: name.clone(),
                value: value.chars().take(64).collect(),
            };
            match name.as_str() {
                _ if value.is_empty() && !OWN.contains(&name.as_str()) => {
                    breakdown(survey, name).ok_or_else(|| QueryError::UnknownParameter {
                        parameter: name.clone(),
                    })?;
                }
                _ if value.is_empty() => {}
                "responses" => {
                    parsed.responses = [Counting::Completed, Counting::CompletedAndPartial]
                        .into_iter()
                        .find(|c| c.as_code() == value)
                        .ok_or_else(unknown_value)?;
                }
                "split" => {
                    let question = breakdown(survey, value).ok_or_else(unknown_value)?;
                    parsed.split = Some(question.clone());
                }
                "metric" => {
                    let metric = survey.metrics.iter().find(|m| m.id.as_str() == value);
                    parsed.metric = Some(metric.ok_or_else(unknown_value)?.id.clone());
                }
                _ => {
                    let question =
                        breakdown(survey, name).ok_or_else(|| QueryError::UnknownParameter {
                            parameter: name.clone(),
                        })?;
                    let code = choice(survey, question, value).ok_or_else(unknown_value)?;
                    parsed.filter.insert(question.clone(), code.clone());
                }
            }
        }
        if let Some(split) = &parsed.split
            && parsed.filter.contains_key(split)
        {
            return Err(QueryError::SplitAndFiltered {
                parameter: split.to_string(),
            });
        }
        Ok(parsed)
    }

    /// The query string that asks for this query again (filters, split, metric), for
    /// links and the JSON's own address.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<String> = self
            .filter
            .iter()
            .map(|(q, c)| format!("{}={}", q.as_str(), encode(c.as_str())))
            .collect();
        if let Some(split) = &self.split {
            pairs.push(format!("split={}", split.as_str()));
        }
        if let Some(metric) = &self.metric {
            pairs.push(format!("metric={}", metric.as_str()));
        }
        if self.responses != Counting::Completed {
            pairs.push(format!("responses={}", self.responses.as_code()));
        }
        pairs.join("&")
    }
}

/// The breakdown question named `id`.
pub(crate) fn breakdown<'s>(survey: &'s Survey, id: &str) -> Option<&'s QuestionId> {
    survey.breakdowns.iter().find(|q| q.as_str() == id)
}

/// The choice of the single-choice `question` whose code is `value`.
pub(crate) fn choice<'s>(
    survey: &'s Survey,
    question: &QuestionId,
    value: &str,
) -> Option<&'s Code> {
    match survey.question(question.as_str()).map(|q| &q.kind) {
        Some(QuestionKind::SingleChoice { choices, .. }) => choices
            .iter()
            .map(|c| &c.code)
            .find(|c| c.as_str() == value),
        _ => None,
    }
}

/// Percent-encodes what a choice code may hold beyond the unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
