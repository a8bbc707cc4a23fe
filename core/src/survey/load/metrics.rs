//! Checking `[[metrics]]` against the survey's questions: every problem at once, each
//! with its place (`metric barriers › question`).

use std::collections::{BTreeMap, HashSet};

use super::Loader;
use crate::survey::ids::MAX_ID_LEN;
use crate::survey::metrics::{Labelled, Metric, MetricKind};
use crate::survey::raw::{RawLabelled, RawMetric};
use crate::survey::{Code, MatrixAnswer, MetricId, Question, QuestionKind, Section};

/// The fields a metric may have besides `id`, `kind` and `title`.
const FIELDS: [&str; 9] = [
    "when", "first", "second", "question", "row", "at_least", "ties", "by", "types",
];

impl Loader {
    /// The declared metrics, each checked; the loaded sections hold every question.
    pub(super) fn metrics(&mut self, raw: Vec<RawMetric>, sections: &[Section]) -> Vec<Metric> {
        let mut seen = HashSet::new();
        let mut metrics = Vec::new();
        for raw in raw {
            let shown: String = raw.id.chars().take(MAX_ID_LEN).collect();
            let place = format!("metric {shown}");
            let id = MetricId::parse(&raw.id)
                .map_err(|e| self.error(&place, e))
                .ok();
            if !seen.insert(raw.id.clone()) {
                self.error(&place, "another metric has the same ID");
            }
            let title = self.text(&format!("{place} › title"), &raw.title);
            let kind = Checked {
                loader: self,
                place: &place,
                sections,
            }
            .kind(raw);
            if let (Some(id), Some(kind)) = (id, kind) {
                metrics.push(Metric { id, title, kind });
            }
        }
        metrics
    }
}

/// One metric being checked.
struct Checked<'a> {
    loader: &'a mut Loader,
    place: &'a str,
    sections: &'a [Section],
}

impl<'a> Checked<'a> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        let place = if field.is_empty() {
            self.place.to_owned()
        } else {
            format!("{} › {field}", self.place)
        };
        self.loader.error(&place, message);
    }

    fn kind(mut self, raw: RawMetric) -> Option<MetricKind> {
        let (wanted, optional): (&[&str], &[&str]) = match raw.kind.as_str() {
            "share" => (&["when"], &[]),
            "gap" => (&["first", "second"], &[]),
            "mean" => (&["question"], &["row"]),
            "ranking" | "top_choices" => (&["question"], &[]),
            "matrix" => (&["question", "at_least"], &[]),
            "network" => (&["question", "ties", "by", "types"], &[]),
            other => {
                let shown: String = other.chars().take(MAX_ID_LEN).collect();
                self.error(
                    "kind",
                    format!(
                        "unknown kind `{shown}`: write share, gap, mean, ranking, matrix, top_choices or network"
                    ),
                );
                return None;
            }
        };
        let present = [
            raw.when.is_some(),
            raw.first.is_some(),
            raw.second.is_some(),
            raw.question.is_some(),
            raw.row.is_some(),
            raw.at_least.is_some(),
            raw.ties.is_some(),
            raw.by.is_some(),
            raw.types.is_some(),
        ];
        let mut complete = true;
        for (field, present) in FIELDS.into_iter().zip(present) {
            let applies = wanted.contains(&field) || optional.contains(&field);
            if present && !applies {
                self.error(field, format!("does not apply to a {} metric", raw.kind));
                complete = false;
            } else if !present && wanted.contains(&field) {
                self.error("", format!("a {} metric needs `{field}`", raw.kind));
                complete = false;
            }
        }
        if !complete {
            return None;
        }
        match raw.kind.as_str() {
            "share" => Some(MetricKind::Share {
                when: self.condition("when", raw.when.as_deref()?)?,
            }),
            "gap" => {
                let first = self.labelled("first", raw.first?);
                let second = self.labelled("second", raw.second?);
                Some(MetricKind::Gap {
                    first: first?,
                    second: second?,
                })
            }
            "mean" => self.mean(raw.question.as_deref()?, raw.row.as_deref()),
            "ranking" => {
                let question = self.question(raw.question.as_deref()?)?;
                match question.kind {
                    QuestionKind::Ranking { .. } => Some(MetricKind::Ranking {
                        question: question.id.clone(),
                    }),
                    _ => self.refuse(question, "is not a ranking question"),
                }
            }
            "top_choices" => {
                let question = self.question(raw.question.as_deref()?)?;
                match question.kind {
                    QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
                        Some(MetricKind::TopChoices {
                            question: question.id.clone(),
                        })
                    }
                    _ => self.refuse(question, "is not a choice question"),
                }
            }
            "matrix" => self.matrix(raw.question.as_deref()?, raw.at_least?),
            _ => self.network(
                raw.question.as_deref()?,
                raw.ties?,
                raw.by.as_deref()?,
                raw.types?,
            ),
        }
    }

    fn condition(&mut self, field: &str, source: &str) -> Option<crate::survey::Condition> {
        let place = format!("{} › {field}", self.place);
        self.loader.condition(&place, source, None)
    }

    fn labelled(&mut self, field: &str, raw: RawLabelled) -> Option<Labelled> {
        let label = self
            .loader
            .text(&format!("{} › {field} › label", self.place), &raw.label);
        let when = self.condition(field, &raw.when)?;
        Some(Labelled { when, label })
    }

    /// The question named `name`, or an error naming it.
    fn question(&mut self, name: &str) -> Option<&'a Question> {
        let sections = self.sections;
        let found = sections
            .iter()
            .flat_map(|s| &s.questions)
            .find(|q| q.id.as_str() == name);
        if found.is_none() {
            let shown: String = name.chars().take(MAX_ID_LEN).collect();
            self.error("question", format!("unknown question `{shown}`"));
        }
        found
    }

    fn refuse<T>(&mut self, question: &Question, why: &str) -> Option<T> {
        let id = question.id.as_str().to_owned();
        self.error("question", format!("`{id}` {why}"));
        None
    }

    fn mean(&mut self, name: &str, row: Option<&str>) -> Option<MetricKind> {
        let question = self.question(name)?;
        let id = question.id.clone();
        match (&question.kind, row) {
            (
                QuestionKind::Likert(_)
                | QuestionKind::Integer { .. }
                | QuestionKind::Decimal { .. },
                None,
            ) => Some(MetricKind::Mean {
                question: id,
                row: None,
            }),
            (
                QuestionKind::Matrix {
                    rows,
                    answer: MatrixAnswer::Scale(_),
                },
                Some(row),
            ) => match rows.iter().find(|r| r.code.as_str() == row) {
                Some(found) => Some(MetricKind::Mean {
                    question: id,
                    row: Some(found.code.clone()),
                }),
                None => {
                    let shown: String = row.chars().take(MAX_ID_LEN).collect();
                    self.error("row", format!("`{shown}` is not a row of `{id}`"));
                    None
                }
            },
            (
                QuestionKind::Matrix {
                    answer: MatrixAnswer::Scale(_),
                    ..
                },
                None,
            ) => {
                self.error(
                    "row",
                    format!("`{id}` is a matrix: name one of its rows with `row`"),
                );
                None
            }
            (
                QuestionKind::Likert(_)
                | QuestionKind::Integer { .. }
                | QuestionKind::Decimal { .. },
                Some(_),
            ) => {
                self.error("row", format!("`{id}` has no rows"));
                None
            }
            _ => {
                self.error(
                    "question",
                    format!(
                        "`{id}` is not a rating, a number or a rated matrix: a mean needs numbers"
                    ),
                );
                None
            }
        }
    }

    fn matrix(&mut self, name: &str, at_least: i64) -> Option<MetricKind> {
        let question = self.question(name)?;
        let id = question.id.clone();
        let QuestionKind::Matrix {
            answer: MatrixAnswer::Scale(scale),
            ..
        } = &question.kind
        else {
            return self.refuse(question, "is not a matrix rated on a scale");
        };
        let (min, max) = (scale.min, scale.max);
        if !(min..=max).contains(&at_least) {
            self.error(
                "at_least",
                format!("{at_least} is not a point of `{id}`'s scale, {min} to {max}"),
            );
            return None;
        }
        Some(MetricKind::Matrix {
            question: id,
            at_least,
        })
    }

    fn network(
        &mut self,
        name: &str,
        ties: Vec<String>,
        by: &str,
        types: BTreeMap<String, String>,
    ) -> Option<MetricKind> {
        let question = self.question(name)?;
        let QuestionKind::Matrix {
            rows,
            answer: MatrixAnswer::Choices(choices),
        } = &question.kind
        else {
            return self.refuse(
                question,
                "is not a matrix of choices (partner types by rows)",
            );
        };
        let (id, rows, choices) = (question.id.clone(), rows.clone(), choices.clone());
        let mut ok = true;
        if ties.is_empty() {
            self.error(
                "ties",
                "name at least one choice that counts as working together",
            );
            ok = false;
        }
        let mut tie_codes = Vec::new();
        for tie in &ties {
            match choices.iter().find(|c| c.code.as_str() == tie) {
                Some(choice) => tie_codes.push(choice.code.clone()),
                None => {
                    let shown: String = tie.chars().take(MAX_ID_LEN).collect();
                    self.error("ties", format!("`{shown}` is not a choice of `{id}`"));
                    ok = false;
                }
            }
        }
        let by_question = {
            let found = self
                .sections
                .iter()
                .flat_map(|s| &s.questions)
                .find(|q| q.id.as_str() == by);
            match found.map(|q| (&q.id, &q.kind)) {
                Some((by_id, QuestionKind::SingleChoice { choices, .. })) => {
                    Some((by_id.clone(), choices.clone()))
                }
                Some((by_id, _)) => {
                    let by_id = by_id.as_str().to_owned();
                    self.error("by", format!("`{by_id}` is not a single-choice question"));
                    None
                }
                None => {
                    let shown: String = by.chars().take(MAX_ID_LEN).collect();
                    self.error("by", format!("unknown question `{shown}`"));
                    None
                }
            }
        };
        let (by_id, by_choices) = by_question?;
        let mut mapped = BTreeMap::new();
        for (from, to) in &types {
            let from_code = by_choices.iter().find(|c| c.code.as_str() == from);
            let to_code = rows.iter().find(|r| r.code.as_str() == to);
            match (from_code, to_code) {
                (Some(f), Some(t)) => {
                    mapped.insert(f.code.clone(), t.code.clone());
                }
                (None, _) => {
                    let shown: String = from.chars().take(MAX_ID_LEN).collect();
                    self.error("types", format!("`{shown}` is not a choice of `{by_id}`"));
                    ok = false;
                }
                (_, None) => {
                    let shown: String = to.chars().take(MAX_ID_LEN).collect();
                    self.error("types", format!("`{shown}` is not a row of `{id}`"));
                    ok = false;
                }
            }
        }
        if types.is_empty() {
            self.error(
                "types",
                format!("map at least one choice of `{by_id}` to a row of `{id}`"),
            );
            ok = false;
        }
        ok.then(|| MetricKind::Network {
            question: id,
            ties: tie_codes,
            by: by_id,
            types: mapped.into_iter().collect::<BTreeMap<Code, Code>>(),
        })
    }
}
