use canvass_core::answers::validate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{Load, load_section, paths};
use crate::components::SectionForm;
use crate::components::question_field::tr;
use crate::i18n::use_i18n;
use crate::messages::lang_of;

/// `/r/{code}/{section}`: one section of a response, pre-filled with what is saved.
#[component]
pub fn SectionPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || {
            params.with(|p| {
                (
                    p.get("code").unwrap_or_default(),
                    p.get("section").unwrap_or_default(),
                )
            })
        },
        |(code, section)| load_section(code, section),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Load::Ready(data)) => {
                        let back = validate(&data.survey, &data.fields)
                            .previous_section(&data.section)
                            .map(|s| paths::section(&data.code, s.as_str()));
                        let action = paths::section(&data.code, data.section.as_str());
                        let title = data
                            .survey
                            .section(data.section.as_str())
                            .map(|s| tr(&s.title));
                        let survey_title = tr(&data.survey.title);
                        let lang = lang_of(use_i18n().get_locale_untracked());
                        view! {
                            <Title text=title.as_ref().map(|t| t()).unwrap_or_default() />
                            <p class="survey-title">{survey_title}</p>
                            <SectionForm page=data action=action back=back first=false lang=lang />
                        }
                            .into_any()
                    }
                    other => super::elsewhere(other),
                }
            })}
        </Suspense>
    }
}
