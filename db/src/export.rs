//! What a dataset export reads: a survey's responses, one at a time, as their outcomes.
//! The caller opens the transaction (`REPEATABLE READ`, so the whole export sees one
//! snapshot) and writes each row as it comes: memory does not grow with the responses.
//! Nothing that identifies a respondent is read: no ID, resume code, invitation or contact.

use std::collections::BTreeMap;

use canvass_core::answers::Outcome;
use canvass_core::export::{Dates, ResponseMeta};
use canvass_core::ids::SurveyId;
use futures_util::{Stream, StreamExt};
use sqlx::PgConnection;

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

/// The time zone an export's dates are days (or weeks) of: the national survey's.
pub const TIME_ZONE: &str = "Asia/Shanghai";

/// Why a row could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored answer that does not read as an outcome (never written by Canvass).
    #[error("the stored answers of a response cannot be read: {0}")]
    Unreadable(#[from] serde_json::Error),
}

/// Which responses an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Responses {
    /// Completed responses only.
    #[default]
    Completed,
    /// Every response, whatever became of it: in progress, refused, screened out.
    All,
}

/// Responses submitted in fewer whole minutes than this are flagged as speeders: a third
/// of the median, as the monitoring computes it; `None` when there is no such bound.
pub async fn speeder_bound(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Option<u32>, sqlx::Error> {
    let minutes = crate::monitor::completion_minutes(conn, survey_id).await?;
    Ok(canvass_core::monitor::speeders(&minutes).map(|s| s.under_minutes))
}

/// The responses of `survey_id`, in the order they began, each numbered by a key drawn at
/// random for this export (1 to the number of rows); dates are days or weeks in
/// [`TIME_ZONE`]; `speeder_under` as [`speeder_bound`] gives it.
pub fn rows(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    responses: Responses,
    dates: Dates,
    speeder_under: Option<u32>,
) -> impl Stream<Item = Result<ExportRow, ExportError>> + '_ {
    let unit = match dates {
        Dates::Day => "day",
        Dates::Week => "week",
    };
    sqlx::query!(
        r#"WITH keys AS (
             SELECT id, row_number() OVER (ORDER BY random()) AS key
             FROM responses WHERE survey_id = $1 AND (status = 'completed' OR $2)
           )
           SELECT k.key AS "key!", r.status AS "status: Status", r.survey_version, r.lang,
                  to_char(date_trunc($3, r.started_at AT TIME ZONE $4), 'YYYY-MM-DD') AS "started!",
                  to_char(date_trunc($3, r.completed_at AT TIME ZONE $4), 'YYYY-MM-DD') AS completed,
                  canvass_completion_minutes(r.started_at, r.completed_at) AS minutes,
                  r.same_browser, r.answers::text AS "answers!"
           FROM keys k JOIN responses r ON r.id = k.id
           ORDER BY r.id"#,
        survey_id.get(),
        responses == Responses::All,
        unit,
        TIME_ZONE,
    )
    .fetch(conn)
    .map(move |row| {
        let row = row?;
        let minutes = row.minutes.map(i64::from);
        Ok(ExportRow {
            meta: ResponseMeta {
                key: row.key,
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
