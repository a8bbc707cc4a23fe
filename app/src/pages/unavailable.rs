use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{t, t_string, use_i18n};

/// A page whose data could not be loaded (the database is unavailable): status 503, and
/// the reassurance that saved answers are safe.
#[component]
pub fn UnavailablePage() -> impl IntoView {
    crate::security::set_status(503);
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, server_error_title) />
        <section class="message" aria-labelledby="unavailable-title">
            <h1 id="unavailable-title">{t!(i18n, server_error_title)}</h1>
            <p>{t!(i18n, server_error_body)}</p>
        </section>
    }
}
