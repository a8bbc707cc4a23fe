//! `GET /l/{code}`: a distribution link. An open link counts the visit, remembers itself in
//! a cookie for the survey (the consent post records it on the response) and goes to the
//! survey's welcome page; a closed one says so politely (410).

use axum::extract::{Path, State};
use axum::response::Response;
use canvass_app::api::Problem;
use canvass_db::links::{self, LinkCode};

use super::respond::{problem_page, see_other};
use crate::AppState;
use canvass_app::backend::{invite_cookie_name, link_cookie_name};
use canvass_db::invitations;
use canvass_db::responses::ResumeCode;

/// How long a browser remembers the link it came through: 30 days.
const LINK_COOKIE_MAX_AGE: u32 = 30 * 24 * 60 * 60;

pub async fn open(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let Some(code) = LinkCode::parse(&code) else {
        return problem_page(Problem::NotFound, None);
    };
    let Ok(mut conn) = state.pool.acquire().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let opened = match links::open_by_code(&mut conn, &code).await {
        Ok(Some(opened)) => opened,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => {
            tracing::error!(%error, "a distribution link could not be opened");
            return problem_page(Problem::Unavailable, None);
        }
    };
    if !opened.link.open {
        return problem_page(Problem::LinkClosed, None);
    }
    state.live.touch(opened.link.survey_id);
    let mut response = see_other(&canvass_app::api::paths::welcome(&opened.slug));
    super::set_cookie(
        &mut response,
        &link_cookie_name(&opened.slug),
        code.as_str(),
        LINK_COOKIE_MAX_AGE,
        state.staff.settings.secure_cookies,
    );
    response
}

/// `GET /i/{token}`: an invitation. Unused, it goes to the survey's welcome page with the
/// token in a cookie, for the consent post to start the response with; used, it resumes
/// the response it started (whose resume code is the token).
pub async fn invited(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(token) = ResumeCode::parse(&token) else {
        return problem_page(Problem::NotFound, None);
    };
    let Ok(mut conn) = state.pool.acquire().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let invitation = match invitations::find(&mut conn, &token).await {
        Ok(Some(invitation)) => invitation,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => {
            tracing::error!(%error, "an invitation could not be read");
            return problem_page(Problem::Unavailable, None);
        }
    };
    if invitation.response_id.is_some() {
        return see_other(&canvass_app::api::paths::resume(token.as_str()));
    }
    let mut response = see_other(&canvass_app::api::paths::welcome(&invitation.slug));
    super::set_cookie(
        &mut response,
        &invite_cookie_name(&invitation.slug),
        token.as_str(),
        LINK_COOKIE_MAX_AGE,
        state.staff.settings.secure_cookies,
    );
    response
}
