//! Structured logs through `tracing`.
//!
//! Fields are chosen at each call site (`skip_all` plus explicit, safe fields): no answers,
//! e-mail addresses, IP addresses, passwords or resume codes ever reach a log line.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. Logs go to standard error: JSON lines unless it is a terminal.
pub fn init(config: &LogConfig) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.log)
        .map_err(|e| anyhow::anyhow!("CANVASS_LOG {:?} is not a valid filter: {e}", config.log))?;
    let json = match config.log_format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let result = if json {
        registry
            .with(fmt.json().flatten_event(true).with_current_span(false))
            .try_init()
    } else {
        registry.with(fmt.compact()).try_init()
    };
    result.map_err(|e| anyhow::anyhow!("could not install the log subscriber: {e}"))
}
