use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{Load, load_welcome, paths};
use crate::components::SectionForm;
use crate::components::question_field::tr;
use crate::i18n::{t, use_i18n};
use crate::messages::lang_of;

/// `/s/{slug}`: the study's welcome and consent. Nothing is created by opening it (link
/// previews in messaging apps open it too); the response begins when the consent is posted.
#[component]
pub fn WelcomePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_welcome,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Load::Ready(welcome)) => {
                        let title = tr(&welcome.page.survey.title);
                        let forget = paths::forget(&welcome.slug);
                        let resume = welcome.resume.map(|code| {
                            view! {
                                <div class="notice" role="status">
                                    <h2>{t!(i18n, survey_continue_title)}</h2>
                                    <p>
                                        <a href=paths::resume(&code) rel="external">
                                            {t!(i18n, survey_continue_link)}
                                        </a>
                                    </p>
                                    <p>{t!(i18n, survey_continue_or_new)}</p>
                                    <form method="post" action=forget>
                                        <button type="submit" class="secondary">
                                            {t!(i18n, survey_not_me)}
                                        </button>
                                    </form>
                                </div>
                            }
                        });
                        view! {
                            <Title text=title() />
                            <p class="survey-title">{title}</p>
                            {resume}
                            <SectionForm
                                page=welcome.page
                                action=paths::welcome(&welcome.slug)
                                back=None
                                first=true
                                lang=lang_of(use_i18n().get_locale_untracked())
                            />
                        }
                            .into_any()
                    }
                    other => super::elsewhere(other),
                }
            })}
        </Suspense>
    }
}
