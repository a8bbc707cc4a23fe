//! Staff sign-in, sessions, roles, CSRF, throttling and the audit log, through the real
//! router with its session layer.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::ids::StaffId;
use canvass_core::staff::{DisplayName, Password, StaffEmail, StaffRole};
use canvass_db::accounts;
use sqlx::PgPool;

use crate::support::{Reply, app, send};

const ORIGIN: &str = "http://canvass.test";
const HOST: &str = "canvass.test";
pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn account(pool: &PgPool, email: &str, role: StaffRole) -> StaffId {
    let email = StaffEmail::parse(email).expect("email");
    let hash = accounts::hash(&Password::parse(PASSWORD, &email).expect("password"))
        .await
        .expect("hash");
    let name = DisplayName::parse(email.as_str().split('@').next().unwrap_or("x")).expect("name");
    let mut conn = pool.acquire().await.expect("connection");
    accounts::create(&mut conn, &email, &name, role, &hash)
        .await
        .expect("created")
}

/// A form post from a page of this site (Host and Origin agree), with a session cookie.
pub(crate) async fn post(app: Router, uri: &str, body: &str, cookie: Option<&str>) -> Reply {
    post_from(app, uri, body, cookie, Some(ORIGIN)).await
}

pub(crate) async fn post_from(
    app: Router,
    uri: &str,
    body: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Reply {
    let mut builder = Request::post(uri)
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en");
    if let Some(origin) = origin {
        builder = builder.header("origin", origin);
    }
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    send(
        app,
        builder.body(Body::from(body.to_owned())).expect("request"),
    )
    .await
}

pub(crate) async fn get(app: Router, uri: &str, cookie: Option<&str>) -> Reply {
    let mut builder = Request::get(uri)
        .header("host", HOST)
        .header("accept", "text/html")
        .header("accept-language", "en");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    send(app, builder.body(Body::empty()).expect("request")).await
}

/// The session cookie a reply sets, as `name=value`.
pub(crate) fn session_cookie(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("canvass_staff="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn sign_in(
    app: Router,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> Reply {
    let body = form(&[("email", email), ("password", password)]);
    post(app, "/staff/sign-in", &body, cookie).await
}

/// Signs in and returns the session cookie.
pub(crate) async fn signed_in(pool: &PgPool, email: &str) -> String {
    let reply = sign_in(app(pool.clone()), email, PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.header("location"), "/staff");
    session_cookie(&reply).expect("a session cookie")
}

/// An audit entry: actor, action, target, detail.
type AuditRow = (Option<StaffId>, String, Option<StaffId>, Option<String>);

async fn audit_actions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action::text FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("audit")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn signing_in_sets_an_http_only_lax_cookie_and_opens_the_staff_area(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Viewer).await;
    let reply = sign_in(app(pool.clone()), "Wang.Li@hospital.cn", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let set_cookie = reply.header("set-cookie").to_owned();
    assert!(set_cookie.starts_with("canvass_staff="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP here: {set_cookie}"
    );
    let cookie = session_cookie(&reply).expect("cookie");
    let home = get(app(pool.clone()), "/staff", Some(&cookie)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Signed in as wang.li (Viewer)"),
        "{}",
        home.body
    );
    assert_eq!(audit_actions(&pool).await, ["sign_in"]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn signing_in_replaces_the_session_id_so_a_planted_one_is_useless(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Admin).await;
    let first = signed_in(&pool, "wang.li@hospital.cn").await;
    // Signing in again from the same browser: a new ID, and the old one no longer works.
    let again = sign_in(
        app(pool.clone()),
        "wang.li@hospital.cn",
        PASSWORD,
        Some(&first),
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let second = session_cookie(&again).expect("a new cookie");
    assert_ne!(first, second);
    let old = get(app(pool.clone()), "/staff", Some(&first)).await;
    assert_eq!(old.status, StatusCode::FOUND);
    assert_eq!(old.header("location"), "/staff/sign-in");
    let new = get(app(pool.clone()), "/staff", Some(&second)).await;
    assert_eq!(new.status, StatusCode::OK);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn signing_out_ends_the_session_in_the_store(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Analyst).await;
    let cookie = signed_in(&pool, "wang.li@hospital.cn").await;
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(sessions, 1);
    let out = post(app(pool.clone()), "/staff/sign-out", "", Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/staff/sign-in");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(sessions, 0);
    let after = get(app(pool.clone()), "/staff", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::FOUND);
    assert_eq!(audit_actions(&pool).await, ["sign_in", "sign_out"]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Admin).await;
    let wrong = sign_in(
        app(pool.clone()),
        "wang.li@hospital.cn",
        "not the password",
        None,
    )
    .await;
    let unknown = sign_in(app(pool.clone()), "nobody@hospital.cn", PASSWORD, None).await;
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply
                .body
                .contains("The e-mail address or the password is not right."),
            "{}",
            reply.body
        );
        assert!(session_cookie(reply).is_none());
    }
    // What was typed as the e-mail comes back; the password never does.
    assert!(wrong.body.contains("value=\"wang.li@hospital.cn\""));
    assert!(!wrong.body.contains("not the password"));
    // The wrong password at an account is audited at once; the unknown e-mail address is
    // summed up with the others when it leaves the throttle's window (sign_in.rs).
    assert_eq!(audit_actions(&pool).await, ["sign_in_failed"]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_deactivated_account_cannot_sign_in_even_with_its_password(pool: PgPool) {
    let id = account(&pool, "wang.li@hospital.cn", StaffRole::Viewer).await;
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let mut conn = pool.acquire().await.expect("connection");
    accounts::set_active(&mut conn, id, false)
        .await
        .expect("deactivated");
    let reply = sign_in(app(pool.clone()), "wang.li@hospital.cn", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .body
            .contains("The e-mail address or the password is not right.")
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn after_five_failures_the_account_is_refused_even_with_the_right_password(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Admin).await;
    for _ in 0..5 {
        let reply = sign_in(
            app(pool.clone()),
            "wang.li@hospital.cn",
            "guess guess guess",
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(app(pool.clone()), "wang.li@hospital.cn", PASSWORD, None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .body
            .contains("Too many failed sign-ins. Try again in 15 minutes."),
        "{}",
        refused.body
    );
    let retry: u64 = refused.header("retry-after").parse().expect("seconds");
    assert!((840..=900).contains(&retry), "{retry}");
    assert!(session_cookie(&refused).is_none());
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_cross_origin_post_is_refused_before_anything_happens(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "wang.li@hospital.cn").await;
    let body = form(&[
        ("name", "Mallory"),
        ("email", "mallory@evil.example"),
        ("role", "admin"),
        ("password", "mallory's own password"),
    ]);
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let reply = post_from(
            app(pool.clone()),
            "/staff/users",
            &body,
            Some(&cookie),
            origin,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?}");
        assert!(
            reply.body.contains("Refused: sent from another site"),
            "{}",
            reply.body
        );
    }
    // Signing in from another site is refused too (login CSRF).
    let reply = post_from(
        app(pool.clone()),
        "/staff/sign-in",
        &form(&[("email", "wang.li@hospital.cn"), ("password", PASSWORD)]),
        None,
        Some("http://evil.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 1, "nobody was created");
}

/// Who asks: nobody, or a signed-in member of each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    Viewer,
    Analyst,
    Admin,
}

/// What a request gets: the page or action, a redirect to sign in, or 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gets {
    Through(StatusCode),
    SignIn,
    Forbidden,
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn each_role_reaches_exactly_what_it_should(pool: PgPool) {
    use Gets::*;
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    let target = account(&pool, "target@hospital.cn", StaffRole::Viewer).await;
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    account(&pool, "analyst@hospital.cn", StaffRole::Analyst).await;
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookies = [
        (Who::Viewer, signed_in(&pool, "viewer@hospital.cn").await),
        (Who::Analyst, signed_in(&pool, "analyst@hospital.cn").await),
        (Who::Admin, signed_in(&pool, "admin@hospital.cn").await),
    ];
    let user_path = format!("/staff/users/{target}");
    // Every protected page, server function and post; forms that pass the gate are sent
    // with an input that is refused (422), so the table changes nothing.
    let page_redirect = Gets::Through(StatusCode::FOUND);
    let table: Vec<(&str, &str, String, [Gets; 4])> = vec![
        (
            "GET",
            "/staff",
            String::new(),
            [
                page_redirect,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/staff/password",
            String::new(),
            [
                page_redirect,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/staff/users",
            String::new(),
            [page_redirect, Forbidden, Forbidden, Through(StatusCode::OK)],
        ),
        (
            "GET",
            "/staff/audit",
            String::new(),
            [page_redirect, Forbidden, Forbidden, Through(StatusCode::OK)],
        ),
        (
            "POST",
            "/api/staff_me",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/api/staff_users",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Forbidden,
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/api/staff_audit",
            form(&[("query[user]", "")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Forbidden,
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/staff/password",
            form(&[("current", "wrong"), ("new", "x"), ("confirm", "y")]),
            [
                SignIn,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
                Through(StatusCode::UNPROCESSABLE_ENTITY),
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            "/staff/users",
            form(&[
                ("name", ""),
                ("email", "x"),
                ("role", "admin"),
                ("password", ""),
            ]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            &user_path,
            form(&[("action", "role"), ("role", "superuser")]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "GET",
            "/api/v1/surveys/ai-collab/stats",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/api/v1/surveys/ai-collab/analysis",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/api/v1/surveys/ai-collab/analysis.csv",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/analysis/ai-collab",
            String::new(),
            [
                page_redirect,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/api/staff_analysis",
            form(&[("slug", "ai-collab")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/monitor/ai-collab",
            String::new(),
            [
                page_redirect,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/api/staff_monitor",
            form(&[("slug", "ai-collab")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/staff/surveys/ai-collab/links",
            String::new(),
            [page_redirect, Forbidden, Forbidden, Through(StatusCode::OK)],
        ),
        (
            "POST",
            "/staff/surveys/ai-collab/links",
            form(&[("name", ""), ("channel", "")]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            "/staff/links/999999",
            form(&[("action", "close")]),
            [SignIn, Forbidden, Forbidden, Through(StatusCode::NOT_FOUND)],
        ),
        (
            "GET",
            "/staff/links/999999/qr.svg",
            String::new(),
            [SignIn, Forbidden, Forbidden, Through(StatusCode::NOT_FOUND)],
        ),
        (
            "POST",
            "/api/staff_links",
            form(&[("slug", "ai-collab")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Forbidden,
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/staff/surveys/ai-collab/quotas",
            form(&[("role", ""), ("province", ""), ("cap", "")]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            "/staff/surveys/ai-collab/invitations",
            form(&[("file", "id\nA1\n")]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::BAD_REQUEST),
            ],
        ),
        (
            "POST",
            "/staff/quotas/999999",
            form(&[("action", "remove")]),
            [SignIn, Forbidden, Forbidden, Through(StatusCode::NOT_FOUND)],
        ),
        (
            "GET",
            "/staff/tokens",
            String::new(),
            [page_redirect, Forbidden, Forbidden, Through(StatusCode::OK)],
        ),
        (
            "POST",
            "/api/staff_tokens",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Forbidden,
                Through(StatusCode::OK),
            ],
        ),
        (
            "GET",
            "/staff/surveys/ai-collab/exports",
            String::new(),
            [
                page_redirect,
                Forbidden,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/staff/surveys/ai-collab/exports",
            form(&[("values", "klingon")]),
            [
                SignIn,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            "/staff/surveys/ai-collab/exports/999999/cancel",
            String::new(),
            [
                SignIn,
                Forbidden,
                Through(StatusCode::NOT_FOUND),
                Through(StatusCode::NOT_FOUND),
            ],
        ),
        (
            "POST",
            "/api/staff_exports",
            form(&[("slug", "ai-collab")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Through(StatusCode::OK),
                Through(StatusCode::OK),
            ],
        ),
        (
            "POST",
            "/api/v1/surveys/ai-collab/exports",
            form(&[("values", "klingon")]),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Through(StatusCode::BAD_REQUEST),
                Through(StatusCode::BAD_REQUEST),
            ],
        ),
        (
            "GET",
            "/api/v1/surveys/ai-collab/exports/999999/risk",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Through(StatusCode::NOT_FOUND),
                Through(StatusCode::NOT_FOUND),
            ],
        ),
        (
            "GET",
            "/api/v1/surveys/ai-collab/exports/999999",
            String::new(),
            [
                Through(StatusCode::UNAUTHORIZED),
                Forbidden,
                Through(StatusCode::NOT_FOUND),
                Through(StatusCode::NOT_FOUND),
            ],
        ),
        (
            "POST",
            "/staff/tokens",
            form(&[("name", " "), ("survey", "*"), ("may_stats", "true")]),
            [
                SignIn,
                Forbidden,
                Forbidden,
                Through(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            "POST",
            "/staff/tokens/999999",
            form(&[("action", "revoke")]),
            [SignIn, Forbidden, Forbidden, Through(StatusCode::NOT_FOUND)],
        ),
        (
            "POST",
            "/staff/sign-out",
            String::new(),
            [
                Through(StatusCode::SEE_OTHER),
                Through(StatusCode::SEE_OTHER),
                Through(StatusCode::SEE_OTHER),
                Through(StatusCode::SEE_OTHER),
            ],
        ),
    ];
    for (method, path, body, expected) in &table {
        for (i, who) in [Who::Nobody, Who::Viewer, Who::Analyst, Who::Admin]
            .into_iter()
            .enumerate()
        {
            let cookie = cookies
                .iter()
                .find(|(w, _)| *w == who)
                .map(|(_, c)| c.as_str());
            let reply = if *method == "GET" {
                get(app(pool.clone()), path, cookie).await
            } else {
                post(app(pool.clone()), path, body, cookie).await
            };
            let got = match (reply.status, reply.header("location")) {
                (StatusCode::SEE_OTHER, "/staff/sign-in") if *path != "/staff/sign-out" => SignIn,
                (StatusCode::FORBIDDEN, _) => Forbidden,
                (status, _) => Through(status),
            };
            assert_eq!(
                got, expected[i],
                "{method} {path} as {who:?}: {}",
                reply.body
            );
            if got == Forbidden && !path.starts_with("/api/") {
                assert!(
                    reply.body.contains("Not allowed"),
                    "{method} {path}: {}",
                    reply.body
                );
            }
            if matches!(got, Forbidden | SignIn)
                || matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FOUND)
            {
                // Refused: none of the data leaks into the reply.
                assert!(
                    !reply.body.contains("target@hospital.cn"),
                    "{method} {path}: {}",
                    reply.body
                );
            }
            if *method == "GET" && expected[i] == page_redirect {
                assert_eq!(reply.header("location"), "/staff/sign-in", "{path}");
            }
        }
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 4, "nothing was created");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_admin_creates_changes_and_deactivates_a_user_and_each_step_is_audited(pool: PgPool) {
    let admin = account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "admin@hospital.cn").await;
    let created = post(
        app(pool.clone()),
        "/staff/users",
        &form(&[
            ("name", "张伟"),
            ("email", "Zhang.Wei@Hospital.cn"),
            ("role", "analyst"),
            ("password", "analyst's first password"),
        ]),
        Some(&cookie),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.header("location"), "/staff/users?done=created");
    let analyst =
        sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'zhang.wei@hospital.cn'")
            .fetch_one(&pool)
            .await
            .map(StaffId::new)
            .expect("created");
    let analyst_cookie = {
        let reply = sign_in(
            app(pool.clone()),
            "zhang.wei@hospital.cn",
            "analyst's first password",
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        session_cookie(&reply).expect("cookie")
    };
    let path = format!("/staff/users/{analyst}");
    let changed = post(
        app(pool.clone()),
        &path,
        &form(&[("action", "role"), ("role", "viewer")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    // The new role applies at once, to the session already open.
    let analysis = get(app(pool.clone()), "/staff", Some(&analyst_cookie)).await;
    assert!(analysis.body.contains("(Viewer)"), "{}", analysis.body);
    let deactivated = post(
        app(pool.clone()),
        &path,
        &form(&[("action", "deactivate")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(deactivated.status, StatusCode::SEE_OTHER);
    // The deactivated user's open session ends at once.
    let after = get(app(pool.clone()), "/staff", Some(&analyst_cookie)).await;
    assert_eq!(after.status, StatusCode::FOUND, "{}", after.body);
    let reactivated = post(
        app(pool.clone()),
        &path,
        &form(&[("action", "reactivate")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(reactivated.status, StatusCode::SEE_OTHER);
    let log: Vec<AuditRow> = sqlx::query_as(
        "SELECT actor_id, action::text, target_user_id, detail FROM audit_log ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("log")
    .into_iter()
    .map(
        |(actor, action, target, detail): (Option<i64>, _, Option<i64>, _)| {
            (
                actor.map(StaffId::new),
                action,
                target.map(StaffId::new),
                detail,
            )
        },
    )
    .collect();
    assert_eq!(
        log,
        [
            (Some(admin), "sign_in".to_owned(), Some(admin), None),
            (
                Some(admin),
                "user_created".to_owned(),
                Some(analyst),
                Some("analyst".to_owned())
            ),
            (Some(analyst), "sign_in".to_owned(), Some(analyst), None),
            (
                Some(admin),
                "role_changed".to_owned(),
                Some(analyst),
                Some("analyst → viewer".to_owned())
            ),
            (
                Some(admin),
                "user_deactivated".to_owned(),
                Some(analyst),
                None
            ),
            (
                Some(admin),
                "user_reactivated".to_owned(),
                Some(analyst),
                None
            ),
        ]
    );
    // And the audit page lists them, filtered by action.
    let page = get(
        app(pool.clone()),
        "/staff/audit?action=role_changed",
        Some(&cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("analyst → viewer"), "{}", page.body);
    assert!(
        !page.body.contains("<code>user_created</code>"),
        "{}",
        page.body
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_last_admin_cannot_be_demoted_or_deactivated(pool: PgPool) {
    let admin = account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "admin@hospital.cn").await;
    let path = format!("/staff/users/{admin}");
    for body in [
        form(&[("action", "role"), ("role", "viewer")]),
        form(&[("action", "deactivate")]),
    ] {
        let reply = post(app(pool.clone()), &path, &body, Some(&cookie)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains(
                "The last active administrator cannot be deactivated or lose the administrator role."
            ),
            "{}",
            reply.body
        );
    }
    let role: String = sqlx::query_scalar("SELECT role::text FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("role");
    assert_eq!(role, "admin");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn each_bad_input_to_create_a_user_gets_its_own_message_and_keeps_the_other_fields(
    pool: PgPool,
) {
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "admin@hospital.cn").await;
    let long_name = "名".repeat(201);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("name", "  "),
                ("email", "a@b.cn"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
            "Enter a name.",
        ),
        (
            vec![
                ("name", &long_name),
                ("email", "a@b.cn"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
            "The name can have at most 200 characters.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "not an email"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
            "Enter an e-mail address, like name@hospital.cn.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "a@b.cn"),
                ("role", "root"),
                ("password", PASSWORD),
            ],
            "Choose one of the roles listed.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "a@b.cn"),
                ("role", "viewer"),
                ("password", "short"),
            ],
            "The password needs at least 12 characters.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "a@b.cn"),
                ("role", "viewer"),
                ("password", " A@B.cn "),
            ],
            "The password needs at least 12 characters.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "long.address@b.cn"),
                ("role", "viewer"),
                ("password", "long.address@b.cn"),
            ],
            "The password must not be the e-mail address.",
        ),
        (
            vec![
                ("name", "A"),
                ("email", "admin@hospital.cn"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
            "There is already an account with this e-mail address.",
        ),
    ];
    for (fields, message) in cases {
        let reply = post(
            app(pool.clone()),
            "/staff/users",
            &form(&fields),
            Some(&cookie),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(reply.body.contains(message), "{message}: {}", reply.body);
    }
    // Hostile strings come back escaped, never as markup.
    let hostile = "<script>alert(1)</script>'; DROP TABLE staff_users;--";
    let reply = post(
        app(pool.clone()),
        "/staff/users",
        &form(&[
            ("name", hostile),
            ("email", "x"),
            ("role", "viewer"),
            ("password", PASSWORD),
        ]),
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!reply.body.contains("<script>alert(1)"), "{}", reply.body);
    assert!(
        reply.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        reply.body
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 1);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn changing_ones_password_checks_the_current_one_and_ends_other_sessions(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Viewer).await;
    let here = signed_in(&pool, "wang.li@hospital.cn").await;
    let elsewhere = signed_in(&pool, "wang.li@hospital.cn").await;
    let refused = post(
        app(pool.clone()),
        "/staff/password",
        &form(&[
            ("current", "wrong one"),
            ("new", "a new long password"),
            ("confirm", "a new long passwerd"),
        ]),
        Some(&here),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("The current password is not right."));
    assert!(refused.body.contains("The two new passwords differ."));
    assert!(!refused.body.contains("a new long password"));
    let changed = post(
        app(pool.clone()),
        "/staff/password",
        &form(&[
            ("current", PASSWORD),
            ("new", "a new long password"),
            ("confirm", "a new long password"),
        ]),
        Some(&here),
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(changed.header("location"), "/staff/password?done=1");
    let here = session_cookie(&changed).unwrap_or(here);
    assert_eq!(
        get(app(pool.clone()), "/staff", Some(&here)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(app(pool.clone()), "/staff", Some(&elsewhere))
            .await
            .status,
        StatusCode::FOUND
    );
    let old = sign_in(app(pool.clone()), "wang.li@hospital.cn", PASSWORD, None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = sign_in(
        app(pool.clone()),
        "wang.li@hospital.cn",
        "a new long password",
        None,
    )
    .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    assert!(
        audit_actions(&pool)
            .await
            .contains(&"password_changed".to_owned())
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn bad_audit_filters_are_named_and_a_bad_body_is_a_client_error(pool: PgPool) {
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "admin@hospital.cn").await;
    let page = get(
        app(pool.clone()),
        "/staff/audit?user=abc&action=drop_table&from=2026-02-30&to=yesterday",
        Some(&cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Choose one of the users listed.",
        "Choose one of the actions listed.",
        "Enter a date as YYYY-MM-DD, like 2026-11-28.",
    ] {
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    let invalid_utf8 = {
        let request = Request::post("/staff/users")
            .header("host", HOST)
            .header("origin", ORIGIN)
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(vec![b'n', b'a', b'm', b'e', b'=', 0xff, 0xfe]))
            .expect("request");
        send(app(pool.clone()), request).await
    };
    assert_eq!(invalid_utf8.status, StatusCode::BAD_REQUEST);
    let huge = post(
        app(pool.clone()),
        "/staff/users",
        &"a".repeat(200 * 1024),
        Some(&cookie),
    )
    .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn hostile_and_huge_inputs_are_stored_and_shown_safely_or_refused(pool: PgPool) {
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let cookie = signed_in(&pool, "admin@hospital.cn").await;
    let hostile = "<script>alert(1)</script>'; DROP TABLE staff_users;--";
    let created = post(
        app(pool.clone()),
        "/staff/users",
        &form(&[
            ("name", hostile),
            ("email", "robert@hospital.cn"),
            ("role", "viewer"),
            ("password", PASSWORD),
        ]),
        Some(&cookie),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = get(app(pool.clone()), "/staff/users", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("<script>alert(1)"), "{}", list.body);
    assert!(
        list.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        list.body
    );
    // Very long and strange strings in the sign-in form: the generic refusal, never a 5xx.
    for email in ["a".repeat(50_000), "' OR 1=1 --".to_owned()] {
        let reply = sign_in(app(pool.clone()), &email, &"p".repeat(10_000), None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            &email[..email.len().min(20)]
        );
    }
    // A NUL character, which no stored text may hold: the whole form is malformed.
    let nul = sign_in(app(pool.clone()), "a\u{0}@hospital.cn", PASSWORD, None).await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    // An unknown account ID and an unknown action.
    let unknown = post(
        app(pool.clone()),
        "/staff/users/999999",
        &form(&[("action", "deactivate")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let not_an_id = post(
        app(pool.clone()),
        "/staff/users/1%27%20OR%201=1",
        &form(&[("action", "deactivate")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(not_an_id.status, StatusCode::NOT_FOUND);
    let no_action = post(
        app(pool.clone()),
        "/staff/users/1",
        &form(&[("action", "drop")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(no_action.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn with_https_configured_every_cookie_is_secure_and_the_session_one_host_only(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Viewer).await;
    let secure = canvass_server::staff::StaffSettings {
        secure_cookies: true,
        ..Default::default()
    };
    let app = || {
        canvass_server::router(
            crate::support::state(pool.clone()).with_staff(secure.clone()),
            crate::support::SETTINGS,
        )
    };
    let reply = sign_in(app(), "wang.li@hospital.cn", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply.header("set-cookie");
    assert!(cookie.starts_with("__Host-canvass_staff="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    let lang = get(app(), "/lang/en?next=/staff", None).await;
    assert!(
        lang.header("set-cookie").ends_with("; Secure"),
        "{}",
        lang.header("set-cookie")
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_session_ends_after_its_absolute_lifetime_however_active(pool: PgPool) {
    account(&pool, "wang.li@hospital.cn", StaffRole::Viewer).await;
    let cookie = signed_in(&pool, "wang.li@hospital.cn").await;
    assert_eq!(
        get(app(pool.clone()), "/staff", Some(&cookie)).await.status,
        StatusCode::OK
    );
    // The same session under a server whose lifetime is already over.
    let short = canvass_server::staff::StaffSettings {
        max_lifetime: std::time::Duration::ZERO,
        ..Default::default()
    };
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let app = canvass_server::router(
        crate::support::state(pool.clone()).with_staff(short),
        crate::support::SETTINGS,
    );
    let after = get(app, "/staff", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::FOUND);
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(sessions, 0, "the ended session was deleted");
}
