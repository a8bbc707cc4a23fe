//! What a dataset export reads: a survey's responses, one at a time, as their outcomes.
//! The caller opens the transaction (`REPEATABLE READ`, so the whole export sees one
//! snapshot) and writes each row as it comes: memory does not grow with the responses.
//! Nothing that identifies a respondent is read: no ID, resume code, invitation or contact.

use std::collections::BTreeMap;

use canvass_core::answers::Outcome;
use canvass_core::ids::SurveyId;
use canvass_core::response::ResponseStatus;
use futures_util::{Stream, StreamExt};
use sqlx::PgConnection;

use crate::responses::Status;

/// One response as an export reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub status: ResponseStatus,
    pub version: u32,
    /// Question ID → what became of it.
    pub outcomes: BTreeMap<String, Outcome>,
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

/// Which responses an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Responses {
    /// Completed responses only.
    #[default]
    Completed,
    /// Every response, whatever became of it: in progress, refused, screened out.
    All,
}

/// The responses of `survey_id`, in the order they began.
pub fn rows(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    responses: Responses,
) -> impl Stream<Item = Result<ExportRow, ExportError>> + '_ {
    sqlx::query!(
        r#"SELECT status AS "status: Status", survey_version, answers::text AS "answers!"
           FROM responses
           WHERE survey_id = $1 AND (status = 'completed' OR $2)
           ORDER BY id"#,
        survey_id.get(),
        responses == Responses::All,
    )
    .fetch(conn)
    .map(|row| {
        let row = row?;
        Ok(ExportRow {
            status: row.status.into(),
            version: u32::try_from(row.survey_version).unwrap_or_default(),
            outcomes: crate::stored::decode(&row.answers)?,
        })
    })
}
