//! Dataset exports as background jobs: asked for by staff or an API token, claimed by any
//! server instance (`FOR UPDATE SKIP LOCKED`), followed by their progress, and finished by
//! storing the zip in parts ([`PART_BYTES`]) in the transaction that marks the job done.
//! A job whose heartbeat stops is claimed again ([`claim`]); a done job's parts are deleted
//! when it expires ([`expire`]).

use canvass_core::export::anon::risk::Summary;
use canvass_core::ids::{ExportId, StaffId, SurveyId, TokenId};
use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;

/// The size of one stored part of a zip: what one query reads back.
pub const PART_BYTES: usize = 1 << 20;

/// Where a job is (the `export_state` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "export_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    /// Done, and its file deleted after the time it was kept.
    Expired,
}

impl State {
    /// Whether the job may still change by itself (queued or running).
    pub fn pending(self) -> bool {
        matches!(self, State::Queued | State::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
        }
    }
}

/// Who asked for an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Staff(StaffId),
    Token(TokenId),
}

/// A job as staff and the API see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: ExportId,
    pub survey_id: SurveyId,
    pub requester: Requester,
    /// The staff member's display name, or the token's name.
    pub requester_name: String,
    /// The settings, as the fields they parse from.
    pub settings: Vec<(String, String)>,
    pub admins_only: bool,
    pub state: State,
    pub rows_total: Option<i64>,
    pub rows_written: i64,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub error: Option<String>,
    /// What the anonymization did, once done (none for an identifiable export).
    pub anonymity: Option<Summary>,
}

/// `YYYY-MM-DD HH:MM` in UTC, as the export page shows times.
pub fn minute(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Asks for an export of `survey_id`, kept `keep_days` once done: queued for any
/// instance's runner.
pub async fn create(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    by: Requester,
    settings: &[(String, String)],
    admins_only: bool,
    keep_days: u32,
) -> Result<ExportId, sqlx::Error> {
    let (staff, token) = match by {
        Requester::Staff(id) => (Some(id.get()), None),
        Requester::Token(id) => (None, Some(id.get())),
    };
    let id = sqlx::query_scalar!(
        r#"INSERT INTO exports (survey_id, requested_by, token_id, settings, admins_only, keep_for)
           VALUES ($1, $2, $3, $4, $5, make_interval(days => $6))
           RETURNING id"#,
        survey_id.get(),
        staff,
        token,
        string_map(settings),
        admins_only,
        i32::try_from(keep_days).unwrap_or(i32::MAX),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(ExportId::new(id))
}

/// Pairs of strings as a JSON object (settings, file hashes).
fn string_map(pairs: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

/// A JSON object of strings as pairs.
fn string_pairs(value: &serde_json::Value) -> Vec<(String, String)> {
    value
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The job `id` of `survey_id` (`None` for another survey's or no job).
pub async fn get(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    id: ExportId,
) -> Result<Option<Job>, sqlx::Error> {
    Ok(list_where(conn, survey_id, Some(id), 1).await?.pop())
}

/// The newest `limit` jobs of `survey_id`, newest first.
pub async fn list(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    limit: i64,
) -> Result<Vec<Job>, sqlx::Error> {
    list_where(conn, survey_id, None, limit).await
}

async fn list_where(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    id: Option<ExportId>,
    limit: i64,
) -> Result<Vec<Job>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT e.id, e.survey_id, e.requested_by, e.token_id,
                  coalesce(u.display_name, t.name, '') AS "requester_name!",
                  e.settings, e.admins_only, e.state AS "state: State", e.rows_total,
                  e.rows_written, e.created_at, e.finished_at, e.expires_at, e.size_bytes,
                  e.sha256, e.error, e.anonymity
           FROM exports e
           LEFT JOIN staff_users u ON u.id = e.requested_by
           LEFT JOIN api_tokens t ON t.id = e.token_id
           WHERE e.survey_id = $1 AND ($2::bigint IS NULL OR e.id = $2)
           ORDER BY e.id DESC LIMIT $3"#,
        survey_id.get(),
        id.map(ExportId::get),
        limit,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Job {
            id: ExportId::new(r.id),
            survey_id: SurveyId::new(r.survey_id),
            requester: match (r.requested_by, r.token_id) {
                (Some(staff), _) => Requester::Staff(StaffId::new(staff)),
                (None, token) => Requester::Token(TokenId::new(token.unwrap_or_default())),
            },
            requester_name: r.requester_name,
            settings: string_pairs(&r.settings),
            admins_only: r.admins_only,
            state: r.state,
            rows_total: r.rows_total,
            rows_written: r.rows_written,
            created_at: r.created_at,
            finished_at: r.finished_at,
            expires_at: r.expires_at,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            error: r.error,
            anonymity: r
                .anonymity
                .and_then(|a| serde_json::from_value::<Summary>(a).ok()),
        })
        .collect())
}

/// A job a runner has claimed: this is its `attempt`-th run.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub id: ExportId,
    pub survey_id: SurveyId,
    pub attempt: i32,
    pub settings: Vec<(String, String)>,
    /// Who asked (for the audit log): `None` for an API token.
    pub requested_by: Option<StaffId>,
}

/// Claims the oldest queued job, or a running one whose heartbeat is older than
/// `stale_secs` (its server stopped); a stale job that has had `max_attempts` runs is
/// failed instead. Several runners never claim the same job.
pub async fn claim(
    conn: &mut PgConnection,
    stale_secs: f64,
    max_attempts: i32,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query!(
        r#"UPDATE exports SET state = 'failed', finished_at = now(),
                  error = 'the export was interrupted too many times'
           WHERE id IN (
             SELECT id FROM exports
             WHERE state = 'running' AND attempts >= $2
               AND heartbeat_at < now() - make_interval(secs => $1)
             FOR UPDATE SKIP LOCKED)"#,
        stale_secs,
        max_attempts,
    )
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query!(
        r#"UPDATE exports e SET state = 'running', attempts = e.attempts + 1,
                  started_at = now(), heartbeat_at = now(), rows_written = 0
           WHERE e.id = (
             SELECT id FROM exports
             WHERE state = 'queued'
                OR (state = 'running' AND heartbeat_at < now() - make_interval(secs => $1))
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING e.id, e.survey_id, e.attempts, e.settings, e.requested_by"#,
        stale_secs,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Claimed {
        id: ExportId::new(r.id),
        survey_id: SurveyId::new(r.survey_id),
        attempt: r.attempts,
        settings: string_pairs(&r.settings),
        requested_by: r.requested_by.map(StaffId::new),
    }))
}

/// Notes the progress of `attempt` of job `id`; `false` when the job is no longer that
/// run's (cancelled, or claimed again): the run must stop.
pub async fn heartbeat(
    conn: &mut PgConnection,
    id: ExportId,
    attempt: i32,
    rows_total: Option<u64>,
    rows_written: u64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE exports SET heartbeat_at = now(), rows_written = $3,
                  rows_total = coalesce($4, rows_total)
           WHERE id = $1 AND attempts = $2 AND state = 'running'"#,
        id.get(),
        attempt,
        i64::try_from(rows_written).unwrap_or(i64::MAX),
        rows_total.map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks job `id` for the transaction that stores its zip: `true` when `attempt` still
/// runs it (not cancelled, not claimed again).
pub async fn lock_running(
    conn: &mut PgConnection,
    id: ExportId,
    attempt: i32,
) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM exports WHERE id = $1 AND attempts = $2 AND state = 'running'
           FOR UPDATE"#,
        id.get(),
        attempt,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Stores part `n` (from 0) of job `id`'s zip; in the transaction of [`lock_running`].
pub async fn put_part(
    conn: &mut PgConnection,
    id: ExportId,
    n: i32,
    bytes: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO export_parts (export_id, n, bytes) VALUES ($1, $2, $3)",
        id.get(),
        n,
        bytes,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a finished job records: its rows, its zip's size and SHA-256, each file's.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub rows: u64,
    pub size_bytes: u64,
    pub sha256: String,
    pub file_hashes: Vec<(String, String)>,
    /// What the anonymization did; none for an identifiable export.
    pub anonymity: Option<Summary>,
    /// The risk report (risk.html); none for an identifiable export.
    pub risk_html: Option<String>,
}

/// The risk report of job `id`, if it has one.
pub async fn risk_html(
    conn: &mut PgConnection,
    id: ExportId,
) -> Result<Option<String>, sqlx::Error> {
    let html = sqlx::query_scalar!("SELECT risk_html FROM exports WHERE id = $1", id.get())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(html.flatten())
}

/// Marks job `id` done (its parts stored in this transaction), kept from now for the time
/// it was asked to be.
pub async fn mark_done(
    conn: &mut PgConnection,
    id: ExportId,
    finished: &Finished,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE exports SET state = 'done', finished_at = now(), expires_at = now() + keep_for,
                  rows_total = $2, rows_written = $2, size_bytes = $3, sha256 = $4,
                  file_hashes = $5, anonymity = $6, risk_html = $7
           WHERE id = $1"#,
        id.get(),
        i64::try_from(finished.rows).unwrap_or(i64::MAX),
        i64::try_from(finished.size_bytes).unwrap_or(i64::MAX),
        finished.sha256,
        string_map(&finished.file_hashes),
        finished
            .anonymity
            .as_ref()
            .and_then(|a| serde_json::to_value(a).ok()),
        finished.risk_html.as_deref(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks `attempt` of job `id` failed, with why (for staff; never personal data). A job
/// cancelled or claimed again meanwhile is left as it is.
pub async fn fail(
    conn: &mut PgConnection,
    id: ExportId,
    attempt: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE exports SET state = 'failed', finished_at = now(), error = $3
           WHERE id = $1 AND attempts = $2 AND state = 'running'"#,
        id.get(),
        attempt,
        error,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What cancelling a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    Now,
    /// It had ended already, in this state.
    Ended(State),
    NoSuchExport,
}

/// Cancels job `id` of `survey_id` if it is queued or running; its runner stops at its
/// next heartbeat.
pub async fn cancel(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    id: ExportId,
) -> Result<Cancelled, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH found AS (
             SELECT id, state FROM exports WHERE id = $1 AND survey_id = $2 FOR UPDATE
           ), cancelled AS (
             UPDATE exports e SET state = 'cancelled', finished_at = now()
             FROM found WHERE e.id = found.id AND found.state IN ('queued', 'running')
             RETURNING e.id
           )
           SELECT found.state AS "state: State", (SELECT count(*) FROM cancelled) AS "now!"
           FROM found"#,
        id.get(),
        survey_id.get(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        None => Cancelled::NoSuchExport,
        Some(r) if r.now > 0 => Cancelled::Now,
        Some(r) => Cancelled::Ended(r.state),
    })
}

/// Deletes the files of done jobs past their expiry; how many jobs expired.
pub async fn expire(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let expired = sqlx::query_scalar!(
        r#"WITH gone AS (
             UPDATE exports SET state = 'expired'
             WHERE state = 'done' AND expires_at <= now() RETURNING id
           ), deleted AS (
             DELETE FROM export_parts WHERE export_id IN (SELECT id FROM gone)
           )
           SELECT count(*) AS "count!" FROM gone"#
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(expired).unwrap_or_default())
}

/// Part `n` (from 0) of job `id`'s zip, `None` past the last.
pub async fn part(
    conn: &mut PgConnection,
    id: ExportId,
    n: i32,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT bytes FROM export_parts WHERE export_id = $1 AND n = $2",
        id.get(),
        n
    )
    .fetch_optional(&mut *conn)
    .await
}
