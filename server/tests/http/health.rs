use crate::support::{app, get, unreachable_pool};
use axum::http::StatusCode;
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
