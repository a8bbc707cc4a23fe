//! `canvass bench-http`: page saves through the real server over TCP, against what this
//! machine's PostgreSQL can write at all, measured in the same run.
//!
//! The server is built as `canvass serve` builds it (router, middleware, accept loop, and
//! the background fold of the saves into the counts), on a port of its own. Each of
//! `concurrency` respondents opens one keep-alive connection, consents (a response begun),
//! then saves its pages again and again, each save a form post answered by a 303 — a closed
//! loop: the next save leaves when the last one is answered. It prints saves per second and
//! latency percentiles, and then the ceiling: as many tasks, over the same pool, each doing
//! durable single-row JSONB `INSERT`s of a page's size, one transaction each (what
//! `pgbench -f` with that statement measures), and the ratio of the two. It asserts nothing.
//! The limits on beginning responses are lifted: every respondent comes from 127.0.0.1.
//! The respondents run in the server's process, on the same cores: their own work (a few
//! microseconds a request) is part of what the figures pay for, as a load generator on the
//! same machine always is.

use std::time::{Duration, Instant};

use anyhow::Context;
use canvass_db::PgPool;
use leptos::config::LeptosOptions;

use crate::bench::{MICROS_PER_JIFFY, Walk, machine_busy_jiffies, process_busy_jiffies};
use crate::load::{Client, encode, percentile, resume_code};
use crate::{AppState, HttpSettings};

/// What one respondent measured.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    /// Saves not answered by a 303, by status.
    failed: std::collections::BTreeMap<u16, u64>,
}

async fn respondent(
    address: std::net::SocketAddr,
    walk: Walk,
    counted_from: Instant,
    until: Instant,
) -> anyhow::Result<Tally> {
    let mut client = Client::connect(address).await?;
    let consent = client
        .post("/s/ai-collab", "consent=agree".to_owned())
        .await?;
    anyhow::ensure!(
        consent.status == 303,
        "the consent post answered {}",
        consent.status
    );
    let code = resume_code(&consent.location)
        .context("no resume link")?
        .to_owned();
    let pages: Vec<(String, String)> = walk
        .iter()
        .map(|(section, posted)| (format!("/r/{code}/{section}"), encode(posted)))
        .collect();
    let mut tally = Tally::default();
    'saving: loop {
        for (path, body) in &pages {
            let sent = Instant::now();
            if sent >= until {
                break 'saving;
            }
            let status = client.post(path, body.clone()).await?.status;
            if sent >= counted_from {
                if status == 303 {
                    tally.latencies.push(sent.elapsed());
                } else {
                    *tally.failed.entry(status).or_default() += 1;
                }
            }
        }
    }
    Ok(tally)
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub async fn run(
    pool: &PgPool,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
) -> anyhow::Result<()> {
    let (_, survey) = crate::demo::national(pool).await?;
    // Respondents the survey goes on with: a screened-out one's response ends at the
    // screening page, and saving again there is refused (409), not a save.
    let walks: Vec<Walk> = crate::bench::walks(&survey, 256)?
        .into_iter()
        .filter(|walk| walk.len() > 2)
        .collect();
    anyhow::ensure!(
        !walks.is_empty(),
        "no synthetic respondent gets past the screening"
    );
    let options = LeptosOptions::builder()
        .output_name("canvass")
        .site_root("target/site")
        .build();
    let state =
        AppState::new(options, pool.clone()).with_start_limits(canvass_db::pace::StartLimits {
            per_address: u32::MAX,
            per_link: u32::MAX,
        });
    let settings = HttpSettings {
        request_timeout: Duration::from_secs(30),
        body_limit_bytes: 256 * 1024,
        upload_limit_bytes: 8 * 1024 * 1024,
        hash_files: false,
        hsts: false,
    };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let until_stop = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let fold = tokio::spawn(crate::tallies::fold_moves(
        pool.clone(),
        state.catalog.clone(),
        state.live.clone(),
        crate::tallies::FOLD_EVERY,
        until_stop(),
    ));
    let app = crate::router(state, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let limits = crate::listen::Limits {
        header_read_timeout: Duration::from_secs(10),
        max_connections: concurrency + 16,
    };
    let server = tokio::spawn(crate::listen::serve(listener, app, limits, until_stop()));

    eprintln!(
        "benchmarking page saves over HTTP: {concurrency} respondents, {warmup} s of warm-up and {seconds} s measured …"
    );
    let start = Instant::now();
    let counted_from = start + Duration::from_secs(warmup);
    let until = counted_from + Duration::from_secs(seconds);
    // CPU time over the measured window: the whole machine's, and this process's (the server
    // and the respondents), the rest being PostgreSQL's.
    let cpu_before = tokio::spawn(async move {
        tokio::time::sleep_until(counted_from.into()).await;
        cpu_now()
    });
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            let walk = walks[i % walks.len()].clone();
            tokio::spawn(respondent(address, walk, counted_from, until))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = std::collections::BTreeMap::<u16, u64>::new();
    for task in tasks {
        let tally = task.await??;
        latencies.extend(tally.latencies);
        for (status, n) in tally.failed {
            *failed.entry(status).or_default() += n;
        }
    }
    let cpu = cpu_since(cpu_before.await?);
    let failed: Vec<String> = failed.iter().map(|(s, n)| format!("{n} × {s}")).collect();
    let failed = if failed.is_empty() {
        "none".to_owned()
    } else {
        failed.join(", ")
    };
    let _ = stop.send(true);
    let _ = server.await;
    let _ = fold.await;
    latencies.sort();
    let saves_per_second = latencies.len() as f64 / seconds.max(1) as f64;
    println!(
        "HTTP saves: {} in {seconds} s = {saves_per_second:.0}/s; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; not saved: {failed}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
    );

    if let Some(cpu) = cpu {
        let saves = latencies.len().max(1) as f64;
        println!(
            "machine CPU: {:.0} µs per save: this process (server and respondents) {:.0} µs, the rest (PostgreSQL) {:.0} µs",
            cpu.machine as f64 * MICROS_PER_JIFFY / saves,
            cpu.process as f64 * MICROS_PER_JIFFY / saves,
            cpu.machine.saturating_sub(cpu.process) as f64 * MICROS_PER_JIFFY / saves,
        );
    }

    // The ceiling: durable single-row JSONB inserts of a page's size, as many at once.
    let page = serde_json::to_string(&walks[0].first().map(|(_, posted)| posted))?;
    let before = cpu_now();
    let ceiling =
        canvass_db::ceiling::run(pool, concurrency, Duration::from_secs(seconds), &page).await?;
    if let Some(cpu) = cpu_since(before) {
        println!(
            "machine CPU: {:.0} µs per INSERT",
            cpu.machine as f64 * MICROS_PER_JIFFY / ceiling.max(1) as f64
        );
    }
    let inserts_per_second = ceiling as f64 / seconds.max(1) as f64;
    println!(
        "ceiling: {ceiling} single-row JSONB INSERTs in {seconds} s = {inserts_per_second:.0}/s \
         ({concurrency} tasks over the pool's {} connections)",
        pool.options().get_max_connections()
    );
    println!(
        "HTTP saves / ceiling: {:.2}×",
        saves_per_second / inserts_per_second.max(f64::MIN_POSITIVE)
    );
    Ok(())
}

/// CPU ticks spent by the whole machine and by this process (so far, or over a window).
#[derive(Clone, Copy)]
struct Cpu {
    machine: u64,
    process: u64,
}

fn cpu_now() -> Option<Cpu> {
    Some(Cpu {
        machine: machine_busy_jiffies()?,
        process: process_busy_jiffies()?,
    })
}

/// The ticks spent since `before` was read.
fn cpu_since(before: Option<Cpu>) -> Option<Cpu> {
    let (before, now) = (before?, cpu_now()?);
    Some(Cpu {
        machine: now.machine.saturating_sub(before.machine),
        process: now.process.saturating_sub(before.process),
    })
}
