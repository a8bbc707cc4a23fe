//! Synthetic respondents: a seeded walk through a survey that picks valid answers.
//!
//! Used by property tests (every path ends, every generated set validates, the same seed
//! gives the same respondent) and by `canvass seed-demo`. The random generator is a small
//! SplitMix64 written here on purpose: its sequence is fixed forever, so a seed names the
//! same respondent on every platform and in every future version.

use std::collections::BTreeMap;

use crate::answers::{Outcome, RawAnswers, validate};
use crate::survey::{Choice, MatrixAnswer, Question, QuestionKind, Survey};

mod draws;

pub use draws::{Demo, Draw};

/// A deterministic random sequence.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// Why a walk could not produce a valid respondent: a question that no generated answer
/// satisfies (an unsatisfiable constraint, say) — a problem of the definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no valid answer found for required question `{question}`")]
pub struct Stuck {
    pub question: String,
}

/// How many candidate answers to try for one question before giving up.
const TRIES: usize = 32;

/// Walks the survey with the given seed and returns a complete, valid set of answers.
/// Optional questions are left empty about one time in five.
pub fn respondent(survey: &Survey, seed: u64) -> Result<RawAnswers, Stuck> {
    respondent_with(survey, seed, RawAnswers::new())
}

/// Like [`respondent`], keeping the answers in `preset` (a chosen role or province, say)
/// wherever they are valid, and choosing the rest.
pub fn respondent_with(
    survey: &Survey,
    seed: u64,
    preset: RawAnswers,
) -> Result<RawAnswers, Stuck> {
    walk(survey, seed, preset, None)
}

/// Like [`respondent_with`], answering as `demo` declares (a question it does not name
/// uniformly): demo data with a study's shape.
pub fn respondent_drawn(
    survey: &Survey,
    seed: u64,
    preset: RawAnswers,
    demo: &Demo,
) -> Result<RawAnswers, Stuck> {
    walk(survey, seed, preset, Some(demo))
}

fn walk(
    survey: &Survey,
    seed: u64,
    preset: RawAnswers,
    demo: Option<&Demo>,
) -> Result<RawAnswers, Stuck> {
    let mut rng = Rng::new(seed);
    let mut raw = preset;
    // The validation of `raw` as it stands: recomputed only when `raw` changes.
    let mut current = validate(survey, &raw);
    for (_, question) in survey.questions() {
        let id = question.id.as_str();
        if matches!(question.kind, QuestionKind::Note)
            || matches!(
                current.outcome(id),
                Some(Outcome::Answered { .. } | Outcome::NotAsked)
            )
            || (!question.required && rng.chance(20))
        {
            continue;
        }
        let mut accepted = false;
        let draw = demo.and_then(|d| d.draw(id, &raw)).cloned();
        for _ in 0..TRIES {
            let fields = match &draw {
                Some(draw) => drawn(question, draw, &mut rng),
                None => candidate(question, &mut rng),
            };
            let replaced: Vec<(String, Option<Vec<String>>)> = fields
                .into_iter()
                .map(|(name, values)| (name.clone(), raw.insert(name, values)))
                .collect();
            let trial = validate(survey, &raw);
            if matches!(trial.outcome(id), Some(Outcome::Answered { .. })) {
                current = trial;
                accepted = true;
                break;
            }
            for (name, old) in replaced {
                match old {
                    Some(values) => raw.insert(name, values),
                    None => raw.remove(&name),
                };
            }
        }
        if !accepted && question.required {
            return Err(Stuck {
                question: question.id.to_string(),
            });
        }
    }
    Ok(raw)
}

fn candidate(question: &Question, rng: &mut Rng) -> RawAnswers {
    let id = question.id.as_str();
    let mut fields = RawAnswers::new();
    let mut put = |name: String, value: String| fields.entry(name).or_default().push(value);
    match &question.kind {
        QuestionKind::SingleChoice { choices, .. } => {
            // Ending choices (refusal, screened out) only now and then, so most walks go on.
            let going_on: Vec<Choice> = choices
                .iter()
                .filter(|c| c.ends.is_none())
                .cloned()
                .collect();
            let pool = if going_on.is_empty() || rng.chance(3) {
                choices.as_slice()
            } else {
                going_on.as_slice()
            };
            if let Some(choice) = rng.pick(pool) {
                put(id.to_owned(), choice.code.to_string());
                if choice.other {
                    put(format!("{id}.other"), "synthetic".to_owned());
                }
            }
        }
        QuestionKind::MultipleChoice { choices, min, max } => {
            let n = choices.len() as i64;
            let lo = i64::from(min.unwrap_or(1));
            let hi = max.map_or(n, i64::from).min(n);
            let count = rng.between(lo, hi) as usize;
            let mut picked: Vec<&Choice> = Vec::new();
            for choice in shuffled(choices, rng) {
                if picked.len() == count {
                    break;
                }
                if choice.exclusive && count > 1 {
                    continue;
                }
                picked.push(choice);
            }
            for choice in picked {
                put(id.to_owned(), choice.code.to_string());
                if choice.other {
                    put(format!("{id}.other"), "synthetic".to_owned());
                }
            }
        }
        QuestionKind::Likert(scale) => {
            put(id.to_owned(), rng.between(scale.min, scale.max).to_string())
        }
        QuestionKind::Matrix { rows, answer } => {
            for row in rows {
                let value = match answer {
                    MatrixAnswer::Scale(scale) => rng.between(scale.min, scale.max).to_string(),
                    MatrixAnswer::Choices(choices) => rng
                        .pick(choices)
                        .map(|c| c.code.to_string())
                        .unwrap_or_default(),
                };
                put(format!("{id}.{}", row.code), value);
            }
        }
        QuestionKind::Ranking { choices, top } => {
            for (rank, choice) in shuffled(choices, rng)
                .into_iter()
                .take(*top as usize)
                .enumerate()
            {
                put(format!("{id}.{}", rank + 1), choice.code.to_string());
            }
        }
        QuestionKind::Integer { min, max, .. } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo.saturating_add(100));
            put(id.to_owned(), rng.between(lo, hi).to_string());
        }
        QuestionKind::Decimal { min, max, .. } => {
            let lo = min.unwrap_or(0.0);
            let hi = max.unwrap_or(lo + 100.0);
            let tenths = rng.between(0, 1000) as f64 / 1000.0;
            put(id.to_owned(), format!("{:.1}", lo + (hi - lo) * tenths));
        }
        QuestionKind::ShortText { max_len } | QuestionKind::LongText { max_len } => {
            let text: String = "synthetic answer".chars().take(*max_len as usize).collect();
            put(id.to_owned(), text);
        }
        QuestionKind::Email => put(
            id.to_owned(),
            format!("respondent{}@example.org", rng.below(1_000_000)),
        ),
        QuestionKind::Date => put(
            id.to_owned(),
            format!("2025-{:02}-{:02}", rng.between(1, 12), rng.between(1, 28)),
        ),
        QuestionKind::Year { min, max } => {
            let lo = i64::from(min.unwrap_or(1950));
            let hi = i64::from(max.unwrap_or(2025));
            put(id.to_owned(), rng.between(lo, hi).to_string());
        }
        QuestionKind::Note => {}
    }
    fields
}

/// One of `weights`' keys, with probability proportional to its weight.
fn weighted(rng: &mut Rng, weights: &BTreeMap<String, u64>) -> Option<String> {
    let total: u64 = weights.values().sum();
    let mut at = rng.below(total);
    for (code, &weight) in weights {
        if at < weight {
            return Some(code.clone());
        }
        at -= weight;
    }
    None
}

/// An answer to `question` drawn as `draw` declares; what it leaves out is uniform.
fn drawn(question: &Question, draw: &Draw, rng: &mut Rng) -> RawAnswers {
    let id = question.id.as_str();
    let mut fields = candidate(question, rng);
    let other_of = |code: &str| match &question.kind {
        QuestionKind::SingleChoice { choices, .. }
        | QuestionKind::MultipleChoice { choices, .. } => {
            choices.iter().any(|c| c.other && c.code.as_str() == code)
        }
        _ => false,
    };
    match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::Likert(_) => {
            if let Some(code) = draw.weights.as_ref().and_then(|w| weighted(rng, w)) {
                fields.clear();
                if other_of(&code) {
                    fields.insert(format!("{id}.other"), vec!["synthetic".to_owned()]);
                }
                fields.insert(id.to_owned(), vec![code]);
            }
        }
        QuestionKind::MultipleChoice { choices, max, .. } => {
            if let Some(chance) = &draw.chance {
                let exclusive = choices.iter().find(|c| c.exclusive);
                let mut picked: Vec<String> = Vec::new();
                match exclusive {
                    Some(c) if rng.chance(chance.get(c.code.as_str()).copied().unwrap_or(0)) => {
                        picked.push(c.code.to_string());
                    }
                    _ => {
                        for c in choices.iter().filter(|c| !c.exclusive) {
                            if rng.chance(chance.get(c.code.as_str()).copied().unwrap_or(0)) {
                                picked.push(c.code.to_string());
                            }
                        }
                        let limit = max.map_or(usize::MAX, |m| m as usize);
                        while picked.len() > limit {
                            let at = rng.below(picked.len() as u64) as usize;
                            picked.remove(at);
                        }
                        if picked.is_empty() {
                            let open: BTreeMap<String, u64> = chance
                                .iter()
                                .filter(|(code, _)| {
                                    exclusive.is_none_or(|e| e.code.as_str() != *code)
                                })
                                .map(|(code, p)| (code.clone(), *p))
                                .collect();
                            picked.extend(weighted(rng, &open));
                        }
                    }
                }
                if !picked.is_empty() {
                    fields.clear();
                    if picked.iter().any(|c| other_of(c)) {
                        fields.insert(format!("{id}.other"), vec!["synthetic".to_owned()]);
                    }
                    fields.insert(id.to_owned(), picked);
                }
            }
        }
        QuestionKind::Matrix { rows, .. } => {
            for row in rows {
                let weights = draw
                    .rows
                    .get(row.code.as_str())
                    .and_then(|r| r.weights.as_ref())
                    .or(draw.weights.as_ref());
                if let Some(value) = weights.and_then(|w| weighted(rng, w)) {
                    fields.insert(format!("{id}.{}", row.code), vec![value]);
                }
            }
        }
        QuestionKind::Ranking { top, .. } => {
            if let Some(weights) = &draw.weights {
                let mut left = weights.clone();
                let mut ranked = RawAnswers::new();
                for rank in 1..=*top as usize {
                    let Some(code) = weighted(rng, &left) else {
                        break;
                    };
                    left.remove(&code);
                    ranked.insert(format!("{id}.{rank}"), vec![code]);
                }
                if ranked.len() == *top as usize {
                    fields = ranked;
                }
            }
        }
        QuestionKind::Integer { .. } => {
            if let Some([low, high]) = draw.range {
                fields.clear();
                fields.insert(id.to_owned(), vec![rng.between(low, high).to_string()]);
            }
        }
        _ => {}
    }
    fields
}

fn shuffled<'a, T>(items: &'a [T], rng: &mut Rng) -> Vec<&'a T> {
    let mut out: Vec<&T> = items.iter().collect();
    for i in (1..out.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::survey::tests::MINI;

    fn mini() -> Survey {
        Survey::from_toml(MINI).expect("loads")
    }

    #[test]
    fn the_random_sequence_is_fixed_forever() {
        let mut rng = super::Rng::new(42);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                13679457532755275413,
                2949826092126892291,
                5139283748462763858
            ]
        );
    }

    #[test]
    fn a_required_question_nobody_can_answer_is_reported() {
        let impossible = MINI.replace(
            "scale = \"agree5\"\n",
            "scale = \"agree5\"\nconstraints = [{ rule = \"rd_interest > 5\", message = { zh = \"不可能\", en = \"Impossible\" } }]\n",
        );
        let survey = Survey::from_toml(&impossible).expect("loads");
        let stuck = (0..20)
            .find_map(|seed| respondent(&survey, seed).err())
            .expect("a clinician gets stuck");
        assert_eq!(
            stuck.to_string(),
            "no valid answer found for required question `rd_interest`"
        );
    }

    #[test]
    fn preset_answers_are_kept() {
        let survey = mini();
        let mut preset = RawAnswers::new();
        preset.insert("role".into(), vec!["industry".into()]);
        for seed in 0..20 {
            let raw = respondent_with(&survey, seed, preset.clone()).expect("walk");
            assert_eq!(raw.get("role"), Some(&vec!["industry".to_owned()]));
            assert!(
                !raw.contains_key("rd_interest"),
                "industry is not asked about engagement"
            );
        }
    }

    proptest! {
        #[test]
        fn every_generated_respondent_validates_without_errors(seed in any::<u64>()) {
            let survey = mini();
            let raw = respondent(&survey, seed).expect("the walk ends");
            let v = validate(&survey, &raw);
            let invalid: Vec<_> = v.outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Invalid { .. })).collect();
            prop_assert!(invalid.is_empty(), "{:?}", invalid);
            prop_assert!(v.unknown_fields.is_empty());
        }

        #[test]
        fn the_same_seed_gives_the_same_respondent(seed in any::<u64>()) {
            let survey = mini();
            prop_assert_eq!(respondent(&survey, seed), respondent(&survey, seed));
        }
    }
}
