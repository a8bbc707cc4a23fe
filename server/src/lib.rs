//! `canvass-server`: the `canvass` binary as a library, so tests build the router in-process.
//!
//! It owns configuration, telemetry, the HTTP stack and the routes outside Leptos (health,
//! language switch, the respondent's and staff posts, live events, the stats API), their
//! one error type ([`error::AppError`]) and extractors ([`extract`]), and the CLI
//! subcommands.
// Leptos view types nest deeply (a survey page's whole view is one type): computing their
// layout needs more than the default query depth in release builds.
#![recursion_limit = "256"]

pub mod admin;
pub mod bench;
pub mod bench_dashboard;
pub mod bench_export;
pub mod bench_http;
pub mod cli;
pub mod config;
pub mod definition;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod faults;
pub mod listen;
pub mod live;
pub mod load;
pub mod middleware;
pub mod render;
pub mod routes;
pub mod serve;
pub mod shutdown;
pub mod staff;
pub mod state;
pub mod tallies;
pub mod telemetry;
pub mod xlsform;

use std::convert::Infallible;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::services::ServeDir;

use routes::staff as staff_routes;

pub use middleware::HttpSettings;
pub use state::AppState;

/// The pages' routes, generated once per process. Generating them sets a process-wide
/// flag in Leptos that leaves every resource first polled meanwhile pending forever
/// (leptos-rs/leptos#4773): a router built while another one renders a page (tests build
/// many) would hang that page. Once, before any router exists, it is harmless.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| generate_route_list(canvass_app::App))
        .clone()
}

/// Every route, without the middleware stack.
pub fn routes(state: AppState) -> Router {
    let pages = page_routes();
    let options = state.leptos_options.clone();
    // What every render gets: the state, the pages' backend, and the page's CSP header
    // (set here, where leptos_axum has just provided the nonce, not from a component).
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(state.backend());
            provide_context(state.public_origin());
            canvass_app::security::send_content_security_policy();
        }
    };
    Router::new()
        .route("/healthz", get(routes::health::live))
        .route("/readyz", get(routes::health::ready))
        .route("/lang/{code}", get(routes::lang::switch))
        .route("/s/{slug}", post(routes::respond::start))
        .route("/s/{slug}/forget", post(routes::respond::forget))
        .route("/l/{code}", get(routes::links::open))
        .route("/i/{token}", get(routes::links::invited))
        .route("/monitor/{slug}/events", get(live::events))
        .route("/api/v1/openapi.json", get(routes::openapi::serve))
        .route("/api/v1/surveys/{slug}/stats", get(routes::stats::stats))
        .route(
            "/api/v1/surveys/{slug}/analysis",
            get(routes::analysis::json),
        )
        .route(
            "/api/v1/surveys/{slug}/analysis.csv",
            get(routes::analysis::csv),
        )
        .route(
            "/api/v1/surveys/{slug}/exports",
            get(routes::exports::list).post(routes::exports::create),
        )
        .route(
            "/api/v1/surveys/{slug}/exports/{id}",
            get(routes::exports::show),
        )
        .route(
            "/api/v1/surveys/{slug}/exports/{id}/download",
            get(routes::exports::download),
        )
        .route(
            "/api/v1/surveys/{slug}/exports/{id}/cancel",
            post(routes::exports::cancel),
        )
        .route(
            "/staff/surveys/{slug}/exports",
            post(routes::exports::create_from_page),
        )
        .route(
            "/api/v1/surveys/{slug}/exports/{id}/risk",
            get(routes::exports::risk),
        )
        .route(
            "/staff/surveys/{slug}/exports/{id}/cancel",
            post(routes::exports::cancel_from_page),
        )
        .route("/r/{code}", get(routes::respond::resume))
        .route(
            canvass_app::api::paths::RESUME_TYPED,
            get(routes::respond::resume_typed),
        )
        .route("/r/{code}/review", post(routes::respond::submit))
        .route("/r/{code}/{section}", post(routes::respond::save))
        .route("/staff/sign-in", post(staff_routes::accounts::sign_in))
        .route("/staff/sign-out", post(staff_routes::accounts::sign_out))
        .route(
            "/staff/password",
            post(staff_routes::accounts::change_password),
        )
        .route("/staff/users", post(staff_routes::accounts::create_user))
        .route(
            "/staff/users/{id}",
            post(staff_routes::accounts::change_user),
        )
        .route(
            "/staff/surveys/{slug}/links",
            post(staff_routes::links::create),
        )
        .route("/staff/links/{id}", post(staff_routes::links::change))
        .route("/staff/links/{id}/qr.svg", get(staff_routes::links::qr))
        .route(
            "/staff/surveys/{slug}/quotas",
            post(staff_routes::quotas::create),
        )
        .route("/staff/quotas/{id}", post(staff_routes::quotas::change))
        .route(
            "/staff/surveys/{slug}/invitations",
            post(staff_routes::invitations::create),
        )
        .route(
            "/staff/surveys/{slug}/invitees.csv",
            get(staff_routes::invitations::roster),
        )
        .route("/staff/tokens", post(staff_routes::tokens::create))
        .route("/staff/tokens/{id}", post(staff_routes::tokens::change))
        .leptos_routes_with_context(&state, pages, context.clone(), {
            let options = options.clone();
            move || canvass_app::shell(options.clone())
        })
        .merge(site_files(&options, context))
        // Inside out: the session becomes a signed-in staff member (staff paths only), after
        // cross-site posts have been refused.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            staff::authenticate,
        ))
        .layer(staff::session_layer(&state))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            staff::same_origin,
        ))
        .with_state(state)
}

/// Everything else: a file of the site (the bundle under `/pkg`, the favicon…), served
/// precompressed when the browser takes it, else the not-found page rendered by Leptos.
///
/// Files are served by tower-http, outside Leptos, on purpose: leptos_axum's
/// `file_and_error_handler` looked up the response options of whatever reactive owner was
/// current on the thread, so a file served while a page was rendering could take that
/// page's headers — its CSP nonce, leaving the page unable to hydrate.
fn site_files(
    options: &leptos::config::LeptosOptions,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> Router<AppState> {
    let not_found = {
        let options = options.clone();
        let render = leptos_axum::render_app_async_with_context(context, move || {
            canvass_app::shell(options.clone())
        });
        tower::service_fn(move |request: Request<Body>| {
            let page = render(request);
            async move { Ok::<_, Infallible>(page.await) }
        })
    };
    let files = ServeDir::new(&*options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found);
    Router::new().fallback_service(files)
}

/// The application as served: every route inside the standard middleware stack.
pub fn router(state: AppState, settings: HttpSettings) -> Router {
    middleware::apply(routes(state), settings)
}
