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

fn import(pool: &PgPool, file: &std::path::Path, publish: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvass"));
    command.arg("import").arg(file);
    if publish {
        command.arg("--publish");
    }
    command
        .env("DATABASE_URL", url_of(pool))
        .env("CANVASS_LOG", "error")
        .output()
        .expect("canvass runs")
}

/// A small definition, written to a scratch file named `name`.
fn definition_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("canvass-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

const POLL: &str = r#"
slug = "committee-poll"
version = 1
languages = ["zh", "en"]
title = { zh = "委员会调查", en = "Committee poll" }

[[sections]]
id = "main"
title = { zh = "问题", en = "Questions" }

[[sections.questions]]
id = "attend"
type = "single_choice"
label = { zh = "您会参加吗？", en = "Will you attend?" }
disclosure = "attribute"
choices = [
  { code = "yes", zh = "会", en = "Yes" },
  { code = "no", zh = "不会", en = "No" },
]
"#;

async fn versions(pool: &PgPool, slug: &str) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT v.version FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
         WHERE s.slug = $1 ORDER BY v.version",
    )
    .bind(slug)
    .fetch_all(pool)
    .await
    .expect("versions")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn import_publishes_a_definition_as_its_survey_s_next_version(pool: PgPool) {
    let file = definition_file("poll.toml", POLL);
    let checked = import(&pool, &file, false);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{stderr}");
    assert!(
        stderr.contains("the survey committee-poll loads (1 sections, 1 questions); not published (add --publish)"),
        "{stderr}"
    );
    assert_eq!(versions(&pool, "committee-poll").await, Vec::<i32>::new());
    for expected in [vec![1], vec![1, 2]] {
        let published = import(&pool, &file, true);
        let stderr = String::from_utf8_lossy(&published.stderr);
        assert!(published.status.success(), "{stderr}");
        assert_eq!(versions(&pool, "committee-poll").await, expected);
    }
    // Version 1 kept the file as written; version 2 is the same survey, numbered 2.
    let sources: Vec<String> = sqlx::query_scalar(
        "SELECT v.source FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
         WHERE s.slug = 'committee-poll' ORDER BY v.version",
    )
    .fetch_all(&pool)
    .await
    .expect("sources");
    assert_eq!(sources[0], POLL);
    let second = canvass_core::survey::Survey::from_toml(&sources[1]).expect("loads");
    assert_eq!(second.version, 2);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'survey_published' AND detail LIKE 'committee-poll%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, ["committee-poll v1", "committee-poll v2"]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn import_publishes_an_xlsform(pool: PgPool) {
    let form = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/xlsforms/odkcb_simple.xlsx");
    let published = import(&pool, &form, true);
    let stderr = String::from_utf8_lossy(&published.stderr);
    assert!(published.status.success(), "{stderr}");
    let slug = stderr
        .split("published ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the slug printed");
    assert_eq!(versions(&pool, slug).await, [1]);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn import_refuses_a_definition_with_problems_and_publishes_nothing(pool: PgPool) {
    let broken = POLL
        .replace(
            "type = \"single_choice\"",
            "type = \"single_choice\"\nrelevant = \"nope == 1\"",
        )
        .replace("en = \"Will you attend?\"", "en = \"\"");
    let file = definition_file("broken.toml", &broken);
    let refused = import(&pool, &file, true);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("problem: "))
        .collect();
    assert_eq!(
        problems,
        [
            "problem: section main › question attend › label: the \"en\" text is empty",
            "problem: section main › question attend › relevant: column 1: unknown question `nope` in `nope == 1`",
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problem(s); nothing published"),
        "{stderr}"
    );
    assert_eq!(versions(&pool, "committee-poll").await, Vec::<i32>::new());
    let empty = definition_file("empty.toml", "");
    let refused = import(&pool, &empty, true);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("the file is empty; nothing published"),
        "{stderr}"
    );
}
