//! `GET /l/{code}`: a distribution link. An open link counts the visit, remembers itself in
//! a cookie for the survey (the consent post records it on the response) and goes to the
//! survey's welcome page; a closed one says so politely (410).
//!
//! A visit counts as an open only when a person opened the link: a top-level navigation
//! (`Sec-Fetch-Dest: document`, or no such header from an older browser) — not an `<img>`
//! or `<iframe>` on another site inflating the figures — and not a browser that holds this
//! link's cookie already (the same person, back again).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use canvass_app::api::{Problem, paths};
use canvass_app::backend::{
    LINK_COOKIE_PREFIX, invite_cookie_name, link_cookie_name, resume_cookie_name,
};
use canvass_db::begin::began_with;
use canvass_db::invitations;
use canvass_db::links::{self, LinkCode};
use canvass_db::responses::ResumeCode;

use super::respond::{cookie, see_other};
use crate::AppState;
use crate::error::AppError;

/// How long a browser remembers the link it came through: 30 days.
const LINK_COOKIE_MAX_AGE: u32 = 30 * 24 * 60 * 60;

pub async fn open(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let code = LinkCode::parse(&code).ok_or(AppError::NOT_FOUND)?;
    let navigated = headers
        .get("sec-fetch-dest")
        .is_none_or(|dest| dest.as_bytes() == b"document");
    let mut conn = state.pool.acquire().await?;
    // Which survey the link is for is known only after the lookup: a returning browser is
    // recognised by any link cookie holding this code.
    let returning = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| name.starts_with(LINK_COOKIE_PREFIX) && value == code.as_str());
    let opened = links::open_by_code(&mut conn, &code, navigated && !returning)
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
/// token in a cookie, for the consent post to start the response with. Used, it resumes
/// the response it started only in a browser that holds that response's resume code (its
/// cookie); anywhere else it asks for the code (409): the token is on the invitee roster
/// staff download, and must not open anyone's answers.
pub async fn invited(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let token = ResumeCode::parse(&token).ok_or(AppError::NOT_FOUND)?;
    let mut conn = state.pool.acquire().await?;
    let invitation = invitations::find(&mut conn, &token)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    if let Some(began) = invitation.response_id {
        let held =
            cookie(&headers, &resume_cookie_name(&invitation.slug)).and_then(ResumeCode::parse);
        return match held {
            Some(code) if began_with(&mut conn, &code, began).await? => {
                Ok(see_other(&paths::resume(code.as_str())))
            }
            _ => Err(AppError::problem(Problem::InvitationUsed)),
        };
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
