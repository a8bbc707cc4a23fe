use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{app, get, send, unreachable_pool};
use sqlx::PgPool;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn healthz_answers_200_while_the_process_runs(pool: PgPool) {
    let reply = get(app(pool), "/healthz", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn healthz_answers_200_even_without_a_database() {
    let reply = get(app(unreachable_pool()), "/healthz", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn readyz_answers_200_when_the_database_answers(pool: PgPool) {
    let reply = get(app(pool), "/readyz", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn readyz_answers_503_with_a_reason_when_the_database_is_unreachable() {
    let reply = get(app(unreachable_pool()), "/readyz", &[]).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(
        reply.body,
        r#"{"status":"unavailable","reason":"database unavailable"}"#
    );
}

/// Every 503 says when to try again: a respondent's save while the database is down, as a
/// form post and as the page's JSON post, and the readiness check.
#[tokio::test]
async fn a_save_posted_while_the_database_is_down_gets_503_with_retry_after() {
    let save = |accept: &'static str| {
        Request::post("/r/0123456789abcdef0123456789abcdef/consent")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", accept)
            .body(Body::from("consent=yes"))
            .expect("request")
    };
    let page = send(app(unreachable_pool()), save("text/html")).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.header("retry-after"), "5");
    assert!(page.body.contains("<html"), "{}", page.body);
    let json = send(app(unreachable_pool()), save("application/json")).await;
    assert_eq!(json.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json.header("retry-after"), "5");
    assert_eq!(json.body, r#"{"result":"refused","problem":"unavailable"}"#);
    let ready = get(app(unreachable_pool()), "/readyz", &[]).await;
    assert_eq!(ready.header("retry-after"), "5");
}
