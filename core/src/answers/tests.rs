use proptest::prelude::*;

use super::*;
use crate::survey::Survey;
use crate::survey::tests::MINI;

fn survey() -> Survey {
    Survey::from_toml(MINI).expect("the fixture loads")
}

fn raw(fields: &[(&str, &str)]) -> RawAnswers {
    let mut raw = RawAnswers::new();
    for (name, value) in fields {
        raw.entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    raw
}

fn error_of(fields: &[(&str, &str)], question: &str) -> AnswerError {
    match validate(&survey(), &raw(fields)).outcome(question) {
        Some(Outcome::Invalid { error }) => error.clone(),
        other => panic!("expected an error for {question}, got {other:?}"),
    }
}

const KEEN_CLINICIAN: &[(&str, &str)] = &[
    ("role", "clinician"),
    ("rd_interest", "5"),
    ("rd_participation", "none"),
];

#[test]
fn a_keen_but_idle_clinician_is_asked_about_blockers() {
    let v = validate(&survey(), &raw(KEEN_CLINICIAN));
    assert_eq!(
        v.outcome("rd_interest"),
        Some(&Outcome::Answered {
            answer: Answer::Scale(5)
        })
    );
    assert_eq!(v.outcome("rd_blockers"), Some(&Outcome::NoAnswer));
    assert_eq!(
        v.relevant_sections
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["screening", "engagement"]
    );
    assert!(v.unknown_fields.is_empty());
}

#[test]
fn answers_to_questions_not_asked_are_dropped_and_recorded_as_not_asked() {
    let v = validate(
        &survey(),
        &raw(&[
            ("role", "industry"),
            ("rd_interest", "5"),
            ("comments", "hello"),
        ]),
    );
    assert_eq!(v.outcome("rd_interest"), Some(&Outcome::NotAsked));
    assert_eq!(v.outcome("comments"), Some(&Outcome::NotAsked));
    assert_eq!(v.relevant_sections.len(), 1);
    assert_eq!(v.answers().len(), 1);
}

#[test]
fn a_less_interested_clinician_is_not_asked_about_blockers() {
    let v = validate(
        &survey(),
        &raw(&[
            ("role", "clinician"),
            ("rd_interest", "3"),
            ("rd_participation", "none"),
        ]),
    );
    assert_eq!(v.outcome("rd_blockers"), Some(&Outcome::NotAsked));
}

#[test]
fn a_required_question_left_empty_is_an_error_and_an_optional_one_is_not() {
    assert_eq!(error_of(&[("role", "")], "role"), AnswerError::Required);
    let v = validate(&survey(), &raw(KEEN_CLINICIAN));
    assert_eq!(v.outcome("comments"), Some(&Outcome::NoAnswer));
}

#[test]
fn choice_errors_are_specific() {
    assert_eq!(
        error_of(&[("role", "doctor")], "role"),
        AnswerError::NotAChoice {
            value: "doctor".into()
        }
    );
    assert_eq!(
        error_of(&[("role", "clinician"), ("role", "industry")], "role"),
        AnswerError::OnlyOne
    );
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![("role", "clinician"), ("rd_interest", "5")];
        fields.extend_from_slice(extra);
        fields
    };
    assert_eq!(
        error_of(
            &with(&[
                ("rd_participation", "none"),
                ("rd_participation", "annotation")
            ]),
            "rd_participation"
        ),
        AnswerError::Exclusive {
            code: crate::survey::Code::parse("none").expect("code")
        }
    );
    assert_eq!(
        error_of(
            &with(&[
                ("rd_participation", "annotation"),
                ("rd_participation", "annotation")
            ]),
            "rd_participation"
        ),
        AnswerError::Repeated
    );
    assert_eq!(
        error_of(
            &with(&[
                ("rd_participation", "annotation"),
                ("rd_participation", "other")
            ]),
            "rd_participation"
        ),
        AnswerError::OtherMissing
    );
}

#[test]
fn other_text_is_kept_when_other_is_chosen_and_dropped_when_not() {
    let fields = [
        ("role", "clinician"),
        ("rd_interest", "5"),
        ("rd_participation", "other"),
        ("rd_participation.other", "teaching"),
    ];
    let v = validate(&survey(), &raw(&fields));
    assert_eq!(
        v.outcome("rd_participation"),
        Some(&Outcome::Answered {
            answer: Answer::Choices {
                codes: vec![crate::survey::Code::parse("other").expect("code")],
                other: Some("teaching".into())
            }
        })
    );
    let fields = [
        ("role", "clinician"),
        ("rd_interest", "5"),
        ("rd_participation", "annotation"),
        ("rd_participation.other", "stale text"),
    ];
    let v = validate(&survey(), &raw(&fields));
    assert!(matches!(
        v.outcome("rd_participation"),
        Some(Outcome::Answered {
            answer: Answer::Choices { other: None, .. }
        })
    ));
}

#[test]
fn too_many_choices_is_refused_with_the_limit() {
    let mut survey_text = MINI.to_owned();
    survey_text = survey_text.replace("max = 2\n", "max = 1\n");
    let survey = Survey::from_toml(&survey_text).expect("loads");
    let v = validate(
        &survey,
        &raw(&[
            ("role", "clinician"),
            ("rd_participation", "annotation"),
            ("rd_participation", "other"),
            ("rd_participation.other", "x"),
        ]),
    );
    assert_eq!(
        v.outcome("rd_participation"),
        Some(&Outcome::Invalid {
            error: AnswerError::TooMany { max: 1 }
        })
    );
}

#[test]
fn number_errors_name_the_limit_and_full_width_digits_are_accepted() {
    let base = [
        ("role", "clinician"),
        ("rd_interest", "5"),
        ("rd_participation", "none"),
        ("partners.hospitals", "no"),
        ("partners.companies", "yes"),
    ];
    let with = |hours: &'static str| {
        let mut fields = base.to_vec();
        fields.push(("hours", hours));
        fields
    };
    assert_eq!(
        error_of(&with("201"), "hours"),
        AnswerError::AboveMax { max: "200".into() }
    );
    assert_eq!(
        error_of(&with("-1"), "hours"),
        AnswerError::BelowMin { min: "0".into() }
    );
    assert_eq!(error_of(&with("1.5"), "hours"), AnswerError::NotWhole);
    assert_eq!(error_of(&with("many"), "hours"), AnswerError::NotANumber);
    let v = validate(&survey(), &raw(&with("１２")));
    assert_eq!(
        v.outcome("hours"),
        Some(&Outcome::Answered {
            answer: Answer::Integer(12)
        })
    );
}

#[test]
fn a_failed_constraint_names_its_index() {
    let fields = [
        ("role", "clinician"),
        ("rd_interest", "4"),
        ("rd_participation", "annotation"),
        ("partners.hospitals", "no"),
        ("partners.companies", "yes"),
        ("hours", "180"),
    ];
    assert_eq!(
        error_of(&fields, "hours"),
        AnswerError::Constraint { index: 0 }
    );
}

#[test]
fn a_matrix_row_drives_branching() {
    let base = [
        ("role", "clinician"),
        ("rd_interest", "4"),
        ("rd_participation", "annotation"),
        ("partners.hospitals", "yes"),
        ("partners.companies", "no"),
        ("hours", "10"),
    ];
    let v = validate(&survey(), &raw(&base));
    assert_eq!(v.outcome("hours"), Some(&Outcome::NotAsked));
}

#[test]
fn ranking_needs_exactly_top_distinct_choices_in_order() {
    let keen = |extra: &[(&'static str, &'static str)]| {
        let mut fields = KEEN_CLINICIAN.to_vec();
        fields.extend_from_slice(extra);
        fields
    };
    let v = validate(&survey(), &raw(&keen(&[("rd_blockers.1", "no")])));
    assert_eq!(
        v.outcome("rd_blockers"),
        Some(&Outcome::Answered {
            answer: Answer::Ranking(vec![crate::survey::Code::parse("no").expect("code")])
        })
    );
    assert_eq!(
        error_of(&keen(&[("rd_blockers.1", "maybe")]), "rd_blockers"),
        AnswerError::NotAChoice {
            value: "maybe".into()
        }
    );
}

#[test]
fn text_over_the_limit_is_refused_with_the_limit() {
    let long = "字".repeat(2_001);
    let mut fields: Vec<(&str, &str)> = KEEN_CLINICIAN.to_vec();
    fields.push(("comments", &long));
    assert_eq!(
        error_of(&fields, "comments"),
        AnswerError::TooLong { max: 2_000 }
    );
}

#[test]
fn fields_that_belong_to_no_question_are_reported() {
    let v = validate(
        &survey(),
        &raw(&[
            ("role", "clinician"),
            ("is_admin", "true"),
            ("partners.nowhere", "yes"),
        ]),
    );
    assert_eq!(v.unknown_fields, ["is_admin", "partners.nowhere"]);
}

#[test]
fn email_and_date_checks_accept_the_ordinary_and_refuse_the_odd() {
    use super::parse::is_date;
    use crate::email::is_email;
    assert!(is_email("wang.li@hospital.org.cn"));
    assert!(!is_email("wang li@hospital.cn"));
    assert!(!is_email("wang@localhost"));
    assert!(!is_email("@hospital.cn"));
    assert!(is_date("2024-02-29"));
    assert!(!is_date("2023-02-29"));
    assert!(!is_date("2024-13-01"));
    assert!(!is_date("24-01-01"));
}

proptest! {
    #[test]
    fn validation_never_panics_on_arbitrary_fields(
        fields in prop::collection::vec(
            (prop::sample::select(vec!["role", "rd_interest", "rd_participation", "rd_participation.other", "rd_blockers.1", "partners.hospitals", "partners.companies", "hours", "comments", "junk"]),
             "\\PC{0,12}"),
            0..12)
    ) {
        let v = validate(&survey(), &from_pairs(fields));
        prop_assert_eq!(v.outcomes.len(), 7);
    }
}

#[test]
fn an_ending_choice_ends_the_survey_and_nothing_after_it_is_asked() {
    let v = validate(
        &survey(),
        &raw(&[("role", "none"), ("comments", "still here")]),
    );
    assert_eq!(v.ended, Some(crate::survey::Ending::ScreenedOut));
    assert_eq!(v.outcome("comments"), Some(&Outcome::NotAsked));
    assert_eq!(v.relevant_sections.len(), 1);
}

#[test]
fn progress_and_navigation_follow_branching() {
    let survey = survey();
    let screening = crate::survey::SectionId::parse("screening").expect("id");
    let engagement = crate::survey::SectionId::parse("engagement").expect("id");
    let industry = validate(&survey, &raw(&[("role", "industry")]));
    assert_eq!(industry.progress(&screening), Some((1, 1)));
    assert_eq!(industry.next_section(&screening), None);
    let clinician = validate(&survey, &raw(&[("role", "clinician")]));
    assert_eq!(clinician.progress(&engagement), Some((2, 2)));
    assert_eq!(clinician.next_section(&screening), Some(&engagement));
    assert_eq!(clinician.previous_section(&engagement), Some(&screening));
    assert_eq!(clinician.previous_section(&screening), None);
}

#[test]
fn a_returning_respondent_goes_on_at_the_first_unanswered_page() {
    let survey = survey();
    let fresh = validate(&survey, &raw(&[]));
    assert_eq!(
        fresh.first_incomplete(&survey).map(|s| s.as_str()),
        Some("screening")
    );
    let halfway = validate(&survey, &raw(&[("role", "clinician")]));
    assert_eq!(
        halfway.first_incomplete(&survey).map(|s| s.as_str()),
        Some("engagement")
    );
    let done = validate(&survey, &raw(&[("role", "industry")]));
    assert_eq!(done.first_incomplete(&survey), None);
}

#[test]
fn reads_field_agrees_with_fields_of_for_every_question() {
    use super::parse::{fields_of, reads_field};
    let survey = crate::survey::Survey::from_toml(crate::surveys::AI_COLLAB).expect("loads");
    for (_, question) in survey.questions() {
        for field in fields_of(question) {
            assert!(reads_field(question, &field), "{field}");
        }
        let id = question.id.as_str();
        for stray in [
            format!("{id}.nowhere"),
            format!("{id}x"),
            format!("{id}.0"),
            format!("{id}.01"),
            format!("{id}.+1"),
            format!("{id}."),
        ] {
            assert!(!reads_field(question, &stray), "{stray}");
        }
    }
}
