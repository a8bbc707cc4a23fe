use canvass_core::survey::Text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::question_field::tr;
use crate::components::{StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::{LinkRow, LinksPage, QuotaRow, StaffPosted, load_links, paths};

/// `/staff/surveys/{slug}/links` (admins): the survey's distribution links — address, QR
/// code, what each fixes, opens and target — a button to close or reopen each, and the form
/// that makes one.
#[component]
pub fn StaffLinksPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_links,
    );
    let done = use_query_map().with_untracked(|q| q.get("done").is_some());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(page.await, move |page: Option<LinksPage>| {
                    let Some(page) = page else {
                        return view! { <super::NotFoundPage /> }.into_any();
                    };
                    let title = tr(&page.title);
                    let rows = page
                        .links
                        .iter()
                        .cloned()
                        .map(|link| view! { <LinkItem link=link /> })
                        .collect_view();
                    let empty = page.links.is_empty();
                    view! {
                        <Title text=t_string!(i18n, staff_links_title) />
                        <p class="survey-title">{title}</p>
                        <h1>{t!(i18n, staff_links_title)}</h1>
                        <StaffNav me=page.me.clone() />
                        {done.then(|| view! {
                            <p class="notice" role="status">{t!(i18n, staff_links_done)}</p>
                        })}
                        {empty.then(|| view! { <p>{t!(i18n, staff_links_none)}</p> })}
                        <ul class="user-list">{rows}</ul>
                        <CreateLink page=page.clone() />
                        <Quotas page=page.clone() />
                        <Invitations page=page />
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn LinkItem(link: LinkRow) -> impl IntoView {
    let i18n = use_i18n();
    let form = format!("link_{}", link.id);
    let fixed = |label: Option<Text>| label.map(|l| tr(&l));
    let role = fixed(link.fixed_role.clone());
    let province = fixed(link.fixed_province.clone());
    let (action, button) = if link.open {
        ("close", t_string!(i18n, staff_links_close).to_string())
    } else {
        ("reopen", t_string!(i18n, staff_links_reopen).to_string())
    };
    let status = if link.open {
        t_string!(i18n, staff_links_open).to_string()
    } else {
        t_string!(i18n, staff_links_closed).to_string()
    };
    let opens = link.opens;
    let target = link.target;
    view! {
        <li class="user" class:inactive=!link.open>
            <p class="user-name"><strong>{link.name.clone()}</strong> " · " {link.channel.clone()}</p>
            <p><a href=link.url.clone()>{link.url.clone()}</a></p>
            <p class="user-status">{status}</p>
            {role.map(|role| view! { <p>{t!(i18n, staff_links_fixed_role)} ": " {role}</p> })}
            {province
                .map(|province| view! { <p>{t!(i18n, staff_links_fixed_province)} ": " {province}</p> })}
            <p>
                {move || match target {
                    Some(target) => t_string!(i18n, staff_links_opens_of_target, opens = opens, target = target).to_string(),
                    None => t_string!(i18n, staff_links_opens, opens = opens).to_string(),
                }}
            </p>
            <p>
                <a href=paths::link_qr(link.id) download=format!("canvass-{}.svg", link.code)>
                    {t!(i18n, staff_links_qr)}
                </a>
            </p>
            <StaffErrors form=form />
            <form method="post" action=paths::link(link.id) class="inline-form">
                <input type="hidden" name="action" value=action />
                <button type="submit" class="secondary">{button}</button>
            </form>
        </li>
    }
}

/// A select of a survey's choices, with `none` (the label of choosing none) first.
#[component]
fn ChoiceSelect(
    form: &'static str,
    name: &'static str,
    label: String,
    none: String,
    choices: Vec<(String, Text)>,
) -> impl IntoView {
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let invalid = posted.error(form, name).is_some();
    let selected = posted.value(form, name);
    let id = format!("{form}-{name}");
    let options = choices
        .into_iter()
        .map(|(code, text)| {
            let chosen = selected.as_deref() == Some(code.as_str());
            view! { <option value=code selected=chosen>{tr(&text)}</option> }
        })
        .collect_view();
    view! {
        <div class="field" class:has-error=invalid>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-invalid=invalid.then_some("true")>
                <option value="">{none}</option>
                {options}
            </select>
        </div>
    }
}

#[component]
fn CreateLink(page: LinksPage) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="staff-section" aria-labelledby="create-link-title">
            <h2 id="create-link-title">{t!(i18n, staff_links_create_title)}</h2>
            <StaffErrors form="create_link" />
            <form method="post" action=paths::links(&page.slug) class="staff-form">
                <StaffField
                    form="create_link"
                    name="name"
                    label=t_string!(i18n, staff_links_name).to_string()
                    hint=t_string!(i18n, staff_links_name_hint).to_string()
                    required=true
                />
                <StaffField
                    form="create_link"
                    name="channel"
                    label=t_string!(i18n, staff_links_channel).to_string()
                    hint=t_string!(i18n, staff_links_channel_hint).to_string()
                    required=true
                />
                <ChoiceSelect
                    form="create_link"
                    name="fixed_role"
                    label=t_string!(i18n, staff_links_fixed_role).to_string()
                    none=t_string!(i18n, staff_links_no_fixing).to_string()
                    choices=page.roles
                />
                <ChoiceSelect
                    form="create_link"
                    name="fixed_province"
                    label=t_string!(i18n, staff_links_fixed_province).to_string()
                    none=t_string!(i18n, staff_links_no_fixing).to_string()
                    choices=page.provinces
                />
                <StaffField
                    form="create_link"
                    name="target"
                    label=t_string!(i18n, staff_links_target).to_string()
                    hint=t_string!(i18n, staff_links_target_hint).to_string()
                />
                <button type="submit">{t!(i18n, staff_links_create)}</button>
            </form>
        </section>
    }
}

/// The survey's quotas, each with its progress and a button to remove it, and the form
/// that sets one.
#[component]
fn Quotas(page: LinksPage) -> impl IntoView {
    let i18n = use_i18n();
    let empty = page.quotas.is_empty();
    let rows = page
        .quotas
        .into_iter()
        .map(|quota| view! { <QuotaItem quota=quota /> })
        .collect_view();
    view! {
        <section class="staff-section" aria-labelledby="quotas-title">
            <h2 id="quotas-title">{t!(i18n, staff_quotas_title)}</h2>
            <p class="hint">{t!(i18n, staff_quotas_intro)}</p>
            {empty.then(|| view! { <p>{t!(i18n, staff_quotas_none)}</p> })}
            <ul class="user-list">{rows}</ul>
            <h3>{t!(i18n, staff_quotas_create_title)}</h3>
            <StaffErrors form="create_quota" />
            <form method="post" action=paths::quotas(&page.slug) class="staff-form">
                <ChoiceSelect
                    form="create_quota"
                    name="role"
                    label=t_string!(i18n, staff_quotas_role).to_string()
                    none=t_string!(i18n, staff_quotas_any_role).to_string()
                    choices=page.roles
                />
                <ChoiceSelect
                    form="create_quota"
                    name="province"
                    label=t_string!(i18n, staff_quotas_province).to_string()
                    none=t_string!(i18n, staff_quotas_any_province).to_string()
                    choices=page.provinces
                />
                <StaffField
                    form="create_quota"
                    name="cap"
                    label=t_string!(i18n, staff_quotas_cap).to_string()
                    required=true
                />
                <button type="submit">{t!(i18n, staff_quotas_create)}</button>
            </form>
        </section>
    }
}

#[component]
fn QuotaItem(quota: QuotaRow) -> impl IntoView {
    let i18n = use_i18n();
    let role = quota
        .role
        .map(|r| tr(&r)())
        .unwrap_or_else(|| t_string!(i18n, staff_quotas_any_role).to_string());
    let province = quota
        .province
        .map(|p| tr(&p)())
        .unwrap_or_else(|| t_string!(i18n, staff_quotas_any_province).to_string());
    let cell = format!("{role} · {province}");
    let progress = t_string!(
        i18n,
        staff_quotas_progress,
        completed = quota.completed,
        cap = quota.cap
    )
    .to_string();
    let remove = t_string!(i18n, staff_quotas_remove_named, cell = cell.clone()).to_string();
    view! {
        <li class="user" class:inactive=quota.full>
            <p class="user-name"><strong>{cell}</strong></p>
            <p>{progress}</p>
            {quota.full.then(|| view! { <p class="user-status">{t!(i18n, staff_quotas_full)}</p> })}
            <form method="post" action=paths::quota(quota.id) class="inline-form">
                <input type="hidden" name="action" value="remove" />
                <button type="submit" class="secondary" aria-label=remove>
                    {t!(i18n, staff_quotas_remove)}
                </button>
            </form>
        </li>
    }
}

/// How many were invited and began, and the form that uploads a list of invitees (the
/// answer is a CSV file of their links).
#[component]
fn Invitations(page: LinksPage) -> impl IntoView {
    let i18n = use_i18n();
    let (invited, used) = (page.invited, page.invitations_used);
    let roster = paths::invitees(&page.slug);
    view! {
        <section class="staff-section" aria-labelledby="invitations-title">
            <h2 id="invitations-title">{t!(i18n, staff_invitations_title)}</h2>
            <p class="hint">{t!(i18n, staff_invitations_intro)}</p>
            <p>
                {move || t_string!(i18n, staff_invitations_counts, invited = invited, used = used).to_string()}
            </p>
            {(invited > 0)
                .then(|| {
                    view! {
                        <p>
                            <a href=roster download="">
                                {t!(i18n, staff_invitations_roster)}
                            </a>
                        </p>
                    }
                })}
            <StaffErrors form="invitations" />
            <form
                method="post"
                action=paths::invitations(&page.slug)
                enctype="multipart/form-data"
                class="staff-form"
            >
                <div class="field">
                    <label for="invitations-file">{t!(i18n, staff_invitations_file)}</label>
                    <input id="invitations-file" type="file" name="file" accept=".csv,text/csv" required />
                </div>
                <button type="submit">{t!(i18n, staff_invitations_upload)}</button>
            </form>
        </section>
    }
}
