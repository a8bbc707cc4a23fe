use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{t, t_string, use_i18n};
use crate::staff::paths;

/// A staff page the signed-in role may not open (the status, 403, is set by the loader).
#[component]
pub fn StaffForbiddenPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, staff_forbidden_title) />
        <section class="message" aria-labelledby="forbidden-title">
            <h1 id="forbidden-title">{t!(i18n, staff_forbidden_title)}</h1>
            <p>{t!(i18n, staff_forbidden_body)}</p>
            <p><a href=paths::HOME>{t!(i18n, staff_home_title)}</a></p>
        </section>
    }
}
