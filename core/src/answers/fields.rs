//! From typed answers back to form fields: what a page shows pre-filled, and how stored
//! answers join a newly posted page before everything is validated again.

use super::{Answer, Cell, RawAnswers};
use crate::survey::Question;

impl Answer {
    /// The form fields that would post this answer to `question`.
    pub fn to_fields(&self, question: &Question) -> RawAnswers {
        let id = question.id.as_str();
        let mut fields = RawAnswers::new();
        let mut put = |name: String, value: String| fields.entry(name).or_default().push(value);
        match self {
            Answer::Choice { code, other } => {
                put(id.to_owned(), code.to_string());
                if let Some(other) = other {
                    put(format!("{id}.other"), other.clone());
                }
            }
            Answer::Choices { codes, other } => {
                for code in codes {
                    put(id.to_owned(), code.to_string());
                }
                if let Some(other) = other {
                    put(format!("{id}.other"), other.clone());
                }
            }
            Answer::Scale(n) | Answer::Integer(n) => put(id.to_owned(), n.to_string()),
            Answer::Decimal(n) => put(id.to_owned(), n.to_string()),
            Answer::Year(y) => put(id.to_owned(), y.to_string()),
            Answer::Text(s) | Answer::Date(s) => put(id.to_owned(), s.clone()),
            Answer::Matrix(cells) => {
                for (row, cell) in cells {
                    let value = match cell {
                        Cell::Scale(n) => n.to_string(),
                        Cell::Choice(code) => code.to_string(),
                    };
                    put(format!("{id}.{row}"), value);
                }
            }
            Answer::Ranking(codes) => {
                for (rank, code) in codes.iter().enumerate() {
                    put(format!("{id}.{}", rank + 1), code.to_string());
                }
            }
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::answers::{Outcome, validate};
    use crate::survey::Survey;
    use crate::surveys::AI_COLLAB;
    use crate::synth::respondent;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Stored answers must survive the trip back to fields unchanged, or a resumed
        /// respondent would see (and re-save) something other than what they answered.
        #[test]
        fn answers_turned_back_into_fields_validate_to_the_same_answers(seed in any::<u64>()) {
            let survey = Survey::from_toml(AI_COLLAB).expect("loads");
            let first = validate(&survey, &respondent(&survey, seed).expect("walk"));
            let mut fields = crate::answers::RawAnswers::new();
            for (id, outcome) in &first.outcomes {
                if let Outcome::Answered { answer } = outcome {
                    let question = survey.question(id.as_str()).expect("question");
                    fields.extend(answer.to_fields(question));
                }
            }
            let second = validate(&survey, &fields);
            prop_assert_eq!(first.outcomes, second.outcomes);
        }
    }
}
