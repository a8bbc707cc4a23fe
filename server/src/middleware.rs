//! The layers every response passes through: panic catching, tracing, timeout, body limit,
//! compression, security headers and cache lifetimes.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::middleware::{self, Next};
use http_body_util::Limited;
use tower::{Layer, ServiceBuilder, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The knobs of the HTTP layer, taken from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct HttpSettings {
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// The larger limit of the routes that take a file ([`UPLOAD_ROUTES`]).
    pub upload_limit_bytes: usize,
    /// Bundle names carry a content hash, so `/pkg/` may be cached for a year.
    pub hash_files: bool,
    /// The site is served over HTTPS only (`CANVASS_SECURE_COOKIES`): every response tells
    /// browsers so for a year (`Strict-Transport-Security`).
    pub hsts: bool,
}

/// Wraps `routes` in the standard layers. Kept apart from the routes so tests can add a
/// route (one that panics, say) and still get the exact production stack.
pub fn apply(routes: Router, settings: HttpSettings) -> Router {
    let csp = canvass_app::security::content_security_policy(None);
    let hash_files = settings.hash_files;
    // `Router::layer` wraps what is already there: the first layer here is the innermost.
    routes
        .layer(middleware::from_fn(move |req, next| {
            limit_body(settings, req, next)
        }))
        // Every 503 says when to try again, whoever answered it.
        .layer(middleware::map_response(
            |mut response: Response<Body>| async move {
                crate::error::add_retry_after(&mut response);
                response
            },
        ))
        .layer(middleware::from_fn(move |req, next| {
            cache_control(hash_files, req, next)
        }))
        .layer(middleware::map_response(
            move |mut response: Response<Body>| async move {
                if settings.hsts {
                    response.headers_mut().insert(
                        header::STRICT_TRANSPORT_SECURITY,
                        HeaderValue::from_static(HSTS),
                    );
                }
                response
            },
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(server_error))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(CompressionLayer::new())
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    header_value(&csp),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                // Resume links carry a secret code: never leak a URL to another site.
                // `same-origin` rather than `no-referrer`: under `no-referrer` browsers send
                // `Origin: null` even on this site's own posts, and the staff pages' CSRF
                // check needs the real origin.
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                )),
        )
}

fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The span of one request: method and route pattern only. Never the concrete path (it may
/// hold a resume code), the query, headers or the client's address.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route)
}

/// The routes that take an uploaded file, matched as routed: they get
/// [`HttpSettings::upload_limit_bytes`], every other route the ordinary limit.
pub const UPLOAD_ROUTES: &[&str] = &["/staff/surveys/{slug}/invitations"];

/// The upload limit, in bytes, handed to the upload routes so they can name it.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// Caps the request body at the route's limit. Ordinary routes answer 413 as soon as the
/// declared length is over, and a body without one fails when read past the limit (axum's
/// extractors answer 413). The upload routes get the larger limit, and only through their
/// reader, so they can answer with a page that names the limit.
async fn limit_body(settings: HttpSettings, mut request: Request, next: Next) -> Response<Body> {
    let upload = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| UPLOAD_ROUTES.contains(&p.as_str()));
    let limit = if upload {
        // Only through the extractor: its own error then says the limit was hit (a
        // second cap around the body would turn that into a plain read error).
        request
            .extensions_mut()
            .insert(UploadLimit(settings.upload_limit_bytes));
        settings.upload_limit_bytes
    } else {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > settings.body_limit_bytes as u64) {
            let mut response = Response::new(Body::from("length limit exceeded"));
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
        let limit = settings.body_limit_bytes;
        request = request.map(|body| Body::new(Limited::new(body, limit)));
        limit
    };
    match DefaultBodyLimit::max(limit)
        .layer(next)
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// A year of HTTPS only, for this host (a society's other hosts are theirs to decide).
const HSTS: &str = "max-age=31536000";

/// Long cache lifetimes for the hashed bundle, a day for other static files, and
/// `no-store` for everything else: pages and answers of the application hold a
/// respondent's answers, staff data or figures, which no browser or proxy may keep (a
/// shared hospital PC, a caching proxy). A handler's own `Cache-Control` stands.
async fn cache_control(hash_files: bool, request: Request, next: Next) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let found = response.status() == StatusCode::OK;
    let policy = if found && path.starts_with("/pkg/") {
        if hash_files {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }
    } else if found && is_static_asset(&path) {
        "public, max-age=86400"
    } else {
        "no-store"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

fn is_static_asset(path: &str) -> bool {
    [
        ".svg",
        ".ico",
        ".png",
        ".webp",
        ".txt",
        ".webmanifest",
        ".woff2",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}

/// A panic anywhere below becomes the bilingual 500 page, never a dropped connection.
fn server_error(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    let mut response = Response::new(Body::from(canvass_app::error_page::server_error_html()));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
