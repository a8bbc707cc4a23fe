//! The command line: `canvass serve`, `migrate`, `seed-demo`, `create-admin`, `bench-saves`,
//! `bench-dashboard`, `bench-export`, `bench-invitees`.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{DatabaseConfig, LogConfig, ServeConfig};

/// Canvass: a survey platform a medical society runs itself.
///
/// Every option can also be set through the environment variable shown beside it.
#[derive(Debug, Parser)]
#[command(name = "canvass", version)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogConfig,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (applies pending migrations first, unless told not to).
    Serve(Box<ServeConfig>),
    /// Apply pending database migrations and install the bundled surveys, then exit.
    Migrate(DatabaseConfig),
    /// Fill the database with synthetic respondents of the national survey (demo data).
    SeedDemo(SeedDemoArgs),
    /// Measure page saves per second and their latency (prints figures; adds responses).
    BenchSaves(BenchSavesArgs),
    /// Measure the monitoring dashboard's and the stats endpoint's response times at given
    /// numbers of responses, while saves go on (prints figures; adds responses).
    BenchDashboard(BenchDashboardArgs),
    /// Measure a dataset export of the national survey against PostgreSQL's own COPY of
    /// the same rows: rows per second and peak memory (prints figures; adds responses).
    BenchExport(BenchExportArgs),
    /// Measure page saves through the real server over TCP against the machine's ceiling
    /// (single-row JSONB INSERTs) measured in the same run (prints figures; adds responses).
    BenchHttp(BenchHttpArgs),
    /// Measure reading an invitee list: a large one, and a hostile one of many lines
    /// (prints figures; needs no database).
    BenchInvitees(BenchInviteesArgs),
    /// Measure importing a generated XLSForm: reading the .xlsx, the import, writing it as
    /// TOML and loading that back (prints figures; needs no database).
    BenchImport(BenchImportArgs),
    /// Create an administrator account. The password is read from standard input (a hidden
    /// prompt on a terminal), never taken as an argument.
    CreateAdmin(CreateAdminArgs),
    /// Respondents save pages while the server is killed (SIGKILL) or PostgreSQL restarts;
    /// then check that nothing acknowledged was lost or written twice (prints figures,
    /// fails when a check fails; adds responses).
    Faults(FaultsArgs),
    /// Create an API token on behalf of an active admin and print it (the one time it can
    /// be read); the audit log records it as the admin's.
    CreateToken(CreateTokenArgs),
    /// Check a survey definition (Canvass TOML or an XLSForm .xlsx) and print every
    /// problem and warning with its place; with --publish, publish it as its survey's next
    /// version (a new survey when the slug is new).
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The definition file: `.toml` or `.xlsx`.
    pub file: std::path::PathBuf,
    /// Publish it (without: only check it).
    #[arg(long)]
    pub publish: bool,
}

#[derive(Debug, clap::Args)]
pub struct CreateTokenArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The e-mail address of the admin the token is made for.
    #[arg(long)]
    pub by: String,
    /// What the token is for, as the tokens page lists it.
    #[arg(long)]
    pub name: String,
    /// The survey it reads (its slug), or `*` for every survey.
    #[arg(long)]
    pub survey: String,
    /// What it may do: a comma-separated list of stats, analysis, export.
    #[arg(long)]
    pub uses: String,
    /// Days until it expires: 7, 30, 90, 180 or 365.
    #[arg(long, default_value = "90")]
    pub days: String,
}

/// What `canvass faults` does to the running system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FaultKind {
    /// Kill the server with SIGKILL and start it again.
    Kill,
    /// Stop PostgreSQL (fast shutdown) and start it again, with the given commands.
    Postgres,
}

#[derive(Debug, clap::Args)]
pub struct FaultsArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[arg(long, value_enum)]
    pub fault: FaultKind,
    /// Respondents saving at the same time, each on its own connection.
    #[arg(long, default_value_t = 32)]
    pub respondents: usize,
    /// Seconds of saving before the fault.
    #[arg(long, default_value_t = 3)]
    pub before: u64,
    /// Seconds of saving once the system is back.
    #[arg(long, default_value_t = 4)]
    pub after: u64,
    /// Seconds PostgreSQL stays down.
    #[arg(long, default_value_t = 2)]
    pub down: u64,
    /// Shell command that stops PostgreSQL (fast shutdown), for `--fault postgres`.
    #[arg(long, required_if_eq("fault", "postgres"))]
    pub stop_postgres: Option<String>,
    /// Shell command that starts PostgreSQL again, for `--fault postgres`.
    #[arg(long, required_if_eq("fault", "postgres"))]
    pub start_postgres: Option<String>,
    /// File the server's log is appended to (else it goes to standard error).
    #[arg(long)]
    pub server_log: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CreateAdminArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The administrator's e-mail address (what they sign in with).
    #[arg(long)]
    pub email: String,
    /// The name shown in the interface and the audit log.
    #[arg(long, default_value = "Administrator")]
    pub name: String,
}

#[derive(Debug, clap::Args)]
pub struct BenchHttpArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Respondents saving at the same time, each on its own connection.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// How long to measure (the ceiling is measured as long again).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds run first and not counted.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
}

#[derive(Debug, clap::Args)]
pub struct BenchSavesArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Respondents saving at the same time.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// How long to run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Pace all respondents together to this many saves per second (default: as fast as
    /// they can, each saving again as soon as a save returns).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds run before the measured ones, not counted (respondents all arrive at the
    /// start, which a running server never sees).
    #[arg(long, default_value_t = 1)]
    pub warmup: u64,
    /// Snapshots of recently saved responses kept for their next save, as the server keeps
    /// (0: every save reads its response first).
    #[arg(long, default_value_t = canvass_db::recent::Recent::DEFAULT_CAPACITY)]
    pub recent: usize,
}

#[derive(Debug, clap::Args)]
pub struct BenchDashboardArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Numbers of responses to measure at, smallest first; the survey is topped up to each.
    #[arg(long, value_delimiter = ',', default_values_t = [5_142, 1_000_000])]
    pub sizes: Vec<u64>,
    /// Requests to each of the dashboard and the stats endpoint, at each size.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Page saves per second made meanwhile by respondents in the background (0: none).
    #[arg(long, default_value_t = 100.0)]
    pub save_rate: f64,
}

#[derive(Debug, clap::Args)]
pub struct BenchExportArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Completed responses to export; the survey is topped up to this many (0: no export,
    /// the anonymization alone).
    #[arg(long, default_value_t = 1_000_000)]
    pub responses: u64,
    /// Distinct respondents drawn (not stored) whose export is anonymized with k = 5 and
    /// all eleven quasi-identifiers (0: none).
    #[arg(long, default_value_t = 1_000_000)]
    pub anonymize: u64,
}

#[derive(Debug, clap::Args)]
pub struct BenchImportArgs {
    /// Questions in the generated form.
    #[arg(long, default_value_t = 1_000)]
    pub questions: u64,
}

#[derive(Debug, clap::Args)]
pub struct BenchInviteesArgs {
    /// Invitees in the large list.
    #[arg(long, default_value_t = 50_000)]
    pub invitees: u64,
}

#[derive(Debug, clap::Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// How many respondents to create.
    #[arg(long, default_value_t = 5142)]
    pub responses: u64,
    /// Seed of the first respondent: the same seed gives the same respondents.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do nothing when the survey already has responses (what `make run` uses).
    #[arg(long)]
    pub if_empty: bool,
}

/// Runs the parsed command line; every failure is logged with its cause chain.
pub fn run(cli: Cli) -> ExitCode {
    if let Err(error) = crate::telemetry::init(&cli.log) {
        eprintln!("canvass: {error:#}");
        return ExitCode::FAILURE;
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
        .and_then(|runtime| {
            runtime.block_on(async {
                match cli.command {
                    Command::Serve(config) => crate::serve::serve(*config).await,
                    Command::Migrate(config) => crate::serve::migrate_only(&config).await,
                    Command::SeedDemo(args) => crate::serve::seed_demo(&args).await,
                    Command::BenchSaves(args) => crate::serve::bench_saves(&args).await,
                    Command::BenchHttp(args) => crate::serve::bench_http(&args).await,
                    Command::BenchDashboard(args) => crate::serve::bench_dashboard(&args).await,
                    Command::BenchExport(args) => crate::serve::bench_export(&args).await,
                    Command::BenchInvitees(args) => crate::bench::invitees(args.invitees),
                    Command::BenchImport(args) => crate::bench::import_form(args.questions),
                    Command::CreateAdmin(args) => crate::serve::create_admin(&args).await,
                    Command::Faults(args) => crate::serve::faults(&args).await,
                    Command::CreateToken(args) => crate::serve::create_token(&args).await,
                    Command::Import(args) => crate::serve::import(&args).await,
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "canvass stopped");
            ExitCode::FAILURE
        }
    }
}
