use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{StaffErrors, StaffField, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::staff_role;
use crate::staff::{StaffId, StaffPosted, StaffRole, UserRow, UsersPage, load_users, paths};

/// `/staff/users` (admins): every account, each with its role and a button to deactivate
/// or reactivate it, and the form that adds one.
#[component]
pub fn StaffUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| load_users());
    let done = use_query_map().with_untracked(|q| q.get("done"));
    view! {
        <Suspense>
            {move || {
                let done = done.clone();
                Suspend::new(async move {
                    super::gated(page.await, move |page: UsersPage| {
                        let notice = done.map(|done| {
                            let text = move || match done.as_str() {
                                "created" => t_string!(i18n, staff_users_created).to_string(),
                                _ => t_string!(i18n, staff_users_changed).to_string(),
                            };
                            view! { <p class="notice" role="status">{text}</p> }
                        });
                        let me = page.me.id;
                        let rows = page
                            .users
                            .into_iter()
                            .map(|user| view! { <UserItem user=user me=me /> })
                            .collect_view();
                        view! {
                            <Title text=t_string!(i18n, staff_users_title) />
                            <h1>{t!(i18n, staff_users_title)}</h1>
                            <StaffNav me=page.me />
                            {notice}
                            <ul class="user-list">{rows}</ul>
                            <CreateUser />
                        }
                        .into_any()
                    })
                })
            }}
        </Suspense>
    }
}

/// A select of the three roles, `selected` chosen.
#[component]
fn RoleSelect(id: String, selected: StaffRole, #[prop(optional)] invalid: bool) -> impl IntoView {
    let i18n = use_i18n();
    let options = StaffRole::ALL
        .into_iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=role == selected>
                    {move || staff_role(i18n, role)}
                </option>
            }
        })
        .collect_view();
    view! {
        <select id=id name="role" aria-invalid=invalid.then_some("true")>
            {options}
        </select>
    }
}

#[component]
fn UserItem(user: UserRow, me: StaffId) -> impl IntoView {
    let i18n = use_i18n();
    let form = format!("user_{}", user.id);
    let action = paths::user(user.id);
    let role_id = format!("{form}-role");
    let name = user.name.clone();
    let role_label = move || t_string!(i18n, staff_users_role_of, name = name.clone());
    let invalid = use_context::<StaffPosted>()
        .and_then(|p| p.error(&form, "role"))
        .is_some();
    let (status_action, status_button) = if user.active {
        (
            "deactivate",
            t_string!(i18n, staff_users_deactivate).to_string(),
        )
    } else {
        (
            "reactivate",
            t_string!(i18n, staff_users_reactivate).to_string(),
        )
    };
    let status = if user.active {
        t_string!(i18n, staff_users_active).to_string()
    } else {
        t_string!(i18n, staff_users_inactive).to_string()
    };
    view! {
        <li class="user" class:inactive=!user.active>
            <p class="user-name">
                <strong>{user.name.clone()}</strong>
                {(user.id == me).then(|| view! { " " {t!(i18n, staff_users_you)} })}
            </p>
            <p class="user-email">{user.email.clone()}</p>
            <p class="user-status">{status}</p>
            <StaffErrors form=form.clone() />
            <form method="post" action=action.clone() class="inline-form">
                <input type="hidden" name="action" value="role" />
                <label for=role_id.clone()>{role_label}</label>
                <RoleSelect id=role_id selected=user.role invalid=invalid />
                <button type="submit" class="secondary">{t!(i18n, staff_users_save_role)}</button>
            </form>
            <form method="post" action=action class="inline-form">
                <input type="hidden" name="action" value=status_action />
                <button type="submit" class="secondary">{status_button}</button>
            </form>
        </li>
    }
}

#[component]
fn CreateUser() -> impl IntoView {
    let i18n = use_i18n();
    let posted = use_context::<StaffPosted>().unwrap_or_default();
    let role = posted
        .value("create_user", "role")
        .and_then(|r| StaffRole::parse(&r))
        .unwrap_or(StaffRole::Viewer);
    let role_invalid = posted.error("create_user", "role").is_some();
    view! {
        <section class="staff-section" aria-labelledby="create-user-title">
            <h2 id="create-user-title">{t!(i18n, staff_users_create_title)}</h2>
            <StaffErrors form="create_user" />
            <form method="post" action=paths::USERS class="staff-form">
                <StaffField
                    form="create_user"
                    name="name"
                    label=t_string!(i18n, staff_users_name).to_string()
                    autocomplete="off"
                    required=true
                />
                <StaffField
                    form="create_user"
                    name="email"
                    label=t_string!(i18n, staff_users_email).to_string()
                    kind="email"
                    required=true
                />
                <div class="field" class:has-error=role_invalid>
                    <label for="create_user-role">{t!(i18n, staff_users_role)}</label>
                    <RoleSelect id="create_user-role".to_owned() selected=role invalid=role_invalid />
                </div>
                <StaffField
                    form="create_user"
                    name="password"
                    label=t_string!(i18n, staff_users_initial_password).to_string()
                    kind="password"
                    autocomplete="new-password"
                    hint=t_string!(i18n, staff_users_create_hint).to_string()
                    required=true
                />
                <button type="submit">{t!(i18n, staff_users_create)}</button>
            </form>
        </section>
    }
}
