use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::StaffNav;
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::{audit_action, staff_error};
use crate::staff::{AuditPage, AuditQuery, StaffError, load_audit, paths};

/// `/staff/audit` (admins): the audit log, newest first, filtered by user, action and
/// dates through the query string (a GET form, so a filtered view can be bookmarked).
#[component]
pub fn StaffAuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map().with_untracked(|q| AuditQuery {
        user: q.get("user"),
        action: q.get("action"),
        from: q.get("from"),
        to: q.get("to"),
    });
    let page = Resource::new(move || query.clone(), load_audit);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(page.await, move |page: AuditPage| {
                    view! {
                        <Title text=t_string!(i18n, staff_audit_title) />
                        <h1>{t!(i18n, staff_audit_title)}</h1>
                        <StaffNav me=page.me.clone() />
                        <AuditFilter page=page.clone() />
                        <AuditEntries page=page />
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

fn field_error(page: &AuditPage, field: &str) -> Option<StaffError> {
    page.errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, e)| *e)
}

#[component]
fn AuditFilter(page: AuditPage) -> impl IntoView {
    let i18n = use_i18n();
    let chosen_user = page.query.user.clone().unwrap_or_default();
    let users = page
        .users
        .iter()
        .map(|u| {
            let id = u.id.to_string();
            let selected = id == chosen_user;
            view! { <option value=id selected=selected>{format!("{} <{}>", u.name, u.email)}</option> }
        })
        .collect_view();
    let chosen_action = page.query.action.clone().unwrap_or_default();
    let actions = page
        .actions
        .iter()
        .map(|a| {
            let selected = *a == chosen_action;
            let code = a.clone();
            view! { <option value=a.clone() selected=selected>{move || audit_action(i18n, &code)}</option> }
        })
        .collect_view();
    let error = |field: &'static str| {
        field_error(&page, field).map(|e| {
            view! { <p class="field-error" id=format!("audit-{field}-error")>{move || staff_error(i18n, e)}</p> }
        })
    };
    let invalid = |field: &str| field_error(&page, field).map(|_| "true");
    let described = |field: &str| field_error(&page, field).map(|_| format!("audit-{field}-error"));
    view! {
        <form method="get" action=paths::AUDIT class="staff-form filter-form" role="search">
            <fieldset>
                <legend>{t!(i18n, staff_audit_filter)}</legend>
                <div class="field">
                    <label for="audit-user">{t!(i18n, staff_audit_user)}</label>
                    {error("user")}
                    <select id="audit-user" name="user" aria-invalid=invalid("user") aria-describedby=described("user")>
                        <option value="">{t!(i18n, staff_audit_any)}</option>
                        {users}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-action">{t!(i18n, staff_audit_action)}</label>
                    {error("action")}
                    <select id="audit-action" name="action" aria-invalid=invalid("action") aria-describedby=described("action")>
                        <option value="">{t!(i18n, staff_audit_any)}</option>
                        {actions}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-from">{t!(i18n, staff_audit_from)}</label>
                    {error("from")}
                    <input id="audit-from" name="from" type="date" value=page.query.from.clone()
                        aria-invalid=invalid("from") aria-describedby=described("from") />
                </div>
                <div class="field">
                    <label for="audit-to">{t!(i18n, staff_audit_to)}</label>
                    {error("to")}
                    <input id="audit-to" name="to" type="date" value=page.query.to.clone()
                        aria-invalid=invalid("to") aria-describedby=described("to") />
                </div>
                <button type="submit">{t!(i18n, staff_audit_apply)}</button>
            </fieldset>
        </form>
    }
}

#[component]
fn AuditEntries(page: AuditPage) -> impl IntoView {
    let i18n = use_i18n();
    if page.entries.is_empty() {
        return view! { <p>{t!(i18n, staff_audit_none)}</p> }.into_any();
    }
    let full = page.entries.len() >= page.limit;
    let limit = page.limit;
    let rows = page
        .entries
        .into_iter()
        .map(|e| {
            let actor = e
                .actor
                .unwrap_or_else(|| t_string!(i18n, staff_audit_command_line).to_string());
            view! {
                <tr>
                    <td>{e.at}</td>
                    <td>{actor}</td>
                    <td>{move || audit_action(i18n, &e.action)}</td>
                    <td>{e.target.unwrap_or_default()}</td>
                    <td>{e.detail.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {full.then(|| view! { <p class="notice">{t_string!(i18n, staff_audit_limit, limit = limit)}</p> })}
        <div class="table-scroll">
            <table class="audit-table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, staff_audit_at)}</th>
                        <th scope="col">{t!(i18n, staff_audit_actor)}</th>
                        <th scope="col">{t!(i18n, staff_audit_action)}</th>
                        <th scope="col">{t!(i18n, staff_audit_target)}</th>
                        <th scope="col">{t!(i18n, staff_audit_detail)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
