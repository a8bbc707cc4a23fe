//! What the monitoring dashboard counts: maintained counts, never the responses themselves.
//!
//! Triggers on `responses` (migration `20261128140000_response_counts.sql`; one counting
//! function since `20261204090000_one_counting_function.sql`) keep four small
//! tables current in the same transaction as each write, split into shards so concurrent
//! saves seldom wait on each other; a page save instead appends its move between sections
//! to `response_moves`, which [`fold_moves`] adds to the tallies (migration
//! `20261130090000_save_moves_appended.sql`). These queries sum the shards, and the moves
//! not folded yet: their cost depends on the survey's shape (sections, links, choices,
//! hours of fieldwork) and on about a second's saves, not on how many responses there are.

use std::time::Duration;

use canvass_core::ids::{LinkId, SurveyId};
use canvass_core::monitor::{self, Counts, LinkCounts};
use canvass_core::response::ResponseStatus;
use canvass_core::survey::Survey;
use sqlx::{Connection, PgConnection};

use crate::responses::Status;

/// How many responses of a survey stand at one status and last section, through one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub status: ResponseStatus,
    pub last_section: Option<String>,
    pub link_id: Option<LinkId>,
    pub n: i64,
}

/// Every (status, last section, link) of a survey's responses, with its count.
pub async fn tallies(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Vec<Tally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status!: Status", last_section, link_id, sum(n)::int8 AS "n!"
           FROM response_tallies_live WHERE survey_id = $1
           GROUP BY status, last_section, link_id HAVING sum(n) <> 0"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Tally {
            status: r.status.into(),
            last_section: r.last_section,
            link_id: r.link_id.map(LinkId::new),
            n: r.n,
        })
        .collect())
}

/// Folds the moves page saves appended to `response_moves` into `response_tallies`, in one
/// statement (so a reader of `response_tallies_live` sees each move once, pending or
/// folded), and returns how many it folded. The responses moved are queued for the
/// analysis counts ([`crate::analysis::fold`]): due at once when a move ended the response
/// (submitted, refused, screened out, quota full), due after `rest` when it is still in
/// progress (a later save pushes that back). Servers call it each tick; any number may run
/// at once. The sums go to shard -1, which no trigger writes, so folding never waits on a
/// save or a trigger for a row lock.
pub async fn fold_moves(conn: &mut PgConnection, rest: Duration) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH moved AS (
             DELETE FROM response_moves
             RETURNING survey_id, link_id, from_section, to_status, to_section, response_id
           ), queued AS (
             INSERT INTO analysis_queue AS q (response_id, due_at)
             SELECT response_id,
                    CASE WHEN bool_and(to_status = 'in_progress')
                         THEN now() + make_interval(secs => $1) ELSE now() END
             FROM moved WHERE response_id IS NOT NULL
             GROUP BY response_id ORDER BY response_id
             ON CONFLICT (response_id) DO UPDATE SET due_at = EXCLUDED.due_at
           ), counted AS (
             SELECT survey_id, link_id, 'in_progress'::response_status AS status,
                    from_section AS last_section, -1 AS n
             FROM moved
             UNION ALL
             SELECT survey_id, link_id, to_status, to_section, 1 FROM moved
           ), folded AS (
             INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
             SELECT survey_id, link_id, status, last_section, -1, sum(n)
             FROM counted
             GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
             ORDER BY 1, 2, 3, 4
             ON CONFLICT ON CONSTRAINT response_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n
           )
           SELECT count(*) AS "folded!" FROM moved"#,
        rest.as_secs_f64()
    )
    .fetch_one(&mut *conn)
    .await
}

/// How many responses at each status chose each code of these single-choice questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceTally {
    pub question: String,
    pub code: String,
    pub status: ResponseStatus,
    pub n: i64,
}

/// The answers to `questions` (breakdown questions of the survey) counted by code and by
/// the response's status.
pub async fn choice_tallies(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    questions: &[String],
) -> Result<Vec<ChoiceTally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_id, code, status AS "status: Status", sum(n)::int8 AS "n!"
           FROM choice_tallies WHERE survey_id = $1 AND question_id = ANY($2)
           GROUP BY 1, 2, 3 HAVING sum(n) <> 0"#,
        survey_id.get(),
        questions
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChoiceTally {
            question: r.question_id,
            code: r.code,
            status: r.status.into(),
            n: r.n,
        })
        .collect())
}

/// Counts a welcome page opened at the survey's own address (one of 16 shards at random,
/// so concurrent visitors seldom wait on one row).
pub async fn count_open(conn: &mut PgConnection, survey_id: SurveyId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO survey_opens AS o (survey_id, shard, n)
           VALUES ($1, floor(random() * 16)::smallint, 1)
           ON CONFLICT ON CONSTRAINT survey_opens_key DO UPDATE SET n = o.n + 1"#,
        survey_id.get()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Welcome pages opened at the survey's own address ([`count_open`]).
pub async fn direct_opens(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(n), 0)::int8 AS "n!" FROM survey_opens WHERE survey_id = $1"#,
        survey_id.get()
    )
    .fetch_one(&mut *conn)
    .await
}

/// What `flag_tallies` counts responses by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Begun in a browser that had begun one for the same survey before.
    SameBrowser,
    /// Begun through an invitation link.
    Invited,
}

impl Flag {
    fn as_str(self) -> &'static str {
        match self {
            Flag::SameBrowser => "same_browser",
            Flag::Invited => "invited",
        }
    }
}

/// Responses with `flag`, by status.
pub async fn flagged(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    flag: Flag,
) -> Result<Vec<(ResponseStatus, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status: Status", sum(n)::int8 AS "n!" FROM flag_tallies
           WHERE survey_id = $1 AND flag = $2
           GROUP BY status HAVING sum(n) <> 0"#,
        survey_id.get(),
        flag.as_str()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status.into(), r.n)).collect())
}

/// Completed responses by whole minutes from start to submission (1440: a day or more),
/// as `(minutes, count)`, for [`canvass_core::monitor::histogram_median`].
pub async fn completion_minutes(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Vec<(u32, u64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT minutes, sum(n)::int8 AS "n!" FROM completion_minutes
           WHERE survey_id = $1 GROUP BY minutes HAVING sum(n) > 0"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((u32::try_from(r.minutes).ok()?, u64::try_from(r.n).ok()?)))
        .collect())
}

/// Responses started and completed in one period (a day or an hour of the study's zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `YYYY-MM-DD` for a day, `HH` (00–23) for an hour of today.
    pub label: String,
    pub started: i64,
    pub completed: i64,
}

/// Responses started and completed each day in time zone `zone`, from the first day with
/// any to today, days without any included (as zeros).
///
/// The counts are kept per UTC hour, so a day here is made of whole UTC hours: exact for a
/// zone whose offset is whole hours (China's, UTC+8), off by the odd half hour otherwise.
pub async fn per_day(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    zone: &str,
) -> Result<Vec<Period>, sqlx::Error> {
    sqlx::query_as!(
        Period,
        r#"WITH counted AS (
             SELECT (hour AT TIME ZONE $2)::date AS day,
                    sum(n) FILTER (WHERE NOT completed) AS started,
                    sum(n) FILTER (WHERE completed) AS completed
             FROM response_hours WHERE survey_id = $1
             GROUP BY 1
           ), days AS (
             SELECT generate_series(min(day), (now() AT TIME ZONE $2)::date, '1 day')::date AS day
             FROM counted
           )
           SELECT to_char(d.day, 'YYYY-MM-DD') AS "label!",
                  coalesce(c.started, 0)::int8 AS "started!",
                  coalesce(c.completed, 0)::int8 AS "completed!"
           FROM days d LEFT JOIN counted c USING (day)
           ORDER BY d.day"#,
        survey_id.get(),
        zone
    )
    .fetch_all(&mut *conn)
    .await
}

/// Responses started and completed in each hour of today in time zone `zone`, from
/// midnight to the current hour, hours without any included (as zeros).
pub async fn today_by_hour(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    zone: &str,
) -> Result<Vec<Period>, sqlx::Error> {
    sqlx::query_as!(
        Period,
        r#"WITH hours AS (
             SELECT generate_series(date_trunc('day', now() AT TIME ZONE $2),
                                    date_trunc('hour', now() AT TIME ZONE $2),
                                    '1 hour') AS local
           ), counted AS (
             SELECT date_trunc('hour', hour AT TIME ZONE $2) AS local,
                    sum(n) FILTER (WHERE NOT completed) AS started,
                    sum(n) FILTER (WHERE completed) AS completed
             FROM response_hours
             WHERE survey_id = $1
               AND hour >= date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2
                           - interval '1 hour'
             GROUP BY 1
           )
           SELECT to_char(h.local, 'HH24') AS "label!",
                  coalesce(c.started, 0)::int8 AS "started!",
                  coalesce(c.completed, 0)::int8 AS "completed!"
           FROM hours h LEFT JOIN counted c USING (local)
           ORDER BY h.local"#,
        survey_id.get(),
        zone
    )
    .fetch_all(&mut *conn)
    .await
}

/// Everything the monitoring figures count, for [`canvass_core::monitor::Figures`], read
/// in one `REPEATABLE READ, READ ONLY` transaction: the figures agree with one another
/// (no response counted as begun but missing from its link) while saves go on. Call it
/// on a connection outside any transaction.
pub async fn snapshot(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    survey: &Survey,
) -> Result<Counts, sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let zone = survey.time_zone.as_str();
    let questions: Vec<String> = survey.breakdowns.iter().map(ToString::to_string).collect();
    let n = |n: i64| u64::try_from(n).unwrap_or(0);
    let periods = |rows: Vec<Period>| -> Vec<monitor::Period> {
        rows.into_iter()
            .map(|p| monitor::Period {
                label: p.label,
                started: n(p.started),
                completed: n(p.completed),
            })
            .collect()
    };
    let by_status = |rows: Vec<(ResponseStatus, i64)>| -> Vec<(ResponseStatus, u64)> {
        rows.into_iter().map(|(s, count)| (s, n(count))).collect()
    };
    let counts = Counts {
        tallies: tallies(&mut tx, survey_id)
            .await?
            .into_iter()
            .map(|t| monitor::Tally {
                status: t.status,
                last_section: t.last_section,
                link_id: t.link_id,
                n: n(t.n),
            })
            .collect(),
        links: crate::links::for_survey(&mut tx, survey_id)
            .await?
            .into_iter()
            .map(|l| LinkCounts {
                id: l.id,
                name: l.name,
                channel: l.channel,
                open: l.open,
                opens: n(l.opens),
                target: l.target.and_then(|t| u64::try_from(t).ok()),
            })
            .collect(),
        direct_opens: n(direct_opens(&mut tx, survey_id).await?),
        completion_minutes: completion_minutes(&mut tx, survey_id).await?,
        choices: choice_tallies(&mut tx, survey_id, &questions)
            .await?
            .into_iter()
            .map(|c| monitor::ChoiceTally {
                question: c.question,
                code: c.code,
                status: c.status,
                n: n(c.n),
            })
            .collect(),
        per_day: periods(per_day(&mut tx, survey_id, zone).await?),
        today: periods(today_by_hour(&mut tx, survey_id, zone).await?),
        same_browser: by_status(flagged(&mut tx, survey_id, Flag::SameBrowser).await?),
        invited_responses: by_status(flagged(&mut tx, survey_id, Flag::Invited).await?),
        invitations: n(crate::invitations::counts(&mut tx, survey_id)
            .await?
            .invited),
        bursts: crate::pace::bursts(&mut tx, survey_id).await?,
    };
    tx.commit().await?;
    Ok(counts)
}

/// Makes every response's copy of its breakdown answers (`responses.breakdown`) hold the
/// answers to `questions`, when the survey's breakdowns were different: at the first start
/// after an upgrade, or when a new version declares others. The triggers then recount.
/// Nothing happens when the set is unchanged.
pub async fn align_breakdowns(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    questions: &[canvass_core::survey::QuestionId],
) -> Result<(), sqlx::Error> {
    let questions: Vec<String> = questions.iter().map(ToString::to_string).collect();
    // A transaction of its own, or a savepoint within the caller's.
    let mut tx = conn.begin().await?;
    let changed = sqlx::query_scalar!(
        "UPDATE surveys SET breakdowns = $2 WHERE id = $1 AND breakdowns IS DISTINCT FROM $2
         RETURNING id",
        survey_id.get(),
        &questions
    )
    .fetch_optional(&mut *tx)
    .await?;
    if changed.is_none() {
        return tx.commit().await;
    }
    // This rewrites many responses (and their counts) at once: saves wait until it is
    // committed, rather than deadlock with it on the count rows.
    sqlx::query!("LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        r#"UPDATE responses r SET breakdown = coalesce(
             (SELECT jsonb_object_agg(a.key, c.code)
              FROM jsonb_each(r.answers) a,
                   LATERAL (VALUES (coalesce(a.value ->> 'c', a.value #>> '{co,0}'))) c (code)
              WHERE a.key = ANY($2) AND c.code IS NOT NULL),
             '{}')
           WHERE r.survey_id = $1"#,
        survey_id.get(),
        &questions
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod maintained;
