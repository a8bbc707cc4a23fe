//! Reusable components, one per file.

mod footer;
mod header;
mod lang_switch;

pub use footer::Footer;
pub use header::Header;
pub use lang_switch::{LangSwitch, lang_cookie_options};
