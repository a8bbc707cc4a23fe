//! The fuzz targets' bodies: each takes any bytes and must return without panicking, in
//! bounded time. A target's binary (`src/bin/`) hands AFL++'s inputs to one of them;
//! `tests/corpus.rs` replays the committed corpus (`corpus/<target>/`) through them.

use std::sync::OnceLock;

use canvass_core::answers::{from_urlencoded, validate};
use canvass_core::expr::{Answers, Reference, Value};
use canvass_core::survey::Survey;

/// The bundled national survey, parsed once.
fn survey() -> &'static Survey {
    static SURVEY: OnceLock<Survey> = OnceLock::new();
    SURVEY.get_or_init(|| {
        Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("the bundled survey loads")
    })
}

/// The survey loader: any text as a survey definition (TOML).
pub fn survey_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Survey::from_toml(text);
    }
}

/// Answers made up from each reference's name, so that one expression meets missing
/// answers, numbers, text and sets.
struct MadeUp;

impl Answers for MadeUp {
    fn value(&self, reference: &Reference) -> Value {
        let seed = reference
            .question
            .bytes()
            .chain(reference.row.iter().flat_map(|r| r.bytes()))
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        match seed % 5 {
            0 => Value::Missing,
            1 => Value::Bool(seed % 2 == 0),
            2 => Value::Number(f64::from(seed % 7) - 3.0),
            3 => Value::Text(reference.question.clone()),
            _ => Value::Set(vec![reference.question.clone(), "none".to_owned()]),
        }
    }
}

/// The expression language: parsed, and what parses evaluated.
pub fn expression(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(expr) = canvass_core::expr::parse(text)
    {
        let _ = expr.eval(&MadeUp);
        let _ = expr.holds(&MadeUp);
    }
}

/// A respondent's form post: parsed, then validated against the national survey.
pub fn form(data: &[u8]) {
    if let Ok(raw) = from_urlencoded(data) {
        let _ = validate(survey(), &raw);
    }
}

/// An uploaded invitee list (CSV).
pub fn invitee_csv(data: &[u8]) {
    let _ = canvass_core::invitees::parse_csv(data, survey());
}

/// The JSON API's query strings: the analysis query, and the export settings as the
/// export form posts them.
pub fn api_query(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = canvass_core::analysis::AnalysisQuery::parse(survey(), text);
    }
    if let Ok(raw) = from_urlencoded(data) {
        let fields: Vec<(String, String)> = raw
            .into_iter()
            .flat_map(|(name, values)| values.into_iter().map(move |v| (name.clone(), v)))
            .collect();
        let _ = canvass_core::export::request::ExportRequest::parse(survey(), &fields);
    }
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, as its corpus folder is named.
pub const TARGETS: [(&str, Target); 5] = [
    ("survey_toml", survey_toml),
    ("expression", expression),
    ("form", form),
    ("invitee_csv", invitee_csv),
    ("api_query", api_query),
];
