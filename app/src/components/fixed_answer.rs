use canvass_core::survey::{Question, QuestionKind};
use leptos::prelude::*;

use crate::components::question_field::tr;
use crate::i18n::{t, use_i18n};

/// A question whose answer the respondent's link or invitation fixed: shown with its
/// answer, not asked. The hidden field carries the answer so the page posts and validates
/// as any other; the server puts the fixed answer in place whatever is posted.
#[component]
pub fn FixedAnswer(question: Question, code: String) -> impl IntoView {
    let i18n = use_i18n();
    let answer = match &question.kind {
        QuestionKind::SingleChoice { choices, .. } => choices
            .iter()
            .find(|c| c.code.as_str() == code)
            .map(|c| tr(&c.label)),
        _ => None,
    };
    let shown = code.clone();
    view! {
        <div class="question fixed-answer" id=format!("q-{}", question.id)>
            <p class="question-label">{tr(&question.label)}</p>
            <p>
                <strong>{move || answer.as_ref().map_or_else(|| shown.clone(), |a| a())}</strong>
                " "
                <span class="hint">{t!(i18n, survey_fixed_by_link)}</span>
            </p>
            <input type="hidden" name=question.id.to_string() value=code />
        </div>
    }
}
