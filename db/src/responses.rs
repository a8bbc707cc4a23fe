//! Responses: starting one, saving a page of answers, finding one again.

use std::collections::BTreeMap;

use crate::stored;
use canvass_core::Lang;
use canvass_core::answers::Outcome;
use canvass_core::ids::{LinkId, ResponseId, SurveyId};
use canvass_core::response::ResponseStatus;
use sqlx::PgConnection;
use uuid::Uuid;

/// A status as the `response_status` column holds it; [`ResponseStatus`] everywhere above
/// the queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "response_status", rename_all = "snake_case")]
pub(crate) enum Status {
    InProgress,
    Completed,
    Refused,
    ScreenedOut,
    QuotaFull,
}

impl From<ResponseStatus> for Status {
    fn from(status: ResponseStatus) -> Status {
        match status {
            ResponseStatus::InProgress => Status::InProgress,
            ResponseStatus::Completed => Status::Completed,
            ResponseStatus::Refused => Status::Refused,
            ResponseStatus::ScreenedOut => Status::ScreenedOut,
            ResponseStatus::QuotaFull => Status::QuotaFull,
        }
    }
}

impl From<Status> for ResponseStatus {
    fn from(status: Status) -> ResponseStatus {
        match status {
            Status::InProgress => ResponseStatus::InProgress,
            Status::Completed => ResponseStatus::Completed,
            Status::Refused => ResponseStatus::Refused,
            Status::ScreenedOut => ResponseStatus::ScreenedOut,
            Status::QuotaFull => ResponseStatus::QuotaFull,
        }
    }
}

/// The public, random ID of a response (never the database's sequential one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicId(pub Uuid);

/// The secret in a respondent's resume link (`/r/{code}`): 32 lowercase hex digits.
/// Only its SHA-256 is stored; anything else in that place of a URL is refused here, before
/// any query.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResumeCode(String);

impl ResumeCode {
    pub fn parse(input: &str) -> Option<ResumeCode> {
        let well_formed = input.len() == 32
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| ResumeCode(input.to_owned()))
    }

    /// A resume code as a respondent types or pastes it: the code, or the resume link it
    /// is part of (`https://…/r/{code}/…`), in any case, with spaces around.
    pub fn from_typed(input: &str) -> Option<ResumeCode> {
        let input = input.trim().to_ascii_lowercase();
        let code = match input.rfind("/r/") {
            Some(at) => input[at + 3..].split(['/', '?', '#']).next().unwrap_or(""),
            None => input.as_str(),
        };
        ResumeCode::parse(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: a resume code opens someone's answers.
impl std::fmt::Debug for ResumeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResumeCode(…)")
    }
}

/// A response as stored (without its answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: ResponseId,
    pub public_id: PublicId,
    pub survey_id: SurveyId,
    pub survey_version: u32,
    pub status: ResponseStatus,
    pub lang: Lang,
    pub last_section: Option<String>,
}

/// A `responses` row as selected; turned into a [`Response`] in one place.
struct ResponseRow {
    id: i64,
    public_id: Uuid,
    survey_id: i64,
    survey_version: i32,
    status: Status,
    lang: String,
    last_section: Option<String>,
}

impl From<ResponseRow> for Response {
    fn from(r: ResponseRow) -> Self {
        Response {
            id: ResponseId::new(r.id),
            public_id: PublicId(r.public_id),
            survey_id: SurveyId::new(r.survey_id),
            survey_version: u32::try_from(r.survey_version).unwrap_or_default(),
            status: r.status.into(),
            lang: Lang::parse(&r.lang).unwrap_or_default(),
            last_section: r.last_section,
        }
    }
}

/// A new response and its resume code. The code is returned this once; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The database's own ID: never shown, for linking the response (an invitation).
    pub id: ResponseId,
    pub public_id: PublicId,
    pub resume_code: ResumeCode,
}

/// One page's worth of writes, already validated by `canvass-core`.
#[derive(Debug, Clone, Default)]
pub struct PageSave {
    /// The section saved; becomes the response's last section reached.
    pub section: String,
    /// Question ID → the question's outcome (answered, no answer, not asked).
    pub answers: Vec<(String, Outcome)>,
    /// Question ID → a direct identifier (kept apart), or `None` to erase a stored one.
    pub contacts: Vec<(String, Option<String>)>,
    /// The status after this save (`Completed` on the final submit).
    pub status: Option<ResponseStatus>,
    /// The language the respondent is now using, if known (they may switch mid-way).
    pub lang: Option<Lang>,
    /// Breakdown question ID → the code now chosen, or `None` when it no longer has one:
    /// the response's copy of the answers the dashboard counts by (`responses.breakdown`).
    pub breakdown: Vec<(String, Option<String>)>,
}

impl PageSave {
    /// The breakdown changes as a JSON object to merge, `null` marking a removal.
    fn breakdown_patch(&self) -> serde_json::Value {
        self.breakdown
            .iter()
            .map(|(q, code)| {
                (
                    q.clone(),
                    code.clone().map_or(serde_json::Value::Null, Into::into),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// Where a new response came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The open distribution link it came through.
    pub link_id: Option<LinkId>,
    /// The browser had begun a response to this survey before (a duplicate signal).
    pub same_browser: bool,
    /// It was begun with an invitation (which never becomes its resume code: whoever
    /// holds the invitee roster must not open the answers).
    pub invited: bool,
    /// Answers the link or the invitation fixes: question ID → choice code.
    pub fixed: Vec<(String, String)>,
}

impl Origin {
    fn fixed_json(&self) -> serde_json::Value {
        self.fixed
            .iter()
            .map(|(q, code)| (q.clone(), serde_json::Value::from(code.clone())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// Starts a response to a published survey version.
pub async fn start(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    version: u32,
    lang: Lang,
    origin: Origin,
) -> Result<Started, sqlx::Error> {
    let version = i32::try_from(version).unwrap_or(i32::MAX);
    let resume_code = ResumeCode(crate::secret::random_hex(16));
    let row = sqlx::query!(
        r#"INSERT INTO responses (resume_hash, survey_id, survey_version, lang, link_id,
                                  same_browser, invited, fixed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING id, public_id"#,
        crate::secret::hashed(resume_code.as_str()),
        survey_id.get(),
        version,
        lang.code(),
        origin.link_id.map(LinkId::get),
        origin.same_browser,
        origin.invited,
        origin.fixed_json()
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Started {
        id: ResponseId::new(row.id),
        public_id: PublicId(row.public_id),
        resume_code,
    })
}

/// The response a resume code opens, if any.
pub async fn by_resume_code(
    conn: &mut PgConnection,
    code: &ResumeCode,
) -> Result<Option<Response>, sqlx::Error> {
    let row = sqlx::query_as!(
        ResponseRow,
        r#"SELECT id, public_id, survey_id, survey_version, status AS "status: Status", lang, last_section
           FROM responses WHERE resume_hash = $1"#,
        crate::secret::hashed(code.as_str())
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Response::from))
}

/// A response as read for a save: its row, what is stored for it, and the revision all
/// of that was read at (one query, so one consistent snapshot).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub response: Response,
    pub revision: i32,
    /// Question ID → what became of the question, as stored.
    pub answers: BTreeMap<String, Outcome>,
    /// Question ID → a direct identifier, kept apart from the answers.
    pub contacts: BTreeMap<String, String>,
    /// Question ID → the choice code a link or an invitation fixed.
    pub fixed: BTreeMap<String, String>,
}

impl Snapshot {
    /// The response as it stands once [`write`] applied `page` to this snapshot: what a
    /// fresh read would return (tested against one), without the read.
    pub fn after(&self, page: &PageSave) -> Snapshot {
        let mut after = self.clone();
        after.revision += 1;
        after.response.last_section = Some(page.section.clone());
        after.response.status = page.status.unwrap_or(ResponseStatus::InProgress);
        if let Some(lang) = page.lang {
            after.response.lang = lang;
        }
        for (question, outcome) in &page.answers {
            after.answers.insert(question.clone(), outcome.clone());
        }
        for (question, value) in &page.contacts {
            match value {
                Some(value) => after.contacts.insert(question.clone(), value.clone()),
                None => after.contacts.remove(question),
            };
        }
        after
    }
}

/// A `responses` row with its answers (its own jsonb column) and its contacts (aggregated
/// as `json`, concatenated as text, not rebuilt) as JSON objects in text.
struct SnapshotRow {
    id: i64,
    public_id: Uuid,
    survey_id: i64,
    survey_version: i32,
    status: Status,
    lang: String,
    last_section: Option<String>,
    revision: i32,
    answers: String,
    contacts: String,
    fixed: String,
}

/// A stored answer that is not a valid outcome (a bug or a hand edit), named by question.
#[derive(Debug, thiserror::Error)]
#[error("the stored answer to {question} could not be read: {reason}")]
pub struct CorruptAnswer {
    pub question: String,
    pub reason: String,
}

impl TryFrom<SnapshotRow> for Snapshot {
    type Error = CorruptAnswer;

    fn try_from(r: SnapshotRow) -> Result<Self, CorruptAnswer> {
        // One pass straight into typed outcomes; only on failure, a second one to name the
        // question at fault.
        let answers = match stored::decode(&r.answers) {
            Ok(answers) => answers,
            Err(error) => return Err(corrupt_answer(&r.answers, &error)),
        };
        let contacts = serde_json::from_str(&r.contacts).map_err(|e| CorruptAnswer {
            question: "contacts".to_owned(),
            reason: e.to_string(),
        })?;
        let fixed = serde_json::from_str(&r.fixed).map_err(|e| CorruptAnswer {
            question: "fixed".to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Snapshot {
            response: Response::from(ResponseRow {
                id: r.id,
                public_id: r.public_id,
                survey_id: r.survey_id,
                survey_version: r.survey_version,
                status: r.status,
                lang: r.lang,
                last_section: r.last_section,
            }),
            revision: r.revision,
            answers,
            contacts,
            fixed,
        })
    }
}

fn corrupt_answer(json: &str, error: &serde_json::Error) -> CorruptAnswer {
    let entries: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(json).unwrap_or_default();
    entries
        .into_iter()
        .find_map(|(question, value)| {
            stored::check(value).err().map(|e| CorruptAnswer {
                question,
                reason: e.to_string(),
            })
        })
        .unwrap_or_else(|| CorruptAnswer {
            question: "answers".to_owned(),
            reason: error.to_string(),
        })
}

fn decoded(row: Option<SnapshotRow>) -> Result<Option<Snapshot>, sqlx::Error> {
    row.map(Snapshot::try_from)
        .transpose()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The response with this public ID and everything stored for it, in one query.
pub async fn snapshot(
    conn: &mut PgConnection,
    public_id: PublicId,
) -> Result<Option<Snapshot>, sqlx::Error> {
    let row = sqlx::query_as!(
        SnapshotRow,
        r#"SELECT r.id, r.public_id, r.survey_id, r.survey_version, r.status AS "status: Status",
                  r.lang, r.last_section, r.revision,
                  r.answers::text AS "answers!",
                  (SELECT coalesce(json_object_agg(c.question_id, c.value)::text, '{}')
                     FROM contacts c WHERE c.response_id = r.id) AS "contacts!",
                  r.fixed::text AS "fixed!"
           FROM responses r WHERE r.public_id = $1"#,
        public_id.0
    )
    .fetch_optional(&mut *conn)
    .await?;
    decoded(row)
}

/// The response a resume code opens and everything stored for it, in one query.
pub async fn snapshot_by_code(
    conn: &mut PgConnection,
    code: &ResumeCode,
) -> Result<Option<Snapshot>, sqlx::Error> {
    let row = sqlx::query_as!(
        SnapshotRow,
        r#"SELECT r.id, r.public_id, r.survey_id, r.survey_version, r.status AS "status: Status",
                  r.lang, r.last_section, r.revision,
                  r.answers::text AS "answers!",
                  (SELECT coalesce(json_object_agg(c.question_id, c.value)::text, '{}')
                     FROM contacts c WHERE c.response_id = r.id) AS "contacts!",
                  r.fixed::text AS "fixed!"
           FROM responses r WHERE r.resume_hash = $1"#,
        crate::secret::hashed(code.as_str())
    )
    .fetch_optional(&mut *conn)
    .await?;
    decoded(row)
}

/// Writes a page to a response in one statement — so atomically and durably, with or
/// without a surrounding transaction — provided the response is still in progress and at
/// the `revision` its validation was based on ([`Snapshot::revision`]). Returns `false`, and
/// writes nothing, when another write came first (a double tap, a second device) or the
/// response is closed: the caller reads again and decides.
///
/// Only the answers whose value changed are rewritten; contacts set to `None` are erased;
/// the response's progress, language and status are updated and its revision bumped.
pub async fn write(
    conn: &mut PgConnection,
    from: &Snapshot,
    page: &PageSave,
) -> Result<bool, sqlx::Error> {
    let (response_id, revision) = (from.response.id.get(), from.revision);
    // The response's move between (status, section) keys, from the section read to the
    // section written, is appended to `response_moves` by this statement itself (folded
    // into `response_tallies` each tick by `monitor::fold_moves`), not counted by the
    // row trigger, which skips updates that bump the revision: an append costs a save far
    // less than the trigger's or an upsert's work. The write applies only where the
    // response still stands as read (the same revision, `in_progress`, the same last
    // section), so the move starts where the response really was, even after a write that
    // changed the section without bumping the revision (none does today; the recount test
    // makes such writes). A save that stays on its section appends a move too, which adds
    // nothing to the tallies: it queues the response for the analysis counts, whose
    // answers changed.
    let previous_section = from.response.last_section.as_deref();
    let answers = page
        .answers
        .iter()
        .map(|(question, outcome)| Ok((question.clone(), stored::encode(outcome)?)))
        .collect::<Result<serde_json::Map<_, _>, serde_json::Error>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let (mut set_ids, mut set_values, mut erased) = (Vec::new(), Vec::new(), Vec::new());
    for (question, value) in &page.contacts {
        match value {
            Some(value) => {
                set_ids.push(question.clone());
                set_values.push(value.clone());
            }
            None => erased.push(question.clone()),
        }
    }
    let status = page.status.unwrap_or(ResponseStatus::InProgress);
    let patch = page.breakdown_patch();
    // Most pages hold no contact: they get the statement without the contacts' parts,
    // which PostgreSQL sets up in less time (about 10% more saves/s in `bench-saves` than
    // one statement for all; `query!` needs each as a literal, hence the two copies).
    let written = if page.contacts.is_empty() {
        sqlx::query_scalar!(
            r#"WITH r AS (
                 UPDATE responses
                 SET last_section = $3, last_activity_at = now(), status = $4,
                     lang = coalesce($5, lang), revision = revision + 1,
                     completed_at = CASE WHEN $4 = 'completed'::response_status THEN now() END,
                     answers = answers || $6::jsonb,
                     breakdown = jsonb_strip_nulls(breakdown || $7::jsonb)
                 WHERE id = $1 AND revision = $2 AND status = 'in_progress'
                   AND last_section IS NOT DISTINCT FROM $8
                 RETURNING id, survey_id, link_id, status, last_section
               ), moved AS (
                 INSERT INTO response_moves (survey_id, link_id, from_section, to_status, to_section, response_id)
                 SELECT r.survey_id, r.link_id, $8::text, r.status, r.last_section, r.id FROM r
               )
               SELECT count(*) AS "written!" FROM r"#,
            response_id,
            revision,
            page.section,
            Status::from(status) as Status,
            page.lang.map(Lang::code),
            serde_json::Value::Object(answers),
            patch,
            previous_section,
        )
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"WITH r AS (
                 UPDATE responses
                 SET last_section = $3, last_activity_at = now(), status = $4,
                     lang = coalesce($5, lang), revision = revision + 1,
                     completed_at = CASE WHEN $4 = 'completed'::response_status THEN now() END,
                     answers = answers || $6::jsonb,
                     breakdown = jsonb_strip_nulls(breakdown || $10::jsonb)
                 WHERE id = $1 AND revision = $2 AND status = 'in_progress'
                   AND last_section IS NOT DISTINCT FROM $11
                 RETURNING id, survey_id, link_id, status, last_section
               ), contacted AS (
                 INSERT INTO contacts (response_id, question_id, value)
                 SELECT r.id, q, v FROM r, unnest($7::text[], $8::text[]) AS t(q, v)
                 ON CONFLICT (response_id, question_id)
                   DO UPDATE SET value = EXCLUDED.value, saved_at = now()
               ), erased AS (
                 DELETE FROM contacts c USING r
                 WHERE c.response_id = r.id AND c.question_id = ANY($9::text[])
               ), moved AS (
                 INSERT INTO response_moves (survey_id, link_id, from_section, to_status, to_section, response_id)
                 SELECT r.survey_id, r.link_id, $11::text, r.status, r.last_section, r.id FROM r
               )
               SELECT count(*) AS "written!" FROM r"#,
            response_id,
            revision,
            page.section,
            Status::from(status) as Status,
            page.lang.map(Lang::code),
            serde_json::Value::Object(answers),
            &set_ids,
            &set_values,
            &erased,
            patch,
            previous_section
        )
        .fetch_one(&mut *conn)
        .await?
    };
    Ok(written == 1)
}

/// Moves a response's timestamps into the past: started `started_secs_ago` seconds ago,
/// last active (and completed, if it is) `active_secs` later. For synthetic demo data only,
/// so that monitoring has a history to show.
pub async fn backdate(
    conn: &mut PgConnection,
    public_id: PublicId,
    started_secs_ago: i64,
    active_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE responses
           SET started_at = now() - make_interval(secs => $2::bigint::float8),
               last_activity_at = now() - make_interval(secs => $2::bigint::float8)
                                        + make_interval(secs => $3::bigint::float8),
               completed_at = CASE WHEN completed_at IS NULL THEN NULL
                              ELSE now() - make_interval(secs => $2::bigint::float8)
                                         + make_interval(secs => $3::bigint::float8) END
           WHERE public_id = $1"#,
        public_id.0,
        started_secs_ago,
        active_secs
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A response made up for a benchmark: where it stands, without answers.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub status: ResponseStatus,
    pub last_section: Option<String>,
    pub started_secs_ago: i64,
    /// For a completed response: seconds from start to submission.
    pub completion_secs: Option<i64>,
    /// Breakdown question ID → code, as a save would copy them (`responses.breakdown`).
    pub breakdown: serde_json::Value,
}

/// Inserts responses in bulk for a benchmark of the dashboard, which reads only the
/// maintained counts: they carry a status, a section, times and breakdown codes, and no
/// answers. Never used on the respondent's path.
pub async fn insert_synthetic(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    version: u32,
    rows: &[Synthetic],
) -> Result<u64, sqlx::Error> {
    let version = i32::try_from(version).unwrap_or(i32::MAX);
    let statuses: Vec<Status> = rows.iter().map(|r| r.status.into()).collect();
    let sections: Vec<Option<String>> = rows.iter().map(|r| r.last_section.clone()).collect();
    let ago: Vec<i64> = rows.iter().map(|r| r.started_secs_ago).collect();
    let took: Vec<Option<i64>> = rows.iter().map(|r| r.completion_secs).collect();
    let breakdowns: Vec<serde_json::Value> = rows.iter().map(|r| r.breakdown.clone()).collect();
    let done = sqlx::query!(
        r#"INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                  last_section, started_at, last_activity_at, completed_at,
                                  breakdown)
           SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $1, $2, 'zh', st,
                  sec, now() - make_interval(secs => ago::float8),
                  now() - make_interval(secs => ago::float8)
                        + make_interval(secs => coalesce(took, 0)::float8),
                  CASE WHEN st = 'completed' THEN now() - make_interval(secs => ago::float8)
                       + make_interval(secs => coalesce(took, 0)::float8) END,
                  b
           FROM unnest($3::response_status[], $4::text[], $5::int8[], $6::int8[], $7::jsonb[])
                AS t(st, sec, ago, took, b)"#,
        survey_id.get(),
        version,
        &statuses as &[Status],
        &sections as &[Option<String>],
        &ago,
        &took as &[Option<i64>],
        &breakdowns,
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// How many responses a survey has (all versions, all statuses).
pub async fn count_for(conn: &mut PgConnection, slug: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE s.slug = $1"#,
        slug
    )
    .fetch_one(&mut *conn)
    .await
}

#[cfg(test)]
mod tests;
