//! Configuration: every setting the server reads, in one place.
//!
//! Each field names its environment variable; `canvass --help` prints them all with their
//! defaults. Configuration is read once, in `main`, and passed down; nothing else in Canvass
//! reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Settings shared by every subcommand that talks to the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL. `make run` and `make test` set it to the project-local
    /// cluster when it is unset.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Most connections this process opens.
    #[arg(long, env = "CANVASS_DB_MAX_CONNECTIONS", default_value_t = 20)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free connection before failing (503 on `/readyz`).
    #[arg(long, env = "CANVASS_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 3)]
    pub db_acquire_timeout_secs: u64,
}

impl DatabaseConfig {
    pub fn pool_settings(&self) -> canvass_db::PoolSettings {
        canvass_db::PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs),
        }
    }
}

/// Settings of `canvass serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Address and port to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Folder holding the built site (`pkg/` with the WASM bundle, CSS and public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Sub-folder of the site root with the compiled bundle.
    #[arg(long, env = "LEPTOS_SITE_PKG_DIR", default_value = "pkg")]
    pub site_pkg_dir: String,

    /// Base name of the bundle files (`<name>.js`, `<name>_bg.wasm`, `<name>.css`).
    #[arg(long, env = "LEPTOS_OUTPUT_NAME", default_value = "canvass")]
    pub output_name: String,

    /// Whether bundle file names carry a content hash (set by cargo-leptos's `hash-files`);
    /// when they do, `/pkg/` is served with a one-year immutable cache lifetime.
    #[arg(long, env = "LEPTOS_HASH_FILES", default_value_t = false, action = clap::ArgAction::Set)]
    pub hash_files: bool,

    /// Apply pending migrations before serving. A failure stops the start.
    #[arg(long, env = "CANVASS_MIGRATE_ON_START", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate_on_start: bool,

    /// Seconds before a request is answered with 408 and abandoned.
    #[arg(long, env = "CANVASS_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds a client has to send a request's head (request line and headers), from the
    /// connection's start or the previous response; a slower one is disconnected.
    #[arg(long, env = "CANVASS_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,

    /// Connections open at once; more wait in the kernel's queue until one closes. Keep it
    /// under the process's file-descriptor limit (`ulimit -n`).
    #[arg(long, env = "CANVASS_MAX_CONNECTIONS", default_value_t = 1000)]
    pub max_connections: usize,

    /// Responses that may be begun from one client address within ten minutes (a hospital's
    /// network may put hundreds of respondents behind one address: keep it generous).
    #[arg(long, env = "CANVASS_STARTS_PER_ADDRESS", default_value_t = 200)]
    pub starts_per_address: u32,

    /// Responses that may be begun through one distribution link within ten minutes.
    #[arg(long, env = "CANVASS_STARTS_PER_LINK", default_value_t = 2000)]
    pub starts_per_link: u32,

    /// Largest request body accepted, in bytes (413 above it).
    #[arg(long, env = "CANVASS_BODY_LIMIT_BYTES", default_value_t = 256 * 1024)]
    pub body_limit_bytes: usize,

    /// Largest uploaded file accepted, in bytes (an invitee list: 50,000 invitees with
    /// e-mail addresses take about 4 MB).
    #[arg(long, env = "CANVASS_UPLOAD_LIMIT_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub upload_limit_bytes: usize,

    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "CANVASS_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// A scratch folder where dataset exports are written before they are stored in
    /// PostgreSQL (default: `canvass-exports` in the system's temporary folder).
    #[arg(long, env = "CANVASS_EXPORT_DIR")]
    pub export_dir: Option<PathBuf>,

    #[command(flatten)]
    pub staff: StaffConfig,
}

/// Staff sign-in: sessions, cookies, and where requests come from.
#[derive(Debug, Clone, Args)]
pub struct StaffConfig {
    /// Send cookies only over HTTPS (`Secure`; the session cookie gets the `__Host-`
    /// prefix), and tell browsers to use HTTPS only (`Strict-Transport-Security`, a year).
    /// Turn on whenever the site is served over HTTPS.
    #[arg(long, env = "CANVASS_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,

    /// Minutes of inactivity after which a staff session ends.
    #[arg(long, env = "CANVASS_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,

    /// Hours after sign-in at which a staff session ends, however active.
    #[arg(long, env = "CANVASS_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,

    /// The site's public origin, e.g. `https://survey.example.org`, when it is served behind
    /// a reverse proxy that changes the `Host` header. Staff posts must come from it.
    #[arg(long, env = "CANVASS_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// A header a reverse proxy sets to the client's address (e.g. `X-Real-IP`), used for
    /// sign-in throttling. Unset: the TCP peer's address.
    #[arg(long, env = "CANVASS_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
}

impl StaffConfig {
    pub fn settings(&self) -> anyhow::Result<crate::staff::StaffSettings> {
        let client_ip_header =
            match &self.client_ip_header {
                Some(name) => Some(axum::http::HeaderName::try_from(name.as_str()).map_err(
                    |_| anyhow::anyhow!("CANVASS_CLIENT_IP_HEADER is not a header name: {name}"),
                )?),
                None => None,
            };
        Ok(crate::staff::StaffSettings {
            secure_cookies: self.secure_cookies,
            idle_timeout: Duration::from_secs(self.session_idle_minutes.max(1) * 60),
            max_lifetime: Duration::from_secs(self.session_max_hours.max(1) * 3600),
            public_origin: self.public_origin.clone(),
            client_ip_header,
            ..crate::staff::StaffSettings::default()
        })
    }
}

impl ServeConfig {
    pub fn start_limits(&self) -> canvass_db::pace::StartLimits {
        canvass_db::pace::StartLimits {
            per_address: self.starts_per_address.max(1),
            per_link: self.starts_per_link.max(1),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// Logging settings, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct LogConfig {
    /// Log filter in `tracing` syntax, e.g. `info` or `info,canvass_server=debug`.
    #[arg(long, env = "CANVASS_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format. `auto` writes JSON lines unless standard error is a terminal.
    #[arg(long, env = "CANVASS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Auto,
    Json,
    Pretty,
}
