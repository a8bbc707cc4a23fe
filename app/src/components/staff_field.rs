use leptos::prelude::*;

use crate::i18n::use_i18n;
use crate::messages::staff_error;
use crate::staff::StaffPosted;

/// One labelled input of a staff form, with its error when a post of `form` was refused.
/// What was typed comes back, except into a password field.
#[component]
pub fn StaffField(
    /// The form's name, as in [`StaffPosted::form`].
    form: &'static str,
    name: &'static str,
    label: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<String>,
    #[prop(optional)] value: Option<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let id = format!("{form}-{name}");
    let error = posted.error(form, name);
    let value = if kind == "password" {
        None
    } else {
        posted.value(form, name).or(value)
    };
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = error.map(|_| format!("{id}-error"));
    let described = [hint_id.clone(), error_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <div class="field" class:has-error=error.is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {error
                .map(|error| {
                    view! {
                        <p class="field-error" id=error_id.clone()>
                            {move || staff_error(i18n, error)}
                        </p>
                    }
                })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=error.map(|_| "true")
                aria-describedby=(!described.is_empty()).then_some(described)
            />
        </div>
    }
}
