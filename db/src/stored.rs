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
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

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

/// Some of a response's stored outcomes ([`decode_only`]).
#[derive(Debug, PartialEq)]
pub(crate) struct Decoded {
    /// The wanted questions' outcomes.
    pub outcomes: BTreeMap<String, Outcome>,
    /// How many entries the object holds, read or not.
    pub entries: usize,
}

/// The stored outcomes of the questions in `wanted` only: every other entry is skipped
/// unread (the fold counts a few of a response's answers, and building the others cost it
/// more than the rest of its work in Rust). An unreadable entry outside `wanted` is no error.
pub(crate) fn decode_only(
    json: &str,
    wanted: &BTreeSet<String>,
) -> Result<Decoded, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_str(json);
    let outcomes = reader.deserialize_map(Only(wanted))?;
    reader.end()?;
    Ok(outcomes)
}

/// Reads a stored answers object keeping only the wanted questions ([`decode_only`]).
struct Only<'w>(&'w BTreeSet<String>);

impl<'de> Visitor<'de> for Only<'_> {
    type Value = Decoded;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of stored answers")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut out = Decoded {
            outcomes: BTreeMap::new(),
            entries: 0,
        };
        while let Some(Key(question)) = map.next_key()? {
            out.entries += 1;
            if self.0.contains(question.as_ref()) {
                let stored: Stored = map.next_value()?;
                out.outcomes.insert(question.into_owned(), stored.into());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// An object's key, borrowed from the text unless it holds an escape.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a question ID")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
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

    #[test]
    fn decoding_only_some_questions_reads_exactly_those_as_a_full_decode_does() {
        let mut object = serde_json::Map::new();
        for (i, (outcome, _)) in every_kind().iter().enumerate() {
            object.insert(format!("q{i}"), encode(outcome).expect("encodes"));
        }
        let text = serde_json::Value::Object(object).to_string();
        let all = decode(&text).expect("decodes");
        let wanted: BTreeSet<String> = ["q1", "q4", "q8", "q99"].map(String::from).into();
        let some = decode_only(&text, &wanted).expect("decodes");
        let expected: BTreeMap<String, Outcome> = all
            .iter()
            .filter(|(q, _)| wanted.contains(*q))
            .map(|(q, o)| (q.clone(), o.clone()))
            .collect();
        assert_eq!(some.outcomes.len(), 3);
        assert_eq!(some.outcomes, expected);
        assert_eq!(some.entries, all.len());
    }

    #[test]
    fn decoding_only_some_questions_skips_what_it_cannot_read_elsewhere_but_not_there() {
        let wanted: BTreeSet<String> = ["role"].map(String::from).into();
        let text = r#"{"r\u006fle": {"c": "clinician"}, "broken": {"z": 1}}"#;
        let read = decode_only(text, &wanted).expect("the broken entry is not wanted");
        assert_eq!((read.outcomes.len(), read.entries), (1, 2));
        assert_eq!(
            read.outcomes.get("role"),
            Some(&answered(Answer::Choice {
                code: code("clinician"),
                other: None,
            }))
        );
        let error = decode_only(r#"{"role": {"z": 1}}"#, &wanted).expect_err("unknown tag");
        assert!(
            error.to_string().starts_with("unknown variant `z`"),
            "{error}"
        );
        let error = decode_only("[1]", &wanted).expect_err("not an object");
        assert_eq!(
            error.to_string(),
            "invalid type: sequence, expected an object of stored answers at line 1 column 0"
        );
        let error = decode_only(r#"{"role": "n"} x"#, &wanted).expect_err("trailing");
        assert_eq!(error.to_string(), "trailing characters at line 1 column 15");
    }
}
