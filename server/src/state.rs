//! What every handler and server function can reach.

use axum::extract::FromRef;
use canvass_app::backend::Backend;
use canvass_db::PgPool;
use canvass_db::recent::Recent;
use canvass_db::surveys::Catalog;
use leptos::config::LeptosOptions;

use crate::staff::{StaffSettings, StaffState};

/// Shared by all requests; cheap to clone (each field is a handle).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// Parsed survey versions (immutable, so safe to keep per process).
    pub catalog: Catalog,
    /// Staff sign-in settings and the dummy hash.
    pub staff: StaffState,
    /// Live dashboards: what this instance saw change, and what every instance heard.
    pub live: crate::live::Live,
    /// What this instance's latest page saves left, so the next save of the same response
    /// skips its read (checked by the write; see `canvass_db::recent`).
    pub recent: Recent,
    /// How many responses may be begun per address and per link (see `canvass_db::pace`).
    pub starts: canvass_db::pace::StartLimits,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: PgPool) -> AppState {
        AppState {
            leptos_options,
            pool,
            catalog: Catalog::default(),
            staff: StaffState::default(),
            live: crate::live::Live::default(),
            recent: Recent::default(),
            starts: canvass_db::pace::StartLimits::default(),
        }
    }

    /// The configured public origin, for pages that print the site's whole address.
    pub fn public_origin(&self) -> canvass_app::staff::backend::PublicOrigin {
        canvass_app::staff::backend::PublicOrigin(self.staff.settings.public_origin.clone())
    }

    /// The same state with these staff settings.
    pub fn with_staff(self, settings: StaffSettings) -> AppState {
        AppState {
            staff: StaffState::new(settings),
            ..self
        }
    }

    pub fn with_start_limits(self, starts: canvass_db::pace::StartLimits) -> AppState {
        AppState { starts, ..self }
    }

    /// What the Leptos pages and server functions reach, as context.
    pub fn backend(&self) -> Backend {
        Backend {
            pool: self.pool.clone(),
            catalog: self.catalog.clone(),
        }
    }
}
