//! What a rendered page tells the HTTP layer: its status and its Content-Security-Policy.
//! On the server these write to the response; in the browser they do nothing.

#[cfg(not(feature = "ssr"))]
mod browser;
mod policy;
#[cfg(feature = "ssr")]
mod server;

#[cfg(not(feature = "ssr"))]
pub use browser::{send_content_security_policy, set_status};
pub use policy::content_security_policy;
#[cfg(feature = "ssr")]
pub use server::{send_content_security_policy, set_status};
