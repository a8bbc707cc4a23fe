use leptos::prelude::*;

use crate::i18n::{t, use_i18n};

/// The site footer.
#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <p>{t!(i18n, footer_text)}</p>
            <p><a href=crate::staff::paths::HOME>{t!(i18n, staff_link)}</a></p>
        </footer>
    }
}
