use canvass_core::survey::Survey;
use canvass_core::surveys::AI_COLLAB;
use serde_json::json;
use sqlx::PgPool;

use super::*;

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn each_status_code_is_the_name_the_database_gives_it(pool: PgPool) {
    for status in [
        ResponseStatus::InProgress,
        ResponseStatus::Completed,
        ResponseStatus::Refused,
        ResponseStatus::ScreenedOut,
        ResponseStatus::QuotaFull,
    ] {
        let read: Status = sqlx::query_scalar("SELECT $1::text::response_status")
            .bind(status.as_code())
            .fetch_one(&pool)
            .await
            .expect("a status the database knows");
        assert_eq!(ResponseStatus::from(read), status);
    }
}

async fn published(conn: &mut PgConnection) -> SurveyId {
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

/// The bundled survey's version, which the tests' responses answer.
fn version() -> u32 {
    Survey::from_toml(AI_COLLAB).expect("loads").version
}

fn page(section: &str, answers: &[(&str, serde_json::Value)]) -> PageSave {
    PageSave {
        section: section.to_owned(),
        answers: answers
            .iter()
            .map(|(q, v)| {
                let outcome = serde_json::from_value(v.clone()).expect("an outcome");
                ((*q).to_owned(), outcome)
            })
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

#[test]
fn a_typed_resume_code_may_be_the_link_it_is_part_of_in_any_case() {
    let code = "0123456789abcdef0123456789abcdef";
    for typed in [
        code.to_owned(),
        format!("  {}  ", code.to_uppercase()),
        format!("https://survey.example.org/r/{code}"),
        format!("https://survey.example.org/r/{code}/screening?x=1"),
        format!("survey.example.org/r/{code}#top"),
    ] {
        assert_eq!(
            ResumeCode::from_typed(&typed).map(|c| c.as_str().to_owned()),
            Some(code.to_owned()),
            "{typed:?}"
        );
    }
    for bad in [
        "",
        "/r/",
        "https://survey.example.org/i/0123456789abcdef0123456789abcdef0",
        "https://survey.example.org/r/0123456789abcdef",
        "0123456789abcdef 0123456789abcdef",
    ] {
        assert!(ResumeCode::from_typed(bad).is_none(), "{bad:?}");
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_response_is_found_again_by_its_resume_code_and_not_by_another(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::En, Origin::default())
        .await
        .expect("start");
    assert_eq!(started.resume_code.as_str().len(), 32);
    let found = by_resume_code(&mut conn, &started.resume_code)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.public_id, started.public_id);
    assert_eq!(found.status, ResponseStatus::InProgress);
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

/// Reads the response and writes `page` at the revision just read.
async fn save_page(conn: &mut PgConnection, public_id: PublicId, page: &PageSave) -> bool {
    let read = snapshot(conn, public_id)
        .await
        .expect("query")
        .expect("found");
    write(conn, &read, page).await.expect("write")
}

async fn read(conn: &mut PgConnection, code: &ResumeCode) -> Snapshot {
    snapshot_by_code(conn, code)
        .await
        .expect("query")
        .expect("found")
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn saving_the_same_page_twice_changes_nothing_more(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let consent = page(
        "consent",
        &[(
            "consent",
            json!({"outcome": "answered", "answer": {"type": "choice", "value": {"code": "agree", "other": null}}}),
        )],
    );
    assert!(save_page(&mut conn, started.public_id, &consent).await);
    assert!(save_page(&mut conn, started.public_id, &consent).await);
    let read = read(&mut conn, &started.resume_code).await;
    assert_eq!(read.answers.len(), 1);
    assert_eq!(read.response.last_section.as_deref(), Some("consent"));
    assert_eq!(read.revision, 2);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_write_based_on_a_stale_read_changes_nothing(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let stale = read(&mut conn, &started.resume_code).await;
    let first = page("consent", &[("consent", json!({"outcome": "no_answer"}))]);
    assert!(save_page(&mut conn, started.public_id, &first).await);
    let second = page("profile", &[("province", json!({"outcome": "no_answer"}))]);
    let written = write(&mut conn, &stale, &second).await.expect("write");
    assert!(!written, "another write came in between");
    let now = read(&mut conn, &started.resume_code).await;
    assert_eq!(now.response.last_section.as_deref(), Some("consent"));
    assert_eq!(now.answers.keys().collect::<Vec<_>>(), ["consent"]);
    assert_eq!(now.revision, 1);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_write_is_not_applied_once_the_section_moved_even_at_the_same_revision(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let stale = read(&mut conn, &started.resume_code).await;
    // A write no respondent path makes: the section moves, the revision does not (the
    // row trigger counts this move).
    sqlx::query("UPDATE responses SET last_section = 'consent' WHERE public_id = $1")
        .bind(started.public_id.0)
        .execute(&mut *conn)
        .await
        .expect("moved");
    let consent = page("consent", &[("consent", json!({"outcome": "no_answer"}))]);
    let written = write(&mut conn, &stale, &consent).await.expect("write");
    assert!(!written, "the section read is no longer the response's");
    let tallies: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT last_section, sum(n)::int8 FROM response_tallies_live
         GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("tallies");
    assert_eq!(tallies, [(Some("consent".to_owned()), 1)]);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_save_records_the_language_the_respondent_switched_to(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let mut consent = page("consent", &[("consent", json!({"outcome": "no_answer"}))]);
    assert!(save_page(&mut conn, started.public_id, &consent).await);
    assert_eq!(
        read(&mut conn, &started.resume_code).await.response.lang,
        Lang::Zh
    );
    consent.lang = Some(Lang::En);
    assert!(save_page(&mut conn, started.public_id, &consent).await);
    assert_eq!(
        read(&mut conn, &started.resume_code).await.response.lang,
        Lang::En
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_completed_response_cannot_be_changed(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let mut last = page(
        "follow_up",
        &[("followup_ok", json!({"outcome": "no_answer"}))],
    );
    last.status = Some(ResponseStatus::Completed);
    assert!(save_page(&mut conn, started.public_id, &last).await);
    last.status = None;
    last.answers = vec![("followup_ok".into(), Outcome::NotAsked)];
    assert!(!save_page(&mut conn, started.public_id, &last).await);
    let read = read(&mut conn, &started.resume_code).await;
    assert_eq!(read.response.status, ResponseStatus::Completed);
    assert_eq!(read.answers.get("followup_ok"), Some(&Outcome::NoAnswer));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn contacts_are_kept_apart_from_answers_and_can_be_erased(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let mut follow_up = page(
        "follow_up",
        &[("followup_ok", json!({"outcome": "no_answer"}))],
    );
    follow_up.contacts = vec![("contact_email".into(), Some("wang@hospital.cn".into()))];
    assert!(save_page(&mut conn, started.public_id, &follow_up).await);
    let in_answers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM responses WHERE answers::text LIKE '%@%'")
            .fetch_one(&pool)
            .await
            .expect("count");
    let in_contacts: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!((in_answers, in_contacts), (0, 1));
    follow_up.contacts = vec![("contact_email".into(), None)];
    assert!(save_page(&mut conn, started.public_id, &follow_up).await);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_snapshot_reads_the_response_its_answers_and_its_contacts_in_one_go(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let fresh = read(&mut conn, &started.resume_code).await;
    assert!(fresh.answers.is_empty() && fresh.contacts.is_empty());
    let mut follow_up = page(
        "follow_up",
        &[("followup_ok", json!({"outcome": "no_answer"}))],
    );
    follow_up.contacts = vec![("contact_email".into(), Some("wang@hospital.cn".into()))];
    assert!(save_page(&mut conn, started.public_id, &follow_up).await);
    let by_code = read(&mut conn, &started.resume_code).await;
    assert_eq!(by_code.response.public_id, started.public_id);
    assert_eq!(by_code.answers.get("followup_ok"), Some(&Outcome::NoAnswer));
    assert_eq!(by_code.answers.len(), 1);
    assert_eq!(
        by_code.contacts.into_iter().collect::<Vec<_>>(),
        [("contact_email".to_owned(), "wang@hospital.cn".to_owned())]
    );
    let by_id = snapshot(&mut conn, started.public_id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(by_id.revision, by_code.revision);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_stored_answer_that_is_not_an_outcome_is_named_when_read(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let first = page("consent", &[("consent", json!({"outcome": "no_answer"}))]);
    assert!(save_page(&mut conn, started.public_id, &first).await);
    sqlx::query("UPDATE responses SET answers = answers || '{\"title\": \"maybe\"}'")
        .execute(&pool)
        .await
        .expect("hand edit");
    let error = snapshot_by_code(&mut conn, &started.resume_code)
        .await
        .expect_err("corrupt");
    assert!(
        error
            .to_string()
            .contains("the stored answer to title could not be read: unknown variant `maybe`"),
        "{error}"
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_unknown_response_is_not_found_and_cannot_be_written(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let unknown = snapshot(&mut conn, PublicId(Uuid::nil()))
        .await
        .expect("query");
    assert!(unknown.is_none());
    let survey_id = published(&mut conn).await;
    let started = start(&mut conn, survey_id, version(), Lang::Zh, Origin::default())
        .await
        .expect("start");
    let mut elsewhere = read(&mut conn, &started.resume_code).await;
    elsewhere.response.id = ResponseId::new(4242);
    let written = write(&mut conn, &elsewhere, &PageSave::default())
        .await
        .expect("write");
    assert!(!written);
}
