//! `canvass-server`: the `canvass` binary as a library, so tests build the router in-process.
//!
//! It owns configuration, telemetry, the HTTP stack and the routes outside Leptos (health,
//! language switch; later events and exports), and the CLI subcommands.

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod middleware;
pub mod routes;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod telemetry;

use axum::Router;
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};

pub use middleware::HttpSettings;
pub use state::AppState;

/// Every route, without the middleware stack.
pub fn routes(state: AppState) -> Router {
    let pages = generate_route_list(canvass_app::App);
    let options = state.leptos_options.clone();
    // What every render gets: the state, the pages' backend, and the page's CSP header
    // (set here, where leptos_axum has just provided the nonce, not from a component).
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(state.backend());
            canvass_app::security::send_content_security_policy();
        }
    };
    Router::new()
        .route("/healthz", get(routes::health::live))
        .route("/readyz", get(routes::health::ready))
        .route("/lang/{code}", get(routes::lang::switch))
        .route("/s/{slug}", post(routes::respond::start))
        .route("/r/{code}", get(routes::respond::resume))
        .route("/r/{code}/review", post(routes::respond::submit))
        .route("/r/{code}/{section}", post(routes::respond::save))
        .leptos_routes_with_context(&state, pages, context.clone(), move || {
            canvass_app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, canvass_app::shell))
        .with_state(state)
}

/// The application as served: every route inside the standard middleware stack.
pub fn router(state: AppState, settings: HttpSettings) -> Router {
    middleware::apply(routes(state), settings)
}
