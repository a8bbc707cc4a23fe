//! Staff sign-in on the HTTP side: the session layer (tower-sessions, stored in PostgreSQL so
//! every instance shares them), the middleware that turns a session into a [`SignedIn`]
//! staff member, the [`Staff`] extractor that names in each handler's signature which roles
//! may call it, and the same-origin check that refuses cross-site posts (CSRF).

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use canvass_app::error_page::StaffRefusal;
use canvass_app::staff::{SignedIn, StaffRole, access};
use canvass_core::ids::StaffId;
use canvass_db::accounts::{self, PasswordHash};
use canvass_db::tokens::{Grant, Use};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::AppState;
use crate::error::{ApiError, AppError};

/// How staff sessions and sign-in behave (from the configuration).
#[derive(Debug, Clone)]
pub struct StaffSettings {
    /// Cookies only over HTTPS (`Secure`, and the session cookie gets the `__Host-` prefix).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not.
    pub max_lifetime: Duration,
    /// The site's public origin (`https://survey.example.org`). When unset, a post's
    /// `Origin` must name the host the request was sent to (its `Host` header).
    pub public_origin: Option<String>,
    /// A header holding the client's address, set by a reverse proxy in front (e.g.
    /// `X-Real-IP`). When unset, the TCP peer's address is used.
    pub client_ip_header: Option<header::HeaderName>,
    /// How often a long-lived response (a dashboard's event stream) checks that its session
    /// still stands; it ends at the first check that finds it gone.
    pub recheck_every: Duration,
}

impl Default for StaffSettings {
    fn default() -> Self {
        StaffSettings {
            secure_cookies: false,
            idle_timeout: Duration::from_secs(30 * 60),
            max_lifetime: Duration::from_secs(12 * 60 * 60),
            public_origin: None,
            client_ip_header: None,
            recheck_every: Duration::from_secs(60),
        }
    }
}

/// What staff sign-in shares across requests.
#[derive(Debug, Clone, Default)]
pub struct StaffState {
    pub settings: StaffSettings,
    /// A hash of no one's password, verified against when the e-mail is unknown.
    dummy_hash: Arc<OnceCell<PasswordHash>>,
    /// The bound on password hashes running at once, shared by this instance's requests.
    pub hashing: accounts::Hashing,
}

impl StaffState {
    pub fn new(settings: StaffSettings) -> StaffState {
        StaffState {
            settings,
            dummy_hash: Arc::default(),
            hashing: accounts::Hashing::default(),
        }
    }

    /// Computed once, on first use.
    pub async fn dummy_hash(&self) -> Result<PasswordHash, accounts::HashError> {
        self.dummy_hash
            .get_or_try_init(accounts::dummy_hash)
            .await
            .cloned()
    }
}

/// What a session stores: whose it is, the account's epoch then, and when they signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub user_id: StaffId,
    pub epoch: i32,
    /// Unix seconds.
    pub signed_in_at: i64,
}

/// The session key of [`StaffSession`].
pub const SESSION_KEY: &str = "staff";

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-canvass_staff"
    } else {
        "canvass_staff"
    }
}

/// The session layer: an HttpOnly, SameSite=Lax cookie for the whole site (`Secure` when
/// configured), an idle timeout renewed by each request, sessions stored in PostgreSQL.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<PostgresStore> {
    let settings = &state.staff.settings;
    let idle = time::Duration::try_from(settings.idle_timeout).unwrap_or(time::Duration::MINUTE);
    SessionManagerLayer::new(PostgresStore::new(state.pool.clone()))
        .with_name(session_cookie_name(settings.secure_cookies))
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle))
        // Saving on every request is what moves the idle deadline on.
        .with_always_save(true)
}

/// Deletes expired sessions every `every` until `stop` resolves.
pub async fn delete_expired_sessions(
    pool: canvass_db::PgPool,
    every: Duration,
    stop: impl Future<Output = ()>,
) {
    let store = PostgresStore::new(pool);
    let work = async {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::warn!(%error, "expired sessions could not be deleted");
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => tracing::debug!("the session cleanup stopped"),
    }
}

/// Paths where a staff session counts: the staff pages, and the server functions and API
/// they and later dashboards call.
pub fn in_staff_scope(path: &str) -> bool {
    path == "/staff"
        || path.starts_with("/staff/")
        || path.starts_with("/monitor/")
        || path.starts_with("/analysis/")
        || path.starts_with("/api/")
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Starts a session for `user_id` under a new session ID (the old one, which a third party
/// may have planted, is dropped).
pub async fn begin(session: &Session, user_id: StaffId, epoch: i32) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session
        .insert(
            SESSION_KEY,
            StaffSession {
                user_id,
                epoch,
                signed_in_at: now_secs(),
            },
        )
        .await?;
    Ok(())
}

/// Carries the session on under a new epoch (after the user changed their own password).
pub async fn renew_epoch(session: &Session, epoch: i32) -> Result<(), SessionError> {
    if let Some(mut data) = session.get::<StaffSession>(SESSION_KEY).await? {
        data.epoch = epoch;
        session.cycle_id().await?;
        session.insert(SESSION_KEY, data).await?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Database(#[from] canvass_db::Error),
}

/// Who the session belongs to, if it is still good: the account exists, is active, has the
/// same epoch as at sign-in, and the absolute lifetime has not run out. A session that is
/// not good any more is deleted.
async fn signed_in(state: &AppState, session: &Session) -> Result<Option<SignedIn>, SessionError> {
    let Some(data) = session.get::<StaffSession>(SESSION_KEY).await? else {
        return Ok(None);
    };
    let max = i64::try_from(state.staff.settings.max_lifetime.as_secs()).unwrap_or(i64::MAX);
    if now_secs().saturating_sub(data.signed_in_at) > max {
        session.flush().await?;
        return Ok(None);
    }
    let mut conn = state.pool.acquire().await?;
    match accounts::by_id(&mut conn, data.user_id).await? {
        Some(account) if account.active && account.session_epoch == data.epoch => {
            Ok(Some(SignedIn {
                id: account.id,
                name: account.display_name,
                email: account.email,
                role: account.role,
            }))
        }
        _ => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// Resolves when the session `id` no longer stands (signed out, expired, the account
/// deactivated or its password changed), checking every [`StaffSettings::recheck_every`].
/// A check that cannot reach the database changes nothing: the next one decides.
pub async fn session_ends(state: AppState, id: Option<tower_sessions::session::Id>) {
    let Some(id) = id else { return };
    let store = Arc::new(PostgresStore::new(state.pool.clone()));
    let every = state.staff.settings.recheck_every;
    loop {
        tokio::time::sleep(every).await;
        let session = Session::new(Some(id), store.clone(), None);
        match signed_in(&state, &session).await {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(error) => tracing::warn!(%error, "a session could not be checked again"),
        }
    }
}

/// Middleware: in the staff scope, puts the [`SignedIn`] staff member (if any) into the
/// request, for the [`Staff`] extractor and the staff pages' loaders.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    if in_staff_scope(request.uri().path()) {
        match signed_in(&state, &session).await {
            Ok(Some(me)) => {
                request.extensions_mut().insert(me);
            }
            Ok(None) => {}
            Err(error) => return AppError::unavailable(error).into_response(),
        }
    }
    next.run(request).await
}

/// The roles a [`Staff`] extractor lets through.
pub trait Roles {
    const ROLES: &'static [StaffRole];
}

/// Admins only: accounts, roles, the audit log.
pub struct Admin;
impl Roles for Admin {
    const ROLES: &'static [StaffRole] = access::ADMIN;
}

/// Admins and analysts: dashboards, anonymized exports.
pub struct Analysis;
impl Roles for Analysis {
    const ROLES: &'static [StaffRole] = access::ANALYSIS;
}

/// Any signed-in staff member.
pub struct AnyStaff;
impl Roles for AnyStaff {
    const ROLES: &'static [StaffRole] = access::STAFF;
}

/// A handler argument: the signed-in staff member, whose role is one of `R`'s. Nobody
/// signed in: a page goes to the sign-in page, an API client gets 401 (see
/// [`AppError::SignedOut`]). Another role: 403.
pub struct Staff<R: Roles>(pub SignedIn, pub PhantomData<R>);

impl<R: Roles, S: Send + Sync> FromRequestParts<S> for Staff<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<SignedIn>() {
            None => Err(AppError::SignedOut {
                api: is_api(parts.uri.path()),
            }),
            Some(me) if !me.may(R::ROLES) => Err(AppError::Forbidden(StaffRefusal::Forbidden)),
            Some(me) => Ok(Staff(me.clone(), PhantomData)),
        }
    }
}

/// Paths that programs call rather than people open: the API, and the dashboards' event
/// streams (an `EventSource` follows no redirect to a sign-in page).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || (path.starts_with("/monitor/") && path.ends_with("/events"))
}

/// Who reads survey figures over the API, for the use `U` ([`StatsUse`], [`AnalysisUse`],
/// [`ExportUse`]): a staff session (any role), or an API token sent as `Authorization:
/// Bearer cnv_…`. A request with that header is judged by its token alone: a malformed,
/// unknown, expired or revoked one, or one whose maker is deactivated, gets 401, whatever
/// session comes with it; a token for another survey (the route's `{slug}`) or another use
/// gets 403.
#[derive(Debug, Clone)]
pub enum Reader<U> {
    Staff(SignedIn, PhantomData<U>),
    Token(Grant),
}

/// What a [`Reader`] reads, as a token's use.
pub trait TokenUse {
    const USE: Use;
    /// The 403 answer to a token not granted this use.
    const REFUSED: &'static str;
}

/// The response figures: `/api/v1/surveys/{slug}/stats`.
pub struct StatsUse;
impl TokenUse for StatsUse {
    const USE: Use = Use::Stats;
    const REFUSED: &'static str = "this API token may not read the response figures";
}

/// The findings: `/api/v1/surveys/{slug}/analysis`.
pub struct AnalysisUse;
impl TokenUse for AnalysisUse {
    const USE: Use = Use::Analysis;
    const REFUSED: &'static str = "this API token may not read the findings";
}

/// Exports: `/api/v1/surveys/{slug}/exports…`.
pub struct ExportUse;
impl TokenUse for ExportUse {
    const USE: Use = Use::Export;
    const REFUSED: &'static str = "this API token may not export";
}

impl<U: TokenUse> FromRequestParts<AppState> for Reader<U> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            let Staff(me, _) = Staff::<AnyStaff>::from_request_parts(parts, state).await?;
            return Ok(Reader::Staff(me, PhantomData));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| canvass_db::tokens::ApiToken::parse(t.trim()))
            .ok_or(AppError::InvalidToken)?;
        let mut conn = state.pool.acquire().await?;
        let grant = canvass_db::tokens::authenticate(&mut conn, &token)
            .await?
            .ok_or(ApiError(AppError::InvalidToken))?;
        drop(conn);
        // Every route a token opens names its survey.
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::MALFORMED)?;
        let slug = params
            .iter()
            .find_map(|(name, value)| (name == "slug").then_some(value));
        if !slug.is_some_and(|slug| grant.reads(slug)) {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::FORBIDDEN,
                error: "this API token is for another survey",
            }));
        }
        if !grant.may(U::USE) {
            return Err(ApiError(AppError::Refused {
                status: StatusCode::FORBIDDEN,
                error: U::REFUSED,
            }));
        }
        Ok(Reader::Token(grant))
    }
}

pub fn see_other(path: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, path.to_owned())]).into_response()
}

/// Middleware (CSRF defence, with SameSite=Lax cookies): a state-changing request in the
/// staff scope must come from a page of this site, as its `Origin` header (or, without
/// one, its `Referer`) shows, or carry an API token. Anything else is refused with 403
/// before any handler runs.
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // An API request that carries a token is judged by the token alone (see [`Reader`]):
    // a browser adds no Bearer header to a cross-site request by itself.
    let token = request.uri().path().starts_with("/api/v1/")
        && request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
    if safe
        || token
        || !in_staff_scope(request.uri().path())
        || from_this_site(
            request.headers(),
            state.staff.settings.public_origin.as_deref(),
        )
    {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        return ApiError(CROSS_ORIGIN_API).into_response();
    }
    AppError::Forbidden(StaffRefusal::CrossOrigin).into_response()
}

/// An API post with neither a token nor this site's `Origin`: refused as JSON.
pub const CROSS_ORIGIN_API: AppError = AppError::Refused {
    status: StatusCode::FORBIDDEN,
    error: "a post with a staff session must come from this site (its Origin header); a program sends an API token",
};

/// Whether the request names this site as where it was sent from.
pub fn from_this_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let source = match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return false,
    };
    let Some((scheme, rest)) = source.split_once("://") else {
        return false; // `null`, or not a URL
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match public_origin {
        Some(origin) => origin.trim_end_matches('/') == format!("{scheme}://{authority}"),
        None => {
            matches!(scheme, "http" | "https")
                && text(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(authority))
        }
    }
}

/// The client's address as configured: a proxy's header, else the TCP peer.
pub fn client_address(
    parts: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
    settings: &StaffSettings,
) -> String {
    if let Some(name) = &settings.client_ip_header
        && let Some(value) = parts.get(name).and_then(|v| v.to_str().ok())
    {
        // A list (`X-Forwarded-For`): the last entry is the one our proxy added.
        if let Some(last) = value.rsplit(',').next() {
            return last.trim().to_owned();
        }
    }
    peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_post_from_a_page_of_this_site_is_from_this_site() {
        let same = headers(&[
            (header::HOST, "127.0.0.1:3000"),
            (header::ORIGIN, "http://127.0.0.1:3000"),
        ]);
        assert!(from_this_site(&same, None));
        let by_referer = headers(&[
            (header::HOST, "127.0.0.1:3000"),
            (header::REFERER, "http://127.0.0.1:3000/staff/users?done=1"),
        ]);
        assert!(from_this_site(&by_referer, None));
    }

    #[test]
    fn a_post_from_elsewhere_or_from_nowhere_is_not() {
        for pairs in [
            vec![
                (header::HOST, "127.0.0.1:3000"),
                (header::ORIGIN, "http://evil.example"),
            ],
            vec![(header::HOST, "127.0.0.1:3000"), (header::ORIGIN, "null")],
            vec![
                (header::HOST, "127.0.0.1:3000"),
                (header::ORIGIN, "http://127.0.0.1:3000.evil.example"),
            ],
            vec![
                (header::HOST, "127.0.0.1:3000"),
                (header::REFERER, "https://evil.example/127.0.0.1:3000"),
            ],
            vec![(header::HOST, "127.0.0.1:3000")],
            // The Origin wins over a Referer that looks right.
            vec![
                (header::HOST, "127.0.0.1:3000"),
                (header::ORIGIN, "http://evil.example"),
                (header::REFERER, "http://127.0.0.1:3000/staff"),
            ],
        ] {
            assert!(!from_this_site(&headers(&pairs), None), "{pairs:?}");
        }
    }

    #[test]
    fn with_a_public_origin_configured_only_that_origin_is_this_site() {
        let proxied = headers(&[
            (header::HOST, "10.0.0.5:3000"),
            (header::ORIGIN, "https://survey.example.org"),
        ]);
        assert!(from_this_site(
            &proxied,
            Some("https://survey.example.org/")
        ));
        assert!(!from_this_site(&proxied, Some("https://other.example.org")));
        let plain_http = headers(&[(header::ORIGIN, "http://survey.example.org")]);
        assert!(!from_this_site(
            &plain_http,
            Some("https://survey.example.org")
        ));
    }

    #[test]
    fn the_client_address_is_the_peer_unless_a_proxy_header_is_configured() {
        let peer = Some(std::net::SocketAddr::from(([192, 0, 2, 1], 5000)));
        let forwarded = headers(&[(
            header::HeaderName::from_static("x-forwarded-for"),
            "203.0.113.9, 198.51.100.2",
        )]);
        let plain = StaffSettings::default();
        assert_eq!(client_address(&forwarded, peer, &plain), "192.0.2.1");
        let proxied = StaffSettings {
            client_ip_header: Some(header::HeaderName::from_static("x-forwarded-for")),
            ..StaffSettings::default()
        };
        assert_eq!(client_address(&forwarded, peer, &proxied), "198.51.100.2");
        assert_eq!(client_address(&HeaderMap::new(), None, &plain), "unknown");
    }

    #[test]
    fn the_session_cookie_takes_the_host_prefix_when_secure() {
        assert_eq!(session_cookie_name(true), "__Host-canvass_staff");
        assert_eq!(session_cookie_name(false), "canvass_staff");
    }
}
