//! What a dataset export reads: a survey's responses, one at a time, as their outcomes.
//! The caller opens the transaction (`REPEATABLE READ`, so the whole export sees one
//! snapshot) and writes each row as it comes: memory does not grow with the responses.
//! Nothing that identifies a respondent is read: no ID, resume code, invitation or contact;
//! only an admin's identifiable export reads the response's public ID and exact times.

use std::collections::BTreeMap;

use canvass_core::answers::Outcome;
use canvass_core::export::{Dates, Include, ResponseMeta};
use canvass_core::ids::SurveyId;
use futures_util::{Stream, StreamExt};
use sqlx::{Connection, PgConnection};

use crate::responses::Status;

/// One response as an export reads it: its answers and its particulars, already
/// de-identified by the query (a key drawn for the export, dates coarsened, whole minutes).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub meta: ResponseMeta,
    pub version: u32,
    /// Question ID → what became of it.
    pub outcomes: BTreeMap<String, Outcome>,
}

/// Begins the transaction an export reads in: `REPEATABLE READ, READ ONLY`, so every row
/// and every count of the export come from one snapshot while saves go on.
pub async fn begin_snapshot(
    conn: &mut PgConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Why a row could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored answer that does not read as an outcome (never written by Canvass).
    #[error("the stored answers of a response cannot be read: {0}")]
    Unreadable(#[from] serde_json::Error),
}

pub use canvass_core::export::request::Responses;

/// Responses submitted in fewer whole minutes than this are flagged as speeders: a third
/// of the median, as the monitoring computes it; `None` when there is no such bound.
pub async fn speeder_bound(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Option<u32>, sqlx::Error> {
    let minutes = crate::monitor::completion_minutes(conn, survey_id).await?;
    Ok(canvass_core::monitor::speeders(&minutes).map(|s| s.under_minutes))
}

/// Which responses of a survey an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub responses: Responses,
    /// Question ID → the one choice kept (breakdown questions, as the request parsed).
    pub filter: Vec<(String, String)>,
}

impl Selection {
    fn questions(&self) -> Vec<String> {
        self.filter.iter().map(|(q, _)| q.clone()).collect()
    }

    fn codes(&self) -> Vec<String> {
        self.filter.iter().map(|(_, c)| c.clone()).collect()
    }
}

/// How many responses of `survey_id` [`rows`] gives for `selection` (in the same snapshot,
/// the same number).
pub async fn count(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    selection: &Selection,
) -> Result<u64, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM responses r
           WHERE r.survey_id = $1 AND (r.status = 'completed' OR $2)
             AND NOT EXISTS (
               SELECT 1 FROM unnest($3::text[], $4::text[]) AS f (q, c)
               WHERE coalesce(r.answers -> f.q ->> 'c', r.answers -> f.q -> 'co' ->> 0)
                     IS DISTINCT FROM f.c)"#,
        survey_id.get(),
        selection.responses == Responses::All,
        &selection.questions(),
        &selection.codes(),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// The responses of `survey_id` in `selection`, in the order they began, each numbered by
/// a key drawn at random for this export (1 to the number of rows); dates are days or
/// weeks in the survey's `time_zone`; `speeder_under` as [`speeder_bound`] gives it. A
/// filter keeps the responses whose answer to each question is its choice.
pub fn rows<'c>(
    conn: &'c mut PgConnection,
    survey_id: SurveyId,
    time_zone: &'c str,
    selection: &Selection,
    include: Include,
    speeder_under: Option<u32>,
) -> impl Stream<Item = Result<ExportRow, ExportError>> + 'c {
    let (unit, format) = match include.dates {
        Dates::Day => ("day", "YYYY-MM-DD"),
        Dates::Week => ("week", "YYYY-MM-DD"),
        Dates::Exact => ("second", "YYYY-MM-DD HH24:MI:SS"),
    };
    sqlx::query!(
        r#"WITH keys AS (
             SELECT id, row_number() OVER (ORDER BY random()) AS key
             FROM responses r WHERE r.survey_id = $1 AND (r.status = 'completed' OR $2)
               AND NOT EXISTS (
                 SELECT 1 FROM unnest($5::text[], $6::text[]) AS f (q, c)
                 WHERE coalesce(r.answers -> f.q ->> 'c', r.answers -> f.q -> 'co' ->> 0)
                       IS DISTINCT FROM f.c)
           )
           SELECT k.key AS "key!", r.status AS "status: Status", r.survey_version, r.lang,
                  to_char(date_trunc($3, r.started_at AT TIME ZONE $4), $7) AS "started!",
                  to_char(date_trunc($3, r.completed_at AT TIME ZONE $4), $7) AS completed,
                  canvass_completion_minutes(r.started_at, r.completed_at) AS minutes,
                  r.same_browser, r.answers::text AS "answers!",
                  CASE WHEN $8 THEN r.public_id::text END AS public_id
           FROM keys k JOIN responses r ON r.id = k.id
           ORDER BY r.id"#,
        survey_id.get(),
        selection.responses == Responses::All,
        unit,
        time_zone,
        &selection.questions(),
        &selection.codes(),
        format,
        include.identifiable,
    )
    .fetch(conn)
    .map(move |row| {
        let row = row?;
        let minutes = row.minutes.map(i64::from);
        Ok(ExportRow {
            meta: ResponseMeta {
                key: row.key,
                public_id: row.public_id,
                status: row.status.into(),
                lang: row.lang.parse().unwrap_or_default(),
                started: row.started,
                completed: row.completed,
                minutes,
                same_browser: row.same_browser,
                speeder: match (minutes, speeder_under) {
                    (Some(m), Some(under)) => m < i64::from(under),
                    _ => false,
                },
            },
            version: u32::try_from(row.survey_version).unwrap_or_default(),
            outcomes: crate::stored::decode(&row.answers)?,
        })
    })
}

/// Gives each response of `survey_id` that has no answers one of `answers`, in turn (by
/// its ID), in the stored form: a benchmark's responses, inserted in bulk without answers,
/// made as large as real ones. Never used on the respondent's path. Returns how many.
pub async fn give_answers(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    answers: &[BTreeMap<String, Outcome>],
) -> Result<u64, ExportError> {
    let mut stored = Vec::with_capacity(answers.len());
    for outcomes in answers {
        let mut object = serde_json::Map::new();
        for (id, outcome) in outcomes {
            object.insert(id.clone(), crate::stored::encode(outcome)?);
        }
        stored.push(serde_json::Value::Object(object));
    }
    let done = sqlx::query!(
        r#"UPDATE responses r SET answers = p.answers
           FROM unnest($2::jsonb[]) WITH ORDINALITY AS p (answers, n)
           WHERE r.survey_id = $1 AND r.answers = '{}'::jsonb
             AND r.id % cardinality($2::jsonb[]) = p.n - 1"#,
        survey_id.get(),
        &stored,
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The statement [`rows`] runs, as `COPY … TO STDOUT` in CSV: what PostgreSQL alone takes
/// to hand over the same rows (the benchmark's yardstick). `survey_id` is a number and
/// `time_zone` a survey's checked zone name (quotes doubled all the same).
pub fn copy_statement(survey_id: SurveyId, time_zone: &str) -> String {
    format!(
        "COPY (WITH keys AS (SELECT id, row_number() OVER (ORDER BY random()) AS key \
         FROM responses WHERE survey_id = {id} AND status = 'completed') \
         SELECT k.key, r.status, r.survey_version, r.lang, \
         to_char(date_trunc('day', r.started_at AT TIME ZONE '{TIME_ZONE}'), 'YYYY-MM-DD'), \
         to_char(date_trunc('day', r.completed_at AT TIME ZONE '{TIME_ZONE}'), 'YYYY-MM-DD'), \
         canvass_completion_minutes(r.started_at, r.completed_at), r.same_browser, \
         r.answers::text FROM keys k JOIN responses r ON r.id = k.id ORDER BY r.id) \
         TO STDOUT WITH (FORMAT csv)",
        id = survey_id.get(),
        TIME_ZONE = time_zone.replace('\'', "''"),
    )
}
