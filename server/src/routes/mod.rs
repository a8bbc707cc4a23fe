//! Routes outside Leptos. Leptos pages and server functions are mounted in `crate::router`.

pub mod analysis;
pub mod exports;
pub mod health;
pub mod lang;
pub mod links;
pub mod openapi;
pub mod respond;
pub mod staff;
pub mod stats;

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Adds a first-party cookie for the respondent's path: HttpOnly, SameSite=Lax, for the
/// whole site, kept `max_age` seconds, and Secure when the site is served over HTTPS.
pub(crate) fn set_cookie(
    response: &mut Response,
    name: &str,
    value: &str,
    max_age: u32,
    secure: bool,
) {
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
