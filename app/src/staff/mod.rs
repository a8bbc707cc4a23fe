//! The staff side's shared types and the server functions its pages load with. Who may
//! see what is decided on the server, here ([`access`]) and in the server's `Staff<…>`
//! extractor for posts; a page only hides what it would be refused anyway.

#[cfg(feature = "ssr")]
pub mod backend;

pub use canvass_core::analysis::{QueryError, Report};
pub use canvass_core::ids::{ExportId, LinkId, QuotaId, StaffId, TokenId};
pub use canvass_core::monitor::{
    Breakdown, BreakdownRow, Figures, InvitationFigures, LinkFigures, Period, SectionFigures,
};
pub use canvass_core::staff::{StaffError, StaffRole, access};
use canvass_core::survey::Text;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The staff member a request comes from, put into the request by the server's session
/// middleware once the session, the account and its epoch check out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub id: StaffId,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
}

impl SignedIn {
    pub fn may(&self, roles: &[StaffRole]) -> bool {
        roles.contains(&self.role)
    }
}

/// A staff page's data, or why it is not shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Gate<T> {
    Ready(T),
    /// Nobody is signed in: the page sends them to sign in.
    SignIn,
    /// Signed in, with a role that may not see this page (403).
    Forbidden,
}

/// A staff form that failed, rendered again (server side) with what was typed and why.
/// Password fields are never sent back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffPosted {
    /// The form's name (`sign_in`, `create_user`, `password`, `user_{id}`).
    pub form: String,
    pub fields: Vec<(String, String)>,
    pub errors: Vec<(String, StaffError)>,
}

impl StaffPosted {
    /// What was typed into `field` of `form`, if this failed post is of `form`.
    pub fn value(&self, form: &str, field: &str) -> Option<String> {
        (self.form == form)
            .then(|| self.fields.iter().find(|(k, _)| k == field))
            .flatten()
            .map(|(_, v)| v.clone())
    }

    pub fn error(&self, form: &str, field: &str) -> Option<StaffError> {
        (self.form == form)
            .then(|| self.errors.iter().find(|(k, _)| k == field))
            .flatten()
            .map(|(_, e)| *e)
    }
}

/// One account in the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: StaffId,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
    pub active: bool,
}

/// `/staff/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub me: SignedIn,
    pub users: Vec<UserRow>,
}

/// One API token in the admin list: never the token itself, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenItem {
    pub id: TokenId,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The one survey it reads (its slug); `None`: every survey.
    pub survey: Option<String>,
    /// It may read the response figures (`/stats`).
    pub may_stats: bool,
    /// It may read the findings (`/analysis`).
    pub may_analysis: bool,
    /// It may start and download dataset exports.
    pub may_export: bool,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub expires_at: String,
    pub expired: bool,
    /// The account that made it is deactivated, so it no longer works.
    pub creator_inactive: bool,
}

/// `/staff/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub me: SignedIn,
    pub tokens: Vec<TokenItem>,
    /// The surveys a new token can be for, by slug.
    pub surveys: Vec<String>,
    /// The lifetimes offered, in days, and the one chosen by default.
    pub lifetimes: Vec<u16>,
    pub default_lifetime: u16,
}

/// A token just made, shown once: put in context (server side only) when the page answers
/// the post that made it. It is never stored, nor sent again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub token: String,
}

/// One audit entry, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

/// The audit page's filter, as typed (kept in the form when refused).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `/staff/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub me: SignedIn,
    pub query: AuditQuery,
    /// Filter fields that could not be read, with why (nothing is listed then).
    pub errors: Vec<(String, StaffError)>,
    pub users: Vec<UserRow>,
    pub actions: Vec<String>,
    pub entries: Vec<AuditRow>,
    /// The list stops at this many entries.
    pub limit: usize,
}

/// One distribution link, as the links page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRow {
    pub id: LinkId,
    pub code: String,
    pub name: String,
    pub channel: String,
    /// The fixed role's and province's labels, if any.
    pub fixed_role: Option<Text>,
    pub fixed_province: Option<Text>,
    pub target: Option<i32>,
    pub open: bool,
    pub opens: i64,
    /// The whole address, as printed on a poster.
    pub url: String,
}

/// `/staff/surveys/{slug}/links`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinksPage {
    pub me: SignedIn,
    pub slug: String,
    pub title: Text,
    pub links: Vec<LinkRow>,
    /// The choices a link may fix (and a quota name): code and label.
    pub roles: Vec<(String, Text)>,
    pub provinces: Vec<(String, Text)>,
    pub quotas: Vec<QuotaRow>,
    /// Invitations made, and how many began a response.
    pub invited: i64,
    pub invitations_used: i64,
}

/// One quota on the links page: its cell, its cap and how many completed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaRow {
    pub id: QuotaId,
    pub role: Option<Text>,
    pub province: Option<Text>,
    pub cap: i32,
    /// Completed responses in the cell, counted no further than `cap`.
    pub completed: i64,
    pub full: bool,
}

/// `/monitor/{slug}`: who is looking, and the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorPage {
    pub me: SignedIn,
    pub figures: Figures,
}

/// One breakdown question the analysis page filters by, with its choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub question: String,
    pub label: Text,
    pub choices: Vec<(String, Text)>,
}

/// `/analysis/{slug}`: who is looking, the filters the survey offers, and the report (or
/// why the query was refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisPage {
    pub me: SignedIn,
    pub slug: String,
    pub title: Text,
    /// The query string the page was asked with (for its links and live refresh).
    pub query: String,
    pub filters: Vec<FilterChoices>,
    pub outcome: Result<Report, QueryError>,
}

/// One export job, as the export page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportItem {
    pub id: canvass_core::ids::ExportId,
    /// `queued`, `running`, `done`, `failed`, `cancelled` or `expired`.
    pub state: String,
    pub rows_written: i64,
    pub rows_total: Option<i64>,
    pub requested_by: String,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub created_at: String,
    pub expires_at: Option<String>,
    pub size_bytes: Option<i64>,
    /// The settings, as `name=value` fields.
    pub settings: Vec<(String, String)>,
    pub admins_only: bool,
    pub error: Option<String>,
    /// What the anonymization did, once done (none for an identifiable export).
    pub anonymity: Option<canvass_core::export::anon::risk::Summary>,
    /// A preview run: the risk report alone, nothing to download.
    pub preview: bool,
}

impl ExportItem {
    pub fn pending(&self) -> bool {
        matches!(self.state.as_str(), "queued" | "running")
    }
}

/// `/staff/surveys/{slug}/exports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportsPage {
    pub me: SignedIn,
    pub slug: String,
    pub title: Text,
    /// The breakdown questions an export may be kept to one choice of.
    pub filters: Vec<FilterChoices>,
    /// The sensitive attributes an export may keep ℓ-diverse: question and label.
    pub sensitive: Vec<(String, Text)>,
    pub jobs: Vec<ExportItem>,
}

/// Rows written as a percentage of the total, once the total is known (100 for none).
pub fn export_percent(written: i64, total: Option<i64>) -> Option<f64> {
    total.map(|total| {
        if total <= 0 {
            100.0
        } else {
            (written as f64 / total as f64 * 100.0).clamp(0.0, 100.0)
        }
    })
}

/// Where the staff pages live.
pub mod paths {
    use super::{LinkId, QuotaId, StaffId, TokenId};

    pub const HOME: &str = "/staff";
    pub const SIGN_IN: &str = "/staff/sign-in";
    pub const SIGN_OUT: &str = "/staff/sign-out";
    pub const PASSWORD: &str = "/staff/password";
    pub const USERS: &str = "/staff/users";
    pub const AUDIT: &str = "/staff/audit";
    pub const TOKENS: &str = "/staff/tokens";

    pub fn token(id: TokenId) -> String {
        format!("/staff/tokens/{id}")
    }

    pub fn user(id: StaffId) -> String {
        format!("/staff/users/{id}")
    }

    pub fn links(slug: &str) -> String {
        format!("/staff/surveys/{slug}/links")
    }

    pub fn link(id: LinkId) -> String {
        format!("/staff/links/{id}")
    }

    pub fn quotas(slug: &str) -> String {
        format!("/staff/surveys/{slug}/quotas")
    }

    pub fn invitations(slug: &str) -> String {
        format!("/staff/surveys/{slug}/invitations")
    }

    /// The invitee list with e-mail addresses and progress, as CSV (admins only).
    pub fn invitees(slug: &str) -> String {
        format!("/staff/surveys/{slug}/invitees.csv")
    }

    pub fn quota(id: QuotaId) -> String {
        format!("/staff/quotas/{id}")
    }

    pub fn link_qr(id: LinkId) -> String {
        format!("/staff/links/{id}/qr.svg")
    }

    pub fn monitor(slug: &str) -> String {
        format!("/monitor/{slug}")
    }

    pub fn analysis(slug: &str) -> String {
        format!("/analysis/{slug}")
    }

    /// The analysis page's figures as JSON.
    pub fn analysis_api(slug: &str) -> String {
        format!("/api/v1/surveys/{slug}/analysis")
    }

    /// The export page, whose form posts here too.
    pub fn exports(slug: &str) -> String {
        format!("/staff/surveys/{slug}/exports")
    }

    pub fn export_cancel(slug: &str, id: super::ExportId) -> String {
        format!("/staff/surveys/{slug}/exports/{id}/cancel")
    }

    /// An export job as JSON (its state and progress).
    pub fn export_api(slug: &str, id: super::ExportId) -> String {
        format!("/api/v1/surveys/{slug}/exports/{id}")
    }

    /// The finished zip.
    pub fn export_risk(slug: &str, id: super::ExportId) -> String {
        format!("/api/v1/surveys/{slug}/exports/{id}/risk")
    }

    pub fn export_download(slug: &str, id: super::ExportId) -> String {
        format!("/api/v1/surveys/{slug}/exports/{id}/download")
    }

    pub fn monitor_events(slug: &str) -> String {
        format!("/monitor/{slug}/events")
    }

    /// The survey whose links the staff pages show by default.
    pub const DEFAULT_SURVEY: &str = "ai-collab";
}

// Fixed endpoints (`/api/staff_me`…), so the access tests can call them over HTTP too.
#[server(endpoint = "staff_me")]
pub async fn load_me() -> Result<Gate<SignedIn>, ServerFnError> {
    backend::me(access::STAFF)
}

#[server(endpoint = "staff_users")]
pub async fn load_users() -> Result<Gate<UsersPage>, ServerFnError> {
    backend::users().await
}

#[server(endpoint = "staff_links")]
pub async fn load_links(slug: String) -> Result<Gate<Option<LinksPage>>, ServerFnError> {
    backend::links(slug).await
}

#[server(endpoint = "staff_monitor")]
pub async fn load_monitor(slug: String) -> Result<Gate<Option<MonitorPage>>, ServerFnError> {
    backend::monitor(slug).await
}

#[server(endpoint = "staff_analysis")]
pub async fn load_analysis(slug: String) -> Result<Gate<Option<AnalysisPage>>, ServerFnError> {
    backend::analysis(slug).await
}

#[server(endpoint = "staff_exports")]
pub async fn load_exports(slug: String) -> Result<Gate<Option<ExportsPage>>, ServerFnError> {
    backend::exports(slug).await
}

#[server(endpoint = "staff_tokens")]
pub async fn load_tokens() -> Result<Gate<TokensPage>, ServerFnError> {
    backend::tokens().await
}

#[server(endpoint = "staff_audit")]
pub async fn load_audit(query: AuditQuery) -> Result<Gate<AuditPage>, ServerFnError> {
    backend::audit(query).await
}
