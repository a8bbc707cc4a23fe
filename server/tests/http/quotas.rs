//! Quotas: admins set and remove them on the links page; a respondent whose role falls in
//! a full cell ends politely, recorded as `quota_full`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::staff::StaffRole;
use sqlx::PgPool;

use crate::staff::{account, form, get, post, signed_in};
use crate::support::{self, app, send};

/// A respondent's form post, in English, without a session.
async fn respond(pool: &PgPool, uri: &str, body: &str, cookie: Option<&str>) -> support::Reply {
    let mut builder = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    send(
        app(pool.clone()),
        builder.body(Body::from(body.to_owned())).expect("request"),
    )
    .await
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_admin_sets_a_quota_and_a_respondent_in_the_full_cell_ends_politely(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let quotas = "/staff/surveys/ai-collab/quotas";

    let set = post(
        app(pool.clone()),
        quotas,
        &form(&[("role", "clinician"), ("province", ""), ("cap", "1")]),
        Some(&admin),
    )
    .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert_eq!(
        set.header("location"),
        "/staff/surveys/ai-collab/links?done=1"
    );

    // The same cell again, and a cap that is no number: each refused with its reason.
    let again = post(
        app(pool.clone()),
        quotas,
        &form(&[("role", "clinician"), ("province", ""), ("cap", "5")]),
        Some(&admin),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("This group has a quota already; remove it first to change it."),
        "{}",
        again.body
    );
    let bad = post(
        app(pool.clone()),
        quotas,
        &form(&[("role", "nurse"), ("province", ""), ("cap", "lots")]),
        Some(&admin),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Enter a whole number from 1 to 1000000."),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"lots\""),
        "what was typed is kept"
    );

    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/links",
        Some(&admin),
    )
    .await;
    assert!(page.body.contains("0 of 1 completed"), "{}", page.body);

    // One clinician has completed: the cell is full.
    sqlx::query(
        r#"INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                  completed_at, breakdown)
           SELECT 'x', id, (SELECT max(version) FROM survey_versions), 'zh', 'completed', now(), '{"role": "clinician"}' FROM surveys"#,
    )
    .execute(&pool)
    .await
    .expect("a completed clinician");
    let begun = respond(&pool, "/s/ai-collab", "consent=agree", None).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER);
    let code = begun.header("location")[3..35].to_owned();
    let ended = respond(
        &pool,
        &format!("/r/{code}/screening"),
        "role=clinician",
        None,
    )
    .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(ended.header("location"), format!("/r/{code}/end"));
    let end = support::get(
        app(pool.clone()),
        &format!("/r/{code}/end"),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(end.status, StatusCode::OK);
    assert!(end.body.contains("This group is complete"), "{}", end.body);
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status::text FROM responses ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("statuses");
    assert_eq!(statuses, ["completed", "quota_full"]);
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/links",
        Some(&admin),
    )
    .await;
    assert!(page.body.contains("1 of 1 completed"), "{}", page.body);
    assert!(
        page.body
            .contains("Full: new respondents in this group end politely")
    );
    let dashboard = get(app(pool.clone()), "/monitor/ai-collab", Some(&admin)).await;
    assert!(
        dashboard
            .body
            .contains("<th scope=\"row\">Group complete (quota full)</th><td>1</td>"),
        "{}",
        dashboard.body
    );

    let id: i64 = sqlx::query_scalar("SELECT id FROM quotas")
        .fetch_one(&pool)
        .await
        .expect("id");
    let removed = post(
        app(pool.clone()),
        &format!("/staff/quotas/{id}"),
        &form(&[("action", "remove")]),
        Some(&admin),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action::text || ' ' || coalesce(detail, '') FROM audit_log
         WHERE action IN ('quota_set', 'quota_removed') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            "quota_set clinician / * ≤ 1".to_owned(),
            format!("quota_removed #{id}")
        ]
    );
}
