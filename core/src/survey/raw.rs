//! The definition file's shape, as written (TOML). Only `load` turns it into the model.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ChoiceDisplay, Disclosure, Ending};

/// A text per language code: `label = { zh = "…", en = "…" }`.
pub type RawText = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub slug: String,
    pub version: u32,
    pub languages: Vec<String>,
    pub title: RawText,
    /// The single-choice questions the monitoring dashboard counts responses by.
    #[serde(default)]
    pub breakdowns: Vec<String>,
    /// The IANA time zone the study's days and hours are counted in (default UTC).
    pub time_zone: Option<String>,
    /// The questions links and invitations may fix and quotas count by.
    #[serde(default)]
    pub strata: RawStrata,
    /// Counts below this are never shown on the analysis pages (default 5).
    pub suppress_below: Option<u32>,
    /// The figures the analysis pages show.
    #[serde(default)]
    pub metrics: Vec<RawMetric>,
    /// Choice lists shared by several questions, referred to by name.
    #[serde(default)]
    pub choice_lists: BTreeMap<String, Vec<RawChoice>>,
    /// Rating scales shared by several questions, referred to by name.
    #[serde(default)]
    pub scales: BTreeMap<String, RawScale>,
    #[serde(default)]
    pub sections: Vec<RawSection>,
    /// How anonymized exports may generalize each quasi-identifier.
    #[serde(default)]
    pub hierarchies: Vec<RawHierarchy>,
    /// The attributes ℓ-diversity may protect.
    #[serde(default)]
    pub sensitive: Vec<String>,
}

/// One `[[hierarchies]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHierarchy {
    pub question: String,
    #[serde(default)]
    pub levels: Vec<RawLevel>,
}

/// One level: exactly one of `groups`, `width` or `count`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevel {
    pub name: RawText,
    pub groups: Option<Vec<RawGroup>>,
    pub width: Option<i64>,
    pub count: Option<bool>,
}

/// `{ code = "north", zh = "华北", en = "North China", members = ["beijing", …] }`.
#[derive(Debug, Deserialize)]
pub struct RawGroup {
    pub code: String,
    pub members: Vec<String>,
    #[serde(flatten)]
    pub label: RawText,
}

/// One `[[metrics]]` entry. Which fields apply depends on `kind`; the loader says which
/// do not, and which are missing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    pub id: String,
    pub kind: String,
    pub title: RawText,
    pub when: Option<String>,
    pub first: Option<RawLabelled>,
    pub second: Option<RawLabelled>,
    pub question: Option<String>,
    pub row: Option<String>,
    pub at_least: Option<i64>,
    pub ties: Option<Vec<String>>,
    pub by: Option<String>,
    pub types: Option<BTreeMap<String, String>>,
}

/// `{ when = "…", label = { … } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLabelled {
    pub when: String,
    pub label: RawText,
}

/// `strata = { role = "role", province = "province" }`: question IDs, either optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrata {
    pub role: Option<String>,
    pub province: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: String,
    pub title: RawText,
    pub intro: Option<RawText>,
    pub relevant: Option<String>,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub label: RawText,
    pub hint: Option<RawText>,
    pub disclosure: Disclosure,
    #[serde(default)]
    pub required: bool,
    pub relevant: Option<String>,
    #[serde(default)]
    pub constraints: Vec<RawConstraint>,
    pub choices: Option<RawChoices>,
    pub rows: Option<RawChoices>,
    pub scale: Option<RawScaleRef>,
    pub display: Option<ChoiceDisplay>,
    pub min: Option<RawNumber>,
    pub max: Option<RawNumber>,
    pub top: Option<u32>,
    pub max_len: Option<u32>,
    pub unit: Option<RawText>,
}

/// Inline choices, or the name of a shared list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawChoices {
    Named(String),
    Inline(Vec<RawChoice>),
}

/// `{ code = "agree", zh = "同意", en = "I agree" }`: the code, flags, and one label per language.
#[derive(Debug, Clone, Deserialize)]
pub struct RawChoice {
    pub code: String,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub other: bool,
    pub ends: Option<Ending>,
    #[serde(flatten)]
    pub label: RawText,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScale {
    pub min: i64,
    pub max: i64,
    pub min_label: RawText,
    pub max_label: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawScaleRef {
    Named(String),
    Inline(RawScale),
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Integer(i64),
    Float(f64),
}

impl RawNumber {
    pub fn as_f64(self) -> f64 {
        match self {
            RawNumber::Integer(i) => i as f64,
            RawNumber::Float(f) => f,
        }
    }

    pub fn as_integer(self) -> Option<i64> {
        match self {
            RawNumber::Integer(i) => Some(i),
            RawNumber::Float(_) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    pub rule: String,
    pub message: RawText,
}
