//! The respondent's posts, and the resume link.
//!
//! - `POST /s/{slug}`: the consent page; begins a response (only when the page is valid).
//! - `POST /r/{code}/{section}`: saves one page.
//! - `POST /r/{code}/review`: the final submit.
//! - `GET /r/{code}`: the resume link; goes to the first unanswered page.
//!
//! A form post (no JavaScript) is answered with a 303 to the next page, the same page
//! rendered again with its errors (422), or a short bilingual page explaining a refusal
//! (4xx). A post that asks for JSON (the page's WASM) gets the same outcomes as a
//! [`SaveReply`]. Each save is one conditional write (see `canvass_db::respond`); a refused
//! post changes nothing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Json, Response};
use canvass_app::api::{Posted, Problem, SaveReply, paths};
use canvass_app::backend::{
    cookie_value, invite_cookie_name, link_cookie_name, resume_cookie_name,
};
use canvass_core::Lang;
use canvass_core::answers::{RawAnswers, from_urlencoded, validate};
use canvass_core::response::ResponseStatus;
use canvass_core::survey::{Ending, Slug, Survey};
use canvass_db::begin::{self, Arrival, Arrived};
use canvass_db::links::LinkCode;
use canvass_db::pace::{self, Verdict};
use canvass_db::respond::{self, RespondError, Saved, SurveyOf};
use canvass_db::responses::ResumeCode;
use canvass_db::{PoolConnection, Postgres};
use leptos::prelude::provide_context;

use crate::AppState;
use crate::error::{AppError, status_of};
use crate::extract::ClientAddress;

/// How long a browser remembers its unfinished response: a week (the respondent's resume
/// link works for longer). Short, because the browser may be a shared hospital PC, whose
/// next user the welcome page otherwise offers this response (they may also say "not me").
const RESUME_COOKIE_MAX_AGE: u32 = 7 * 24 * 60 * 60;

/// What a post ends in, before it is worded for a form or for JSON.
enum Outcome {
    /// Saved: go on to this path (with the resume cookie to set, on the first page).
    Go {
        next: String,
        remember: Option<(String, ResumeCode)>,
    },
    /// Nothing saved: show the page again with what was posted and its errors.
    Invalid(Posted),
    /// Nothing saved, for this reason; `back` leads back into the survey when known.
    Refused {
        problem: Problem,
        back: Option<String>,
    },
    /// Nothing begun: too many responses begun from this address or through this link
    /// lately; try again after this long.
    TooMany { retry_after: std::time::Duration },
}

/// `POST /s/{slug}`.
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddress(address): ClientAddress,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = begin(&state, &slug, &address, &headers, &body).await;
    reply(&state, outcome, &uri, headers).await
}

async fn begin(
    state: &AppState,
    slug: &str,
    address: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Outcome {
    if Slug::parse(slug).is_err() {
        return refused(Problem::NotFound, None);
    }
    let Ok(posted) = from_urlencoded(body) else {
        return refused(Problem::Malformed, None);
    };
    let lang = request_lang(headers);
    let arrival = arrival(headers, slug);
    match start_allowed(state, slug, address, arrival.link.as_ref()).await {
        Ok(Verdict::Allowed) => {}
        Ok(Verdict::Refused { retry_after }) => return Outcome::TooMany { retry_after },
        Err(AppError::Problem { problem, .. }) => return refused(problem, None),
        Err(error) => {
            tracing::error!(?error, "a response's start could not be counted");
            return refused(Problem::Unavailable, None);
        }
    }
    match begin_response(state, slug, lang, arrival, &posted).await {
        Ok((Ok(Arrived::Begun { code, saved }), _)) => Outcome::Go {
            next: next_path(code.as_str(), &saved),
            remember: Some((slug.to_owned(), code)),
        },
        // An invitation this browser used before.
        Ok((Ok(Arrived::Resume(code)), _)) => Outcome::Go {
            next: paths::resume(code.as_str()),
            remember: Some((slug.to_owned(), code)),
        },
        Ok((Err(RespondError::Invalid(errors)), survey)) => Outcome::Invalid(Posted {
            section: survey
                .sections
                .first()
                .map(|s| s.id.to_string())
                .unwrap_or_default(),
            fields: posted,
            errors,
        }),
        Ok((Err(error), _)) => refusal(error, None),
        Err(AppError::Problem { problem, .. }) => refused(problem, None),
        Err(error) => {
            tracing::error!(?error, "a response could not be begun");
            refused(Problem::Unavailable, None)
        }
    }
}

/// Counts a try at beginning a response to survey `slug` and says whether it may go ahead
/// (see `canvass_db::pace`).
async fn start_allowed(
    state: &AppState,
    slug: &str,
    address: &str,
    link: Option<&LinkCode>,
) -> Result<Verdict, AppError> {
    let mut conn = state.pool.acquire().await?;
    let (survey_id, _) = state.survey(&mut conn, slug).await?;
    Ok(pace::begin(&mut conn, survey_id, address, link, state.starts).await?)
}

/// What the browser brought to the consent post: its cookies for the survey `slug`.
fn arrival(headers: &HeaderMap, slug: &str) -> Arrival {
    Arrival {
        link: cookie(headers, &link_cookie_name(slug)).and_then(LinkCode::parse),
        invitation: cookie(headers, &invite_cookie_name(slug)).and_then(ResumeCode::parse),
        resume: cookie(headers, &resume_cookie_name(slug)).and_then(ResumeCode::parse),
    }
}

/// Begins a response in one transaction, committed only when it began (or resumed), and
/// tells the dashboards. Returns the survey too, to render a refused consent page again.
async fn begin_response(
    state: &AppState,
    slug: &str,
    lang: Lang,
    arrival: Arrival,
    posted: &RawAnswers,
) -> Result<(Result<Arrived, RespondError>, Arc<Survey>), AppError> {
    let mut tx = state.pool.begin().await?;
    let (survey_id, survey) = state.survey(&mut tx, slug).await?;
    let arrived = begin::begin(&mut tx, survey_id, &survey, lang, arrival, posted).await;
    if arrived.is_ok() {
        tx.commit().await?;
        state.live.touch(survey_id);
    }
    Ok((arrived, survey))
}

/// Nothing saved, for this reason.
fn refused(problem: Problem, back: Option<String>) -> Outcome {
    Outcome::Refused { problem, back }
}

/// A pooled connection, or the refusal a respondent gets while the database is out of reach
/// (the cause logged).
async fn connection(
    state: &AppState,
    back: &Option<String>,
) -> Result<PoolConnection<Postgres>, Outcome> {
    state.pool.acquire().await.map_err(|error| {
        tracing::warn!(?error, "a respondent's post found no database connection");
        refused(Problem::Unavailable, back.clone())
    })
}

/// The value of this request's cookie `name`, if it sent one.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| cookie_value(h, name))
}

/// `POST /r/{code}/{section}`.
pub async fn save(
    State(state): State<AppState>,
    Path((code, section)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(&headers);
    let outcome = save_page(&state, &code, &section, &body, lang).await;
    reply(&state, outcome, &uri, headers).await
}

async fn save_page(
    state: &AppState,
    code: &str,
    section: &str,
    body: &[u8],
    lang: Lang,
) -> Outcome {
    let Some(resume) = ResumeCode::parse(code) else {
        return refusal(RespondError::NotFound, None);
    };
    let back = Some(paths::resume(code));
    let Ok(posted) = from_urlencoded(body) else {
        return refused(Problem::Malformed, back);
    };
    // No transaction: a save is one conditional write statement, after a read unless this
    // server's previous save of the response left what it needs (`state.recent`).
    let mut conn = match connection(state, &back).await {
        Ok(conn) => conn,
        Err(refused) => return refused,
    };
    let (catalog, recent) = (&state.catalog, &state.recent);
    match respond::save_by_code(&mut conn, catalog, recent, &resume, section, &posted, lang).await {
        Ok((saved, SurveyOf(survey_id))) => {
            state.live.touch(survey_id);
            Outcome::Go {
                next: next_path(code, &saved),
                remember: None,
            }
        }
        Err(RespondError::Invalid(errors)) => Outcome::Invalid(Posted {
            section: section.to_owned(),
            fields: posted,
            errors,
        }),
        Err(error) => refusal(error, back),
    }
}

/// `POST /r/{code}/review`: the final submit. A second submit (a double tap, a replay) is
/// refused as closed and changes nothing.
pub async fn submit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddress(address): ClientAddress,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let outcome = submit_response(&state, &code, &address).await;
    reply(&state, outcome, &uri, headers).await
}

async fn submit_response(state: &AppState, code: &str, address: &str) -> Outcome {
    let Some(resume) = ResumeCode::parse(code) else {
        return refusal(RespondError::NotFound, None);
    };
    let back = Some(paths::resume(code));
    let mut conn = match connection(state, &back).await {
        Ok(conn) => conn,
        Err(refused) => return refused,
    };
    match respond::submit_by_code(&mut conn, &state.catalog, &resume).await {
        Ok(SurveyOf(survey_id)) => {
            state.live.touch(survey_id);
            // For the dashboard's bursts; the response is submitted whatever this does.
            if let Err(error) = pace::completed(&mut conn, survey_id, address).await {
                tracing::warn!(?error, "a completion could not be counted for bursts");
            }
            Outcome::Go {
                next: paths::end(code),
                remember: None,
            }
        }
        Err(error) => refusal(error, back),
    }
}

/// `GET /r/{code}`: the resume link. Goes on at the first page with a missing answer (or
/// the review, or the end), and remembers the response in this browser too.
pub async fn resume(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let Some(resume) = ResumeCode::parse(&code) else {
        return problem_page(Problem::NotFound, None);
    };
    let Ok(mut conn) = state.pool.acquire().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let opened = match respond::open(&mut conn, &state.catalog, &resume).await {
        Ok(opened) => opened,
        Err(error) => return problem_page(problem_of(&error), None),
    };
    let target = if opened.response.status == ResponseStatus::InProgress {
        let validation = validate(&opened.survey, &opened.fields);
        match validation.first_incomplete(&opened.survey) {
            Some(section) => paths::section(&code, section.as_str()),
            None => paths::review(&code),
        }
    } else {
        paths::end(&code)
    };
    let mut response = see_other(&target);
    remember(
        &mut response,
        opened.survey.slug.as_str(),
        &resume,
        state.staff.settings.secure_cookies,
    );
    response
}

/// `GET /resume?code=…`: the form on the page of an invitation used before, in a browser
/// that did not begin its response: the resume link or code the respondent was shown, as
/// typed or pasted, goes to `/r/{code}`; one that opens nothing is said so, with the form
/// again (404).
pub async fn resume_typed(
    State(state): State<AppState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let typed = query.get("code").map_or("", String::as_str);
    let Some(code) = ResumeCode::from_typed(typed) else {
        return problem_page(Problem::UnknownResumeCode, None);
    };
    let Ok(mut conn) = state.pool.acquire().await else {
        return problem_page(Problem::Unavailable, None);
    };
    match canvass_db::responses::by_resume_code(&mut conn, &code).await {
        Ok(Some(_)) => see_other(&paths::resume(code.as_str())),
        Ok(None) => problem_page(Problem::UnknownResumeCode, None),
        Err(_) => problem_page(Problem::Unavailable, None),
    }
}

/// `POST /s/{slug}/forget`: "not me" on the welcome page of a shared browser. Forgets the
/// unfinished response this browser remembers for the survey (the response itself stays,
/// for whoever holds its resume link) and goes back to the welcome page, for a new one.
pub async fn forget(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let mut response = see_other(&paths::welcome(&slug));
    super::set_cookie(
        &mut response,
        &resume_cookie_name(&slug),
        "",
        0,
        state.staff.settings.secure_cookies,
    );
    response
}

fn next_path(code: &str, saved: &Saved) -> String {
    match saved {
        Saved::Next(section) => paths::section(code, section.as_str()),
        Saved::Review => paths::review(code),
        Saved::Ended(Ending::Refused | Ending::ScreenedOut) | Saved::QuotaFull => paths::end(code),
    }
}

fn problem_of(error: &RespondError) -> Problem {
    match error {
        RespondError::NotFound | RespondError::NoSuchPage => Problem::NotFound,
        RespondError::Closed(_) => Problem::Closed,
        RespondError::OutOfOrder | RespondError::Incomplete(_) => Problem::OutOfOrder,
        RespondError::NotOnThisPage(_) => Problem::NotOnThisPage,
        RespondError::Invalid(_) => Problem::Malformed,
        RespondError::InvitationUsed => Problem::InvitationUsed,
        RespondError::Busy | RespondError::Corrupt(_) | RespondError::Database(_) => {
            Problem::Unavailable
        }
    }
}

fn refusal(error: RespondError, back: Option<String>) -> Outcome {
    let problem = problem_of(&error);
    match &error {
        RespondError::Corrupt(_) | RespondError::Database(_) => {
            tracing::error!(%error, "a respondent's post could not be saved");
        }
        _ => tracing::info!(?problem, "a respondent's post was refused"),
    }
    Outcome::Refused { problem, back }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// The language of a new response: the visitor's choice, else their browser's.
fn request_lang(headers: &HeaderMap) -> Lang {
    let chosen = cookie(headers, canvass_core::lang::COOKIE_NAME);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::negotiate(chosen, accept)
}

async fn reply(state: &AppState, outcome: Outcome, uri: &Uri, headers: HeaderMap) -> Response {
    let json = wants_json(&headers);
    match outcome {
        Outcome::Go { next, remember: r } => {
            let mut response = if json {
                Json(SaveReply::Saved { next }).into_response()
            } else {
                see_other(&next)
            };
            if let Some((slug, code)) = r {
                remember(
                    &mut response,
                    &slug,
                    &code,
                    state.staff.settings.secure_cookies,
                );
            }
            response
        }
        Outcome::Invalid(posted) if json => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(SaveReply::Invalid {
                errors: posted.errors,
            }),
        )
            .into_response(),
        Outcome::Invalid(posted) => render_again(state, posted, uri, headers).await,
        Outcome::Refused { problem, .. } if json => {
            (status_of(problem), Json(SaveReply::Refused { problem })).into_response()
        }
        Outcome::Refused { problem, back } => problem_page(problem, back.as_deref()),
        Outcome::TooMany { retry_after } => {
            let problem = Problem::TooManyStarts;
            let mut response = if json {
                (status_of(problem), Json(SaveReply::Refused { problem })).into_response()
            } else {
                problem_page(problem, None)
            };
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs().max(1)),
            );
            response
        }
    }
}

pub(crate) fn problem_page(problem: Problem, back: Option<&str>) -> Response {
    let back = back.map(str::to_owned);
    AppError::Problem { problem, back }.into_response()
}

pub(crate) fn see_other(path: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(path) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Sets the cookie that lets this browser find its unfinished response again.
fn remember(response: &mut Response, slug: &str, code: &ResumeCode, secure: bool) {
    super::set_cookie(
        response,
        &resume_cookie_name(slug),
        code.as_str(),
        RESUME_COOKIE_MAX_AGE,
        secure,
    );
}

/// The page rendered again (status 422) with what was posted and its errors next to the
/// fields: the no-JavaScript path of an invalid page. Nothing was saved.
async fn render_again(state: &AppState, posted: Posted, uri: &Uri, headers: HeaderMap) -> Response {
    let provide = move || provide_context(posted.clone());
    crate::render::page(
        state,
        uri.clone(),
        headers,
        Default::default(),
        StatusCode::UNPROCESSABLE_ENTITY,
        provide,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_client_error_status_except_an_unavailable_database() {
        for problem in [
            Problem::NotFound,
            Problem::Closed,
            Problem::OutOfOrder,
            Problem::NotOnThisPage,
            Problem::Malformed,
            Problem::TooLarge,
        ] {
            assert!(status_of(problem).is_client_error(), "{problem:?}");
        }
        assert_eq!(
            status_of(Problem::Unavailable),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn the_language_of_a_new_response_is_the_visitors_choice_else_their_browsers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9"),
        );
        assert_eq!(request_lang(&headers), Lang::En);
        headers.insert(header::COOKIE, HeaderValue::from_static("canvass_lang=zh"));
        assert_eq!(request_lang(&headers), Lang::Zh);
    }

    #[test]
    fn only_a_request_asking_for_json_gets_json() {
        let mut headers = HeaderMap::new();
        assert!(!wants_json(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(wants_json(&headers));
    }
}
