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
    pub link_id: Option<i64>,
    pub n: i64,
}

/// Every (status, last section, link) of a survey's responses, with its count.
pub async fn tallies(conn: &mut PgConnection, survey_id: i64) -> Result<Vec<Tally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status!: Status", last_section, link_id, sum(n)::int8 AS "n!"
           FROM response_tallies_live WHERE survey_id = $1
           GROUP BY status, last_section, link_id HAVING sum(n) <> 0"#,
        survey_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Tally {
            status: r.status.into(),
            last_section: r.last_section,
            link_id: r.link_id,
            n: r.n,
        })
        .collect())
}

/// Folds the moves page saves appended to `response_moves` into `response_tallies`, in one
/// statement (so a reader of `response_tallies_live` sees each move once, pending or
/// folded), and returns how many it folded. Servers call it every second; any number may
/// run at once. The sums go to shard -1, which no trigger writes, so folding never waits
/// on a save or a trigger for a row lock.
pub async fn fold_moves(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH moved AS (
             DELETE FROM response_moves
             RETURNING survey_id, link_id, from_section, to_status, to_section
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
           SELECT count(*) AS "folded!" FROM moved"#
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
    survey_id: i64,
    questions: &[String],
) -> Result<Vec<ChoiceTally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_id, code, status AS "status: Status", sum(n)::int8 AS "n!"
           FROM choice_tallies WHERE survey_id = $1 AND question_id = ANY($2)
           GROUP BY 1, 2, 3 HAVING sum(n) <> 0"#,
        survey_id,
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
pub async fn count_open(conn: &mut PgConnection, survey_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO survey_opens AS o (survey_id, shard, n)
           VALUES ($1, floor(random() * 16)::smallint, 1)
           ON CONFLICT ON CONSTRAINT survey_opens_key DO UPDATE SET n = o.n + 1"#,
        survey_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Welcome pages opened at the survey's own address ([`count_open`]).
pub async fn direct_opens(conn: &mut PgConnection, survey_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(n), 0)::int8 AS "n!" FROM survey_opens WHERE survey_id = $1"#,
        survey_id
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
    survey_id: i64,
    flag: Flag,
) -> Result<Vec<(ResponseStatus, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status: Status", sum(n)::int8 AS "n!" FROM flag_tallies
           WHERE survey_id = $1 AND flag = $2
           GROUP BY status HAVING sum(n) <> 0"#,
        survey_id,
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
    survey_id: i64,
) -> Result<Vec<(u32, u64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT minutes, sum(n)::int8 AS "n!" FROM completion_minutes
           WHERE survey_id = $1 GROUP BY minutes HAVING sum(n) > 0"#,
        survey_id
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
    survey_id: i64,
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
        survey_id,
        zone
    )
    .fetch_all(&mut *conn)
    .await
}

/// Responses started and completed in each hour of today in time zone `zone`, from
/// midnight to the current hour, hours without any included (as zeros).
pub async fn today_by_hour(
    conn: &mut PgConnection,
    survey_id: i64,
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
        survey_id,
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
    survey_id: i64,
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
    survey_id: i64,
    questions: &[canvass_core::survey::QuestionId],
) -> Result<(), sqlx::Error> {
    let questions: Vec<String> = questions.iter().map(ToString::to_string).collect();
    // A transaction of its own, or a savepoint within the caller's.
    let mut tx = conn.begin().await?;
    let changed = sqlx::query_scalar!(
        "UPDATE surveys SET breakdowns = $2 WHERE id = $1 AND breakdowns IS DISTINCT FROM $2
         RETURNING id",
        survey_id,
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
        survey_id,
        &questions
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn responses_are_tallied_by_status_section_and_link_and_timed_by_the_minute(
        pool: PgPool,
    ) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey = canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB)
            .expect("survey");
        crate::surveys::install(&mut conn, &survey, canvass_core::surveys::AI_COLLAB)
            .await
            .expect("installed");
        let survey_id: i64 = sqlx::query_scalar("SELECT id FROM surveys")
            .fetch_one(&pool)
            .await
            .expect("id");
        assert_eq!(tallies(&mut conn, survey_id).await.expect("q"), []);
        assert_eq!(
            completion_minutes(&mut conn, survey_id).await.expect("q"),
            []
        );
        // Three responses: two submitted after 10 and 30 minutes, one stopped at `profile`.
        sqlx::query(
            "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                    last_section, started_at, completed_at)
             SELECT sha256(convert_to(i::text, 'UTF8')), $1, 3, 'zh', s::response_status, l,
                    now() - make_interval(mins => m), CASE WHEN s = 'completed' THEN now() END
             FROM (VALUES (1, 'completed', 'follow_up', 10), (2, 'completed', 'follow_up', 30),
                          (3, 'in_progress', 'profile', 5)) AS t(i, s, l, m)",
        )
        .bind(survey_id)
        .execute(&pool)
        .await
        .expect("responses");
        let mut found = tallies(&mut conn, survey_id).await.expect("q");
        found.sort_by_key(|t| t.n);
        assert_eq!(
            found,
            [
                Tally {
                    status: ResponseStatus::InProgress,
                    last_section: Some("profile".to_owned()),
                    link_id: None,
                    n: 1
                },
                Tally {
                    status: ResponseStatus::Completed,
                    last_section: Some("follow_up".to_owned()),
                    link_id: None,
                    n: 2
                },
            ]
        );
        let mut minutes = completion_minutes(&mut conn, survey_id).await.expect("q");
        minutes.sort_unstable();
        assert_eq!(minutes, [(10, 1), (30, 1)]);
    }
}

#[cfg(test)]
mod maintained {
    //! The maintained counts always equal a count of the responses, whatever is written
    //! and however many write at once.
    use canvass_core::response::ResponseStatus;
    use canvass_core::survey::Survey;
    use canvass_core::surveys::AI_COLLAB;
    use sqlx::PgPool;

    /// Installs the national survey; its ID.
    async fn national(conn: &mut sqlx::PgConnection) -> i64 {
        let survey = Survey::from_toml(AI_COLLAB).expect("survey");
        crate::surveys::install(conn, &survey, AI_COLLAB)
            .await
            .expect("installed");
        sqlx::query_scalar("SELECT id FROM surveys")
            .fetch_one(&mut *conn)
            .await
            .expect("id")
    }

    /// Rows where a maintained table and a fresh count of `responses` disagree, described.
    async fn mismatches(pool: &PgPool) -> Vec<String> {
        let checks = [
            (
                "tallies",
                "SELECT survey_id, link_id, status::text, last_section, sum(n)::int8
                 FROM response_tallies_live GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0",
                "SELECT survey_id, link_id, status::text, last_section, count(*)
                 FROM responses GROUP BY 1, 2, 3, 4",
            ),
            (
                "choices",
                "SELECT survey_id, question_id, code, status::text, sum(n)::int8
                 FROM choice_tallies GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0",
                "SELECT survey_id, e.key, e.value, status::text, count(*)
                 FROM responses, jsonb_each_text(breakdown) e GROUP BY 1, 2, 3, 4",
            ),
            (
                "hours",
                "SELECT survey_id, hour, completed, sum(n)::int8
                 FROM response_hours GROUP BY 1, 2, 3 HAVING sum(n) <> 0",
                "SELECT survey_id, date_trunc('hour', started_at, 'UTC'), false, count(*)
                 FROM responses GROUP BY 1, 2, 3
                 UNION ALL
                 SELECT survey_id, date_trunc('hour', completed_at, 'UTC'), true, count(*)
                 FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3",
            ),
            (
                "flags",
                "SELECT survey_id, flag, status::text, sum(n)::int8
                 FROM flag_tallies GROUP BY 1, 2, 3 HAVING sum(n) <> 0",
                "SELECT survey_id, 'same_browser', status::text, count(*)
                 FROM responses WHERE same_browser GROUP BY 1, 2, 3
                 UNION ALL
                 SELECT survey_id, 'invited', status::text, count(*)
                 FROM responses WHERE invited GROUP BY 1, 2, 3",
            ),
            (
                "minutes",
                "SELECT survey_id, minutes, sum(n)::int8
                 FROM completion_minutes GROUP BY 1, 2 HAVING sum(n) <> 0",
                "SELECT survey_id, canvass_completion_minutes(started_at, completed_at), count(*)
                 FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2",
            ),
        ];
        let mut found = Vec::new();
        for (name, kept, counted) in checks {
            let sql = format!(
                "SELECT 'kept, not counted: ' || row(k.*)::text FROM (({kept}) EXCEPT ({counted})) k
                 UNION ALL
                 SELECT 'counted, not kept: ' || row(c.*)::text FROM (({counted}) EXCEPT ({kept})) c"
            );
            let rows: Vec<String> = sqlx::query_scalar(&sql)
                .fetch_all(pool)
                .await
                .expect("comparison");
            found.extend(rows.into_iter().map(|r| format!("{name}: {r}")));
        }
        found
    }

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Dice(u64);
    impl Dice {
        fn roll(&mut self, sides: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % sides
        }
    }

    /// One random write to one response, as any code path might make it.
    async fn random_write(pool: &PgPool, dice: &mut Dice, survey_id: i64, links: &[i64]) {
        let response = i64::try_from(dice.roll(40)).expect("small") + 1;
        let link = links.get(dice.roll(3) as usize).copied();
        let section =
            ["consent", "screening", "profile", "ai_use", "barriers"][dice.roll(5) as usize];
        let province = ["gd", "bj", "sh"][dice.roll(3) as usize];
        let role = ["clinician", "industry"][dice.roll(2) as usize];
        let minutes = i64::try_from(dice.roll(200)).expect("small");
        let query = match dice.roll(13) {
            // A server's fold of the saves' moves into the tallies, at any moment.
            12 => {
                let mut conn = pool.acquire().await.expect("connection");
                super::fold_moves(&mut conn).await.expect("fold");
                return;
            }
            // A response started as a respondent starts one, with a link and maybe the
            // same-browser flag (counted by the insert triggers).
            11 => {
                let mut conn = pool.acquire().await.expect("connection");
                let origin = crate::responses::Origin {
                    link_id: link,
                    same_browser: minutes % 2 == 0,
                    ..Default::default()
                };
                crate::responses::start(&mut conn, survey_id, 3, canvass_core::Lang::Zh, origin)
                    .await
                    .expect("start");
                return;
            }
            // A page save as a respondent makes it (it counts its own move), which may
            // also end or complete the response and set a breakdown answer.
            9 | 10 => {
                let public_id: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT public_id FROM responses WHERE id = $1")
                        .bind(response)
                        .fetch_optional(pool)
                        .await
                        .expect("read");
                let mut conn = pool.acquire().await.expect("connection");
                let read = match public_id {
                    Some(id) => crate::responses::snapshot(&mut conn, crate::responses::PublicId(id))
                        .await
                        .expect("read"),
                    None => None,
                };
                if let Some(read) = read {
                    let status = [None, None, Some(ResponseStatus::Completed), Some(ResponseStatus::Refused)]
                        [dice.roll(4) as usize];
                    let page = crate::responses::PageSave {
                        section: section.to_owned(),
                        status,
                        breakdown: vec![("province".to_owned(), Some(province.to_owned()))],
                        ..Default::default()
                    };
                    crate::responses::write(&mut conn, &read, &page)
                        .await
                        .expect("write");
                }
                return;
            }
            0 => sqlx::query("UPDATE responses SET last_section = $2 WHERE id = $1")
                .bind(response)
                .bind(section),
            1 => sqlx::query(
                "UPDATE responses SET breakdown = breakdown || jsonb_build_object('province', $2::text) WHERE id = $1",
            )
            .bind(response)
            .bind(province),
            2 => sqlx::query(
                "UPDATE responses SET breakdown = jsonb_strip_nulls(breakdown || jsonb_build_object('role', $2::text, 'province', null)) WHERE id = $1",
            )
            .bind(response)
            .bind(role),
            3 => sqlx::query(
                "UPDATE responses SET status = 'completed', completed_at = started_at + make_interval(mins => $2::int) WHERE id = $1",
            )
            .bind(response)
            .bind(i32::try_from(minutes).expect("small")),
            4 => sqlx::query(
                "UPDATE responses SET status = 'in_progress', completed_at = NULL, link_id = $2 WHERE id = $1",
            )
            .bind(response)
            .bind(link),
            5 => sqlx::query(
                "UPDATE responses SET started_at = started_at - make_interval(hours => $2::int),
                        completed_at = completed_at - make_interval(hours => $2::int) WHERE id = $1",
            )
            .bind(response)
            .bind(i32::try_from(minutes % 50).expect("small")),
            6 => sqlx::query("DELETE FROM responses WHERE id = $1").bind(response),
            7 => sqlx::query(
                "UPDATE responses SET same_browser = NOT same_browser, invited = (id % 3 = 0)
                 WHERE id = $1",
            )
            .bind(response),
            _ => sqlx::query(
                "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, link_id,
                                        breakdown, same_browser)
                 VALUES (gen_random_uuid()::text::bytea, $1, 3, 'en', $2,
                         jsonb_build_object('role', $3::text), $4)",
            )
            .bind(survey_id)
            .bind(link)
            .bind(role)
            .bind(minutes % 2 == 0),
        };
        query.execute(pool).await.expect("write");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_counts_equal_a_recount_after_many_concurrent_writes(pool: PgPool) {
        let survey_id = national(&mut pool.acquire().await.expect("connection")).await;
        let links: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO distribution_links (survey_id, code, name, channel)
             VALUES ($1, 'aaaaaaaaaa', 'A', 'wechat'), ($1, 'bbbbbbbbbb', 'B', 'email')
             RETURNING id",
        )
        .bind(survey_id)
        .fetch_all(&pool)
        .await
        .expect("links");
        sqlx::query(
            "INSERT INTO responses (resume_hash, survey_id, survey_version, lang)
             SELECT sha256(convert_to(i::text, 'UTF8')), $1, 3, 'zh' FROM generate_series(1, 40) i",
        )
        .bind(survey_id)
        .execute(&pool)
        .await
        .expect("responses");
        assert_eq!(mismatches(&pool).await, Vec::<String>::new());

        let writers: Vec<_> = (1..=4u64)
            .map(|seed| {
                let (pool, links) = (pool.clone(), links.clone());
                tokio::spawn(async move {
                    let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    for _ in 0..150 {
                        random_write(&pool, &mut dice, survey_id, &links).await;
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("no writer failed (a deadlock would)");
        }
        assert_eq!(mismatches(&pool).await, Vec::<String>::new());
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
            .fetch_one(&pool)
            .await
            .expect("count");
        let kept: i64 = super::tallies(&mut pool.acquire().await.expect("conn"), survey_id)
            .await
            .expect("tallies")
            .iter()
            .map(|t| t.n)
            .sum();
        assert_eq!(kept, total);

        // Folded at the end, the counts are the same, and no move is left pending.
        super::fold_moves(&mut pool.acquire().await.expect("conn"))
            .await
            .expect("fold");
        assert_eq!(mismatches(&pool).await, Vec::<String>::new());
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM response_moves")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(pending, 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn folding_the_saves_moves_empties_them_and_changes_no_count(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = national(&mut conn).await;
        // Three responses save consent; one of them goes on to screening, and one
        // completes there.
        let pages = [
            ("consent", None),
            ("consent", None),
            ("consent", None),
            ("screening", None),
            ("screening", Some(ResponseStatus::Completed)),
        ];
        let mut started = Vec::new();
        for _ in 0..3 {
            let origin = crate::responses::Origin::default();
            let one =
                crate::responses::start(&mut conn, survey_id, 3, canvass_core::Lang::En, origin)
                    .await
                    .expect("start");
            started.push(one.public_id);
        }
        for (i, (section, status)) in pages.into_iter().enumerate() {
            let who = started[if i < 3 { i } else { i - 3 }];
            let read = crate::responses::snapshot(&mut conn, who)
                .await
                .expect("read")
                .expect("found");
            let page = crate::responses::PageSave {
                section: section.to_owned(),
                status,
                ..Default::default()
            };
            assert!(
                crate::responses::write(&mut conn, &read, &page)
                    .await
                    .expect("write")
            );
        }
        let mut before = super::tallies(&mut conn, survey_id).await.expect("tallies");
        before.sort_by_key(|t| (t.last_section.clone(), t.status as u8));
        assert_eq!(super::fold_moves(&mut conn).await.expect("fold"), 5);
        let mut after = super::tallies(&mut conn, survey_id).await.expect("tallies");
        after.sort_by_key(|t| (t.last_section.clone(), t.status as u8));
        assert_eq!(after, before);
        assert_eq!(
            after
                .iter()
                .map(|t| (t.last_section.as_deref(), t.status, t.n))
                .collect::<Vec<_>>(),
            [
                (Some("consent"), ResponseStatus::InProgress, 1),
                (Some("screening"), ResponseStatus::InProgress, 1),
                (Some("screening"), ResponseStatus::Completed, 1),
            ]
        );
        assert_eq!(super::fold_moves(&mut conn).await.expect("fold"), 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn days_run_from_the_first_to_today_and_hours_from_midnight_with_zeros(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = national(&mut conn).await;
        assert_eq!(
            super::per_day(&mut conn, survey_id, "UTC")
                .await
                .expect("q"),
            []
        );
        // One begun and submitted two days ago, one begun now.
        sqlx::query(
            "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                    started_at, completed_at)
             VALUES ('a', $1, 3, 'zh', 'completed', now() - interval '2 days', now() - interval '2 days'),
                    ('b', $1, 3, 'zh', 'in_progress', now(), NULL)",
        )
        .bind(survey_id)
        .execute(&mut *conn)
        .await
        .expect("responses");
        let (today, two_days_ago): (String, String) = sqlx::query_as(
            "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                    to_char((now() - interval '2 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("dates");
        let days = super::per_day(&mut conn, survey_id, "UTC")
            .await
            .expect("q");
        let shown: Vec<(&str, i64, i64)> = days
            .iter()
            .map(|d| (d.label.as_str(), d.started, d.completed))
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!(shown[0], (two_days_ago.as_str(), 1, 1));
        assert_eq!((shown[1].1, shown[1].2), (0, 0));
        assert_eq!(shown[2], (today.as_str(), 1, 0));

        let hours = super::today_by_hour(&mut conn, survey_id, "UTC")
            .await
            .expect("q");
        let hour_now: String =
            sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'HH24')")
                .fetch_one(&mut *conn)
                .await
                .expect("hour");
        assert_eq!(hours.first().map(|h| h.label.as_str()), Some("00"));
        assert_eq!(
            hours.last().map(|h| h.label.as_str()),
            Some(hour_now.as_str())
        );
        assert_eq!(
            hours.len(),
            usize::from(hour_now.parse::<u8>().expect("hour")) + 1
        );
        assert_eq!(hours.iter().map(|h| h.started).sum::<i64>(), 1);
        assert_eq!(hours.last().map(|h| h.started), Some(1));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_new_set_of_breakdowns_is_filled_from_the_stored_answers(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = national(&mut conn).await;
        // Two responses: a plain choice, and a choice with its "other" text.
        sqlx::query(
            r#"INSERT INTO responses (resume_hash, survey_id, survey_version, lang, answers)
               VALUES ('x', $1, 3, 'zh', '{
                         "role": {"c": "industry"},
                         "province": {"c": "gd"},
                         "hospital_grade": "na"}'),
                      ('y', $1, 3, 'zh', '{"role": {"co": ["industry", "a consultancy"]}}')"#,
        )
        .bind(survey_id)
        .execute(&mut *conn)
        .await
        .expect("responses");
        let role = canvass_core::survey::QuestionId::parse("role").expect("id");
        super::align_breakdowns(&mut conn, survey_id, std::slice::from_ref(&role))
            .await
            .expect("aligned");
        let found = super::choice_tallies(
            &mut conn,
            survey_id,
            &["role".to_owned(), "province".to_owned()],
        )
        .await
        .expect("q");
        assert_eq!(
            found,
            [super::ChoiceTally {
                question: "role".to_owned(),
                code: "industry".to_owned(),
                status: ResponseStatus::InProgress,
                n: 2
            }]
        );
        // The same set again changes nothing, even if the copy were stale.
        sqlx::query("UPDATE responses SET breakdown = '{}'")
            .execute(&mut *conn)
            .await
            .expect("cleared");
        super::align_breakdowns(&mut conn, survey_id, &[role])
            .await
            .expect("aligned");
        assert_eq!(
            super::choice_tallies(&mut conn, survey_id, &["role".to_owned()])
                .await
                .expect("q"),
            []
        );
        assert_eq!(mismatches(&pool).await, Vec::<String>::new());
    }
}
