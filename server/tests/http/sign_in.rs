//! Sign-in throttling under attack: concurrent guesses, guessers at other addresses, the
//! audit log's growth, the password change's current password, and a burst of sign-ins
//! against the bound on password hashing.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use canvass_core::staff::StaffRole;
use canvass_db::accounts::Hashing;
use sqlx::PgPool;

use crate::staff::{PASSWORD, account, post, signed_in};
use crate::support::{Reply, SETTINGS, app, send, state};

const OWNER: &str = "wang.li@hospital.cn";

/// A sign-in form post from the client address `ip`.
async fn sign_in_from(app: Router, email: &str, password: &str, ip: &str) -> Reply {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    let address: SocketAddr = format!("{ip}:40000").parse().expect("an address");
    let mut request = Request::post("/staff/sign-in")
        .header("host", "canvass.test")
        .header("origin", "http://canvass.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en")
        .body(Body::from(body))
        .expect("request");
    request.extensions_mut().insert(ConnectInfo(address));
    send(app, request).await
}

async fn audit(pool: &PgPool) -> Vec<(String, Option<i64>, Option<String>)> {
    sqlx::query_as("SELECT action::text, target_user_id, detail FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("audit")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn sixty_wrong_passwords_at_once_reach_the_password_check_five_times(pool: PgPool) {
    account(&pool, OWNER, StaffRole::Admin).await;
    let app = app(pool.clone());
    let tries: Vec<_> = (0..60)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(
                async move { sign_in_from(app, OWNER, "a wrong guess", "10.0.0.66").await },
            )
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for reply in tries {
        match reply.await.expect("a reply").status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((checked, refused), (5, 55));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_guesser_elsewhere_does_not_keep_the_owner_out(pool: PgPool) {
    account(&pool, OWNER, StaffRole::Admin).await;
    let app = app(pool.clone());
    // The owner signs in once from the office: a known address from then on.
    let office = sign_in_from(app.clone(), OWNER, PASSWORD, "10.0.0.1").await;
    assert_eq!(office.status, StatusCode::SEE_OTHER);

    // A guesser at one address is stopped after five tries…
    for _ in 0..5 {
        let reply = sign_in_from(app.clone(), OWNER, "guess guess guess", "10.0.0.66").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let stopped = sign_in_from(app.clone(), OWNER, PASSWORD, "10.0.0.66").await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        stopped
            .body
            .contains("Too many failed sign-ins. Try again in 15 minutes."),
        "{}",
        stopped.body
    );
    // …while the owner gets in from another address, even a new one.
    let home = sign_in_from(app.clone(), OWNER, PASSWORD, "10.0.0.2").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "{}", home.body);

    // Guesses from many addresses reach the account's own limit: a new address waits…
    for i in 0..15 {
        let ip = format!("10.1.0.{i}");
        let reply = sign_in_from(app.clone(), OWNER, "guess guess guess", &ip).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    let new = sign_in_from(app.clone(), OWNER, PASSWORD, "10.0.0.3").await;
    assert_eq!(new.status, StatusCode::TOO_MANY_REQUESTS);
    // …but not the owner at an address they signed in from before.
    for known in ["10.0.0.1", "10.0.0.2"] {
        let reply = sign_in_from(app.clone(), OWNER, PASSWORD, known).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{known}: {}",
            reply.body
        );
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn failed_sign_ins_are_audited_once_then_summed_up_when_they_leave_the_window(pool: PgPool) {
    let owner = account(&pool, OWNER, StaffRole::Admin).await;
    let app = app(pool.clone());
    for ip in ["10.0.0.5", "10.0.0.6", "10.0.0.6"] {
        let reply = sign_in_from(app.clone(), OWNER, "guess guess guess", ip).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    for i in 0..12 {
        let email = format!("nobody{i}@hospital.cn");
        let reply = sign_in_from(app.clone(), &email, "guess guess guess", "10.0.0.7").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // At once: one entry, for the account's first failure.
    assert_eq!(
        audit(&pool).await,
        [("sign_in_failed".to_owned(), Some(owner.get()), None)]
    );
    let mut conn = pool.acquire().await.expect("connection");
    assert_eq!(
        canvass_db::throttle::summarize(&mut conn)
            .await
            .expect("summed"),
        0,
        "nothing has left the window yet"
    );
    sqlx::query("UPDATE sign_in_attempts SET at = at - interval '16 minutes'")
        .execute(&pool)
        .await
        .expect("aged");
    assert_eq!(
        canvass_db::throttle::summarize(&mut conn)
            .await
            .expect("summed"),
        15
    );
    let mut entries = audit(&pool).await;
    entries.sort();
    assert_eq!(
        entries,
        [
            (
                "sign_in_failed".to_owned(),
                None,
                Some(
                    "12 failed sign-ins at 12 e-mail addresses of no account, from 1 addresses"
                        .to_owned()
                )
            ),
            ("sign_in_failed".to_owned(), Some(owner.get()), None),
            (
                "sign_in_failed".to_owned(),
                Some(owner.get()),
                Some("3 failed sign-ins from 2 addresses".to_owned())
            ),
        ]
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_attempts")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_current_password_of_a_password_change_is_throttled_like_a_sign_in(pool: PgPool) {
    account(&pool, OWNER, StaffRole::Viewer).await;
    let cookie = signed_in(&pool, OWNER).await;
    let body = "current=not+it+at+all&new=a+brand+new+password&confirm=a+brand+new+password";
    for _ in 0..5 {
        let reply = post(app(pool.clone()), "/staff/password", body, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.body.contains("The current password is not right."),
            "{}",
            reply.body
        );
    }
    let right = format!(
        "current={}&new=a+brand+new+password&confirm=a+brand+new+password",
        PASSWORD.replace(' ', "+")
    );
    let refused = post(app(pool.clone()), "/staff/password", &right, Some(&cookie)).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Too many wrong current passwords. Try again in 15 minutes."),
        "{}",
        refused.body
    );
    let retry: u64 = refused.header("retry-after").parse().expect("seconds");
    assert!((840..=900).contains(&retry), "{retry}");
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_burst_of_sign_ins_hashes_two_at_a_time_and_a_respondent_still_saves(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    let mut state = state(pool.clone());
    let hashing = Hashing::new(2, Duration::from_millis(300));
    state.staff.hashing = hashing.clone();
    let app = canvass_server::router(state, SETTINGS);
    // 500 sign-ins at once, each from its own address for its own (unknown) e-mail: the
    // throttle lets every one through to the password check.
    let burst: Vec<_> = (0..500)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let ip = format!("10.{}.{}.1", i / 250, i % 250);
                let email = format!("nobody{i}@hospital.cn");
                sign_in_from(app, &email, "a wrong guess", &ip).await
            })
        })
        .collect();
    // Meanwhile a respondent consents and saves their first page.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let consent = Request::post("/s/ai-collab")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("consent=agree"))
        .expect("request");
    let saved = tokio::time::timeout(Duration::from_secs(10), send(app.clone(), consent))
        .await
        .expect("the respondent is answered while the burst goes on");
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let (mut checked, mut busy) = (0, 0);
    for reply in burst {
        let reply = reply.await.expect("a reply");
        match reply.status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(reply.header("retry-after"), "5");
                assert!(
                    reply.body.contains(
                        "The server is busy checking passwords. Nothing was lost: try again in a few seconds."
                    ),
                    "{}",
                    reply.body
                );
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(checked + busy, 500);
    assert!(busy > 0, "the burst outran the hashing");
    assert!(
        hashing.peak() <= 2,
        "at most two hashes at once, saw {}",
        hashing.peak()
    );
    // A try turned away is not counted against anyone.
    let counted: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_attempts")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(counted, checked);
}
