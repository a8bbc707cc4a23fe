//! A typed answer in words, for the review page (and, later, labelled exports).

use super::{Answer, Cell};
use crate::lang::Lang;
use crate::survey::{Choice, Code, MatrixAnswer, Question, QuestionKind};

impl Answer {
    /// The answer as a respondent would say it, with choice labels in `lang`.
    pub fn describe(&self, question: &Question, lang: Lang) -> String {
        let list = match lang {
            Lang::Zh => "、",
            Lang::En => ", ",
        };
        match (self, &question.kind) {
            (Answer::Choice { code, other }, QuestionKind::SingleChoice { choices, .. }) => {
                choice_label(choices, code, other.as_deref(), lang)
            }
            (Answer::Choices { codes, other }, QuestionKind::MultipleChoice { choices, .. }) => {
                codes
                    .iter()
                    .map(|code| choice_label(choices, code, other.as_deref(), lang))
                    .collect::<Vec<_>>()
                    .join(list)
            }
            (Answer::Scale(n), QuestionKind::Likert(scale)) => format!("{n} / {}", scale.max),
            (Answer::Matrix(cells), QuestionKind::Matrix { rows, answer }) => rows
                .iter()
                .filter_map(|row| {
                    let cell = match (cells.get(&row.code)?, answer) {
                        (Cell::Scale(n), MatrixAnswer::Scale(scale)) => {
                            format!("{n} / {}", scale.max)
                        }
                        (Cell::Choice(code), MatrixAnswer::Choices(choices)) => {
                            choice_label(choices, code, None, lang)
                        }
                        (Cell::Scale(n), _) => n.to_string(),
                        (Cell::Choice(code), _) => code.to_string(),
                    };
                    Some(format!("{}: {cell}", row.label.get(lang)))
                })
                .collect::<Vec<_>>()
                .join("; "),
            (Answer::Ranking(codes), QuestionKind::Ranking { choices, .. }) => codes
                .iter()
                .enumerate()
                .map(|(at, code)| {
                    format!("{}. {}", at + 1, choice_label(choices, code, None, lang))
                })
                .collect::<Vec<_>>()
                .join("; "),
            (Answer::Integer(n), QuestionKind::Integer { unit, .. }) => {
                with_unit(n.to_string(), unit.as_ref().map(|u| u.get(lang)))
            }
            (Answer::Decimal(n), QuestionKind::Decimal { unit, .. }) => {
                with_unit(n.to_string(), unit.as_ref().map(|u| u.get(lang)))
            }
            (Answer::Text(s) | Answer::Date(s), _) => s.clone(),
            (Answer::Year(y), _) => y.to_string(),
            // An answer of another shape than its question (cannot come out of `validate`):
            // its raw form, rather than nothing.
            (answer, _) => answer
                .to_fields(question)
                .into_values()
                .flatten()
                .collect::<Vec<_>>()
                .join(list),
        }
    }
}

fn choice_label(choices: &[Choice], code: &Code, other: Option<&str>, lang: Lang) -> String {
    match choices.iter().find(|c| &c.code == code) {
        Some(choice) if choice.other => match other {
            Some(text) => format!("{}: {text}", choice.label.get(lang)),
            None => choice.label.get(lang).to_owned(),
        },
        Some(choice) => choice.label.get(lang).to_owned(),
        None => code.to_string(),
    }
}

fn with_unit(number: String, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{number} {unit}"),
        None => number,
    }
}

#[cfg(test)]
mod tests {
    use crate::answers::{from_pairs, validate};
    use crate::lang::Lang;
    use crate::survey::Survey;
    use crate::surveys::AI_COLLAB;

    fn described(pairs: &[(&str, &str)], question: &str, lang: Lang) -> String {
        let survey = Survey::from_toml(AI_COLLAB).expect("loads");
        let validation = validate(&survey, &from_pairs(pairs.iter().copied()));
        let answers = validation.answers();
        let (id, answer) = answers
            .iter()
            .find(|(id, _)| id.as_str() == question)
            .expect("answered");
        answer.describe(survey.question(id.as_str()).expect("question"), lang)
    }

    #[test]
    fn a_choice_is_described_by_its_label_in_the_language_asked() {
        let pairs = [("consent", "agree"), ("role", "clinician")];
        assert_eq!(described(&pairs, "consent", Lang::En), "I agree");
        assert_eq!(
            described(&pairs, "role", Lang::Zh),
            "临床医生（放射科医生，或在影像科工作的其他医生）"
        );
    }
}
