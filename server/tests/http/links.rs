//! Distribution links: `/l/{code}` counts the visit, remembers the link for the consent
//! post, and a closed link ends politely.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::ids::{LinkId, SurveyId};
use canvass_core::survey::Survey;
use canvass_db::links::{self, Link, LinkInput, NewLink};
use sqlx::PgPool;

use crate::support::{app, get, send};

/// A link made with `input`, on the installed national survey.
async fn link_with(pool: &PgPool, input: LinkInput<'_>) -> Link {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    let survey = Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("survey");
    let new = NewLink::parse(&survey, input).expect("valid");
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'ai-collab'")
        .fetch_one(&mut *conn)
        .await
        .map(SurveyId::new)
        .expect("survey");
    links::create(&mut conn, survey_id, &new, None)
        .await
        .expect("created")
}

pub(crate) async fn link(pool: &PgPool) -> Link {
    link_with(
        pool,
        LinkInput {
            name: "Guangdong society",
            channel: "WeChat group",
            ..LinkInput::default()
        },
    )
    .await
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_link_that_fixes_role_and_province_skips_screening_and_shows_the_province(pool: PgPool) {
    let link = link_with(
        &pool,
        LinkInput {
            name: "Guangdong clinicians",
            channel: "WeChat group",
            fixed_role: "clinician",
            fixed_province: "guangdong",
            ..LinkInput::default()
        },
    )
    .await;
    let opened = get(
        app(pool.clone()),
        &format!("/l/{}", link.code.as_str()),
        &[],
    )
    .await;
    let pair = opened
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", pair)
        .body(Body::from("consent=agree"))
        .expect("request");
    let begun = send(app(pool.clone()), consent).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    let next = begun.header("location").to_owned();
    assert!(next.ends_with("/profile"), "screening is skipped: {next}");
    let page = get(app(pool.clone()), &next, &[("accept-language", "en")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("(set by your invitation link)"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<input type="hidden" name="province" value="guangdong">"#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(r#"<select id="province-input""#),
        "not asked"
    );
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
    let linked: Vec<Option<LinkId>> =
        sqlx::query_scalar("SELECT link_id FROM responses ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("responses")
            .into_iter()
            .map(|id: Option<i64>| id.map(LinkId::new))
            .collect();
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

mod staff_pages {
    use axum::http::StatusCode;
    use canvass_core::staff::StaffRole;
    use sqlx::PgPool;

    use crate::staff::{account, form, get, post, signed_in};

    async fn setup(pool: &PgPool) -> (String, String) {
        canvass_server::serve::install_bundled_surveys(pool)
            .await
            .expect("install");
        account(pool, "admin@hospital.cn", StaffRole::Admin).await;
        account(pool, "analyst@hospital.cn", StaffRole::Analyst).await;
        (
            signed_in(pool, "admin@hospital.cn").await,
            signed_in(pool, "analyst@hospital.cn").await,
        )
    }

    #[sqlx::test(migrator = "canvass_db::MIGRATOR")]
    async fn an_admin_makes_a_link_sees_its_address_and_qr_code_and_closes_it(pool: PgPool) {
        let (admin, analyst) = setup(&pool).await;
        let made = post(
            crate::support::app(pool.clone()),
            "/staff/surveys/ai-collab/links",
            &form(&[
                ("name", "广东省放射学会"),
                ("channel", "WeChat group"),
                ("fixed_role", "clinician"),
                ("fixed_province", ""),
                ("target", "400"),
            ]),
            Some(&admin),
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        assert_eq!(
            made.header("location"),
            "/staff/surveys/ai-collab/links?done=1"
        );
        let (id, code, role): (i64, String, Option<String>) =
            sqlx::query_as("SELECT id, code, fixed_role FROM distribution_links")
                .fetch_one(&pool)
                .await
                .expect("link");
        assert_eq!(role.as_deref(), Some("clinician"));
        let page = get(
            crate::support::app(pool.clone()),
            "/staff/surveys/ai-collab/links",
            Some(&admin),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!("http://canvass.test/l/{code}")),
            "{}",
            page.body
        );
        assert!(page.body.contains("广东省放射学会"));
        assert!(
            page.body.contains("target 400 eligible respondents"),
            "{}",
            page.body
        );
        let qr = get(
            crate::support::app(pool.clone()),
            &format!("/staff/links/{id}/qr.svg"),
            Some(&admin),
        )
        .await;
        assert_eq!(qr.status, StatusCode::OK);
        assert_eq!(qr.header("content-type"), "image/svg+xml");
        assert!(
            qr.body.starts_with("<?xml") && qr.body.contains("<svg"),
            "{}",
            &qr.body[..qr.body.len().min(200)]
        );
        // Analysts may neither see nor change links, nor get a QR code.
        for (reply, what) in [
            (
                get(
                    crate::support::app(pool.clone()),
                    "/staff/surveys/ai-collab/links",
                    Some(&analyst),
                )
                .await,
                "page",
            ),
            (
                get(
                    crate::support::app(pool.clone()),
                    &format!("/staff/links/{id}/qr.svg"),
                    Some(&analyst),
                )
                .await,
                "qr",
            ),
            (
                post(
                    crate::support::app(pool.clone()),
                    &format!("/staff/links/{id}"),
                    &form(&[("action", "close")]),
                    Some(&analyst),
                )
                .await,
                "close",
            ),
            (
                post(
                    crate::support::app(pool.clone()),
                    "/staff/surveys/ai-collab/links",
                    &form(&[("name", "x"), ("channel", "y")]),
                    Some(&analyst),
                )
                .await,
                "create",
            ),
        ] {
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}");
        }
        let closed = post(
            crate::support::app(pool.clone()),
            &format!("/staff/links/{id}"),
            &form(&[("action", "close")]),
            Some(&admin),
        )
        .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let open: bool = sqlx::query_scalar("SELECT open FROM distribution_links")
            .fetch_one(&pool)
            .await
            .expect("open");
        assert!(!open);
        let log: Vec<String> = sqlx::query_scalar(
            "SELECT action::text FROM audit_log WHERE action::text LIKE 'link%' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("audit");
        assert_eq!(log, ["link_created", "link_closed"]);
    }

    #[sqlx::test(migrator = "canvass_db::MIGRATOR")]
    async fn each_bad_link_field_is_named_and_what_was_typed_stays(pool: PgPool) {
        let (admin, _) = setup(&pool).await;
        let reply = post(
            crate::support::app(pool.clone()),
            "/staff/surveys/ai-collab/links",
            &form(&[
                ("name", "<b>Hospital</b>"),
                ("channel", ""),
                ("fixed_role", "surgeon"),
                ("fixed_province", "atlantis"),
                ("target", "-3"),
            ]),
            Some(&admin),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter a channel.",
            "Choose one of the roles listed.",
            "Choose one of the provinces listed.",
            "Enter a whole number from 1 to 1000000, or leave it empty.",
        ] {
            assert!(reply.body.contains(message), "{message}: {}", reply.body);
        }
        assert!(
            reply.body.contains("value=\"&lt;b&gt;Hospital&lt;/b&gt;\""),
            "{}",
            reply.body
        );
        let unknown = post(
            crate::support::app(pool.clone()),
            "/staff/surveys/no-such/links",
            &form(&[("name", "x"), ("channel", "y")]),
            Some(&admin),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let none: i64 = sqlx::query_scalar("SELECT count(*) FROM distribution_links")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(none, 0);
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn only_a_persons_first_visit_counts_as_an_open(pool: PgPool) {
    let link = link(&pool).await;
    let path = format!("/l/{}", link.code.as_str());
    let opens = || async {
        sqlx::query_scalar::<_, i64>("SELECT opens FROM distribution_links")
            .fetch_one(&pool)
            .await
            .expect("opens")
    };
    // Embedded in another site's page (`<img src=/l/CODE>`, an iframe): not counted, though
    // it still answers as a link does.
    for dest in ["image", "iframe", "script", "empty"] {
        let reply = get(app(pool.clone()), &path, &[("sec-fetch-dest", dest)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{dest}");
    }
    assert_eq!(opens().await, 0);
    // A person opening it (a browser that says so, or one too old to say): counted.
    let first = get(app(pool.clone()), &path, &[("sec-fetch-dest", "document")]).await;
    let pair = first
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    get(app(pool.clone()), &path, &[]).await;
    assert_eq!(opens().await, 2);
    // The same browser back again, holding the link's cookie: not counted again.
    let cookies = format!("canvass_lang=zh; {pair}");
    get(
        app(pool.clone()),
        &path,
        &[("sec-fetch-dest", "document"), ("cookie", &cookies)],
    )
    .await;
    assert_eq!(opens().await, 2);
    // Another link's cookie does not make a returning visitor of it.
    get(
        app(pool.clone()),
        &path,
        &[("cookie", "canvass_link_ai-collab=zzzzzzzzzz")],
    )
    .await;
    assert_eq!(opens().await, 3);
}
