//! From a TOML definition to a checked [`Survey`], reporting every problem at once.

mod hierarchies;
mod metrics;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::ids::MAX_ID_LEN;
use super::metrics::DEFAULT_SUPPRESS_BELOW;
use super::raw::{
    RawChoice, RawChoices, RawNumber, RawQuestion, RawScale, RawScaleRef, RawSection, RawStrata,
    RawSurvey, RawText,
};
use super::{
    Choice, ChoiceDisplay, Code, Condition, Constraint, MatrixAnswer, Question, QuestionId,
    QuestionKind, Scale, Section, SectionId, Slug, Strata, Survey, Text, TimeZone,
};
use crate::expr::{self, Reference, Scope, ValueType};
use crate::lang::Lang;

/// Section IDs that name pages every survey has (`/r/{code}/review`, `/r/{code}/end`).
pub const RESERVED_SECTION_IDS: [&str; 2] = ["review", "end"];

/// Longest text answer any question may allow.
pub const MAX_TEXT_LEN: u32 = 10_000;

/// One problem in a definition, and where it is (`section ai_use › question ai_effect › relevant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionError {
    pub place: String,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

/// Every problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the survey definition has {} problem(s):", self.0.len())?;
        for error in &self.0 {
            writeln!(f, "- {error}")?;
        }
        Ok(())
    }
}

impl Survey {
    /// Parses and checks a TOML definition.
    /// A definition built in memory (the XLSForm import), checked as a TOML file is.
    pub(crate) fn from_raw(raw: RawSurvey) -> Result<Survey, DefinitionErrors> {
        Loader::default().survey(raw)
    }

    pub fn from_toml(source: &str) -> Result<Survey, DefinitionErrors> {
        let raw: RawSurvey = toml::from_str(source).map_err(|e| {
            DefinitionErrors(vec![DefinitionError {
                place: String::new(),
                message: format!("not a valid definition file: {}", e.to_string().trim_end()),
            }])
        })?;
        Loader::default().survey(raw)
    }
}

/// What a condition may know about a question it reads.
struct Known {
    ty: Option<ValueType>,
    codes: Vec<Code>,
    /// For a matrix: its rows, and the type of one row's answer.
    rows: Option<(Vec<Code>, ValueType)>,
}

#[derive(Default)]
struct Loader {
    errors: Vec<DefinitionError>,
    languages: Vec<Lang>,
    /// Questions defined so far, in order: what a condition may read.
    known: HashMap<String, Known>,
    /// Every question ID in the file, to tell "later" from "unknown".
    all_ids: HashSet<String>,
    choice_lists: BTreeMap<String, Vec<RawChoice>>,
    scales: BTreeMap<String, RawScale>,
}

struct VisibleScope<'a> {
    loader: &'a Loader,
    /// The question being defined, readable by its own constraints only.
    itself: Option<(&'a str, &'a Known)>,
}

impl VisibleScope<'_> {
    fn find(&self, name: &str) -> Option<&Known> {
        match self.itself {
            Some((id, known)) if id == name => Some(known),
            _ => self.loader.known.get(name),
        }
    }
}

impl Scope for VisibleScope<'_> {
    fn resolve(&self, reference: &Reference) -> Result<ValueType, String> {
        let name = reference.question.as_str();
        let Some(known) = self.find(name) else {
            return Err(if self.loader.all_ids.contains(name) {
                format!(
                    "`{name}` comes later in the survey (or is this question itself): a condition may only read earlier questions"
                )
            } else {
                format!("unknown question `{name}`")
            });
        };
        match (&known.rows, &reference.row) {
            (Some((rows, ty)), Some(row)) => {
                if rows.iter().any(|r| r.as_str() == row) {
                    Ok(*ty)
                } else {
                    Err(format!("`{row}` is not a row of `{name}`"))
                }
            }
            (Some(_), None) => Err(format!(
                "`{name}` is a matrix: name one of its rows, as in `{name}.row`"
            )),
            (None, Some(_)) => Err(format!(
                "`{name}` is not a matrix, so it has no row `{}`",
                reference
            )),
            (None, None) => known
                .ty
                .ok_or_else(|| format!("`{name}` is a note: it has no answer to read")),
        }
    }

    fn has_code(&self, reference: &Reference, code: &str) -> bool {
        self.find(&reference.question)
            .is_some_and(|known| known.codes.iter().any(|c| c.as_str() == code))
    }
}

impl Loader {
    fn error(&mut self, place: &str, message: impl Into<String>) {
        self.errors.push(DefinitionError {
            place: place.to_owned(),
            message: message.into(),
        });
    }

    /// The breakdown questions: each a single-choice question of the survey, named once.
    fn breakdowns(&mut self, names: &[String], sections: &[Section]) -> Vec<QuestionId> {
        let mut found: Vec<QuestionId> = Vec::new();
        for name in names {
            let question = sections
                .iter()
                .flat_map(|s| &s.questions)
                .find(|q| q.id.as_str() == name);
            match question {
                None => self.error(
                    "breakdowns",
                    format!("unknown question `{}`", name.chars().take(MAX_ID_LEN).collect::<String>()),
                ),
                Some(q) if !matches!(q.kind, QuestionKind::SingleChoice { .. }) => self.error(
                    "breakdowns",
                    format!("`{name}` is not a single-choice question: only those can break responses down"),
                ),
                Some(q) if found.contains(&q.id) => {
                    self.error("breakdowns", format!("`{name}` is listed twice"))
                }
                Some(q) => found.push(q.id.clone()),
            }
        }
        found
    }

    /// The strata: each a breakdown (so a single-choice question), the two different.
    fn strata(&mut self, raw: &RawStrata, breakdowns: &[QuestionId]) -> Strata {
        let mut one = |slot: &str, name: &Option<String>| {
            let name = name.as_deref()?;
            let found = breakdowns.iter().find(|b| b.as_str() == name).cloned();
            if found.is_none() {
                let name: String = name.chars().take(MAX_ID_LEN).collect();
                self.error(
                    "strata",
                    format!(
                        "the {slot} question `{name}` is not among the breakdowns: list it there, since quotas count the breakdowns' answers"
                    ),
                );
            }
            found
        };
        let role = one("role", &raw.role);
        let province = one("province", &raw.province);
        if role.is_some() && role == province {
            self.error(
                "strata",
                "the role and the province must be two different questions",
            );
        }
        Strata { role, province }
    }

    fn survey(mut self, raw: RawSurvey) -> Result<Survey, DefinitionErrors> {
        let slug = Slug::parse(&raw.slug)
            .map_err(|e| self.error("slug", e))
            .ok();
        if raw.version == 0 {
            self.error("version", "the version must be 1 or more");
        }
        let mut languages = Vec::new();
        for code in &raw.languages {
            match Lang::parse(code) {
                Ok(lang) if lang.code() != code => self.error(
                    "languages",
                    format!("write the language as \"{}\", not \"{code}\"", lang.code()),
                ),
                Ok(lang) if languages.contains(&lang) => {
                    self.error("languages", format!("\"{code}\" is listed twice"))
                }
                Ok(lang) => languages.push(lang),
                Err(e) => self.error("languages", e.to_string()),
            }
        }
        if raw.languages.is_empty() {
            self.error("languages", "declare at least one language");
        }
        self.languages = languages.clone();
        let title = self.text("title", &raw.title);
        self.choice_lists = raw.choice_lists;
        self.scales = raw.scales;
        self.all_ids = raw
            .sections
            .iter()
            .flat_map(|s| s.questions.iter().map(|q| q.id.clone()))
            .collect();
        if raw.sections.is_empty() {
            self.error("sections", "a survey needs at least one section");
        }
        let mut section_ids = HashSet::new();
        let mut sections = Vec::new();
        for raw_section in raw.sections {
            let place = format!("section {}", raw_section.id);
            if !section_ids.insert(raw_section.id.clone()) {
                self.error(&place, "another section has the same ID");
            }
            if let Some(section) = self.section(raw_section, &place) {
                sections.push(section);
            }
        }
        let time_zone = match raw.time_zone.as_deref().map(TimeZone::parse) {
            None => Some(TimeZone::utc()),
            Some(Ok(zone)) => Some(zone),
            Some(Err(e)) => {
                self.error("time_zone", e);
                None
            }
        };
        let breakdowns = self.breakdowns(&raw.breakdowns, &sections);
        let strata = self.strata(&raw.strata, &breakdowns);
        let suppress_below = match raw.suppress_below {
            None => DEFAULT_SUPPRESS_BELOW,
            Some(0) => {
                self.error("suppress_below", "must be 1 or more (5 is usual)");
                DEFAULT_SUPPRESS_BELOW
            }
            Some(k) => k,
        };
        let metrics = self.metrics(raw.metrics, &sections);
        let hierarchies = self.hierarchies(raw.hierarchies, &sections);
        let sensitive = self.sensitive(raw.sensitive, &sections);
        let survey = match (slug, time_zone, self.errors.is_empty()) {
            (Some(slug), Some(time_zone), true) => Survey {
                slug,
                version: raw.version,
                languages,
                title,
                sections,
                breakdowns,
                time_zone,
                strata,
                metrics,
                suppress_below,
                hierarchies,
                sensitive,
            },
            _ => return Err(DefinitionErrors(self.errors)),
        };
        self.reachability(&survey);
        if self.errors.is_empty() {
            Ok(survey)
        } else {
            Err(DefinitionErrors(self.errors))
        }
    }

    /// Sections and required questions whose conditions can never hold would never be asked.
    fn reachability(&mut self, survey: &Survey) {
        for section in &survey.sections {
            let section_condition = section.relevant.as_ref().map(|c| &c.expr);
            if let Some(condition) = section_condition
                && super::reach::satisfiable(survey, &[condition]) == Some(false)
            {
                self.error(
                    &format!("section {}", section.id),
                    "this section can never be shown: its condition is never true",
                );
                continue;
            }
            for question in section.questions.iter().filter(|q| q.required) {
                let Some(own) = question.relevant.as_ref().map(|c| &c.expr) else {
                    continue;
                };
                let conditions: Vec<&crate::expr::Expr> =
                    section_condition.into_iter().chain([own]).collect();
                if super::reach::satisfiable(survey, &conditions) == Some(false) {
                    self.error(
                        &format!("section {} › question {}", section.id, question.id),
                        "this required question can never be shown: its condition (with its section's) is never true",
                    );
                }
            }
        }
    }

    fn section(&mut self, raw: RawSection, place: &str) -> Option<Section> {
        let id = SectionId::parse(&raw.id)
            .map_err(|e| self.error(place, e))
            .ok();
        if RESERVED_SECTION_IDS.contains(&raw.id.as_str()) {
            self.error(
                place,
                format!(
                    "`{}` names a page of every survey; choose another section ID",
                    raw.id
                ),
            );
        }
        let title = self.text(&format!("{place} › title"), &raw.title);
        let intro = self.optional_text(place, "intro", raw.intro.as_ref());
        let relevant = self.relevance(place, raw.relevant.as_deref());
        if raw.questions.is_empty() {
            self.error(place, "a section needs at least one question or note");
        }
        let mut questions = Vec::new();
        for raw_question in raw.questions {
            let q_place = format!("{place} › question {}", raw_question.id);
            if self.known.contains_key(&raw_question.id) {
                self.error(&q_place, "another question has the same ID");
            }
            if let Some(question) = self.question(raw_question, &q_place) {
                questions.push(question);
            }
        }
        Some(Section {
            id: id?,
            title,
            intro,
            relevant,
            questions,
        })
    }

    fn question(&mut self, raw: RawQuestion, place: &str) -> Option<Question> {
        let id = QuestionId::parse(&raw.id)
            .map_err(|e| self.error(place, e))
            .ok();
        let label = self.text(&format!("{place} › label"), &raw.label);
        let hint = self.optional_text(place, "hint", raw.hint.as_ref());
        let relevant = self.relevance(place, raw.relevant.as_deref());
        let kind = self.kind(&raw, place);
        let ends_elsewhere = match &kind {
            Some(QuestionKind::SingleChoice { .. }) | None => false,
            Some(
                QuestionKind::MultipleChoice { choices, .. }
                | QuestionKind::Ranking { choices, .. },
            ) => choices.iter().any(|c| c.ends.is_some()),
            Some(QuestionKind::Matrix { rows, answer }) => {
                rows.iter().any(|c| c.ends.is_some())
                    || matches!(answer, MatrixAnswer::Choices(cs) if cs.iter().any(|c| c.ends.is_some()))
            }
            Some(_) => false,
        };
        if ends_elsewhere {
            self.error(
                place,
                "only the choices of a single_choice question can end the survey (`ends`)",
            );
        }
        if matches!(kind, Some(QuestionKind::Note)) && raw.required {
            self.error(
                place,
                "a note has nothing to answer, so it cannot be required",
            );
        }
        let known = kind.as_ref().map(known_of);
        let mut constraints = Vec::new();
        for (i, c) in raw.constraints.iter().enumerate() {
            let c_place = format!("{place} › constraints[{i}]");
            let itself = known.as_ref().map(|k| (raw.id.as_str(), k));
            let rule = self.condition(&format!("{c_place} › rule"), &c.rule, itself);
            let message = self.text(&format!("{c_place} › message"), &c.message);
            if let Some(rule) = rule {
                constraints.push(Constraint { rule, message });
            }
        }
        if let Some(known) = known {
            self.known.insert(raw.id.clone(), known);
        }
        Some(Question {
            id: id?,
            label,
            hint,
            disclosure: raw.disclosure,
            required: raw.required,
            relevant,
            constraints,
            kind: kind?,
        })
    }

    fn kind(&mut self, raw: &RawQuestion, place: &str) -> Option<QuestionKind> {
        let allowed: &[&str] = match raw.kind.as_str() {
            "single_choice" => &["choices", "display"],
            "multiple_choice" => &["choices", "min", "max"],
            "likert" => &["scale"],
            "matrix" => &["rows", "scale", "choices"],
            "ranking" => &["choices", "top"],
            "integer" | "decimal" => &["min", "max", "unit"],
            "year" => &["min", "max"],
            "short_text" | "long_text" => &["max_len"],
            "email" | "date" | "note" => &[],
            other => {
                self.error(
                    place,
                    format!("unknown question type \"{other}\"; expected one of single_choice, multiple_choice, likert, matrix, ranking, integer, decimal, short_text, long_text, email, date, year, note"),
                );
                return None;
            }
        };
        let present = [
            ("choices", raw.choices.is_some()),
            ("rows", raw.rows.is_some()),
            ("scale", raw.scale.is_some()),
            ("display", raw.display.is_some()),
            ("min", raw.min.is_some()),
            ("max", raw.max.is_some()),
            ("top", raw.top.is_some()),
            ("max_len", raw.max_len.is_some()),
            ("unit", raw.unit.is_some()),
        ];
        for (key, is_present) in present {
            if is_present && !allowed.contains(&key) {
                self.error(
                    place,
                    format!("`{key}` does not apply to a {} question", raw.kind),
                );
            }
        }
        let kind = match raw.kind.as_str() {
            "single_choice" => QuestionKind::SingleChoice {
                choices: self.choices(place, "choices", raw.choices.as_ref())?,
                display: raw.display.unwrap_or(ChoiceDisplay::Radio),
            },
            "multiple_choice" => {
                let choices = self.choices(place, "choices", raw.choices.as_ref())?;
                let min = self.count(place, "min", raw.min, choices.len())?;
                let max = self.count(place, "max", raw.max, choices.len())?;
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    self.error(place, format!("min ({min}) is more than max ({max})"));
                }
                QuestionKind::MultipleChoice { choices, min, max }
            }
            "likert" => QuestionKind::Likert(self.scale(place, raw.scale.as_ref())?),
            "matrix" => {
                let rows = self.choices(place, "rows", raw.rows.as_ref())?;
                let answer = match (&raw.scale, &raw.choices) {
                    (Some(scale), None) => MatrixAnswer::Scale(self.scale(place, Some(scale))?),
                    (None, Some(choices)) => {
                        MatrixAnswer::Choices(self.choices(place, "choices", Some(choices))?)
                    }
                    _ => {
                        self.error(
                            place,
                            "a matrix needs either `scale` or `choices` (one of them)",
                        );
                        return None;
                    }
                };
                QuestionKind::Matrix { rows, answer }
            }
            "ranking" => {
                let choices = self.choices(place, "choices", raw.choices.as_ref())?;
                let top = match raw.top {
                    Some(top) if top >= 1 && (top as usize) <= choices.len() => top,
                    Some(top) => {
                        self.error(
                            place,
                            format!(
                                "top ({top}) must be between 1 and the number of choices ({})",
                                choices.len()
                            ),
                        );
                        return None;
                    }
                    None => {
                        self.error(place, "a ranking needs `top`: how many choices to rank");
                        return None;
                    }
                };
                QuestionKind::Ranking { choices, top }
            }
            "integer" => {
                let min = self.integer(place, "min", raw.min);
                let max = self.integer(place, "max", raw.max);
                self.ordered(place, min.map(|m| m as f64), max.map(|m| m as f64));
                QuestionKind::Integer {
                    min,
                    max,
                    unit: self.optional_text(place, "unit", raw.unit.as_ref()),
                }
            }
            "decimal" => {
                let min = raw.min.map(RawNumber::as_f64);
                let max = raw.max.map(RawNumber::as_f64);
                self.ordered(place, min, max);
                QuestionKind::Decimal {
                    min,
                    max,
                    unit: self.optional_text(place, "unit", raw.unit.as_ref()),
                }
            }
            "year" => {
                let min = self
                    .integer(place, "min", raw.min)
                    .and_then(|y| i32::try_from(y).ok());
                let max = self
                    .integer(place, "max", raw.max)
                    .and_then(|y| i32::try_from(y).ok());
                self.ordered(place, min.map(f64::from), max.map(f64::from));
                QuestionKind::Year { min, max }
            }
            "short_text" | "long_text" => {
                let max_len = match raw.max_len {
                    Some(n) if (1..=MAX_TEXT_LEN).contains(&n) => n,
                    Some(n) => {
                        self.error(
                            place,
                            format!("max_len ({n}) must be between 1 and {MAX_TEXT_LEN}"),
                        );
                        return None;
                    }
                    None if raw.kind == "short_text" => 200,
                    None => 2_000,
                };
                if raw.kind == "short_text" {
                    QuestionKind::ShortText { max_len }
                } else {
                    QuestionKind::LongText { max_len }
                }
            }
            "email" => QuestionKind::Email,
            "date" => QuestionKind::Date,
            _ => QuestionKind::Note,
        };
        Some(kind)
    }

    fn choices(&mut self, place: &str, key: &str, raw: Option<&RawChoices>) -> Option<Vec<Choice>> {
        let list = match raw {
            None => {
                self.error(place, format!("`{key}` is missing"));
                return None;
            }
            Some(RawChoices::Named(name)) => match self.choice_lists.get(name) {
                Some(list) => list.clone(),
                None => {
                    self.error(
                        place,
                        format!(
                            "`{key}` names the list \"{name}\", which is not among choice_lists"
                        ),
                    );
                    return None;
                }
            },
            Some(RawChoices::Inline(list)) => list.clone(),
        };
        if list.is_empty() {
            self.error(place, format!("`{key}` is empty"));
            return None;
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for raw_choice in list {
            let c_place = format!("{place} › {key} {}", raw_choice.code);
            if !seen.insert(raw_choice.code.clone()) {
                self.error(&c_place, "this code appears twice");
            }
            let label = self.text(&c_place, &raw_choice.label);
            match Code::parse(&raw_choice.code) {
                Ok(code) => out.push(Choice {
                    code,
                    label,
                    exclusive: raw_choice.exclusive,
                    other: raw_choice.other,
                    ends: raw_choice.ends,
                }),
                Err(e) => self.error(&c_place, e),
            }
        }
        Some(out)
    }

    fn scale(&mut self, place: &str, raw: Option<&RawScaleRef>) -> Option<Scale> {
        let raw = match raw {
            None => {
                self.error(place, "`scale` is missing");
                return None;
            }
            Some(RawScaleRef::Named(name)) => match self.scales.get(name) {
                Some(scale) => scale.clone(),
                None => {
                    self.error(
                        place,
                        format!("`scale` names \"{name}\", which is not among scales"),
                    );
                    return None;
                }
            },
            Some(RawScaleRef::Inline(scale)) => scale.clone(),
        };
        if raw.min >= raw.max || raw.max - raw.min > 10 {
            self.error(
                place,
                format!(
                    "scale {}–{} must rise, by at most 10 steps",
                    raw.min, raw.max
                ),
            );
            return None;
        }
        Some(Scale {
            min: raw.min,
            max: raw.max,
            min_label: self.text(&format!("{place} › scale min_label"), &raw.min_label),
            max_label: self.text(&format!("{place} › scale max_label"), &raw.max_label),
        })
    }

    fn count(
        &mut self,
        place: &str,
        key: &str,
        raw: Option<RawNumber>,
        choices: usize,
    ) -> Option<Option<u32>> {
        match raw.map(|n| n.as_integer()) {
            None => Some(None),
            Some(Some(n)) if n >= 1 && n as usize <= choices => Some(u32::try_from(n).ok()),
            Some(_) => {
                self.error(
                    place,
                    format!(
                        "`{key}` must be a whole number from 1 to the number of choices ({choices})"
                    ),
                );
                None
            }
        }
    }

    fn integer(&mut self, place: &str, key: &str, raw: Option<RawNumber>) -> Option<i64> {
        let n = raw?;
        let whole = n.as_integer();
        if whole.is_none() {
            self.error(place, format!("`{key}` must be a whole number"));
        }
        whole
    }

    fn ordered(&mut self, place: &str, min: Option<f64>, max: Option<f64>) {
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.error(place, format!("min ({min}) is more than max ({max})"));
        }
    }

    fn optional_text(&mut self, place: &str, key: &str, raw: Option<&RawText>) -> Option<Text> {
        raw.map(|t| self.text(&format!("{place} › {key}"), t))
    }

    /// A section's or question's `relevant` condition, which may read earlier questions only.
    fn relevance(&mut self, place: &str, source: Option<&str>) -> Option<Condition> {
        source.and_then(|source| self.condition(&format!("{place} › relevant"), source, None))
    }

    fn condition(
        &mut self,
        place: &str,
        source: &str,
        itself: Option<(&str, &Known)>,
    ) -> Option<Condition> {
        let checked = expr::parse(source).and_then(|expr| {
            let scope = VisibleScope {
                loader: self,
                itself,
            };
            expr.check(&scope).map(|()| expr)
        });
        match checked {
            Ok(expr) => Some(Condition {
                source: source.to_owned(),
                expr,
            }),
            Err(e) => {
                self.error(place, format!("{e} in `{source}`"));
                None
            }
        }
    }

    /// A text must exist, non-empty, in every declared language and in no other.
    fn text(&mut self, place: &str, raw: &RawText) -> Text {
        let mut map = BTreeMap::new();
        for (code, value) in raw {
            match Lang::parse(code) {
                Ok(lang) if self.languages.contains(&lang) && lang.code() == code => {
                    if value.trim().is_empty() {
                        self.error(place, format!("the \"{code}\" text is empty"));
                    }
                    map.insert(lang, value.clone());
                }
                _ => self.error(
                    place,
                    format!("\"{code}\" is not a language this survey declares"),
                ),
            }
        }
        for lang in self.languages.clone() {
            if !map.contains_key(&lang) {
                self.error(place, format!("no \"{}\" text", lang.code()));
            }
        }
        Text(map)
    }
}

fn known_of(kind: &QuestionKind) -> Known {
    let codes = |choices: &[Choice]| choices.iter().map(|c| c.code.clone()).collect();
    let plain = |ty| Known {
        ty: Some(ty),
        codes: Vec::new(),
        rows: None,
    };
    match kind {
        QuestionKind::SingleChoice { choices, .. } => Known {
            ty: Some(ValueType::Choice),
            codes: codes(choices),
            rows: None,
        },
        QuestionKind::MultipleChoice { choices, .. } | QuestionKind::Ranking { choices, .. } => {
            Known {
                ty: Some(ValueType::Choices),
                codes: codes(choices),
                rows: None,
            }
        }
        QuestionKind::Matrix { rows, answer } => {
            let (row_ty, answer_codes) = match answer {
                MatrixAnswer::Scale(_) => (ValueType::Number, Vec::new()),
                MatrixAnswer::Choices(choices) => (ValueType::Choice, codes(choices)),
            };
            Known {
                ty: None,
                codes: answer_codes,
                rows: Some((codes(rows), row_ty)),
            }
        }
        QuestionKind::Likert(_)
        | QuestionKind::Integer { .. }
        | QuestionKind::Decimal { .. }
        | QuestionKind::Year { .. } => plain(ValueType::Number),
        QuestionKind::ShortText { .. }
        | QuestionKind::LongText { .. }
        | QuestionKind::Email
        | QuestionKind::Date => plain(ValueType::Text),
        QuestionKind::Note => Known {
            ty: None,
            codes: Vec::new(),
            rows: None,
        },
    }
}
