//! The server side of the staff pages: who is signed in, whether their role may see the
//! page, and the page's data. Compiled only with `ssr`.

use canvass_db::accounts::{self, Role};
use canvass_db::audit::{self, Action, Date, Filter};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::{
    AuditPage, AuditQuery, AuditRow, Breakdown, BreakdownRow, Figures, Gate, LinkFigures, LinkRow,
    LinksPage, MonitorPage, QuotaRow, SectionFigures, SignedIn, StaffError, StaffRole, TokenItem,
    TokensPage, UserRow, UsersPage, access,
};
use crate::backend::Backend;

/// The most audit entries one page lists.
pub const AUDIT_LIMIT: usize = 500;

pub fn role_of(role: Role) -> StaffRole {
    match role {
        Role::Admin => StaffRole::Admin,
        Role::Analyst => StaffRole::Analyst,
        Role::Viewer => StaffRole::Viewer,
    }
}

pub fn db_role(role: StaffRole) -> Role {
    match role {
        StaffRole::Admin => Role::Admin,
        StaffRole::Analyst => Role::Analyst,
        StaffRole::Viewer => Role::Viewer,
    }
}

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
            role: role_of(a.role),
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
        })
        .collect();
    Ok(Gate::Ready(TokensPage { me, tokens }))
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
        match user.parse::<i64>() {
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
    question: &str,
) -> Vec<(String, canvass_core::survey::Text)> {
    survey
        .question(question)
        .into_iter()
        .flat_map(|q| match &q.kind {
            canvass_core::survey::QuestionKind::SingleChoice { choices, .. } => choices.as_slice(),
            _ => &[],
        })
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
    let roles = choice_texts(&survey, "role");
    let provinces = choice_texts(&survey, "province");
    let label = |choices: &[(String, canvass_core::survey::Text)], code: Option<String>| {
        code.map(|code| {
            choices
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| canvass_core::survey::Text::same(&code))
        })
    };
    let quotas = canvass_db::quotas::for_survey(&mut conn, survey_id)
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

/// A survey's monitoring figures, from its responses and links; `None` for no such survey.
pub async fn figures(
    backend: &Backend,
    slug: &str,
) -> Result<Option<Figures>, Box<dyn std::error::Error + Send + Sync>> {
    use canvass_core::monitor::Funnel;
    use canvass_db::responses::Status;

    let mut conn = backend.pool.acquire().await?;
    let Some((survey_id, survey)) = backend.catalog.latest(&mut conn, slug).await? else {
        return Ok(None);
    };
    let tallies = canvass_db::monitor::tallies(&mut conn, survey_id).await?;
    let links = canvass_db::links::for_survey(&mut conn, survey_id).await?;
    let minutes = canvass_db::monitor::completion_minutes(&mut conn, survey_id).await?;
    let dimensions: Vec<String> = survey.breakdowns.iter().map(ToString::to_string).collect();
    let choices = canvass_db::monitor::choice_tallies(&mut conn, survey_id, &dimensions).await?;
    let zone = survey.time_zone.as_str();
    let per_day = canvass_db::monitor::per_day(&mut conn, survey_id, zone).await?;
    let today = canvass_db::monitor::today_by_hour(&mut conn, survey_id, zone).await?;
    let flagged =
        canvass_db::monitor::flagged(&mut conn, survey_id, canvass_db::monitor::Flag::SameBrowser)
            .await?;
    let invited =
        canvass_db::monitor::flagged(&mut conn, survey_id, canvass_db::monitor::Flag::Invited)
            .await?;
    let invitations = canvass_db::invitations::counts(&mut conn, survey_id).await?;
    let direct_opens = canvass_db::monitor::direct_opens(&mut conn, survey_id).await?;
    drop(conn);
    let flagged_with = |keep: &dyn Fn(Status) -> bool| -> u64 {
        flagged
            .iter()
            .filter(|(status, _)| keep(*status))
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum()
    };
    let periods = |rows: Vec<canvass_db::monitor::Period>| -> Vec<super::Period> {
        rows.into_iter()
            .map(|p| super::Period {
                label: p.label,
                started: u64::try_from(p.started).unwrap_or(0),
                completed: u64::try_from(p.completed).unwrap_or(0),
            })
            .collect()
    };
    let breakdowns = dimensions
        .iter()
        .filter_map(|id| {
            let question = survey.question(id)?;
            let rows = choice_texts(&survey, id)
                .into_iter()
                .map(|(code, label)| {
                    let n = |completed_only: bool| -> u64 {
                        choices
                            .iter()
                            .filter(|c| c.question == *id && c.code == code)
                            .filter(|c| !completed_only || c.status == Status::Completed)
                            .map(|c| u64::try_from(c.n).unwrap_or(0))
                            .sum()
                    };
                    BreakdownRow {
                        began: n(false),
                        completed: n(true),
                        code,
                        label,
                    }
                })
                .collect();
            Some(Breakdown {
                question: id.clone(),
                label: question.label.clone(),
                rows,
            })
        })
        .collect();
    let link_opens: u64 = links
        .iter()
        .map(|l| u64::try_from(l.opens).unwrap_or(0))
        .sum();
    let count = |keep: &dyn Fn(&canvass_db::monitor::Tally) -> bool| -> u64 {
        tallies
            .iter()
            .filter(|t| keep(t))
            .map(|t| u64::try_from(t.n).unwrap_or(0))
            .sum()
    };
    let started = count(&|_| true);
    let refused = count(&|t| t.status == Status::Refused);
    let funnel = Funnel {
        opened: link_opens + u64::try_from(direct_opens).unwrap_or(0),
        started,
        consented: started - refused,
        refused,
        screened_out: count(&|t| t.status == Status::ScreenedOut),
        quota_full: count(&|t| t.status == Status::QuotaFull),
        completed: count(&|t| t.status == Status::Completed),
    };
    let position = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| survey.sections.iter().position(|s| s.id.as_str() == id))
    };
    let sections = survey
        .sections
        .iter()
        .enumerate()
        .map(|(i, section)| SectionFigures {
            title: section.title.clone(),
            reached: count(&|t| position(&t.last_section).is_some_and(|p| p >= i)),
            stopped: count(&|t| {
                t.status == Status::InProgress && position(&t.last_section) == Some(i)
            }),
        })
        .collect();
    let links = links
        .into_iter()
        .map(|l| LinkFigures {
            started: count(&|t| t.link_id == Some(l.id)),
            completed: count(&|t| t.link_id == Some(l.id) && t.status == Status::Completed),
            name: l.name,
            channel: l.channel,
            open: l.open,
            opens: u64::try_from(l.opens).unwrap_or(0),
            target: l.target.and_then(|t| u64::try_from(t).ok()),
        })
        .collect();
    Ok(Some(Figures {
        slug: slug.to_owned(),
        title: survey.title.clone(),
        funnel,
        sections,
        links,
        direct_started: count(&|t| t.link_id.is_none()),
        direct_opens: u64::try_from(direct_opens).unwrap_or(0),
        breakdowns,
        median_minutes: canvass_core::monitor::histogram_median(&minutes)
            .map(|m| (m * 10.0).round() / 10.0),
        time_zone: zone.to_owned(),
        per_day: periods(per_day),
        today: periods(today),
        same_browser: flagged_with(&|_| true),
        same_browser_completed: flagged_with(&|s| s == Status::Completed),
        speeders: canvass_core::monitor::speeders(&minutes),
        invitations: (invitations.invited > 0).then(|| {
            let n = |keep: &dyn Fn(Status) -> bool| -> u64 {
                invited
                    .iter()
                    .filter(|(status, _)| keep(*status))
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .sum()
            };
            let started = n(&|_| true);
            let refused = n(&|s| s == Status::Refused);
            let funnel = Funnel {
                opened: 0,
                started,
                consented: started - refused,
                refused,
                screened_out: n(&|s| s == Status::ScreenedOut),
                quota_full: n(&|s| s == Status::QuotaFull),
                completed: n(&|s| s == Status::Completed),
            };
            let invited = u64::try_from(invitations.invited).unwrap_or(0);
            super::InvitationFigures {
                invited,
                began: started,
                completed: funnel.completed,
                rr1: funnel.rr1(invited),
                rr2: funnel.rr2(invited),
            }
        }),
    }))
}
