//! The browser's side of posting a page: read the form as the server would, and send it
//! with `fetch`. Compiled on both sides (plain `web-sys` bindings), called only from event
//! handlers, which run only in the browser.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlFormElement, Request, RequestInit, Response, UrlSearchParams};

/// How long a save may take on a slow hospital network before the page offers a retry.
const SAVE_TIMEOUT_MS: u32 = 30_000;

/// The form's fields, urlencoded exactly as the browser would post them.
pub fn form_body(form: &HtmlFormElement) -> Option<String> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let params = UrlSearchParams::new_with_str_sequence_sequence(&JsValue::from(data)).ok()?;
    Some(params.to_string().into())
}

/// Posts a urlencoded body asking for JSON; `Err` when no reply arrived (offline, timed out).
pub async fn post_form(url: &str, body: String) -> Result<(u16, String), JsValue> {
    fetch_json(url, "POST", Some(body)).await
}

/// Gets `url` asking for JSON (with the page's cookies); `Err` when no reply arrived.
pub async fn get_json(url: &str) -> Result<(u16, String), JsValue> {
    fetch_json(url, "GET", None).await
}

/// Sends `method` to `url` asking for JSON, with a urlencoded `form` if any, timing out
/// after [`SAVE_TIMEOUT_MS`]: the reply's status and text.
async fn fetch_json(
    url: &str,
    method: &str,
    form: Option<String>,
) -> Result<(u16, String), JsValue> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(
        SAVE_TIMEOUT_MS,
    )));
    let headers = web_sys::Headers::new()?;
    if let Some(form) = form {
        init.set_body(&JsValue::from_str(&form));
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
    }
    headers.set("Accept", "application/json")?;
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}
