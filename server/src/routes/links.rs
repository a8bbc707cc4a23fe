//! `GET /l/{code}`: a distribution link. An open link counts the visit, remembers itself in
//! a cookie for the survey (the consent post records it on the response) and goes to the
//! survey's welcome page; a closed one says so politely (410).

use axum::extract::{Path, State};
use axum::response::Response;
use canvass_app::api::{Problem, paths};
use canvass_app::backend::{invite_cookie_name, link_cookie_name};
use canvass_db::invitations;
use canvass_db::links::{self, LinkCode};
use canvass_db::responses::ResumeCode;

use super::respond::see_other;
use crate::AppState;
use crate::error::AppError;

/// How long a browser remembers the link it came through: 30 days.
const LINK_COOKIE_MAX_AGE: u32 = 30 * 24 * 60 * 60;

pub async fn open(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = LinkCode::parse(&code).ok_or(AppError::NOT_FOUND)?;
    let mut conn = state.pool.acquire().await?;
    let opened = links::open_by_code(&mut conn, &code)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    if !opened.link.open {
        return Err(AppError::problem(Problem::LinkClosed));
    }
    state.live.touch(opened.link.survey_id);
    let mut response = see_other(&paths::welcome(&opened.slug));
    let cookie = link_cookie_name(&opened.slug);
    let secure = state.staff.settings.secure_cookies;
    super::set_cookie(
        &mut response,
        &cookie,
        code.as_str(),
        LINK_COOKIE_MAX_AGE,
        secure,
    );
    Ok(response)
}

/// `GET /i/{token}`: an invitation. Unused, it goes to the survey's welcome page with the
/// token in a cookie, for the consent post to start the response with; used, it resumes
/// the response it started (whose resume code is the token).
pub async fn invited(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = ResumeCode::parse(&token).ok_or(AppError::NOT_FOUND)?;
    let mut conn = state.pool.acquire().await?;
    let invitation = invitations::find(&mut conn, &token)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    if invitation.response_id.is_some() {
        return Ok(see_other(&paths::resume(token.as_str())));
    }
    let mut response = see_other(&paths::welcome(&invitation.slug));
    let cookie = invite_cookie_name(&invitation.slug);
    let secure = state.staff.settings.secure_cookies;
    super::set_cookie(
        &mut response,
        &cookie,
        token.as_str(),
        LINK_COOKIE_MAX_AGE,
        secure,
    );
    Ok(response)
}
