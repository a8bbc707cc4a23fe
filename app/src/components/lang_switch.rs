use leptos::prelude::*;
use leptos_router::hooks::use_location;

use leptos_i18n::{I18nContext, Locale as _};

use crate::i18n::{Locale, t_string, td_string, use_i18n};

/// One year, in milliseconds (the unit of leptos-use's cookie `max_age`).
const ONE_YEAR_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// How the browser side writes the language cookie: the same name, path and lifetime as the
/// server's `/lang/{code}` route, so both paths remember the choice identically.
pub fn lang_cookie_options() -> leptos_i18n::context::CookieOptions<Locale> {
    leptos_i18n::context::CookieOptions::default()
        .path("/")
        .max_age(ONE_YEAR_MS)
        .same_site(leptos_use::SameSite::Lax)
}

/// Links to every language. Without WASM each is a plain link to `/lang/{code}`, which sets
/// the cookie and redirects back; once hydrated, a click switches in place without a reload
/// (nothing typed on the page is lost) and writes the same cookie.
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

/// Writes the language cookie in the browser, exactly as the server's `/lang/{code}` does.
fn remember(locale: Locale) {
    use wasm_bindgen::JsCast;
    if let Ok(document) = document().dyn_into::<web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&crate::messages::lang_of(locale).cookie());
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
            on:click=move |ev| {
                ev.prevent_default();
                i18n.set_locale(locale);
                remember(locale);
            }
        >
            {label}
        </a>
    }
}
