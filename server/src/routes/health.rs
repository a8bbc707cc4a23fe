//! `GET /healthz` (the process runs) and `GET /readyz` (the database answers).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::AppState;

/// How long `/readyz` waits for PostgreSQL before calling it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
struct Status {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// Liveness: 200 as long as the process can answer at all.
pub async fn live() -> Response {
    Json(Status {
        status: "ok",
        reason: None,
    })
    .into_response()
}

/// Readiness: 200 when a query round-trips to PostgreSQL, 503 with a short reason otherwise.
#[tracing::instrument(skip_all)]
pub async fn ready(State(state): State<AppState>) -> Response {
    let reason =
        match tokio::time::timeout(READY_TIMEOUT, canvass_db::health::ping(&state.pool)).await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "readiness check: database error");
                Some("database unavailable")
            }
            Err(_) => {
                tracing::warn!("readiness check: database timed out");
                Some("database timed out")
            }
        };
    match reason {
        None => (
            StatusCode::OK,
            Json(Status {
                status: "ok",
                reason: None,
            }),
        )
            .into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Status {
                status: "unavailable",
                reason: Some(reason),
            }),
        )
            .into_response(),
    }
}
