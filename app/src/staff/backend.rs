//! The server side of the staff pages: who is signed in, whether their role may see the
//! page, and the page's data. Compiled only with `ssr`.

use canvass_core::ids::StaffId;
use canvass_core::survey::Stratum;
use canvass_db::accounts;
use canvass_db::audit::{self, Action, Date, Filter};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use std::sync::Arc;

use canvass_core::analysis::{AnalysisQuery, Counting};
use canvass_core::survey::Survey;

use super::{
    AnalysisPage, AuditPage, AuditQuery, AuditRow, ExportItem, ExportsPage, Figures, FilterChoices,
    Gate, LinkRow, LinksPage, MonitorPage, QueryError, QuotaRow, Report, SignedIn, StaffError,
    StaffRole, TokenItem, TokensPage, UserRow, UsersPage, access,
};
use crate::backend::Backend;

/// The most audit entries one page lists.
pub const AUDIT_LIMIT: usize = 500;

fn status(code: http::StatusCode) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(code);
    }
}

/// The signed-in staff member if their role is one of `roles`; else why not, with the
/// page's status set (sign in: a redirect for a browser, else 401; 403 for a role that
/// may not).
pub fn me(roles: &[StaffRole]) -> Result<Gate<SignedIn>, ServerFnError> {
    let parts = use_context::<http::request::Parts>();
    let signed_in = parts
        .as_ref()
        .and_then(|parts| parts.extensions.get::<SignedIn>().cloned());
    Ok(match signed_in {
        None => {
            // A browser asking for a page is sent to sign in (the page's `<Redirect>`
            // makes it a 302); anything else gets 401.
            let page = parts.as_ref().is_some_and(|parts| {
                parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|accept| accept.contains("text/html"))
            });
            if !page {
                status(http::StatusCode::UNAUTHORIZED);
            }
            Gate::SignIn
        }
        Some(me) if !me.may(roles) => {
            status(http::StatusCode::FORBIDDEN);
            Gate::Forbidden
        }
        Some(me) => Gate::Ready(me),
    })
}

fn backend() -> Result<Backend, ServerFnError> {
    use_context::<Backend>().ok_or_else(|| ServerFnError::new("no backend in context"))
}

fn unavailable(error: impl std::fmt::Display) -> ServerFnError {
    tracing::error!(%error, "a staff page could not be loaded");
    ServerFnError::new("unavailable")
}

async fn user_rows(backend: &Backend) -> Result<Vec<UserRow>, ServerFnError> {
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let accounts = accounts::list(&mut conn).await.map_err(unavailable)?;
    Ok(accounts
        .into_iter()
        .map(|a| UserRow {
            id: a.id,
            name: a.display_name,
            email: a.email.as_str().to_owned(),
            role: a.role,
            active: a.active,
        })
        .collect())
}

pub async fn users() -> Result<Gate<UsersPage>, ServerFnError> {
    let me = match me(access::ADMIN)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let users = user_rows(&backend()?).await?;
    Ok(Gate::Ready(UsersPage { me, users }))
}

/// `/staff/tokens` (admins): every API token, newest first.
pub async fn tokens() -> Result<Gate<TokensPage>, ServerFnError> {
    let me = match me(access::ADMIN)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let tokens = canvass_db::tokens::list(&mut conn)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(|t| TokenItem {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_by: t.created_by,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            survey: t.survey,
            may_stats: t.uses.stats,
            may_analysis: t.uses.analysis,
            may_export: t.uses.export,
            expires_at: t.expires_at,
            expired: t.expired,
            creator_inactive: t.creator_inactive,
        })
        .collect();
    let surveys = canvass_db::surveys::slugs(&mut conn)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(|(_, slug)| slug)
        .collect();
    Ok(Gate::Ready(TokensPage {
        me,
        tokens,
        surveys,
        lifetimes: canvass_db::tokens::Lifetime::CHOICES.to_vec(),
        default_lifetime: canvass_db::tokens::Lifetime::DEFAULT.days(),
    }))
}

/// An empty form field counts as not filled in.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The filter typed into the audit page, or the fields that could not be read.
pub fn audit_filter(query: &AuditQuery) -> Result<Filter, Vec<(String, StaffError)>> {
    let mut errors = Vec::new();
    let mut filter = Filter::default();
    if let Some(user) = filled(&query.user) {
        match user.parse::<StaffId>() {
            Ok(id) => filter.user = Some(id),
            Err(_) => errors.push(("user".to_owned(), StaffError::NoSuchUser)),
        }
    }
    if let Some(action) = filled(&query.action) {
        match Action::parse(action) {
            Some(action) => filter.action = Some(action),
            None => errors.push(("action".to_owned(), StaffError::NotAnAction)),
        }
    }
    for (field, value, slot) in [
        ("from", &query.from, &mut filter.from),
        ("to", &query.to, &mut filter.to),
    ] {
        if let Some(day) = filled(value) {
            match Date::parse(day) {
                Some(day) => *slot = Some(day),
                None => errors.push((field.to_owned(), StaffError::NotADay)),
            }
        }
    }
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(errors)
    }
}

pub async fn audit(query: AuditQuery) -> Result<Gate<AuditPage>, ServerFnError> {
    let me = match me(access::ADMIN)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let backend = backend()?;
    let users = user_rows(&backend).await?;
    let actions = Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
    let (entries, errors) = match audit_filter(&query) {
        Ok(filter) => {
            let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
            let limit = i64::try_from(AUDIT_LIMIT).unwrap_or(i64::MAX);
            let shown = audit::list(&mut conn, &filter, limit)
                .await
                .map_err(unavailable)?;
            let rows = shown
                .into_iter()
                .map(|e| AuditRow {
                    at: e.at,
                    actor: e.actor,
                    action: e.action.as_str().to_owned(),
                    target: e.target,
                    detail: e.detail,
                })
                .collect();
            (rows, Vec::new())
        }
        Err(errors) => {
            status(http::StatusCode::UNPROCESSABLE_ENTITY);
            (Vec::new(), errors)
        }
    };
    Ok(Gate::Ready(AuditPage {
        me,
        query,
        errors,
        users,
        actions,
        entries,
        limit: AUDIT_LIMIT,
    }))
}

/// The absolute address of `path` on this site, as a poster prints it.
pub fn absolute(path: &str) -> String {
    let public = use_context::<PublicOrigin>().and_then(|o| o.0);
    let headers = use_context::<http::request::Parts>()
        .map(|parts| parts.headers)
        .unwrap_or_default();
    format!("{}{path}", site_origin(public.as_deref(), &headers))
}

/// This site's origin as a poster prints it: the configured public origin, else the host
/// the request was sent to. One definition for the links page and the links' QR codes.
pub fn site_origin(public_origin: Option<&str>, headers: &http::HeaderMap) -> String {
    if let Some(origin) = public_origin {
        return origin.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    format!("http://{host}")
}

/// The site's configured public origin (`https://survey.example.org`), provided by the
/// server to every render.
#[derive(Debug, Clone, Default)]
pub struct PublicOrigin(pub Option<String>);

fn choice_texts(
    survey: &canvass_core::survey::Survey,
    stratum: Stratum,
) -> Vec<(String, canvass_core::survey::Text)> {
    survey
        .stratum_choices(stratum)
        .iter()
        .map(|c| (c.code.to_string(), c.label.clone()))
        .collect()
}

pub async fn links(slug: String) -> Result<Gate<Option<LinksPage>>, ServerFnError> {
    let me = match me(access::ADMIN)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let Some((survey_id, survey)) = backend
        .catalog
        .latest(&mut conn, &slug)
        .await
        .map_err(unavailable)?
    else {
        status(http::StatusCode::NOT_FOUND);
        return Ok(Gate::Ready(None));
    };
    let roles = choice_texts(&survey, Stratum::Role);
    let provinces = choice_texts(&survey, Stratum::Province);
    let label = |choices: &[(String, canvass_core::survey::Text)], code: Option<String>| {
        code.map(|code| {
            choices
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| canvass_core::survey::Text::same(&code))
        })
    };
    let quotas = canvass_db::quotas::for_survey(&mut conn, survey_id, &survey.strata)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(|q| QuotaRow {
            full: q.full(),
            id: q.id,
            role: label(&roles, q.role),
            province: label(&provinces, q.province),
            cap: q.cap,
            completed: q.completed,
        })
        .collect();
    let invitations = canvass_db::invitations::counts(&mut conn, survey_id)
        .await
        .map_err(unavailable)?;
    let links = canvass_db::links::for_survey(&mut conn, survey_id)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            url: absolute(&format!("/l/{}", l.code.as_str())),
            code: l.code.as_str().to_owned(),
            name: l.name,
            channel: l.channel,
            fixed_role: label(&roles, l.fixed_role),
            fixed_province: label(&provinces, l.fixed_province),
            target: l.target,
            open: l.open,
            opens: l.opens,
        })
        .collect();
    Ok(Gate::Ready(Some(LinksPage {
        me,
        slug,
        title: survey.title.clone(),
        links,
        roles,
        provinces,
        quotas,
        invited: invitations.invited,
        invitations_used: invitations.used,
    })))
}

/// The breakdown questions of `survey`, each with its choices.
fn filter_choices(survey: &canvass_core::survey::Survey) -> Vec<FilterChoices> {
    survey
        .breakdowns
        .iter()
        .filter_map(|q| survey.question(q.as_str()))
        .map(|q| FilterChoices {
            question: q.id.to_string(),
            label: q.label.clone(),
            choices: match &q.kind {
                canvass_core::survey::QuestionKind::SingleChoice { choices, .. } => choices
                    .iter()
                    .map(|c| (c.code.to_string(), c.label.clone()))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect()
}

/// The export page (admins and analysts): the form and the survey's newest exports (an
/// analyst does not see an admin's exports with free text).
pub async fn exports(slug: String) -> Result<Gate<Option<ExportsPage>>, ServerFnError> {
    let me = match me(access::ANALYSIS)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let backend = backend()?;
    let mut conn = backend.pool.acquire().await.map_err(unavailable)?;
    let Some((survey_id, survey)) = backend
        .catalog
        .latest(&mut conn, &slug)
        .await
        .map_err(unavailable)?
    else {
        status(http::StatusCode::NOT_FOUND);
        return Ok(Gate::Ready(None));
    };
    let admin = me.role == StaffRole::Admin;
    let minute = canvass_db::exports::minute;
    let jobs = canvass_db::exports::list(&mut conn, survey_id, 50)
        .await
        .map_err(unavailable)?
        .into_iter()
        .filter(|job| admin || !job.admins_only)
        .map(|job| ExportItem {
            preview: job
                .settings
                .iter()
                .any(|(name, value)| name == "preview" && value == "true"),
            id: job.id,
            state: job.state.as_str().to_owned(),
            rows_written: job.rows_written,
            rows_total: job.rows_total,
            requested_by: job.requester_name,
            created_at: minute(job.created_at),
            expires_at: job.expires_at.map(minute),
            size_bytes: job.size_bytes,
            settings: job.settings,
            admins_only: job.admins_only,
            error: job.error,
            anonymity: job.anonymity,
        })
        .collect();
    let sensitive = survey
        .sensitive
        .iter()
        .filter_map(|q| survey.question(q.as_str()))
        .map(|q| (q.id.to_string(), q.label.clone()))
        .collect();
    Ok(Gate::Ready(Some(ExportsPage {
        me,
        slug,
        title: survey.title.clone(),
        filters: filter_choices(&survey),
        sensitive,
        jobs,
    })))
}

/// The monitoring dashboard (every staff role).
pub async fn monitor(slug: String) -> Result<Gate<Option<MonitorPage>>, ServerFnError> {
    let me = match me(access::STAFF)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let backend = backend()?;
    let figures = figures(&backend, &slug).await.map_err(unavailable)?;
    if figures.is_none() {
        status(http::StatusCode::NOT_FOUND);
    }
    Ok(Gate::Ready(
        figures.map(|figures| MonitorPage { me, figures }),
    ))
}

/// The analysis page (every staff role): the report for the page's own query string. A
/// refused query is a 400 page naming the parameter.
pub async fn analysis(slug: String) -> Result<Gate<Option<AnalysisPage>>, ServerFnError> {
    let me = match me(access::STAFF)? {
        Gate::Ready(me) => me,
        Gate::SignIn => return Ok(Gate::SignIn),
        Gate::Forbidden => return Ok(Gate::Forbidden),
    };
    let query = use_context::<http::request::Parts>()
        .and_then(|parts| parts.uri.query().map(str::to_owned))
        .unwrap_or_default();
    let backend = backend()?;
    let Some((survey, outcome)) = analysis_report(&backend, &slug, &query)
        .await
        .map_err(unavailable)?
    else {
        status(http::StatusCode::NOT_FOUND);
        return Ok(Gate::Ready(None));
    };
    if outcome.is_err() {
        status(http::StatusCode::BAD_REQUEST);
    }
    let filters = filter_choices(&survey);
    Ok(Gate::Ready(Some(AnalysisPage {
        me,
        slug,
        title: survey.title.clone(),
        query,
        filters,
        outcome,
    })))
}

/// A survey's analysis report for `query` (a query string), or why the query was refused
/// (read before any count is); `None` for no such survey.
pub async fn analysis_report(
    backend: &Backend,
    slug: &str,
    query: &str,
) -> Result<
    Option<(Arc<Survey>, Result<Report, QueryError>)>,
    Box<dyn std::error::Error + Send + Sync>,
> {
    let mut conn = backend.pool.acquire().await?;
    let Some((survey_id, survey)) = backend.catalog.latest(&mut conn, slug).await? else {
        return Ok(None);
    };
    let query = match AnalysisQuery::parse(&survey, query) {
        Ok(query) => query,
        Err(refused) => return Ok(Some((survey, Err(refused)))),
    };
    let cells = canvass_db::analysis::cells(
        &mut conn,
        &backend.catalog,
        survey_id,
        &survey,
        query.responses == Counting::CompletedAndPartial,
    )
    .await?;
    let report = canvass_core::analysis::report(&survey, &cells, &query);
    Ok(Some((survey, Ok(report))))
}

/// A survey's monitoring figures, from one snapshot of its maintained counts; `None` for
/// no such survey.
pub async fn figures(
    backend: &Backend,
    slug: &str,
) -> Result<Option<Figures>, Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = backend.pool.acquire().await?;
    let Some((survey_id, survey)) = backend.catalog.latest(&mut conn, slug).await? else {
        return Ok(None);
    };
    let counts = canvass_db::monitor::snapshot(&mut conn, survey_id, &survey).await?;
    Ok(Some(Figures::from_counts(slug, &survey, counts)))
}
