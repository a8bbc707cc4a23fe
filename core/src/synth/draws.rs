//! How demo respondents answer: distributions declared beside a survey (`*.demo.toml`),
//! not in code, so that demo data can tell a study's story and a second survey can have
//! its own.
//!
//! ```toml
//! [role]                                   # a single choice, a rating: relative weights
//! weights = { clinician = 80, institution = 14, industry = 6, none = 1 }
//!
//! [rd_participation]                       # a multiple choice: percent chance of each;
//! chance = { none = 63, data_annotation = 40 }   # an exclusive choice is rolled first
//!
//! [barrier_importance.rows.privacy_security]     # a matrix row
//! weights = { "1" = 1, "2" = 3, "3" = 10, "4" = 36, "5" = 50 }
//!
//! [years_experience.by.age_band.age_30_39]        # depends on an earlier answer
//! range = [3, 15]
//! ```
//!
//! A ranking draws its items one after another by `weights`, without replacement. A
//! question without a declaration is answered uniformly, as in the property tests.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::answers::RawAnswers;
use crate::survey::{MatrixAnswer, QuestionKind, Survey};

/// One question's distribution.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draw {
    /// Relative weights of choice codes or of rating values ("1".."5").
    pub weights: Option<BTreeMap<String, u64>>,
    /// Percent chance that each choice of a multiple choice is chosen.
    pub chance: Option<BTreeMap<String, u64>>,
    /// A whole number drawn uniformly in `[low, high]`.
    pub range: Option<[i64; 2]>,
    /// A matrix's rows, each its own draw.
    #[serde(default)]
    pub rows: BTreeMap<String, Draw>,
    /// Question → its answer's code → the draw to use instead of this one.
    #[serde(default)]
    pub by: BTreeMap<String, BTreeMap<String, Draw>>,
}

/// The distributions of a survey's demo respondents, by question ID.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Demo(pub BTreeMap<String, Draw>);

impl Demo {
    /// Reads a demo file and checks it against `survey`: every question, choice, row and
    /// rating it names must exist. Every problem is reported at once.
    pub fn from_toml(text: &str, survey: &Survey) -> Result<Demo, Vec<String>> {
        let demo: Demo = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        for (question, draw) in &demo.0 {
            check(survey, question, draw, question, &mut problems);
        }
        if problems.is_empty() {
            Ok(demo)
        } else {
            Err(problems)
        }
    }

    /// The draw for `question` given the answers so far (`by` followed as far as it
    /// matches).
    pub fn draw(&self, question: &str, so_far: &RawAnswers) -> Option<&Draw> {
        self.0.get(question).map(|draw| draw.resolve(so_far))
    }
}

impl Draw {
    /// The most specific draw whose `by` conditions the answers so far meet.
    pub fn resolve(&self, so_far: &RawAnswers) -> &Draw {
        for (question, cases) in &self.by {
            let answer = so_far.get(question).and_then(|values| values.first());
            if let Some(draw) = answer.and_then(|code| cases.get(code)) {
                return draw.resolve(so_far);
            }
        }
        self
    }
}

/// The codes (or rating values) an answer to `question` may take, or its rows'.
fn values(kind: &QuestionKind) -> Vec<String> {
    let scale = |min: i64, max: i64| (min..=max).map(|v| v.to_string()).collect();
    match kind {
        QuestionKind::SingleChoice { choices, .. }
        | QuestionKind::MultipleChoice { choices, .. }
        | QuestionKind::Ranking { choices, .. } => {
            choices.iter().map(|c| c.code.to_string()).collect()
        }
        QuestionKind::Likert(s) => scale(s.min, s.max),
        QuestionKind::Matrix { answer, .. } => match answer {
            MatrixAnswer::Scale(s) => scale(s.min, s.max),
            MatrixAnswer::Choices(choices) => choices.iter().map(|c| c.code.to_string()).collect(),
        },
        _ => Vec::new(),
    }
}

fn check(survey: &Survey, question: &str, draw: &Draw, place: &str, problems: &mut Vec<String>) {
    let Some(q) = survey.question(question) else {
        problems.push(format!("{place}: no question `{question}` in the survey"));
        return;
    };
    let allowed = values(&q.kind);
    for (key, map) in [("weights", &draw.weights), ("chance", &draw.chance)] {
        for code in map.iter().flat_map(|m| m.keys()) {
            if !allowed.contains(code) {
                problems.push(format!(
                    "{place}.{key}: `{code}` is not a value of `{question}`"
                ));
            }
        }
    }
    if let Some(chance) = &draw.chance {
        if !matches!(q.kind, QuestionKind::MultipleChoice { .. }) {
            problems.push(format!(
                "{place}.chance: `{question}` is not a multiple choice"
            ));
        }
        if let Some((code, _)) = chance.iter().find(|(_, p)| **p > 100) {
            problems.push(format!("{place}.chance: `{code}` is over 100 percent"));
        }
    }
    if !draw.rows.is_empty() {
        match &q.kind {
            QuestionKind::Matrix { rows, .. } => {
                for (row, inner) in &draw.rows {
                    if !rows.iter().any(|r| r.code.as_str() == row) {
                        problems.push(format!(
                            "{place}.rows: `{row}` is not a row of `{question}`"
                        ));
                    }
                    let here = format!("{place}.rows.{row}");
                    check_values(&allowed, inner, &here, question, problems);
                }
            }
            _ => problems.push(format!("{place}.rows: `{question}` is not a matrix")),
        }
    }
    for (other, cases) in &draw.by {
        let Some(o) = survey.question(other) else {
            problems.push(format!("{place}.by: no question `{other}` in the survey"));
            continue;
        };
        let codes = values(&o.kind);
        for (code, inner) in cases {
            if !codes.contains(code) {
                problems.push(format!(
                    "{place}.by.{other}: `{code}` is not a value of `{other}`"
                ));
            }
            check(
                survey,
                question,
                inner,
                &format!("{place}.by.{other}.{code}"),
                problems,
            );
        }
    }
}

/// A matrix row's draw: weights over the matrix's values.
fn check_values(
    allowed: &[String],
    draw: &Draw,
    place: &str,
    question: &str,
    problems: &mut Vec<String>,
) {
    for code in draw.weights.iter().flat_map(|m| m.keys()) {
        if !allowed.contains(code) {
            problems.push(format!(
                "{place}.weights: `{code}` is not a value of `{question}`"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Outcomes, Tally};
    use crate::answers::validate;
    use crate::stats::{Moments, Share, borda};
    use crate::surveys::{AI_COLLAB, AI_COLLAB_DEMO};
    use crate::synth::respondent_drawn;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("loads")
    }

    #[test]
    fn every_problem_of_a_demo_file_is_reported_with_its_place() {
        let broken = r#"
[nope]
weights = { a = 1 }

[role]
weights = { doctor = 3 }
chance = { clinician = 120 }

[consent.rows.x]
weights = { "1" = 1 }

[title.by.age_band.age_100]
weights = { resident = 1 }
"#;
        let problems = Demo::from_toml(broken, &national()).expect_err("refused");
        assert_eq!(
            problems,
            [
                "consent.rows: `consent` is not a matrix",
                "nope: no question `nope` in the survey",
                "role.weights: `doctor` is not a value of `role`",
                "role.chance: `role` is not a multiple choice",
                "role.chance: `clinician` is over 100 percent",
                "title.by.age_band: `age_100` is not a value of `age_band`",
            ]
        );
    }

    /// What `count` demo respondents (those who completed) answered.
    fn answered(count: u64) -> (Survey, Vec<Outcomes>) {
        let survey = national();
        let demo = Demo::from_toml(AI_COLLAB_DEMO, &survey).expect("the shipped demo checks");
        let responses = (0..count)
            .filter_map(|seed| respondent_drawn(&survey, seed, RawAnswers::new(), &demo).ok())
            .map(|raw| validate(&survey, &raw))
            .filter(|v| v.ended.is_none())
            .map(|v| {
                v.outcomes
                    .into_iter()
                    .map(|(id, outcome)| (id.to_string(), outcome))
                    .collect()
            })
            .collect();
        (survey, responses)
    }

    fn tally(survey: &Survey, responses: &[Outcomes], metric: &str) -> Tally {
        let metric = survey
            .metrics
            .iter()
            .find(|m| m.id.as_str() == metric)
            .expect("metric");
        let mut tally = Tally::empty(survey, metric);
        for response in responses {
            tally.add(survey, metric, response);
        }
        tally
    }

    fn between(share: Share, low: f64, high: f64) -> bool {
        share.estimate().is_some_and(|p| (low..=high).contains(&p))
    }

    /// The top `k` codes of a ranking question by Borda points.
    fn top(
        survey: &Survey,
        responses: &[Outcomes],
        metric: &str,
        question: &str,
        k: usize,
    ) -> Vec<String> {
        let Tally::Ranking { positions, .. } = tally(survey, responses, metric) else {
            panic!("a ranking");
        };
        let codes = crate::analysis::codes_of(survey, question);
        let points = borda(&positions, 3);
        let mut order: Vec<(u64, &str)> = points.into_iter().zip(codes).collect();
        order.sort_by_key(|o| std::cmp::Reverse(o.0));
        order
            .into_iter()
            .take(k)
            .map(|(_, c)| c.to_owned())
            .collect()
    }

    #[test]
    fn demo_respondents_have_the_seed_studys_shape() {
        let (survey, responses) = answered(500);
        assert!(responses.len() > 400, "{}", responses.len());
        // High interest, much lower engagement.
        let Tally::Gap(gap) = tally(&survey, &responses, "interest_engagement") else {
            panic!("a gap");
        };
        assert!(
            between(gap.first(), 0.65, 0.85),
            "interest {:?}",
            gap.first()
        );
        assert!(
            between(gap.second(), 0.25, 0.45),
            "engagement {:?}",
            gap.second()
        );
        // About 60% of clinicians' departments use AI; pulmonary nodules first.
        let Tally::Share(adoption) = tally(&survey, &responses, "ai_adoption") else {
            panic!("a share");
        };
        assert!(between(adoption, 0.5, 0.7), "{adoption:?}");
        let Tally::TopChoices { counts, .. } = tally(&survey, &responses, "ai_applications") else {
            panic!("top choices");
        };
        let first = counts
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map(|(i, _)| i);
        assert_eq!(first, Some(0), "pulmonary nodules: {counts:?}");
        // Privacy among the top barriers; lesion screening, diagnosis, workflow on top.
        assert!(
            top(&survey, &responses, "barrier_top3", "barrier_top3", 3)
                .contains(&"privacy_security".to_owned())
        );
        let mut priorities = top(&survey, &responses, "priorities", "priority_rank", 3);
        priorities.sort();
        assert_eq!(priorities, ["diagnosis", "lesion_detection", "workflow"]);
        // Less willing to share with companies than with researchers.
        let Tally::Matrix { rows } = tally(&survey, &responses, "share_willingness") else {
            panic!("a matrix");
        };
        let mean = |m: &Moments| m.mean().unwrap_or_default();
        let rows: Vec<f64> = rows.iter().map(|(_, m)| mean(m)).collect();
        let codes = crate::analysis::codes_of(&survey, "share_willingness");
        let of = |code: &str| rows[codes.iter().position(|c| *c == code).expect("row")];
        assert!(of("companies") < of("own_researchers") - 0.5);
        assert!(of("companies") < of("universities") - 0.5);
        // Profiles hold together: no clinician works at a company or a university.
        let companies = [
            "ai_company",
            "device_maker",
            "it_vendor",
            "university_institute",
        ];
        let code = |r: &Outcomes, q: &str| match r.get(q) {
            Some(crate::answers::Outcome::Answered {
                answer: crate::answers::Answer::Choice { code, .. },
            }) => code.to_string(),
            _ => String::new(),
        };
        let misplaced = responses
            .iter()
            .filter(|r| {
                code(r, "role") == "clinician"
                    && companies.contains(&code(r, "institution_type").as_str())
            })
            .count();
        assert_eq!(misplaced, 0);
    }
}
