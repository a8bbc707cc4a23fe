//! The staff side's posts. Each handler names in its signature who may call it
//! ([`Staff`]`<Admin>`, `<AnyStaff>`); the same-origin check has already refused
//! cross-site posts. A refused form comes back as its page, rendered again with what was
//! typed (never a password) and each field's error; a done one is a 303.
//!
//! - `POST /staff/sign-in`, `POST /staff/sign-out`
//! - `POST /staff/password`: change one's own password
//! - `POST /staff/users`: create an account (admins)
//! - `POST /staff/users/{id}`: change its role, deactivate or reactivate it (admins)

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use canvass_app::api::Problem;
use canvass_app::staff::backend::{db_role, role_of};
use canvass_app::staff::{SignedIn, StaffError, StaffPosted, StaffRole, paths};
use canvass_core::answers::{RawAnswers, from_urlencoded};
use canvass_db::accounts::{
    self, ChangeError, CreateError, DisplayName, InputError, Password, StaffEmail,
};
use canvass_db::audit::{self, Action};
use canvass_db::throttle::{self, Attempt, Verdict};
use leptos::prelude::provide_context;
use tower_sessions::Session;

use super::respond::problem_page;
use crate::AppState;
use crate::staff::{self as auth, Admin, AnyStaff, Staff};

/// How long a throttled attempt is held before it is refused: slows a guessing script
/// down without costing the server CPU.
const THROTTLED_DELAY: Duration = Duration::from_secs(1);

/// A staff form's fields: the first value of each.
pub(crate) struct Fields(RawAnswers);

impl Fields {
    /// `None` for a body that is not a form (not UTF-8, far too many fields).
    pub(crate) fn parse(body: &[u8]) -> Option<Fields> {
        from_urlencoded(body).ok().map(Fields)
    }

    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|values| values.first())
            .map_or("", String::as_str)
    }

    /// What comes back into the form when it is refused: the named fields, never a password.
    pub(crate) fn kept(&self, names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|name| ((*name).to_owned(), self.get(name).to_owned()))
            .collect()
    }
}

/// The client's address, for sign-in throttling only (never logged or stored in the clear).
pub struct ClientAddress(String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        Ok(ClientAddress(auth::client_address(
            &parts.headers,
            peer,
            &state.staff.settings,
        )))
    }
}

fn input_error(error: InputError) -> StaffError {
    match error {
        InputError::NotAnEmail => StaffError::NotAnEmail,
        InputError::NameMissing => StaffError::NameMissing,
        InputError::NameTooLong { max } => StaffError::NameTooLong { max },
        InputError::PasswordTooShort { min } => StaffError::PasswordTooShort { min },
        InputError::PasswordTooLong { max } => StaffError::PasswordTooLong { max },
        InputError::PasswordIsEmail => StaffError::PasswordIsEmail,
    }
}

pub(crate) fn unavailable(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "a staff post could not be carried out");
    problem_page(Problem::Unavailable, None)
}

/// The page at `path` again, with this failed post of `form` in it.
pub(crate) async fn refused_form(
    state: &AppState,
    path: &str,
    headers: HeaderMap,
    me: Option<&SignedIn>,
    status: StatusCode,
    posted: StaffPosted,
) -> Response {
    let mut extensions = Extensions::new();
    if let Some(me) = me {
        extensions.insert(me.clone());
    }
    let uri = Uri::try_from(path).unwrap_or_default();
    crate::render::page(state, uri, headers, extensions, status, move || {
        provide_context(posted.clone())
    })
    .await
}

/// `POST /staff/sign-in`.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let attempt = Attempt {
        email: fields.get("email"),
        address: &address,
    };
    let refuse = |status, error| {
        let posted = StaffPosted {
            form: "sign_in".to_owned(),
            fields: fields.kept(&["email"]),
            errors: vec![("email".to_owned(), error)],
        };
        refused_form(
            &state,
            paths::SIGN_IN,
            headers.clone(),
            None,
            status,
            posted,
        )
    };
    match sign_in_checked(&state, &session, attempt, fields.get("password")).await {
        Ok(SignInResult::SignedIn) => auth::see_other(paths::HOME),
        Ok(SignInResult::Wrong) => {
            refuse(StatusCode::UNAUTHORIZED, StaffError::BadCredentials).await
        }
        Ok(SignInResult::Throttled(wait)) => {
            let minutes = wait.as_secs().div_ceil(60).max(1);
            let mut response = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                StaffError::Throttled { minutes },
            )
            .await;
            if let Ok(value) = HeaderValue::from_str(&wait.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(response) => response,
    }
}

enum SignInResult {
    SignedIn,
    Wrong,
    Throttled(Duration),
}

async fn sign_in_checked(
    state: &AppState,
    session: &Session,
    attempt: Attempt<'_>,
    password: &str,
) -> Result<SignInResult, Response> {
    let mut conn = state.pool.acquire().await.map_err(unavailable)?;
    if let Verdict::Refused { retry_after } = throttle::check(&mut conn, attempt)
        .await
        .map_err(unavailable)?
    {
        drop(conn);
        tokio::time::sleep(THROTTLED_DELAY).await;
        tracing::info!("a sign-in was refused: too many failures");
        return Ok(SignInResult::Throttled(retry_after));
    }
    let account = match StaffEmail::parse(attempt.email) {
        Ok(email) => accounts::by_email(&mut conn, &email)
            .await
            .map_err(unavailable)?,
        Err(_) => None,
    };
    // Verifying takes tens of milliseconds: not while holding a connection.
    drop(conn);
    // An unknown e-mail costs the same verification as a known one.
    let checked = match &account {
        Some(account) => accounts::verify(password, &account.password_hash).await,
        None => {
            let dummy = state.staff.dummy_hash().await.map_err(unavailable)?;
            accounts::verify(password, &dummy).await;
            false
        }
    };
    let mut tx = state.pool.begin().await.map_err(unavailable)?;
    let account = match account {
        Some(account) if checked && account.active => account,
        other => {
            throttle::record_failure(&mut tx, attempt)
                .await
                .map_err(unavailable)?;
            let target = other.map(|a| a.id);
            audit::record(&mut tx, None, Action::SignInFailed, target, None)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            tracing::info!("a sign-in failed");
            return Ok(SignInResult::Wrong);
        }
    };
    throttle::clear_account(&mut tx, &account.email)
        .await
        .map_err(unavailable)?;
    audit::record(
        &mut tx,
        Some(account.id),
        Action::SignIn,
        Some(account.id),
        None,
    )
    .await
    .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)?;
    auth::begin(session, account.id, account.session_epoch)
        .await
        .map_err(unavailable)?;
    tracing::info!(user = account.id, "a staff member signed in");
    Ok(SignInResult::SignedIn)
}

/// `POST /staff/sign-out`: the session is deleted from the store and its cookie removed.
pub async fn sign_out(
    State(state): State<AppState>,
    Staff(me, ..): Staff<AnyStaff>,
    session: Session,
) -> Response {
    let recorded = async {
        let mut conn = state.pool.acquire().await?;
        audit::record(&mut conn, Some(me.id), Action::SignOut, Some(me.id), None).await
    };
    if let Err(error) = recorded.await {
        return unavailable(error);
    }
    if let Err(error) = session.flush().await {
        return unavailable(error);
    }
    auth::see_other(paths::SIGN_IN)
}

/// `POST /staff/password`: the current password, then the new one twice.
pub async fn change_password(
    State(state): State<AppState>,
    Staff(me, ..): Staff<AnyStaff>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let mut errors = Vec::new();
    let email = StaffEmail::parse(&me.email);
    let new = match email.map(|email| Password::parse(fields.get("new"), &email)) {
        Ok(Ok(password)) => Some(password),
        Ok(Err(error)) => {
            errors.push(("new".to_owned(), input_error(error)));
            None
        }
        Err(error) => return unavailable(error),
    };
    if fields.get("new") != fields.get("confirm") {
        errors.push(("confirm".to_owned(), StaffError::PasswordsDiffer));
    }
    let current = {
        let Ok(mut conn) = state.pool.acquire().await else {
            return problem_page(Problem::Unavailable, None);
        };
        match accounts::password_hash(&mut conn, me.id).await {
            Ok(Some(hash)) => hash,
            Ok(None) => return auth::see_other(paths::SIGN_IN),
            Err(error) => return unavailable(error),
        }
    };
    if !accounts::verify(fields.get("current"), &current).await {
        errors.insert(0, ("current".to_owned(), StaffError::WrongPassword));
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let posted = StaffPosted {
            form: "password".to_owned(),
            fields: Vec::new(),
            errors,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refused_form(&state, paths::PASSWORD, headers, Some(&me), status, posted).await;
    };
    let hash = match accounts::hash(&new).await {
        Ok(hash) => hash,
        Err(error) => return unavailable(error),
    };
    let changed = async {
        let mut tx = state.pool.begin().await?;
        let epoch = accounts::set_password(&mut tx, me.id, &hash).await?;
        audit::record(
            &mut tx,
            Some(me.id),
            Action::PasswordChanged,
            Some(me.id),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, ChangeError>(epoch)
    };
    match changed.await {
        Ok(epoch) => match auth::renew_epoch(&session, epoch).await {
            Ok(()) => auth::see_other(&format!("{}?done=1", paths::PASSWORD)),
            Err(error) => unavailable(error),
        },
        Err(error) => unavailable(error),
    }
}

/// `POST /staff/users`: a new account with the role and initial password an admin gave.
pub async fn create_user(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let mut errors = Vec::new();
    let name = DisplayName::parse(fields.get("name"))
        .map_err(|e| errors.push(("name".to_owned(), input_error(e))))
        .ok();
    let email = StaffEmail::parse(fields.get("email"))
        .map_err(|e| errors.push(("email".to_owned(), input_error(e))))
        .ok();
    let role = StaffRole::parse(fields.get("role"));
    if role.is_none() {
        errors.push(("role".to_owned(), StaffError::NotARole));
    }
    let password = match &email {
        Some(email) => Password::parse(fields.get("password"), email)
            .map_err(|e| errors.push(("password".to_owned(), input_error(e))))
            .ok(),
        None => None,
    };
    let refuse = |errors| {
        let posted = StaffPosted {
            form: "create_user".to_owned(),
            fields: fields.kept(&["name", "email", "role"]),
            errors,
        };
        refused_form(
            &state,
            paths::USERS,
            headers.clone(),
            Some(&me),
            StatusCode::UNPROCESSABLE_ENTITY,
            posted,
        )
    };
    let (Some(name), Some(email), Some(role), Some(password)) = (name, email, role, password)
    else {
        return refuse(errors).await;
    };
    let hash = match accounts::hash(&password).await {
        Ok(hash) => hash,
        Err(error) => return unavailable(error),
    };
    let created = async {
        let mut tx = state.pool.begin().await?;
        let id = accounts::create(&mut tx, &email, &name, db_role(role), &hash).await?;
        audit::record(
            &mut tx,
            Some(me.id),
            Action::UserCreated,
            Some(id),
            Some(role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, CreateError>(id)
    };
    match created.await {
        Ok(_) => auth::see_other(&format!("{}?done=created", paths::USERS)),
        Err(CreateError::EmailTaken) => {
            refuse(vec![("email".to_owned(), StaffError::EmailTaken)]).await
        }
        Err(error) => unavailable(error),
    }
}

/// `POST /staff/users/{id}`: `action=role` with `role`, `action=deactivate` or
/// `action=reactivate`.
pub async fn change_user(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return problem_page(Problem::NotFound, None);
    };
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let form = format!("user_{id}");
    let refuse = |field: &str, error| {
        let posted = StaffPosted {
            form: form.clone(),
            fields: Vec::new(),
            errors: vec![(field.to_owned(), error)],
        };
        refused_form(
            &state,
            paths::USERS,
            headers.clone(),
            Some(&me),
            StatusCode::UNPROCESSABLE_ENTITY,
            posted,
        )
    };
    let change = match fields.get("action") {
        "role" => match StaffRole::parse(fields.get("role")) {
            Some(role) => Change::Role(role),
            None => return refuse("role", StaffError::NotARole).await,
        },
        "deactivate" => Change::Active(false),
        "reactivate" => Change::Active(true),
        _ => return problem_page(Problem::Malformed, None),
    };
    match apply(&state, &me, id, change).await {
        Ok(()) => auth::see_other(&format!("{}?done=changed", paths::USERS)),
        Err(ChangeError::NotFound) => problem_page(Problem::NotFound, None),
        Err(ChangeError::LastAdmin) => {
            let field = if matches!(change, Change::Role(_)) {
                "role"
            } else {
                "status"
            };
            refuse(field, StaffError::LastAdmin).await
        }
        Err(error) => unavailable(error),
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Role(StaffRole),
    Active(bool),
}

/// One change to an account and its audit entry, in one transaction.
async fn apply(
    state: &AppState,
    me: &SignedIn,
    id: i64,
    change: Change,
) -> Result<(), ChangeError> {
    let mut tx = state.pool.begin().await?;
    let before = accounts::by_id(&mut tx, id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    match change {
        Change::Role(role) => {
            let old = role_of(before.role);
            if old == role {
                return Ok(());
            }
            accounts::set_role(&mut tx, id, db_role(role)).await?;
            let detail = format!("{} → {}", old.as_str(), role.as_str());
            audit::record(
                &mut tx,
                Some(me.id),
                Action::RoleChanged,
                Some(id),
                Some(&detail),
            )
            .await?;
        }
        Change::Active(active) => {
            if before.active == active {
                return Ok(());
            }
            accounts::set_active(&mut tx, id, active).await?;
            let action = if active {
                Action::UserReactivated
            } else {
                Action::UserDeactivated
            };
            audit::record(&mut tx, Some(me.id), action, Some(id), None).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(user = id, by = me.id, "a staff account was changed");
    Ok(())
}
