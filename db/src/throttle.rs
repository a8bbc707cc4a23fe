//! Sign-in throttling: failed sign-ins are counted per account and per address over a
//! window; past the limit, further attempts are refused until the oldest failure leaves
//! the window. Kept in PostgreSQL, so every server instance sees the same counts.
//!
//! An address is never stored in the clear: it is keyed with SHA-256 over this database's
//! random salt (`address_salt`), and rows older than the window are deleted.

use std::time::Duration;

use sqlx::PgConnection;

use canvass_core::staff::StaffEmail;

/// Failures allowed per account or per address within [`WINDOW`].
pub const LIMIT: i32 = 5;
/// How far back failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Where a sign-in attempt comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// The e-mail address as typed, parsed when it parses (else as typed, trimmed and lower
    /// cased, so that garbage is counted too).
    pub email: &'a str,
    /// The client's address, as the server sees it.
    pub address: &'a str,
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Too many failures: refused without checking the password, for about this long.
    Refused {
        retry_after: Duration,
    },
}

fn window_secs() -> f64 {
    WINDOW.as_secs_f64()
}

/// The key an e-mail address is counted under: the parsed address, else what was typed,
/// trimmed, lower cased and cut to 320 characters (an address is at most 254, and a huge
/// input must not become a huge index entry).
pub fn account_key(email: &str) -> String {
    StaffEmail::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase().chars().take(320).collect())
}

/// Whether this attempt may go ahead, given the failures in the window.
pub async fn check(conn: &mut PgConnection, attempt: Attempt<'_>) -> Result<Verdict, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH key AS (
               SELECT sha256(convert_to(salt || $2, 'UTF8')) AS address_key FROM address_salt
           ),
           recent AS (
               SELECT f.at, f.email = $1 AS by_account, f.address_key = k.address_key AS by_address
               FROM sign_in_failures f, key k
               WHERE f.at > now() - make_interval(secs => $3)
                 AND (f.email = $1 OR f.address_key = k.address_key)
           ),
           -- The moment each side's count drops back under the limit: its LIMIT-th newest
           -- failure leaves the window.
           account AS (
               SELECT at FROM recent WHERE by_account ORDER BY at DESC OFFSET $4 - 1 LIMIT 1
           ),
           address AS (
               SELECT at FROM recent WHERE by_address ORDER BY at DESC OFFSET $4 - 1 LIMIT 1
           )
           SELECT extract(epoch FROM greatest(
                      (SELECT at FROM account), (SELECT at FROM address)
                  ) + make_interval(secs => $3) - now())::float8 AS "wait""#,
        account_key(attempt.email),
        attempt.address,
        window_secs(),
        LIMIT
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(match row.wait {
        Some(secs) if secs > 0.0 => Verdict::Refused {
            retry_after: Duration::from_secs_f64(secs.ceil()),
        },
        _ => Verdict::Allowed,
    })
}

/// Counts a failed attempt, and forgets failures older than the window.
pub async fn record_failure(
    conn: &mut PgConnection,
    attempt: Attempt<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"WITH old AS (
               DELETE FROM sign_in_failures WHERE at <= now() - make_interval(secs => $3)
           )
           INSERT INTO sign_in_failures (email, address_key)
           SELECT $1, sha256(convert_to(salt || $2, 'UTF8')) FROM address_salt"#,
        account_key(attempt.email),
        attempt.address,
        window_secs()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A successful sign-in clears the account's failures; they still count for their address
/// (someone trying many accounts from one address must not reset the count with their own).
pub async fn clear_account(conn: &mut PgConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sign_in_failures SET email = NULL WHERE email = $1",
        email
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    fn attempt<'a>(email: &'a str, address: &'a str) -> Attempt<'a> {
        Attempt { email, address }
    }

    async fn fail(conn: &mut PgConnection, times: usize, a: Attempt<'_>) {
        for _ in 0..times {
            record_failure(conn, a).await.expect("recorded");
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn five_failures_for_an_account_refuse_the_sixth_attempt_from_anywhere(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let victim = "wang.li@hospital.cn";
        // Four failures from four addresses: still allowed.
        for i in 0..4 {
            fail(&mut conn, 1, attempt(victim, &format!("10.0.0.{i}"))).await;
        }
        assert_eq!(
            check(&mut conn, attempt(victim, "10.0.0.9"))
                .await
                .expect("check"),
            Verdict::Allowed
        );
        // The fifth, with the address in another case of the e-mail.
        fail(&mut conn, 1, attempt("  WANG.LI@hospital.cn", "10.0.0.5")).await;
        let Verdict::Refused { retry_after } = check(&mut conn, attempt(victim, "10.0.0.9"))
            .await
            .expect("check")
        else {
            panic!("the sixth attempt should be refused");
        };
        assert!(
            retry_after > Duration::from_secs(14 * 60) && retry_after <= WINDOW,
            "{retry_after:?}"
        );
        // Another account from a fresh address is not affected.
        assert_eq!(
            check(&mut conn, attempt("zhang.wei@hospital.cn", "10.0.0.9"))
                .await
                .expect("check"),
            Verdict::Allowed
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn five_failures_from_an_address_refuse_it_for_every_account(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        for i in 0..5 {
            fail(
                &mut conn,
                1,
                attempt(&format!("user{i}@hospital.cn"), "2001:db8::1"),
            )
            .await;
        }
        assert!(matches!(
            check(
                &mut conn,
                attempt("someone.else@hospital.cn", "2001:db8::1")
            )
            .await
            .expect("check"),
            Verdict::Refused { .. }
        ));
        assert_eq!(
            check(
                &mut conn,
                attempt("someone.else@hospital.cn", "2001:db8::2")
            )
            .await
            .expect("check"),
            Verdict::Allowed
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn failures_older_than_the_window_no_longer_count_and_are_deleted(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let a = attempt("wang.li@hospital.cn", "10.0.0.1");
        fail(&mut conn, 5, a).await;
        sqlx::query("UPDATE sign_in_failures SET at = now() - interval '16 minutes'")
            .execute(&pool)
            .await
            .expect("aged");
        assert_eq!(check(&mut conn, a).await.expect("check"), Verdict::Allowed);
        fail(&mut conn, 1, a).await;
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_failures")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(left, 1, "the aged failures were deleted");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_address_is_never_stored_in_the_clear(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        fail(&mut conn, 1, attempt("wang.li@hospital.cn", "203.0.113.7")).await;
        let stored: Vec<u8> = sqlx::query_scalar("SELECT address_key FROM sign_in_failures")
            .fetch_one(&pool)
            .await
            .expect("key");
        assert_eq!(stored.len(), 32);
        assert!(
            !String::from_utf8_lossy(&stored).contains("203.0.113.7"),
            "{stored:?}"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_success_clears_the_accounts_failures_but_not_the_addresss(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let a = attempt("wang.li@hospital.cn", "10.0.0.1");
        fail(&mut conn, 5, a).await;
        clear_account(
            &mut conn,
            StaffEmail::parse("wang.li@hospital.cn")
                .expect("email")
                .as_str(),
        )
        .await
        .expect("cleared");
        assert_eq!(
            check(&mut conn, attempt("wang.li@hospital.cn", "10.0.0.2"))
                .await
                .expect("check"),
            Verdict::Allowed
        );
        assert!(matches!(
            check(&mut conn, a).await.expect("check"),
            Verdict::Refused { .. }
        ));
    }
}
