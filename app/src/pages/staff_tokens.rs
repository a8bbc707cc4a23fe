use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::{NewToken, TokenItem, TokensPage, load_tokens, paths};

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
                            <CreateToken />
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
    let active = token.revoked_at.is_none();
    let status = match token.revoked_at.clone() {
        None => t_string!(i18n, staff_tokens_active).to_string(),
        Some(at) => t_string!(i18n, staff_tokens_revoked_at, at = at).to_string(),
    };
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
        <li class="user" class:inactive=!active>
            <p class="user-name"><strong>{token.name.clone()}</strong> " · " <code>{token.prefix.clone()} "…"</code>
                {token.may_export.then(|| view! { " · " {t!(i18n, staff_tokens_may_export_marker)} })}</p>
            <p class="user-status">{status}</p>
            <p>{made}</p>
            <p>{used}</p>
            {active.then(|| view! {
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
fn CreateToken() -> impl IntoView {
    let i18n = use_i18n();
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
                <div class="field checkbox">
                    <input id="create_token-may_export" type="checkbox" name="may_export" value="true" />
                    <label for="create_token-may_export">{t!(i18n, staff_tokens_may_export)}</label>
                </div>
                <button type="submit">{t!(i18n, staff_tokens_create)}</button>
            </form>
        </section>
    }
}
