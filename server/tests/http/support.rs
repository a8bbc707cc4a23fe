//! Builds the real router in-process, against a test database, and sends it requests.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use canvass_server::{AppState, HttpSettings};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use tower::ServiceExt;

pub const SETTINGS: HttpSettings = HttpSettings {
    request_timeout: Duration::from_secs(10),
    body_limit_bytes: 64 * 1024,
    upload_limit_bytes: 1024 * 1024,
    hash_files: false,
    hsts: false,
};

pub fn state(pool: PgPool) -> AppState {
    AppState::new(
        LeptosOptions::builder()
            .output_name("canvass")
            .site_root("target/site")
            .build(),
        pool,
    )
}

pub fn app(pool: PgPool) -> Router {
    canvass_server::router(state(pool), SETTINGS)
}

/// The router serving the files of `site_root` (`pkg/`, `favicon.svg`…).
pub fn app_with_site(pool: PgPool, site_root: &std::path::Path) -> Router {
    let options = LeptosOptions::builder()
        .output_name("canvass")
        .site_root(site_root.to_string_lossy().into_owned())
        .build();
    canvass_server::router(AppState::new(options, pool), SETTINGS)
}

/// A pool whose database never answers: nothing listens on the discard port.
pub fn unreachable_pool() -> PgPool {
    canvass_db::connect_lazy(
        "postgres://nobody@127.0.0.1:9/none",
        canvass_db::PoolSettings {
            max_connections: 1,
            acquire_timeout: Duration::from_millis(300),
        },
    )
    .expect("a valid URL")
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

pub async fn send(app: Router, request: Request<Body>) -> Reply {
    let (status, headers, bytes) = send_raw(app, request).await;
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The reply's status, headers and body as bytes (a zip, say).
pub async fn send_raw(
    app: Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response: Response<Body> = app.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, bytes.to_vec())
}

pub async fn get(app: Router, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    send(app, builder.body(Body::empty()).expect("request")).await
}
