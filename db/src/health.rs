//! Is the database answering?

use sqlx::PgExecutor;

/// One round trip to PostgreSQL. `Ok` means the database accepted a connection and ran a query.
pub async fn ping(executor: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    let one = sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(executor)
        .await?;
    debug_assert_eq!(one, 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn ping_succeeds_against_a_migrated_database(pool: sqlx::PgPool) {
        ping(&pool).await.expect("ping");
    }

    #[tokio::test]
    async fn ping_fails_when_nothing_listens() {
        // Port 9 (discard) on loopback: nothing answers PostgreSQL there.
        let pool = crate::connect_lazy(
            "postgres://nobody@127.0.0.1:9/none",
            crate::PoolSettings {
                max_connections: 1,
                acquire_timeout: std::time::Duration::from_millis(500),
            },
        )
        .expect("valid url");
        assert!(ping(&pool).await.is_err());
    }
}
