//! Routes outside Leptos. Leptos pages and server functions are mounted in `crate::router`.

pub mod health;
pub mod lang;
pub mod links;
pub mod respond;
pub mod staff;
pub mod staff_links;
pub mod staff_tokens;
pub mod stats;
