//! The ceiling a benchmark compares saves with: how many durable single-row JSONB
//! `INSERT`s, one transaction each, this PostgreSQL takes from `tasks` at once over the
//! pool — what `pgbench -f` with that statement reports. The table exists only during the
//! measurement (so its statements are not in the query cache: no migration makes it).

use std::time::{Duration, Instant};

use sqlx::PgPool;

const TABLE: &str = "canvass_bench_ceiling";

/// Inserts `body` (JSON) for `duration` from `tasks` tasks; how many were committed.
pub async fn run(
    pool: &PgPool,
    tasks: usize,
    duration: Duration,
    body: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb NOT NULL)"
    ))
    .execute(pool)
    .await?;
    let insert = format!("INSERT INTO {TABLE} (body) VALUES ($1::jsonb)");
    let until = Instant::now() + duration;
    let workers = (0..tasks.max(1)).map(|_| {
        let (pool, insert, body) = (pool.clone(), insert.clone(), body.to_owned());
        tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < until {
                sqlx::query(&insert).bind(&body).execute(&pool).await?;
                done += 1;
            }
            Ok::<u64, sqlx::Error>(done)
        })
    });
    let mut total = 0;
    for worker in workers.collect::<Vec<_>>() {
        total += worker
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("a ceiling task failed: {e}")))??;
    }
    sqlx::query(&format!("DROP TABLE {TABLE}"))
        .execute(pool)
        .await?;
    Ok(total)
}
