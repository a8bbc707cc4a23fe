use leptos::prelude::*;

use crate::components::LangSwitch;
use crate::i18n::{t, use_i18n};

/// The site header: the brand (a link home) and the language switch.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-name">{t!(i18n, brand)}</span>
                <span class="brand-tagline">{t!(i18n, brand_tagline)}</span>
            </a>
            <LangSwitch />
        </header>
    }
}
