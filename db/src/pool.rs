//! Building the connection pool.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

/// How the pool behaves; the server fills this from its configuration.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Upper bound on open connections held by this process.
    pub max_connections: u32,
    /// How long a caller waits for a connection before getting an error.
    /// Kept short so that a lost database turns into a quick 503, not a hung request.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 20,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// How long a connection may lie idle in the pool and still be handed out untested.
///
/// A connection that has been idle longer is pinged first (one round trip), which is what
/// lets a running server recover by itself after a database restart. One used moments ago
/// is not: sqlx tests every connection as it is released (another round trip), so a busy
/// server testing it again on acquire would make each one-statement save three round trips
/// instead of two. A connection that died less than this ago fails the one request that
/// gets it (a 503, and the respondent's retry) and is then closed by that release test.
pub const UNTESTED_IDLE: Duration = Duration::from_secs(1);

/// A pool that connects on first use, so the process starts (and `/healthz` answers)
/// even while PostgreSQL is down. A connection idle longer than [`UNTESTED_IDLE`] is
/// tested before it is handed out.
pub fn connect_lazy(url: &str, settings: PoolSettings) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    Ok(connect_lazy_with(options, settings))
}

/// [`connect_lazy`] for options already parsed.
pub fn connect_lazy_with(options: PgConnectOptions, settings: PoolSettings) -> PgPool {
    // Statements carry only placeholders, never values, so sqlx's statement logs hold no answers.
    let options = options.application_name("canvass");
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > UNTESTED_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options)
}
