//! The browser's entry point, called by the script that `HydrationScripts` emits.
//!
//! Only islands hydrate (the survey form, the final submit, the dashboard's live refresh);
//! everything else stays the server's HTML.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Set once WASM runs: tests and styles can tell a live page from an inert one.
    if let Some(page) = leptos::prelude::document()
        .query_selector(".page")
        .ok()
        .flatten()
    {
        let _ = page.set_attribute("data-hydrated", "true");
    }
}
