//! Building the connection pool.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

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

/// A pool that connects on first use, so the process starts (and `/healthz` answers)
/// even while PostgreSQL is down. Every connection is tested before it is handed out,
/// which is what lets a running server recover by itself after a database restart.
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
        .test_before_acquire(true)
        .connect_lazy_with(options)
}
