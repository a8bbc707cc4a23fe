use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{StaffErrors, StaffField};
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::paths;

/// `/staff/sign-in`: e-mail and password, posted to the same address. A refused post
/// comes back here with one generic message (unknown e-mail and wrong password alike).
#[component]
pub fn StaffSignInPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, staff_sign_in_title) />
        <h1>{t!(i18n, staff_sign_in_title)}</h1>
        <p>{t!(i18n, staff_sign_in_lead)}</p>
        <StaffErrors form="sign_in" />
        <form method="post" action=paths::SIGN_IN class="staff-form">
            <StaffField
                form="sign_in"
                name="email"
                label=t_string!(i18n, staff_email).to_string()
                kind="email"
                autocomplete="username"
                required=true
            />
            <StaffField
                form="sign_in"
                name="password"
                label=t_string!(i18n, staff_password).to_string()
                kind="password"
                autocomplete="current-password"
                required=true
            />
            <button type="submit">{t!(i18n, staff_sign_in)}</button>
        </form>
    }
}
