//! The one error of the HTTP edge. Every axum handler outside Leptos returns
//! `Result<Response, AppError>` (or takes an extractor whose rejection is one) and turns
//! what fails into an [`AppError`] with `?`. This module alone decides the status, the
//! body — the short bilingual page, or JSON for API clients — and the headers, and it logs
//! an unexpected cause, once.
//!
//! Which variant:
//! - [`AppError::Problem`]: a refusal worded for a person (no such page, a malformed form,
//!   a closed response): its status and bilingual page come from [`Problem`].
//! - [`AppError::Unavailable`]: something the request needs failed (the database): 503
//!   with `Retry-After`; the cause is logged here and never shown.
//! - [`AppError::SignedOut`]: nobody is signed in. A page goes to the sign-in page (303);
//!   an API client — `/api/…` and the dashboards' event streams — gets 401 with a JSON
//!   error and `WWW-Authenticate: Bearer`.
//! - [`AppError::Forbidden`]: signed in but not allowed (the role), or a cross-site post:
//!   403 with the bilingual refusal page.
//! - [`AppError::InvalidToken`]: an API token that is malformed, unknown, expired or
//!   revoked, or whose maker is deactivated: 401 with the RFC 6750 challenge.
//!
//! A form refused for its fields is not an error: the handler renders the page again with
//! the fields' errors ([`crate::extract::StaffCall::refuse`]) and answers with it.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_app::api::Problem;
use canvass_app::error_page::{StaffRefusal, problem_html, staff_refusal_html};
use canvass_app::staff::paths;

/// How long a client is asked to wait before retrying a 503, in seconds: long enough for
/// a database restart or a failover, short enough that a respondent's retry soon works.
pub const RETRY_AFTER_SECS: u32 = 5;

/// What went wrong, as the edge answers it. See the module documentation.
#[derive(Debug)]
pub enum AppError {
    /// A refusal worded for a person; `back` (a path on this site) leads back into the
    /// survey when known.
    Problem {
        problem: Problem,
        back: Option<String>,
    },
    /// The database, or another dependency, failed.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// Nobody is signed in; `api` when the caller is a program (JSON, 401).
    SignedOut { api: bool },
    /// Signed in, but not allowed.
    Forbidden(StaffRefusal),
    /// A Bearer token that is malformed, unknown or revoked.
    InvalidToken,
    /// An analysis query refused, naming its parameter: 400.
    BadQuery(canvass_core::analysis::QueryError),
    /// An export's settings refused, naming the setting: 400.
    BadExport(canvass_core::export::request::RequestError),
    /// An API request refused for what it names (an export not finished, expired…):
    /// `{"error": …}` with this status.
    Refused {
        status: StatusCode,
        error: &'static str,
    },
}

impl AppError {
    pub const NOT_FOUND: AppError = AppError::Problem {
        problem: Problem::NotFound,
        back: None,
    };
    pub const MALFORMED: AppError = AppError::Problem {
        problem: Problem::Malformed,
        back: None,
    };

    /// The cause of a failure of something the request needs.
    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Unavailable(cause.into())
    }

    /// A refusal worded for a person.
    pub fn problem(problem: Problem) -> AppError {
        AppError::Problem {
            problem,
            back: None,
        }
    }

    fn log(&self) {
        match self {
            AppError::Unavailable(cause) => {
                tracing::error!(error = %cause, "a request failed: a dependency is unavailable");
            }
            AppError::Forbidden(refusal) => tracing::info!(?refusal, "a request was refused"),
            AppError::InvalidToken => {
                tracing::info!("an unknown, expired or revoked API token was refused")
            }
            AppError::Problem { .. }
            | AppError::SignedOut { .. }
            | AppError::BadQuery(_)
            | AppError::BadExport(_)
            | AppError::Refused { .. } => {}
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::Problem { problem, .. } => status_of(*problem),
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::SignedOut { api: false } => StatusCode::SEE_OTHER,
            AppError::SignedOut { api: true } | AppError::InvalidToken => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadQuery(_) | AppError::BadExport(_) => StatusCode::BAD_REQUEST,
            AppError::Refused { status, .. } => *status,
        }
    }
}

impl From<canvass_db::Error> for AppError {
    fn from(error: canvass_db::Error) -> AppError {
        AppError::Unavailable(Box::new(error))
    }
}

impl From<canvass_db::surveys::CatalogError> for AppError {
    fn from(error: canvass_db::surveys::CatalogError) -> AppError {
        AppError::Unavailable(Box::new(error))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let mut response = match self {
            AppError::Problem { problem, back } => {
                (status, Html(problem_html(problem, back.as_deref()))).into_response()
            }
            AppError::Unavailable(_) => {
                (status, Html(problem_html(Problem::Unavailable, None))).into_response()
            }
            AppError::SignedOut { api: false } => {
                (status, [(header::LOCATION, paths::SIGN_IN)]).into_response()
            }
            AppError::Forbidden(refusal) => {
                (status, Html(staff_refusal_html(refusal))).into_response()
            }
            error @ (AppError::SignedOut { api: true }
            | AppError::InvalidToken
            | AppError::BadQuery(_)
            | AppError::BadExport(_)
            | AppError::Refused { .. }) => {
                return ApiError(error).into_response();
            }
        };
        add_retry_after(&mut response);
        response
    }
}

/// An [`AppError`] answered as JSON, `{"error": "…"}`, with the same status and headers.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> ApiError {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(error) = self;
        error.log();
        if let AppError::BadQuery(refused) = &error {
            let mut body = serde_json::to_value(refused).unwrap_or_default();
            if let Some(fields) = body.as_object_mut() {
                fields.insert("message".into(), refused.to_string().into());
            }
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        if let AppError::BadExport(refused) = &error {
            let mut body = serde_json::to_value(refused).unwrap_or_default();
            if let Some(fields) = body.as_object_mut() {
                fields.insert("field".into(), refused.field().into());
                fields.insert("message".into(), refused.to_string().into());
            }
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        let status = error.status();
        let message = match &error {
            AppError::Problem { problem, .. } => match problem {
                Problem::NotFound => "no such survey",
                Problem::Malformed | Problem::NotOnThisPage => "malformed request",
                Problem::TooLarge => "request too large",
                Problem::Closed | Problem::OutOfOrder => "conflict",
                Problem::LinkClosed => "gone",
                Problem::InvitationUsed => "the invitation began a response already",
                Problem::UnknownResumeCode => "no such response",
                Problem::TooManyStarts => "too many responses begun lately; try again later",
                Problem::Unavailable => "temporarily unavailable",
            },
            AppError::Unavailable(_) => "temporarily unavailable",
            AppError::SignedOut { .. } => "sign in or send an API token",
            AppError::Forbidden(_) => "not allowed",
            AppError::InvalidToken => "invalid, expired or revoked API token",
            AppError::BadQuery(_) | AppError::BadExport(_) => "bad query",
            AppError::Refused { error, .. } => error,
        };
        let status = if status == StatusCode::SEE_OTHER {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
        let mut response = (status, Json(serde_json::json!({ "error": message }))).into_response();
        let challenge = match error {
            AppError::InvalidToken => Some(r#"Bearer realm="canvass", error="invalid_token""#),
            AppError::SignedOut { .. } => Some(r#"Bearer realm="canvass""#),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        add_retry_after(&mut response);
        response
    }
}

/// The HTTP status of a refusal.
pub fn status_of(problem: Problem) -> StatusCode {
    StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Adds `Retry-After` to a 503 that has none. Also applied to every response by the
/// middleware stack, so no 503 leaves without it (Leptos pages, health checks included).
pub fn add_retry_after(response: &mut Response) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_database_answers_503_with_retry_after() {
        let response = AppError::unavailable("connection refused").into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }

    #[test]
    fn a_signed_out_page_request_goes_to_the_sign_in_page() {
        let response = AppError::SignedOut { api: false }.into_response();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], paths::SIGN_IN);
    }

    #[test]
    fn a_signed_out_api_request_gets_401_with_a_bearer_challenge() {
        let response = AppError::SignedOut { api: true }.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer realm="canvass""#
        );
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn an_api_error_keeps_the_status_of_the_problem() {
        let response = ApiError(AppError::NOT_FOUND).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response = ApiError(AppError::unavailable("down")).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }
}
