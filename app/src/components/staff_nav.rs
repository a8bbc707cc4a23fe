use leptos::prelude::*;

use crate::i18n::{t, t_string, use_i18n};
use crate::messages::staff_role;
use crate::staff::{SignedIn, access, paths};

/// Who is signed in, the staff pages their role may open, and the sign-out button (a form
/// post: signing out changes state).
#[component]
pub fn StaffNav(me: SignedIn) -> impl IntoView {
    let i18n = use_i18n();
    let admin = me.may(access::ADMIN).then(|| {
        view! {
            <li><a href=paths::USERS>{t!(i18n, staff_nav_users)}</a></li>
            <li>
                <a href=paths::links(paths::DEFAULT_SURVEY)>{t!(i18n, staff_nav_links)}</a>
            </li>
            <li><a href=paths::TOKENS>{t!(i18n, staff_nav_tokens)}</a></li>
            <li><a href=paths::AUDIT>{t!(i18n, staff_nav_audit)}</a></li>
        }
    });
    let analysis = me.may(access::ANALYSIS).then(|| {
        view! {
            <li>
                <a href=paths::exports(paths::DEFAULT_SURVEY)>{t!(i18n, staff_nav_exports)}</a>
            </li>
        }
    });
    let role = me.role;
    let name = me.name.clone();
    view! {
        <nav class="staff-nav" aria-label=move || t_string!(i18n, staff_nav_label)>
            <p>
                {move || {
                    t_string!(i18n, staff_signed_in_as, name = name.clone(), role = staff_role(i18n, role))
                }}
            </p>
            <ul>
                <li><a href=paths::HOME>{t!(i18n, staff_home_title)}</a></li>
                <li>
                    <a href=paths::monitor(paths::DEFAULT_SURVEY)>{t!(i18n, staff_nav_monitor)}</a>
                </li>
                <li>
                    <a href=paths::analysis(paths::DEFAULT_SURVEY)>{t!(i18n, staff_nav_analysis)}</a>
                </li>
                {analysis}
                {admin}
                <li><a href=paths::PASSWORD>{t!(i18n, staff_nav_password)}</a></li>
            </ul>
            <form method="post" action=paths::SIGN_OUT>
                <button type="submit" class="secondary">{t!(i18n, staff_sign_out)}</button>
            </form>
        </nav>
    }
}
