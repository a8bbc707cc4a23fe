//! `canvass-app`: the Leptos application, rendered on the server (`ssr`) and hydrated in the
//! browser (`hydrate`).
//!
//! Pages and components render from translation keys only (`locales/*.json`, compiled into
//! the `i18n` module); server functions are thin shells over `canvass-db` and `canvass-core`.
//! `cfg` appears only on `mod` lines here and in the two-sided modules below.

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
mod app;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
mod draft;
pub mod error_page;
mod fetch;
#[cfg(feature = "hydrate")]
mod hydrate;
mod live;
pub mod messages;
pub mod pages;
pub mod security;
pub mod staff;

pub use app::{App, shell};
