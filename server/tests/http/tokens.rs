//! API tokens: admins make and revoke them; a token reads its survey's figures for its uses
//! and nothing else, until it expires, is revoked or its maker is deactivated; only its
//! hash is stored; a token is shown once.

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
        &form(&[
            ("name", "Weekly report"),
            ("survey", "ai-collab"),
            ("may_stats", "true"),
            ("lifetime", "90"),
        ]),
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
    assert_eq!(
        refused.body,
        r#"{"error":"invalid, expired or revoked API token"}"#
    );
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
            (
                "token_created".to_owned(),
                Some(format!("{} (ai-collab; stats; 90 days)", &token[..12]))
            ),
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
        assert_eq!(
            reply.body,
            r#"{"error":"invalid, expired or revoked API token"}"#
        );
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
        &form(&[("name", "   "), ("survey", "*"), ("may_stats", "true")]),
        Some(&admin),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Enter a name."), "{}", missing.body);
    let long = "报".repeat(201);
    let too_long = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(&[("name", &long), ("survey", "*"), ("may_stats", "true")]),
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

/// Makes a token through the admins' form; the token shown.
async fn made(pool: &PgPool, admin: &str, fields: &[(&str, &str)]) -> String {
    let reply = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(fields),
        Some(admin),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    revealed(&reply.body)
}

async fn read_with(pool: &PgPool, path: &str, token: &str) -> support::Reply {
    support::get(
        app(pool.clone()),
        path,
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_token_reads_only_its_survey_and_only_for_its_uses(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let stats_only = made(
        &pool,
        &admin,
        &[
            ("name", "Weekly report"),
            ("survey", "ai-collab"),
            ("may_stats", "true"),
        ],
    )
    .await;
    let reply = read_with(&pool, "/api/v1/surveys/ai-collab/stats", &stats_only).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for (path, status, error) in [
        (
            "/api/v1/surveys/ai-collab/analysis",
            StatusCode::FORBIDDEN,
            "this API token may not read the findings",
        ),
        (
            "/api/v1/surveys/ai-collab/analysis.csv",
            StatusCode::FORBIDDEN,
            "this API token may not read the findings",
        ),
        (
            "/api/v1/surveys/ai-collab/exports",
            StatusCode::FORBIDDEN,
            "this API token may not export",
        ),
        (
            "/api/v1/surveys/other-survey/stats",
            StatusCode::FORBIDDEN,
            "this API token is for another survey",
        ),
    ] {
        let reply = read_with(&pool, path, &stats_only).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert_eq!(
            reply.body,
            serde_json::json!({ "error": error }).to_string(),
            "{path}"
        );
    }

    // Every survey, the findings only: another survey is not refused for the token (it
    // does not exist), and the response figures are.
    let findings = made(
        &pool,
        &admin,
        &[
            ("name", "Findings feed"),
            ("survey", "*"),
            ("may_analysis", "true"),
            ("lifetime", "7"),
        ],
    )
    .await;
    let reply = read_with(&pool, "/api/v1/surveys/ai-collab/analysis", &findings).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = read_with(&pool, "/api/v1/surveys/other-survey/analysis", &findings).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let reply = read_with(&pool, "/api/v1/surveys/ai-collab/stats", &findings).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // The list says what each is for and until when.
    let list = get(app(pool.clone()), "/staff/tokens", Some(&admin)).await;
    assert!(
        list.body.contains("ai-collab · response figures"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("Every survey · findings"),
        "{}",
        list.body
    );
    assert_eq!(
        list.body.matches("Active until ").count(),
        2,
        "{}",
        list.body
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_token_stops_when_it_expires_or_its_maker_is_deactivated(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    account(&pool, "maker@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let maker = signed_in(&pool, "maker@hospital.cn").await;
    let fields = [
        ("name", "Weekly report"),
        ("survey", "ai-collab"),
        ("may_stats", "true"),
    ];
    let token = made(&pool, &maker, &fields).await;
    let stats = "/api/v1/surveys/ai-collab/stats";
    assert_eq!(read_with(&pool, stats, &token).await.status, StatusCode::OK);

    // The other admin deactivates the maker's account: the token stops with it.
    let maker_id: i64 =
        sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'maker@hospital.cn'")
            .fetch_one(&pool)
            .await
            .expect("maker");
    let deactivated = post(
        app(pool.clone()),
        &format!("/staff/users/{maker_id}"),
        &form(&[("action", "deactivate")]),
        Some(&admin),
    )
    .await;
    assert_eq!(
        deactivated.status,
        StatusCode::SEE_OTHER,
        "{}",
        deactivated.body
    );
    let refused = read_with(&pool, stats, &token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body,
        r#"{"error":"invalid, expired or revoked API token"}"#
    );
    let list = get(app(pool.clone()), "/staff/tokens", Some(&admin)).await;
    assert!(
        list.body
            .contains("Stopped: the account that made it is deactivated"),
        "{}",
        list.body
    );

    // One made by an active admin works until its expiry, then not.
    let token = made(&pool, &admin, &fields).await;
    assert_eq!(read_with(&pool, stats, &token).await.status, StatusCode::OK);
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("expired");
    let refused = read_with(&pool, stats, &token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let list = get(app(pool.clone()), "/staff/tokens", Some(&admin)).await;
    assert!(list.body.contains("Expired "), "{}", list.body);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_token_needs_a_use_and_keeps_what_was_chosen_when_refused(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let refused = post(
        app(pool.clone()),
        "/staff/tokens",
        &form(&[
            ("name", "Weekly report"),
            ("survey", "*"),
            ("lifetime", "30"),
        ]),
        Some(&admin),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains(r##"<a href="#create_token-may_stats">Choose at least one thing the token may read.</a>"##),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Weekly report"), "the name is kept");
    assert!(
        refused.body.contains(r#"<option value="30" selected>"#),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"<option value="*" selected>"#),
        "{}",
        refused.body
    );
    assert!(
        !refused
            .body
            .contains(r#"name="may_stats" value="true" checked"#),
        "nothing was ticked, and nothing is ticked again"
    );

    // A survey or a lifetime that was not offered is a malformed post.
    for fields in [
        [
            ("name", "x"),
            ("survey", "no-such"),
            ("may_stats", "true"),
            ("lifetime", "90"),
        ],
        [
            ("name", "x"),
            ("survey", ""),
            ("may_stats", "true"),
            ("lifetime", "90"),
        ],
        [
            ("name", "x"),
            ("survey", "*"),
            ("may_stats", "true"),
            ("lifetime", "3650"),
        ],
    ] {
        let reply = post(
            app(pool.clone()),
            "/staff/tokens",
            &form(&fields),
            Some(&admin),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{fields:?}");
    }
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(none, 0);
}
