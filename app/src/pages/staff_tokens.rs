use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::{NewToken, StaffPosted, TokenItem, TokensPage, load_tokens, paths};

/// `/staff/tokens` (admins): the API tokens scripts use to read survey figures — each
/// with its first characters, who made it, when it was last used, and a button to revoke
/// it — and the form that makes one. A new token is shown once, on the page that answers
/// the form; only its hash is kept.
#[component]
pub fn StaffTokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| load_tokens());
    let revoked = use_query_map().with_untracked(|q| q.get("done").is_some());
    // Only in the server render that answers the post that made it.
    let new = use_context::<NewToken>();
    view! {
        <Suspense>
            {move || {
                let new = new.clone();
                Suspend::new(async move {
                    super::gated(page.await, move |page: TokensPage| {
                        let empty = page.tokens.is_empty();
                        let rows = page
                            .tokens
                            .into_iter()
                            .map(|token| view! { <TokenEntry token=token /> })
                            .collect_view();
                        view! {
                            <Title text=t_string!(i18n, staff_tokens_title) />
                            <h1>{t!(i18n, staff_tokens_title)}</h1>
                            <StaffNav me=page.me />
                            <p class="hint">{t!(i18n, staff_tokens_intro)}</p>
                            {new.clone().map(|new| view! { <Revealed new=new /> })}
                            {revoked.then(|| view! {
                                <p class="notice" role="status">{t!(i18n, staff_tokens_revoked_done)}</p>
                            })}
                            {empty.then(|| view! { <p>{t!(i18n, staff_tokens_none)}</p> })}
                            <ul class="user-list">{rows}</ul>
                            <CreateToken
                                surveys=page.surveys
                                lifetimes=page.lifetimes
                                default_lifetime=page.default_lifetime
                            />
                        }
                        .into_any()
                    })
                })
            }}
        </Suspense>
    }
}

/// The token just made, with how to use it and the warning that it will not be shown again.
#[component]
fn Revealed(new: NewToken) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="notice" role="status" aria-labelledby="new-token-title">
            <h2 id="new-token-title">
                {t_string!(i18n, staff_tokens_made, name = new.name.clone()).to_string()}
            </h2>
            <p>{t!(i18n, staff_tokens_copy_now)}</p>
            <p>
                <label for="new-token">{t!(i18n, staff_tokens_token)}</label>
                <input id="new-token" type="text" readonly value=new.token.clone() class="token" />
            </p>
            <p class="hint">{t!(i18n, staff_tokens_usage)}</p>
        </section>
    }
}

#[component]
fn TokenEntry(token: TokenItem) -> impl IntoView {
    let i18n = use_i18n();
    let revocable = token.revoked_at.is_none();
    let works = revocable && !token.expired && !token.creator_inactive;
    let at = token.expires_at.clone();
    let status = match token.revoked_at.clone() {
        Some(at) => t_string!(i18n, staff_tokens_revoked_at, at = at).to_string(),
        None if token.expired => t_string!(i18n, staff_tokens_expired, at = at).to_string(),
        None if token.creator_inactive => {
            t_string!(i18n, staff_tokens_creator_inactive).to_string()
        }
        None => t_string!(i18n, staff_tokens_expires, at = at).to_string(),
    };
    let survey = token
        .survey
        .clone()
        .unwrap_or_else(|| t_string!(i18n, staff_tokens_every_survey).to_string());
    let uses = [
        (
            token.may_stats,
            t_string!(i18n, staff_tokens_use_stats).to_string(),
        ),
        (
            token.may_analysis,
            t_string!(i18n, staff_tokens_use_analysis).to_string(),
        ),
        (
            token.may_export,
            t_string!(i18n, staff_tokens_may_export_marker).to_string(),
        ),
    ]
    .into_iter()
    .filter_map(|(on, label)| on.then_some(label))
    .collect::<Vec<_>>()
    .join(", ");
    let used = match token.last_used_at.clone() {
        None => t_string!(i18n, staff_tokens_never_used).to_string(),
        Some(at) => t_string!(i18n, staff_tokens_last_used, at = at).to_string(),
    };
    let made = t_string!(
        i18n,
        staff_tokens_made_by,
        at = token.created_at.clone(),
        name = token.created_by.clone().unwrap_or_else(|| "—".to_owned())
    )
    .to_string();
    let revoke_label =
        t_string!(i18n, staff_tokens_revoke_named, name = token.name.clone()).to_string();
    view! {
        <li class="user" class:inactive=!works>
            <p class="user-name"><strong>{token.name.clone()}</strong> " · " <code>{token.prefix.clone()} "…"</code></p>
            <p>{format!("{survey} · {uses}")}</p>
            <p class="user-status">{status}</p>
            <p>{made}</p>
            <p>{used}</p>
            {revocable.then(|| view! {
                <form method="post" action=paths::token(token.id) class="inline-form">
                    <input type="hidden" name="action" value="revoke" />
                    <button type="submit" class="secondary" aria-label=revoke_label.clone()>
                        {t!(i18n, staff_tokens_revoke)}
                    </button>
                </form>
            })}
        </li>
    }
}

#[component]
fn CreateToken(surveys: Vec<String>, lifetimes: Vec<u16>, default_lifetime: u16) -> impl IntoView {
    let i18n = use_i18n();
    // A refused post shows the form as it was sent; otherwise the defaults.
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let sent = |field: &str| posted.value("create_token", field);
    let refused = posted.form == "create_token";
    let ticked = |field: &str, default: bool| {
        if refused {
            sent(field).is_some_and(|v| v == "true")
        } else {
            default
        }
    };
    let (stats, analysis, export) = (
        ticked("may_stats", true),
        ticked("may_analysis", false),
        ticked("may_export", false),
    );
    let survey = sent("survey");
    let every = survey.as_deref() == Some("*");
    let lifetime = sent("lifetime").unwrap_or_else(|| default_lifetime.to_string());
    let surveys = surveys
        .into_iter()
        .map(|slug| {
            let chosen = survey.as_deref() == Some(slug.as_str());
            view! { <option value=slug.clone() selected=chosen>{slug.clone()}</option> }
        })
        .collect_view();
    let lifetimes = lifetimes
        .into_iter()
        .map(|days| {
            view! {
                <option value=days.to_string() selected=days.to_string() == lifetime>
                    {t_string!(i18n, staff_tokens_days, days = days).to_string()}
                </option>
            }
        })
        .collect_view();
    view! {
        <section class="staff-section" aria-labelledby="create-token-title">
            <h2 id="create-token-title">{t!(i18n, staff_tokens_create_title)}</h2>
            <StaffErrors form="create_token" />
            <form method="post" action=paths::TOKENS class="staff-form">
                <StaffField
                    form="create_token"
                    name="name"
                    label=t_string!(i18n, staff_tokens_name).to_string()
                    hint=t_string!(i18n, staff_tokens_name_hint).to_string()
                    required=true
                />
                <div class="field">
                    <label for="create_token-survey">{t!(i18n, staff_tokens_survey)}</label>
                    <select id="create_token-survey" name="survey">
                        {surveys}
                        <option value="*" selected=every>{t!(i18n, staff_tokens_every_survey)}</option>
                    </select>
                </div>
                <fieldset class="field">
                    <legend>{t!(i18n, staff_tokens_uses)}</legend>
                    <div class="checkbox">
                        <input id="create_token-may_stats" type="checkbox" name="may_stats" value="true" checked=stats />
                        <label for="create_token-may_stats">{t!(i18n, staff_tokens_may_stats)}</label>
                    </div>
                    <div class="checkbox">
                        <input id="create_token-may_analysis" type="checkbox" name="may_analysis" value="true" checked=analysis />
                        <label for="create_token-may_analysis">{t!(i18n, staff_tokens_may_analysis)}</label>
                    </div>
                    <div class="checkbox">
                        <input id="create_token-may_export" type="checkbox" name="may_export" value="true" checked=export />
                        <label for="create_token-may_export">{t!(i18n, staff_tokens_may_export)}</label>
                    </div>
                </fieldset>
                <div class="field">
                    <label for="create_token-lifetime">{t!(i18n, staff_tokens_lifetime)}</label>
                    <select id="create_token-lifetime" name="lifetime">{lifetimes}</select>
                </div>
                <button type="submit">{t!(i18n, staff_tokens_create)}</button>
            </form>
        </section>
    }
}
