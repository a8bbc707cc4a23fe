//! Dataset exports as jobs: asked for over the API or the export page, run in the
//! background, followed, downloaded, cancelled, expired; who may, and every refusal.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::staff::StaffRole;
use canvass_db::exports::{self, Requester};
use canvass_db::surveys::Catalog;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::staff::{account, form, get, post, signed_in};
use crate::support::app;

const ORIGIN: &str = "http://canvass.test";
const EXPORTS: &str = "/api/v1/surveys/ai-collab/exports";

async fn seeded(pool: &PgPool, respondents: u64) {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    if respondents > 0 {
        canvass_server::demo::seed(pool, respondents, 5)
            .await
            .expect("seed");
    }
}

/// A request to the API with `headers`, the reply's status, headers and raw body.
async fn call(
    pool: &PgPool,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "canvass.test");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Body::from(body.to_owned())).expect("request");
    crate::support::send_raw(app(pool.clone()), request).await
}

/// A JSON call with a staff session (from this site).
async fn as_staff(
    pool: &PgPool,
    method: &str,
    uri: &str,
    cookie: &str,
    body: &str,
) -> (StatusCode, Value) {
    let (status, _, bytes) = call(
        pool,
        method,
        uri,
        &[
            ("cookie", cookie),
            ("origin", ORIGIN),
            ("content-type", "application/json"),
        ],
        body,
    )
    .await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn run_next(pool: &PgPool) -> Option<canvass_core::ids::ExportId> {
    let dir = std::env::temp_dir().join(format!("canvass-export-jobs-{}", std::process::id()));
    canvass_server::export::job::run_next(pool, &Catalog::default(), &dir)
        .await
        .expect("the runner reaches the database")
}

async fn analyst(pool: &PgPool) -> String {
    account(pool, "analyst@hospital.cn", StaffRole::Analyst).await;
    signed_in(pool, "analyst@hospital.cn").await
}

async fn admin(pool: &PgPool) -> String {
    account(pool, "admin@hospital.cn", StaffRole::Admin).await;
    signed_in(pool, "admin@hospital.cn").await
}

async fn completed(pool: &PgPool, role: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM responses WHERE status = 'completed'
           AND ($1::text IS NULL OR answers -> 'role' ->> 'c' = $1)",
    )
    .bind(role)
    .fetch_one(pool)
    .await
    .expect("count")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_analyst_starts_an_export_follows_it_and_downloads_the_zip(pool: PgPool) {
    seeded(&pool, 40).await;
    let cookie = analyst(&pool).await;
    let (status, headers, body) = call(
        &pool,
        "POST",
        EXPORTS,
        &[("cookie", &cookie), ("origin", ORIGIN)],
        "{}",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let job: Value = serde_json::from_slice(&body).expect("JSON");
    let url = job["url"].as_str().expect("url").to_owned();
    assert_eq!(headers["location"], url.as_str());
    assert_eq!(job["state"], "queued");
    assert_eq!(job["settings"]["values"], "codes");
    assert_eq!(job["settings"]["free_text"], "false");
    assert_eq!(job["download"], Value::Null);

    let ran = run_next(&pool).await.expect("a job ran");
    assert_eq!(ran.get(), job["id"].as_i64().expect("id"));
    assert_eq!(run_next(&pool).await, None, "nothing else is queued");

    let (status, job) = as_staff(&pool, "GET", &url, &cookie, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(job["state"], "done", "{job}");
    let rows = completed(&pool, None).await;
    assert!(rows > 0);
    // Every completed response, less those the anonymization suppressed.
    let suppressed = job["anonymity"]["suppressed"].as_i64().expect("suppressed");
    assert_eq!(job["anonymity"]["rows"], rows);
    assert_eq!(job["anonymity"]["k"], 5);
    assert!(
        job["anonymity"]["k_achieved"]
            .as_i64()
            .is_none_or(|k| k >= 5)
    );
    assert_eq!(job["rows_total"], rows - suppressed);
    assert_eq!(job["rows_written"], rows - suppressed);
    assert_eq!(job["percent"], 100.0);
    let download = job["download"].as_str().expect("a download").to_owned();

    let (status, headers, zip) = call(&pool, "GET", &download, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(headers["content-length"], zip.len().to_string().as_str());
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("text")
            .contains("ai-collab-export-")
    );
    let hex: String = Sha256::digest(&zip)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(job["sha256"], hex.as_str());
    let checked = super::anon_check::check_zip(&pool, &zip, 5, rows as u64).await;
    assert_eq!(checked.suppressed as i64, suppressed);
    assert!(checked.smallest_class.is_none_or(|s| s >= 5));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("a file")
                .name()
                .expect("a name")
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.txt",
            "codebook.html",
            "codebook.xml",
            "data.R",
            "data.csv",
            "data.do",
            "data.sps",
            "data.xlsx",
            "risk.html",
            "risk.json",
        ]
    );
    let mut data = String::new();
    archive
        .by_name("data.csv")
        .expect("data.csv")
        .read_to_string(&mut data)
        .expect("UTF-8");
    assert_eq!(
        data.lines().count() as i64,
        rows - suppressed + 1,
        "a header and a row per response kept"
    );

    // One audit entry, with the settings and every file's hash.
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'export_made'")
            .fetch_one(&pool)
            .await
            .expect("one export_made entry");
    let detail: Value = serde_json::from_str(&detail).expect("JSON detail");
    assert_eq!(detail["sha256"], hex.as_str());
    assert_eq!(detail["rows"], rows - suppressed);
    assert_eq!(detail["anonymity"]["suppressed"], suppressed);
    assert_eq!(detail["settings"]["values"], "codes");
    assert_eq!(detail["settings"]["k"], "5");
    assert_eq!(detail["files"].as_object().expect("files").len(), 10);

    // The list shows it too.
    let (status, list) = as_staff(&pool, "GET", EXPORTS, &cookie, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().expect("a list").len(), 1);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_filtered_export_holds_only_the_responses_with_that_choice(pool: PgPool) {
    seeded(&pool, 60).await;
    let cookie = analyst(&pool).await;
    let (status, job) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &cookie,
        r#"{"filter": {"role": "clinician"}, "values": "zh", "dates": "week"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &cookie, "").await;
    let clinicians = completed(&pool, Some("clinician")).await;
    assert!(clinicians > 0 && clinicians < completed(&pool, None).await);
    assert_eq!(job["anonymity"]["rows"], clinicians, "{job}");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_export_of_no_responses_is_an_empty_export_with_a_codebook(pool: PgPool) {
    seeded(&pool, 0).await;
    let cookie = analyst(&pool).await;
    let (status, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "").await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "an empty body is the default export"
    );
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &cookie, "").await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["rows_total"], 0);
    assert_eq!(job["percent"], 100.0);
    let (status, _, zip) = call(
        &pool,
        "GET",
        job["download"].as_str().expect("download"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut readme = String::new();
    archive
        .by_name("README.txt")
        .expect("README.txt")
        .read_to_string(&mut readme)
        .expect("UTF-8");
    assert!(readme.contains("Rows (responses): 0\r\n"), "{readme}");
    assert!(archive.by_name("codebook.html").is_ok());
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn bad_settings_and_unknown_jobs_are_refused_with_what_is_wrong(pool: PgPool) {
    seeded(&pool, 0).await;
    let cookie = analyst(&pool).await;
    let cases: [(&str, StatusCode, Value); 12] = [
        (
            r#"{"values": "sav"}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "values", "value": "sav",
                "message": "\"sav\" is not a value of \"values\""}),
        ),
        (
            r#"{"lang": "fr"}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "lang", "value": "fr",
                "message": "\"fr\" is not a value of \"lang\""}),
        ),
        (
            r#"{"filter": {"role": "astronaut"}}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_choice", "field": "filter.role",
                "question": "role", "value": "astronaut",
                "message": "\"astronaut\" is not a choice of \"role\""}),
        ),
        (
            r#"{"filter": {"email": "x"}}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "unknown_filter", "field": "filter.email",
                "question": "email",
                "message": "\"email\" is not a question an export can be filtered by"}),
        ),
        (
            r#"{"format": "sav"}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "unknown_setting", "field": "format",
                "message": "\"format\" is not a setting of an export"}),
        ),
        (
            r#"{"free_text": [1]}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "free_text", "value": "[1]",
                "message": "\"[1]\" is not a value of \"free_text\""}),
        ),
        (
            r#"{"k": "5"}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "k", "value": "\"5\"",
                "message": "\"\\\"5\\\"\" is not a value of \"k\""}),
        ),
        (
            r#"{"k": 5.5}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "k", "value": "5.5",
                "message": "\"5.5\" is not a value of \"k\""}),
        ),
        (
            r#"{"preview": "true"}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "preview", "value": "\"true\"",
                "message": "\"\\\"true\\\"\" is not a value of \"preview\""}),
        ),
        (
            r#"{"lang": 1}"#,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "not_a_value", "field": "lang", "value": "1",
                "message": "\"1\" is not a value of \"lang\""}),
        ),
        (
            "not JSON",
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "malformed request"}),
        ),
        (
            "[]",
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "malformed request"}),
        ),
    ];
    for (body, status, expected) in cases {
        let (got, reply) = as_staff(&pool, "POST", EXPORTS, &cookie, body).await;
        assert_eq!((got, &reply), (status, &expected), "{body}");
    }
    let (status, reply) =
        as_staff(&pool, "POST", "/api/v1/surveys/nope/exports", &cookie, "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{reply}");

    // A job of another survey, a job that does not exist, a path that is no ID.
    let other = canvass_core::surveys::AI_COLLAB.replacen(
        "slug = \"ai-collab\"",
        "slug = \"other-study\"",
        1,
    );
    let survey = canvass_core::survey::Survey::from_toml(&other).expect("loads");
    let mut tx = pool.begin().await.expect("tx");
    canvass_db::surveys::install(&mut tx, &survey, &other)
        .await
        .expect("installed");
    tx.commit().await.expect("commit");
    let (status, job) = as_staff(
        &pool,
        "POST",
        "/api/v1/surveys/other-study/exports",
        &cookie,
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = job["id"].as_i64().expect("id");
    for path in [
        format!("{EXPORTS}/{id}"),
        format!("{EXPORTS}/{id}/download"),
        format!("{EXPORTS}/999999"),
        format!("{EXPORTS}/abc"),
        format!("{EXPORTS}/999999/download"),
    ] {
        let (status, reply) = as_staff(&pool, "GET", &path, &cookie, "").await;
        assert_eq!(
            (status, reply),
            (
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": "no such export"})
            ),
            "{path}"
        );
    }
    let (status, _) = as_staff(
        &pool,
        "POST",
        &format!("{EXPORTS}/{id}/cancel"),
        &cookie,
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn only_analysts_admins_and_tokens_allowed_to_export_may(pool: PgPool) {
    seeded(&pool, 0).await;
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let analyst = analyst(&pool).await;
    let admin = admin(&pool).await;

    let (status, _) = as_staff(&pool, "POST", EXPORTS, &viewer, "{}").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer may not export");
    let (status, _, _) = call(&pool, "POST", EXPORTS, &[("origin", ORIGIN)], "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "nobody signed in");
    // A session's post from another site is refused before anything runs (CSRF).
    let (status, _, _) = call(
        &pool,
        "POST",
        EXPORTS,
        &[("cookie", &analyst), ("origin", "http://evil.example")],
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A Bearer header that is no token does not let a session's cross-site post through.
    let (status, _, _) = call(
        &pool,
        "POST",
        EXPORTS,
        &[("cookie", &analyst), ("authorization", "Bearer junk")],
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Free text: an admin's, with a reason; then only admins follow it.
    let (status, reply) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &analyst,
        r#"{"free_text": true, "reason": "comments"}"#,
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::FORBIDDEN,
            serde_json::json!({"error": "only an admin may export free text or identifiable data"})
        )
    );
    let (status, reply) = as_staff(&pool, "POST", EXPORTS, &admin, r#"{"free_text": true}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["error"], "reason_missing");
    assert_eq!(reply["field"], "reason");
    let (status, job) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &admin,
        r#"{"free_text": true, "reason": "coding the comments"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(job["settings"]["reason"], "coding the comments");
    let url = job["url"].as_str().expect("url").to_owned();
    let (status, _) = as_staff(&pool, "GET", &url, &analyst, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = as_staff(&pool, "GET", EXPORTS, &analyst, "").await;
    assert_eq!(
        list,
        serde_json::json!([]),
        "an analyst does not see it listed"
    );
    let (status, _) = as_staff(&pool, "GET", &url, &admin, "").await;
    assert_eq!(status, StatusCode::OK);

    // Tokens: one that may export needs no Origin; one that may not is refused.
    let mut conn = pool.acquire().await.expect("connection");
    let name = canvass_db::tokens::TokenName::parse("pipeline").expect("name");
    let scope = |export| canvass_db::tokens::Scope {
        survey: None,
        uses: canvass_db::tokens::Uses {
            stats: true,
            analysis: false,
            export,
        },
        lifetime: canvass_db::tokens::Lifetime::DEFAULT,
    };
    let (_, may) = canvass_db::tokens::create(&mut conn, &name, None, &scope(true))
        .await
        .expect("token");
    let (_, may_not) = canvass_db::tokens::create(&mut conn, &name, None, &scope(false))
        .await
        .expect("token");
    let bearer = |t: &canvass_db::tokens::ApiToken| format!("Bearer {}", t.reveal());
    let (status, _, body) = call(
        &pool,
        "POST",
        EXPORTS,
        &[("authorization", &bearer(&may))],
        "{}",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _, body) = call(
        &pool,
        "POST",
        EXPORTS,
        &[("authorization", &bearer(&may_not))],
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON"),
        serde_json::json!({"error": "this API token may not export"})
    );
    let (status, _, _) = call(
        &pool,
        "POST",
        EXPORTS,
        &[
            ("authorization", &bearer(&may)),
            ("content-type", "application/json"),
        ],
        r#"{"free_text": true, "reason": "x"}"#,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a token never exports free text"
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_cancelled_failed_or_expired_export_offers_no_file(pool: PgPool) {
    seeded(&pool, 10).await;
    let cookie = analyst(&pool).await;
    // Queued, then cancelled: never run.
    let (_, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "{}").await;
    let url = job["url"].as_str().expect("url").to_owned();
    let (status, _) = as_staff(&pool, "GET", &format!("{url}/download"), &cookie, "").await;
    assert_eq!(status, StatusCode::CONFLICT, "not finished yet");
    let (status, job) = as_staff(&pool, "POST", &format!("{url}/cancel"), &cookie, "").await;
    assert_eq!(
        (status, &job["state"]),
        (StatusCode::OK, &Value::from("cancelled"))
    );
    let (status, reply) = as_staff(&pool, "POST", &format!("{url}/cancel"), &cookie, "").await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::CONFLICT,
            serde_json::json!({"error": "the export has ended already"})
        )
    );
    assert_eq!(run_next(&pool).await, None, "a cancelled export is not run");
    let (status, reply) = as_staff(&pool, "GET", &format!("{url}/download"), &cookie, "").await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::GONE,
            serde_json::json!({"error": "the export did not finish: there is no file"})
        )
    );

    // Settings that no longer fit the survey: the job fails, saying why.
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = canvass_db::surveys::latest(&mut conn, "ai-collab")
        .await
        .expect("read")
        .expect("survey")
        .survey_id;
    let staff: i64 = sqlx::query_scalar("SELECT id FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("staff");
    let bad = exports::create(
        &mut conn,
        survey_id,
        Requester::Staff(canvass_core::ids::StaffId::new(staff)),
        &[("filter.role".to_owned(), "astronaut".to_owned())],
        false,
        7,
    )
    .await
    .expect("queued");
    assert_eq!(run_next(&pool).await, Some(bad));
    let (_, job) = as_staff(&pool, "GET", &format!("{EXPORTS}/{bad}"), &cookie, "").await;
    assert_eq!(job["state"], "failed");
    assert_eq!(
        job["error"],
        "the export's settings no longer fit the survey: \"astronaut\" is not a choice of \"role\""
    );
    let (status, _) = as_staff(
        &pool,
        "GET",
        &format!("{EXPORTS}/{bad}/download"),
        &cookie,
        "",
    )
    .await;
    assert_eq!(status, StatusCode::GONE);

    // Done, then past its expiry: its file is deleted and its download gone.
    let (_, job) = as_staff(&pool, "POST", EXPORTS, &cookie, r#"{"expires_days": 1}"#).await;
    let id = job["id"].as_i64().expect("id");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", &format!("{EXPORTS}/{id}"), &cookie, "").await;
    assert_eq!(job["state"], "done");
    let parts: i64 = sqlx::query_scalar("SELECT count(*) FROM export_parts WHERE export_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(parts > 0);
    assert_eq!(
        exports::expire(&mut conn).await.expect("expire"),
        0,
        "not yet"
    );
    sqlx::query("UPDATE exports SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("moved");
    assert_eq!(exports::expire(&mut conn).await.expect("expire"), 1);
    let parts: i64 = sqlx::query_scalar("SELECT count(*) FROM export_parts WHERE export_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(parts, 0, "the file is deleted");
    let (status, reply) = as_staff(
        &pool,
        "GET",
        &format!("{EXPORTS}/{id}/download"),
        &cookie,
        "",
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::GONE,
            serde_json::json!({"error": "the export has expired and its file was deleted"})
        )
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_export_whose_server_stopped_is_run_again_then_failed(pool: PgPool) {
    seeded(&pool, 10).await;
    let cookie = analyst(&pool).await;
    let (_, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "{}").await;
    let id = canvass_core::ids::ExportId::new(job["id"].as_i64().expect("id"));
    // A server claims it and stops: no heartbeat, no file.
    let mut conn = pool.acquire().await.expect("connection");
    let claimed = exports::claim(&mut conn, 30.0, 3)
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!((claimed.id, claimed.attempt), (id, 1));
    assert_eq!(
        run_next(&pool).await,
        None,
        "a running export with a fresh heartbeat is left alone"
    );
    let (_, job) = as_staff(&pool, "GET", &format!("{EXPORTS}/{id}"), &cookie, "").await;
    assert_eq!(
        (&job["state"], &job["download"]),
        (&Value::from("running"), &Value::Null)
    );
    // Its heartbeat goes stale: another run takes it over and finishes it.
    sqlx::query("UPDATE exports SET heartbeat_at = now() - interval '1 minute'")
        .execute(&pool)
        .await
        .expect("stale");
    assert_eq!(run_next(&pool).await, Some(id));
    let (_, job) = as_staff(&pool, "GET", &format!("{EXPORTS}/{id}"), &cookie, "").await;
    assert_eq!(job["state"], "done");
    // The first run, should it wake up, no longer owns the job.
    assert!(
        !exports::heartbeat(&mut conn, id, 1, None, 5)
            .await
            .expect("heartbeat")
    );

    // One that stops on every run is failed after the third.
    let (_, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "{}").await;
    let id = canvass_core::ids::ExportId::new(job["id"].as_i64().expect("id"));
    for attempt in 1..=3 {
        let claimed = exports::claim(&mut conn, 30.0, 3)
            .await
            .expect("claim")
            .expect("claimed");
        assert_eq!((claimed.id, claimed.attempt), (id, attempt));
        sqlx::query("UPDATE exports SET heartbeat_at = now() - interval '1 minute'")
            .execute(&pool)
            .await
            .expect("stale");
    }
    assert_eq!(
        exports::claim(&mut conn, 30.0, 3).await.expect("claim"),
        None
    );
    let (_, job) = as_staff(&pool, "GET", &format!("{EXPORTS}/{id}"), &cookie, "").await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["error"], "the export was interrupted too many times");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_export_page_starts_an_export_and_lists_it_with_its_progress(pool: PgPool) {
    seeded(&pool, 12).await;
    let cookie = analyst(&pool).await;
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        Some(&cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Dataset exports"), "{}", page.body);
    assert!(page.body.contains("No exports yet."));
    assert!(
        !page.body.contains("free_text"),
        "an analyst is not offered free text"
    );
    let posted = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        &form(&[
            ("values", "en"),
            ("responses", "completed"),
            ("dates", "day"),
            ("filter.role", ""),
            ("expires_days", "7"),
        ]),
        Some(&cookie),
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    assert_eq!(
        posted.header("location"),
        "/staff/surveys/ai-collab/exports"
    );
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        Some(&cookie),
    )
    .await;
    assert!(page.body.contains("Queued"), "{}", page.body);
    assert!(page.body.contains("<progress"));
    assert!(page.body.contains("values=en"));
    assert!(
        page.body.contains("http-equiv=\"refresh\""),
        "a page with a running export reloads without JavaScript"
    );

    // A tampered form: the page again, with the field's error.
    let refused = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        &form(&[("values", "klingon")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Not one of the choices offered"),
        "{}",
        refused.body
    );
    let refused = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        &form(&[("free_text", "true"), ("reason", "x")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .body
            .contains("Only an admin may export free text or identifiable data."),
        "{}",
        refused.body
    );

    run_next(&pool).await.expect("ran");
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        Some(&cookie),
    )
    .await;
    assert!(page.body.contains("Done"), "{}", page.body);
    assert!(page.body.contains("/download"));
    assert!(!page.body.contains("http-equiv=\"refresh\""));
    // The anonymization's summary, before download.
    assert!(
        page.body.contains("k = 5 reached (smallest group: "),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Highest chance of re-identifying a row: 100.0% before")
    );
    // A k under 2 is refused at its field, nothing queued.
    let refused = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        &form(&[("k", "1"), ("sensitive.rd_interest", "true")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Enter a whole number from 2 to 100000."),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("name=\"sensitive.rd_interest\" value=\"true\" checked"),
        "the box ticked stays ticked"
    );
    // k above the rows: refused with the reason, never silently weakened.
    let posted = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        &form(&[("k", "1000"), ("suppression", "5")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    run_next(&pool).await.expect("ran");
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        Some(&cookie),
    )
    .await;
    let completed = completed(&pool, None).await;
    assert!(
        page.body.contains(&format!(
            "the export cannot be anonymized: k is 1000 but there are only {completed} records"
        )),
        "{}",
        page.body
    );
    let cancel = post(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports/999999/cancel",
        "",
        Some(&cookie),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_admins_identifiable_export_holds_response_ids_and_says_so(pool: PgPool) {
    seeded(&pool, 20).await;
    let analyst = analyst(&pool).await;
    let admin = admin(&pool).await;
    let (status, _) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &analyst,
        r#"{"identifiable": true, "reason": "x"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an analyst may not");
    let (status, reply) =
        as_staff(&pool, "POST", EXPORTS, &admin, r#"{"identifiable": true}"#).await;
    assert_eq!(
        (status, &reply["error"]),
        (StatusCode::BAD_REQUEST, &Value::from("reason_missing"))
    );
    let (status, job) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &admin,
        r#"{"identifiable": true, "reason": "linking to the society's register"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["settings"]["dates"], "exact");
    assert_eq!(job["settings"]["free_text"], "true");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &admin, "").await;
    let (status, _, zip) = call(
        &pool,
        "GET",
        job["download"].as_str().expect("download"),
        &[("cookie", &admin)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut readme = String::new();
    archive
        .by_name("README.txt")
        .expect("README.txt")
        .read_to_string(&mut readme)
        .expect("UTF-8");
    assert!(readme.starts_with("*** IDENTIFIABLE DATA"), "{readme}");
    assert!(
        readme.contains("Reason: linking to the society's register\r\n"),
        "{readme}"
    );
    let mut data = String::new();
    archive
        .by_name("data.csv")
        .expect("data.csv")
        .read_to_string(&mut data)
        .expect("UTF-8");
    let mut reader = csv::Reader::from_reader(data.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..4],
        [
            "response",
            "response_id",
            "response_status",
            "response_lang"
        ]
    );
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT public_id::text FROM responses WHERE status = 'completed' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("ids");
    let mut exported: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = record.expect("a row");
        exported.push(record[1].to_owned());
        // Times to the second.
        assert_eq!(
            record[4].len(),
            "2026-12-06 10:11:12".len(),
            "{}",
            &record[4]
        );
    }
    assert_eq!(
        exported, ids,
        "each response's public ID, in the order they began"
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_running_export_cancelled_stops_at_its_next_heartbeat_and_stores_nothing(pool: PgPool) {
    seeded(&pool, 10).await;
    let cookie = analyst(&pool).await;
    let (_, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "{}").await;
    let url = job["url"].as_str().expect("url").to_owned();
    let id = canvass_core::ids::ExportId::new(job["id"].as_i64().expect("id"));
    let mut conn = pool.acquire().await.expect("connection");
    let claimed = exports::claim(&mut conn, 30.0, 3)
        .await
        .expect("claim")
        .expect("claimed");
    assert!(
        exports::heartbeat(&mut conn, id, claimed.attempt, Some(10), 4)
            .await
            .expect("heartbeat")
    );
    let (_, running) = as_staff(&pool, "GET", &url, &cookie, "").await;
    assert_eq!(
        (
            &running["state"],
            &running["rows_written"],
            &running["rows_total"],
            &running["percent"]
        ),
        (
            &Value::from("running"),
            &Value::from(4),
            &Value::from(10),
            &Value::from(40.0)
        )
    );
    let (status, _) = as_staff(&pool, "POST", &format!("{url}/cancel"), &cookie, "").await;
    assert_eq!(status, StatusCode::OK);
    // The run hears of it at its next heartbeat, and may not store its zip.
    assert!(
        !exports::heartbeat(&mut conn, id, claimed.attempt, Some(10), 8)
            .await
            .expect("heartbeat")
    );
    let mut tx = pool.begin().await.expect("tx");
    assert!(
        !exports::lock_running(&mut tx, id, claimed.attempt)
            .await
            .expect("lock")
    );

    // The writer itself stops at its next row once cancelled.
    let (published, survey) = canvass_server::demo::national(&pool).await.expect("survey");
    let progress = canvass_server::export::Progress::default();
    progress.cancel();
    let outputs = canvass_server::export::Outputs {
        data: Vec::new(),
        codes: None,
        xlsx: None,
        progress: Some(&progress),
    };
    let written = canvass_server::export::write_data(
        &mut conn,
        &survey,
        published.survey_id,
        &canvass_server::export::Settings::default(),
        outputs,
        None,
    )
    .await;
    assert!(
        matches!(written, Err(canvass_server::export::WriteError::Cancelled)),
        "{written:?}"
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn make_runs_demo_data_export_is_5_anonymous_by_the_independent_check(pool: PgPool) {
    // The respondents `make run` seeds: 5,142 from seed 1.
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 5_142, 1)
        .await
        .expect("seed");
    let cookie = analyst(&pool).await;
    let (status, job) = as_staff(&pool, "POST", EXPORTS, &cookie, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &cookie, "").await;
    assert_eq!(job["state"], "done", "{job}");
    let (status, _, zip) = call(
        &pool,
        "GET",
        job["download"].as_str().expect("download"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = completed(&pool, None).await;
    let checked = super::anon_check::check_zip(&pool, &zip, 5, rows as u64).await;
    assert!(checked.smallest_class.is_some_and(|s| s >= 5));
    assert_eq!(job["anonymity"]["suppressed"], checked.suppressed);
    // Within the default limit of 5% of the rows.
    assert!(checked.suppressed * 20 <= rows as u64, "{job}");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_preview_shows_the_risk_report_and_offers_no_file(pool: PgPool) {
    seeded(&pool, 20).await;
    let cookie = analyst(&pool).await;
    let (status, job) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &cookie,
        r#"{"preview": true, "k": 3, "suppression": 10}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &cookie, "").await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["download"], Value::Null, "a preview has no file");
    assert_eq!(job["anonymity"]["k"], 3);
    assert_eq!(
        job["rows_written"].as_i64().expect("rows")
            + job["anonymity"]["suppressed"].as_i64().expect("suppressed"),
        completed(&pool, None).await
    );
    let risk = job["risk"].as_str().expect("a risk report").to_owned();
    let (status, headers, body) = call(&pool, "GET", &risk, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    let html = String::from_utf8(body).expect("UTF-8");
    assert!(html.contains("再识别风险报告 Re-identification risk report"));
    assert!(html.contains("<tr><th><span lang=\"zh\">k-匿名</span><br><span lang=\"en\">k-anonymity</span></th><td>k = 3</td></tr>"), "{html}");
    let download = format!("{}/download", job["url"].as_str().expect("url"));
    let (status, _, body) = call(&pool, "GET", &download, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("a preview has no file"));
    // The page links the report and offers no download for it.
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/exports",
        Some(&cookie),
    )
    .await;
    assert!(
        page.body.contains("Preview: the risk report alone"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("href=\"{risk}\"")));
    assert!(!page.body.contains("/download"));
    // ℓ-diversity on a sensitive attribute, asked for as a list.
    let (status, job) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &cookie,
        r#"{"preview": true, "sensitive": ["rd_interest"], "l": 2}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["settings"]["sensitive.rd_interest"], "true");
    run_next(&pool).await.expect("ran");
    let (_, job) = as_staff(&pool, "GET", job["url"].as_str().expect("url"), &cookie, "").await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["anonymity"]["l"], 2);
    assert_eq!(
        job["anonymity"]["sensitive"],
        serde_json::json!(["rd_interest"])
    );
    let (status, reply) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &cookie,
        r#"{"sensitive": ["province"]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["error"], "not_sensitive");
    assert_eq!(reply["field"], "sensitive.province");
    // An identifiable export has nothing to preview.
    let admin = admin(&pool).await;
    let (status, reply) = as_staff(
        &pool,
        "POST",
        EXPORTS,
        &admin,
        r#"{"identifiable": true, "reason": "x", "preview": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["error"], "not_a_value");
    assert_eq!(reply["field"], "preview");
}
