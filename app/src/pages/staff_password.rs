use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::{load_me, paths};

/// `/staff/password`: any staff member changes their own password (the current one first).
#[component]
pub fn StaffPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new(|| (), |_| load_me());
    let done = use_query_map().with_untracked(|q| q.get("done").is_some());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(me.await, |me| {
                    view! {
                        <Title text=t_string!(i18n, staff_password_title) />
                        <h1>{t!(i18n, staff_password_title)}</h1>
                        <StaffNav me=me />
                        {done.then(|| view! {
                            <p class="notice" role="status">{t!(i18n, staff_password_done)}</p>
                        })}
                        <StaffErrors form="password" />
                        <form method="post" action=paths::PASSWORD class="staff-form">
                            <StaffField
                                form="password"
                                name="current"
                                label=t_string!(i18n, staff_password_current).to_string()
                                kind="password"
                                autocomplete="current-password"
                                required=true
                            />
                            <StaffField
                                form="password"
                                name="new"
                                label=t_string!(i18n, staff_password_new).to_string()
                                kind="password"
                                autocomplete="new-password"
                                hint=t_string!(i18n, staff_password_hint).to_string()
                                required=true
                            />
                            <StaffField
                                form="password"
                                name="confirm"
                                label=t_string!(i18n, staff_password_confirm).to_string()
                                kind="password"
                                autocomplete="new-password"
                                required=true
                            />
                            <button type="submit">{t!(i18n, staff_password_save)}</button>
                        </form>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
