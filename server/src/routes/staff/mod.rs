//! The staff side's posts and downloads, one file per resource. Every handler takes a
//! [`crate::extract::StaffCall`] naming the roles that may call it, so the role is checked
//! before the handler runs; the same-origin check has refused cross-site posts before that.

pub mod accounts;
pub mod invitations;
pub mod links;
pub mod quotas;
pub mod tokens;
