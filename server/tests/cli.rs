//! The `canvass` binary's account commands, run as an operator would.

use std::io::Write;
use std::process::{Command, Stdio};

use sqlx::PgPool;

/// The URL of the test's own database (the server of `DATABASE_URL`, the database
/// `#[sqlx::test]` made for this test).
fn url_of(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let name = pool
        .connect_options()
        .get_database()
        .expect("a database")
        .to_owned();
    let (before_query, query) = base
        .split_once('?')
        .map_or((base.as_str(), None), |(a, q)| (a, Some(q)));
    let server = before_query
        .rsplit_once('/')
        .map_or(before_query, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

fn create_admin(pool: &PgPool, email: &str, stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(["create-admin", "--email", email, "--name", "王丽"])
        .env("DATABASE_URL", url_of(pool))
        .env("CANVASS_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("canvass runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("password written");
    child.wait_with_output().expect("canvass ends")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn create_admin_reads_the_password_from_standard_input(pool: PgPool) {
    let output = create_admin(&pool, "Admin@Society.cn", "correct horse battery\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("created the administrator account Admin@Society.cn"),
        "{stderr}"
    );
    let (role, name, hash): (String, String, String) =
        sqlx::query_as("SELECT role::text, display_name, password_hash FROM staff_users WHERE email = 'admin@society.cn'")
            .fetch_one(&pool)
            .await
            .expect("the account");
    assert_eq!((role.as_str(), name.as_str()), ("admin", "王丽"));
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!stderr.contains("correct horse battery"));
    let audited: (Option<i64>, String) = sqlx::query_as(
        "SELECT actor_id, action::text FROM audit_log WHERE target_user_id = (SELECT id FROM staff_users)",
    )
    .fetch_one(&pool)
    .await
    .expect("an audit entry");
    assert_eq!(audited, (None, "user_created".to_owned()));
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn create_admin_refuses_a_short_password_and_creates_nothing(pool: PgPool) {
    let output = create_admin(&pool, "admin@society.cn", "too short\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("password: the password must have at least 12 characters"),
        "{stderr}"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 0);
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(audited, 0);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn create_admin_refuses_an_email_that_has_an_account(pool: PgPool) {
    assert!(
        create_admin(&pool, "admin@society.cn", "correct horse battery\n")
            .status
            .success()
    );
    let output = create_admin(&pool, "ADMIN@society.cn", "another long password\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("an account with this e-mail address exists already"),
        "{stderr}"
    );
}
