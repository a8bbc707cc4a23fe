//! The questionnaire model: a survey → sections (one page each) → questions.
//!
//! A definition is written as a TOML file (see `load`) and becomes a [`Survey`] only
//! through [`Survey::from_toml`], which checks everything at once and reports every problem
//! with where it is. A `Survey` in hand is therefore always consistent: unique IDs, texts in
//! every declared language, conditions that read only earlier questions with the right types.

pub mod hierarchy;
mod ids;
mod load;
pub mod metrics;
pub(crate) mod raw;
mod reach;
#[cfg(test)]
pub(crate) mod tests;
mod write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::expr::Expr;
use crate::lang::Lang;

pub use ids::{Code, MetricId, QuestionId, SectionId, Slug, TimeZone};
pub use load::{DefinitionError, DefinitionErrors};
pub use metrics::{Labelled, Metric, MetricKind};

/// A text in every language the survey declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text(BTreeMap<Lang, String>);

impl Text {
    /// The text in `lang`; a definition that loaded has every declared language, so the
    /// fallback (any language present) only serves a language the survey does not offer.
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// Each language's words, in the order of [`Lang`].
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.0.iter().map(|(lang, words)| (*lang, words.as_str()))
    }

    /// The words `words` gives for each language.
    pub fn from_fn(words: impl Fn(Lang) -> String) -> Text {
        Text(Lang::ALL.iter().map(|l| (*l, words(*l))).collect())
    }

    /// Words given in Chinese and in English.
    pub fn pair(zh: &str, en: &str) -> Text {
        Text::from_fn(|lang| match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        })
    }

    /// The same words in every language (a code shown as it is).
    pub fn same(text: &str) -> Text {
        Text(Lang::ALL.iter().map(|l| (*l, text.to_owned())).collect())
    }
}

/// How an answer may be shared (drives anonymized exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Identifies a person by itself (an e-mail address): never exported anonymized.
    DirectIdentifier,
    /// Identifies in combination (province, age band, title…).
    QuasiIdentifier,
    /// Free text: may identify; excluded from anonymized exports by default.
    FreeText,
    /// Everything else.
    Attribute,
}

/// A parsed condition, with its source text for display and storage.
/// A condition of the expression language (`rd_interest >= 4`): the text as written, for
/// messages and the codebook, and its parsed, type-checked form, which is what is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub source: String,
    pub expr: Expr,
}

/// A rule an answer must satisfy, and what to tell the respondent when it does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub rule: Condition,
    pub message: Text,
}

/// One version of a questionnaire, as [`Survey::from_toml`] loads and checks it: sections
/// in the order respondents see them, each a page of questions. Immutable once published
/// (a change is a new version); the browser and the server hold the same value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    /// Its address: `/s/{slug}`.
    pub slug: Slug,
    /// Counts up from 1 with each published change.
    pub version: u32,
    /// The languages offered, the default first.
    pub languages: Vec<Lang>,
    pub title: Text,
    pub sections: Vec<Section>,
    /// The single-choice questions the monitoring dashboard counts responses by, in the
    /// order it shows them.
    pub breakdowns: Vec<QuestionId>,
    /// Where the study's days begin, for figures over time.
    pub time_zone: TimeZone,
    /// The questions that links and invitations may fix and quotas count by.
    pub strata: Strata,
    /// The figures its analysis pages show.
    pub metrics: Vec<Metric>,
    /// Counts below this are never shown on the analysis pages (`suppress_below`,
    /// default 5), nor anything they could be worked out from.
    pub suppress_below: u32,
    /// How anonymized exports may generalize each quasi-identifier.
    #[serde(default)]
    pub hierarchies: Vec<hierarchy::Hierarchy>,
    /// The attributes an anonymized export may keep ℓ-diverse (`sensitive`).
    #[serde(default)]
    pub sensitive: Vec<QuestionId>,
}

/// The two single-choice questions by which a study samples its respondents: their role
/// (the study's groups) and their province (its regions). A distribution link or an
/// invitation may fix their answers, and quotas cap completed responses per role, per
/// province or per both. The survey names them (`strata = { role = "…", province = "…" }`),
/// so any question IDs will do; each must be a breakdown, whose answers every save copies
/// to where quotas count them. A survey that names neither has no fixed answers or quotas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strata {
    pub role: Option<QuestionId>,
    pub province: Option<QuestionId>,
}

/// One of the two [`Strata`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    Role,
    Province,
}

impl Stratum {
    pub const ALL: [Stratum; 2] = [Stratum::Role, Stratum::Province];
}

impl Strata {
    /// The question the survey names for `stratum`, if any.
    pub fn question(&self, stratum: Stratum) -> Option<&QuestionId> {
        match stratum {
            Stratum::Role => self.role.as_ref(),
            Stratum::Province => self.province.as_ref(),
        }
    }

    /// Whether `question` is one of the two.
    pub fn contains(&self, question: &str) -> bool {
        Stratum::ALL
            .into_iter()
            .filter_map(|s| self.question(s))
            .any(|q| q.as_str() == question)
    }
}

/// One page of the questionnaire. The first section is the consent page; a section whose
/// `relevant` condition is false for a respondent is skipped, and its questions count as
/// not asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub title: Text,
    /// Shown above the questions.
    pub intro: Option<Text>,
    /// Who sees the page; `None`: everyone.
    pub relevant: Option<Condition>,
    pub questions: Vec<Question>,
}

/// One question: what it asks (`label`, in every language of the survey), what kind of
/// answer it takes, who is asked, and the rules an answer must meet. Its ID names its
/// answer everywhere: in expressions, stored answers, forms and exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub label: Text,
    /// Help shown under the label.
    pub hint: Option<Text>,
    /// How identifying the answer is; decides where it is stored and what an export does
    /// with it.
    pub disclosure: Disclosure,
    /// A respondent who is asked must answer before the page is saved.
    pub required: bool,
    /// Who is asked; `None`: everyone who sees the page.
    pub relevant: Option<Condition>,
    pub constraints: Vec<Constraint>,
    pub kind: QuestionKind,
}

/// One option of a choice question (or one row of a matrix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: Code,
    pub label: Text,
    /// Selecting it clears every other option ("none of these").
    pub exclusive: bool,
    /// "Other — please specify": selecting it asks for a short text.
    pub other: bool,
    /// Choosing it ends the survey (consent refused, not eligible).
    pub ends: Option<Ending>,
}

/// How a response can end early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The respondent did not agree to take part.
    Refused,
    /// The respondent is not in the study's population.
    ScreenedOut,
}

/// A numeric rating scale, e.g. 1–5 with labelled ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    pub min_label: Text,
    pub max_label: Text,
}

/// What a matrix asks for each of its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MatrixAnswer {
    Scale(Scale),
    Choices(Vec<Choice>),
}

/// How a single-choice question shows its choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceDisplay {
    Radio,
    /// A drop-down, for long lists such as the 31 provinces.
    Select,
}

/// The kind of answer a question takes, with the bounds its answers must meet. Each kind
/// has one form encoding (`answers::form`) and one typed answer (`answers::Answer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionKind {
    /// One of the choices.
    SingleChoice {
        choices: Vec<Choice>,
        display: ChoiceDisplay,
    },
    /// Any number of the choices between `min` and `max`.
    MultipleChoice {
        choices: Vec<Choice>,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// One point of a rating scale.
    Likert(Scale),
    /// The same answer (a scale point or a choice) for each of its rows.
    Matrix {
        rows: Vec<Choice>,
        answer: MatrixAnswer,
    },
    /// Rank the top `top` of the choices, best first.
    Ranking { choices: Vec<Choice>, top: u32 },
    /// A whole number, with the unit shown beside the field.
    Integer {
        min: Option<i64>,
        max: Option<i64>,
        unit: Option<Text>,
    },
    /// A number with a fractional part.
    Decimal {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<Text>,
    },
    /// One line of text, at most `max_len` characters.
    ShortText { max_len: u32 },
    /// Several lines of text, at most `max_len` characters.
    LongText { max_len: u32 },
    /// An e-mail address (`crate::email::is_email`).
    Email,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A year, such as the year of a first AI project.
    Year { min: Option<i32>, max: Option<i32> },
    /// Text to read; nothing to answer.
    Note,
}

impl Survey {
    /// Every question, in order, with the section it belongs to.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|section| section.questions.iter().map(move |q| (section, q)))
    }

    /// The question with this ID, in whichever section.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions()
            .map(|(_, q)| q)
            .find(|q| q.id.as_str() == id)
    }

    /// The items of question `id`, in order: the choices of a choice or ranking question,
    /// the rows of a matrix; none for other kinds or no such question.
    pub fn items(&self, id: &str) -> &[Choice] {
        match self.question(id).map(|q| &q.kind) {
            Some(
                QuestionKind::SingleChoice { choices, .. }
                | QuestionKind::MultipleChoice { choices, .. }
                | QuestionKind::Ranking { choices, .. },
            ) => choices,
            Some(QuestionKind::Matrix { rows, .. }) => rows,
            _ => &[],
        }
    }

    /// The section with this ID.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id.as_str() == id)
    }

    /// The choices of the question the survey names for `stratum` (none if it names none).
    pub fn stratum_choices(&self, stratum: Stratum) -> &[Choice] {
        let question = self
            .strata
            .question(stratum)
            .and_then(|q| self.question(q.as_str()));
        match question.map(|q| &q.kind) {
            Some(QuestionKind::SingleChoice { choices, .. }) => choices,
            _ => &[],
        }
    }
}
