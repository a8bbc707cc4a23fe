//! Live dashboards across instances: a save through one router reaches the event stream of
//! a dashboard served by another, through PostgreSQL LISTEN/NOTIFY only.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::staff::StaffRole;
use canvass_server::AppState;
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::staff::{account, signed_in};
use crate::support::{SETTINGS, state};

/// An instance: its router, with its live-update tasks running on the shared database.
fn instance(pool: &PgPool) -> axum::Router {
    let state: AppState = state(pool.clone());
    let never = std::future::pending::<()>;
    tokio::spawn(canvass_server::live::publish(
        state.live.clone(),
        pool.clone(),
        never(),
    ));
    tokio::spawn(canvass_server::live::listen(
        state.live.clone(),
        pool.clone(),
        never(),
    ));
    canvass_server::router(state, SETTINGS)
}

/// Reads the stream until `wanted` appears in it, or gives up after `within`.
async fn wait_for(body: &mut Body, wanted: &str, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.contains(wanted) {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("no {wanted:?} in time; saw {seen:?}"))
            .expect("the stream goes on")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
        }
    }
    seen
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_save_on_one_instance_reaches_a_dashboard_on_another(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let a = instance(&pool);
    let b = instance(&pool);

    let request = Request::get("/monitor/ai-collab/events")
        .header("cookie", &viewer)
        .body(Body::empty())
        .expect("request");
    let response = b.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("text"),
        "text/event-stream"
    );
    let mut events = response.into_body();
    let ready = wait_for(&mut events, "event: ready", Duration::from_secs(5)).await;
    // With data: a browser drops an event that has none.
    let data = ready
        .split("event: ready\n")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default();
    assert!(
        data.strip_prefix("data: ").is_some_and(|d| !d.is_empty()),
        "{ready:?}"
    );
    // Let B's listener start listening before A announces anything.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("consent=agree"))
        .expect("request");
    let saved = a.oneshot(consent).await.expect("infallible");
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let seen = wait_for(&mut events, "event: changed", Duration::from_secs(5)).await;
    let survey_id: i64 = sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&pool)
        .await
        .expect("survey");
    assert!(seen.contains(&format!("data: {survey_id}")), "{seen}");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_event_stream_is_for_staff_and_known_surveys_only(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let nobody = crate::support::get(
        crate::support::app(pool.clone()),
        "/monitor/ai-collab/events",
        &[],
    )
    .await;
    // An EventSource follows no redirect to a sign-in page: 401 with a challenge.
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.header("www-authenticate"),
        r#"Bearer realm="canvass""#
    );
    assert_eq!(nobody.body, r#"{"error":"sign in or send an API token"}"#);
    let unknown = crate::support::get(
        crate::support::app(pool.clone()),
        "/monitor/no-such/events",
        &[("cookie", &viewer)],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_event_stream_ends_when_its_session_ends(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let quick = canvass_server::staff::StaffSettings {
        recheck_every: Duration::from_millis(200),
        ..Default::default()
    };
    let app = canvass_server::router(state(pool.clone()).with_staff(quick), SETTINGS);
    let request = Request::get("/monitor/ai-collab/events")
        .header("cookie", &viewer)
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let mut events = response.into_body();
    wait_for(&mut events, "event: ready", Duration::from_secs(5)).await;
    // Still signed in: several checks pass and the stream goes on.
    let more = tokio::time::timeout(Duration::from_millis(700), events.frame()).await;
    assert!(more.is_err(), "nothing to say, and not ended: {more:?}");

    let out = crate::staff::post(app, "/staff/sign-out", "", Some(&viewer)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A guard against a hang, not a measurement: the next check ends it.
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = events.frame().await {
            frame.expect("a frame");
        }
    })
    .await;
    assert!(end.is_ok(), "the stream ended once the session had");
}
