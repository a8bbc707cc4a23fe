//! The audit log: an append-only record of who did what to which account, and when.
//! Callers write the entry in the same transaction as the action it records.

use sqlx::PgConnection;

/// What was done (the `audit_action` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "audit_action", rename_all = "snake_case")]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    UserCreated,
    UserChanged,
    UserDeactivated,
    UserReactivated,
    RoleChanged,
    PasswordChanged,
    SurveyPublished,
    ExportMade,
}

/// One entry as stored. `actor` is `None` for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub actor: Option<i64>,
    pub action: Action,
    pub target: Option<i64>,
}

/// Appends an entry.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<i64>,
    action: Action,
    target: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, action, target_user_id) VALUES ($1, $2, $3)",
        actor,
        action as Action,
        target
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest entries first, at most `limit`.
pub async fn latest(conn: &mut PgConnection, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, actor_id, action AS "action: Action", target_user_id
           FROM audit_log ORDER BY at DESC, id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            id: r.id,
            actor: r.actor_id,
            action: r.action,
            target: r.target_user_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn entries_are_appended_and_read_newest_first(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        record(&mut conn, None, Action::SurveyPublished, None)
            .await
            .expect("first");
        record(&mut conn, None, Action::ExportMade, None)
            .await
            .expect("second");
        let entries = latest(&mut conn, 10).await.expect("read");
        let actions: Vec<Action> = entries.iter().map(|e| e.action).collect();
        assert_eq!(actions, [Action::ExportMade, Action::SurveyPublished]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_log_refuses_to_change_or_lose_an_entry(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        record(&mut conn, None, Action::ExportMade, None)
            .await
            .expect("recorded");
        for statement in [
            "UPDATE audit_log SET action = 'sign_in'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ] {
            let error = sqlx::query(statement)
                .execute(&pool)
                .await
                .expect_err(statement);
            assert!(
                error.to_string().contains("the audit log is append-only"),
                "{statement}: {error}"
            );
        }
        assert_eq!(latest(&mut conn, 10).await.expect("read").len(), 1);
    }
}
