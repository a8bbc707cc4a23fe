//! The staff side's account posts. Each handler names in its signature who may call it
//! ([`StaffCall`]`<Admin>`, `<AnyStaff>`); the same-origin check has already refused
//! cross-site posts. A refused form comes back as its page, rendered again with what was
//! typed (never a password) and each field's error; a done one is a 303.
//!
//! - `POST /staff/sign-in`, `POST /staff/sign-out`
//! - `POST /staff/password`: change one's own password
//! - `POST /staff/users`: create an account (admins)
//! - `POST /staff/users/{id}`: change its role, deactivate or reactivate it (admins)

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use canvass_app::staff::{StaffError, StaffPosted, StaffRole, paths};
use canvass_core::ids::StaffId;
use canvass_core::staff::{DisplayName, Password, StaffEmail};
use canvass_db::accounts::{self, ChangeError, CreateError};
use canvass_db::actions::accounts::{
    self as actions, AccountChange, NewAccount, PasswordChange, PasswordChanged, SignIn,
};
use canvass_db::throttle::Attempt;
use tower_sessions::Session;

use crate::AppState;
use crate::error::AppError;
use crate::extract::ClientAddress;
use crate::extract::{Fields, Form, IdPath, StaffCall, refused_form};
use crate::staff::{self as auth, Admin, AnyStaff};

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// `POST /staff/sign-in`.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let attempt = Attempt {
        email: fields.get("email"),
        address: &address,
    };
    let dummy = state
        .staff
        .dummy_hash()
        .await
        .map_err(AppError::unavailable)?;
    let hashing = &state.staff.hashing;
    let signed_in = actions::sign_in(
        &state.pool,
        hashing,
        attempt,
        fields.get("password"),
        &dummy,
    );
    let (status, error, retry_after) = match signed_in.await? {
        SignIn::SignedIn { user_id, epoch } => {
            auth::begin(&session, user_id, epoch)
                .await
                .map_err(AppError::unavailable)?;
            return Ok(auth::see_other(paths::HOME));
        }
        SignIn::Wrong => (StatusCode::UNAUTHORIZED, StaffError::BadCredentials, None),
        SignIn::Throttled { retry_after } => {
            let minutes = retry_after.as_secs().div_ceil(60).max(1);
            let error = StaffError::Throttled { minutes };
            (StatusCode::TOO_MANY_REQUESTS, error, Some(retry_after))
        }
        SignIn::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            StaffError::Busy,
            Some(BUSY_RETRY),
        ),
    };
    let response = sign_in_again(&state, &headers, &fields, status, error).await;
    Ok(with_retry_after(response, retry_after))
}

/// How long to wait after being turned away because too many passwords were being checked.
const BUSY_RETRY: std::time::Duration =
    std::time::Duration::from_secs(crate::error::RETRY_AFTER_SECS as u64);

/// The response with `Retry-After` in whole seconds, when there is a wait.
fn with_retry_after(mut response: Response, wait: Option<std::time::Duration>) -> Response {
    if let Some(wait) = wait {
        let seconds = HeaderValue::from(wait.as_secs());
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    response
}

/// The sign-in page again, with the e-mail as typed (never the password) and why.
async fn sign_in_again(
    state: &AppState,
    headers: &HeaderMap,
    fields: &Fields,
    status: StatusCode,
    error: StaffError,
) -> Response {
    let posted = StaffPosted {
        form: "sign_in".to_owned(),
        fields: fields.kept(&["email"]),
        errors: vec![("email".to_owned(), error)],
    };
    refused_form(state, paths::SIGN_IN, headers, None, status, posted).await
}

/// `POST /staff/sign-out`: the session is deleted from the store and its cookie removed.
pub async fn sign_out(call: StaffCall<AnyStaff>, session: Session) -> Result<Response, AppError> {
    let mut conn = call.state.pool.acquire().await?;
    actions::sign_out(&mut conn, call.me.id).await?;
    session.flush().await.map_err(AppError::unavailable)?;
    Ok(auth::see_other(paths::SIGN_IN))
}

/// `POST /staff/password`: the current password, then the new one twice.
pub async fn change_password(
    call: StaffCall<AnyStaff>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let me = &call.me;
    let email =
        StaffEmail::parse(&me.email).map_err(|_| AppError::unavailable("a stored e-mail"))?;
    let change = PasswordChange {
        current: fields.get("current"),
        new: fields.get("new"),
        confirm: fields.get("confirm"),
    };
    let state = &call.state;
    let hashing = &state.staff.hashing;
    let changed =
        actions::change_own_password(&state.pool, hashing, me.id, &email, &address, change)
            .await
            .map_err(AppError::unavailable)?;
    let (status, errors, wait) = match changed {
        PasswordChanged::Changed { epoch } => {
            auth::renew_epoch(&session, epoch)
                .await
                .map_err(AppError::unavailable)?;
            return Ok(auth::see_other(&format!("{}?done=1", paths::PASSWORD)));
        }
        PasswordChanged::Gone => return Ok(auth::see_other(paths::SIGN_IN)),
        PasswordChanged::Refused(errors) => {
            let errors = errors.into_iter().map(|(f, e)| (f.to_owned(), e)).collect();
            (UNPROCESSABLE, errors, None)
        }
        PasswordChanged::Throttled { retry_after } => {
            let minutes = retry_after.as_secs().div_ceil(60).max(1);
            let error = StaffError::ThrottledPasswordChange { minutes };
            let errors = vec![("current".to_owned(), error)];
            (StatusCode::TOO_MANY_REQUESTS, errors, Some(retry_after))
        }
        PasswordChanged::Busy => {
            let errors = vec![("current".to_owned(), StaffError::Busy)];
            (StatusCode::SERVICE_UNAVAILABLE, errors, Some(BUSY_RETRY))
        }
    };
    let refused = call
        .refuse(paths::PASSWORD, status, "password", Vec::new(), errors)
        .await;
    Ok(with_retry_after(refused, wait))
}

/// `POST /staff/users`: a new account with the role and initial password an admin gave.
pub async fn create_user(call: StaffCall<Admin>, Form(fields): Form) -> Result<Response, AppError> {
    let kept = || fields.kept(&["name", "email", "role"]);
    let refuse = |errors| call.refuse(paths::USERS, UNPROCESSABLE, "create_user", kept(), errors);
    let form = match AccountForm::parse(&fields) {
        Ok(form) => form,
        Err(errors) => return Ok(refuse(errors).await),
    };
    let hash = match call.state.staff.hashing.hash(&form.password).await {
        Ok(hash) => hash,
        Err(accounts::HashError::Busy(_)) => {
            let busy = vec![("password".to_owned(), StaffError::Busy)];
            let refused = call.refuse(
                paths::USERS,
                StatusCode::SERVICE_UNAVAILABLE,
                "create_user",
                kept(),
                busy,
            );
            return Ok(with_retry_after(refused.await, Some(BUSY_RETRY)));
        }
        Err(error) => return Err(AppError::unavailable(error)),
    };
    let new = NewAccount {
        email: form.email,
        name: form.name,
        role: form.role,
        hash,
    };
    let mut tx = call.state.pool.begin().await?;
    match actions::create_account(&mut tx, call.me.id, &new).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(auth::see_other(&format!("{}?done=created", paths::USERS)))
        }
        Err(CreateError::EmailTaken) => {
            Ok(refuse(vec![("email".to_owned(), StaffError::EmailTaken)]).await)
        }
        Err(CreateError::Database(error)) => Err(error.into()),
    }
}

/// A new account's fields, each parsed.
struct AccountForm {
    email: StaffEmail,
    name: DisplayName,
    role: StaffRole,
    password: Password,
}

impl AccountForm {
    /// The account form's fields, or every field's error.
    fn parse(fields: &Fields) -> Result<AccountForm, Vec<(String, StaffError)>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, error| errors.push((field.to_owned(), error));
        let name = DisplayName::parse(fields.get("name")).map_err(|e| check("name", e));
        let email = StaffEmail::parse(fields.get("email")).map_err(|e| check("email", e));
        let role =
            StaffRole::parse(fields.get("role")).ok_or_else(|| check("role", StaffError::NotARole));
        let password = match &email {
            Ok(email) => Password::parse(fields.get("password"), email)
                .map_err(|e| check("password", e))
                .ok(),
            Err(()) => None,
        };
        match (email, name, role, password) {
            (Ok(email), Ok(name), Ok(role), Some(password)) => Ok(AccountForm {
                email,
                name,
                role,
                password,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /staff/users/{id}`: `action=role` with `role`, `action=deactivate` or
/// `action=reactivate`.
pub async fn change_user(
    call: StaffCall<Admin>,
    IdPath(id): IdPath<StaffId>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let form = format!("user_{id}");
    let refuse = |field: &str, error| {
        let errors = vec![(field.to_owned(), error)];
        call.refuse(paths::USERS, UNPROCESSABLE, &form, Vec::new(), errors)
    };
    let change = match fields.get("action") {
        "role" => match StaffRole::parse(fields.get("role")) {
            Some(role) => AccountChange::Role(role),
            None => return Ok(refuse("role", StaffError::NotARole).await),
        },
        "deactivate" => AccountChange::Active(false),
        "reactivate" => AccountChange::Active(true),
        _ => return Err(AppError::MALFORMED),
    };
    let mut tx = call.state.pool.begin().await?;
    match actions::change_account(&mut tx, call.me.id, id, change).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(auth::see_other(&format!("{}?done=changed", paths::USERS)))
        }
        Err(ChangeError::LastAdmin) => {
            let field = match change {
                AccountChange::Role(_) => "role",
                AccountChange::Active(_) => "status",
            };
            Ok(refuse(field, StaffError::LastAdmin).await)
        }
        Err(error) => Err(change_error(error)),
    }
}

/// A change that failed for no reason of the form's.
fn change_error(error: ChangeError) -> AppError {
    match error {
        ChangeError::NotFound => AppError::NOT_FOUND,
        other => AppError::unavailable(other),
    }
}
