//! The server side of the respondent's pages: loading what a page shows. Compiled only
//! with `ssr`; reached through the server functions in [`crate::api`].

use canvass_core::answers::{AnswerError, RawAnswers, validate};
use canvass_core::response::ResponseStatus;
use canvass_core::survey::{QuestionId, SectionId, Survey};
use canvass_db::respond::{self, Opened, RespondError};
use canvass_db::responses::ResumeCode;
use canvass_db::surveys::Catalog;
use canvass_db::{PgConnection, PgPool};
use leptos::prelude::*;

use crate::api::{Ended, Ending, Load, PageData, Posted, Review, Welcome, paths};

/// What the pages need from the server, provided as context to every render.
#[derive(Debug, Clone)]
pub struct Backend {
    pub pool: PgPool,
    pub catalog: Catalog,
}

/// The cookie that remembers, for one survey, the distribution link a browser came through.
pub fn link_cookie_name(slug: &str) -> String {
    format!("{LINK_COOKIE_PREFIX}{slug}")
}

/// What every link cookie's name begins with.
pub const LINK_COOKIE_PREFIX: &str = "canvass_link_";

/// The cookie that carries, for one survey, the invitation token a browser came with until
/// it consents.
pub fn invite_cookie_name(slug: &str) -> String {
    format!("canvass_invite_{slug}")
}

/// The name of the cookie that remembers a browser's unfinished response to one survey.
pub fn resume_cookie_name(slug: &str) -> String {
    format!("canvass_resume_{slug}")
}

/// One cookie's value from a `Cookie` request header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

fn backend() -> Result<Backend, ServerFnError> {
    use_context::<Backend>().ok_or_else(|| ServerFnError::new("no backend in context"))
}

/// Database failures reach the page as "unavailable", never with their text (which may
/// quote data).
fn unavailable(error: impl std::fmt::Display) -> ServerFnError {
    tracing::error!(%error, "a respondent's page could not be loaded");
    ServerFnError::new("unavailable")
}

/// A page's fields, and the errors to show, after a failed post being shown again.
struct Shown {
    fields: RawAnswers,
    attempted: bool,
    errors: Vec<(QuestionId, AnswerError)>,
}

/// This page's fields replaced by the ones of a failed post being shown again.
fn with_posted(survey: &Survey, section: &SectionId, mut fields: RawAnswers) -> Shown {
    let Some(posted) = use_context::<Posted>().filter(|p| p.section == section.as_str()) else {
        return Shown {
            fields,
            attempted: false,
            errors: Vec::new(),
        };
    };
    if let Some(page) = survey.section(section.as_str()) {
        fields.retain(|name, _| {
            !page
                .questions
                .iter()
                .any(|q| canvass_core::answers::reads_field(q, name))
        });
    }
    fields.extend(posted.fields);
    Shown {
        fields,
        attempted: true,
        errors: posted.errors,
    }
}

async fn open(
    conn: &mut PgConnection,
    catalog: &Catalog,
    code: &str,
) -> Result<Option<Opened>, ServerFnError> {
    let Some(code) = ResumeCode::parse(code) else {
        return Ok(None);
    };
    match respond::open(conn, catalog, &code).await {
        Ok(opened) => Ok(Some(opened)),
        Err(RespondError::NotFound) => Ok(None),
        Err(error) => Err(unavailable(error)),
    }
}

pub async fn welcome(slug: &str) -> Result<Load<Welcome>, ServerFnError> {
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let Some((survey_id, survey)) = backend
        .catalog
        .latest(&mut conn, slug)
        .await
        .map_err(unavailable)?
    else {
        return Ok(Load::NotFound);
    };
    let Some(first) = survey.sections.first() else {
        return Ok(Load::NotFound);
    };
    let shown = with_posted(&survey, &first.id, RawAnswers::new());
    let resume = remembered(&mut conn, &backend.catalog, slug).await;
    if first_visit(slug) {
        // A figure, not the page: a failure is logged and the page shown all the same.
        if let Err(error) = canvass_db::monitor::count_open(&mut conn, survey_id).await {
            tracing::warn!(%error, "a welcome page open could not be counted");
        }
    }
    Ok(Load::Ready(Welcome {
        slug: slug.to_owned(),
        page: PageData {
            code: String::new(),
            survey: (*survey).clone(),
            section: first.id.clone(),
            fields: shown.fields,
            attempted: shown.attempted,
            errors: shown.errors,
            fixed: Vec::new(),
        },
        resume,
    }))
}

/// Whether this welcome page counts as an open at the survey's own address: not a refused
/// consent shown again, and a browser that came through no link (the link counted it) and
/// has begun no response to this survey.
fn first_visit(slug: &str) -> bool {
    if use_context::<crate::api::Posted>().is_some() {
        return false;
    }
    let Some(parts) = use_context::<http::request::Parts>() else {
        return false;
    };
    let cookies = parts
        .headers
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    cookie_value(cookies, &resume_cookie_name(slug)).is_none()
        && cookie_value(cookies, &link_cookie_name(slug)).is_none()
}

/// The unfinished response this browser's cookie remembers for `slug`, if any.
async fn remembered(conn: &mut PgConnection, catalog: &Catalog, slug: &str) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let header = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
    let code = cookie_value(header, &resume_cookie_name(slug))?;
    let opened = open(conn, catalog, code).await.ok()??;
    (opened.response.status == ResponseStatus::InProgress && opened.survey.slug.as_str() == slug)
        .then(|| code.to_owned())
}

/// The response a page of `code` shows while it is in progress; otherwise where to go
/// instead (not found, or its end page).
async fn in_progress<T>(code: &str) -> Result<Result<Opened, Load<T>>, ServerFnError> {
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    Ok(match open(&mut conn, &backend.catalog, code).await? {
        None => Err(Load::NotFound),
        Some(opened) if opened.response.status != ResponseStatus::InProgress => {
            Err(Load::Redirect(paths::end(code)))
        }
        Some(opened) => Ok(opened),
    })
}

pub async fn section(code: &str, section: &str) -> Result<Load<PageData>, ServerFnError> {
    let opened = match in_progress(code).await? {
        Ok(opened) => opened,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let survey = opened.survey;
    let Some(section) = survey.section(section).map(|s| s.id.clone()) else {
        return Ok(Load::NotFound);
    };
    let stored = validate(&survey, &opened.fields);
    if !stored.may_answer(&survey, &section) {
        return Ok(Load::Redirect(paths::resume(code)));
    }
    let shown = with_posted(&survey, &section, opened.fields);
    let mut fields = shown.fields;
    for (question, code) in &opened.fixed {
        fields.insert(question.clone(), vec![code.clone()]);
    }
    Ok(Load::Ready(PageData {
        code: code.to_owned(),
        survey: (*survey).clone(),
        section,
        fields,
        attempted: shown.attempted,
        errors: shown.errors,
        fixed: opened.fixed.into_iter().collect(),
    }))
}

pub async fn review(code: &str) -> Result<Load<Review>, ServerFnError> {
    let opened = match in_progress(code).await? {
        Ok(opened) => opened,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let validation = validate(&opened.survey, &opened.fields);
    if let Some(section) = validation.first_incomplete(&opened.survey) {
        return Ok(Load::Redirect(paths::section(code, section.as_str())));
    }
    Ok(Load::Ready(Review {
        code: code.to_owned(),
        survey: (*opened.survey).clone(),
        fields: opened.fields,
    }))
}

pub async fn ended(code: &str) -> Result<Load<Ended>, ServerFnError> {
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let Some(code_ok) = ResumeCode::parse(code) else {
        return Ok(Load::NotFound);
    };
    let found = match respond::find(&mut conn, &backend.catalog, &code_ok).await {
        Ok(found) => found,
        Err(RespondError::NotFound) => return Ok(Load::NotFound),
        Err(error) => return Err(unavailable(error)),
    };
    let ending = match found.response.status {
        ResponseStatus::InProgress => return Ok(Load::Redirect(paths::resume(code))),
        ResponseStatus::Completed => Ending::Completed,
        ResponseStatus::Refused => Ending::Refused,
        ResponseStatus::ScreenedOut => Ending::ScreenedOut,
        ResponseStatus::QuotaFull => Ending::QuotaFull,
    };
    Ok(Load::Ready(Ended {
        title: found.survey.title.clone(),
        ending,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_by_its_exact_name() {
        let header = "canvass_lang=en; canvass_resume_ai-collab=abc; x=1";
        assert_eq!(
            cookie_value(header, "canvass_resume_ai-collab"),
            Some("abc")
        );
        assert_eq!(cookie_value(header, "canvass_lang"), Some("en"));
        assert_eq!(cookie_value(header, "canvass_resume_ai"), None);
        assert_eq!(cookie_value("", "x"), None);
    }
}
