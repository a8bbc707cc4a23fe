use leptos::prelude::*;
use leptos_router::hooks::use_location;

use leptos_i18n::{I18nContext, Locale as _};

use crate::i18n::{Locale, t_string, td_string, use_i18n};

/// One year, in milliseconds (the unit of leptos-use's cookie `max_age`).
const ONE_YEAR_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The language cookie as leptos_i18n handles it on the server (its cookie feature is off in
/// the browser build): the same name, path and lifetime as [`canvass_core::Lang::cookie`].
pub fn lang_cookie_options() -> leptos_i18n::context::CookieOptions<Locale> {
    leptos_i18n::context::CookieOptions::default()
        .path("/")
        .max_age(ONE_YEAR_MS)
        .same_site(leptos_use::SameSite::Lax)
}

/// Links to every language: each goes to `/lang/{code}`, which sets the cookie and
/// redirects back, so the page comes again in that language (the survey form keeps what
/// was typed but not sent: see `draft.rs`).
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="lang-switch" aria-label=move || t_string!(i18n, lang_nav_label)>
            <ul>
                {Locale::get_all()
                    .iter()
                    .map(|&locale| view! { <li>{lang_link(i18n, locale)}</li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}

fn lang_link(i18n: I18nContext<Locale>, locale: Locale) -> impl IntoView {
    let location = use_location();
    let code = locale.as_str();
    let href = move || format!("/lang/{code}?next={}", location.pathname.get());
    // Each language is named in itself, whatever the current language.
    let label = match locale {
        Locale::zh => td_string!(locale, lang_zh),
        Locale::en => td_string!(locale, lang_en),
    };
    view! {
        <a
            href=href
            rel="external"
            hreflang=code
            lang=code
            aria-current=move || (i18n.get_locale() == locale).then_some("true")
        >
            {label}
        </a>
    }
}
