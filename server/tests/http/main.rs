//! In-process HTTP tests: the real router, a fresh database per test, no sockets.

mod health;
mod pages;
mod support;
