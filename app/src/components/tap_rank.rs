use canvass_core::survey::Choice;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::question_field::tr;
use crate::i18n::{t, t_string, use_i18n};

/// Ranking by tapping, once WASM runs: tap the choices in order of importance, tap a ranked
/// one again to take it out (the ones after it move up). It drives the question's rank
/// selects (`q.1`, `q.2`, …), which stay the form's fields and are what works without
/// JavaScript; so the page posts the same thing either way.
#[component]
pub fn TapRank(
    /// The question's ID (the selects are `{id}-rank-{n}`).
    id: String,
    choices: Vec<Choice>,
    top: u32,
    /// The choice at each rank when the page opened ("" for none).
    initial: Vec<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let ranks = RwSignal::new(initial);
    let top = top as usize;
    let tap = {
        let id = id.clone();
        move |code: String| {
            ranks.update(|ranks| {
                if let Some(at) = ranks.iter().position(|c| *c == code) {
                    ranks.remove(at);
                    ranks.push(String::new());
                } else if let Some(free) = ranks.iter().position(String::is_empty) {
                    ranks[free] = code;
                }
                ranks.truncate(top);
            });
            write_selects(&id, &ranks.get_untracked());
        }
    };
    view! {
        <div class="tap-rank">
            <p class="hint">{t!(i18n, survey_rank_tap_hint)}</p>
            <ul>
                {choices
                    .into_iter()
                    .map(|choice| {
                        let code = choice.code.to_string();
                        let rank = {
                            let code = code.clone();
                            Memo::new(move |_| {
                                ranks.read().iter().position(|c| *c == code).map(|at| at + 1)
                            })
                        };
                        let tap = tap.clone();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="tap-choice"
                                    aria-pressed=move || if rank.get().is_some() { "true" } else { "false" }
                                    on:click=move |_| tap(code.clone())
                                >
                                    <span class="rank-badge" aria-hidden="true">
                                        {move || rank.get().map(|r| r.to_string()).unwrap_or_default()}
                                    </span>
                                    <span>{tr(&choice.label)}</span>
                                    <span class="visually-hidden">
                                        {move || {
                                            rank
                                                .get()
                                                .map(|rank| format!(" ({})", t_string!(i18n, survey_rank, rank = rank)))
                                                .unwrap_or_default()
                                        }}
                                    </span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// Puts the ranks into the question's selects and tells the form (a bubbling `change`), so
/// validation and branching follow as if the selects had been used.
fn write_selects(id: &str, ranks: &[String]) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    for (at, code) in ranks.iter().enumerate() {
        let select = document
            .get_element_by_id(&format!("{id}-rank-{}", at + 1))
            .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok());
        if let Some(select) = select {
            select.set_value(code);
        }
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let first = document.get_element_by_id(&format!("{id}-rank-1"));
    if let (Some(first), Ok(event)) = (
        first,
        web_sys::Event::new_with_event_init_dict("change", &init),
    ) {
        let _ = first.dispatch_event(&event);
    }
}
