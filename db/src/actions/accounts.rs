//! Sign-in, sign-out and changes to accounts.

use std::time::Duration;

use canvass_core::ids::StaffId;
use canvass_core::staff::{DisplayName, Password, StaffEmail, StaffError, StaffRole};
use sqlx::{PgConnection, PgPool};

use crate::accounts::{self, ChangeError, CreateError, HashError, Hashing, PasswordHash};
use crate::audit::{self, Action};
use crate::throttle::{self, Attempt, Verdict};

/// How long a throttled attempt is held before it is refused: slows a guessing script
/// down without costing the server CPU.
pub const THROTTLED_DELAY: Duration = Duration::from_secs(1);

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// The password is right and the account active: start a session for it.
    SignedIn { user_id: StaffId, epoch: i32 },
    /// A wrong password, an unknown e-mail or an inactive account (told apart to nobody).
    Wrong,
    /// Too many tries: refused without checking the password, for about this long.
    Throttled { retry_after: Duration },
    /// Too many passwords being checked at once: not checked, not counted; try again.
    Busy,
}

/// Checks a sign-in: reserves the try with the throttle first ([`throttle::reserve`]), then
/// the password in turn (an unknown e-mail address is verified against `dummy`, so it
/// costs the same time and ends the same way as a wrong password), then takes the try back
/// or leaves it counted, with the audit entry. Verifying takes tens of milliseconds of CPU:
/// no connection is held meanwhile.
pub async fn sign_in(
    pool: &PgPool,
    hashing: &Hashing,
    attempt: Attempt<'_>,
    password: &str,
    dummy: &PasswordHash,
) -> Result<SignIn, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let reservation = match throttle::reserve(&mut conn, attempt).await? {
        Verdict::Reserved(reservation) => reservation,
        Verdict::Refused { retry_after } => {
            drop(conn);
            tokio::time::sleep(THROTTLED_DELAY).await;
            tracing::info!("a sign-in was refused: too many failures");
            return Ok(SignIn::Throttled { retry_after });
        }
    };
    let account = match StaffEmail::parse(attempt.email) {
        Ok(email) => accounts::by_email(&mut conn, &email).await?,
        Err(_) => None,
    };
    drop(conn);
    let checked = match &account {
        Some(account) => hashing.verify(password, &account.password_hash).await,
        None => hashing.verify(password, dummy).await.map(|_| false),
    };
    let mut tx = pool.begin().await?;
    let Ok(checked) = checked else {
        throttle::released(&mut tx, &reservation).await?;
        tx.commit().await?;
        tracing::warn!("a sign-in was turned away: too many passwords being checked");
        return Ok(SignIn::Busy);
    };
    let target = account.as_ref().map(|account| account.id);
    let Some(account) = account.filter(|account| checked && account.active) else {
        throttle::failed(&mut tx, &reservation, target).await?;
        tx.commit().await?;
        tracing::info!("a sign-in failed");
        return Ok(SignIn::Wrong);
    };
    throttle::succeeded(&mut tx, &reservation).await?;
    let me = Some(account.id);
    audit::record(&mut tx, me, Action::SignIn, me, None).await?;
    tx.commit().await?;
    tracing::info!(user = account.id.get(), "a staff member signed in");
    Ok(SignIn::SignedIn {
        user_id: account.id,
        epoch: account.session_epoch,
    })
}

/// Notes a sign-out in the audit log.
pub async fn sign_out(conn: &mut PgConnection, user_id: StaffId) -> Result<(), sqlx::Error> {
    let me = Some(user_id);
    audit::record(conn, me, Action::SignOut, me, None).await
}

/// One's own password change as typed: the current password, then the new one twice.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// How a password change ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChanged {
    /// Replaced: the account's new session epoch (its other sessions end).
    Changed { epoch: i32 },
    /// Nothing changed: each field's problem.
    Refused(Vec<(&'static str, StaffError)>),
    /// The account no longer exists.
    Gone,
    /// Too many wrong current passwords: not checked, for about this long.
    Throttled { retry_after: Duration },
    /// Too many passwords being checked at once: nothing changed; try again.
    Busy,
}

/// Why a password change could not be carried out (not the user's doing).
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

/// Changes the password of `user_id` (whose e-mail is `email`, which the new password must
/// not contain): the current password is a try at the account like a sign-in's, throttled
/// the same way ([`throttle::reserve`], from `address`); it must verify, the new one be
/// acceptable and typed twice alike; every problem is reported at once. The new hash is
/// written with the audit entry, and the session epoch moves on. No connection is held
/// while hashing.
pub async fn change_own_password(
    pool: &PgPool,
    hashing: &Hashing,
    user_id: StaffId,
    email: &StaffEmail,
    address: &str,
    change: PasswordChange<'_>,
) -> Result<PasswordChanged, PasswordChangeError> {
    let (current, reservation) = {
        let mut conn = pool.acquire().await?;
        let attempt = Attempt {
            email: email.as_str(),
            address,
        };
        let reservation = match throttle::reserve(&mut conn, attempt).await? {
            Verdict::Reserved(reservation) => reservation,
            Verdict::Refused { retry_after } => {
                return Ok(PasswordChanged::Throttled { retry_after });
            }
        };
        (
            accounts::password_hash(&mut conn, user_id).await?,
            reservation,
        )
    };
    let Some(current) = current else {
        throttle::released(&mut *pool.acquire().await?, &reservation).await?;
        return Ok(PasswordChanged::Gone);
    };
    let right = match hashing.verify(change.current, &current).await {
        Ok(right) => right,
        Err(_) => {
            throttle::released(&mut *pool.acquire().await?, &reservation).await?;
            return Ok(PasswordChanged::Busy);
        }
    };
    {
        let mut conn = pool.acquire().await?;
        if right {
            throttle::succeeded(&mut conn, &reservation).await?;
        } else {
            throttle::failed(&mut conn, &reservation, Some(user_id)).await?;
        }
    }
    let new = Password::parse(change.new, email);
    let mut errors = Vec::new();
    if !right {
        errors.push(("current", StaffError::WrongPassword));
    }
    if let Err(error) = &new {
        errors.push(("new", *error));
    }
    if change.new != change.confirm {
        errors.push(("confirm", StaffError::PasswordsDiffer));
    }
    let (Ok(new), true) = (new, errors.is_empty()) else {
        return Ok(PasswordChanged::Refused(errors));
    };
    let hash = match hashing.hash(&new).await {
        Ok(hash) => hash,
        Err(HashError::Busy(_)) => return Ok(PasswordChanged::Busy),
        Err(error) => return Err(error.into()),
    };
    let mut tx = pool.begin().await?;
    let epoch = match accounts::set_password(&mut tx, user_id, &hash).await {
        Ok(epoch) => epoch,
        Err(ChangeError::Database(error)) => return Err(error.into()),
        Err(_) => return Ok(PasswordChanged::Gone),
    };
    let me = Some(user_id);
    audit::record(&mut tx, me, Action::PasswordChanged, me, None).await?;
    tx.commit().await?;
    Ok(PasswordChanged::Changed { epoch })
}

/// A new account, made by `by`, with the audit entry. Returns its ID.
pub async fn create_account(
    conn: &mut PgConnection,
    by: StaffId,
    new: &NewAccount,
) -> Result<StaffId, CreateError> {
    let id = accounts::create(conn, &new.email, &new.name, new.role, &new.hash).await?;
    let detail = new.role.as_str();
    audit::record(conn, Some(by), Action::UserCreated, Some(id), Some(detail)).await?;
    Ok(id)
}

/// What a new account is made of.
#[derive(Debug)]
pub struct NewAccount {
    pub email: StaffEmail,
    pub name: DisplayName,
    pub role: StaffRole,
    pub hash: PasswordHash,
}

/// One change an admin makes to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    Role(StaffRole),
    Active(bool),
}

/// Applies `change` to account `id` on behalf of `by`, with its audit entry. A change
/// that changes nothing is no change (and no entry). The last active admin cannot be
/// demoted or deactivated.
pub async fn change_account(
    conn: &mut PgConnection,
    by: StaffId,
    id: StaffId,
    change: AccountChange,
) -> Result<(), ChangeError> {
    let before = accounts::by_id(conn, id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    match change {
        AccountChange::Role(role) if role != before.role => {
            accounts::set_role(conn, id, role).await?;
            let detail = format!("{} → {}", before.role.as_str(), role.as_str());
            audit::record(conn, Some(by), Action::RoleChanged, Some(id), Some(&detail)).await?;
        }
        AccountChange::Active(active) if active != before.active => {
            accounts::set_active(conn, id, active).await?;
            let action = if active {
                Action::UserReactivated
            } else {
                Action::UserDeactivated
            };
            audit::record(conn, Some(by), action, Some(id), None).await?;
        }
        AccountChange::Role(_) | AccountChange::Active(_) => return Ok(()),
    }
    tracing::info!(
        user = id.get(),
        by = by.get(),
        "a staff account was changed"
    );
    Ok(())
}
