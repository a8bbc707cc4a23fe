//! `canvass-db` owns every SQL statement Canvass runs.
//!
//! Rules of this crate:
//! - queries use `sqlx::query!`-family macros (checked against the schema at build time,
//!   cached in the workspace's `.sqlx/` for offline builds);
//! - functions take a connection (`&mut PgConnection`, which a transaction derefs to), so
//!   the caller decides the transaction; the few that need more than one (sign-in, which
//!   holds no connection while it hashes) take the pool;
//! - rows are turned into `canvass-core` types here, at the edge; nothing above sees a row.
//!
//! `actions` holds the staff side's actions, each one function with its audit entry.
//!
//! It knows nothing about HTTP, Leptos or sessions.

pub mod accounts;
pub mod actions;
pub mod analysis;
pub mod audit;
pub mod begin;
pub mod ceiling;
pub mod export;
pub mod exports;
pub mod health;
pub mod invitations;
pub mod links;
pub mod live;
pub mod monitor;
pub mod pace;
pub mod pool;
pub mod quotas;
pub mod recent;
pub mod respond;
pub mod responses;
mod secret;
mod stored;
pub mod surveys;
pub mod throttle;
pub mod tokens;

pub use pool::{PoolSettings, UNTESTED_IDLE, connect_lazy, connect_lazy_with};
pub use sqlx::pool::PoolConnection;
pub use sqlx::{Error, PgConnection, PgPool, Postgres, Transaction};

/// The migrations in the workspace's root `migrations/` folder, embedded at build time.
/// Applied by `canvass migrate` and, by default, at server start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[cfg(test)]
mod tests {
    use sqlx::pool::PoolConnection;
    use sqlx::{Executor, PgPool, Postgres};

    /// The migration that moves each response's answers into a jsonb column of its own.
    const ANSWERS_MOVE: i64 = 20261201090000;
    /// The migration that rewrites stored answers in their short form.
    const ANSWERS_COMPACT: i64 = 20261205090000;

    /// A connection to a database migrated up to `version`, given `setup`, then migrated to
    /// the end.
    async fn migrated_across(pool: &PgPool, version: i64, setup: &str) -> PoolConnection<Postgres> {
        let mut conn = pool.acquire().await.expect("connection");
        let (before, after): (Vec<_>, Vec<_>) =
            super::MIGRATOR.iter().partition(|m| m.version < version);
        for m in before {
            conn.execute(m.sql.as_ref())
                .await
                .expect("an earlier migration");
        }
        conn.execute(setup).await.expect("the set-up");
        for m in after {
            conn.execute(m.sql.as_ref())
                .await
                .expect("a later migration");
        }
        conn
    }

    #[sqlx::test(migrations = false)]
    async fn stored_answers_move_into_their_response_and_their_table_goes(pool: PgPool) {
        let mut conn = migrated_across(
            &pool,
            ANSWERS_MOVE,
            r#"INSERT INTO surveys (slug) VALUES ('s');
               INSERT INTO survey_versions (survey_id, version, source) SELECT id, 1, '' FROM surveys;
               INSERT INTO responses (resume_hash, survey_id, survey_version, lang)
                 SELECT h, s.id, 1, 'zh' FROM surveys s, (VALUES ('\x01'::bytea), ('\x02'), ('\x03')) AS t(h);
               INSERT INTO answers (response_id, question_id, value)
                 SELECT id, q, v::jsonb FROM responses,
                   (VALUES ('role', '{"outcome":"answered","answer":{"type":"choice","value":{"code":"clinician","other":null}}}'),
                           ('years', '{"outcome":"no_answer"}')) AS t(q, v)
                 WHERE resume_hash <> '\x03'"#,
        )
        .await;
        let moved: Vec<(Vec<u8>, serde_json::Value)> =
            sqlx::query_as("SELECT resume_hash, answers FROM responses ORDER BY resume_hash")
                .fetch_all(&mut *conn)
                .await
                .expect("answers");
        // In the short form the migrations after it write.
        let both = serde_json::json!({"role": {"c": "clinician"}, "years": "n"});
        assert_eq!(
            moved,
            vec![
                (vec![1], both.clone()),
                (vec![2], both),
                (vec![3], serde_json::json!({})),
            ]
        );
        let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('answers')::text")
            .fetch_one(&mut *conn)
            .await
            .expect("lookup");
        assert_eq!(table, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_response_s_answers_are_compressed_with_lz4_where_the_server_has_it(pool: PgPool) {
        let has_lz4: bool = sqlx::query_scalar(
            "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'",
        )
        .fetch_one(&pool)
        .await
        .expect("settings");
        pool.execute(
            r#"INSERT INTO surveys (slug) VALUES ('s');
               INSERT INTO survey_versions (survey_id, version, source) SELECT id, 1, '' FROM surveys;
               INSERT INTO responses (resume_hash, survey_id, survey_version, lang, answers)
                 SELECT '\x01', id, 1, 'zh',
                        (SELECT jsonb_object_agg('q' || i, '"n"'::jsonb)
                           FROM generate_series(1, 400) AS i)
                 FROM surveys"#,
        )
        .await
        .expect("a response with many answers");
        let method: Option<String> =
            sqlx::query_scalar("SELECT pg_column_compression(answers) FROM responses")
                .fetch_one(&pool)
                .await
                .expect("compression");
        let expected = if has_lz4 { "lz4" } else { "pglz" };
        assert_eq!(method.as_deref(), Some(expected));
    }

    #[sqlx::test(migrations = false)]
    async fn stored_answers_of_every_kind_take_their_short_form(pool: PgPool) {
        let old = serde_json::json!({
            "a": {"outcome": "no_answer"},
            "b": {"outcome": "not_asked"},
            "c": {"outcome": "invalid", "error": {"error": "too_many", "max": 3}},
            "d": {"outcome": "answered", "answer": {"type": "choice", "value": {"code": "gd", "other": null}}},
            "e": {"outcome": "answered", "answer": {"type": "choice", "value": {"code": "other", "other": "县医院"}}},
            "f": {"outcome": "answered", "answer": {"type": "choices", "value": {"codes": ["ct", "mr"], "other": null}}},
            "g": {"outcome": "answered", "answer": {"type": "choices", "value": {"codes": ["other"], "other": "PET"}}},
            "h": {"outcome": "answered", "answer": {"type": "scale", "value": 4}},
            "i": {"outcome": "answered", "answer": {"type": "matrix", "value": {"law": "unsure", "privacy": 5}}},
            "j": {"outcome": "answered", "answer": {"type": "ranking", "value": ["b", "a"]}},
            "k": {"outcome": "answered", "answer": {"type": "integer", "value": -12}},
            "l": {"outcome": "answered", "answer": {"type": "decimal", "value": 1.5}},
            "m": {"outcome": "answered", "answer": {"type": "text", "value": "\"引号\"\n"}},
            "n": {"outcome": "answered", "answer": {"type": "date", "value": "2026-11-29"}},
            "o": {"outcome": "answered", "answer": {"type": "year", "value": 2019}},
            // Already short, and unreadable: both kept as they are.
            "p": {"c": "bj"},
            "q": {"outcome": "maybe"},
        });
        let setup = format!(
            r#"INSERT INTO surveys (slug) VALUES ('s');
               INSERT INTO survey_versions (survey_id, version, source) SELECT id, 1, '' FROM surveys;
               INSERT INTO responses (resume_hash, survey_id, survey_version, lang, answers)
                 SELECT h, s.id, 1, 'zh', a::jsonb
                 FROM surveys s, (VALUES ('\x01'::bytea, '{{}}'), ('\x02', '{old}')) AS t(h, a)"#,
            old = old.to_string().replace('\'', "''"),
        );
        let mut conn = migrated_across(&pool, ANSWERS_COMPACT, &setup).await;
        let rewritten: Vec<serde_json::Value> =
            sqlx::query_scalar("SELECT answers FROM responses ORDER BY resume_hash")
                .fetch_all(&mut *conn)
                .await
                .expect("answers");
        let short = serde_json::json!({
            "a": "n",
            "b": "na",
            "c": {"e": {"error": "too_many", "max": 3}},
            "d": {"c": "gd"},
            "e": {"co": ["other", "县医院"]},
            "f": {"m": ["ct", "mr"]},
            "g": {"mo": [["other"], "PET"]},
            "h": {"s": 4},
            "i": {"g": {"law": "unsure", "privacy": 5}},
            "j": {"r": ["b", "a"]},
            "k": {"i": -12},
            "l": {"d": 1.5},
            "m": {"t": "\"引号\"\n"},
            "n": {"dt": "2026-11-29"},
            "o": {"y": 2019},
            "p": {"c": "bj"},
            "q": {"outcome": "maybe"},
        });
        assert_eq!(rewritten, vec![serde_json::json!({}), short.clone()]);
        // Each rewritten entry reads back as the outcome its old form meant.
        let mut readable = short;
        if let Some(entries) = readable.as_object_mut() {
            entries.remove("p");
            entries.remove("q");
        }
        let read = crate::stored::decode(&readable.to_string()).expect("the short form reads");
        for (question, outcome) in &read {
            let meant: canvass_core::answers::Outcome =
                serde_json::from_value(old[question.as_str()].clone()).expect("an old outcome");
            assert_eq!(outcome, &meant, "{question}");
        }
        assert_eq!(read.len(), 15);
        let left: Option<String> =
            sqlx::query_scalar("SELECT to_regprocedure('canvass_compact(jsonb)')::text")
                .fetch_one(&mut *conn)
                .await
                .expect("lookup");
        assert_eq!(left, None, "the conversion goes with its migration");
    }
}
