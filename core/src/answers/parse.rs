//! Parsing one question's raw fields into an [`Answer`]. `Ok(None)`: nothing was given.

use std::collections::{BTreeMap, HashSet};

use super::{Answer, AnswerError, Cell, RawAnswers};
use crate::email::is_email;
use crate::survey::{Choice, Code, MatrixAnswer, Question, QuestionKind, Scale};

/// Longest "other — please specify" text.
pub const MAX_OTHER_LEN: u32 = 200;

/// The non-empty, trimmed values of one field.
fn values<'a>(raw: &'a RawAnswers, field: &str) -> Vec<&'a str> {
    raw.get(field)
        .map(|vs| {
            vs.iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn one<'a>(raw: &'a RawAnswers, field: &str) -> Result<Option<&'a str>, AnswerError> {
    match values(raw, field).as_slice() {
        [] => Ok(None),
        [value] => Ok(Some(value)),
        _ => Err(AnswerError::OnlyOne),
    }
}

pub fn parse(question: &Question, raw: &RawAnswers) -> Result<Option<Answer>, AnswerError> {
    let id = question.id.as_str();
    match &question.kind {
        QuestionKind::SingleChoice { choices, .. } => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            let choice = find(choices, value)?;
            let other = other_text(raw, id, std::slice::from_ref(choice))?;
            Ok(Some(Answer::Choice {
                code: choice.code.clone(),
                other,
            }))
        }
        QuestionKind::MultipleChoice { choices, min, max } => {
            let given = values(raw, id);
            if given.is_empty() {
                return Ok(None);
            }
            let mut selected: Vec<&Choice> = Vec::new();
            for value in given {
                let choice = find(choices, value)?;
                if selected.iter().any(|c| c.code == choice.code) {
                    return Err(AnswerError::Repeated);
                }
                selected.push(choice);
            }
            if selected.len() > 1
                && let Some(exclusive) = selected.iter().find(|c| c.exclusive)
            {
                return Err(AnswerError::Exclusive {
                    code: exclusive.code.clone(),
                });
            }
            let count = selected.len() as u32;
            if let Some(min) = *min
                && count < min
            {
                return Err(AnswerError::TooFew { min });
            }
            if let Some(max) = *max
                && count > max
            {
                return Err(AnswerError::TooMany { max });
            }
            // Keep the definition's order, whatever order the form sent.
            let codes = choices
                .iter()
                .filter(|c| selected.iter().any(|s| s.code == c.code))
                .map(|c| c.code.clone())
                .collect();
            let other = other_text(raw, id, &selected.into_iter().cloned().collect::<Vec<_>>())?;
            Ok(Some(Answer::Choices { codes, other }))
        }
        QuestionKind::Likert(scale) => match one(raw, id)? {
            None => Ok(None),
            Some(value) => Ok(Some(Answer::Scale(scale_point(scale, value)?))),
        },
        QuestionKind::Matrix { rows, answer } => {
            let mut cells = BTreeMap::new();
            let mut missing = None;
            for row in rows {
                let field = format!("{id}.{}", row.code);
                match one(raw, &field)? {
                    None => {
                        missing.get_or_insert_with(|| row.code.clone());
                    }
                    Some(value) => {
                        let cell = match answer {
                            MatrixAnswer::Scale(scale) => Cell::Scale(scale_point(scale, value)?),
                            MatrixAnswer::Choices(choices) => {
                                Cell::Choice(find(choices, value)?.code.clone())
                            }
                        };
                        cells.insert(row.code.clone(), cell);
                    }
                }
            }
            match missing {
                _ if cells.is_empty() => Ok(None),
                Some(row) if question.required => Err(AnswerError::RowMissing { row }),
                _ => Ok(Some(Answer::Matrix(cells))),
            }
        }
        QuestionKind::Ranking { choices, top } => {
            let mut ranked: Vec<Code> = Vec::new();
            let mut gap = false;
            for rank in 1..=*top {
                match one(raw, &format!("{id}.{rank}"))? {
                    None => gap = true,
                    Some(value) => {
                        let code = find(choices, value)?.code.clone();
                        if ranked.contains(&code) {
                            return Err(AnswerError::Repeated);
                        }
                        if gap {
                            return Err(AnswerError::RankIncomplete { top: *top });
                        }
                        ranked.push(code);
                    }
                }
            }
            match ranked.len() {
                0 => Ok(None),
                n if n == *top as usize => Ok(Some(Answer::Ranking(ranked))),
                _ => Err(AnswerError::RankIncomplete { top: *top }),
            }
        }
        QuestionKind::Integer { min, max, .. } => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            let number = integer(value)?;
            bounds(number as f64, min.map(|m| m as f64), max.map(|m| m as f64))?;
            Ok(Some(Answer::Integer(number)))
        }
        QuestionKind::Decimal { min, max, .. } => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            let number = decimal(value)?;
            bounds(number, *min, *max)?;
            Ok(Some(Answer::Decimal(number)))
        }
        QuestionKind::ShortText { max_len } | QuestionKind::LongText { max_len } => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            let text = value.replace("\r\n", "\n");
            if text.chars().count() > *max_len as usize {
                return Err(AnswerError::TooLong { max: *max_len });
            }
            Ok(Some(Answer::Text(text)))
        }
        QuestionKind::Email => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            if is_email(value) {
                Ok(Some(Answer::Text(value.to_owned())))
            } else {
                Err(AnswerError::NotAnEmail)
            }
        }
        QuestionKind::Date => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            if is_date(value) {
                Ok(Some(Answer::Date(value.to_owned())))
            } else {
                Err(AnswerError::NotADate)
            }
        }
        QuestionKind::Year { min, max } => {
            let Some(value) = one(raw, id)? else {
                return Ok(None);
            };
            let year = integer(value)
                .ok()
                .and_then(|y| i32::try_from(y).ok())
                .ok_or(AnswerError::NotAYear)?;
            bounds(f64::from(year), min.map(f64::from), max.map(f64::from))?;
            Ok(Some(Answer::Year(year)))
        }
        QuestionKind::Note => Ok(None),
    }
}

fn find<'a>(choices: &'a [Choice], value: &str) -> Result<&'a Choice, AnswerError> {
    choices
        .iter()
        .find(|c| c.code.as_str() == value)
        .ok_or_else(|| AnswerError::NotAChoice {
            value: value.chars().take(64).collect(),
        })
}

/// The "please specify" text, required when an `other` choice is selected and dropped when not.
fn other_text(
    raw: &RawAnswers,
    id: &str,
    selected: &[Choice],
) -> Result<Option<String>, AnswerError> {
    if !selected.iter().any(|c| c.other) {
        return Ok(None);
    }
    match one(raw, &format!("{id}.other"))? {
        None => Err(AnswerError::OtherMissing),
        Some(text) if text.chars().count() > MAX_OTHER_LEN as usize => {
            Err(AnswerError::TooLong { max: MAX_OTHER_LEN })
        }
        Some(text) => Ok(Some(text.to_owned())),
    }
}

fn scale_point(scale: &Scale, value: &str) -> Result<i64, AnswerError> {
    integer(value)
        .ok()
        .filter(|n| (scale.min..=scale.max).contains(n))
        .ok_or_else(|| AnswerError::NotAChoice {
            value: value.chars().take(64).collect(),
        })
}

/// Full-width digits and signs (as Chinese input methods type them) become ASCII.
fn ascii_digits(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '－' => '-',
            '＋' => '+',
            other => other,
        })
        .collect()
}

fn integer(value: &str) -> Result<i64, AnswerError> {
    let value = ascii_digits(value);
    if value.len() > 20 {
        return Err(AnswerError::NotANumber);
    }
    value
        .parse::<i64>()
        .map_err(|_| match value.parse::<f64>() {
            Ok(n) if n.is_finite() => AnswerError::NotWhole,
            _ => AnswerError::NotANumber,
        })
}

fn decimal(value: &str) -> Result<f64, AnswerError> {
    let value = ascii_digits(value);
    let ok = value.len() <= 40
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    match value.parse::<f64>() {
        Ok(n) if ok && n.is_finite() => Ok(n),
        _ => Err(AnswerError::NotANumber),
    }
}

fn bounds(value: f64, min: Option<f64>, max: Option<f64>) -> Result<(), AnswerError> {
    if let Some(min) = min
        && value < min
    {
        return Err(AnswerError::BelowMin {
            min: min.to_string(),
        });
    }
    if let Some(max) = max
        && value > max
    {
        return Err(AnswerError::AboveMax {
            max: max.to_string(),
        });
    }
    Ok(())
}

/// `YYYY-MM-DD`, a real calendar day between the years 1900 and 2100.
pub fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
}

/// Whether `field` is one of the field names `question` reads (see [`fields_of`]),
/// without building them.
pub fn reads_field(question: &Question, field: &str) -> bool {
    let id = question.id.as_str();
    let Some(rest) = field.strip_prefix(id) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(suffix) = rest.strip_prefix('.') else {
        return false;
    };
    match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
            suffix == "other"
        }
        QuestionKind::Matrix { rows, .. } => rows.iter().any(|r| r.code.as_str() == suffix),
        QuestionKind::Ranking { top, .. } => suffix.parse::<u32>().is_ok_and(|rank| {
            (1..=*top).contains(&rank) && !suffix.starts_with('0') && !suffix.starts_with('+')
        }),
        _ => false,
    }
}

/// The fields of one section out of a whole set of answers: what that page posts.
pub fn section_fields(section: &crate::survey::Section, raw: &RawAnswers) -> RawAnswers {
    raw.iter()
        .filter(|(field, _)| section.questions.iter().any(|q| reads_field(q, field)))
        .map(|(field, values)| (field.clone(), values.clone()))
        .collect()
}

/// The field names a question reads, for spotting fields that belong to no question.
pub fn fields_of(question: &Question) -> HashSet<String> {
    let id = question.id.as_str();
    let mut fields = HashSet::from([id.to_owned()]);
    match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
            fields.insert(format!("{id}.other"));
        }
        QuestionKind::Matrix { rows, .. } => {
            fields.extend(rows.iter().map(|r| format!("{id}.{}", r.code)));
        }
        QuestionKind::Ranking { top, .. } => {
            fields.extend((1..=*top).map(|rank| format!("{id}.{rank}")));
        }
        _ => {}
    }
    fields
}
