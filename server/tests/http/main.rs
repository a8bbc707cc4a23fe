//! In-process HTTP tests: the real router called directly (no listening server), a fresh
//! database per test.

mod analysis;
mod anon_check;
mod export;
mod export_jobs;
mod export_roundtrip;
mod health;
mod invitations;
mod links;
mod live;
mod monitor;
mod openapi;
mod pages;
mod quotas;
mod recovery;
mod respond;
mod sign_in;
mod staff;
mod startup;
mod support;
mod tokens;
