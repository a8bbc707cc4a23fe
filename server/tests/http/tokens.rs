//! API tokens: admins make and revoke them; a token reads the stats endpoint and nothing
//! else; only its hash is stored; a token is shown once.

use axum::http::StatusCode;
use canvass_core::staff::StaffRole;
use sqlx::PgPool;

use crate::staff::{account, form, get, post, signed_in};
use crate::support::{self, app};

/// The token shown on the page that answered its creation.
fn revealed(body: &str) -> String {
    let start = body.find("value=\"cnv_").expect("a token on the page") + "value=\"".len();
    body[start..start + 68].to_owned()
}

async fn stats_with(pool: &PgPool, authorization: &str) -> support::Reply {
    support::get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        &[("authorization", authorization)],
    )
    .await
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_token_made_by_an_admin_reads_the_stats_until_it_is_revoked(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;

    let made = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(&[("name", "Weekly report")]),
        Some(&admin),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.header("cache-control"), "no-store");
    assert!(
        made.body.contains("Token “Weekly report” made"),
        "{}",
        made.body
    );
    let token = revealed(&made.body);
    assert!(
        canvass_db::tokens::ApiToken::parse(&token).is_some(),
        "{token}"
    );

    // Only its hash is stored, and the list shows its first characters, never all of it.
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
    )
    .bind(&token)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(stored, 1);
    let list = get(app(pool.clone()), "/staff/tokens", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&token[..12]), "{}", list.body);
    assert!(!list.body.contains(&token), "the token is shown only once");

    let reply = stats_with(&pool, &format!("Bearer {token}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stats: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(stats["survey"], "ai-collab");

    // A token opens nothing else: not the dashboard, not the staff server functions.
    let page = support::get(
        app(pool.clone()),
        "/monitor/ai-collab",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    // No session: a client that is not a browser is told 401, as without a token.
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);

    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&pool)
        .await
        .expect("id");
    let revoked = post(
        app(pool.clone()),
        &format!("/staff/tokens/{id}"),
        &form(&[("action", "revoke")]),
        Some(&admin),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(revoked.header("location"), "/staff/tokens?done=1");
    let again = post(
        app(pool.clone()),
        &format!("/staff/tokens/{id}"),
        &form(&[("action", "revoke")]),
        Some(&admin),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a second click changes nothing"
    );

    let refused = stats_with(&pool, &format!("Bearer {token}")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body, r#"{"error":"invalid or revoked API token"}"#);
    assert_eq!(
        refused.header("www-authenticate"),
        r#"Bearer realm="canvass", error="invalid_token""#
    );

    let actions: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action::text, detail FROM audit_log
         WHERE action IN ('token_created', 'token_revoked') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            ("token_created".to_owned(), Some(token[..12].to_owned())),
            ("token_revoked".to_owned(), Some(token[..12].to_owned())),
        ]
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_malformed_or_unknown_token_is_refused_even_with_a_session(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let unknown = format!("Bearer cnv_{}", "0".repeat(64));
    for authorization in [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer cnv_short",
        "bearer cnv_0000",
        unknown.as_str(),
    ] {
        let reply = stats_with(&pool, authorization).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization}");
        assert_eq!(reply.body, r#"{"error":"invalid or revoked API token"}"#);
    }
    // The header decides, whatever session comes with it.
    let both = support::get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        &[
            ("authorization", unknown.as_str()),
            ("cookie", viewer.as_str()),
        ],
    )
    .await;
    assert_eq!(both.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_token_needs_a_name_and_keeps_what_was_typed_when_too_long(pool: PgPool) {
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let missing = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(&[("name", "   ")]),
        Some(&admin),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Enter a name."), "{}", missing.body);
    let long = "报".repeat(201);
    let too_long = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(&[("name", &long)]),
        Some(&admin),
    )
    .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains(&long), "what was typed is kept");
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(none, 0);
}
