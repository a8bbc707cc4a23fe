use proptest::prelude::*;

use super::*;
use crate::answers::{RawAnswers, validate};
use crate::survey::tests::{MINI, MINI_METRICS};
use crate::synth::respondent;

fn survey() -> Survey {
    Survey::from_toml(&format!("{MINI}{MINI_METRICS}")).expect("loads")
}

fn outcomes(survey: &Survey, fields: &[(&str, &str)]) -> Outcomes {
    let mut raw = RawAnswers::new();
    for (name, value) in fields {
        raw.entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    validate(survey, &raw)
        .outcomes
        .into_iter()
        .map(|(id, outcome)| (id.to_string(), outcome))
        .collect()
}

/// Four respondents: three clinicians (interest 5, 4 and 2) and an industry representative,
/// who is not asked the engagement questions.
fn four(survey: &Survey) -> Vec<Outcomes> {
    [
        &[
            ("role", "clinician"),
            ("rd_interest", "5"),
            ("rd_participation", "none"),
            ("rd_blockers.1", "no"),
            ("partners.hospitals", "yes"),
            ("partners.companies", "no"),
        ][..],
        &[
            ("role", "clinician"),
            ("rd_interest", "4"),
            ("rd_participation", "annotation"),
            ("partners.hospitals", "no"),
            ("partners.companies", "yes"),
            ("hours", "10"),
        ],
        &[
            ("role", "clinician"),
            ("rd_interest", "2"),
            ("rd_participation", "annotation"),
            ("partners.hospitals", "yes"),
            ("partners.companies", "yes"),
            ("hours", "5"),
        ],
        &[("role", "industry")],
    ]
    .iter()
    .map(|fields| outcomes(survey, fields))
    .collect()
}

fn tallies(survey: &Survey, responses: &[Outcomes]) -> Vec<Tally> {
    survey
        .metrics
        .iter()
        .map(|metric| {
            let mut tally = Tally::empty(survey, metric);
            for response in responses {
                tally.add(survey, metric, response);
            }
            tally
        })
        .collect()
}

#[test]
fn each_metric_counts_the_respondents_asked_what_it_reads() {
    let survey = survey();
    let found = tallies(&survey, &four(&survey));
    // Counted by hand from the four respondents above.
    assert_eq!(found[0], Tally::Share(Share::new(2, 3)), "interest ≥ 4");
    assert_eq!(
        found[1],
        Tally::Gap(Paired {
            both: 1,
            first_only: 1,
            second_only: 1,
            neither: 0
        }),
        "interested against annotating"
    );
    assert_eq!(
        found[2],
        Tally::Mean(Moments {
            n: 3,
            sum: 11.0,
            sum_sq: 45.0
        })
    );
    assert_eq!(
        found[3],
        Tally::Ranking {
            n: 1,
            positions: vec![vec![0], vec![1]]
        },
        "only the keen idle clinician ranks the blockers"
    );
    assert_eq!(
        found[4],
        Tally::TopChoices {
            n: 3,
            counts: vec![1, 2, 0]
        }
    );
    assert_eq!(
        found[5],
        Tally::Network {
            edges: BTreeMap::from([(
                "hospitals".to_owned(),
                BTreeMap::from([("companies".to_owned(), 2), ("hospitals".to_owned(), 2)])
            )]),
            n: BTreeMap::from([("hospitals".to_owned(), 3)]),
        },
        "a clinician working with hospitals is a loop"
    );
}

#[test]
fn a_metric_of_nobody_asked_counts_nobody() {
    let survey = survey();
    let industry = [outcomes(&survey, &[("role", "industry")])];
    let found = tallies(&survey, &industry);
    assert_eq!(found[0], Tally::Share(Share::new(0, 0)));
    assert_eq!(found[2], Tally::Mean(Moments::default()));
}

#[test]
fn a_matrix_metric_counts_each_row_at_or_above_its_threshold() {
    let source = MINI
        .replace(
            "choices = \"yes_no\"\n\n[[sections.questions]]\nid = \"hours\"",
            "scale = \"agree5\"\n\n[[sections.questions]]\nid = \"hours\"",
        )
        .replace(
            "relevant = 'partners.companies == \"yes\"'",
            "relevant = 'partners.companies >= 4'",
        )
        + "\n[[metrics]]\nid = \"m\"\nkind = \"matrix\"\ntitle = { zh = \"m\", en = \"m\" }\nquestion = \"partners\"\nat_least = 4\n";
    let survey = Survey::from_toml(&source).expect("loads");
    let rated = |h: &'static str, c: &'static str| {
        outcomes(
            &survey,
            &[
                ("role", "clinician"),
                ("rd_interest", "3"),
                ("rd_participation", "annotation"),
                ("partners.hospitals", h),
                ("partners.companies", c),
            ],
        )
    };
    let found = tallies(
        &survey,
        &[rated("5", "1"), rated("4", "2"), rated("2", "3")],
    );
    let moments = |values: &[f64]| Moments::of(values.iter().copied());
    assert_eq!(
        found[0],
        Tally::Matrix {
            rows: vec![
                (Share::new(2, 3), moments(&[5.0, 4.0, 2.0])),
                (Share::new(0, 3), moments(&[1.0, 2.0, 3.0])),
            ]
        }
    );
}

#[test]
fn the_counters_of_parts_add_up_to_the_counters_of_the_whole() {
    let survey = survey();
    let all = four(&survey);
    assert_eq!(
        added(counters(&survey, &all[..2]), counters(&survey, &all[2..])),
        counters(&survey, &all)
    );
}

/// Every metric's counters over `responses`, one after the other, as a cell keeps them.
fn counters(survey: &Survey, responses: &[Outcomes]) -> Vec<f64> {
    survey
        .metrics
        .iter()
        .zip(tallies(survey, responses))
        .flat_map(|(metric, tally)| tally.counters(survey, metric))
        .collect()
}

/// Two counter arrays added element by element, as the fold adds them to a cell.
fn added(a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    assert_eq!(a.len(), b.len(), "one layout");
    a.iter().zip(&b).map(|(x, y)| x + y).collect()
}

proptest! {
    #[test]
    fn generated_respondents_split_anywhere_add_up_to_the_same_counters(split in 0usize..30) {
        let survey = survey();
        let responses: Vec<Outcomes> = (0..30)
            .filter_map(|seed| respondent(&survey, seed).ok())
            .map(|raw| {
                validate(&survey, &raw)
                    .outcomes
                    .into_iter()
                    .map(|(id, outcome)| (id.to_string(), outcome))
                    .collect()
            })
            .collect();
        let split = split.min(responses.len());
        let whole = counters(&survey, &responses);
        let parts = added(
            counters(&survey, &responses[..split]),
            counters(&survey, &responses[split..]),
        );
        prop_assert_eq!(parts, whole);
    }
}

#[test]
fn the_counted_questions_are_the_breakdowns_and_every_question_a_metric_reads() {
    let survey = survey();
    assert_eq!(
        counted_questions(&survey),
        [
            "partners",
            "rd_blockers",
            "rd_interest",
            "rd_participation",
            "role"
        ]
        .map(String::from)
        .into()
    );
    let split = Survey::from_toml(&format!("breakdowns = [\"role\"]\n{MINI}")).expect("loads");
    assert_eq!(counted_questions(&split), ["role".to_string()].into());
}

/// What the fold relies on when it decodes only the counted questions of a response.
fn only_counted(survey: &Survey, outcomes: &Outcomes) -> Outcomes {
    let counted = counted_questions(survey);
    outcomes
        .iter()
        .filter(|(q, _)| counted.contains(*q))
        .map(|(q, o)| (q.clone(), o.clone()))
        .collect()
}

proptest! {
    #[test]
    fn the_other_answers_of_a_response_change_neither_its_cell_nor_its_counters(seed in 0u64..1_000) {
        for survey in [survey(), Survey::from_toml(crate::surveys::AI_COLLAB).expect("loads")] {
            let Ok(raw) = respondent(&survey, seed) else { continue };
            let all: Outcomes = validate(&survey, &raw)
                .outcomes
                .into_iter()
                .map(|(id, outcome)| (id.to_string(), outcome))
                .collect();
            let some = only_counted(&survey, &all);
            prop_assert!(some.len() < all.len());
            prop_assert_eq!(response_counters(&survey, &some), response_counters(&survey, &all));
            prop_assert_eq!(cell_of(&survey, &some), cell_of(&survey, &all));
        }
    }
}
