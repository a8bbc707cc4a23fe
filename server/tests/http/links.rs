//! Distribution links: `/l/{code}` counts the visit, remembers the link for the consent
//! post, and a closed link ends politely.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::survey::Survey;
use canvass_db::links::{self, Link, LinkInput, NewLink};
use sqlx::PgPool;

use crate::support::{app, get, send};

async fn link(pool: &PgPool) -> Link {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    let survey = Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("survey");
    let new = NewLink::parse(
        &survey,
        LinkInput {
            name: "Guangdong society",
            channel: "WeChat group",
            ..LinkInput::default()
        },
    )
    .expect("valid");
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id: i64 = sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'ai-collab'")
        .fetch_one(&mut *conn)
        .await
        .expect("survey");
    links::create(&mut conn, survey_id, &new, None)
        .await
        .expect("created")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_open_link_counts_the_visit_and_the_response_remembers_it(pool: PgPool) {
    let link = link(&pool).await;
    let path = format!("/l/{}", link.code.as_str());
    let reply = get(app(pool.clone()), &path, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/s/ai-collab");
    let cookie = reply.header("set-cookie").to_owned();
    assert!(
        cookie.starts_with(&format!("canvass_link_ai-collab={}", link.code.as_str())),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let opens: i64 = sqlx::query_scalar("SELECT opens FROM distribution_links")
        .fetch_one(&pool)
        .await
        .expect("opens");
    assert_eq!(opens, 1);

    let pair = cookie.split(';').next().unwrap_or_default().to_owned();
    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", pair)
        .body(Body::from("consent=agree"))
        .expect("request");
    let begun = send(app(pool.clone()), consent).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    // Without the cookie, a response belongs to no link.
    let plain = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("consent=agree"))
        .expect("request");
    assert_eq!(
        send(app(pool.clone()), plain).await.status,
        StatusCode::SEE_OTHER
    );
    let linked: Vec<Option<i64>> = sqlx::query_scalar("SELECT link_id FROM responses ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("responses");
    assert_eq!(linked, [Some(link.id), None]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_closed_link_ends_politely_and_a_stale_cookie_links_nothing(pool: PgPool) {
    let link = link(&pool).await;
    let mut conn = pool.acquire().await.expect("connection");
    links::set_open(&mut conn, link.id, false)
        .await
        .expect("closed");
    let reply = get(
        app(pool.clone()),
        &format!("/l/{}", link.code.as_str()),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::GONE);
    assert!(reply.body.contains("此链接已关闭"), "{}", reply.body);
    assert!(reply.body.contains("This link is closed"), "{}", reply.body);
    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "cookie",
            format!("canvass_link_ai-collab={}", link.code.as_str()),
        )
        .body(Body::from("consent=agree"))
        .expect("request");
    assert_eq!(
        send(app(pool.clone()), consent).await.status,
        StatusCode::SEE_OTHER
    );
    let linked: Option<i64> = sqlx::query_scalar("SELECT link_id FROM responses")
        .fetch_one(&pool)
        .await
        .expect("response");
    assert_eq!(linked, None);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unknown_or_malformed_link_is_not_found(pool: PgPool) {
    link(&pool).await;
    for path in [
        "/l/zzzzzzzzzz",
        "/l/short",
        "/l/%27%20OR%201%3D1",
        "/l/AAAAAAAAAA",
    ] {
        let reply = get(app(pool.clone()), path, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.body.contains("找不到这份问卷或这个页面"), "{path}");
    }
}
