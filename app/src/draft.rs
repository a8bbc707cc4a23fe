//! Answers typed on a page but not yet sent, kept in the tab (`sessionStorage`) until the
//! page is saved: a reload, a language switch (a new page since only the form hydrates), or
//! a messaging app's browser dropping the page in the background loses nothing typed.
//! Compiled on both sides (plain `web-sys` bindings), called only in the browser.

use canvass_core::answers::RawAnswers;
use wasm_bindgen::JsCast;
use web_sys::{HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Storage};

fn storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Where the draft of one page of one response is kept.
pub fn key(code: &str, section: &str) -> String {
    format!("canvass-draft:{code}:{section}")
}

/// Keeps the page's fields as the browser would post them.
pub fn keep(key: &str, body: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, body);
    }
}

/// Forgets the draft once the page is saved.
pub fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// The draft kept for this page, if any.
pub fn kept(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Puts `fields` into the form's controls: the draft wins over what the page was rendered
/// with, and a control the draft has no value for is emptied (it was empty when kept).
pub fn fill(form: &HtmlFormElement, fields: &RawAnswers) {
    let elements = form.elements();
    for index in 0..elements.length() {
        let Some(element) = elements.item(index) else {
            continue;
        };
        let Some(name) = element.get_attribute("name") else {
            continue;
        };
        let values = fields.get(&name).map(Vec::as_slice).unwrap_or_default();
        let first = values.first().map_or("", String::as_str);
        if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            match input.type_().as_str() {
                "radio" | "checkbox" => {
                    input.set_checked(values.iter().any(|v| *v == input.value()));
                }
                "submit" | "button" | "hidden" => {}
                _ => input.set_value(first),
            }
        } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
            select.set_value(first);
        } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(first);
        }
    }
}
