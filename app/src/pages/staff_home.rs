use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::StaffNav;
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::load_me;

/// `/staff`: where a staff member lands after signing in.
#[component]
pub fn StaffHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new(|| (), |_| load_me());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(me.await, |me| {
                    view! {
                        <Title text=t_string!(i18n, staff_home_title) />
                        <h1>{t!(i18n, staff_home_title)}</h1>
                        <StaffNav me=me />
                        <p>{t!(i18n, staff_home_more)}</p>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
