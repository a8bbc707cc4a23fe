//! The monitoring dashboard: every staff role may open it; its figures are the database's.

use axum::http::StatusCode;
use canvass_core::staff::StaffRole;
use sqlx::PgPool;

use crate::staff::{account, get, signed_in};
use crate::support::app;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_viewer_sees_the_funnel_its_rates_and_where_respondents_stopped(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 60, 11)
        .await
        .expect("seed");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;

    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status::text, count(*) FROM responses GROUP BY 1")
            .fetch_all(&pool)
            .await
            .expect("counts");
    let n = |status: &str| {
        counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    let started: i64 = counts.iter().map(|(_, n)| n).sum();
    let consented = started - n("refused");

    let page = get(app(pool.clone()), "/monitor/ai-collab", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    let row =
        |label: &str, value: String| format!("<th scope=\"row\">{label}</th><td>{value}</td>");
    for (label, value) in [
        ("Began (consent page sent)", started.to_string()),
        ("Consented", consented.to_string()),
        ("Did not consent", n("refused").to_string()),
        ("Screened out", n("screened_out").to_string()),
        ("Completed", n("completed").to_string()),
    ] {
        assert!(
            page.body.contains(&row(label, value.clone())),
            "{label} {value}: {}",
            page.body
        );
    }
    let completion = format!(
        "{:.1}% ({} / {})",
        (n("completed") as f64 * 1000.0 / consented as f64).round() / 10.0,
        n("completed"),
        consented
    );
    assert!(
        page.body.contains(&completion),
        "{completion}: {}",
        page.body
    );
    // No link was opened: the participation rate is no rate, shown with its 0 / 0.
    assert!(
        page.body.contains("— (") && page.body.contains(" / 0)"),
        "{}",
        page.body
    );
    // The first section was reached by everyone who began.
    assert!(
        page.body.contains(&format!("<td>{started}</td>")),
        "{}",
        page.body
    );

    // Broken down by province, role and hospital grade.
    for id in ["by-province", "by-role", "by-hospital_grade"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // Over time: a table of days and one of today's hours, in China's time zone.
    for id in ["per-day", "today"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        page.body
            .contains("Days and hours in the time zone <!>Asia/Shanghai<!>."),
        "{}",
        page.body
    );
    let unknown = get(app(pool.clone()), "/monitor/no-such-survey", Some(&viewer)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let nobody = get(app(pool.clone()), "/monitor/ai-collab", None).await;
    assert_eq!(nobody.status, StatusCode::FOUND);
    assert_eq!(nobody.header("location"), "/staff/sign-in");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_stats_endpoint_gives_the_same_figures_as_json_to_staff_only(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 30, 5)
        .await
        .expect("seed");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let reply = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        Some(&viewer),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    let stats: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let completed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM responses WHERE status = 'completed'")
            .fetch_one(&pool)
            .await
            .expect("count");
    let refused: i64 =
        sqlx::query_scalar("SELECT count(*) FROM responses WHERE status = 'refused'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(stats["survey"], "ai-collab");
    assert_eq!(stats["started"], 30);
    assert_eq!(stats["completed"], completed);
    assert_eq!(stats["consented"], 30 - refused);
    assert_eq!(stats["completion"]["numerator"], completed);
    assert_eq!(stats["completion"]["denominator"], 30 - refused);
    // No link opened: a rate over zero is no rate, with its zero denominator shown.
    assert_eq!(stats["participation"]["denominator"], 0);
    assert!(stats["participation"]["percent"].is_null());
    assert_eq!(stats["sections"][0]["reached"], 30);
    // By province: every province listed, zeros included, and the counts the database has.
    let survey =
        canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("survey");
    let provinces: Vec<&str> =
        canvass_db::links::choice_codes(&survey, canvass_core::survey::Stratum::Province).collect();
    assert_eq!(provinces.len(), 31);
    let by_province = stats["breakdowns"]
        .as_array()
        .expect("breakdowns")
        .iter()
        .find(|b| b["question"] == "province")
        .expect("by province");
    let rows = by_province["rows"].as_array().expect("rows");
    let codes: Vec<&str> = rows.iter().filter_map(|r| r["code"].as_str()).collect();
    assert_eq!(codes, provinces);
    let answered: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM responses WHERE answers #>> '{province,c}' IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    let began: i64 = rows.iter().filter_map(|r| r["began"].as_i64()).sum();
    assert_eq!(began, answered);
    assert!(answered > 0, "the demo respondents answered provinces");
    // Over time, in the survey's zone: every response began on some day, and today's hours
    // run from midnight.
    assert_eq!(stats["time_zone"], "Asia/Shanghai");
    let per_day = stats["per_day"].as_array().expect("per day");
    let sum = |periods: &[serde_json::Value], key: &str| -> i64 {
        periods.iter().filter_map(|p| p[key].as_i64()).sum()
    };
    assert_eq!(sum(per_day, "started"), 30);
    assert_eq!(sum(per_day, "completed"), completed);
    let today = stats["today"].as_array().expect("today");
    assert_eq!(today.first().map(|h| h["label"].clone()), Some("00".into()));
    // Signals: nobody began twice here; speeders are counted against the median.
    assert_eq!(stats["signals"]["same_browser"]["began"], 0);
    let under = stats["signals"]["speeders"]["under_minutes"]
        .as_f64()
        .expect("a median of some minutes");
    let fast: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM responses WHERE status = 'completed'
           AND completed_at - started_at < make_interval(mins => $1::int)",
    )
    .bind(under as i32)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(stats["signals"]["speeders"]["count"], fast);

    // An API client that is not signed in gets 401 with a challenge, not the sign-in page.
    let nobody = get(app(pool.clone()), "/api/v1/surveys/ai-collab/stats", None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.header("www-authenticate"),
        r#"Bearer realm="canvass""#
    );
    assert_eq!(nobody.header("content-type"), "application/json");
    assert_eq!(nobody.body, r#"{"error":"sign in or send an API token"}"#);
    let unknown = get(
        app(pool.clone()),
        "/api/v1/surveys/nothing/stats",
        Some(&viewer),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body, r#"{"error":"no such survey"}"#);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_browsers_first_visit_to_the_welcome_page_counts_as_an_open(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let welcome = |cookie: Option<&'static str>| {
        let pool = pool.clone();
        async move {
            let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
            let reply = crate::support::get(app(pool), "/s/ai-collab", &headers).await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    };
    // Counted: a first visit. Not counted: a browser that came through a link (the link
    // counted it) or that began a response already.
    welcome(None).await;
    welcome(Some("canvass_link_ai-collab=abcdefghij")).await;
    welcome(Some(
        "canvass_resume_ai-collab=0123456789abcdef0123456789abcdef",
    ))
    .await;
    // Nor a consent post refused and shown again.
    let refused = crate::support::send(
        app(pool.clone()),
        axum::http::Request::post("/s/ai-collab")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(""))
            .expect("request"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let reply = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        Some(&viewer),
    )
    .await;
    let stats: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(stats["opened_without_link"], 1);
    assert_eq!(stats["opened"], 1);
    assert_eq!(stats["participation"]["denominator"], 1);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn bursts_of_completions_from_one_address_are_flagged(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = canvass_core::ids::SurveyId::new(
        sqlx::query_scalar("SELECT id FROM surveys")
            .fetch_one(&mut *conn)
            .await
            .expect("survey"),
    );
    // Ten completions from one address within ten minutes, and nine from another.
    for _ in 0..10 {
        canvass_db::pace::completed(&mut conn, survey_id, "10.0.0.1")
            .await
            .expect("counted");
    }
    for _ in 0..9 {
        canvass_db::pace::completed(&mut conn, survey_id, "10.0.0.2")
            .await
            .expect("counted");
    }
    drop(conn);
    let stats = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        Some(&viewer),
    )
    .await;
    let stats: serde_json::Value = serde_json::from_str(&stats.body).expect("json");
    assert_eq!(
        stats["signals"]["bursts_from_one_address"],
        serde_json::json!({"bursts": 1, "completed": 10})
    );
    let page = get(app(pool.clone()), "/monitor/ai-collab", Some(&viewer)).await;
    assert!(page.body.contains("10 in 1 bursts"), "{}", page.body);
}
