use http::{HeaderValue, StatusCode, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::content_security_policy;

/// Sets the HTTP status of the page being rendered.
pub fn set_status(code: u16) {
    if let (Some(response), Ok(status)) =
        (use_context::<ResponseOptions>(), StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
}

/// Sends the page's Content-Security-Policy, carrying this request's script nonce.
///
/// Called by the server in the context of every Leptos render, right after leptos_axum
/// provides the nonce and the response options and before the app runs, so no page can
/// render without it.
pub fn send_content_security_policy() {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.to_string());
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
