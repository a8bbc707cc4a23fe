//! `GET /api/v1/openapi.json`: the JSON API's OpenAPI 3.1 document, derived from the
//! handlers' own annotations and types (`utoipa`), so it changes with them. Public: it
//! describes the API and holds no data. `make test` runs schemathesis against it, with a
//! token and with a staff session.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Every refusal's body: what was refused, in English; an analysis query or export setting
/// refused also names its parameter (`parameter`, `field`) and says why (`message`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorJson {
    pub error: String,
    pub message: Option<String>,
}

/// The refusals every operation may answer.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// Neither a staff session nor an API token, or a token that is invalid, expired,
    /// revoked, or whose maker's account is deactivated.
    #[response(status = 401)]
    Unauthorized(ErrorJson),
    /// A token for another survey or another use, or a role that may not.
    #[response(status = 403)]
    Forbidden(ErrorJson),
    /// No such survey (or export).
    #[response(status = 404)]
    NotFound(ErrorJson),
    /// Too many requests; `Retry-After` says when to try again.
    #[response(status = 429)]
    TooMany(ErrorJson),
    /// The database is unavailable; `Retry-After` says when to try again.
    #[response(status = 503)]
    Unavailable(ErrorJson),
}

/// The survey an operation reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(
    dead_code,
    reason = "only its description is used: the handlers take the path"
)]
pub struct SurveyPath {
    /// The survey's address name.
    #[param(example = "ai-collab")]
    slug: String,
}

/// One export of a survey.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(
    dead_code,
    reason = "only its description is used: the handlers take the path"
)]
pub struct ExportPath {
    /// The survey's address name.
    #[param(example = "ai-collab")]
    slug: String,
    /// The export's number.
    #[param(example = "1")]
    id: String,
}

/// The analysis query: the page's own (see `canvass_core::analysis::query`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "only its description is used: the handlers parse the raw query"
)]
pub struct AnalysisParams {
    /// A breakdown question whose groups are shown side by side.
    #[param(example = "role")]
    split: Option<String>,
    /// Only this metric (its ID).
    #[param(example = "ai_adoption")]
    metric: Option<String>,
    /// `completed` (the default) or `completed_and_partial`.
    responses: Option<String>,
    /// Breakdown questions of the survey, each fixed to one of its choices
    /// (`role=clinician&province=beijing`); an empty value means all.
    #[param(style = Form, explode)]
    filters: Option<HashMap<String, String>>,
}

/// An export's settings (`canvass_core::export::request`), each optional with its
/// default: `{}` asks for an analyst's default export. Some are refused together (a
/// `reason` is required with `free_text` or `identifiable`; `dates: exact` only in an
/// identifiable export; `filter` and `sensitive` name questions of the survey): a refusal
/// is a 400 naming the field.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "only its description is used: the handler parses the body"
)]
pub struct ExportSettings {
    /// The data's values: codes, or labels in Chinese or English.
    values: Option<ValuesSetting>,
    /// The language of the labels in the syntax files.
    lang: Option<LangSetting>,
    /// Completed responses, or all.
    responses: Option<ResponsesSetting>,
    /// How dates are coarsened.
    dates: Option<DatesSetting>,
    /// Include free-text answers (an admin's export, with a reason).
    free_text: Option<bool>,
    /// Response IDs, exact times and free text (an admin's export, with a reason).
    identifiable: Option<bool>,
    /// Why free text is included or the export is identifiable.
    #[schema(max_length = 500)]
    reason: Option<String>,
    /// Days the file is kept.
    #[schema(minimum = 1, maximum = 90)]
    expires_days: Option<u32>,
    /// Breakdown question → the one choice kept.
    filter: Option<HashMap<String, String>>,
    /// Every combination of quasi-identifiers in at least k rows.
    #[schema(minimum = 2, maximum = 100000)]
    k: Option<u32>,
    /// The most rows suppressed, in whole percent.
    #[schema(minimum = 0, maximum = 50)]
    suppression: Option<u32>,
    /// Sensitive attributes kept ℓ-diverse.
    sensitive: Option<Vec<String>>,
    /// ℓ: distinct answers each sensitive attribute takes in every class.
    #[schema(minimum = 2, maximum = 100)]
    l: Option<u32>,
    /// Only the anonymization and its risk report, no file.
    preview: Option<bool>,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation only")]
enum ValuesSetting {
    Codes,
    Zh,
    En,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation only")]
enum LangSetting {
    Zh,
    En,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation only")]
enum ResponsesSetting {
    Completed,
    All,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation only")]
enum DatesSetting {
    Day,
    Week,
    Exact,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Canvass API",
        version = "1",
        description = "A survey's monitoring figures, analysis figures and dataset exports. \
            Send an API token (`Authorization: Bearer cnv_…`, made on the tokens page or by \
            `canvass create-token`) or a staff session's cookie. Every rate carries its \
            numerator and denominator; small cells are suppressed as on the pages."
    ),
    paths(
        super::stats::stats,
        super::analysis::json,
        super::analysis::csv,
        super::exports::list,
        super::exports::create,
        super::exports::show,
        super::exports::cancel,
        super::exports::download,
        super::exports::risk,
    ),
    modifiers(&Security),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

/// The two ways to be let in.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::staff::session_cookie_name(false),
            ))),
        );
    }
}

/// The document, made once per process.
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

pub async fn serve() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}
