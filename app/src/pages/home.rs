use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{t, t_string, use_i18n};

/// `/`: what Canvass is, for each of its three audiences.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, brand_tagline) />
        <section class="hero" aria-labelledby="home-title">
            <h1 id="home-title">{t!(i18n, home_title)}</h1>
            <p class="lead">{t!(i18n, home_lead)}</p>
        </section>
        <ul class="audiences">
            <li>
                <h2>{t!(i18n, home_respondents_title)}</h2>
                <p>{t!(i18n, home_respondents_body)}</p>
            </li>
            <li>
                <h2>{t!(i18n, home_staff_title)}</h2>
                <p>{t!(i18n, home_staff_body)}</p>
            </li>
            <li>
                <h2>{t!(i18n, home_analysts_title)}</h2>
                <p>{t!(i18n, home_analysts_body)}</p>
            </li>
        </ul>
    }
}
