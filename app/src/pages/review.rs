use canvass_core::answers::{Outcome, validate};
use canvass_core::survey::QuestionKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{Load, Review, load_review, paths};
use crate::components::SubmitForm;
use crate::components::question_field::tr;
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::lang_of;

/// `/r/{code}/review`: every answer shown to this respondent, each section with a link to
/// change it, then the final submit.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("code").unwrap_or_default()),
        load_review,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Load::Ready(review)) => view! { <Answers review=review /> }.into_any(),
                    other => super::elsewhere(other),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Answers(review: Review) -> impl IntoView {
    let i18n = use_i18n();
    let Review {
        code,
        survey,
        fields,
    } = review;
    let validation = validate(&survey, &fields);
    let sections = validation
        .relevant_sections
        .iter()
        .filter_map(|id| survey.section(id.as_str()))
        .map(|section| {
            let rows = section
                .questions
                .iter()
                .filter(|q| !matches!(q.kind, QuestionKind::Note))
                .filter_map(|question| {
                    let answer = match validation.outcome(question.id.as_str())? {
                        Outcome::Answered { answer } => Some(answer.clone()),
                        Outcome::NoAnswer => None,
                        Outcome::NotAsked | Outcome::Invalid { .. } => return None,
                    };
                    let q = question.clone();
                    let words = move || match &answer {
                        Some(answer) => answer.describe(&q, lang_of(i18n.get_locale())),
                        None => t_string!(i18n, review_no_answer).to_string(),
                    };
                    Some(view! {
                        <dt>{tr(&question.label)}</dt>
                        <dd>{words}</dd>
                    })
                })
                .collect_view();
            let title = tr(&section.title);
            let change_label = {
                let title = title.clone();
                move || t_string!(i18n, review_change_section, section = title())
            };
            view! {
                <section class="review-section">
                    <h2>{title}</h2>
                    <dl>{rows}</dl>
                    <p>
                        <a href=paths::section(&code, section.id.as_str()) aria-label=change_label>
                            {t!(i18n, review_change)}
                        </a>
                    </p>
                </section>
            }
        })
        .collect_view();

    let action = paths::review(&code);
    let lang = lang_of(i18n.get_locale_untracked());
    view! {
        <Title text=t_string!(i18n, review_title) />
        <p class="survey-title">{tr(&survey.title)}</p>
        <h1>{t!(i18n, review_title)}</h1>
        <p>{t!(i18n, review_lead)}</p>
        {sections}
        <SubmitForm action=action lang=lang />
    }
}
