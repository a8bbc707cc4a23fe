//! What every handler and server function can reach.

use axum::extract::FromRef;
use canvass_db::PgPool;
use leptos::config::LeptosOptions;

/// Shared by all requests; cheap to clone (each field is a handle).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
}
