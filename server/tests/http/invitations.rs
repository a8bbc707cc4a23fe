//! Invitations: an admin uploads a list and downloads one link per invitee; a link starts
//! one response and, used again, resumes it only in the browser that began it; the
//! dashboard shows AAPOR RR1 and RR2.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canvass_core::staff::StaffRole;
use sqlx::PgPool;

use crate::staff::{account, get, signed_in};
use crate::support::{self, Reply, app, send};

const BOUNDARY: &str = "canvass-test-boundary";

/// The list posted as a file upload, as a browser sends it.
async fn upload(pool: &PgPool, cookie: &str, csv: &[u8]) -> Reply {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let request = Request::post("/staff/surveys/ai-collab/invitations")
        .header("host", "canvass.test")
        .header("origin", "http://canvass.test")
        .header("accept-language", "en")
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    send(app(pool.clone()), request).await
}

/// A respondent's request with their cookies.
async fn respondent(pool: &PgPool, method: &str, uri: &str, cookies: &str, body: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookies)
        .body(Body::from(body.to_owned()))
        .expect("request");
    send(app(pool.clone()), request).await
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_invitation_link_starts_one_response_and_resumes_it_only_where_it_began(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;

    let made = upload(
        &pool,
        &admin,
        "\u{feff}id,email,province\r\nA1,wang@hospital.cn,广东\r\n=A2,,\r\n".as_bytes(),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        made.header("content-disposition"),
        "attachment; filename=\"canvass-invitations-ai-collab.csv\""
    );
    let lines: Vec<&str> = made.body.trim_end().split("\r\n").collect();
    assert_eq!(lines[0], "\u{feff}id,token,url");
    assert_eq!(lines.len(), 3);
    // A formula-like id is made inert for spreadsheets.
    assert!(lines[2].starts_with("'=A2,"), "{}", lines[2]);
    let token = lines[1].split(',').nth(1).expect("token").to_owned();
    assert_eq!(
        lines[1],
        format!("A1,{token},http://canvass.test/i/{token}")
    );
    assert!(
        !made.body.contains("wang@hospital.cn"),
        "e-mails are not sent back"
    );

    // The same id again: refused whole, naming the line.
    let again = upload(&pool, &admin, b"id\nA3\nA1\n").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("Line 3: this id was invited already; nothing from this file was saved."),
        "{}",
        again.body
    );

    // The invitee opens the link, consents, and gets a response with a resume code of
    // its own: the roster's token never opens the answers.
    let opened = support::get(app(pool.clone()), &format!("/i/{token}"), &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(opened.header("location"), "/s/ai-collab");
    let cookie = opened
        .header("set-cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    assert_eq!(cookie, format!("canvass_invite_ai-collab={token}"));
    let begun = respondent(&pool, "POST", "/s/ai-collab", &cookie, "consent=agree").await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER);
    let location = begun.header("location").to_owned();
    let code = location
        .strip_prefix("/r/")
        .and_then(|rest| rest.strip_suffix("/screening"))
        .expect("a resume link")
        .to_owned();
    assert_ne!(code, token);
    let remembered = begun
        .header("set-cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    assert_eq!(remembered, format!("canvass_resume_ai-collab={code}"));
    let by_token = support::get(app(pool.clone()), &format!("/r/{token}"), &[]).await;
    assert_eq!(by_token.status, StatusCode::NOT_FOUND);

    // Used again in the browser that began it (the link, or the consent form in another
    // tab): that same response.
    let browser = format!("{cookie}; {remembered}");
    let reopened = support::get(
        app(pool.clone()),
        &format!("/i/{token}"),
        &[("cookie", &browser)],
    )
    .await;
    assert_eq!(reopened.header("location"), format!("/r/{code}"));
    let twice = respondent(&pool, "POST", "/s/ai-collab", &browser, "consent=agree").await;
    assert_eq!(twice.header("location"), format!("/r/{code}"));

    // Anywhere else (whoever holds the roster): asked for the response's own link.
    let elsewhere = support::get(app(pool.clone()), &format!("/i/{token}"), &[]).await;
    assert_eq!(elsewhere.status, StatusCode::CONFLICT);
    assert!(
        elsewhere
            .body
            .contains("This invitation has already begun a response"),
        "{}",
        elsewhere.body
    );
    assert!(
        elsewhere
            .body
            .contains(r#"<form method="get" action="/resume">"#),
        "{}",
        elsewhere.body
    );
    let posted = respondent(&pool, "POST", "/s/ai-collab", &cookie, "consent=agree").await;
    assert_eq!(posted.status, StatusCode::CONFLICT);
    assert!(
        posted
            .body
            .contains("This invitation has already begun a response"),
        "{}",
        posted.body
    );
    // The link the respondent was shown, pasted there, goes on; anything else is refused.
    let pasted = support::get(
        app(pool.clone()),
        &format!("/resume?code=https%3A%2F%2Fcanvass.test%2Fr%2F{code}%2Fscreening"),
        &[],
    )
    .await;
    assert_eq!(pasted.status, StatusCode::SEE_OTHER);
    assert_eq!(pasted.header("location"), format!("/r/{code}"));
    for wrong in [token.as_str(), "nonsense", ""] {
        let refused = support::get(app(pool.clone()), &format!("/resume?code={wrong}"), &[]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{wrong:?}");
        assert!(
            refused
                .body
                .contains("That link or code opens no response."),
            "{}",
            refused.body
        );
    }
    let responses: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(responses, 1);
    let unknown = support::get(
        app(pool.clone()),
        "/i/0123456789abcdef0123456789abcdef",
        &[],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = support::get(app(pool.clone()), "/i/nonsense", &[]).await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);

    // RR1 and RR2 over the two invited: none completed, one partial.
    let stats = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/stats",
        Some(&admin),
    )
    .await;
    let stats: serde_json::Value = serde_json::from_str(&stats.body).expect("json");
    let invitations = &stats["invitations"];
    assert_eq!(invitations["invited"], 2);
    assert_eq!(invitations["began"], 1);
    assert_eq!(invitations["rr1"]["numerator"], 0);
    assert_eq!(invitations["rr1"]["denominator"], 2);
    assert_eq!(invitations["rr2"]["numerator"], 1);
    assert_eq!(invitations["rr2"]["percent"], 50.0);
    let page = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/links",
        Some(&admin),
    )
    .await;
    assert!(page.body.contains("2 invited, 1 began."), "{}", page.body);
    assert!(
        page.body
            .contains(r#"href="/staff/surveys/ai-collab/invitees.csv""#),
        "{}",
        page.body
    );

    // The roster: each invitee with their e-mail and progress, for admins only, audited.
    let roster = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/invitees.csv",
        Some(&admin),
    )
    .await;
    assert_eq!(roster.status, StatusCode::OK);
    assert_eq!(roster.header("cache-control"), "no-store");
    let lines: Vec<Vec<&str>> = roster
        .body
        .trim_end()
        .split("\r\n")
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        lines[0].join(","),
        "\u{feff}id,email,province,role,status,invited_at,began_at,completed_at"
    );
    assert_eq!(
        lines[1][..5],
        ["A1", "wang@hospital.cn", "guangdong", "", "in_progress"]
    );
    assert_eq!(lines[2][..5], ["'=A2", "", "", "", "not_begun"]);
    assert!(
        lines[1][6].ends_with('Z') && lines[2][6].is_empty(),
        "{lines:?}"
    );
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'invitees_exported'")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(audited, ["2 invitees"]);
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let refused = get(
        app(pool.clone()),
        "/staff/surveys/ai-collab/invitees.csv",
        Some(&viewer),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("wang@hospital.cn"));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_bad_list_is_refused_with_each_problem_and_its_line(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    let bad = upload(
        &pool,
        &admin,
        b"id,email,role\nA1,nope,surgeon\n,x@y.cn,\nA1,,\n",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Line 2: the e-mail address is not valid.",
        "Line 2: not one of the survey's roles (use its code or its name).",
        "Line 3: the id is empty.",
        "Line 4: the same id as line 2.",
    ] {
        assert!(bad.body.contains(message), "{message}: {}", bad.body);
    }
    let gbk = upload(&pool, &admin, b"id,province\nA1,\xb9\xe3\xb6\xab\n").await;
    assert_eq!(gbk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        gbk.body.contains("The file is not UTF-8 text."),
        "{}",
        gbk.body
    );
    let empty = upload(&pool, &admin, b"").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("Choose a CSV file to upload."),
        "{}",
        empty.body
    );
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(none, 0);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_list_over_the_body_limit_is_taken_up_to_the_upload_limit(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    account(&pool, "admin@hospital.cn", StaffRole::Admin).await;
    let admin = signed_in(&pool, "admin@hospital.cn").await;
    // About 150 KB: over the ordinary body limit (64 KB in these tests), under the upload
    // limit (1 MB).
    let list = |count: usize| {
        let mut csv = String::from("id,email\n");
        for i in 0..count {
            csv.push_str(&format!("invitee-{i:06},invitee-{i:06}@hospital.cn\n"));
        }
        csv
    };
    let big = list(4_000);
    assert!(big.len() > 64 * 1024 && big.len() < 1024 * 1024);
    let made = upload(&pool, &admin, big.as_bytes()).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.body.trim_end().split("\r\n").count(), 4_001);

    let huge = list(40_000);
    assert!(huge.len() > 1024 * 1024);
    let refused = upload(&pool, &admin, huge.as_bytes()).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        refused
            .body
            .contains("The file is larger than 1 MB; split the list into smaller files."),
        "{}",
        refused.body
    );
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(kept, 4_000);
}
