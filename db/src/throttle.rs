//! Sign-in throttling: guessing is kept slow without handing anyone a way to lock an
//! account's owner out (ASVS 2.2.1). Kept in PostgreSQL, so every server instance sees the
//! same counts.
//!
//! Each try at a password (a sign-in, or the current password of a password change) is
//! *reserved* ([`reserve`]) before the password is checked: under advisory locks on its
//! account and its address, the tries of the last [`WINDOW`] are counted and, when the
//! limits allow, the try is written down, in one transaction. Concurrent tries therefore
//! cannot all pass one check: of 60 at once, [`PAIR_LIMIT`] reach the password. A right
//! password takes its try back and clears the account's failures from that address
//! ([`succeeded`]); a wrong one stays counted.
//!
//! The limits, over the window:
//! - [`PAIR_LIMIT`] tries at one account from one address;
//! - [`ADDRESS_LIMIT`] tries from one address, whatever the accounts;
//! - [`ACCOUNT_LIMIT`] tries at one account from all addresses together.
//!
//! The last two do not apply from an address the account signed in from successfully in
//! the last [`KNOWN_FOR`]: someone guessing an account's password from elsewhere, however
//! many addresses they use, does not keep its owner out.
//!
//! An address never reaches SQL in the clear: it is keyed in Rust with SHA-256 over this
//! database's random salt (`address_salt`). Tries older than the window are summed up into
//! the audit log and deleted ([`summarize`]), so failed sign-ins cannot grow the
//! append-only log without bound.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use canvass_core::ids::StaffId;
use canvass_core::staff::StaffEmail;

use crate::audit::{self, Action};

/// Tries at one account from one address within [`WINDOW`].
pub const PAIR_LIMIT: usize = 5;
/// Tries from one address within [`WINDOW`], whatever the accounts (a hospital's staff
/// may share one address).
pub const ADDRESS_LIMIT: usize = 20;
/// Tries at one account from all addresses within [`WINDOW`], except from its known ones.
pub const ACCOUNT_LIMIT: usize = 20;
/// How far back tries count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long an address the account signed in from stays known.
pub const KNOWN_FOR: Duration = Duration::from_secs(90 * 24 * 3600);

/// Where a try comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// The e-mail address as typed, parsed when it parses (else as typed, trimmed and lower
    /// cased, so that garbage is counted too).
    pub email: &'a str,
    /// The client's address, as the server sees it.
    pub address: &'a str,
}

/// A try written down before its password is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    id: i64,
    account: String,
    address_key: Vec<u8>,
}

/// Whether a try may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It may: check the password, then tell [`succeeded`] or leave it counted.
    Reserved(Reservation),
    /// Too many tries: refused without checking the password, for about this long.
    Refused { retry_after: Duration },
}

/// One earlier try within the window, as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recent {
    /// How long ago it was made.
    pub age: Duration,
    /// At the same account.
    pub account: bool,
    /// From the same address.
    pub address: bool,
}

/// How long the try must wait, if at all, given the window's earlier tries at its account
/// or from its address, and whether the account signed in from this address before.
/// For each limit reached, the wait is until its `limit`-th newest try leaves the window.
pub fn wait(recent: &[Recent], known: bool) -> Option<Duration> {
    /// Which earlier tries a limit counts, the limit, and whether it applies.
    type Limit = (fn(&Recent) -> bool, usize, bool);
    let limits: [Limit; 3] = [
        (|r| r.account && r.address, PAIR_LIMIT, true),
        (|r| r.address, ADDRESS_LIMIT, !known),
        (|r| r.account, ACCOUNT_LIMIT, !known),
    ];
    limits
        .iter()
        .filter(|(_, _, applies)| *applies)
        .filter_map(|(counts, limit, _)| {
            let mut ages: Vec<Duration> = recent
                .iter()
                .filter(|r| counts(r) && r.age < WINDOW)
                .map(|r| r.age)
                .collect();
            ages.sort();
            let freeing = ages.get(limit.checked_sub(1)?)?;
            Some(WINDOW.saturating_sub(*freeing).max(Duration::from_secs(1)))
        })
        .max()
}

/// The key an e-mail address is counted under: the parsed address, else what was typed,
/// trimmed, lower cased and cut to 320 characters (an address is at most 254, and a huge
/// input must not become a huge index entry).
pub fn account_key(email: &str) -> String {
    StaffEmail::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase().chars().take(320).collect())
}

/// An address's key: SHA-256 over the database's salt and the address.
pub(crate) fn address_key(salt: &str, address: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(address.as_bytes());
    hasher.finalize().to_vec()
}

/// An advisory lock's key for one side of a try (`side` keeps accounts and addresses
/// apart).
fn lock_key(side: &[u8], value: &[u8]) -> i64 {
    let digest = Sha256::new()
        .chain_update(side)
        .chain_update(value)
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Reserves a try (see the module's docs), in a transaction of its own.
pub async fn reserve(
    conn: &mut PgConnection,
    attempt: Attempt<'_>,
) -> Result<Verdict, sqlx::Error> {
    let account = account_key(attempt.email);
    let mut tx = conn.begin().await?;
    let salt = sqlx::query_scalar!("SELECT salt FROM address_salt")
        .fetch_one(&mut *tx)
        .await?;
    let address_key = address_key(&salt, attempt.address);
    // Always the account first, then the address: two tries never wait on each other in a
    // circle.
    for key in [
        lock_key(b"account", account.as_bytes()),
        lock_key(b"address", &address_key),
    ] {
        sqlx::query!("SELECT pg_advisory_xact_lock($1)", key)
            .execute(&mut *tx)
            .await?;
    }
    let window = WINDOW.as_secs_f64();
    let recent: Vec<Recent> = sqlx::query!(
        r#"SELECT extract(epoch FROM now() - at)::float8 AS "age!",
                  account = $1 AS "account!", address_key = $2 AS "address!"
           FROM sign_in_attempts
           WHERE at > now() - make_interval(secs => $3) AND (account = $1 OR address_key = $2)"#,
        account,
        address_key,
        window
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Recent {
        age: Duration::try_from_secs_f64(r.age.max(0.0)).unwrap_or_default(),
        account: r.account,
        address: r.address,
    })
    .collect();
    let known = sqlx::query_scalar!(
        r#"SELECT EXISTS (
             SELECT 1 FROM sign_in_known
             WHERE account = $1 AND address_key = $2 AND at > now() - make_interval(secs => $3)
           ) AS "known!""#,
        account,
        address_key,
        KNOWN_FOR.as_secs_f64()
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(retry_after) = wait(&recent, known) {
        tx.commit().await?;
        return Ok(Verdict::Refused {
            retry_after: Duration::from_secs(retry_after.as_secs_f64().ceil() as u64),
        });
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO sign_in_attempts (account, address_key) VALUES ($1, $2) RETURNING id",
        account,
        address_key
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Verdict::Reserved(Reservation {
        id,
        account,
        address_key,
    }))
}

/// The password was right: the try is taken back, the account's earlier failures from
/// this address stop counting against the account (they still count for the address:
/// someone trying many accounts from one address must not reset its count with their
/// own), and the address becomes one the account is known to sign in from.
pub async fn succeeded(
    conn: &mut PgConnection,
    reservation: &Reservation,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sign_in_attempts WHERE id = $1", reservation.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE sign_in_attempts SET account = '' WHERE account = $1 AND address_key = $2",
        reservation.account,
        reservation.address_key
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO sign_in_known (account, address_key) VALUES ($1, $2)
         ON CONFLICT (account, address_key) DO UPDATE SET at = now()",
        reservation.account,
        reservation.address_key
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The password was not checked after all (the server was too busy): the try is taken
/// back, counting as nothing.
pub async fn released(
    conn: &mut PgConnection,
    reservation: &Reservation,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sign_in_attempts WHERE id = $1", reservation.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The password was wrong: the try stays counted. The first failure at an existing
/// account within the window gets its own audit entry at once; the others are summed up
/// when they leave the window ([`summarize`]).
pub async fn failed(
    conn: &mut PgConnection,
    reservation: &Reservation,
    target: Option<StaffId>,
) -> Result<(), sqlx::Error> {
    let Some(target) = target else {
        return Ok(());
    };
    let first = sqlx::query_scalar!(
        r#"SELECT NOT EXISTS (
             SELECT 1 FROM sign_in_attempts
             WHERE account = $1 AND id <> $2 AND at > now() - make_interval(secs => $3)
           ) AS "first!""#,
        reservation.account,
        reservation.id,
        WINDOW.as_secs_f64()
    )
    .fetch_one(&mut *conn)
    .await?;
    if first {
        audit::record(conn, None, Action::SignInFailed, Some(target), None).await?;
    }
    Ok(())
}

/// Sums up the failed tries that left the window into the audit log, and deletes them and
/// the addresses no longer known: per existing account with more than one failure, an
/// entry with their number and how many addresses they came from (the first had its own
/// entry); one entry for every failure at an address that is no account. So each run adds
/// at most one entry per account, plus one, however many tries were made. Returns how
/// many tries it summed up.
pub async fn summarize(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let groups = sqlx::query!(
        r#"WITH gone AS (
             DELETE FROM sign_in_attempts WHERE at <= now() - make_interval(secs => $1)
             RETURNING account, address_key
           ), forgotten AS (
             DELETE FROM sign_in_known WHERE at <= now() - make_interval(secs => $2)
           )
           SELECT u.id AS "user_id?", count(*) AS "tries!",
                  count(DISTINCT g.address_key) AS "addresses!",
                  count(DISTINCT g.account) AS "accounts!"
           FROM gone g LEFT JOIN staff_users u ON u.email = g.account
           WHERE g.account <> ''
           GROUP BY u.id"#,
        WINDOW.as_secs_f64(),
        KNOWN_FOR.as_secs_f64()
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut summed = 0;
    for group in groups {
        let tries = u64::try_from(group.tries).unwrap_or_default();
        summed += tries;
        let target = group.user_id.map(StaffId::new);
        let detail = match target {
            Some(_) if tries < 2 => continue,
            Some(_) => format!("{tries} failed sign-ins from {} addresses", group.addresses),
            None => format!(
                "{tries} failed sign-ins at {} e-mail addresses of no account, from {} addresses",
                group.accounts, group.addresses
            ),
        };
        audit::record(&mut tx, None, Action::SignInFailed, target, Some(&detail)).await?;
    }
    tx.commit().await?;
    Ok(summed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tries(ages: &[u64], account: bool, address: bool) -> Vec<Recent> {
        ages.iter()
            .map(|&secs| Recent {
                age: Duration::from_secs(secs),
                account,
                address,
            })
            .collect()
    }

    #[test]
    fn a_try_goes_ahead_below_every_limit() {
        assert_eq!(wait(&tries(&[10, 20, 30, 40], true, true), false), None);
        assert_eq!(wait(&[], false), None);
    }

    #[test]
    fn the_fifth_try_at_an_account_from_one_address_waits_until_the_oldest_of_five_leaves() {
        let recent = tries(&[10, 20, 30, 40, 100], true, true);
        assert_eq!(
            wait(&recent, false),
            Some(WINDOW - Duration::from_secs(100))
        );
        // Known addresses are no exception to this limit.
        assert_eq!(wait(&recent, true), Some(WINDOW - Duration::from_secs(100)));
    }

    #[test]
    fn tries_older_than_the_window_do_not_count() {
        let recent = tries(&[10, 20, 30, 40, 900, 1000], true, true);
        assert_eq!(wait(&recent, false), None);
    }

    #[test]
    fn failures_from_other_addresses_do_not_keep_an_account_out_below_the_account_limit() {
        let recent = tries(&[5; 19], true, false);
        assert_eq!(wait(&recent, false), None);
        let recent = tries(&[5; 20], true, false);
        assert_eq!(wait(&recent, false), Some(WINDOW - Duration::from_secs(5)));
    }

    #[test]
    fn a_known_address_passes_the_account_and_address_limits() {
        let mut recent = tries(&[5; 40], true, false);
        recent.extend(tries(&[5; 40], false, true));
        assert!(wait(&recent, false).is_some());
        assert_eq!(wait(&recent, true), None);
    }

    #[test]
    fn many_accounts_from_one_address_reach_the_address_limit() {
        let recent = tries(&[60; 20], false, true);
        assert_eq!(wait(&recent, false), Some(WINDOW - Duration::from_secs(60)));
    }

    #[test]
    fn the_longest_wait_of_the_limits_reached_is_the_one_given() {
        let mut recent = tries(&[1, 2, 3, 4, 5], true, true);
        recent.extend(tries(&[600; 20], false, true));
        assert_eq!(wait(&recent, false), Some(WINDOW - Duration::from_secs(5)));
    }

    #[test]
    fn a_wait_is_at_least_a_second() {
        let recent = tries(&[899, 899, 899, 899, 899], true, true);
        assert_eq!(wait(&recent, false), Some(Duration::from_secs(1)));
    }

    #[test]
    fn an_address_key_depends_on_the_salt_and_never_holds_the_address() {
        let key = address_key("salt", "10.0.0.7");
        assert_eq!(key.len(), 32);
        assert_ne!(key, address_key("other", "10.0.0.7"));
        assert!(!key.windows(8).any(|w| w == b"10.0.0.7"));
    }
}
