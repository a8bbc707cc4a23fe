//! Can a condition ever hold? Checked by trying every possible answer where that is cheap:
//! the questions it reads are choices or scales, and there are few enough combinations.
//! A required question (or a section) whose condition can never be true is a mistake in
//! the definition — it would never be asked.

use std::collections::BTreeMap;

use super::{MatrixAnswer, QuestionKind, Survey};
use crate::expr::{Answers, Expr, Reference, Value};

/// More combinations than this and the check is skipped (it says nothing).
const MAX_CASES: usize = 4_096;

/// Multiple-choice questions with more options than this are not enumerated.
const MAX_SUBSET_CHOICES: usize = 10;

/// `Some(true)`: some answers make every condition true at once. `Some(false)`: none do.
/// `None`: not checked (an open-ended answer is read, or too many combinations).
pub fn satisfiable(survey: &Survey, conditions: &[&Expr]) -> Option<bool> {
    let mut references: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for condition in conditions {
        for reference in condition.references() {
            let domain = domain(survey, reference)?;
            references.insert(reference.to_string(), domain);
        }
    }
    let cases = references
        .values()
        .try_fold(1usize, |n, d| n.checked_mul(d.len()))?;
    if cases > MAX_CASES {
        return None;
    }
    let names: Vec<&String> = references.keys().collect();
    let domains: Vec<&Vec<Value>> = references.values().collect();
    let mut index = vec![0usize; names.len()];
    loop {
        let given = Given(
            names
                .iter()
                .zip(&index)
                .zip(&domains)
                .map(|((name, &i), d)| ((*name).clone(), d[i].clone()))
                .collect(),
        );
        if conditions.iter().all(|c| c.holds(&given)) {
            return Some(true);
        }
        // Next combination, like an odometer.
        let mut position = 0;
        loop {
            let Some(slot) = index.get_mut(position) else {
                return Some(false);
            };
            *slot += 1;
            if *slot < domains[position].len() {
                break;
            }
            *slot = 0;
            position += 1;
        }
    }
}

struct Given(BTreeMap<String, Value>);

impl Answers for Given {
    fn value(&self, reference: &Reference) -> Value {
        self.0
            .get(&reference.to_string())
            .cloned()
            .unwrap_or(Value::Missing)
    }
}

/// Every value a reference can take, `Missing` included; `None` when open-ended.
fn domain(survey: &Survey, reference: &Reference) -> Option<Vec<Value>> {
    let question = survey.question(&reference.question)?;
    let codes = |choices: &[super::Choice]| {
        choices
            .iter()
            .map(|c| Value::Text(c.code.to_string()))
            .collect::<Vec<_>>()
    };
    let scale = |min: i64, max: i64| {
        (min..=max)
            .map(|n| Value::Number(n as f64))
            .collect::<Vec<_>>()
    };
    let mut values = match (&question.kind, &reference.row) {
        (QuestionKind::SingleChoice { choices, .. }, None) => codes(choices),
        (QuestionKind::Likert(s), None) => scale(s.min, s.max),
        (
            QuestionKind::Matrix {
                answer: MatrixAnswer::Scale(s),
                ..
            },
            Some(_),
        ) => scale(s.min, s.max),
        (
            QuestionKind::Matrix {
                answer: MatrixAnswer::Choices(choices),
                ..
            },
            Some(_),
        ) => codes(choices),
        (QuestionKind::MultipleChoice { choices, .. }, None)
            if choices.len() <= MAX_SUBSET_CHOICES =>
        {
            (1u32..(1 << choices.len()))
                .map(|mask| {
                    Value::Set(
                        choices
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, c)| c.code.to_string())
                            .collect(),
                    )
                })
                .collect()
        }
        _ => return None,
    };
    values.push(Value::Missing);
    Some(values)
}
