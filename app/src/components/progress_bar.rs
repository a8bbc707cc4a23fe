use leptos::prelude::*;

use crate::i18n::{t_string, use_i18n};

/// "Part 3 of 9": where the respondent is among the sections shown to them. The total
/// follows the branching, so it can change as answers change.
#[component]
pub fn ProgressBar(
    /// (current, total), 1-based.
    #[prop(into)]
    progress: Signal<(usize, usize)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let current = move || progress.get().0;
    let total = move || progress.get().1;
    view! {
        <div class="progress">
            <p id="progress-label">
                {move || t_string!(i18n, survey_progress, current = current(), total = total())}
            </p>
            <progress
                aria-labelledby="progress-label"
                max=move || total().to_string()
                value=move || current().to_string()
            ></progress>
        </div>
    }
}
