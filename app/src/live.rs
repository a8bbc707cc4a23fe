//! The browser's side of a live dashboard: listen to the server's events and, on each,
//! fetch the page again and swap in its figures. Compiled on both sides (plain `web-sys`
//! bindings), started only from an effect, which runs only in the browser.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomParser, EventSource, Response, SupportedType};

/// Where the dashboard stands, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Live,
    Reconnecting,
}

/// The id of the element whose content is swapped.
pub const FIGURES_ID: &str = "figures";

/// Opens the event stream at `events` and refreshes the figures from `page` whenever it
/// says something changed (and after a reconnection, to catch up). The stream and its
/// handlers live as long as the page.
pub fn follow(events: &str, page: String, status: impl Fn(Status) + Clone + 'static) -> Option<()> {
    let source = EventSource::new(events).ok()?;
    let refresh = {
        let page = page.clone();
        move || {
            let page = page.clone();
            leptos::task::spawn_local(async move {
                let _ = refresh_figures(&page).await;
            });
        }
    };
    let on_ready = {
        let status = status.clone();
        let refresh = refresh.clone();
        let mut first = true;
        Closure::<dyn FnMut()>::new(move || {
            status(Status::Live);
            // A reconnection: what changed meanwhile was not announced to this page.
            if !first {
                refresh();
            }
            first = false;
        })
    };
    let on_changed = Closure::<dyn FnMut()>::new(refresh);
    let on_error = Closure::<dyn FnMut()>::new(move || status(Status::Reconnecting));
    source
        .add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref())
        .ok()?;
    source
        .add_event_listener_with_callback("changed", on_changed.as_ref().unchecked_ref())
        .ok()?;
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_ready.forget();
    on_changed.forget();
    on_error.forget();
    std::mem::forget(source);
    Some(())
}

/// Fetches `page` and replaces this page's figures with its figures.
async fn refresh_figures(page: &str) -> Option<()> {
    let window = web_sys::window()?;
    let response: Response = JsFuture::from(window.fetch_with_str(page))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let html = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    let parsed = DomParser::new()
        .ok()?
        .parse_from_string(&html, SupportedType::TextHtml)
        .ok()?;
    let fresh = parsed.get_element_by_id(FIGURES_ID)?;
    let shown = window.document()?.get_element_by_id(FIGURES_ID)?;
    shown.set_inner_html(&fresh.inner_html());
    Some(())
}
