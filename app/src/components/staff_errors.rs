use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::messages::staff_error;
use crate::staff::StaffPosted;

/// The summary above a refused staff form: each error, linked to its field, announced.
#[component]
pub fn StaffErrors(#[prop(into)] form: String) -> impl IntoView {
    let i18n = use_i18n();
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    if posted.form != form || posted.errors.is_empty() {
        return None;
    }
    let items = posted
        .errors
        .into_iter()
        .map(|(field, error)| {
            let href = format!("#{form}-{field}");
            view! {
                <li>
                    <a href=href>{move || staff_error(i18n, error)}</a>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2>{t!(i18n, staff_errors_title)}</h2>
            <ul>{items}</ul>
        </div>
    })
}
