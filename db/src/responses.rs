//! Responses: starting one, saving a page of answers, finding one again.

use std::collections::BTreeMap;

use canvass_core::Lang;
use sqlx::PgConnection;
use uuid::Uuid;

/// Where a response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "response_status", rename_all = "snake_case")]
pub enum Status {
    InProgress,
    Completed,
    Refused,
    ScreenedOut,
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
    pub id: i64,
    pub public_id: PublicId,
    pub survey_id: i64,
    pub survey_version: u32,
    pub status: Status,
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
            id: r.id,
            public_id: PublicId(r.public_id),
            survey_id: r.survey_id,
            survey_version: u32::try_from(r.survey_version).unwrap_or_default(),
            status: r.status,
            lang: Lang::parse(&r.lang).unwrap_or_default(),
            last_section: r.last_section,
        }
    }
}

/// A new response and its resume code. The code is returned this once; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub public_id: PublicId,
    pub resume_code: ResumeCode,
}

/// One page's worth of writes, already validated by `canvass-core`.
#[derive(Debug, Clone, Default)]
pub struct PageSave {
    /// The section saved; becomes the response's last section reached.
    pub section: String,
    /// Question ID → the question's outcome as JSON (answered, no answer, not asked).
    pub answers: Vec<(String, serde_json::Value)>,
    /// Question ID → a direct identifier (kept apart), or `None` to erase a stored one.
    pub contacts: Vec<(String, Option<String>)>,
    /// The status after this save (`Completed` on the final submit).
    pub status: Option<Status>,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("no such response")]
    NotFound,
    #[error("this response is {0:?} and can no longer be changed")]
    Closed(Status),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Starts a response to a published survey version.
pub async fn start(
    conn: &mut PgConnection,
    survey_id: i64,
    version: u32,
    lang: Lang,
) -> Result<Started, sqlx::Error> {
    let version = i32::try_from(version).unwrap_or(i32::MAX);
    let row = sqlx::query!(
        r#"WITH code AS (SELECT replace(gen_random_uuid()::text, '-', '') AS value)
           INSERT INTO responses (resume_hash, survey_id, survey_version, lang)
           SELECT sha256(convert_to(code.value, 'UTF8')), $1, $2, $3 FROM code
           RETURNING public_id, (SELECT value FROM code) AS "resume_code!""#,
        survey_id,
        version,
        lang.code()
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Started {
        public_id: PublicId(row.public_id),
        resume_code: ResumeCode(row.resume_code),
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
           FROM responses WHERE resume_hash = sha256(convert_to($1, 'UTF8'))"#,
        code.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Response::from))
}

/// Locks a response for the rest of the caller's transaction and returns it.
pub async fn lock(
    conn: &mut PgConnection,
    public_id: PublicId,
) -> Result<Option<Response>, sqlx::Error> {
    let row = sqlx::query_as!(
        ResponseRow,
        r#"SELECT id, public_id, survey_id, survey_version, status AS "status: Status", lang, last_section
           FROM responses WHERE public_id = $1 FOR UPDATE"#,
        public_id.0
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Response::from))
}

/// Finds the response a resume code opens and locks it for the rest of the caller's
/// transaction.
pub async fn lock_by_code(
    conn: &mut PgConnection,
    code: &ResumeCode,
) -> Result<Option<Response>, sqlx::Error> {
    let row = sqlx::query_as!(
        ResponseRow,
        r#"SELECT id, public_id, survey_id, survey_version, status AS "status: Status", lang, last_section
           FROM responses WHERE resume_hash = sha256(convert_to($1, 'UTF8')) FOR UPDATE"#,
        code.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Response::from))
}

/// The direct identifiers stored apart for a response, by question ID.
pub async fn contacts(
    conn: &mut PgConnection,
    response_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT question_id, value FROM contacts WHERE response_id = $1 ORDER BY question_id",
        response_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.question_id, r.value)).collect())
}

/// Saves one page in the caller's transaction: locks the response, refuses a closed one,
/// overwrites the page's answers (so saving the same page twice changes nothing more), and
/// records progress.
pub async fn save_page(
    conn: &mut PgConnection,
    public_id: PublicId,
    page: &PageSave,
) -> Result<(), SaveError> {
    let current = sqlx::query!(
        r#"SELECT id, status AS "status: Status" FROM responses WHERE public_id = $1 FOR UPDATE"#,
        public_id.0
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(SaveError::NotFound)?;
    if current.status != Status::InProgress {
        return Err(SaveError::Closed(current.status));
    }
    write_locked(conn, current.id, page).await?;
    Ok(())
}

/// Writes a page to a response the caller has locked ([`lock`]) and found in progress, in
/// the caller's transaction: the answers that changed (one statement), the contacts, the
/// progress.
pub async fn write_locked(
    conn: &mut PgConnection,
    response_id: i64,
    page: &PageSave,
) -> Result<(), sqlx::Error> {
    if !page.answers.is_empty() {
        let (ids, values): (Vec<String>, Vec<serde_json::Value>) =
            page.answers.iter().cloned().unzip();
        sqlx::query!(
            r#"INSERT INTO answers (response_id, question_id, value)
               SELECT $1, q, v FROM unnest($2::text[], $3::jsonb[]) AS t(q, v)
               ON CONFLICT (response_id, question_id) DO UPDATE SET value = EXCLUDED.value, saved_at = now()
               WHERE answers.value IS DISTINCT FROM EXCLUDED.value"#,
            response_id,
            &ids,
            &values
        )
        .execute(&mut *conn)
        .await?;
    }
    for (question, value) in &page.contacts {
        match value {
            Some(value) => {
                sqlx::query!(
                    r#"INSERT INTO contacts (response_id, question_id, value) VALUES ($1, $2, $3)
                       ON CONFLICT (response_id, question_id) DO UPDATE SET value = EXCLUDED.value, saved_at = now()"#,
                    response_id,
                    question,
                    value
                )
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query!(
                    "DELETE FROM contacts WHERE response_id = $1 AND question_id = $2",
                    response_id,
                    question
                )
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    let status = page.status.unwrap_or(Status::InProgress);
    sqlx::query!(
        r#"UPDATE responses
           SET last_section = $2, last_activity_at = now(), status = $3,
               completed_at = CASE WHEN $3 = 'completed'::response_status THEN now() END
           WHERE id = $1"#,
        response_id,
        page.section,
        status as Status
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Everything stored for a response in one query: answer outcomes (JSON) by question, and
/// the direct identifiers kept apart.
pub async fn stored(
    conn: &mut PgConnection,
    response_id: i64,
) -> Result<(BTreeMap<String, serde_json::Value>, Vec<(String, String)>), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_id AS "question_id!", value AS "value?", NULL::text AS "contact?"
             FROM answers WHERE response_id = $1
           UNION ALL
           SELECT question_id, NULL::jsonb, value FROM contacts WHERE response_id = $1"#,
        response_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut answers = BTreeMap::new();
    let mut contacts = Vec::new();
    for row in rows {
        match (row.value, row.contact) {
            (Some(value), _) => {
                answers.insert(row.question_id, value);
            }
            (None, Some(contact)) => contacts.push((row.question_id, contact)),
            (None, None) => {}
        }
    }
    contacts.sort();
    Ok((answers, contacts))
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

/// How many responses a survey has (all versions, all statuses).
pub async fn count_for(conn: &mut PgConnection, slug: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE s.slug = $1"#,
        slug
    )
    .fetch_one(&mut *conn)
    .await
}

/// Every stored answer outcome of a response, by question ID.
pub async fn answers(
    conn: &mut PgConnection,
    response_id: i64,
) -> Result<BTreeMap<String, serde_json::Value>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT question_id, value FROM answers WHERE response_id = $1",
        response_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.question_id, r.value)).collect())
}

#[cfg(test)]
mod tests {
    use canvass_core::survey::Survey;
    use canvass_core::surveys::AI_COLLAB;
    use serde_json::json;
    use sqlx::PgPool;

    use super::*;

    async fn published(conn: &mut PgConnection) -> i64 {
        let survey = Survey::from_toml(AI_COLLAB).expect("loads");
        crate::surveys::install(conn, &survey, AI_COLLAB)
            .await
            .expect("install");
        crate::surveys::latest(conn, "ai-collab")
            .await
            .expect("query")
            .expect("present")
            .survey_id
    }

    fn page(section: &str, answers: &[(&str, serde_json::Value)]) -> PageSave {
        PageSave {
            section: section.to_owned(),
            answers: answers
                .iter()
                .map(|(q, v)| ((*q).to_owned(), v.clone()))
                .collect(),
            ..PageSave::default()
        }
    }

    #[test]
    fn a_resume_code_is_exactly_32_lowercase_hex_digits() {
        assert!(ResumeCode::parse("0123456789abcdef0123456789abcdef").is_some());
        for bad in [
            "",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdeg",
            "' OR 1=1 --                     ",
            "０123456789abcdef0123456789abcde",
        ] {
            assert!(ResumeCode::parse(bad).is_none(), "{bad:?}");
        }
        let code = ResumeCode::parse("0123456789abcdef0123456789abcdef").expect("valid");
        assert_eq!(format!("{code:?}"), "ResumeCode(…)");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_response_is_found_again_by_its_resume_code_and_not_by_another(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = published(&mut conn).await;
        let started = start(&mut conn, survey_id, 2, Lang::En)
            .await
            .expect("start");
        assert_eq!(started.resume_code.as_str().len(), 32);
        let found = by_resume_code(&mut conn, &started.resume_code)
            .await
            .expect("query")
            .expect("found");
        assert_eq!(found.public_id, started.public_id);
        assert_eq!(found.status, Status::InProgress);
        assert_eq!(found.lang, Lang::En);
        assert_eq!(
            by_resume_code(
                &mut conn,
                &ResumeCode("0123456789abcdef0123456789abcdef".into())
            )
            .await
            .expect("query"),
            None
        );
        let stored: Vec<u8> = sqlx::query_scalar("SELECT resume_hash FROM responses")
            .fetch_one(&pool)
            .await
            .expect("hash");
        assert_ne!(
            stored,
            started.resume_code.as_str().as_bytes(),
            "only the hash is stored"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn saving_the_same_page_twice_changes_nothing_more(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = published(&mut conn).await;
        let started = start(&mut conn, survey_id, 2, Lang::Zh)
            .await
            .expect("start");
        let consent = page(
            "consent",
            &[(
                "consent",
                json!({"outcome": "answered", "answer": {"type": "choice", "value": {"code": "agree", "other": null}}}),
            )],
        );
        save_page(&mut conn, started.public_id, &consent)
            .await
            .expect("first save");
        save_page(&mut conn, started.public_id, &consent)
            .await
            .expect("retry");
        let response = by_resume_code(&mut conn, &started.resume_code)
            .await
            .expect("query")
            .expect("found");
        let stored = answers(&mut conn, response.id).await.expect("answers");
        assert_eq!(stored.len(), 1);
        assert_eq!(response.last_section.as_deref(), Some("consent"));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_completed_response_cannot_be_changed(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = published(&mut conn).await;
        let started = start(&mut conn, survey_id, 2, Lang::Zh)
            .await
            .expect("start");
        let mut last = page(
            "follow_up",
            &[("followup_ok", json!({"outcome": "no_answer"}))],
        );
        last.status = Some(Status::Completed);
        save_page(&mut conn, started.public_id, &last)
            .await
            .expect("submit");
        let error = save_page(&mut conn, started.public_id, &last)
            .await
            .expect_err("closed");
        assert_eq!(
            error.to_string(),
            "this response is Completed and can no longer be changed"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn contacts_are_kept_apart_from_answers_and_can_be_erased(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = published(&mut conn).await;
        let started = start(&mut conn, survey_id, 2, Lang::Zh)
            .await
            .expect("start");
        let mut follow_up = page(
            "follow_up",
            &[("followup_ok", json!({"outcome": "answered"}))],
        );
        follow_up.contacts = vec![("contact_email".into(), Some("wang@hospital.cn".into()))];
        save_page(&mut conn, started.public_id, &follow_up)
            .await
            .expect("save");
        let in_answers: i64 =
            sqlx::query_scalar("SELECT count(*) FROM answers WHERE value::text LIKE '%@%'")
                .fetch_one(&pool)
                .await
                .expect("count");
        let in_contacts: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!((in_answers, in_contacts), (0, 1));
        follow_up.contacts = vec![("contact_email".into(), None)];
        save_page(&mut conn, started.public_id, &follow_up)
            .await
            .expect("erase");
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(left, 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn stored_reads_answers_and_contacts_in_one_go_and_lock_by_code_finds_the_response(
        pool: PgPool,
    ) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = published(&mut conn).await;
        let started = start(&mut conn, survey_id, 2, Lang::Zh)
            .await
            .expect("start");
        let mut follow_up = page(
            "follow_up",
            &[("followup_ok", json!({"outcome": "no_answer"}))],
        );
        follow_up.contacts = vec![("contact_email".into(), Some("wang@hospital.cn".into()))];
        save_page(&mut conn, started.public_id, &follow_up)
            .await
            .expect("save");
        let locked = lock_by_code(&mut conn, &started.resume_code)
            .await
            .expect("query")
            .expect("found");
        assert_eq!(locked.public_id, started.public_id);
        let (answers, contacts) = stored(&mut conn, locked.id).await.expect("stored");
        assert_eq!(
            answers.get("followup_ok"),
            Some(&json!({"outcome": "no_answer"}))
        );
        assert_eq!(answers.len(), 1);
        assert_eq!(
            contacts,
            [("contact_email".to_owned(), "wang@hospital.cn".to_owned())]
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn saving_to_an_unknown_response_is_not_found(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let error = save_page(&mut conn, PublicId(Uuid::nil()), &PageSave::default())
            .await
            .expect_err("unknown");
        assert_eq!(error.to_string(), "no such response");
    }
}
