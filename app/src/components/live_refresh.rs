use canvass_core::Lang;
use leptos::either::EitherOf3;
use leptos::prelude::*;

use crate::i18n::t;
use crate::live::Status;
use crate::messages;

/// A dashboard's live updates (an island): listens to the server's events and swaps in
/// fresh figures as responses arrive, with a status line. Without WASM it shows that the
/// page updates on refresh.
#[island]
pub fn LiveRefresh(
    /// The event stream (`/monitor/{slug}/events`).
    events: String,
    /// The page to take fresh figures from (`/monitor/{slug}`).
    page: String,
    lang: Lang,
) -> impl IntoView {
    let i18n = messages::provide_island_i18n(lang);
    let status = RwSignal::new(None::<Status>);
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            status.set(Some(Status::Connecting));
            let _ = crate::live::follow(&events, page.clone(), move |s| status.set(Some(s)));
        }
    });
    view! {
        <p class="live-status" role="status" aria-live="polite">
            {move || match status.get() {
                Some(Status::Live) => EitherOf3::A(t!(i18n, monitor_live)),
                Some(Status::Connecting | Status::Reconnecting) => EitherOf3::B(t!(i18n, monitor_reconnecting)),
                None => EitherOf3::C(t!(i18n, monitor_refresh)),
            }}
        </p>
    }
}
