use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{Ending, Load, load_end};
use crate::components::question_field::tr;
use crate::i18n::{t, t_string, use_i18n};

/// `/r/{code}/end`: thanks after the submit, or a polite end after a refusal or a
/// screen-out.
#[component]
pub fn EndPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("code").unwrap_or_default()),
        load_end,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Load::Ready(ended)) => {
                        let (title, body) = match ended.ending {
                            Ending::Completed => (
                                t_string!(i18n, end_completed_title),
                                t!(i18n, end_completed_body).into_any(),
                            ),
                            Ending::Refused => (
                                t_string!(i18n, end_refused_title),
                                t!(i18n, end_refused_body).into_any(),
                            ),
                            Ending::ScreenedOut => (
                                t_string!(i18n, end_screened_title),
                                t!(i18n, end_screened_body).into_any(),
                            ),
                            Ending::QuotaFull => (
                                t_string!(i18n, end_quota_title),
                                t!(i18n, end_quota_body).into_any(),
                            ),
                        };
                        view! {
                            <Title text=title />
                            <section class="message" aria-labelledby="end-title">
                                <p class="survey-title">{tr(&ended.title)}</p>
                                <h1 id="end-title">{title}</h1>
                                <p>{body}</p>
                            </section>
                        }
                            .into_any()
                    }
                    other => super::elsewhere(other),
                }
            })}
        </Suspense>
    }
}
