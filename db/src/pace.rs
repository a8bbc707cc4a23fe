//! How fast respondents arrive from one place: limits on beginning responses, and bursts of
//! completions from one address flagged for the dashboard. A script must not be able to fill
//! a quota cell with fake responses (turning real respondents away) or flood a survey from
//! one address; a hospital's network, where hundreds of radiologists share one address, must
//! not be turned away either, so the limits are generous and settable.
//!
//! Counts are kept per survey in fixed windows of [`WINDOW`] (`respondent_counts`), in
//! PostgreSQL so that every server instance sees the same ones. Each consent post that
//! would begin a response counts once for its address and once for its link, whether or
//! not it is let through; past a limit it is refused until the window ends. An address is
//! keyed in Rust with the database's salt (as for sign-in throttling): it never reaches SQL
//! in the clear.

use std::time::Duration;

use canvass_core::ids::SurveyId;
use canvass_core::monitor::Bursts;
use sqlx::PgConnection;

use crate::links::LinkCode;

/// The length of a counting window.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Completions from one address within one window that the dashboard flags as a burst.
pub const BURST: i32 = 10;
/// How long windows are kept (and bursts shown).
pub const KEPT_DAYS: i32 = 30;

/// Responses that may be begun within one [`WINDOW`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartLimits {
    /// From one client address (a hospital's network may put many people behind one).
    pub per_address: u32,
    /// Through one distribution link, from everywhere.
    pub per_link: u32,
}

impl Default for StartLimits {
    fn default() -> Self {
        StartLimits {
            per_address: 200,
            per_link: 2000,
        }
    }
}

/// Whether a response may be begun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over a limit until the window ends, this long from now.
    Refused {
        retry_after: Duration,
    },
}

/// The keyed form of a client address.
async fn keyed(conn: &mut PgConnection, address: &str) -> Result<Vec<u8>, sqlx::Error> {
    let salt = sqlx::query_scalar!("SELECT salt FROM address_salt")
        .fetch_one(&mut *conn)
        .await?;
    Ok(crate::throttle::address_key(&salt, address))
}

/// Counts a try at beginning a response to `survey_id` from `address` (through `link`, if
/// the browser came through one) and says whether it may go ahead. One statement, outside
/// the caller's transaction: counts are never held locked while a response is begun.
pub async fn begin(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    address: &str,
    link: Option<&LinkCode>,
    limits: StartLimits,
) -> Result<Verdict, sqlx::Error> {
    let mut kinds = vec!["begun_by_address".to_owned()];
    let mut subjects = vec![keyed(conn, address).await?];
    if let Some(link) = link {
        kinds.push("begun_by_link".to_owned());
        subjects.push(link.as_str().as_bytes().to_vec());
    }
    let window = i64::try_from(WINDOW.as_secs()).unwrap_or(600);
    let rows = sqlx::query!(
        r#"INSERT INTO respondent_counts AS c (survey_id, kind, subject, window_start, n)
           SELECT $1, kind, subject,
                  date_bin(make_interval(secs => $4), now(), timestamptz '2000-01-01 00:00Z'), 1
           FROM unnest($2::text[], $3::bytea[]) AS t(kind, subject)
           ON CONFLICT ON CONSTRAINT respondent_counts_key DO UPDATE SET n = c.n + 1
           RETURNING kind, n,
                     extract(epoch FROM c.window_start + make_interval(secs => $4) - now())::float8
                       AS "left!""#,
        survey_id.get(),
        &kinds,
        &subjects,
        window as f64
    )
    .fetch_all(&mut *conn)
    .await?;
    let over = rows.iter().find(|row| {
        let limit = match row.kind.as_str() {
            "begun_by_link" => limits.per_link,
            _ => limits.per_address,
        };
        u32::try_from(row.n).unwrap_or(0) > limit
    });
    Ok(match over {
        Some(row) => Verdict::Refused {
            retry_after: Duration::from_secs_f64(row.left.clamp(1.0, WINDOW.as_secs_f64())),
        },
        None => Verdict::Allowed,
    })
}

/// Counts a response completed from `address`.
pub async fn completed(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    address: &str,
) -> Result<(), sqlx::Error> {
    let subject = keyed(conn, address).await?;
    let window = i64::try_from(WINDOW.as_secs()).unwrap_or(600);
    sqlx::query!(
        r#"INSERT INTO respondent_counts AS c (survey_id, kind, subject, window_start, n)
           VALUES ($1, 'completed_by_address', $2,
                   date_bin(make_interval(secs => $3), now(), timestamptz '2000-01-01 00:00Z'), 1)
           ON CONFLICT ON CONSTRAINT respondent_counts_key DO UPDATE SET n = c.n + 1"#,
        survey_id.get(),
        subject,
        window as f64
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Bursts of completions from one address: windows in which one address completed at
/// least [`BURST`] responses, over the last [`KEPT_DAYS`].
pub async fn bursts(conn: &mut PgConnection, survey_id: SurveyId) -> Result<Bursts, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "bursts!", coalesce(sum(n), 0)::int8 AS "completed!"
           FROM respondent_counts
           WHERE survey_id = $1 AND kind = 'completed_by_address' AND n >= $2
             AND window_start > now() - make_interval(days => $3)"#,
        survey_id.get(),
        BURST,
        KEPT_DAYS
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Bursts {
        bursts: u64::try_from(row.bursts).unwrap_or(0),
        completed: u64::try_from(row.completed).unwrap_or(0),
    })
}

/// Deletes windows older than [`KEPT_DAYS`]; how many.
pub async fn forget_old(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM respondent_counts WHERE window_start < now() - make_interval(days => $1)",
        KEPT_DAYS
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    async fn survey(pool: &PgPool) -> SurveyId {
        sqlx::query_scalar("INSERT INTO surveys (slug) VALUES ('ai-collab') RETURNING id")
            .fetch_one(pool)
            .await
            .map(SurveyId::new)
            .expect("survey")
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn beginning_is_refused_past_a_limit_per_address_and_per_link(pool: PgPool) {
        let survey_id = survey(&pool).await;
        let mut conn = pool.acquire().await.expect("connection");
        let limits = StartLimits {
            per_address: 3,
            per_link: 5,
        };
        let link = LinkCode::parse("abcdefghij").expect("code");
        for _ in 0..3 {
            let verdict = begin(&mut conn, survey_id, "10.0.0.1", Some(&link), limits).await;
            assert_eq!(verdict.expect("q"), Verdict::Allowed);
        }
        // A fourth from that address is refused until the window ends…
        let refused = begin(&mut conn, survey_id, "10.0.0.1", None, limits)
            .await
            .expect("q");
        assert!(
            matches!(refused, Verdict::Refused { retry_after } if retry_after <= WINDOW && retry_after >= Duration::from_secs(1)),
            "{refused:?}"
        );
        // …while other addresses go on, through the link, until it has had its five.
        for address in ["10.0.0.2", "10.0.0.3"] {
            let verdict = begin(&mut conn, survey_id, address, Some(&link), limits).await;
            assert_eq!(verdict.expect("q"), Verdict::Allowed, "{address}");
        }
        let verdict = begin(&mut conn, survey_id, "10.0.0.4", Some(&link), limits)
            .await
            .expect("q");
        assert!(matches!(verdict, Verdict::Refused { .. }), "{verdict:?}");
        let verdict = begin(&mut conn, survey_id, "10.0.0.4", None, limits)
            .await
            .expect("q");
        assert_eq!(verdict, Verdict::Allowed, "without the link");

        // No address is stored in the clear.
        let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT subject FROM respondent_counts")
            .fetch_all(&mut *conn)
            .await
            .expect("rows");
        assert!(
            stored
                .iter()
                .all(|s| !String::from_utf8_lossy(s).contains("10.0.0")),
            "{stored:?}"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_burst_is_ten_completions_from_one_address_in_a_window(pool: PgPool) {
        let survey_id = survey(&pool).await;
        let mut conn = pool.acquire().await.expect("connection");
        for _ in 0..BURST - 1 {
            completed(&mut conn, survey_id, "10.0.0.1")
                .await
                .expect("q");
            completed(&mut conn, survey_id, "10.0.0.2")
                .await
                .expect("q");
        }
        assert_eq!(
            bursts(&mut conn, survey_id).await.expect("q"),
            Bursts::default()
        );
        completed(&mut conn, survey_id, "10.0.0.1")
            .await
            .expect("q");
        assert_eq!(
            bursts(&mut conn, survey_id).await.expect("q"),
            Bursts {
                bursts: 1,
                completed: u64::try_from(BURST).expect("positive")
            }
        );
        // Windows past the kept days are forgotten, and their bursts with them.
        sqlx::query("UPDATE respondent_counts SET window_start = now() - interval '31 days'")
            .execute(&mut *conn)
            .await
            .expect("aged");
        assert_eq!(forget_old(&mut conn).await.expect("q"), 2);
        assert_eq!(
            bursts(&mut conn, survey_id).await.expect("q"),
            Bursts::default()
        );
    }
}
