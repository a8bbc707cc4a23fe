use canvass_core::Lang;
use leptos::either::Either;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{Problem, SaveReply};
use crate::i18n::{t, t_string};
use crate::messages;

/// The review page's final submit (an island). Without WASM it is a plain form post; with
/// it, the submit goes by `fetch`, so a lost connection keeps the page and offers a retry
/// in place instead of the browser's error page.
#[island]
pub fn SubmitForm(
    /// Where the form posts (`/r/{code}/review`).
    action: String,
    /// The language the page is in.
    lang: Lang,
) -> impl IntoView {
    let i18n = messages::provide_island_i18n(lang);
    // `Some(None)`: no reply at all; `Some(Some(problem))`: the server refused.
    let failure = RwSignal::new(None::<Option<Problem>>);
    let busy = RwSignal::new(false);
    let on_submit = {
        let action = action.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let action = action.clone();
            leptos::task::spawn_local(async move {
                let reply = crate::fetch::post_form(&action, String::new()).await;
                busy.set(false);
                match reply {
                    Ok((status, text)) => match serde_json::from_str::<SaveReply>(&text) {
                        Ok(SaveReply::Saved { next }) => {
                            let _ = window().location().assign(&next);
                        }
                        Ok(SaveReply::Refused { problem }) => failure.set(Some(Some(problem))),
                        _ => failure.set(Some(Some(Problem::from_status(status)))),
                    },
                    Err(_) => failure.set(Some(None)),
                }
            });
        }
    };
    let notice = move || {
        failure.get().map(|problem| match problem {
            None => Either::Left(view! {
                <div class="notice notice-error" role="alert">
                    <p>{t!(i18n, survey_offline)}</p>
                </div>
            }),
            Some(problem) => Either::Right(view! {
                <div class="notice notice-error" role="alert">
                    <p>{move || messages::problem(i18n.get_locale(), problem)}</p>
                </div>
            }),
        })
    };
    view! {
        <form method="post" action=action on:submit=on_submit>
            {notice}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || {
                        if failure.get().is_some() {
                            t_string!(i18n, survey_retry)
                        } else {
                            t_string!(i18n, review_submit)
                        }
                    }}
                </button>
            </div>
        </form>
    }
}
