//! `canvass-db` owns every SQL statement Canvass runs.
//!
//! Rules of this crate:
//! - queries use `sqlx::query!`-family macros (checked against the schema at build time,
//!   cached in the workspace's `.sqlx/` for offline builds);
//! - functions take an executor (`impl PgExecutor`), so the caller decides the transaction;
//! - rows are turned into `canvass-core` types here, at the edge; nothing above sees a row.
//!
//! It knows nothing about HTTP, Leptos or sessions.

pub mod accounts;
pub mod audit;
pub mod health;
pub mod invitations;
pub mod links;
pub mod live;
pub mod monitor;
pub mod pool;
pub mod quotas;
pub mod respond;
pub mod responses;
pub mod surveys;
pub mod throttle;
pub mod tokens;

pub use pool::{PoolSettings, connect_lazy, connect_lazy_with};
pub use sqlx::{Error, PgConnection, PgPool};

/// The migrations in the workspace's root `migrations/` folder, embedded at build time.
/// Applied by `canvass migrate` and, by default, at server start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
