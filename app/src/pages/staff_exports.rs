use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::question_field::tr;
use crate::components::{ExportProgress, StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::{lang_of, staff_error};
use crate::staff::{ExportItem, ExportsPage, StaffPosted, access, load_exports, paths};

/// `/staff/surveys/{slug}/exports` (admins and analysts): the form that starts a dataset
/// export (a post; the job runs in the background) and the survey's exports, each with its
/// progress, its download while kept, and a cancel button while it runs.
#[component]
pub fn StaffExportsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_exports,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(page.await, move |page: Option<ExportsPage>| {
                    let Some(page) = page else {
                        return view! { <super::NotFoundPage /> }.into_any();
                    };
                    let title = tr(&page.title);
                    let pending = page.jobs.iter().any(ExportItem::pending);
                    let empty = page.jobs.is_empty();
                    let slug = page.slug.clone();
                    let rows = page
                        .jobs
                        .iter()
                        .cloned()
                        .map(|job| view! { <ExportRow job=job slug=slug.clone() /> })
                        .collect_view();
                    view! {
                        <Title text=t_string!(i18n, exports_title) />
                        // Without JavaScript, a page with a running export reloads itself.
                        {pending.then(|| view! {
                            <noscript><meta http-equiv="refresh" content="3" /></noscript>
                        })}
                        <p class="survey-title">{title}</p>
                        <h1>{t!(i18n, exports_title)}</h1>
                        <StaffNav me=page.me.clone() />
                        <p>{t!(i18n, exports_intro)}</p>
                        <NewExport page=page.clone() />
                        <section class="staff-section" aria-labelledby="exports-list-title">
                            <h2 id="exports-list-title">{t!(i18n, exports_list)}</h2>
                            {empty.then(|| view! { <p>{t!(i18n, exports_none)}</p> })}
                            <ul class="user-list">{rows}</ul>
                        </section>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

/// A select of a setting, with what a refused post chose selected again.
#[component]
fn SettingSelect(name: String, label: String, options: Vec<(String, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let error = posted.error("export", &name);
    let selected = posted.value("export", &name);
    let id = format!("export-{}", name.replace('.', "-"));
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let chosen = selected.as_deref() == Some(value.as_str());
            view! { <option value=value selected=chosen>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field" class:has-error=error.is_some()>
            <label for=id.clone()>{label}</label>
            {error.map(|error| view! {
                <p class="field-error">{move || staff_error(i18n, error)}</p>
            })}
            <select id=id name=name aria-invalid=error.map(|_| "true")>{options}</select>
        </div>
    }
}

#[component]
fn NewExport(page: ExportsPage) -> impl IntoView {
    let i18n = use_i18n();
    let lang = lang_of(i18n.get_locale_untracked());
    let admin = page.me.may(access::ADMIN);
    let s = |text: &str| text.to_owned();
    let filters = page
        .filters
        .into_iter()
        .map(|filter| {
            let mut options = vec![(
                String::new(),
                t_string!(i18n, exports_filter_all).to_string(),
            )];
            options.extend(
                filter
                    .choices
                    .iter()
                    .map(|(code, text)| (code.clone(), text.get(lang).to_owned())),
            );
            view! {
                <SettingSelect
                    name=format!("filter.{}", filter.question)
                    label=filter.label.get(lang).to_owned()
                    options=options
                />
            }
        })
        .collect_view();
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let sensitive = (!page.sensitive.is_empty()).then(|| {
        let boxes = page
            .sensitive
            .iter()
            .map(|(question, label)| {
                let name = format!("{}{question}", canvass_core::export::request::SENSITIVE);
                let id = format!("export-sensitive-{question}");
                let checked = posted.value("export", &name).is_some();
                view! {
                    <div class="field checkbox">
                        <input id=id.clone() type="checkbox" name=name value="true" checked=checked />
                        <label for=id>{label.get(lang).to_owned()}</label>
                    </div>
                }
            })
            .collect_view();
        view! {
            <fieldset class="field">
                <legend>{t!(i18n, exports_sensitive)}</legend>
                {boxes}
            </fieldset>
            <StaffField
                form="export"
                name="l"
                kind="number"
                label=t_string!(i18n, exports_l).to_string()
                value="2".to_owned()
            />
        }
    });
    let free_text_error = posted.error("export", "free_text");
    let free_text = admin.then(|| {
        view! {
            <div class="field checkbox">
                <input id="export-free_text" type="checkbox" name="free_text" value="true" />
                <label for="export-free_text">{t!(i18n, exports_free_text)}</label>
            </div>
            <div class="field checkbox">
                <input id="export-identifiable" type="checkbox" name="identifiable" value="true" />
                <label for="export-identifiable">{t!(i18n, exports_identifiable)}</label>
            </div>
            <StaffField
                form="export"
                name="reason"
                label=t_string!(i18n, exports_reason).to_string()
            />
        }
    });
    view! {
        <section class="staff-section" aria-labelledby="new-export-title">
            <h2 id="new-export-title">{t!(i18n, exports_new)}</h2>
            <StaffErrors form="export" />
            {free_text_error.map(|error| view! {
                <p class="field-error" role="alert">{move || staff_error(i18n, error)}</p>
            })}
            <form method="post" action=paths::exports(&page.slug) class="staff-form">
                <SettingSelect
                    name=s("values")
                    label=t_string!(i18n, exports_values).to_string()
                    options=vec![
                        (s("codes"), t_string!(i18n, exports_values_codes).to_string()),
                        (s("zh"), t_string!(i18n, exports_values_zh).to_string()),
                        (s("en"), t_string!(i18n, exports_values_en).to_string()),
                    ]
                />
                <SettingSelect
                    name=s("responses")
                    label=t_string!(i18n, exports_responses).to_string()
                    options=vec![
                        (s("completed"), t_string!(i18n, exports_responses_completed).to_string()),
                        (s("all"), t_string!(i18n, exports_responses_all).to_string()),
                    ]
                />
                <SettingSelect
                    name=s("dates")
                    label=t_string!(i18n, exports_dates).to_string()
                    options=vec![
                        (s("day"), t_string!(i18n, exports_dates_day).to_string()),
                        (s("week"), t_string!(i18n, exports_dates_week).to_string()),
                    ]
                />
                {filters}
                <StaffField
                    form="export"
                    name="k"
                    kind="number"
                    label=t_string!(i18n, exports_k).to_string()
                    value=canvass_core::export::request::DEFAULT_K.to_string()
                />
                <StaffField
                    form="export"
                    name="suppression"
                    kind="number"
                    label=t_string!(i18n, exports_suppression).to_string()
                    value=canvass_core::export::request::DEFAULT_SUPPRESSION.to_string()
                />
                {sensitive}
                <StaffField
                    form="export"
                    name="expires_days"
                    kind="number"
                    label=t_string!(i18n, exports_expires).to_string()
                    value=canvass_core::export::request::DEFAULT_EXPIRY_DAYS.to_string()
                />
                {free_text}
                <div class="actions">
                    <button type="submit">{t!(i18n, exports_start)}</button>
                    <button type="submit" name="preview" value="true" class="secondary">
                        {t!(i18n, exports_preview)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A size in bytes as people read it.
fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1 << 10 => format!("{:.0} KB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

#[component]
fn ExportRow(job: ExportItem, slug: String) -> impl IntoView {
    let i18n = use_i18n();
    let lang = lang_of(i18n.get_locale_untracked());
    let state = job.state.clone();
    let state_text = move || match state.as_str() {
        "queued" => t_string!(i18n, exports_state_queued).to_string(),
        "running" => t_string!(i18n, exports_state_running).to_string(),
        "done" => t_string!(i18n, exports_state_done).to_string(),
        "failed" => t_string!(i18n, exports_state_failed).to_string(),
        "cancelled" => t_string!(i18n, exports_state_cancelled).to_string(),
        _ => t_string!(i18n, exports_state_expired).to_string(),
    };
    let settings = job
        .settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let id = job.id;
    let name = job.requested_by.clone();
    let at = job.created_at.clone();
    let done = job.state == "done";
    let preview = job.preview;
    let risk = (done && job.anonymity.is_some()).then(|| {
        view! {
            <p>
                <a href=paths::export_risk(&slug, id)>{t!(i18n, exports_risk)}</a>
            </p>
        }
    });
    let download = (done && !preview).then(|| {
        let size = size(job.size_bytes.unwrap_or_default());
        view! {
            <p>
                <a href=paths::export_download(&slug, id) download="">
                    {t!(i18n, exports_download, size = size.clone())}
                </a>
            </p>
        }
    });
    let expires = job.expires_at.clone().filter(|_| done).map(|at| {
        view! { <p class="hint">{t!(i18n, exports_expires_at, at = at.clone())}</p> }
    });
    let cancel = job.pending().then(|| {
        view! {
            <form method="post" action=paths::export_cancel(&slug, id)>
                <button type="submit" class="secondary">{t!(i18n, exports_cancel)}</button>
            </form>
        }
    });
    view! {
        <li class="user">
            <p class="user-name">
                <strong>"#" {id.get()}</strong> " · " {state_text}
                {job.admins_only.then(|| view! { " · " {t!(i18n, exports_free_text_marker)} })}
                {preview.then(|| view! { " · " {t!(i18n, exports_preview_marker)} })}
            </p>
            <p class="hint">{move || t_string!(i18n, exports_requested, name = name.clone(), at = at.clone())}</p>
            <p class="hint">{settings}</p>
            <ExportProgress
                url=paths::export_api(&slug, id)
                id=id.get()
                state=job.state.clone()
                written=job.rows_written
                total=job.rows_total
                lang=lang
            />
            {job.error.clone().map(|error| view! { <p class="field-error">{error}</p> })}
            {job.anonymity.clone().filter(|_| done).map(|a| view! { <Anonymity summary=a lang=lang /> })}
            {risk}
            {download}
            {expires}
            {cancel}
        </li>
    }
}

/// What an export's anonymization did, as its row on the page shows it before download.
#[component]
fn Anonymity(
    summary: canvass_core::export::anon::risk::Summary,
    lang: canvass_core::Lang,
) -> impl IntoView {
    let i18n = use_i18n();
    let percent = |x: f64| format!("{:.1}", 100.0 * x);
    let k = summary.k.to_string();
    let smallest = summary
        .k_achieved
        .map_or_else(|| "–".to_owned(), |s| s.to_string());
    let suppressed = summary.suppressed.to_string();
    let rows = summary.rows.to_string();
    let share = format!("{:.1}", summary.suppressed_percent);
    let loss = format!("{:.3}", summary.loss);
    let before = percent(summary.highest_risk_before);
    let after = percent(summary.highest_risk_after);
    let levels: Vec<String> = summary
        .levels
        .iter()
        .filter(|l| l.level > 0)
        .map(|l| format!("{}: {}", l.question, l.name.get(lang)))
        .collect();
    let levels = if levels.is_empty() {
        None
    } else {
        Some(levels.join(" · "))
    };
    view! {
        <p class="hint">
            {move || t_string!(
                i18n,
                exports_anonymity,
                k = k.clone(),
                smallest = smallest.clone(),
                suppressed = suppressed.clone(),
                rows = rows.clone(),
                percent = share.clone(),
                loss = loss.clone()
            )}
        </p>
        <p class="hint">
            {move || t_string!(i18n, exports_anonymity_risk, before = before.clone(), after = after.clone())}
        </p>
        <p class="hint">
            {match levels {
                Some(levels) => {
                    view! { {move || t_string!(i18n, exports_anonymity_levels, levels = levels.clone())} }
                        .into_any()
                }
                None => view! { {t!(i18n, exports_anonymity_none)} }.into_any(),
            }}
        </p>
    }
}
