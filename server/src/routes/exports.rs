//! Dataset exports over HTTP, for analysts and admins (a staff session, or an API token
//! allowed to export):
//!
//! - `POST /api/v1/surveys/{slug}/exports` with JSON settings (each has a default: `{}`
//!   asks for an analyst's default export) queues a job: 202, with the job and its address
//!   in `Location`. The export page's form posts to `/staff/surveys/{slug}/exports`.
//! - `GET /api/v1/surveys/{slug}/exports[/{id}]`: the jobs, or one: state, rows written of
//!   the total, the anonymization's summary, and the finished zip's download address.
//! - `GET …/exports/{id}/download`: the zip, streamed part by part from PostgreSQL; 410
//!   once expired, failed or cancelled; 409 while it runs; 404 for a preview (`preview`
//!   set: the anonymization and its risk report alone).
//! - `GET …/exports/{id}/risk`: the risk report (risk.html), to read before downloading.
//! - `POST …/exports/{id}/cancel` (and the page's `/staff/surveys/{slug}/exports/{id}/cancel`).
//!
//! An export with free text is an admin's, with a stated reason: only admins follow and
//! download it.

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use canvass_app::staff::{SignedIn, StaffError, access};
use canvass_core::export::request::{
    ExportRequest, FILTER, RequestError, SENSITIVE, SettingType, setting_type,
};
use canvass_core::ids::{ExportId, SurveyId};
use canvass_core::staff::StaffRole;
use canvass_db::exports::{self, Cancelled, Job, Requester, State as JobState};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::extract::{Form, StaffCall};
use crate::staff::{Analysis, ExportUse, Reader, see_other};

/// Who may export: an admin or analyst signed in, or an API token allowed to export.
#[derive(Debug, Clone)]
pub enum Exporter {
    Staff(SignedIn),
    Token(canvass_core::ids::TokenId),
}

impl Exporter {
    fn is_admin(&self) -> bool {
        matches!(self, Exporter::Staff(me) if me.role == StaffRole::Admin)
    }

    fn requester(&self) -> Requester {
        match self {
            Exporter::Staff(me) => Requester::Staff(me.id),
            Exporter::Token(id) => Requester::Token(*id),
        }
    }

    /// Whether this exporter may follow and download `job`.
    fn may_see(&self, job: &Job) -> bool {
        !job.admins_only || self.is_admin()
    }
}

impl FromRequestParts<AppState> for Exporter {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Reader::<ExportUse>::from_request_parts(parts, state).await? {
            Reader::Staff(me, _) if me.may(access::ANALYSIS) => Ok(Exporter::Staff(me)),
            Reader::Staff(..) => Err(ApiError(AppError::Forbidden(
                canvass_app::error_page::StaffRefusal::Forbidden,
            ))),
            Reader::Token(grant) => Ok(Exporter::Token(grant.id)),
        }
    }
}

const ADMINS_ONLY: AppError = AppError::Refused {
    status: StatusCode::FORBIDDEN,
    error: "only an admin may export free text or identifiable data",
};
const NO_SUCH_EXPORT: AppError = AppError::Refused {
    status: StatusCode::NOT_FOUND,
    error: "no such export",
};

/// A job as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobJson {
    #[schema(value_type = i64)]
    id: ExportId,
    survey: String,
    /// `queued`, `running`, `done`, `failed`, `cancelled` or `expired`.
    #[schema(value_type = String)]
    state: JobState,
    rows_written: i64,
    /// `null` until the job has counted them.
    rows_total: Option<i64>,
    /// `null` until the total is known.
    percent: Option<f64>,
    #[schema(value_type = Object)]
    settings: serde_json::Map<String, serde_json::Value>,
    requested_by: String,
    created_at: Option<String>,
    finished_at: Option<String>,
    expires_at: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<String>,
    error: Option<String>,
    /// What the anonymization did (k reached, rows suppressed, each quasi-identifier's
    /// level), once done; `null` for an identifiable export.
    #[schema(value_type = Option<Object>)]
    anonymity: Option<canvass_core::export::anon::risk::Summary>,
    /// Where to follow the job.
    url: String,
    /// Where to download the zip, once done (never for a preview).
    download: Option<String>,
    /// Where to read the risk report, once done (an anonymized export or a preview).
    risk: Option<String>,
}

fn rfc3339(at: Option<time::OffsetDateTime>) -> Option<String> {
    at.and_then(|at| at.format(&Rfc3339).ok())
}

/// The API address of job `id` of the survey at `slug`.
pub fn job_url(slug: &str, id: ExportId) -> String {
    format!("/api/v1/surveys/{slug}/exports/{id}")
}

impl JobJson {
    fn new(slug: &str, job: Job) -> JobJson {
        let url = job_url(slug, job.id);
        let done = job.state == JobState::Done;
        let preview = is_preview(&job);
        JobJson {
            id: job.id,
            survey: slug.to_owned(),
            state: job.state,
            rows_written: job.rows_written,
            rows_total: job.rows_total,
            percent: canvass_app::staff::export_percent(job.rows_written, job.rows_total),
            settings: job
                .settings
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
            requested_by: job.requester_name,
            anonymity: job.anonymity.clone(),
            created_at: rfc3339(Some(job.created_at)),
            finished_at: rfc3339(job.finished_at),
            expires_at: rfc3339(job.expires_at),
            size_bytes: job.size_bytes,
            sha256: job.sha256,
            error: job.error,
            download: (done && !preview).then(|| format!("{url}/download")),
            risk: (done && job.anonymity.is_some())
                .then(|| canvass_app::staff::paths::export_risk(slug, job.id)),
            url,
        }
    }
}

/// The JSON body of a request as the fields of the one parser: each setting in its own
/// JSON type ([`setting_type`]: strings, booleans, whole numbers) written as the form
/// would post it, `filter` as `filter.{question}`, `sensitive` (a list of questions) as
/// `sensitive.{question}`; `null` is the default, and so is no body or `null`.
pub fn json_fields(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| AppError::MALFORMED)?;
    let object = match value {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => return Ok(Vec::new()),
        _ => return Err(AppError::MALFORMED),
    };
    let mut fields = Vec::new();
    let not_a_value = |field: &str, value: &serde_json::Value| {
        AppError::BadExport(RequestError::NotAValue {
            field: field.chars().take(64).collect(),
            value: value.to_string().chars().take(64).collect(),
        })
    };
    for (name, value) in object {
        match (name.as_str(), value) {
            (_, serde_json::Value::Null) => {}
            ("filter", serde_json::Value::Object(filter)) => {
                for (question, code) in filter {
                    match code {
                        serde_json::Value::String(code) => {
                            fields.push((format!("{FILTER}{question}"), code));
                        }
                        serde_json::Value::Null => {}
                        other => return Err(not_a_value(&format!("{FILTER}{question}"), &other)),
                    }
                }
            }
            ("sensitive", serde_json::Value::Array(questions)) => {
                for question in questions {
                    match question {
                        serde_json::Value::String(q) => {
                            fields.push((format!("{SENSITIVE}{q}"), "true".to_owned()));
                        }
                        other => return Err(not_a_value("sensitive", &other)),
                    }
                }
            }
            // A setting takes its own JSON type (`"k": 5`, not `"k": "5"`); a name that is
            // no setting is passed on for the parser to refuse by name.
            (_, value) => match (setting_type(&name), value) {
                (Some(SettingType::Text) | None, serde_json::Value::String(text)) => {
                    fields.push((name, text));
                }
                (Some(SettingType::Flag) | None, serde_json::Value::Bool(b)) => {
                    fields.push((name, b.to_string()));
                }
                (Some(SettingType::Whole), serde_json::Value::Number(n)) if n.is_u64() => {
                    fields.push((name, n.to_string()));
                }
                (None, serde_json::Value::Number(n)) => fields.push((name, n.to_string())),
                (_, other) => return Err(not_a_value(&name, &other)),
            },
        }
    }
    Ok(fields)
}

/// Parses `fields` for the newest version of the survey at `slug` and queues the export,
/// if `by` may ask for it.
async fn queue(
    state: &AppState,
    slug: &str,
    by: &Exporter,
    fields: &[(String, String)],
) -> Result<(SurveyId, ExportId), AppError> {
    let mut tx = state.pool.begin().await?;
    let (survey_id, survey) = state.survey(&mut tx, slug).await?;
    let request = ExportRequest::parse(&survey, fields).map_err(AppError::BadExport)?;
    if request.admins_only() && !by.is_admin() {
        return Err(ADMINS_ONLY);
    }
    let id = exports::create(
        &mut tx,
        survey_id,
        by.requester(),
        &request.fields(),
        request.admins_only(),
        request.expires_days,
    )
    .await?;
    tx.commit().await?;
    Ok((survey_id, id))
}

/// The job `id` of the survey at `slug`, if `by` may see it.
async fn job(state: &AppState, slug: &str, id: ExportId, by: &Exporter) -> Result<Job, AppError> {
    let mut conn = state.pool.acquire().await?;
    let (survey_id, _) = state.survey(&mut conn, slug).await?;
    let job = exports::get(&mut conn, survey_id, id)
        .await?
        .ok_or(NO_SUCH_EXPORT)?;
    if !by.may_see(&job) {
        return Err(ADMINS_ONLY);
    }
    Ok(job)
}

/// Whether `job` is a preview run (its risk report, no zip).
fn is_preview(job: &Job) -> bool {
    job.settings
        .iter()
        .any(|(name, value)| name == "preview" && value == "true")
}

/// `GET /api/v1/surveys/{slug}/exports/{id}/risk`: the risk report (risk.html) of a done,
/// anonymized export or preview, to read before downloading; the same access as its job.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/exports/{id}/risk",
    tag = "exports",
    params(
        crate::routes::openapi::ExportPath,
    ),
    responses(
        (status = 200, description = "The risk report (risk.html)", content_type = "text/html", body = String),

        crate::routes::openapi::Refusals,
    ),
)]
pub async fn risk(
    State(state): State<AppState>,
    by: Exporter,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = export_id(&id)?;
    let job = job(&state, &slug, id, &by).await?;
    let mut conn = state.pool.acquire().await.map_err(AppError::from)?;
    let html = match job.state {
        JobState::Done => exports::risk_html(&mut conn, id)
            .await
            .map_err(AppError::from)?,
        _ => None,
    };
    let Some(html) = html else {
        return Err(ApiError(AppError::Refused {
            status: StatusCode::NOT_FOUND,
            error: "the export has no risk report (not done, or identifiable)",
        }));
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The report is a document of its own: its one inline style, nothing else.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}

/// A job ID from the path: anything else names no export (404).
fn export_id(raw: &str) -> Result<ExportId, AppError> {
    raw.parse().map_err(|_| NO_SUCH_EXPORT)
}

/// Queues an export. The body holds its settings, each with a default (`{}` asks for an
/// analyst's default export).
#[utoipa::path(
    post,
    path = "/api/v1/surveys/{slug}/exports",
    tag = "exports",
    params(
        crate::routes::openapi::SurveyPath,
    ),
    responses(
        (status = 202, description = "Queued; `Location` is where to follow it", body = JobJson),
        (status = 400, description = "A setting refused, named in the body", body = crate::routes::openapi::ErrorJson),

        crate::routes::openapi::Refusals,
    ),
    request_body(content = Option<crate::routes::openapi::ExportSettings>, content_type = "application/json", description = "The export's settings; none, or `{}`, for the defaults"),
)]
pub async fn create(
    State(state): State<AppState>,
    by: Exporter,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let fields = json_fields(&body)?;
    let (survey_id, id) = queue(&state, &slug, &by, &fields).await?;
    let mut conn = state.pool.acquire().await?;
    let job = exports::get(&mut conn, survey_id, id)
        .await?
        .ok_or(NO_SUCH_EXPORT)?;
    let url = job_url(&slug, id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, url)],
        Json(JobJson::new(&slug, job)),
    )
        .into_response())
}

/// The survey's latest exports (at most 100), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/exports",
    tag = "exports",
    params(
        crate::routes::openapi::SurveyPath,
    ),
    responses(
        (status = 200, description = "The jobs", body = Vec<JobJson>),

        crate::routes::openapi::Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    by: Exporter,
    Path(slug): Path<String>,
) -> Result<Json<Vec<JobJson>>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let (survey_id, _) = state.survey(&mut conn, &slug).await?;
    let jobs = exports::list(&mut conn, survey_id, 100).await?;
    Ok(Json(
        jobs.into_iter()
            .filter(|job| by.may_see(job))
            .map(|job| JobJson::new(&slug, job))
            .collect(),
    ))
}

/// One export's state and progress.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/exports/{id}",
    tag = "exports",
    params(
        crate::routes::openapi::ExportPath,
    ),
    responses(
        (status = 200, description = "The job", body = JobJson),

        crate::routes::openapi::Refusals,
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    by: Exporter,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<JobJson>, ApiError> {
    let job = job(&state, &slug, export_id(&id)?, &by).await?;
    Ok(Json(JobJson::new(&slug, job)))
}

/// Cancels an export that has not ended.
#[utoipa::path(
    post,
    path = "/api/v1/surveys/{slug}/exports/{id}/cancel",
    tag = "exports",
    params(
        crate::routes::openapi::ExportPath,
    ),
    responses(
        (status = 200, description = "Cancelled", body = JobJson),
        (status = 409, description = "The export has ended already", body = crate::routes::openapi::ErrorJson),

        crate::routes::openapi::Refusals,
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    by: Exporter,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<JobJson>, ApiError> {
    let id = export_id(&id)?;
    let job = job(&state, &slug, id, &by).await?;
    let mut conn = state.pool.acquire().await?;
    match exports::cancel(&mut conn, job.survey_id, id).await? {
        Cancelled::Now => {}
        Cancelled::Ended(_) => {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::CONFLICT,
                error: "the export has ended already",
            }));
        }
        Cancelled::NoSuchExport => return Err(ApiError(NO_SUCH_EXPORT)),
    }
    let job = exports::get(&mut conn, job.survey_id, id)
        .await?
        .ok_or(NO_SUCH_EXPORT)?;
    Ok(Json(JobJson::new(&slug, job)))
}

/// The finished zip, streamed from PostgreSQL one part at a time: memory does not grow
/// with its size.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/exports/{id}/download",
    tag = "exports",
    params(
        crate::routes::openapi::ExportPath,
    ),
    responses(
        (status = 200, description = "The zip", content_type = "application/zip", body = Vec<u8>),
        (status = 409, description = "The export is not finished yet", body = crate::routes::openapi::ErrorJson),
        (status = 410, description = "Expired, failed or cancelled: no file", body = crate::routes::openapi::ErrorJson),

        crate::routes::openapi::Refusals,
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    by: Exporter,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = export_id(&id)?;
    let job = job(&state, &slug, id, &by).await?;
    if is_preview(&job) {
        return Err(ApiError(AppError::Refused {
            status: StatusCode::NOT_FOUND,
            error: "a preview has no file: start the export itself to download it",
        }));
    }
    match job.state {
        JobState::Done => {}
        JobState::Queued | JobState::Running => {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::CONFLICT,
                error: "the export is not finished yet",
            }));
        }
        JobState::Expired => {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::GONE,
                error: "the export has expired and its file was deleted",
            }));
        }
        JobState::Failed | JobState::Cancelled => {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::GONE,
                error: "the export did not finish: there is no file",
            }));
        }
    }
    let pool = state.pool.clone();
    let parts = futures_util::stream::try_unfold(0, move |n| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let part = exports::part(&mut conn, id, n).await?;
            Ok::<_, canvass_db::Error>(part.map(|bytes| (bytes, n + 1)))
        }
    });
    let name = format!("{slug}-export-{id}.zip");
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                header::CONTENT_LENGTH,
                job.size_bytes.unwrap_or_default().to_string(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(parts),
    )
        .into_response())
}

/// The export page's form: queues the export and goes back to the page, or shows the page
/// again with what was refused.
pub async fn create_from_page(
    call: StaffCall<Analysis>,
    Path(slug): Path<String>,
    Form(form): Form,
) -> Result<Response, AppError> {
    let by = Exporter::Staff(call.me.clone());
    let fields = form.pairs();
    let path = canvass_app::staff::paths::exports(&slug);
    match queue(&call.state, &slug, &by, &fields).await {
        Ok(_) => Ok(see_other(&path)),
        Err(AppError::BadExport(refused)) => Ok(call
            .refuse(
                &path,
                StatusCode::UNPROCESSABLE_ENTITY,
                "export",
                fields,
                vec![(refused.field(), field_error(&refused))],
            )
            .await),
        Err(AppError::Refused { .. }) => Ok(call
            .refuse(
                &path,
                StatusCode::FORBIDDEN,
                "export",
                fields,
                vec![("free_text".to_owned(), StaffError::AdminsOnly)],
            )
            .await),
        Err(error) => Err(error),
    }
}

/// The export page's cancel button.
pub async fn cancel_from_page(
    call: StaffCall<Analysis>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let by = Exporter::Staff(call.me.clone());
    // Refusals answer as the page's not-found; a failure of the database as itself.
    let not_found = |error| match error {
        AppError::Refused { .. } => AppError::NOT_FOUND,
        error => error,
    };
    let id = export_id(&id).map_err(not_found)?;
    let job = job(&call.state, &slug, id, &by).await.map_err(not_found)?;
    let mut conn = call.state.pool.acquire().await?;
    // Cancelling an export that has just ended changes nothing: the page shows its end.
    exports::cancel(&mut conn, job.survey_id, id).await?;
    Ok(see_other(&canvass_app::staff::paths::exports(&slug)))
}

/// What the export page says of a refused setting, at its field.
fn field_error(refused: &RequestError) -> StaffError {
    use canvass_core::export::request::MAX_EXPIRY_DAYS;
    match refused {
        RequestError::BadK { max } | RequestError::BadL { max } => {
            StaffError::ExportNumber { min: 2, max: *max }
        }
        RequestError::BadSuppression { max } => StaffError::ExportNumber { min: 0, max: *max },
        RequestError::BadExpiry { .. } => StaffError::ExportNumber {
            min: 1,
            max: MAX_EXPIRY_DAYS,
        },
        _ => StaffError::ExportSetting,
    }
}
