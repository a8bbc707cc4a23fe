//! Start-up: connect, migrate, bind, serve until a signal, drain.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use canvass_db::PgPool;
use leptos::config::LeptosOptions;
use tokio::sync::Notify;

use crate::config::{DatabaseConfig, ServeConfig};
use crate::{AppState, HttpSettings};

/// `canvass serve`.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let pool = canvass_db::connect_lazy(
        &config.database.database_url,
        config.database.pool_settings(),
    )
    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    if config.migrate_on_start {
        migrate(&pool).await?;
        install_bundled_surveys(&pool).await?;
    }
    let state = AppState::new(leptos_options(&config), pool.clone())
        .with_staff(config.staff.settings()?)
        .with_start_limits(config.start_limits());
    // The dummy hash an unknown e-mail is verified against, made now: made on first use, it
    // would make that one sign-in slower than a wrong password, and tell.
    state
        .staff
        .dummy_hash()
        .await
        .context("could not prepare password verification")?;
    let settings = HttpSettings {
        request_timeout: config.request_timeout(),
        body_limit_bytes: config.body_limit_bytes,
        upload_limit_bytes: config.upload_limit_bytes,
        hash_files: config.hash_files,
        hsts: config.staff.secure_cookies,
    };
    let live = state.live.clone();
    let catalog = state.catalog.clone();
    let live_at_stop = state.live.clone();
    let app = crate::router(state, settings);

    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("could not listen on {}", config.site_addr))?;
    tracing::info!(addr = %config.site_addr, "canvass is listening");

    // After the signal, in-flight requests get a grace period, then the process exits anyway.
    let stopping = Arc::new(Notify::new());
    let notifier = Arc::clone(&stopping);
    // Background work, until shutdown: expired staff sessions are deleted every 10
    // minutes; the saves are folded into the tallies every quarter second; live dashboards
    // announce this instance's changes and hear every instance's; queued exports are run.
    let (stop_tasks, stopping_tasks) = tokio::sync::watch::channel(false);
    let until_stop = move || {
        let mut stopping = stopping_tasks.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let export_dir = config
        .export_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("canvass-exports"));
    let tasks = [
        tokio::spawn(crate::export::job::run_jobs(
            pool.clone(),
            catalog.clone(),
            export_dir,
            crate::export::job::POLL_EVERY,
            until_stop(),
        )),
        tokio::spawn(crate::staff::delete_expired_sessions(
            pool.clone(),
            Duration::from_secs(600),
            until_stop(),
        )),
        // Failed sign-ins past the window summed up into the audit log.
        tokio::spawn(every(
            Duration::from_secs(60),
            "summing up failed sign-ins",
            {
                let pool = pool.clone();
                move || {
                    let pool = pool.clone();
                    async move {
                        let mut conn = pool.acquire().await?;
                        canvass_db::throttle::summarize(&mut conn).await.map(drop)
                    }
                }
            },
            until_stop(),
        )),
        tokio::spawn(every(
            Duration::from_secs(600),
            "deleting old respondent counts",
            {
                let pool = pool.clone();
                move || {
                    let pool = pool.clone();
                    async move {
                        let mut conn = pool.acquire().await?;
                        canvass_db::pace::forget_old(&mut conn).await.map(drop)
                    }
                }
            },
            until_stop(),
        )),
        tokio::spawn(crate::tallies::fold_moves(
            pool.clone(),
            catalog,
            live.clone(),
            crate::tallies::FOLD_EVERY,
            until_stop(),
        )),
        tokio::spawn(crate::live::publish(
            live.clone(),
            pool.clone(),
            until_stop(),
        )),
        tokio::spawn(crate::live::listen(live, pool, until_stop())),
    ];
    let limits = crate::listen::Limits {
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs.max(1)),
        max_connections: config.max_connections,
    };
    let server = crate::listen::serve(listener, app, limits, async move {
        crate::shutdown::signal().await;
        let _ = stop_tasks.send(true);
        live_at_stop.stop();
        notifier.notify_one();
    });
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    tokio::select! {
        () = server => {}
        () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still open after the grace period; exiting");
        }
    }
    for task in tasks {
        task.abort();
    }
    tracing::info!("canvass stopped");
    Ok(())
}

/// `canvass migrate`.
pub async fn migrate_only(config: &DatabaseConfig) -> anyhow::Result<()> {
    let pool = canvass_db::connect_lazy(&config.database_url, config.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await
}

/// `canvass seed-demo`.
pub async fn seed_demo(args: &crate::cli::SeedDemoArgs) -> anyhow::Result<()> {
    let pool = canvass_db::connect_lazy(&args.database.database_url, args.database.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    if args.if_empty {
        let mut conn = pool.acquire().await.context("no database connection")?;
        let existing = canvass_db::responses::count_for(&mut conn, "ai-collab").await?;
        if existing > 0 {
            tracing::info!(
                existing,
                "the national survey already has responses; not seeding"
            );
            return Ok(());
        }
    }
    crate::demo::seed(&pool, args.responses, args.seed).await
}

/// `canvass create-admin`.
pub async fn create_admin(args: &crate::cli::CreateAdminArgs) -> anyhow::Result<()> {
    let password = crate::admin::read_password(&args.email)?;
    let pool = canvass_db::connect_lazy(&args.database.database_url, args.database.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    crate::admin::create_admin(&pool, &args.email, &args.name, &password).await?;
    eprintln!("created the administrator account {}", args.email.trim());
    Ok(())
}

/// Records in the audit log that version `version` of `slug` was published, by the system
/// (at start, or from the command line): no acting user.
async fn record_published(
    conn: &mut canvass_db::PgConnection,
    slug: &str,
    version: u32,
) -> anyhow::Result<()> {
    let detail = format!("{slug} v{version}");
    canvass_db::audit::record(
        conn,
        None,
        canvass_db::audit::Action::SurveyPublished,
        None,
        Some(&detail),
    )
    .await
    .context("could not record the publication in the audit log")
}

/// `canvass import FILE [--publish]`: every problem and warning on standard error, each
/// with its place; a refused file publishes nothing and fails.
pub async fn import(args: &crate::cli::ImportArgs) -> anyhow::Result<()> {
    let shown = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("could not read {shown}"))?;
    let read = crate::definition::read(&shown, &bytes);
    let definition = match read {
        Ok(definition) => definition,
        Err(crate::definition::Refused::Problems { problems, warnings }) => {
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            for problem in &problems {
                eprintln!("problem: {problem}");
            }
            anyhow::bail!("{shown}: {} problem(s); nothing published", problems.len());
        }
        Err(refused) => anyhow::bail!("{shown}: {refused}; nothing published"),
    };
    for warning in &definition.warnings {
        eprintln!("warning: {warning}");
    }
    let questions = definition.survey.questions().count();
    let slug = definition.survey.slug.to_string();
    if !args.publish {
        eprintln!(
            "{shown}: the survey {slug} loads ({} sections, {questions} questions); not published (add --publish)",
            definition.survey.sections.len()
        );
        return Ok(());
    }
    let pool = canvass_db::connect_lazy(&args.database.database_url, args.database.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    let mut tx = pool.begin().await.context("could not open a transaction")?;
    let version = canvass_db::surveys::next_version(&mut tx, &slug).await?;
    let (survey, source) = definition.as_version(version);
    canvass_db::surveys::install(&mut tx, &survey, &source)
        .await
        .with_context(|| format!("could not publish {slug}"))?;
    record_published(&mut tx, &slug, version).await?;
    tx.commit()
        .await
        .context("could not commit the publication")?;
    eprintln!("published {slug} version {version} ({questions} questions) at /s/{slug}");
    Ok(())
}

/// `canvass create-token`: the token on standard output, nothing else there.
#[expect(clippy::print_stdout, reason = "the token is the command's output")]
pub async fn create_token(args: &crate::cli::CreateTokenArgs) -> anyhow::Result<()> {
    let pool = canvass_db::connect_lazy(&args.database.database_url, args.database.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    let token = crate::admin::create_token(
        &pool,
        &args.by,
        &args.name,
        &args.survey,
        &args.uses,
        &args.days,
    )
    .await?;
    println!("{token}");
    Ok(())
}

/// `canvass bench-saves`.
pub async fn bench_saves(args: &crate::cli::BenchSavesArgs) -> anyhow::Result<()> {
    // The server's own pool size (CANVASS_DB_MAX_CONNECTIONS): respondents beyond it wait
    // for a connection, as they would on the server, and that wait is in the latency.
    let mut settings = args.database.pool_settings();
    settings.acquire_timeout = Duration::from_secs(30);
    let pool = canvass_db::connect_lazy(&args.database.database_url, settings)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    crate::bench::run(
        &pool,
        args.concurrency,
        args.seconds,
        args.rate,
        args.warmup,
        canvass_db::recent::Recent::new(args.recent),
    )
    .await
}

pub async fn bench_http(args: &crate::cli::BenchHttpArgs) -> anyhow::Result<()> {
    let mut settings = args.database.pool_settings();
    settings.acquire_timeout = Duration::from_secs(30);
    let pool = canvass_db::connect_lazy(&args.database.database_url, settings)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    crate::bench_http::run(&pool, args.concurrency, args.seconds, args.warmup).await
}

pub async fn faults(args: &crate::cli::FaultsArgs) -> anyhow::Result<()> {
    let pool = canvass_db::connect_lazy(&args.database.database_url, args.database.pool_settings())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    let fault = match args.fault {
        crate::cli::FaultKind::Kill => crate::faults::Fault::Kill,
        crate::cli::FaultKind::Postgres => crate::faults::Fault::RestartPostgres {
            stop: args.stop_postgres.clone().unwrap_or_default(),
            start: args.start_postgres.clone().unwrap_or_default(),
            down: Duration::from_secs(args.down),
        },
    };
    let plan = crate::faults::Plan {
        respondents: args.respondents,
        before: Duration::from_secs(args.before),
        after: Duration::from_secs(args.after),
        server_log: args.server_log.clone(),
    };
    crate::faults::run(&pool, &args.database.database_url, fault, &plan).await
}

pub async fn bench_dashboard(args: &crate::cli::BenchDashboardArgs) -> anyhow::Result<()> {
    let mut settings = args.database.pool_settings();
    settings.acquire_timeout = Duration::from_secs(30);
    let pool = canvass_db::connect_lazy(&args.database.database_url, settings)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    crate::bench_dashboard::run(&pool, &args.sizes, args.requests, args.save_rate).await
}

pub async fn bench_export(args: &crate::cli::BenchExportArgs) -> anyhow::Result<()> {
    let mut settings = args.database.pool_settings();
    settings.acquire_timeout = Duration::from_secs(30);
    let pool = canvass_db::connect_lazy(&args.database.database_url, settings)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    migrate(&pool).await?;
    install_bundled_surveys(&pool).await?;
    if args.anonymize > 0 {
        crate::bench_export::anonymize(&pool, args.anonymize).await?;
    }
    if args.responses > 0 {
        crate::bench_export::run(&pool, args.responses).await?;
    }
    Ok(())
}

/// Publishes the surveys that ship with Canvass (the national survey) unless this exact
/// version is already there. A newer version published by staff is left alone.
pub async fn install_bundled_surveys(pool: &PgPool) -> anyhow::Result<()> {
    use canvass_db::surveys::{InstallError, Installed};
    let source = canvass_core::surveys::AI_COLLAB;
    let survey = canvass_core::survey::Survey::from_toml(source).map_err(|errors| {
        anyhow::anyhow!("the bundled survey ai-collab does not load: {errors}")
    })?;
    let mut tx = pool.begin().await.context("could not open a transaction")?;
    match canvass_db::surveys::install(&mut tx, &survey, source).await {
        Ok(Installed::Published { version }) => {
            record_published(&mut tx, survey.slug.as_str(), version).await?;
            tracing::info!(slug = %survey.slug, version, "published the bundled survey")
        }
        Ok(Installed::Unchanged { version }) => {
            tracing::debug!(slug = %survey.slug, version, "the bundled survey is already published")
        }
        Err(InstallError::Older { latest, .. }) => {
            tracing::info!(slug = %survey.slug, latest, "a newer version of the bundled survey is published; leaving it")
        }
        Err(error) => return Err(error).context("could not install the bundled survey"),
    }
    tx.commit()
        .await
        .context("could not commit the bundled survey")?;
    Ok(())
}

async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    canvass_db::MIGRATOR
        .run(pool)
        .await
        .context("could not apply the database migrations; the server will not start with an outdated schema")?;
    tracing::info!("database migrations are up to date");
    Ok(())
}

fn leptos_options(config: &ServeConfig) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(config.output_name.as_str())
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir(config.site_pkg_dir.as_str())
        .site_addr(config.site_addr)
        .hash_files(config.hash_files)
        .build()
}

/// Runs `job` every `period` until `stop` resolves. A failure is logged with `what` and
/// the next tick tries again: housekeeping that can wait.
async fn every<F, Fut>(
    period: Duration,
    what: &'static str,
    mut job: F,
    stop: impl Future<Output = ()>,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), canvass_db::Error>>,
{
    let work = async {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(error) = job().await {
                tracing::warn!(%error, task = what, "a periodic task failed");
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => tracing::debug!(task = what, "a periodic task stopped"),
    }
}
