use std::collections::HashSet;
use std::sync::Arc;

use canvass_core::Lang;
use canvass_core::answers::{Outcome, RawAnswers, from_urlencoded, reads_field, validate};
use canvass_core::survey::{Question, QuestionId, Text};
use leptos::either::{Either, EitherOf3};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;

use crate::api::{PageData, Problem, SaveReply, paths};
use crate::components::question_field::tr;
use crate::components::{FixedAnswer, ProgressBar, QuestionField};
use crate::i18n::t;
use crate::messages;

/// One question of the page, with its live error and whether it is shown.
#[derive(Clone)]
struct Asked {
    id: QuestionId,
    label: Text,
    error: Signal<Option<String>>,
    shown: Signal<bool>,
}

/// Where a save stands, as the respondent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    Idle,
    Busy,
    /// No reply: the connection dropped or timed out. Nothing was lost; offer a retry.
    Lost,
    Refused(Problem),
}

/// One section of a survey as a form that posts to `action`.
///
/// Without WASM it is a plain form: the server validates, saves and redirects, or renders
/// it again with the errors. Once hydrated, the same `canvass-core` validation runs as the
/// respondent answers: questions appear and disappear with their conditions, errors show
/// as soon as a question is left, the progress follows the branching, and Next posts with
/// `fetch` (a lost connection keeps everything on the page and offers a retry).
#[island]
pub fn SectionForm(
    page: PageData,
    /// Where the form posts.
    action: String,
    /// The previous page, if any.
    back: Option<String>,
    /// The first page (the welcome): its button starts the survey.
    first: bool,
    /// The language the page is in (an island has no context from the page around it).
    lang: Lang,
) -> impl IntoView {
    let i18n = messages::provide_island_i18n(lang);
    let PageData {
        code,
        survey,
        section,
        fields,
        attempted,
        errors,
        fixed,
    } = page;
    // Unsent answers are kept in this tab until the page is saved (not on the welcome page:
    // no response exists yet).
    let draft_key = (!code.is_empty()).then(|| crate::draft::key(&code, section.as_str()));
    let survey = Arc::new(survey);
    let Some(this) = survey.section(section.as_str()).cloned() else {
        return Either::Left(());
    };
    let this = Arc::new(this);
    let elsewhere: RawAnswers = fields
        .iter()
        .filter(|(name, _)| !this.questions.iter().any(|q| reads_field(q, name)))
        .map(|(name, values)| (name.clone(), values.clone()))
        .collect();

    let current = RwSignal::new(fields.clone());
    let validation = Memo::new({
        let survey = Arc::clone(&survey);
        move |_| validate(&survey, &current.read())
    });
    let attempted = RwSignal::new(attempted);
    let touched = RwSignal::new(HashSet::<String>::new());
    let server_errors = RwSignal::new(errors);
    let sending = RwSignal::new(Sending::Idle);
    let form_ref = NodeRef::<html::Form>::new();
    let summary_ref = NodeRef::<html::Div>::new();

    // The error shown under each question: the server's until the question is changed,
    // else the live one, once the question was left or the page was sent.
    let questions: Vec<Asked> = this
        .questions
        .iter()
        .map(|question| {
            let id = question.id.clone();
            let q = question.clone();
            let error = Signal::derive(move || {
                let from_server = server_errors
                    .read()
                    .iter()
                    .find(|(qid, _)| *qid == id)
                    .map(|(_, e)| e.clone());
                let live = || match validation.read().outcome(id.as_str()) {
                    Some(Outcome::Invalid { error }) => Some(error.clone()),
                    _ => None,
                };
                let error = match from_server {
                    Some(error) => Some(error),
                    None if attempted.get() || touched.read().contains(id.as_str()) => live(),
                    None => None,
                };
                error.map(|e| messages::answer_error(i18n, &q, &e))
            });
            let id = question.id.clone();
            let shown = Signal::derive(move || {
                !matches!(
                    validation.read().outcome(id.as_str()),
                    Some(Outcome::NotAsked)
                )
            });
            Asked {
                id: question.id.clone(),
                label: question.label.clone(),
                error,
                shown,
            }
        })
        .collect();

    // Reads the form into the live answers; marks the questions whose fields changed.
    // Reads the form into the live answers. With `touch`, the questions whose answers
    // changed are marked as left, so their errors show (an empty text box counts as no
    // answer, not as a change).
    let refresh = {
        let this = Arc::clone(&this);
        let draft_key = draft_key.clone();
        move |touch: bool| {
            let body = form_ref
                .get_untracked()
                .and_then(|f| crate::fetch::form_body(&f))?;
            let page_fields = from_urlencoded(body.as_bytes()).ok()?;
            if touch {
                let before = current.get_untracked();
                let changed: Vec<String> = this
                    .questions
                    .iter()
                    .filter(|q| answered_fields(q, &before) != answered_fields(q, &page_fields))
                    .map(|q| q.id.to_string())
                    .collect();
                if !changed.is_empty() {
                    server_errors
                        .update(|e| e.retain(|(q, _)| !changed.iter().any(|c| c == q.as_str())));
                    touched.update(|t| t.extend(changed));
                }
            }
            let mut merged = elsewhere.clone();
            merged.extend(page_fields);
            current.set(merged);
            if let Some(key) = &draft_key {
                crate::draft::keep(key, &body);
            }
            Some(body)
        }
    };

    // Typing updates the answers (an error already shown clears as soon as it is fixed);
    // leaving a field marks it, so its error shows.
    let on_input = {
        let refresh = refresh.clone();
        move |_| {
            refresh(false);
        }
    };
    let on_change = {
        let refresh = refresh.clone();
        move |_| {
            refresh(true);
        }
    };

    // A draft of this page kept in this tab (typed, then the page was reloaded or the
    // language switched) wins over what the page was rendered with.
    if let Some(key) = draft_key.clone() {
        let refresh = refresh.clone();
        Effect::new(move |_| {
            let Some(form) = form_ref.get() else {
                return;
            };
            let draft = crate::draft::kept(&key).and_then(|d| from_urlencoded(d.as_bytes()).ok());
            if let Some(fields) = draft {
                crate::draft::fill(&form, &fields);
                refresh(false);
            }
        });
    }

    let on_submit = {
        let draft_key = draft_key.clone();
        let survey = Arc::clone(&survey);
        let section = section.clone();
        let action = action.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if sending.get_untracked() == Sending::Busy {
                return;
            }
            let Some(body) = refresh(true) else {
                // The form could not be read here: let the browser post it.
                if let Some(form) = form_ref.get_untracked() {
                    let _ = form.submit();
                }
                return;
            };
            attempted.set(true);
            let has_errors =
                validation.with_untracked(|v| !v.errors_in(&survey, &section).is_empty());
            if has_errors {
                request_animation_frame(move || {
                    if let Some(summary) = summary_ref.get_untracked() {
                        let _ = summary.focus();
                    }
                });
                return;
            }
            sending.set(Sending::Busy);
            let action = action.clone();
            let draft_key = draft_key.clone();
            leptos::task::spawn_local(async move {
                let reply = crate::fetch::post_form(&action, body).await;
                let Ok((status, text)) = reply else {
                    sending.set(Sending::Lost);
                    return;
                };
                match serde_json::from_str::<SaveReply>(&text) {
                    Ok(SaveReply::Saved { next }) => {
                        sending.set(Sending::Idle);
                        if let Some(key) = &draft_key {
                            crate::draft::forget(key);
                        }
                        let _ = window().location().assign(&next);
                    }
                    Ok(SaveReply::Invalid { errors }) => {
                        sending.set(Sending::Idle);
                        server_errors.set(errors);
                        touched.set(HashSet::new());
                    }
                    Ok(SaveReply::Refused { problem }) => sending.set(Sending::Refused(problem)),
                    Err(_) => sending.set(Sending::Refused(Problem::from_status(status))),
                }
            });
        }
    };

    let summary = {
        let questions = questions.clone();
        move || {
            let listed: Vec<_> = questions
                .iter()
                .filter_map(|asked| {
                    asked
                        .error
                        .get()
                        .map(|message| (asked.id.clone(), asked.label.clone(), message))
                })
                .collect();
            (!listed.is_empty() && attempted.get()).then(|| {
                view! {
                    <div class="error-summary" role="alert" tabindex="-1" node_ref=summary_ref>
                        <h2>{t!(i18n, survey_errors_title)}</h2>
                        <ul>
                            {listed
                                .into_iter()
                                .map(|(id, label, message)| {
                                    let label = tr(&label);
                                    view! {
                                        <li>
                                            <a href=format!("#q-{id}")>
                                                {label} ": " {message}
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })
        }
    };

    let resume = code.clone();
    let notice = move || match sending.get() {
        Sending::Idle => None,
        Sending::Busy => Some(EitherOf3::A(
            view! { <p class="notice" role="status">{t!(i18n, survey_saving)}</p> },
        )),
        Sending::Lost => Some(EitherOf3::B(view! {
            <div class="notice notice-error" role="alert">
                <p>{t!(i18n, survey_offline)}</p>
                <button type="submit" class="secondary">{t!(i18n, survey_retry)}</button>
            </div>
        })),
        Sending::Refused(problem) => {
            let link = if resume.is_empty() {
                "/".to_owned()
            } else {
                paths::resume(&resume)
            };
            Some(EitherOf3::C(view! {
                <div class="notice notice-error" role="alert">
                    <p>{move || messages::problem(i18n.get_locale(), problem)}</p>
                    <p>
                        <a href=link rel="external">{t!(i18n, problem_continue)}</a>
                    </p>
                </div>
            }))
        }
    };

    let progress = {
        let section = section.clone();
        Signal::derive(move || validation.read().progress(&section).unwrap_or((1, 1)))
    };
    let initial = fields;
    let intro = this.intro.clone();
    let resume_note = (!code.is_empty()).then(|| {
        let href = paths::resume(&code);
        view! {
            <p class="resume-note">
                {t!(i18n, survey_resume_note)} " " <a href=href.clone() rel="external">{href.clone()}</a>
            </p>
        }
    });
    Either::Right(view! {
        <ProgressBar progress=progress />
        <h1 id="section-title">{tr(&this.title)}</h1>
        {intro.as_ref().map(|text| view! { <div class="intro">{paragraphs(text)}</div> })}
        <form
            method="post"
            action=action
            novalidate
            class="survey-form"
            aria-labelledby="section-title"
            node_ref=form_ref
            on:input=on_input
            on:change=on_change
            on:submit=on_submit
        >
            {summary}
            {questions
                .iter()
                .zip(this.questions.iter())
                .map(|(asked, question)| {
                    match fixed.iter().find(|(q, _)| q == question.id.as_str()) {
                        Some((_, code)) => Either::Left(view! {
                            <FixedAnswer question=question.clone() code=code.clone() />
                        }),
                        None => Either::Right(view! {
                            <QuestionField
                                question=question.clone()
                                initial=initial.clone()
                                shown=asked.shown
                                error=asked.error
                            />
                        }),
                    }
                })
                .collect_view()}
            {notice}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || sending.get() == Sending::Busy>
                    {if first { Either::Left(t!(i18n, survey_start)) } else { Either::Right(t!(i18n, survey_next)) }}
                </button>
                {back.map(|href| view! { <a class="back" href=href>{t!(i18n, survey_back)}</a> })}
            </div>
        </form>
        {resume_note}
    })
}

/// The non-empty fields of one question: what it was answered with.
fn answered_fields(question: &Question, raw: &RawAnswers) -> RawAnswers {
    raw.iter()
        .filter(|(name, values)| {
            reads_field(question, name) && values.iter().any(|v| !v.trim().is_empty())
        })
        .map(|(name, values)| (name.clone(), values.clone()))
        .collect()
}

/// A multi-paragraph survey text (blank lines separate paragraphs), in the current language.
pub fn paragraphs(text: &Text) -> impl IntoView + use<> {
    let text = tr(text);
    move || {
        text()
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| view! { <p>{p.to_owned()}</p> })
            .collect_view()
    }
}
