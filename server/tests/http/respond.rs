//! The respondent's path over HTTP, without JavaScript (form posts) and with (JSON), and
//! every kind of bad input: each gets a clear 4xx or an in-form error, and leaves what is
//! saved untouched.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::answers::section_fields;
use canvass_core::survey::Survey;
use canvass_core::surveys::AI_COLLAB;
use canvass_core::synth::respondent;
use sqlx::PgPool;

use crate::support::{Reply, app, get, send};

const FORM: &str = "application/x-www-form-urlencoded";

async fn installed(pool: &PgPool) -> Router {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    app(pool.clone())
}

async fn post(app: Router, uri: &str, body: impl Into<Body>, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::post(uri).header("content-type", FORM);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    send(app, builder.body(body.into()).expect("request")).await
}

/// Consents through the real form post; returns the resume code.
async fn begun(app: &Router) -> String {
    let reply = post(app.clone(), "/s/ai-collab", "consent=agree", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.header("location").to_owned();
    let code = location
        .strip_prefix("/r/")
        .and_then(|rest| rest.strip_suffix("/screening"))
        .unwrap_or_else(|| panic!("unexpected location {location}"))
        .to_owned();
    assert_eq!(code.len(), 32);
    code
}

async fn responses(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as("SELECT status::text, coalesce(last_section, '') FROM responses ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("responses")
}

async fn answers(pool: &PgPool) -> Vec<(String, serde_json::Value)> {
    sqlx::query_as(
        "SELECT a.key, a.value FROM responses r, jsonb_each(r.answers) a ORDER BY r.id, a.key",
    )
    .fetch_all(pool)
    .await
    .expect("answers")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_welcome_page_asks_for_consent_in_chinese_and_creates_nothing(pool: PgPool) {
    let app = installed(&pool).await;
    let reply = get(app, "/s/ai-collab", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(r#"<html lang="zh""#));
    assert!(
        reply.body.contains("您是否同意参加本调查？"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(r#"action="/s/ai-collab""#));
    assert!(responses(&pool).await.is_empty());
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unknown_survey_is_not_found(pool: PgPool) {
    let app = installed(&pool).await;
    assert_eq!(
        get(app.clone(), "/s/nothing-here", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let posted = post(app, "/s/nothing-here", "consent=agree", &[]).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert!(
        posted.body.contains("找不到这份问卷或这个页面"),
        "{}",
        posted.body
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn consenting_begins_a_response_remembered_in_a_cookie_and_the_resume_link_goes_on(
    pool: PgPool,
) {
    let app = installed(&pool).await;
    let reply = post(app.clone(), "/s/ai-collab", "consent=agree", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let code = reply.header("location")[3..35].to_owned();
    let cookie = reply.header("set-cookie");
    assert!(
        cookie.starts_with(&format!("canvass_resume_ai-collab={code};")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // A week, not months: the browser may be a shared hospital PC.
    assert!(cookie.contains("; Max-Age=604800;"), "{cookie}");
    assert_eq!(
        responses(&pool).await,
        [("in_progress".into(), "consent".into())]
    );

    let resume = get(app.clone(), &format!("/r/{code}"), &[]).await;
    assert_eq!(resume.status, StatusCode::SEE_OTHER);
    assert_eq!(resume.header("location"), format!("/r/{code}/screening"));

    let page = get(app.clone(), &format!("/r/{code}/screening"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("以下哪一项最符合您目前的身份？"));

    // The welcome page offers to continue in this browser.
    let cookie_pair = cookie.split(';').next().expect("pair");
    let welcome = get(app.clone(), "/s/ai-collab", &[("cookie", cookie_pair)]).await;
    assert!(
        welcome.body.contains(&format!("/r/{code}")),
        "{}",
        welcome.body
    );
    assert!(welcome.body.contains("您有一份尚未完成的问卷"));

    // "Not me": the next user of a shared PC forgets it and starts afresh.
    assert!(
        welcome
            .body
            .contains(r#"<form method="post" action="/s/ai-collab/forget">"#),
        "{}",
        welcome.body
    );
    assert!(welcome.body.contains("不是我：开始新的答卷"));
    let forgot = post(
        app.clone(),
        "/s/ai-collab/forget",
        "",
        &[("cookie", cookie_pair)],
    )
    .await;
    assert_eq!(forgot.status, StatusCode::SEE_OTHER);
    assert_eq!(forgot.header("location"), "/s/ai-collab");
    assert_eq!(
        forgot.header("set-cookie"),
        "canvass_resume_ai-collab=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    );
    let fresh = get(app.clone(), "/s/ai-collab", &[]).await;
    assert!(!fresh.body.contains("您有一份尚未完成的问卷"));
    assert!(!fresh.body.contains(&format!("/r/{code}")));
    // The response itself stays, for whoever holds its resume link.
    let resumed = get(app, &format!("/r/{code}"), &[]).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_second_response_from_the_same_browser_is_flagged_and_kept(pool: PgPool) {
    let app = installed(&pool).await;
    let first = post(app.clone(), "/s/ai-collab", "consent=agree", &[]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let cookie = first
        .header("set-cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    // Another browser: not flagged. The same browser again: flagged, and begun all the same.
    let other = post(app.clone(), "/s/ai-collab", "consent=agree", &[]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    let again = post(
        app.clone(),
        "/s/ai-collab",
        "consent=agree",
        &[("cookie", cookie.as_str())],
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    // A cookie that is not a resume code is no signal.
    let forged = post(
        app,
        "/s/ai-collab",
        "consent=agree",
        &[("cookie", "canvass_resume_ai-collab=nonsense")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    let flags: Vec<bool> = sqlx::query_scalar("SELECT same_browser FROM responses ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("flags");
    assert_eq!(flags, [false, false, true, false]);
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&mut *conn)
        .await
        .map(canvass_core::ids::SurveyId::new)
        .expect("id");
    assert_eq!(
        canvass_db::monitor::flagged(&mut conn, survey_id, canvass_db::monitor::Flag::SameBrowser)
            .await
            .expect("counted"),
        [(canvass_core::response::ResponseStatus::InProgress, 1)]
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_unanswered_consent_is_shown_again_with_its_error_and_nothing_is_created(pool: PgPool) {
    let app = installed(&pool).await;
    let reply = post(app, "/s/ai-collab", "", &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("此题为必答题"), "{}", reply.body);
    assert!(reply.body.contains("本页有回答需要修改"));
    assert!(responses(&pool).await.is_empty());
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn refusing_consent_ends_politely_and_is_recorded(pool: PgPool) {
    let app = installed(&pool).await;
    let reply = post(
        app.clone(),
        "/s/ai-collab",
        "consent=disagree",
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let end = reply.header("location").to_owned();
    assert!(end.ends_with("/end"), "{end}");
    let page = get(app, &end, &[("accept-language", "en")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("You chose not to take part"),
        "{}",
        page.body
    );
    assert_eq!(
        responses(&pool).await,
        [("refused".into(), "consent".into())]
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn none_of_these_roles_is_screened_out_politely(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    let reply = post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=none",
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), format!("/r/{code}/end"));
    let page = get(app, &format!("/r/{code}/end"), &[]).await;
    assert!(
        page.body.contains("您不在本次调查的对象范围内"),
        "{}",
        page.body
    );
    assert_eq!(responses(&pool).await[0].0, "screened_out");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_page_with_an_invalid_answer_is_shown_again_with_what_was_posted(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=clinician",
        &[],
    )
    .await;
    let before = answers(&pool).await;
    let reply = post(
        app,
        &format!("/r/{code}/profile"),
        "province=beijing&years_experience=abc",
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("请输入数字"), "{}", reply.body);
    assert!(
        reply.body.contains(r#"value="abc""#),
        "what was typed is kept"
    );
    assert!(
        reply.body.contains(r#"value="beijing" selected"#),
        "{}",
        reply.body
    );
    assert_eq!(answers(&pool).await, before);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_json_path_answers_with_the_next_page_or_the_errors(pool: PgPool) {
    let app = installed(&pool).await;
    let json = [("accept", "application/json")];
    let started = post(app.clone(), "/s/ai-collab", "consent=agree", &json).await;
    assert_eq!(started.status, StatusCode::OK);
    let reply: serde_json::Value = serde_json::from_str(&started.body).expect("json");
    let next = reply["next"].as_str().expect("next").to_owned();
    assert_eq!(reply["result"], "saved");
    let code = next[3..35].to_owned();
    let invalid = post(
        app,
        &format!("/r/{code}/screening"),
        "role=astronaut",
        &json,
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply: serde_json::Value = serde_json::from_str(&invalid.body).expect("json");
    assert_eq!(
        reply,
        serde_json::json!({
            "result": "invalid",
            "errors": [["role", {"error": "not_a_choice", "value": "astronaut"}]]
        })
    );
}

/// A whole survey through form posts: each page 303s to the next, the review lists the
/// answers, the submit completes it, and a replayed submit is refused.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_respondent_completes_the_survey_by_form_posts_and_cannot_submit_twice(pool: PgPool) {
    let app = installed(&pool).await;
    let survey = Survey::from_toml(AI_COLLAB).expect("loads");
    let raw = respondent(&survey, 7).expect("walk");
    let code = begun(&app).await;
    let mut at = format!("/r/{code}/screening");
    while let Some(section) = at
        .strip_prefix(&format!("/r/{code}/"))
        .filter(|s| *s != "review")
    {
        let section = survey.section(section).expect("a section");
        let body = canvass_server::load::encode(&section_fields(section, &raw));
        let reply = post(app.clone(), &at, body, &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{at}: {}", reply.body);
        at = reply.header("location").to_owned();
    }
    assert_eq!(at, format!("/r/{code}/review"));
    let review = get(app.clone(), &at, &[]).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.body.contains("检查您的回答"));
    assert!(
        review
            .body
            .contains(&format!(r#"href="/r/{code}/profile""#))
    );

    let submitted = post(app.clone(), &at, "", &[]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    assert_eq!(submitted.header("location"), format!("/r/{code}/end"));
    assert_eq!(responses(&pool).await[0].0, "completed");
    // Counted for the dashboard's bursts from one address, by a key, not the address.
    let counted: Vec<(String, i32)> =
        sqlx::query_as("SELECT kind, n FROM respondent_counts ORDER BY kind")
            .fetch_all(&pool)
            .await
            .expect("counts");
    assert_eq!(
        counted,
        [
            ("begun_by_address".to_owned(), 1),
            ("completed_by_address".to_owned(), 1)
        ]
    );
    let thanks = get(app.clone(), &format!("/r/{code}/end"), &[]).await;
    assert!(thanks.body.contains("感谢您的参与！"));

    let before = answers(&pool).await;
    let replay = post(app.clone(), &at, "", &[]).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    assert!(
        replay.body.contains("这份问卷已经结束，回答不能再修改。"),
        "{}",
        replay.body
    );
    let change = post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=industry",
        &[],
    )
    .await;
    assert_eq!(change.status, StatusCode::CONFLICT);
    assert_eq!(answers(&pool).await, before);
    // A finished response's pages lead to its end page.
    let page = get(
        app,
        &format!("/r/{code}/profile"),
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.header("location"), format!("/r/{code}/end"));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn tampered_posts_are_refused_with_a_clear_status_and_change_nothing(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=clinician",
        &[],
    )
    .await;
    let before = (responses(&pool).await, answers(&pool).await);
    let page = |section: &str| format!("/r/{code}/{section}");
    let long = "长".repeat(2001);
    let cases: Vec<(String, Vec<u8>, StatusCode, &str)> = vec![
        // A field of no question on this page.
        (
            page("screening"),
            b"role=clinician&admin=1".to_vec(),
            StatusCode::BAD_REQUEST,
            "提交的内容与本页不符",
        ),
        // A field of a question on another page.
        (
            page("screening"),
            b"role=clinician&consent=agree".to_vec(),
            StatusCode::BAD_REQUEST,
            "提交的内容与本页不符",
        ),
        // A value that is not one of the choices.
        (
            page("screening"),
            b"role=astronaut".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "所选内容不是本题的选项",
        ),
        // Two values for a single choice.
        (
            page("screening"),
            b"role=clinician&role=industry".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "本题只能选择一项",
        ),
        // A page this respondent is not shown.
        (
            page("engagement"),
            b"rd_interest=5".to_vec(),
            StatusCode::CONFLICT,
            "请按顺序作答",
        ),
        // A page further on, before the ones before it are done.
        (
            page("barriers"),
            b"".to_vec(),
            StatusCode::CONFLICT,
            "请按顺序作答",
        ),
        // A page that does not exist, and the review before the end.
        (
            page("nowhere"),
            b"".to_vec(),
            StatusCode::NOT_FOUND,
            "找不到这份问卷或这个页面",
        ),
        (
            page("review"),
            b"".to_vec(),
            StatusCode::CONFLICT,
            "请按顺序作答",
        ),
        // A forged resume code, a malformed one, and one of the right shape that exists nowhere.
        (
            "/r/not-a-code/screening".into(),
            b"role=clinician".to_vec(),
            StatusCode::NOT_FOUND,
            "找不到这份问卷或这个页面",
        ),
        (
            "/r/0123456789abcdef0123456789abcdef/screening".into(),
            b"role=clinician".to_vec(),
            StatusCode::NOT_FOUND,
            "找不到这份问卷或这个页面",
        ),
        // Invalid UTF-8, raw and escaped.
        (
            page("screening"),
            b"role=\xff\xfe".to_vec(),
            StatusCode::BAD_REQUEST,
            "提交的内容无法读取",
        ),
        (
            page("screening"),
            b"role=%C3%28".to_vec(),
            StatusCode::BAD_REQUEST,
            "提交的内容无法读取",
        ),
        // A NUL character, which PostgreSQL refuses in any text or jsonb.
        (
            page("screening"),
            b"role=clinician%00".to_vec(),
            StatusCode::BAD_REQUEST,
            "提交的内容无法读取",
        ),
        // Too many fields.
        (
            page("screening"),
            "a=1&".repeat(2001).into_bytes(),
            StatusCode::BAD_REQUEST,
            "提交的内容无法读取",
        ),
    ];
    for (uri, body, status, message) in cases {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(60)
            .collect::<String>();
        let reply = post(app.clone(), &uri, body, &[]).await;
        assert_eq!(reply.status, status, "{uri} {shown}: {}", reply.body);
        assert!(
            reply.body.contains(message),
            "{uri} {shown}: {}",
            reply.body
        );
    }
    // Text over its limit (the comments allow 2,000 characters) is an in-form error; so is
    // an answer to a question this respondent is not asked. Both pages are reached first.
    let survey = Survey::from_toml(AI_COLLAB).expect("loads");
    let clinician = (0..200u64)
        .map(|seed| respondent(&survey, seed).expect("walk"))
        .find(|raw| raw.get("role") == Some(&vec!["clinician".to_owned()]))
        .expect("a clinician");
    let profile = survey.section("profile").expect("profile");
    let mut tampered = section_fields(profile, &clinician);
    tampered.insert("company_size".into(), vec!["large".into()]);
    let reply = post(
        app.clone(),
        &page("profile"),
        canvass_server::load::encode(&tampered),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("此题不适用于您的其他回答"),
        "{}",
        reply.body
    );
    assert_eq!((responses(&pool).await, answers(&pool).await), before);

    let mut at = page("profile");
    while !at.ends_with("/recommendations") {
        let section = at.rsplit('/').next().expect("section");
        let section = survey.section(section).expect("section");
        let reply = post(
            app.clone(),
            &at,
            canvass_server::load::encode(&section_fields(section, &clinician)),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{at}");
        at = reply.header("location").to_owned();
    }
    let recommendations = survey.section("recommendations").expect("section");
    let mut fields = section_fields(recommendations, &clinician);
    fields.insert("comments".into(), vec![long]);
    let saved_before = answers(&pool).await;
    let reply = post(app.clone(), &at, canvass_server::load::encode(&fields), &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("请不要超过 2000 个字"),
        "{}",
        reply.body
    );
    assert_eq!(answers(&pool).await, saved_before);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn too_many_choices_are_an_in_form_error(pool: PgPool) {
    let app = installed(&pool).await;
    let survey = Survey::from_toml(AI_COLLAB).expect("loads");
    let raw = respondent(&survey, 11).expect("walk");
    let code = begun(&app).await;
    let mut at = format!("/r/{code}/screening");
    while !at.ends_with("/priorities") {
        let section = survey
            .section(at.rsplit('/').next().expect("s"))
            .expect("section");
        let reply = post(
            app.clone(),
            &at,
            canvass_server::load::encode(&section_fields(section, &raw)),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{at}");
        at = reply.header("location").to_owned();
    }
    let priorities = survey.section("priorities").expect("section");
    let mut fields = section_fields(priorities, &raw);
    fields.insert(
        "priority_organs".into(),
        ["lung", "breast", "liver", "thyroid"]
            .map(String::from)
            .to_vec(),
    );
    let before = answers(&pool).await;
    let reply = post(app, &at, canvass_server::load::encode(&fields), &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("请选择不超过 3 项"), "{}", reply.body);
    assert_eq!(answers(&pool).await, before);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_oversized_body_is_refused_with_413(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    let body = format!("role={}", "x".repeat(70 * 1024));
    let reply = post(app, &format!("/r/{code}/screening"), body, &[]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn saving_the_same_page_twice_changes_nothing_more(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    let first = post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=clinician",
        &[],
    )
    .await;
    let after_first = answers(&pool).await;
    let again = post(app, &format!("/r/{code}/screening"), "role=clinician", &[]).await;
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(answers(&pool).await, after_first);
    assert_eq!(responses(&pool).await.len(), 1);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_resume_link_that_opens_nothing_is_not_found(pool: PgPool) {
    let app = installed(&pool).await;
    for uri in [
        "/r/0123456789abcdef0123456789abcdef",
        "/r/short",
        "/r/0123456789abcdef0123456789abcdef/screening",
        "/r/0123456789abcdef0123456789abcdef/review",
        "/r/0123456789abcdef0123456789abcdef/end",
    ] {
        let reply = get(app.clone(), uri, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// Every kind of page — a respondent's page rendered asynchronously, a page shown again
/// after a failed post, the 404 fallback — sends a policy whose nonce is on every script.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn every_kind_of_page_carries_the_nonce_of_its_scripts(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    let screening = format!("/r/{code}/screening");
    let mut replies = Vec::new();
    for _ in 0..5 {
        let (a, b, c, d) = tokio::join!(
            get(app.clone(), "/s/ai-collab", &[]),
            get(app.clone(), &screening, &[]),
            get(app.clone(), "/no/such/page", &[]),
            post(app.clone(), &screening, "role=astronaut", &[]),
        );
        replies.extend([a, b, c, d]);
    }
    for reply in replies {
        let csp = reply.header("content-security-policy").to_owned();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {csp:?} ({})", reply.status));
        let scripts = reply.body.matches("<script").count();
        let with_nonce = reply.body.matches(&format!(r#"nonce="{nonce}""#)).count();
        let empty = reply.body.matches("<script></script>").count();
        assert!(scripts > 0, "{}", reply.status);
        assert_eq!(with_nonce + empty, scripts, "{}: {csp}", reply.status);
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_save_records_the_language_the_respondent_now_uses(pool: PgPool) {
    let app = installed(&pool).await;
    let code = begun(&app).await;
    let lang = || async {
        sqlx::query_scalar::<_, String>("SELECT lang FROM responses")
            .fetch_one(&pool)
            .await
            .expect("lang")
    };
    assert_eq!(lang().await, "zh");
    // The respondent switched to English (the language cookie) before sending a page.
    let reply = post(
        app.clone(),
        &format!("/r/{code}/screening"),
        "role=clinician",
        &[("cookie", "canvass_lang=en")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(lang().await, "en");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn beginning_responses_is_limited_per_address_and_link_with_a_time_to_retry(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    let settings = canvass_server::staff::StaffSettings {
        client_ip_header: Some(axum::http::HeaderName::from_static("x-real-ip")),
        ..Default::default()
    };
    let limits = canvass_db::pace::StartLimits {
        per_address: 2,
        per_link: 3,
    };
    let app = canvass_server::router(
        crate::support::state(pool.clone())
            .with_staff(settings)
            .with_start_limits(limits),
        crate::support::SETTINGS,
    );
    let from = |address: &'static str| [("x-real-ip", address)];
    for _ in 0..2 {
        let reply = post(
            app.clone(),
            "/s/ai-collab",
            "consent=agree",
            &from("10.1.1.1"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    // The third from that address within ten minutes: refused, saying when to come back.
    let refused = post(
        app.clone(),
        "/s/ai-collab",
        "consent=agree",
        &from("10.1.1.1"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.header("retry-after").parse().expect("seconds");
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(
        refused
            .body
            .contains("Many responses have been begun from your network in the last few minutes"),
        "{}",
        refused.body
    );
    let json = post(
        app.clone(),
        "/s/ai-collab",
        "consent=agree",
        &[("x-real-ip", "10.1.1.1"), ("accept", "application/json")],
    )
    .await;
    assert_eq!(json.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(json.header("retry-after").parse::<u64>().is_ok());
    // Another address goes on.
    let other = post(
        app.clone(),
        "/s/ai-collab",
        "consent=agree",
        &from("10.1.1.2"),
    )
    .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    assert_eq!(
        responses(&pool).await.len(),
        3,
        "nothing begun when refused"
    );

    // Through one link, from many addresses: its limit holds whatever the address.
    let link = crate::links::link(&pool).await;
    let cookie = format!("canvass_link_ai-collab={}", link.code.as_str());
    for (i, address) in ["10.2.0.1", "10.2.0.2", "10.2.0.3", "10.2.0.4"]
        .iter()
        .enumerate()
    {
        let reply = post(
            app.clone(),
            "/s/ai-collab",
            "consent=agree",
            &[("x-real-ip", address), ("cookie", &cookie)],
        )
        .await;
        let expected = if i < 3 {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(reply.status, expected, "{address}: {}", reply.body);
    }
}

/// A survey published from an XLSForm (as `canvass import --publish` does) is begun,
/// answered and saved through the same pages as the bundled one.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_survey_imported_from_an_xlsform_is_answered_like_any_other(pool: PgPool) {
    use canvass_core::xlsform::{Cell, Sheet, Workbook, import};
    let sheet = |name: &str, rows: &[&[&str]]| Sheet {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| Cell::Text((*c).to_owned())).collect())
            .collect(),
    };
    let book = Workbook {
        sheets: vec![
            sheet(
                "survey",
                &[
                    &[
                        "type",
                        "name",
                        "label::English (en)",
                        "label::中文 (zh)",
                        "required",
                    ],
                    &[
                        "select_one yn",
                        "member",
                        "Are you a member?",
                        "您是会员吗？",
                        "yes",
                    ],
                    &["integer", "years", "For how many years?", "多少年？", "no"],
                ],
            ),
            sheet(
                "choices",
                &[
                    &[
                        "list_name",
                        "name",
                        "label::English (en)",
                        "label::中文 (zh)",
                    ],
                    &["yn", "yes", "Yes", "是"],
                    &["yn", "no", "No", "否"],
                ],
            ),
            sheet(
                "settings",
                &[&["form_id", "form_title"], &["member_poll", "Members"]],
            ),
        ],
    };
    let survey = import(&book, "upload").survey.expect("imports");
    let mut tx = pool.begin().await.expect("tx");
    canvass_db::surveys::install(&mut tx, &survey, &survey.to_toml())
        .await
        .expect("published");
    tx.commit().await.expect("commit");
    let app = app(pool.clone());
    let page = get(app.clone(), "/s/member-poll", &[("accept-language", "en")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Are you a member?"), "{}", page.body);
    let refused = post(app.clone(), "/s/member-poll", "years=3", &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "shown again with its error"
    );
    assert_eq!(responses(&pool).await, []);
    let begun = post(app.clone(), "/s/member-poll", "member=yes&years=3", &[]).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    assert!(
        begun.header("location").ends_with("/review"),
        "{}",
        begun.header("location")
    );
    assert_eq!(
        answers(&pool).await,
        [
            ("member".to_owned(), serde_json::json!({"c": "yes"})),
            ("years".to_owned(), serde_json::json!({"i": 3})),
        ]
    );
}
