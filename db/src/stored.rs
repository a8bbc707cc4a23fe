//! How an answer is written in `responses.answers`: short, externally tagged JSON, one
//! entry per question, such as `{"province": {"c": "gd"}, "ai_use": {"m": ["ct", "mr"]},
//! "followup_ok": "n"}` (migration `20261205090000_compact_answers.sql` converted the
//! older, spelled-out form).
//!
//! Every save rewrites and compresses the whole object, and a response's row stays out of
//! PostgreSQL's TOAST table only while it is under about 2 KB, so each byte spent on a
//! stored answer counts. The form is this crate's own, separate from the serde form of
//! [`Outcome`], so that a change to the core types cannot silently change what is stored.

use canvass_core::answers::{Answer, AnswerError, Cell, Outcome};
use canvass_core::survey::Code;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One question's stored outcome. Tags: `n` no answer, `na` not asked, `e` invalid; then
/// one per answer type, with `o` for the variants that carry an "other" text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Stored {
    #[serde(rename = "n")]
    NoAnswer,
    #[serde(rename = "na")]
    NotAsked,
    #[serde(rename = "e")]
    Invalid(AnswerError),
    #[serde(rename = "c")]
    Choice(Code),
    #[serde(rename = "co")]
    ChoiceOther(Code, String),
    #[serde(rename = "m")]
    Choices(Vec<Code>),
    #[serde(rename = "mo")]
    ChoicesOther(Vec<Code>, String),
    #[serde(rename = "s")]
    Scale(i64),
    #[serde(rename = "g")]
    Matrix(BTreeMap<Code, Cell>),
    #[serde(rename = "r")]
    Ranking(Vec<Code>),
    #[serde(rename = "i")]
    Integer(i64),
    #[serde(rename = "d")]
    Decimal(f64),
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "dt")]
    Date(String),
    #[serde(rename = "y")]
    Year(i32),
}

impl From<&Outcome> for Stored {
    fn from(outcome: &Outcome) -> Self {
        let answer = match outcome {
            Outcome::NoAnswer => return Stored::NoAnswer,
            Outcome::NotAsked => return Stored::NotAsked,
            Outcome::Invalid { error } => return Stored::Invalid(error.clone()),
            Outcome::Answered { answer } => answer,
        };
        match answer.clone() {
            Answer::Choice { code, other: None } => Stored::Choice(code),
            Answer::Choice {
                code,
                other: Some(other),
            } => Stored::ChoiceOther(code, other),
            Answer::Choices { codes, other: None } => Stored::Choices(codes),
            Answer::Choices {
                codes,
                other: Some(other),
            } => Stored::ChoicesOther(codes, other),
            Answer::Scale(n) => Stored::Scale(n),
            Answer::Matrix(rows) => Stored::Matrix(rows),
            Answer::Ranking(codes) => Stored::Ranking(codes),
            Answer::Integer(n) => Stored::Integer(n),
            Answer::Decimal(x) => Stored::Decimal(x),
            Answer::Text(text) => Stored::Text(text),
            Answer::Date(date) => Stored::Date(date),
            Answer::Year(year) => Stored::Year(year),
        }
    }
}

impl From<Stored> for Outcome {
    fn from(stored: Stored) -> Self {
        let answer = match stored {
            Stored::NoAnswer => return Outcome::NoAnswer,
            Stored::NotAsked => return Outcome::NotAsked,
            Stored::Invalid(error) => return Outcome::Invalid { error },
            Stored::Choice(code) => Answer::Choice { code, other: None },
            Stored::ChoiceOther(code, other) => Answer::Choice {
                code,
                other: Some(other),
            },
            Stored::Choices(codes) => Answer::Choices { codes, other: None },
            Stored::ChoicesOther(codes, other) => Answer::Choices {
                codes,
                other: Some(other),
            },
            Stored::Scale(n) => Answer::Scale(n),
            Stored::Matrix(rows) => Answer::Matrix(rows),
            Stored::Ranking(codes) => Answer::Ranking(codes),
            Stored::Integer(n) => Answer::Integer(n),
            Stored::Decimal(x) => Answer::Decimal(x),
            Stored::Text(text) => Answer::Text(text),
            Stored::Date(date) => Answer::Date(date),
            Stored::Year(year) => Answer::Year(year),
        };
        Outcome::Answered { answer }
    }
}

/// Question ID → stored outcome, read straight from the column's text into typed outcomes.
pub(crate) fn decode(json: &str) -> Result<BTreeMap<String, Outcome>, serde_json::Error> {
    let stored: BTreeMap<String, Stored> = serde_json::from_str(json)?;
    Ok(stored.into_iter().map(|(q, s)| (q, s.into())).collect())
}

/// The stored form of one outcome, as a JSON value to merge into the column.
pub(crate) fn encode(outcome: &Outcome) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(Stored::from(outcome))
}

/// Whether one stored entry reads as an outcome; the reason if it does not.
pub(crate) fn check(value: serde_json::Value) -> Result<(), serde_json::Error> {
    serde_json::from_value::<Stored>(value).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(c: &str) -> Code {
        Code::parse(c).expect("a code")
    }

    fn answered(answer: Answer) -> Outcome {
        Outcome::Answered { answer }
    }

    /// Every kind of outcome, with the exact text it is stored as.
    fn every_kind() -> Vec<(Outcome, serde_json::Value)> {
        vec![
            (Outcome::NoAnswer, json!("n")),
            (Outcome::NotAsked, json!("na")),
            (
                Outcome::Invalid {
                    error: AnswerError::TooMany { max: 3 },
                },
                json!({"e": {"error": "too_many", "max": 3}}),
            ),
            (
                answered(Answer::Choice {
                    code: code("gd"),
                    other: None,
                }),
                json!({"c": "gd"}),
            ),
            (
                answered(Answer::Choice {
                    code: code("other"),
                    other: Some("县医院".into()),
                }),
                json!({"co": ["other", "县医院"]}),
            ),
            (
                answered(Answer::Choices {
                    codes: vec![code("ct"), code("mr")],
                    other: None,
                }),
                json!({"m": ["ct", "mr"]}),
            ),
            (
                answered(Answer::Choices {
                    codes: vec![code("other")],
                    other: Some("PET".into()),
                }),
                json!({"mo": [["other"], "PET"]}),
            ),
            (answered(Answer::Scale(4)), json!({"s": 4})),
            (
                answered(Answer::Matrix(BTreeMap::from([
                    (code("privacy"), Cell::Scale(5)),
                    (code("law"), Cell::Choice(code("unsure"))),
                ]))),
                json!({"g": {"law": "unsure", "privacy": 5}}),
            ),
            (
                answered(Answer::Ranking(vec![code("b"), code("a")])),
                json!({"r": ["b", "a"]}),
            ),
            (answered(Answer::Integer(-12)), json!({"i": -12})),
            (answered(Answer::Decimal(1.5)), json!({"d": 1.5})),
            (
                answered(Answer::Text("\"引号\"\n".into())),
                json!({"t": "\"引号\"\n"}),
            ),
            (
                answered(Answer::Date("2026-11-29".into())),
                json!({"dt": "2026-11-29"}),
            ),
            (answered(Answer::Year(2019)), json!({"y": 2019})),
        ]
    }

    #[test]
    fn every_kind_of_outcome_is_stored_in_its_short_form_and_read_back_unchanged() {
        for (outcome, expected) in every_kind() {
            let stored = encode(&outcome).expect("encodes");
            assert_eq!(stored, expected, "{outcome:?}");
            let text = json!({"q": stored}).to_string();
            let read = decode(&text).expect("decodes");
            assert_eq!(read.get("q"), Some(&outcome));
        }
    }

    #[test]
    fn an_unknown_tag_or_an_invalid_code_is_refused_by_name() {
        let error = decode(r#"{"q": {"z": 1}}"#).expect_err("unknown tag");
        assert!(
            error.to_string().starts_with("unknown variant `z`"),
            "{error}"
        );
        let error = decode(r#"{"q": {"c": "Not A Code"}}"#).expect_err("invalid code");
        assert!(error.to_string().contains("is not a valid ID"), "{error}");
        let error = check(json!("maybe")).expect_err("unknown unit tag");
        assert!(
            error.to_string().starts_with("unknown variant `maybe`"),
            "{error}"
        );
    }
}
