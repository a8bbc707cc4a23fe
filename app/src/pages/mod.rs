//! Routed pages, one per file.

mod analysis;
mod ended;
mod home;
mod monitor;
mod not_found;
mod review;
mod section;
mod staff_audit;
mod staff_exports;
mod staff_forbidden;
mod staff_home;
mod staff_links;
mod staff_password;
mod staff_sign_in;
mod staff_tokens;
mod staff_users;
mod unavailable;
mod welcome;

use leptos::prelude::*;
use leptos_router::components::Redirect;

pub use analysis::AnalysisDashboard;
pub use ended::EndPage;
pub use home::HomePage;
pub use monitor::MonitorDashboard;
pub use not_found::NotFoundPage;
pub use review::ReviewPage;
pub use section::SectionPage;
pub use staff_audit::StaffAuditPage;
pub use staff_exports::StaffExportsPage;
pub use staff_forbidden::StaffForbiddenPage;
pub use staff_home::StaffHomePage;
pub use staff_links::StaffLinksPage;
pub use staff_password::StaffPasswordPage;
pub use staff_sign_in::StaffSignInPage;
pub use staff_tokens::StaffTokensPage;
pub use staff_users::StaffUsersPage;
pub use unavailable::UnavailablePage;
pub use welcome::WelcomePage;

use crate::api::Load;

/// What a respondent's page shows when its data is not ready to show: the 404 page, a
/// redirect (a 302 on the server, a navigation in the browser), or "unavailable".
fn elsewhere<T>(load: Result<Load<T>, ServerFnError>) -> AnyView {
    match load {
        Ok(Load::Redirect(path)) => view! { <Redirect path=path /> }.into_any(),
        Ok(Load::NotFound) => view! { <NotFoundPage /> }.into_any(),
        Ok(Load::Ready(_)) => ().into_any(),
        Err(_) => view! { <UnavailablePage /> }.into_any(),
    }
}

/// A staff page's view once its data is ready; else sign in (a redirect), "not allowed"
/// (403) or "unavailable".
fn gated<T>(
    load: Result<crate::staff::Gate<T>, ServerFnError>,
    ready: impl FnOnce(T) -> AnyView,
) -> AnyView {
    use crate::staff::{Gate, paths};
    match load {
        Ok(Gate::Ready(data)) => ready(data),
        Ok(Gate::SignIn) => view! { <Redirect path=paths::SIGN_IN /> }.into_any(),
        Ok(Gate::Forbidden) => view! { <StaffForbiddenPage /> }.into_any(),
        Err(_) => view! { <UnavailablePage /> }.into_any(),
    }
}
