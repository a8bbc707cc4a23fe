//! Staff accounts: who may sign in, with which role, and their password hash.
//!
//! Raw input becomes a domain value only through `canvass-core`'s parsers
//! ([`StaffEmail::parse`], [`DisplayName::parse`], [`Password::parse`]). A [`Password`] and a
//! [`PasswordHash`] never print themselves (`Debug` shows a placeholder), so neither can
//! reach a log by accident.
//! Hashing and verifying run on tokio's blocking threads: an argon2id hash takes tens of
//! milliseconds of CPU and must not stall the async workers.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use canvass_core::ids::StaffId;
use canvass_core::staff::{DisplayName, Password, StaffEmail, StaffRole};
use sqlx::PgConnection;

/// A role as the `staff_role` column holds it; [`StaffRole`] everywhere above this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "staff_role", rename_all = "snake_case")]
enum Role {
    Admin,
    Analyst,
    Viewer,
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Role {
        match role {
            StaffRole::Admin => Role::Admin,
            StaffRole::Analyst => Role::Analyst,
            StaffRole::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for StaffRole {
    fn from(role: Role) -> StaffRole {
        match role {
            Role::Admin => StaffRole::Admin,
            Role::Analyst => StaffRole::Analyst,
            Role::Viewer => StaffRole::Viewer,
        }
    }
}

/// An argon2id hash in PHC string format (algorithm, parameters, salt and hash).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

impl PasswordHash {
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

/// OWASP's argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's bounds; `Params::DEFAULT` (the same
    // values) stands in should that ever change.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Busy(#[from] Busy),
}

/// Hashes a password with a fresh random salt, off the async workers.
pub async fn hash(password: &Password) -> Result<PasswordHash, HashError> {
    hash_secret(password.secret().to_owned()).await
}

async fn hash_secret(password: String) -> Result<PasswordHash, HashError> {
    tokio::task::spawn_blocking(move || hashed(&password)).await?
}

fn hashed(password: &str) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| PasswordHash(hash.to_string()))
        .map_err(|e| HashError::Hashing(e.to_string()))
}

/// Whether `candidate` is the password behind `hash`, off the async workers. Any input, a
/// malformed hash included, gives `false`, never an error or a panic.
pub async fn verify(candidate: &str, hash: &PasswordHash) -> bool {
    let (candidate, hash) = (candidate.to_owned(), hash.0.clone());
    tokio::task::spawn_blocking(move || verified(&candidate, &hash))
        .await
        .unwrap_or(false)
}

fn verified(candidate: &str, hash: &str) -> bool {
    argon2::PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok()
    })
}

/// How many password hashes may run at once, and how long a request waits for its turn.
/// Each takes 19 MiB and tens of milliseconds of a core: unbounded, a burst of sign-ins
/// would fill tokio's blocking pool (hundreds of threads) with them, taking gigabytes and
/// every core from respondents. Requests use [`Hashing::verify`] and [`Hashing::hash`];
/// one that waits longer than the wait gets [`Busy`] (a 503 with `Retry-After`).
#[derive(Debug, Clone)]
pub struct Hashing {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    gauge: std::sync::Arc<Gauge>,
}

/// How many hashes run now, and the most that ever ran at once.
#[derive(Debug, Default)]
struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// Too many passwords are being checked: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many passwords are being checked at once")]
pub struct Busy;

/// How long a request waits for a turn to hash before it is told the server is busy.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Default for Hashing {
    /// As many at once as the machine has cores, waiting at most [`HASH_WAIT`].
    fn default() -> Hashing {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hashing::new(cores, HASH_WAIT)
    }
}

impl Hashing {
    pub fn new(at_once: usize, wait: std::time::Duration) -> Hashing {
        Hashing {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(at_once.max(1))),
            wait,
            gauge: std::sync::Arc::default(),
        }
    }

    /// The most hashes that ran at once through this bound.
    pub fn peak(&self) -> usize {
        self.gauge.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` on a blocking thread once a turn is free; the turn is held until the
    /// work ends, even if the request that asked for it is gone.
    async fn turn<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        use std::sync::atomic::Ordering::Relaxed;
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let gauge = self.gauge.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let now = gauge.now.fetch_add(1, Relaxed) + 1;
            gauge.peak.fetch_max(now, Relaxed);
            let done = work();
            gauge.now.fetch_sub(1, Relaxed);
            drop(permit);
            done
        })
        .await?)
    }

    /// [`verify`], in turn.
    pub async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool, Busy> {
        let (candidate, hash) = (candidate.to_owned(), hash.0.clone());
        match self.turn(move || verified(&candidate, &hash)).await {
            Ok(right) => Ok(right),
            Err(HashError::Busy(busy)) => Err(busy),
            Err(_) => Ok(false),
        }
    }

    /// [`hash`], in turn.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let secret = password.secret().to_owned();
        self.turn(move || hashed(&secret)).await?
    }
}

/// A staff account as stored (the hash included: callers verify against it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: StaffId,
    /// As stored (it was a [`StaffEmail`] when the account was made).
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub active: bool,
    pub session_epoch: i32,
    pub password_hash: PasswordHash,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("an account with this e-mail address exists already")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A random password of 44 characters (about 256 bits) from the operating system's
/// generator, for an account no person signs in to (a benchmark's).
pub fn generated_password() -> String {
    format!(
        "{}{}",
        SaltString::generate(&mut OsRng).as_str(),
        SaltString::generate(&mut OsRng).as_str()
    )
}

/// Creates an active account. Refuses an e-mail address that has one already.
pub async fn create(
    conn: &mut PgConnection,
    email: &StaffEmail,
    name: &DisplayName,
    role: StaffRole,
    hash: &PasswordHash,
) -> Result<StaffId, CreateError> {
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO staff_users (email, display_name, role, password_hash)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO NOTHING
           RETURNING id"#,
        email.as_str(),
        name.as_str(),
        Role::from(role) as Role,
        hash.as_phc()
    )
    .fetch_optional(&mut *conn)
    .await?;
    inserted.map(StaffId::new).ok_or(CreateError::EmailTaken)
}

/// The account with this e-mail address, active or not.
pub async fn by_email(
    conn: &mut PgConnection,
    email: &StaffEmail,
) -> Result<Option<StaffUser>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: Role", active, session_epoch,
                  password_hash
           FROM staff_users WHERE email = $1"#,
        email.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| StaffUser {
        id: StaffId::new(r.id),
        email: r.email,
        display_name: r.display_name,
        role: r.role.into(),
        active: r.active,
        session_epoch: r.session_epoch,
        password_hash: PasswordHash(r.password_hash),
    }))
}

/// An account as the interface shows it (no hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: StaffId,
    /// As stored (it was a [`StaffEmail`] when the account was made).
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub active: bool,
    /// Moves on when the account is deactivated or its password changes: a session signed
    /// in under an older epoch is over.
    pub session_epoch: i32,
}

/// An `Account` as a query returns it.
struct AccountRow {
    id: i64,
    email: String,
    display_name: String,
    role: Role,
    active: bool,
    session_epoch: i32,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Account {
        Account {
            id: StaffId::new(r.id),
            email: r.email,
            display_name: r.display_name,
            role: r.role.into(),
            active: r.active,
            session_epoch: r.session_epoch,
        }
    }
}

/// The account with this ID, active or not.
pub async fn by_id(conn: &mut PgConnection, id: StaffId) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"SELECT id, email, display_name, role AS "role: Role", active, session_epoch
           FROM staff_users WHERE id = $1"#,
        id.get()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Account::from))
}

/// Every account, active ones first, then by name.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<Account>, sqlx::Error> {
    let rows = sqlx::query_as!(
        AccountRow,
        r#"SELECT id, email, display_name, role AS "role: Role", active, session_epoch
           FROM staff_users ORDER BY active DESC, lower(display_name), id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(Account::from).collect())
}

/// Why an account could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such account")]
    NotFound,
    /// The change would leave no active admin, and nobody could manage accounts any more.
    #[error("the last active admin cannot be deactivated or lose the admin role")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Whether `id` is the only active admin. Locks the admins' rows, so that two admins
/// demoting each other at the same moment cannot both succeed: call it in the transaction
/// that makes the change.
async fn is_last_admin(conn: &mut PgConnection, id: StaffId) -> Result<bool, sqlx::Error> {
    let others = sqlx::query_scalar!(
        r#"SELECT id FROM staff_users WHERE role = 'admin' AND active FOR UPDATE"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(others == [id.get()])
}

/// Gives the account a new role. Refuses to demote the last active admin.
pub async fn set_role(
    conn: &mut PgConnection,
    id: StaffId,
    role: StaffRole,
) -> Result<(), ChangeError> {
    if role != StaffRole::Admin && is_last_admin(conn, id).await? {
        return Err(ChangeError::LastAdmin);
    }
    let changed = sqlx::query!(
        "UPDATE staff_users SET role = $2, updated_at = now() WHERE id = $1",
        id.get(),
        Role::from(role) as Role
    )
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(ChangeError::NotFound);
    }
    Ok(())
}

/// Deactivates (ending every session of the account at its next request) or reactivates
/// an account. Refuses to deactivate the last active admin.
pub async fn set_active(
    conn: &mut PgConnection,
    id: StaffId,
    active: bool,
) -> Result<(), ChangeError> {
    if !active && is_last_admin(conn, id).await? {
        return Err(ChangeError::LastAdmin);
    }
    let changed = sqlx::query!(
        r#"UPDATE staff_users
           SET active = $2, updated_at = now(),
               session_epoch = session_epoch + CASE WHEN $2 THEN 0 ELSE 1 END
           WHERE id = $1"#,
        id.get(),
        active
    )
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(ChangeError::NotFound);
    }
    Ok(())
}

/// Replaces the account's password; every other session of the account ends. Returns the
/// new session epoch, for the session that made the change to carry on with.
pub async fn set_password(
    conn: &mut PgConnection,
    id: StaffId,
    hash: &PasswordHash,
) -> Result<i32, ChangeError> {
    sqlx::query_scalar!(
        r#"UPDATE staff_users
           SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now()
           WHERE id = $1
           RETURNING session_epoch"#,
        id.get(),
        hash.as_phc()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ChangeError::NotFound)
}

/// The stored hash of an account's password, to check the current one before a change.
pub async fn password_hash(
    conn: &mut PgConnection,
    id: StaffId,
) -> Result<Option<PasswordHash>, sqlx::Error> {
    let hash = sqlx::query_scalar!(
        "SELECT password_hash FROM staff_users WHERE id = $1",
        id.get()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(hash.map(PasswordHash))
}

/// A hash of no one's password, to verify against when the e-mail address is unknown, so
/// that an unknown address costs the same time as a wrong password. Compute it once at
/// start (it takes as long as a real hash).
pub async fn dummy_hash() -> Result<PasswordHash, HashError> {
    hash_secret("no one's password, ever".to_owned()).await
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    fn email(input: &str) -> StaffEmail {
        StaffEmail::parse(input).expect("valid e-mail")
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_with_owasp_parameters_and_verifies_only_its_password() {
        let owner = email("wang.li@hospital.cn");
        let password = Password::parse("correct horse battery", &owner).expect("valid");
        let hash = hash(&password).await.expect("hash");
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        assert_eq!(format!("{hash:?}"), "PasswordHash(…)");
        assert!(verify("correct horse battery", &hash).await);
        assert!(!verify("correct horse battery ", &hash).await);
        assert!(!verify("", &hash).await);
        let again = super::hash(&password).await.expect("hash");
        assert_ne!(hash, again, "each hash has its own salt");
    }

    #[tokio::test]
    async fn verifying_against_a_malformed_hash_is_simply_false() {
        for bad in [
            "",
            "plain text",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$2b$12$abc",
        ] {
            assert!(!verify("anything at all", &PasswordHash(bad.to_owned())).await);
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_account_is_created_once_per_email_whatever_its_case(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let owner = email("Wang.Li@hospital.cn");
        let name = DisplayName::parse("王丽").expect("name");
        let password = Password::parse("correct horse battery", &owner).expect("valid");
        let hash = hash(&password).await.expect("hash");
        let id = create(&mut conn, &owner, &name, StaffRole::Admin, &hash)
            .await
            .expect("created");
        let again = create(
            &mut conn,
            &email("WANG.LI@HOSPITAL.CN"),
            &name,
            StaffRole::Viewer,
            &hash,
        )
        .await
        .expect_err("taken");
        assert_eq!(
            again.to_string(),
            "an account with this e-mail address exists already"
        );
        let found = by_email(&mut conn, &email("wang.li@hospital.cn"))
            .await
            .expect("query")
            .expect("found");
        assert_eq!(found.id, id);
        assert_eq!(found.role, StaffRole::Admin);
        assert!(found.active);
        assert!(verify("correct horse battery", &found.password_hash).await);
        let stored: String = sqlx::query_scalar("SELECT password_hash FROM staff_users")
            .fetch_one(&pool)
            .await
            .expect("hash");
        assert!(!stored.contains("correct horse battery"));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn hostile_strings_are_stored_as_they_are(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let owner = email("robert@hospital.cn");
        let name = DisplayName::parse("Robert'); DROP TABLE staff_users;-- <script>x</script>")
            .expect("name");
        let hash = hash(&Password::parse("correct horse battery", &owner).expect("valid"))
            .await
            .expect("hash");
        create(&mut conn, &owner, &name, StaffRole::Analyst, &hash)
            .await
            .expect("created");
        let found = by_email(&mut conn, &owner)
            .await
            .expect("query")
            .expect("found");
        assert_eq!(found.display_name, name.as_str());
    }

    async fn staff(conn: &mut PgConnection, address: &str, role: StaffRole) -> StaffId {
        let owner = email(address);
        let hash = hash(&Password::parse("correct horse battery", &owner).expect("valid"))
            .await
            .expect("hash");
        create(
            conn,
            &owner,
            &DisplayName::parse("X").expect("name"),
            role,
            &hash,
        )
        .await
        .expect("created")
    }

    async fn epoch_of(conn: &mut PgConnection, id: StaffId) -> i32 {
        by_id(conn, id)
            .await
            .expect("query")
            .expect("found")
            .session_epoch
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn deactivating_or_changing_the_password_moves_the_session_epoch_on(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        staff(&mut conn, "admin@hospital.cn", StaffRole::Admin).await;
        let id = staff(&mut conn, "viewer@hospital.cn", StaffRole::Viewer).await;
        assert_eq!(epoch_of(&mut conn, id).await, 0);
        set_role(&mut conn, id, StaffRole::Analyst)
            .await
            .expect("role");
        assert_eq!(
            epoch_of(&mut conn, id).await,
            0,
            "a role change applies at once without it"
        );
        set_active(&mut conn, id, false).await.expect("deactivated");
        assert_eq!(epoch_of(&mut conn, id).await, 1);
        set_active(&mut conn, id, true).await.expect("reactivated");
        assert_eq!(epoch_of(&mut conn, id).await, 1);
        let new = hash(
            &Password::parse("another long password", &email("viewer@hospital.cn")).expect("valid"),
        )
        .await
        .expect("hash");
        assert_eq!(set_password(&mut conn, id, &new).await.expect("changed"), 2);
        let account = by_id(&mut conn, id).await.expect("query").expect("found");
        assert_eq!(account.role, StaffRole::Analyst);
        assert!(account.active);
        let stored = password_hash(&mut conn, id)
            .await
            .expect("query")
            .expect("hash");
        assert!(verify("another long password", &stored).await);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_last_active_admin_keeps_the_role_and_stays_active(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let first = staff(&mut conn, "first@hospital.cn", StaffRole::Admin).await;
        let message = "the last active admin cannot be deactivated or lose the admin role";
        let refused = set_role(&mut conn, first, StaffRole::Viewer)
            .await
            .expect_err("last");
        assert_eq!(refused.to_string(), message);
        let refused = set_active(&mut conn, first, false).await.expect_err("last");
        assert_eq!(refused.to_string(), message);
        // With a second admin, the first may go; then the second is the last.
        let second = staff(&mut conn, "second@hospital.cn", StaffRole::Admin).await;
        set_active(&mut conn, first, false)
            .await
            .expect("another admin remains");
        assert!(matches!(
            set_role(&mut conn, second, StaffRole::Analyst).await,
            Err(ChangeError::LastAdmin)
        ));
        assert!(matches!(
            set_role(&mut conn, StaffId::new(999_999), StaffRole::Admin).await,
            Err(ChangeError::NotFound)
        ));
        let listed: Vec<(String, bool)> = list(&mut conn)
            .await
            .expect("list")
            .into_iter()
            .map(|a| (a.email.as_str().to_owned(), a.active))
            .collect();
        assert_eq!(
            listed,
            [
                ("second@hospital.cn".to_owned(), true),
                ("first@hospital.cn".to_owned(), false)
            ]
        );
    }
}
