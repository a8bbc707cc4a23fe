use crate::support::{app, app_with_site, get, send};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get as route_get;
use sqlx::PgPool;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_home_page_is_in_chinese_without_a_preference(pool: PgPool) {
    let reply = get(app(pool), "/", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(r#"<html lang="zh""#), "{}", reply.body);
    assert!(reply.body.contains("医学学会自己的调查平台"));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn accept_language_english_gives_the_english_page(pool: PgPool) {
    let reply = get(app(pool), "/", &[("accept-language", "en-US,en;q=0.9")]).await;
    assert!(reply.body.contains(r#"<html lang="en""#), "{}", reply.body);
    assert!(
        reply
            .body
            .contains("a medical society&#x27;s own survey platform")
            || reply
                .body
                .contains("a medical society's own survey platform")
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn accept_language_preferring_chinese_gives_the_chinese_page(pool: PgPool) {
    let reply = get(
        app(pool),
        "/",
        &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")],
    )
    .await;
    assert!(reply.body.contains(r#"<html lang="zh""#), "{}", reply.body);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unsupported_accept_language_falls_back_to_chinese(pool: PgPool) {
    let reply = get(app(pool), "/", &[("accept-language", "fr-FR,de;q=0.5")]).await;
    assert!(reply.body.contains(r#"<html lang="zh""#), "{}", reply.body);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_language_cookie_wins_over_accept_language(pool: PgPool) {
    let reply = get(
        app(pool),
        "/",
        &[("accept-language", "zh-CN"), ("cookie", "canvass_lang=en")],
    )
    .await;
    assert!(reply.body.contains(r#"<html lang="en""#), "{}", reply.body);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unknown_address_answers_404_with_the_page_in_the_chosen_language(pool: PgPool) {
    let zh = get(app(pool.clone()), "/no/such/page", &[]).await;
    assert_eq!(zh.status, StatusCode::NOT_FOUND);
    assert!(zh.body.contains("页面不存在"), "{}", zh.body);

    let en = get(app(pool), "/no/such/page", &[("accept-language", "en")]).await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(en.body.contains("Page not found"), "{}", en.body);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_language_route_sets_the_cookie_and_goes_back(pool: PgPool) {
    let reply = get(app(pool), "/lang/en?next=/no/such/page", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/no/such/page");
    assert_eq!(
        reply.header("set-cookie"),
        "canvass_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_language_route_refuses_to_redirect_off_site(pool: PgPool) {
    let reply = get(app(pool), "/lang/zh?next=//evil.example/", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unsupported_language_code_is_a_400_naming_it(pool: PgPool) {
    let reply = get(app(pool), "/lang/fr", &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        r#"不支持该语言 / unsupported language "fr": expected "zh" or "en""#
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn pages_carry_security_headers_and_a_nonce_matching_their_scripts(pool: PgPool) {
    let reply = get(app(pool), "/", &[]).await;
    let csp = reply.header("content-security-policy").to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page policy carries a nonce");
    assert!(
        reply.body.contains(&format!(r#"nonce="{nonce}""#)),
        "{}",
        reply.body
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(reply.header("x-content-type-options"), "nosniff");
    assert_eq!(reply.header("referrer-policy"), "same-origin");
    assert_eq!(reply.header("x-frame-options"), "DENY");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn each_page_gets_a_fresh_nonce(pool: PgPool) {
    let first = get(app(pool.clone()), "/", &[]).await;
    let second = get(app(pool), "/", &[]).await;
    assert_ne!(
        first.header("content-security-policy"),
        second.header("content-security-policy")
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn non_page_responses_allow_no_inline_script(pool: PgPool) {
    let reply = get(app(pool), "/healthz", &[]).await;
    assert_eq!(
        reply.header("content-security-policy"),
        canvass_app::security::content_security_policy(None)
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn responses_are_compressed_when_the_client_accepts_it(pool: PgPool) {
    let reply = get(app(pool), "/", &[("accept-encoding", "br")]).await;
    assert_eq!(reply.header("content-encoding"), "br");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_panicking_handler_gives_the_bilingual_500_page(pool: PgPool) {
    let routes = canvass_server::routes(crate::support::state(pool)).route(
        "/boom",
        route_get(|| async { panic!("boom") as &'static str }),
    );
    let app = canvass_server::middleware::apply(routes, crate::support::SETTINGS);
    let reply = get(app, "/boom", &[]).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("服务器出错了"), "{}", reply.body);
    assert!(reply.body.contains("Something went wrong on our side"));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_oversized_body_is_refused_with_413(pool: PgPool) {
    let body = vec![b'a'; 65 * 1024];
    let request = Request::post("/lang/en")
        .header("content-length", body.len())
        .body(Body::from(body))
        .expect("request");
    let reply = send(app(pool), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A regression test: a static file served while pages were rendering took a page's
/// headers (leptos_axum's file handler read the response options of whichever page's
/// reactive owner was current), so that page left without its CSP nonce and never hydrated.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn static_files_served_alongside_pages_leave_every_page_its_own_nonce(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    let site = std::env::temp_dir().join(format!("canvass-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).expect("site folder");
    std::fs::write(site.join("pkg/canvass.css"), "body { margin: 0 }").expect("css");
    std::fs::write(site.join("favicon.svg"), "<svg/>").expect("icon");
    let app = app_with_site(pool, &site);

    // Rounds of 15 pages at once: more would wait on the test database and the CPU that
    // the other tests share, and run into the request timeout.
    let mut missing = 0;
    for _round in 0..4 {
        let mut pages = tokio::task::JoinSet::new();
        let mut files = tokio::task::JoinSet::new();
        for _ in 0..15 {
            pages.spawn(get(app.clone(), "/s/ai-collab", &[]));
            for file in ["/pkg/canvass.css", "/favicon.svg"] {
                files.spawn(get(app.clone(), file, &[]));
            }
        }
        while let Some(file) = files.join_next().await {
            let file = file.expect("task");
            assert_eq!(file.status, StatusCode::OK);
            assert!(!file.body.contains("<html"), "a file, not a page");
        }
        while let Some(page) = pages.join_next().await {
            let page = page.expect("task");
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let csp = page.header("content-security-policy");
            let nonce = page
                .body
                .split(r#"nonce=""#)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("the page's scripts carry a nonce");
            if !csp.contains(&format!("'nonce-{nonce}'")) {
                missing += 1;
            }
        }
    }
    assert_eq!(missing, 0, "pages whose policy lacks their scripts' nonce");
}

/// Pages holding a respondent's answers, staff data or figures are never kept by a browser
/// or a proxy (a shared hospital PC); static files are.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn pages_with_answers_staff_data_or_figures_are_never_stored(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    let site = std::env::temp_dir().join(format!("canvass-store-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).expect("site folder");
    std::fs::write(site.join("pkg/canvass.css"), "body { margin: 0 }").expect("css");
    std::fs::write(site.join("favicon.svg"), "<svg/>").expect("icon");
    let app = app_with_site(pool.clone(), &site);

    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("consent=agree"))
        .expect("request");
    let begun = send(app.clone(), consent).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER);
    let section = begun.header("location").to_owned();
    let cookie = begun
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let page = get(app.clone(), &section, &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    crate::staff::account(
        &pool,
        "viewer@hospital.cn",
        canvass_core::staff::StaffRole::Viewer,
    )
    .await;
    let staff = crate::staff::signed_in(&pool, "viewer@hospital.cn").await;
    let mut replies = vec![(section.clone(), begun), (section, page)];
    for path in [
        "/staff",
        "/monitor/ai-collab",
        "/analysis/ai-collab",
        "/api/v1/surveys/ai-collab/analysis",
        "/api/v1/surveys/ai-collab/stats",
    ] {
        let reply = crate::staff::get(app.clone(), path, Some(&staff)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        replies.push((path.to_owned(), reply));
    }
    replies.push((
        "sign-in".into(),
        get(app.clone(), "/staff/sign-in", &[]).await,
    ));
    for (path, reply) in replies {
        assert_eq!(reply.header("cache-control"), "no-store", "{path}");
        assert_eq!(
            reply.header("strict-transport-security"),
            "",
            "{path}: plain HTTP"
        );
    }
    assert_eq!(
        get(app.clone(), "/favicon.svg", &[])
            .await
            .header("cache-control"),
        "public, max-age=86400"
    );

    // Served over HTTPS (secure cookies), every response asks for HTTPS only.
    let secure = canvass_server::router(
        crate::support::state(pool.clone()),
        canvass_server::HttpSettings {
            hsts: true,
            ..crate::support::SETTINGS
        },
    );
    for path in ["/", "/s/ai-collab", "/staff/sign-in", "/healthz"] {
        let reply = get(secure.clone(), path, &[]).await;
        assert_eq!(
            reply.header("strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}
