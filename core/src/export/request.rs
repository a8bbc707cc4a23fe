//! What an export is asked for: the one parser of an export's settings, whether they come
//! as the export page's form fields or as the API's JSON (flattened into the same fields by
//! the server: `{"filter": {"role": "clinician"}}` becomes `filter.role=clinician`).
//!
//! | field | values | default |
//! |---|---|---|
//! | `values` | `codes`, `zh`, `en` (labels in that language) | `codes` |
//! | `lang` | `zh`, `en`: the labels in the syntax files | the labels' language, else `zh` |
//! | `responses` | `completed`, `all` | `completed` |
//! | `dates` | `day`, `week` (`exact` in an identifiable export, and only there) | `day` |
//! | `free_text` | `true`, `false` (a form's checkbox posts `on`) | `false` |
//! | `identifiable` | `true`, `false`: response IDs, exact times and free text | `false` |
//! | `reason` | why free text is included, or the export is identifiable (required then) | none |
//! | `expires_days` | 1 to [`MAX_EXPIRY_DAYS`] | [`DEFAULT_EXPIRY_DAYS`] |
//! | `filter.q` | a choice of the breakdown question `q`; empty means all | all |
//! | `k` | every combination of quasi-identifiers in at least k rows: 2 to [`MAX_K`] | [`DEFAULT_K`] |
//! | `suppression` | the most rows suppressed, in whole percent: 0 to [`MAX_SUPPRESSION`] | [`DEFAULT_SUPPRESSION`] |
//! | `sensitive.q` | `true`: keep the sensitive attribute `q` ℓ-diverse | none |
//! | `l` | ℓ: distinct answers each sensitive attribute takes in every class, 2 to [`MAX_L`] | 2 |
//! | `preview` | `true`: only the anonymization and its risk report, no zip | `false` |
//!
//! Every export but an identifiable one is anonymized (k-anonymous on its
//! quasi-identifiers); an identifiable export ignores `k`, `suppression`, `sensitive` and `l`.
//!
//! An export is stored with its settings written back as these fields ([`ExportRequest::fields`]),
//! so the job reads them through this same parser.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Dates, Include, Values};
use crate::analysis::query::{breakdown, choice};
use crate::lang::Lang;
use crate::survey::{Code, QuestionId, Survey};

/// The longest reason, in characters.
pub const MAX_REASON: usize = 500;
/// The longest an export is kept, in days.
pub const MAX_EXPIRY_DAYS: u32 = 90;
/// How long an export is kept unless asked otherwise, in days.
pub const DEFAULT_EXPIRY_DAYS: u32 = 7;
/// The prefix of a filter's field name.
pub const FILTER: &str = "filter.";
/// The prefix of a sensitive attribute's field name.
pub const SENSITIVE: &str = "sensitive.";
/// k unless asked otherwise, and the largest asked for.
pub const DEFAULT_K: u32 = 5;
pub const MAX_K: u32 = 100_000;
/// The suppression limit unless asked otherwise, and the largest, in percent of rows.
pub const DEFAULT_SUPPRESSION: u32 = 5;
pub const MAX_SUPPRESSION: u32 = 50;
/// The largest ℓ.
pub const MAX_L: u32 = 100;

/// How an export is anonymized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anonymity {
    pub k: u32,
    /// The most rows suppressed, in percent of the rows.
    pub suppression: u32,
    /// Sensitive attributes kept ℓ-diverse (of the survey's `sensitive`).
    pub sensitive: Vec<QuestionId>,
    pub l: u32,
}

impl Default for Anonymity {
    fn default() -> Self {
        Anonymity {
            k: DEFAULT_K,
            suppression: DEFAULT_SUPPRESSION,
            sensitive: Vec::new(),
            l: 2,
        }
    }
}

impl Anonymity {
    /// The most of `rows` rows that may be suppressed.
    pub fn max_suppressed(&self, rows: u64) -> u64 {
        rows * u64::from(self.suppression) / 100
    }
}

/// Which responses an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responses {
    /// Completed responses only.
    #[default]
    Completed,
    /// Every response, whatever became of it: in progress, refused, screened out.
    All,
}

/// A parsed export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub values: Values,
    /// The language of the labels in the syntax files.
    pub lang: Lang,
    pub responses: Responses,
    pub include: Include,
    /// Breakdown question → the one choice kept.
    pub filter: BTreeMap<QuestionId, Code>,
    pub expires_days: u32,
    /// Why the export includes free text (required then, and only then kept).
    pub reason: Option<String>,
    pub anonymity: Anonymity,
    /// Only the anonymization and its risk report: nothing to download.
    pub preview: bool,
}

impl Default for ExportRequest {
    fn default() -> Self {
        ExportRequest {
            values: Values::Codes,
            lang: Lang::Zh,
            responses: Responses::Completed,
            include: Include::default(),
            filter: BTreeMap::new(),
            expires_days: DEFAULT_EXPIRY_DAYS,
            reason: None,
            anonymity: Anonymity::default(),
            preview: false,
        }
    }
}

/// Why a request was refused; each names what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum RequestError {
    #[error("{field:?} is not a setting of an export")]
    UnknownSetting { field: String },
    #[error("{value:?} is not a value of {field:?}")]
    NotAValue { field: String, value: String },
    #[error("{field:?} is given more than once")]
    Repeated { field: String },
    #[error("{question:?} is not a question an export can be filtered by")]
    UnknownFilter { question: String },
    #[error("{value:?} is not a choice of {question:?}")]
    NotAChoice { question: String, value: String },
    #[error("a reason is required to include free text or export identifiable data")]
    ReasonMissing,
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("expires_days must be a whole number from 1 to {max}")]
    BadExpiry { max: u32 },
    #[error("k must be a whole number from 2 to {max}")]
    BadK { max: u32 },
    #[error("suppression must be a whole percentage from 0 to {max}")]
    BadSuppression { max: u32 },
    #[error("l must be a whole number from 2 to {max}")]
    BadL { max: u32 },
    #[error("{question:?} is not one of the survey's sensitive attributes")]
    NotSensitive { question: String },
}

impl RequestError {
    /// The form field the error belongs to.
    pub fn field(&self) -> String {
        match self {
            RequestError::UnknownSetting { field }
            | RequestError::NotAValue { field, .. }
            | RequestError::Repeated { field } => field.clone(),
            RequestError::UnknownFilter { question }
            | RequestError::NotAChoice { question, .. } => format!("{FILTER}{question}"),
            RequestError::ReasonMissing | RequestError::ReasonTooLong { .. } => "reason".into(),
            RequestError::BadExpiry { .. } => "expires_days".into(),
            RequestError::BadK { .. } => "k".into(),
            RequestError::BadSuppression { .. } => "suppression".into(),
            RequestError::BadL { .. } => "l".into(),
            RequestError::NotSensitive { question } => format!("{SENSITIVE}{question}"),
        }
    }
}

/// What a refusal quotes of a value: its first 64 characters.
fn quoted(value: &str) -> String {
    value.chars().take(64).collect()
}

impl ExportRequest {
    /// Parses `fields` (name, value) for `survey`: every field at most once, each value one
    /// of its field's, each filter a breakdown question and one of its choices.
    pub fn parse(
        survey: &Survey,
        fields: &[(String, String)],
    ) -> Result<ExportRequest, RequestError> {
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in fields {
            if !seen.insert(name.as_str()) {
                return Err(RequestError::Repeated {
                    field: quoted(name),
                });
            }
        }
        let mut request = ExportRequest::default();
        let mut lang = None;
        for (name, value) in fields {
            let value = value.trim();
            let not_a_value = || RequestError::NotAValue {
                field: name.clone(),
                value: quoted(value),
            };
            match name.as_str() {
                "values" => {
                    request.values = match value {
                        "codes" | "" => Values::Codes,
                        code => Values::Labels(Lang::parse(code).map_err(|_| not_a_value())?),
                    }
                }
                "lang" if value.is_empty() => {}
                "lang" => lang = Some(Lang::parse(value).map_err(|_| not_a_value())?),
                "responses" => {
                    request.responses = match value {
                        "completed" | "" => Responses::Completed,
                        "all" => Responses::All,
                        _ => return Err(not_a_value()),
                    }
                }
                "dates" => {
                    request.include.dates = match value {
                        "day" | "" => Dates::Day,
                        "week" => Dates::Week,
                        "exact" => Dates::Exact,
                        _ => return Err(not_a_value()),
                    }
                }
                "free_text" => request.include.free_text = flag(value).ok_or_else(not_a_value)?,
                "identifiable" => {
                    request.include.identifiable = flag(value).ok_or_else(not_a_value)?;
                }
                "reason" if value.is_empty() => {}
                "reason" if value.chars().count() > MAX_REASON => {
                    return Err(RequestError::ReasonTooLong { max: MAX_REASON });
                }
                "reason" => request.reason = Some(value.to_owned()),
                "expires_days" if value.is_empty() => {}
                "expires_days" => {
                    request.expires_days = value
                        .parse()
                        .ok()
                        .filter(|days| (1..=MAX_EXPIRY_DAYS).contains(days))
                        .ok_or(RequestError::BadExpiry {
                            max: MAX_EXPIRY_DAYS,
                        })?;
                }
                "k" if value.is_empty() => {}
                "k" => {
                    request.anonymity.k =
                        whole(value, 2, MAX_K).ok_or(RequestError::BadK { max: MAX_K })?;
                }
                "suppression" if value.is_empty() => {}
                "suppression" => {
                    request.anonymity.suppression =
                        whole(value, 0, MAX_SUPPRESSION).ok_or(RequestError::BadSuppression {
                            max: MAX_SUPPRESSION,
                        })?;
                }
                "preview" => request.preview = flag(value).ok_or_else(not_a_value)?,
                "l" if value.is_empty() => {}
                "l" => {
                    request.anonymity.l =
                        whole(value, 2, MAX_L).ok_or(RequestError::BadL { max: MAX_L })?;
                }
                _ if name.starts_with(SENSITIVE) => {
                    let id = &name[SENSITIVE.len()..];
                    let question = survey
                        .sensitive
                        .iter()
                        .find(|q| q.as_str() == id)
                        .ok_or_else(|| RequestError::NotSensitive {
                            question: quoted(id),
                        })?;
                    if flag(value).ok_or_else(not_a_value)? {
                        request.anonymity.sensitive.push(question.clone());
                    }
                }
                _ => {
                    let Some(id) = name.strip_prefix(FILTER) else {
                        return Err(RequestError::UnknownSetting {
                            field: quoted(name),
                        });
                    };
                    let question =
                        breakdown(survey, id).ok_or_else(|| RequestError::UnknownFilter {
                            question: quoted(id),
                        })?;
                    if value.is_empty() {
                        continue;
                    }
                    let code = choice(survey, question, value).ok_or_else(|| {
                        RequestError::NotAChoice {
                            question: question.to_string(),
                            value: quoted(value),
                        }
                    })?;
                    request.filter.insert(question.clone(), code.clone());
                }
            }
        }
        request.lang = lang.unwrap_or(match request.values {
            Values::Labels(lang) => lang,
            Values::Codes => Lang::Zh,
        });
        if request.include.identifiable && request.preview {
            // An identifiable export is not anonymized: it has no risk report to preview.
            return Err(RequestError::NotAValue {
                field: "preview".into(),
                value: "true".into(),
            });
        }
        if request.include.identifiable {
            // The unmodified data: exact times and free text with the response's ID.
            request.include.dates = Dates::Exact;
            request.include.free_text = true;
        } else if request.include.dates == Dates::Exact {
            return Err(RequestError::NotAValue {
                field: "dates".into(),
                value: "exact".into(),
            });
        }
        if request.include.free_text {
            if request.reason.is_none() {
                return Err(RequestError::ReasonMissing);
            }
        } else {
            // A reason states why free text is in an export; without it, it says nothing.
            request.reason = None;
        }
        Ok(request)
    }

    /// The request written back as the fields it parses from, every setting given.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            (
                "values".to_owned(),
                match self.values {
                    Values::Codes => "codes".to_owned(),
                    Values::Labels(lang) => lang.code().to_owned(),
                },
            ),
            ("lang".to_owned(), self.lang.code().to_owned()),
            (
                "responses".to_owned(),
                match self.responses {
                    Responses::Completed => "completed",
                    Responses::All => "all",
                }
                .to_owned(),
            ),
            (
                "dates".to_owned(),
                match self.include.dates {
                    Dates::Day => "day",
                    Dates::Week => "week",
                    Dates::Exact => "exact",
                }
                .to_owned(),
            ),
            ("free_text".to_owned(), self.include.free_text.to_string()),
            (
                "identifiable".to_owned(),
                self.include.identifiable.to_string(),
            ),
            ("expires_days".to_owned(), self.expires_days.to_string()),
            ("k".to_owned(), self.anonymity.k.to_string()),
            (
                "suppression".to_owned(),
                self.anonymity.suppression.to_string(),
            ),
            ("l".to_owned(), self.anonymity.l.to_string()),
            ("preview".to_owned(), self.preview.to_string()),
        ];
        fields.extend(
            self.anonymity
                .sensitive
                .iter()
                .map(|q| (format!("{SENSITIVE}{q}"), "true".to_owned())),
        );
        if let Some(reason) = &self.reason {
            fields.push(("reason".to_owned(), reason.clone()));
        }
        fields.extend(
            self.filter
                .iter()
                .map(|(q, c)| (format!("{FILTER}{q}"), c.to_string())),
        );
        fields
    }

    /// Whether only an admin may make, follow and download this export: one with free
    /// text, or identifiable.
    pub fn admins_only(&self) -> bool {
        self.include.free_text || self.include.identifiable
    }
}

/// The JSON type of a setting in the API's body (`{"k": 5, "free_text": true, …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// A string: `values`, `lang`, `responses`, `dates`, `reason`.
    Text,
    /// A boolean: `free_text`, `identifiable`, `preview`.
    Flag,
    /// A whole number: `expires_days`, `k`, `suppression`, `l`.
    Whole,
}

/// The JSON type of the setting `field` (not a filter or sensitive attribute); `None` for a
/// name that is no setting.
pub fn setting_type(field: &str) -> Option<SettingType> {
    match field {
        "values" | "lang" | "responses" | "dates" | "reason" => Some(SettingType::Text),
        "free_text" | "identifiable" | "preview" => Some(SettingType::Flag),
        "expires_days" | "k" | "suppression" | "l" => Some(SettingType::Whole),
        _ => None,
    }
}

/// A whole number from `min` to `max`.
fn whole(value: &str, min: u32, max: u32) -> Option<u32> {
    value.parse().ok().filter(|n| (min..=max).contains(n))
}

/// A checkbox's or JSON boolean's value.
fn flag(value: &str) -> Option<bool> {
    match value {
        "true" | "on" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::AI_COLLAB;

    #[test]
    fn every_setting_of_the_table_has_a_json_type_and_parses() {
        let survey = crate::survey::Survey::from_toml(AI_COLLAB).expect("the bundled survey");
        let examples = [
            ("values", "en"),
            ("lang", "zh"),
            ("responses", "all"),
            ("dates", "week"),
            ("reason", "x"),
            ("free_text", "true"),
            ("identifiable", "false"),
            ("preview", "true"),
            ("expires_days", "3"),
            ("k", "5"),
            ("suppression", "5"),
            ("l", "2"),
        ];
        for (field, value) in examples {
            assert!(setting_type(field).is_some(), "{field}");
            let parsed = ExportRequest::parse(&survey, &[(field.to_owned(), value.to_owned())]);
            assert!(
                !matches!(parsed, Err(RequestError::UnknownSetting { .. })),
                "{field}"
            );
        }
        assert_eq!(setting_type("filter.role"), None);
        assert_eq!(setting_type("colour"), None);
    }

    fn survey() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("the bundled survey loads")
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<ExportRequest, RequestError> {
        ExportRequest::parse(&survey(), &fields(pairs))
    }

    #[test]
    fn no_fields_ask_for_an_analysts_default_export() {
        assert_eq!(parse(&[]), Ok(ExportRequest::default()));
        let default = ExportRequest::default();
        assert_eq!(default.values, Values::Codes);
        assert_eq!(default.responses, Responses::Completed);
        assert!(!default.include.free_text);
        assert_eq!(default.expires_days, 7);
    }

    #[test]
    fn every_setting_parses_and_writes_back_as_the_same_fields() {
        let request = parse(&[
            ("values", "en"),
            ("responses", "all"),
            ("dates", "week"),
            ("free_text", "on"),
            ("reason", " a study of the comments "),
            ("expires_days", "30"),
            ("filter.role", "clinician"),
            ("filter.province", ""),
            ("k", "10"),
            ("suppression", "0"),
            ("sensitive.rd_interest", "on"),
            ("sensitive.ai_governance", "false"),
            ("l", "3"),
        ])
        .expect("parses");
        assert_eq!(
            request.anonymity,
            Anonymity {
                k: 10,
                suppression: 0,
                sensitive: vec![QuestionId::parse("rd_interest").expect("id")],
                l: 3
            }
        );
        assert_eq!(request.values, Values::Labels(Lang::En));
        assert_eq!(request.lang, Lang::En, "the labels' language by default");
        assert_eq!(request.responses, Responses::All);
        assert_eq!(request.include.dates, Dates::Week);
        assert!(request.include.free_text);
        assert_eq!(request.reason.as_deref(), Some("a study of the comments"));
        assert_eq!(request.expires_days, 30);
        assert_eq!(request.filter.len(), 1, "an empty filter keeps every value");
        assert!(request.admins_only());
        let again = ExportRequest::parse(&survey(), &request.fields()).expect("parses again");
        assert_eq!(again, request);
    }

    #[test]
    fn each_bad_value_is_refused_naming_its_field() {
        let cases: Vec<(Vec<(&str, &str)>, RequestError)> = vec![
            (vec![("k", "1")], RequestError::BadK { max: MAX_K }),
            (vec![("k", "five")], RequestError::BadK { max: MAX_K }),
            (
                vec![("suppression", "51")],
                RequestError::BadSuppression { max: 50 },
            ),
            (
                vec![("suppression", "-1")],
                RequestError::BadSuppression { max: 50 },
            ),
            (vec![("l", "1")], RequestError::BadL { max: MAX_L }),
            (
                vec![("sensitive.province", "on")],
                RequestError::NotSensitive {
                    question: "province".into(),
                },
            ),
            (
                vec![("sensitive.nothing", "on")],
                RequestError::NotSensitive {
                    question: "nothing".into(),
                },
            ),
            (
                vec![("values", "fr")],
                RequestError::NotAValue {
                    field: "values".into(),
                    value: "fr".into(),
                },
            ),
            (
                vec![("lang", "de")],
                RequestError::NotAValue {
                    field: "lang".into(),
                    value: "de".into(),
                },
            ),
            (
                vec![("responses", "partial")],
                RequestError::NotAValue {
                    field: "responses".into(),
                    value: "partial".into(),
                },
            ),
            (
                vec![("dates", "hour")],
                RequestError::NotAValue {
                    field: "dates".into(),
                    value: "hour".into(),
                },
            ),
            (
                vec![("free_text", "yes please")],
                RequestError::NotAValue {
                    field: "free_text".into(),
                    value: "yes please".into(),
                },
            ),
            (
                vec![("format", "sav")],
                RequestError::UnknownSetting {
                    field: "format".into(),
                },
            ),
            (
                vec![("filter.email", "x")],
                RequestError::UnknownFilter {
                    question: "email".into(),
                },
            ),
            (
                vec![("filter.role", "astronaut")],
                RequestError::NotAChoice {
                    question: "role".into(),
                    value: "astronaut".into(),
                },
            ),
            (vec![("free_text", "true")], RequestError::ReasonMissing),
            (
                vec![("expires_days", "0")],
                RequestError::BadExpiry { max: 90 },
            ),
            (
                vec![("expires_days", "91")],
                RequestError::BadExpiry { max: 90 },
            ),
            (
                vec![("values", "en"), ("values", "zh")],
                RequestError::Repeated {
                    field: "values".into(),
                },
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(parse(&pairs), Err(expected), "{pairs:?}");
        }
        let long = "x".repeat(MAX_REASON + 1);
        assert_eq!(
            parse(&[("free_text", "true"), ("reason", &long)]),
            Err(RequestError::ReasonTooLong { max: 500 })
        );
        assert_eq!(
            RequestError::NotAChoice {
                question: "role".into(),
                value: "astronaut".into()
            }
            .to_string(),
            "\"astronaut\" is not a choice of \"role\""
        );
        assert_eq!(
            RequestError::UnknownFilter {
                question: "email".into()
            }
            .field(),
            "filter.email"
        );
    }

    #[test]
    fn an_identifiable_export_has_exact_times_free_text_and_a_reason() {
        let request = parse(&[
            ("identifiable", "true"),
            ("reason", "linking to the register"),
        ])
        .expect("parses");
        assert!(request.include.identifiable);
        assert!(request.include.free_text);
        assert_eq!(request.include.dates, Dates::Exact);
        assert!(request.admins_only());
        let again = ExportRequest::parse(&survey(), &request.fields()).expect("parses again");
        assert_eq!(again, request);
        assert_eq!(
            parse(&[("identifiable", "true")]),
            Err(RequestError::ReasonMissing)
        );
        assert_eq!(
            parse(&[("dates", "exact")]),
            Err(RequestError::NotAValue {
                field: "dates".into(),
                value: "exact".into()
            }),
            "exact times only in an identifiable export"
        );
    }

    #[test]
    fn a_reason_without_free_text_is_not_kept() {
        let request = parse(&[("reason", "no reason needed")]).expect("parses");
        assert_eq!(request.reason, None);
        assert!(!request.admins_only());
    }
}
