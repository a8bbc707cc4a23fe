//! Routed pages, one per file.

mod ended;
mod home;
mod not_found;
mod review;
mod section;
mod unavailable;
mod welcome;

use leptos::prelude::*;
use leptos_router::components::Redirect;

pub use ended::EndPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use review::ReviewPage;
pub use section::SectionPage;
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
