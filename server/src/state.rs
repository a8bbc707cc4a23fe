//! What every handler and server function can reach.

use axum::extract::FromRef;
use canvass_app::backend::Backend;
use canvass_db::PgPool;
use canvass_db::surveys::Catalog;
use leptos::config::LeptosOptions;

/// Shared by all requests; cheap to clone (each field is a handle).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// Parsed survey versions (immutable, so safe to keep per process).
    pub catalog: Catalog,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: PgPool) -> AppState {
        AppState {
            leptos_options,
            pool,
            catalog: Catalog::default(),
        }
    }

    /// What the Leptos pages and server functions reach, as context.
    pub fn backend(&self) -> Backend {
        Backend {
            pool: self.pool.clone(),
            catalog: self.catalog.clone(),
        }
    }
}
