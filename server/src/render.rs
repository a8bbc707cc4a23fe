//! Rendering a Leptos page outside the router: a form post that failed is answered with
//! the page it came from, rendered again with what was posted and why it was refused.

use axum::body::Body;
use axum::http::{Extensions, HeaderMap, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

use crate::AppState;

/// The page at `uri` as a GET would render it, with `status`, the request's headers (its
/// language cookie), `extensions` (who is signed in) and whatever `provide` puts in context.
pub async fn page(
    state: &AppState,
    uri: Uri,
    mut headers: HeaderMap,
    extensions: Extensions,
    status: StatusCode,
    provide: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(context_state.clone());
            provide_context(context_state.backend());
            provide_context(context_state.public_origin());
            provide();
            canvass_app::security::send_content_security_policy();
        },
        move || canvass_app::shell(options.clone()),
    );
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::CONTENT_TYPE);
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    *request.extensions_mut() = extensions;
    let mut response = render(request).await.into_response();
    *response.status_mut() = status;
    response
}
