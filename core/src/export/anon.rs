//! An export's anonymization: its quasi-identifiers read from each row's values, the
//! survey's hierarchies built over the values met, the transformation chosen by
//! [`crate::anonymize`], and the rows rewritten by it.
//!
//! A quasi-identifier generalized to a level above its exact answers becomes one column
//! named as its question, holding the level's value: a group's number (labelled), a band's
//! number (labelled `0–4`), or how many choices were chosen; its missing codes stay as
//! they are. Generalized to `*`, its columns are left out. A suppressed row is left out
//! whole: a row with every quasi-identifier blanked would, when few are suppressed, be
//! a class of fewer than k itself.
//!
//! The export reads the rows twice in one snapshot: first to choose the transformation
//! ([`Quasi::add`] per row), then to write ([`Plan::apply`] per row), which checks that
//! each row's quasi-identifiers are those read the first time: the file written is the
//! file checked.

use std::collections::HashMap;

use super::{Measure, Missing, Source, Value, ValueLabel, Variable};
use crate::anonymize::{self, Params, Refusal, Solution, Table};
use crate::lang::Lang;
use crate::survey::hierarchy::{Level, Rule};
use crate::survey::{Code, Disclosure, QuestionId, QuestionKind, Survey, Text};

pub mod risk;

/// One quasi-identifier's answer as an exact value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Exact {
    Missing(Missing),
    /// A choice's number, or an integer.
    Number(i64),
    /// Which of a multiple choice's choices were chosen.
    Set(Vec<bool>),
    /// Any other answer (a decimal, a text, a date), as written: a quasi-identifier of a
    /// kind no hierarchy generalizes is exact or `*`.
    Other(String),
}

/// A value of a level above the exact answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum General {
    Missing(Missing),
    Group(usize),
    Band(i64),
    Count(usize),
    /// The exact value itself (level 0).
    Exact(u32),
    /// Every value merged.
    All,
}

#[derive(Debug, Clone)]
enum Kind {
    /// The choices' codes and labels, numbered from 1.
    Choice(Vec<(Code, Text)>),
    Integer {
        min: i64,
    },
    /// The choices, one column each.
    Set(Vec<(Code, Text)>),
}

/// One quasi-identifier of the export.
#[derive(Debug, Clone)]
struct Qi {
    question: QuestionId,
    label: Text,
    kind: Kind,
    levels: Vec<Level>,
    /// Its columns among the export's variables.
    columns: Vec<usize>,
    exact: Vec<Exact>,
    ids: HashMap<Exact, u32>,
    /// Each row's exact value.
    data: Vec<u32>,
}

impl Qi {
    fn read(&self, values: &[Value]) -> Exact {
        let first = &values[self.columns[0]];
        if let Value::Missing(m) = first {
            return Exact::Missing(*m);
        }
        match self.kind {
            Kind::Set(_) => Exact::Set(
                self.columns
                    .iter()
                    .map(|c| matches!(values[*c], Value::Number(1)))
                    .collect(),
            ),
            _ => match first {
                Value::Number(n) => Exact::Number(*n),
                Value::Decimal(x) => Exact::Other(x.to_string()),
                Value::Text(t) => Exact::Other(t.clone()),
                Value::Missing(m) => Exact::Missing(*m),
            },
        }
    }

    fn min(&self) -> i64 {
        match self.kind {
            Kind::Integer { min } => min,
            _ => 0,
        }
    }

    /// The value of exact value `e` (numbered `id`) at `level` (0: exact; past the levels
    /// declared: `*`). Missing values stay themselves until `*`.
    fn general(&self, e: &Exact, id: u32, level: usize) -> General {
        if level == 0 {
            return General::Exact(id);
        }
        if level > self.levels.len() {
            return General::All;
        }
        let unknown = General::Missing(Missing::NoAnswer);
        match (&self.levels[level - 1].rule, e) {
            (_, Exact::Missing(m)) => General::Missing(*m),
            (Rule::Width(w), Exact::Number(v)) => {
                General::Band((v - self.min()).div_euclid(i64::from(*w)))
            }
            (Rule::Count, Exact::Set(chosen)) => {
                General::Count(chosen.iter().filter(|c| **c).count())
            }
            (Rule::Groups(_), Exact::Number(n)) => {
                let Kind::Choice(codes) = &self.kind else {
                    return unknown;
                };
                // Groups follow choices or groups only (the loader checks): the chain.
                let mut code = usize::try_from(*n - 1)
                    .ok()
                    .and_then(|i| codes.get(i))
                    .map(|(code, _)| code.clone());
                let mut group = None;
                for level in &self.levels[..level] {
                    let Rule::Groups(groups) = &level.rule else {
                        return unknown;
                    };
                    group = code
                        .as_ref()
                        .and_then(|c| groups.iter().position(|g| g.members.contains(c)));
                    code = group.map(|g| groups[g].code.clone());
                }
                group.map_or(unknown, General::Group)
            }
            _ => unknown,
        }
    }
}

/// A sensitive attribute of the export: its column, and each row's value numbered.
#[derive(Debug, Clone)]
struct Sensitive {
    question: QuestionId,
    column: usize,
    data: Vec<u32>,
    ids: HashMap<String, u32>,
}

/// An export's quasi-identifiers and sensitive attributes, as its rows are read.
#[derive(Debug, Clone)]
pub struct Quasi {
    qis: Vec<Qi>,
    sensitive: Vec<Sensitive>,
    rows: usize,
}

/// Why an export could not be anonymized.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnonError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the hierarchy of {question} is not a coarsening: {message}")]
    Hierarchy { question: String, message: String },
    #[error("row {row} changed between the two readings of the export")]
    Changed { row: usize },
}

impl Quasi {
    /// The quasi-identifiers of `survey` among `variables` (those with a column), and the
    /// sensitive attributes in `sensitive`.
    pub fn new(survey: &Survey, variables: &[Variable], sensitive: &[QuestionId]) -> Quasi {
        let mut qis = Vec::new();
        for (_, question) in survey.questions() {
            if question.disclosure != Disclosure::QuasiIdentifier {
                continue;
            }
            let columns: Vec<usize> = variables
                .iter()
                .enumerate()
                .filter(|(_, v)| {
                    v.question.as_ref() == Some(&question.id)
                        && matches!(v.source, Source::Answer | Source::Chosen(_))
                })
                .map(|(i, _)| i)
                .collect();
            let kind = match &question.kind {
                QuestionKind::SingleChoice { choices, .. } => Kind::Choice(
                    choices
                        .iter()
                        .map(|c| (c.code.clone(), c.label.clone()))
                        .collect(),
                ),
                QuestionKind::Integer { min, .. } => Kind::Integer {
                    min: min.unwrap_or(0),
                },
                QuestionKind::MultipleChoice { choices, .. } => Kind::Set(
                    choices
                        .iter()
                        .map(|c| (c.code.clone(), c.label.clone()))
                        .collect(),
                ),
                // Other kinds have no hierarchy: exact or `*`.
                _ => Kind::Integer { min: 0 },
            };
            if columns.is_empty() {
                continue;
            }
            let levels = survey
                .hierarchies
                .iter()
                .find(|h| h.question == question.id)
                .map(|h| h.levels.clone())
                .unwrap_or_default();
            qis.push(Qi {
                question: question.id.clone(),
                label: question.label.clone(),
                kind,
                levels,
                columns,
                exact: Vec::new(),
                ids: HashMap::new(),
                data: Vec::new(),
            });
        }
        let sensitive = sensitive
            .iter()
            .filter_map(|q| {
                let column = variables.iter().position(|v| {
                    v.question.as_ref() == Some(q) && matches!(v.source, Source::Answer)
                })?;
                Some(Sensitive {
                    question: q.clone(),
                    column,
                    data: Vec::new(),
                    ids: HashMap::new(),
                })
            })
            .collect();
        Quasi {
            qis,
            sensitive,
            rows: 0,
        }
    }

    /// Reads one row's quasi-identifiers and sensitive attributes.
    pub fn add(&mut self, values: &[Value]) {
        for qi in &mut self.qis {
            let exact = qi.read(values);
            let next = qi.exact.len() as u32;
            let id = *qi.ids.entry(exact.clone()).or_insert(next);
            if id == next {
                qi.exact.push(exact);
            }
            qi.data.push(id);
        }
        for s in &mut self.sensitive {
            let key = format!("{:?}", values[s.column]);
            let next = s.ids.len() as u32;
            s.data.push(*s.ids.entry(key).or_insert(next));
        }
        self.rows += 1;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn hierarchies(&self) -> Result<Vec<anonymize::Hierarchy>, AnonError> {
        self.qis
            .iter()
            .map(|qi| {
                let mut maps = Vec::new();
                for level in 1..=qi.levels.len() {
                    let mut ids: HashMap<General, u32> = HashMap::new();
                    let map = qi
                        .exact
                        .iter()
                        .enumerate()
                        .map(|(id, e)| {
                            let g = qi.general(e, id as u32, level);
                            let next = ids.len() as u32;
                            *ids.entry(g).or_insert(next)
                        })
                        .collect();
                    maps.push(map);
                }
                anonymize::Hierarchy::new(qi.exact.len() as u32, maps).map_err(|e| {
                    AnonError::Hierarchy {
                        question: qi.question.to_string(),
                        message: e.to_string(),
                    }
                })
            })
            .collect()
    }

    /// Chooses the transformation for the rows read, and what the export writes by it.
    pub fn plan(
        self,
        variables: &[Variable],
        params: Params,
    ) -> Result<(Plan, risk::Risk), AnonError> {
        let hierarchies = self.hierarchies()?;
        let columns: Vec<Vec<u32>> = self.qis.iter().map(|q| q.data.clone()).collect();
        let sensitive: Vec<Vec<u32>> = self.sensitive.iter().map(|s| s.data.clone()).collect();
        let table = Table {
            columns: &columns,
            hierarchies: &hierarchies,
            sensitive: &sensitive,
        };
        let solution = anonymize::anonymize(&table, params)?;
        let risk = risk::Risk::of(&self, &table, &solution, params);
        Ok((Plan::new(self, variables, solution), risk))
    }
}

/// Where a written column's value comes from.
#[derive(Debug, Clone)]
enum Out {
    /// The export's variable of this index, as it is.
    Copy(usize),
    /// A generalized quasi-identifier: its value per exact value.
    General { qi: usize, by_exact: Vec<Value> },
}

/// What an anonymized export writes: its variables, and each row rewritten (or left out).
#[derive(Debug, Clone)]
pub struct Plan {
    pub variables: Vec<Variable>,
    outs: Vec<Out>,
    quasi: Quasi,
    suppressed: Vec<bool>,
    /// The next row [`Plan::apply`] expects.
    row: usize,
    pub solution: Solution,
}

fn band_label(min: i64, width: u32, band: i64) -> Text {
    let low = min + band * i64::from(width);
    let high = low + i64::from(width) - 1;
    Text::same(&format!("{low}–{high}"))
}

impl Plan {
    fn new(quasi: Quasi, variables: &[Variable], solution: Solution) -> Plan {
        let mut outs = Vec::new();
        let mut out_vars = Vec::new();
        let owner = |column: usize| quasi.qis.iter().position(|q| q.columns.contains(&column));
        for (column, variable) in variables.iter().enumerate() {
            let Some(q) = owner(column) else {
                outs.push(Out::Copy(column));
                out_vars.push(variable.clone());
                continue;
            };
            let qi = &quasi.qis[q];
            let level = solution.best.levels[q];
            if level == 0 {
                outs.push(Out::Copy(column));
                out_vars.push(variable.clone());
                continue;
            }
            // Generalized: one column in place of the first; `*`: none.
            if level > qi.levels.len() || qi.columns[0] != column {
                continue;
            }
            let rule = &qi.levels[level - 1].rule;
            let mut labels: Vec<ValueLabel> = Vec::new();
            let by_exact: Vec<Value> = qi
                .exact
                .iter()
                .enumerate()
                .map(|(id, e)| match qi.general(e, id as u32, level) {
                    General::Missing(m) => Value::Missing(m),
                    General::Group(g) => Value::Number(g as i64 + 1),
                    General::Band(b) => Value::Number(b + 1),
                    General::Count(c) => Value::Number(c as i64),
                    General::Exact(_) | General::All => Value::Missing(Missing::NoAnswer),
                })
                .collect();
            let measure = match rule {
                Rule::Groups(groups) => {
                    labels = groups
                        .iter()
                        .enumerate()
                        .map(|(i, g)| ValueLabel {
                            value: i as i64 + 1,
                            code: Some(g.code.clone()),
                            label: g.label.clone(),
                        })
                        .collect();
                    Measure::Nominal
                }
                Rule::Width(w) => {
                    let min = qi.min();
                    let mut bands: Vec<i64> = by_exact
                        .iter()
                        .filter_map(|v| match v {
                            Value::Number(n) => Some(*n),
                            _ => None,
                        })
                        .collect();
                    bands.sort_unstable();
                    bands.dedup();
                    labels = bands
                        .into_iter()
                        .map(|b| ValueLabel {
                            value: b,
                            code: None,
                            label: band_label(min, *w, b - 1),
                        })
                        .collect();
                    Measure::Ordinal
                }
                Rule::Count => Measure::Scale,
            };
            let name = &qi.levels[level - 1].name;
            out_vars.push(Variable {
                name: qi.question.to_string(),
                question: Some(qi.question.clone()),
                section: variable.section.clone(),
                label: Text::from_fn(|lang| {
                    let sep = if lang == Lang::Zh { "（" } else { " (" };
                    let end = if lang == Lang::Zh { "）" } else { ")" };
                    format!("{}{sep}{}{end}", qi.label.get(lang), name.get(lang))
                }),
                measure,
                decimal: false,
                disclosure: Disclosure::QuasiIdentifier,
                asked_when: variable.asked_when.clone(),
                values: labels,
                source: Source::Answer,
            });
            outs.push(Out::General { qi: q, by_exact });
        }
        Plan {
            variables: out_vars,
            outs,
            suppressed: solution.suppressed.clone(),
            quasi,
            row: 0,
            solution,
        }
    }

    /// The next row as written (its `values` in the export's variables), or `None` when
    /// it is suppressed; an error when its quasi-identifiers are not those first read.
    pub fn apply(&mut self, values: &[Value]) -> Result<Option<Vec<Value>>, AnonError> {
        let row = self.row;
        self.row += 1;
        let mut exact = Vec::with_capacity(self.quasi.qis.len());
        for qi in &self.quasi.qis {
            let id = qi.ids.get(&qi.read(values)).copied();
            if id.is_none() || qi.data.get(row).copied() != id {
                return Err(AnonError::Changed { row });
            }
            exact.push(id.unwrap_or_default());
        }
        if self.suppressed.get(row).copied().unwrap_or(true) {
            return Ok(None);
        }
        Ok(Some(
            self.outs
                .iter()
                .map(|out| match out {
                    Out::Copy(column) => values[*column].clone(),
                    Out::General { qi, by_exact } => by_exact[exact[*qi] as usize].clone(),
                })
                .collect(),
        ))
    }

    /// Whether every row read the first time has been applied.
    pub fn finished(&self) -> bool {
        self.row == self.quasi.rows
    }
}

#[cfg(test)]
mod tests;
