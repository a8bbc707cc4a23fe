//! The staff side's actions, each one function: the change and its audit entry, in the
//! caller's transaction (sign-in, which must hold no connection while it verifies a
//! password, takes the pool). The server's handlers parse the form, call one of these and
//! answer; the rules live here and in the modules they call.

pub mod accounts;
pub mod invitations;
pub mod links;
pub mod quotas;
pub mod tokens;
