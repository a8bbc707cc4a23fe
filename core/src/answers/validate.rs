//! Walking the survey in order: relevance, parsing, required, constraints.

use std::collections::BTreeMap;

use super::parse::{parse, reads_field};
use super::{Answer, AnswerError, Cell, Outcome, RawAnswers};
use crate::expr::{Answers, Reference, Value};
use crate::survey::{Ending, Question, QuestionId, QuestionKind, SectionId, Survey};

/// The result of validating a respondent's answers against a survey.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Every question, in survey order, with what became of it.
    pub outcomes: Vec<(QuestionId, Outcome)>,
    /// The sections this respondent is shown, in order (what the progress bar counts).
    pub relevant_sections: Vec<SectionId>,
    /// Posted fields that belong to no question of the survey (a tampered or stale form).
    pub unknown_fields: Vec<String>,
    /// Set when an answer ended the survey early; every later question is then not asked.
    pub ended: Option<Ending>,
}

impl Validation {
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(q, _)| q.as_str() == id)
            .map(|(_, o)| o)
    }

    /// The valid answers, by question.
    pub fn answers(&self) -> BTreeMap<QuestionId, Answer> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| match outcome {
                Outcome::Answered { answer } => Some((id.clone(), answer.clone())),
                _ => None,
            })
            .collect()
    }

    /// The 1-based position of `section` among the sections this respondent is shown, and
    /// how many there are: the progress indicator, which follows branching.
    pub fn progress(&self, section: &SectionId) -> Option<(usize, usize)> {
        let at = self.relevant_sections.iter().position(|s| s == section)?;
        Some((at + 1, self.relevant_sections.len()))
    }

    /// The shown section after `section` (`None`: it was the last; go to the review).
    pub fn next_section(&self, section: &SectionId) -> Option<&SectionId> {
        let at = self.relevant_sections.iter().position(|s| s == section)?;
        self.relevant_sections.get(at + 1)
    }

    /// The shown section before `section`.
    pub fn previous_section(&self, section: &SectionId) -> Option<&SectionId> {
        let at = self.relevant_sections.iter().position(|s| s == section)?;
        at.checked_sub(1)
            .and_then(|i| self.relevant_sections.get(i))
    }

    /// Where a returning respondent goes on: the first shown section with a missing or
    /// invalid answer. `None` when everything shown is answered (the review page).
    pub fn first_incomplete(&self, survey: &Survey) -> Option<&SectionId> {
        self.relevant_sections
            .iter()
            .find(|section| !self.errors_in(survey, section).is_empty())
    }

    /// Whether the respondent may be on `section` now: it is shown to them, and every shown
    /// section before it is complete (no skipping ahead by editing the address).
    pub fn may_answer(&self, survey: &Survey, section: &SectionId) -> bool {
        let Some(at) = self.relevant_sections.iter().position(|s| s == section) else {
            return false;
        };
        self.relevant_sections[..at]
            .iter()
            .all(|earlier| self.errors_in(survey, earlier).is_empty())
    }

    /// The errors of the questions in one section, in order.
    pub fn errors_in(
        &self,
        survey: &Survey,
        section: &SectionId,
    ) -> Vec<(QuestionId, AnswerError)> {
        let Some(section) = survey.sections.iter().find(|s| &s.id == section) else {
            return Vec::new();
        };
        section
            .questions
            .iter()
            .filter_map(|q| match self.outcome(q.id.as_str()) {
                Some(Outcome::Invalid { error }) => Some((q.id.clone(), error.clone())),
                _ => None,
            })
            .collect()
    }
}

/// The answers given so far, as conditions read them.
struct SoFar<'a>(&'a BTreeMap<String, Answer>);

impl Answers for SoFar<'_> {
    fn value(&self, reference: &Reference) -> Value {
        match self.0.get(&reference.question) {
            Some(answer) => answer.value(reference.row.as_deref()),
            None => Value::Missing,
        }
    }
}

impl Answer {
    /// The answer as an expression reads it: of the whole question, or of one matrix `row`.
    pub fn value(&self, row: Option<&str>) -> Value {
        match (self, row) {
            (Answer::Matrix(cells), Some(row)) => {
                match cells.iter().find(|(code, _)| code.as_str() == row) {
                    Some((_, Cell::Scale(n))) => Value::Number(*n as f64),
                    Some((_, Cell::Choice(code))) => Value::Text(code.to_string()),
                    None => Value::Missing,
                }
            }
            (_, Some(_)) | (Answer::Matrix(_), None) => Value::Missing,
            (Answer::Choice { code, .. }, None) => Value::Text(code.to_string()),
            (Answer::Choices { codes, .. }, None) | (Answer::Ranking(codes), None) => {
                Value::Set(codes.iter().map(ToString::to_string).collect())
            }
            (Answer::Scale(n), None) | (Answer::Integer(n), None) => Value::Number(*n as f64),
            (Answer::Decimal(n), None) => Value::Number(*n),
            (Answer::Year(y), None) => Value::Number(f64::from(*y)),
            (Answer::Text(s), None) | (Answer::Date(s), None) => Value::Text(s.clone()),
        }
    }
}

/// Validates all answers so far. Never panics, whatever `raw` holds.
pub fn validate(survey: &Survey, raw: &RawAnswers) -> Validation {
    let mut given: BTreeMap<String, Answer> = BTreeMap::new();
    let mut outcomes = Vec::new();
    let mut relevant_sections = Vec::new();
    let mut ended = None;
    for section in &survey.sections {
        let section_shown = ended.is_none()
            && section
                .relevant
                .as_ref()
                .is_none_or(|c| c.expr.holds(&SoFar(&given)));
        if section_shown {
            relevant_sections.push(section.id.clone());
        }
        for question in &section.questions {
            let shown = section_shown
                && ended.is_none()
                && question
                    .relevant
                    .as_ref()
                    .is_none_or(|c| c.expr.holds(&SoFar(&given)));
            let outcome = if !shown {
                Outcome::NotAsked
            } else {
                match parse(question, raw) {
                    Err(error) => Outcome::Invalid { error },
                    Ok(None) if question.required => Outcome::Invalid {
                        error: AnswerError::Required,
                    },
                    Ok(None) => Outcome::NoAnswer,
                    Ok(Some(answer)) => {
                        given.insert(question.id.to_string(), answer.clone());
                        let failed = question
                            .constraints
                            .iter()
                            .position(|c| !c.rule.expr.holds(&SoFar(&given)));
                        match failed {
                            Some(index) => {
                                given.remove(question.id.as_str());
                                Outcome::Invalid {
                                    error: AnswerError::Constraint { index },
                                }
                            }
                            None => {
                                ended = ended.or_else(|| ending_of(question, &answer));
                                Outcome::Answered { answer }
                            }
                        }
                    }
                }
            };
            outcomes.push((question.id.clone(), outcome));
        }
    }
    let unknown_fields = raw
        .keys()
        .filter(|field| {
            let question_id = field.split_once('.').map_or(field.as_str(), |(id, _)| id);
            survey
                .question(question_id)
                .is_none_or(|q| !reads_field(q, field))
        })
        .map(|field| field.chars().take(64).collect())
        .collect();
    Validation {
        outcomes,
        relevant_sections,
        unknown_fields,
        ended,
    }
}

fn ending_of(question: &Question, answer: &Answer) -> Option<Ending> {
    match (&question.kind, answer) {
        (QuestionKind::SingleChoice { choices, .. }, Answer::Choice { code, .. }) => choices
            .iter()
            .find(|c| &c.code == code)
            .and_then(|c| c.ends),
        _ => None,
    }
}
