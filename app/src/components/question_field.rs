use canvass_core::answers::MAX_OTHER_LEN;
use canvass_core::answers::RawAnswers;
use canvass_core::survey::{
    Choice, ChoiceDisplay, MatrixAnswer, Question, QuestionKind, Scale, Text,
};
use leptos::either::{Either, EitherOf7};
use leptos::prelude::*;

use crate::components::TapRank;
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::lang_of;

/// A survey text in the current language, as a reactive view or attribute.
pub fn tr(text: &Text) -> impl Fn() -> String + Clone + Send + Sync + 'static + use<> {
    let text = text.clone();
    let i18n = use_i18n();
    move || text.get(lang_of(i18n.get_locale())).to_owned()
}

/// One question of a page, by its type: labelled inputs (a fieldset with a legend for
/// every group of choices), its hint and its error, tied together for assistive technology.
///
/// Inputs are plain form controls named as `canvass-core` reads them (`q`, `q.other`,
/// `q.row`, `q.1`…), pre-filled from `initial`; the form posts them as they are, with or
/// without WASM.
#[component]
pub fn QuestionField(
    question: Question,
    /// Every field the page starts with (stored answers, or a failed post).
    initial: RawAnswers,
    /// Whether the question applies to this respondent (its condition), live.
    #[prop(into)]
    shown: Signal<bool>,
    /// The error to show under it, if any, live.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = question.id.to_string();
    let anchor = format!("q-{id}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = match &question.hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    let invalid = move || error.get().map(|_| "true");
    let hint = question
        .hint
        .as_ref()
        .map(|h| view! { <p class="hint" id=hint_id.clone()>{tr(h)}</p> });
    let error_view = view! {
        <p class="field-error" id=error_id hidden=move || error.get().is_none()>
            {move || error.get().unwrap_or_default()}
        </p>
    };
    let label = tr(&question.label);
    let required = question.required.then(|| {
        let i18n = use_i18n();
        view! { <span class="required">{t!(i18n, survey_required)}</span> }
    });
    let values = Values(initial);

    match &question.kind {
        QuestionKind::Note => EitherOf7::A(view! {
            <div class="question note" id=anchor hidden=move || !shown.get()>
                <p class="note-text">{label}</p>
                {hint}
            </div>
        }),
        QuestionKind::SingleChoice {
            choices,
            display: ChoiceDisplay::Select,
        } => {
            let input_id = format!("{id}-input");
            EitherOf7::B(view! {
                <div class="question" id=anchor hidden=move || !shown.get()>
                    <label class="question-label" for=input_id.clone()>
                        {label}
                        {required}
                    </label>
                    {hint}
                    {error_view}
                    <select
                        id=input_id
                        name=id.clone()
                        disabled=move || !shown.get()
                        aria-describedby=described
                        aria-invalid=invalid
                    >
                        {placeholder()}
                        {options(choices, &values, &id)}
                    </select>
                    {other_input(&id, choices, &values, shown)}
                </div>
            })
        }
        QuestionKind::SingleChoice { choices, .. }
        | QuestionKind::MultipleChoice { choices, .. } => {
            let kind = if matches!(question.kind, QuestionKind::SingleChoice { .. }) {
                "radio"
            } else {
                "checkbox"
            };
            EitherOf7::C(view! {
                <fieldset
                    class="question"
                    id=anchor
                    hidden=move || !shown.get()
                    disabled=move || !shown.get()
                    aria-describedby=described
                    aria-invalid=invalid
                >
                    <legend class="question-label">{label} {required}</legend>
                    {hint}
                    {error_view}
                    <div class="choices">
                        {choices
                            .iter()
                            .map(|choice| {
                                let checked = values.has(&id, choice.code.as_str());
                                view! {
                                    <label class="choice">
                                        <input
                                            type=kind
                                            name=id.clone()
                                            value=choice.code.to_string()
                                            checked=checked
                                        />
                                        <span>{tr(&choice.label)}</span>
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                    {other_input(&id, choices, &values, shown)}
                </fieldset>
            })
        }
        QuestionKind::Likert(scale) => EitherOf7::D(view! {
            <fieldset
                class="question"
                id=anchor
                hidden=move || !shown.get()
                disabled=move || !shown.get()
                aria-describedby=described
                aria-invalid=invalid
            >
                <legend class="question-label">{label} {required}</legend>
                {hint}
                {error_view}
                {scale_inputs(&id, scale, &values)}
            </fieldset>
        }),
        QuestionKind::Matrix { rows, answer } => {
            let legend = match answer {
                MatrixAnswer::Scale(scale) => Some(view! {
                    <p class="scale-legend">
                        {format!("{} = ", scale.min)} {tr(&scale.min_label)} " · "
                        {format!("{} = ", scale.max)} {tr(&scale.max_label)}
                    </p>
                }),
                MatrixAnswer::Choices(_) => None,
            };
            EitherOf7::E(view! {
                <fieldset
                    class="question matrix"
                    id=anchor
                    hidden=move || !shown.get()
                    disabled=move || !shown.get()
                    aria-describedby=described
                    aria-invalid=invalid
                >
                    <legend class="question-label">{label} {required}</legend>
                    {hint}
                    {legend}
                    {error_view}
                    {rows
                        .iter()
                        .map(|row| {
                            let field = format!("{id}.{}", row.code);
                            let cells = match answer {
                                MatrixAnswer::Scale(scale) => {
                                    Either::Left(scale_inputs(&field, scale, &values))
                                }
                                MatrixAnswer::Choices(choices) => {
                                    Either::Right(radio_choices(&field, choices, &values))
                                }
                            };
                            view! {
                                <fieldset class="matrix-row">
                                    <legend>{tr(&row.label)}</legend>
                                    {cells}
                                </fieldset>
                            }
                        })
                        .collect_view()}
                </fieldset>
            })
        }
        QuestionKind::Ranking { choices, top } => {
            let i18n = use_i18n();
            // Once WASM runs, the choices are ranked by tapping; the selects (what works
            // without JavaScript, and what the form posts) are then driven by the taps.
            let live = RwSignal::new(false);
            Effect::new(move |_| live.set(true));
            let initial_ranks: Vec<String> = (1..=*top)
                .map(|rank| values.first(&format!("{id}.{rank}")))
                .collect();
            let (tap_id, tap_choices, top_n) = (id.clone(), choices.clone(), *top);
            let selects = view! {
                <div class="rank-selects" hidden=move || live.get()>
                    <p class="hint">{t!(i18n, survey_rank_hint)}</p>
                    {(1..=*top)
                        .map(|rank| {
                            let field = format!("{id}.{rank}");
                            let select_id = format!("{id}-rank-{rank}");
                            view! {
                                <div class="rank">
                                    <label for=select_id.clone()>
                                        {move || t_string!(i18n, survey_rank, rank = rank)}
                                    </label>
                                    <select id=select_id name=field.clone()>
                                        {placeholder()}
                                        {options(choices, &values, &field)}
                                    </select>
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
            };
            EitherOf7::F(view! {
                <fieldset
                    class="question ranking"
                    id=anchor
                    hidden=move || !shown.get()
                    disabled=move || !shown.get()
                    aria-describedby=described
                    aria-invalid=invalid
                >
                    <legend class="question-label">{label} {required}</legend>
                    {hint}
                    {error_view}
                    {selects}
                    {move || live.get().then(|| {
                        let (id, choices, initial) =
                            (tap_id.clone(), tap_choices.clone(), initial_ranks.clone());
                        view! { <TapRank id choices top=top_n initial /> }
                    })}
                </fieldset>
            })
        }
        kind => {
            let input_id = format!("{id}-input");
            let value = values.first(&id);
            let unit = match kind {
                QuestionKind::Integer { unit, .. } | QuestionKind::Decimal { unit, .. } => unit
                    .as_ref()
                    .map(|u| view! { <span class="unit">{tr(u)}</span> }),
                _ => None,
            };
            let control = match kind {
                QuestionKind::LongText { max_len } => Either::Left(view! {
                    <textarea
                        id=input_id.clone()
                        name=id.clone()
                        rows="4"
                        maxlength=max_len.to_string()
                        disabled=move || !shown.get()
                        aria-describedby=described
                        aria-invalid=invalid
                    >
                        {value}
                    </textarea>
                }),
                _ => {
                    let (kind_attr, inputmode, maxlength, autocomplete) = match kind {
                        QuestionKind::Integer { .. } | QuestionKind::Year { .. } => {
                            ("text", Some("numeric"), None, None)
                        }
                        QuestionKind::Decimal { .. } => ("text", Some("decimal"), None, None),
                        QuestionKind::ShortText { max_len } => {
                            ("text", None, Some(max_len.to_string()), None)
                        }
                        QuestionKind::Email => {
                            ("email", None, Some("254".to_owned()), Some("email"))
                        }
                        QuestionKind::Date => ("date", None, None, None),
                        _ => ("text", None, None, None),
                    };
                    Either::Right(view! {
                        <input
                            id=input_id.clone()
                            type=kind_attr
                            name=id.clone()
                            value=value
                            inputmode=inputmode
                            maxlength=maxlength
                            autocomplete=autocomplete
                            disabled=move || !shown.get()
                            aria-describedby=described
                            aria-invalid=invalid
                        />
                    })
                }
            };
            EitherOf7::G(view! {
                <div class="question" id=anchor hidden=move || !shown.get()>
                    <label class="question-label" for=input_id>
                        {label}
                        {required}
                    </label>
                    {hint}
                    {error_view}
                    <div class="input-row">{control} {unit}</div>
                </div>
            })
        }
    }
}

/// The initial values of a page's fields.
#[derive(Clone)]
struct Values(RawAnswers);

impl Values {
    fn has(&self, field: &str, value: &str) -> bool {
        self.0
            .get(field)
            .is_some_and(|vs| vs.iter().any(|v| v == value))
    }

    fn first(&self, field: &str) -> String {
        self.0
            .get(field)
            .and_then(|vs| vs.first())
            .cloned()
            .unwrap_or_default()
    }
}

fn placeholder() -> impl IntoView {
    let i18n = use_i18n();
    view! { <option value="">{t!(i18n, survey_choose)}</option> }
}

fn options(choices: &[Choice], values: &Values, field: &str) -> impl IntoView + use<> {
    choices
        .iter()
        .map(|choice| {
            let selected = values.has(field, choice.code.as_str());
            view! {
                <option value=choice.code.to_string() selected=selected>
                    {tr(&choice.label)}
                </option>
            }
        })
        .collect_view()
}

/// "Other — please specify": a text box after the choices, when one choice asks for it.
fn other_input(
    id: &str,
    choices: &[Choice],
    values: &Values,
    shown: Signal<bool>,
) -> Option<impl IntoView + use<>> {
    let other = choices.iter().find(|c| c.other)?;
    let i18n = use_i18n();
    let field = format!("{id}.other");
    let input_id = format!("{id}-other");
    let label = tr(&other.label);
    Some(view! {
        <div class="other">
            <label for=input_id.clone()>
                {label} " — " {t!(i18n, survey_other_specify)}
            </label>
            <input
                id=input_id
                type="text"
                name=field.clone()
                value=values.first(&field)
                maxlength=MAX_OTHER_LEN.to_string()
                disabled=move || !shown.get()
            />
        </div>
    })
}

fn radio_choices(field: &str, choices: &[Choice], values: &Values) -> impl IntoView + use<> {
    view! {
        <div class="choices">
            {choices
                .iter()
                .map(|choice| {
                    view! {
                        <label class="choice">
                            <input
                                type="radio"
                                name=field.to_owned()
                                value=choice.code.to_string()
                                checked=values.has(field, choice.code.as_str())
                            />
                            <span>{tr(&choice.label)}</span>
                        </label>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A row of numbered radio buttons, its ends labelled.
fn scale_inputs(field: &str, scale: &Scale, values: &Values) -> impl IntoView + use<> {
    view! {
        <div class="scale">
            <span class="scale-end" aria-hidden="true">
                {tr(&scale.min_label)}
            </span>
            <div class="scale-points">
                {(scale.min..=scale.max)
                    .map(|point| {
                        let value = point.to_string();
                        let end = if point == scale.min {
                            Some(tr(&scale.min_label))
                        } else if point == scale.max {
                            Some(tr(&scale.max_label))
                        } else {
                            None
                        };
                        view! {
                            <label class="point">
                                <input
                                    type="radio"
                                    name=field.to_owned()
                                    value=value.clone()
                                    checked=values.has(field, &value)
                                />
                                <span>
                                    {value.clone()}
                                    {end.map(|end| view! { <span class="visually-hidden">" " {end}</span> })}
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <span class="scale-end" aria-hidden="true">
                {tr(&scale.max_label)}
            </span>
        </div>
    }
}
