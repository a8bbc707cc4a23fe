//! `canvass-core`: the questionnaire model and the rules that browser and server share.
//!
//! This crate is pure: no I/O, no async runtime, no web framework, no database, no `cfg`.
//! It builds for `wasm32-unknown-unknown` and natively, so the browser checks exactly what
//! the server enforces. Raw input becomes a domain value only through a parser here.

pub mod analysis;
pub mod anonymize;
pub mod answers;
pub mod email;
pub mod export;
pub mod expr;
pub mod ids;
pub mod invitees;
pub mod lang;
pub mod monitor;
pub mod response;
pub mod staff;
pub mod stats;
pub mod survey;
pub mod surveys;
pub mod synth;
pub mod xlsform;

pub use lang::{Lang, UnsupportedLang};
