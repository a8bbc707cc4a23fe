//! `GET /api/v1/surveys/{slug}/analysis` and `…/analysis.csv`: the analysis page's figures
//! as JSON and as a CSV file, for a staff session (any role) or an API token. The query
//! string is the page's own (filters, `split`, `metric`, `responses`), parsed by the same
//! parser, and the same suppression applies: no query shows through the API what the page
//! hides.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use canvass_app::staff::backend::analysis_report;
use canvass_core::analysis::{METHOD_GAP, METHOD_MEAN, METHOD_SHARE, Report};
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::staff::{AnalysisUse, Reader};

/// The statement every figure carries: a self-selected sample.
const SAMPLE_NOTE: &str = "Respondents selected themselves into this survey; it is not a probability sample. The intervals describe sampling variability only as if the respondents were a simple random sample, and do not account for coverage, nonresponse or measurement error.";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Analysis {
    survey: String,
    /// Which responses are counted: `completed`, or `completed_and_partial`.
    counting: &'static str,
    /// With `completed_and_partial`: a response in progress is counted once it has had no
    /// save for this many minutes (and a submitted one at once).
    partial_rest_minutes: u64,
    methods: Methods,
    sample: &'static str,
    /// The figures: each metric with its numerators, denominators, intervals and
    /// suppressed cells, and the query as understood.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    report: Report,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Methods {
    share: &'static str,
    gap: &'static str,
    mean: &'static str,
}

async fn report(state: &AppState, slug: &str, query: Option<String>) -> Result<Report, AppError> {
    let (_, outcome) = analysis_report(&state.backend(), slug, query.as_deref().unwrap_or(""))
        .await
        .map_err(AppError::unavailable)?
        .ok_or(AppError::NOT_FOUND)?;
    outcome.map_err(AppError::BadQuery)
}

/// The analysis page's figures.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/analysis",
    tag = "analysis",
    params(
        crate::routes::openapi::SurveyPath,
        crate::routes::openapi::AnalysisParams,
    ),
    responses(
        (status = 200, description = "The figures, suppressed where their cells are small", body = Analysis),
        (status = 400, description = "A parameter refused, named in the body", body = crate::routes::openapi::ErrorJson),
        crate::routes::openapi::Refusals,
    ),
)]
pub async fn json(
    State(state): State<AppState>,
    _reader: Reader<AnalysisUse>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Analysis>, ApiError> {
    let report = report(&state, &slug, query).await?;
    Ok(Json(Analysis {
        survey: slug,
        counting: report.query.responses.as_code(),
        partial_rest_minutes: canvass_core::analysis::PARTIAL_REST_MINUTES,
        methods: Methods {
            share: METHOD_SHARE,
            gap: METHOD_GAP,
            mean: METHOD_MEAN,
        },
        sample: SAMPLE_NOTE,
        report,
    }))
}

/// The figures as CSV: UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), one
/// row per figure, suppressed figures kept with empty numbers.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/analysis.csv",
    tag = "analysis",
    params(
        crate::routes::openapi::SurveyPath,
        crate::routes::openapi::AnalysisParams,
    ),
    responses(
        (status = 200, description = "One row per figure", content_type = "text/csv", body = String),
        (status = 400, description = "A parameter refused, named in the body", body = crate::routes::openapi::ErrorJson),
        crate::routes::openapi::Refusals,
    ),
)]
pub async fn csv(
    State(state): State<AppState>,
    _reader: Reader<AnalysisUse>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let report = report(&state, &slug, query).await?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in report.rows() {
        writer.serialize(row).map_err(AppError::unavailable)?;
    }
    let file = writer
        .into_inner()
        .map_err(|e| AppError::unavailable(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-analysis.csv\""),
            ),
        ],
        file,
    )
        .into_response())
}
