//! `canvass faults`: respondents saving pages while the server is killed (`SIGKILL`) or
//! PostgreSQL restarts, and a check afterwards that nothing acknowledged was lost or
//! counted twice. `make test` runs both against a PostgreSQL cluster of their own.
//!
//! The server runs as a child process (`canvass serve`, this same binary) on a port of its
//! own. Each respondent keeps one connection, consents, then saves the pages of its walk
//! again and again; each save of the page with the free-text question carries a new mark
//! (`fault 17`), and the respondent records every save it sent and every one the server
//! acknowledged (303). After the fault and a while of saving on, the check reads each
//! response back:
//! - every acknowledged save is there once: its revision went up by at least the saves
//!   acknowledged and at most the saves sent (a save whose answer was lost with the
//!   connection may or may not have been written, never twice);
//! - its free-text answer is the one last acknowledged or one sent after it;
//! - every respondent saved again after the fault (they can go on);
//! - the monitoring's counts equal the responses stored (no move counted twice or lost);
//! - no answer was a 5xx other than 503, each 503 said when to retry, and no request took
//!   longer than the server's request timeout.
//!
//! For PostgreSQL it also follows `/readyz`: 503 while the database is down, 200 again
//! after. It prints its figures and fails (exit status 1) when a check fails.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use canvass_core::answers::{Answer, Outcome};
use canvass_db::PgPool;
use canvass_db::responses::ResumeCode;

use crate::bench::Walk;
use crate::load::{Client, Reply, encode, resume_code};

/// The server's request timeout in these runs: no request may take longer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The free-text question whose saves carry a mark.
const MARKED: &str = "comments";

/// What is done to the running system.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The server killed with `SIGKILL`, then started again.
    Kill,
    /// PostgreSQL stopped (fast shutdown) by `stop`, left down for `down`, started by
    /// `start` (shell commands).
    RestartPostgres {
        stop: String,
        start: String,
        down: Duration,
    },
}

/// How a run is laid out.
#[derive(Debug, Clone)]
pub struct Plan {
    pub respondents: usize,
    /// Saving before the fault.
    pub before: Duration,
    /// Saving after the system is back.
    pub after: Duration,
    /// Where the server's log goes (inherited when `None`).
    pub server_log: Option<std::path::PathBuf>,
}

/// The server as a child process.
struct Server {
    child: Child,
}

impl Server {
    fn spawn(
        database_url: &str,
        address: SocketAddr,
        log: Option<&std::path::Path>,
    ) -> anyhow::Result<Server> {
        let stderr = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot write the server's log {}", path.display()))?,
            ),
            None => Stdio::inherit(),
        };
        let child = std::process::Command::new(std::env::current_exe()?)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", address.to_string())
            .env("CANVASS_STARTS_PER_ADDRESS", u32::MAX.to_string())
            .env("CANVASS_STARTS_PER_LINK", u32::MAX.to_string())
            .env(
                "CANVASS_REQUEST_TIMEOUT_SECS",
                REQUEST_TIMEOUT.as_secs().to_string(),
            )
            .env("CANVASS_LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("cannot start the server")?;
        Ok(Server { child })
    }

    /// `SIGKILL`, and the child reaped.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on now.
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// `/readyz`'s status, or `None` when nothing answers.
async fn readiness(address: SocketAddr) -> Option<u16> {
    let mut client = Client::connect(address).await.ok()?;
    let reply = tokio::time::timeout(Duration::from_secs(5), client.get("/readyz"))
        .await
        .ok()?
        .ok()?;
    Some(reply.status)
}

async fn wait_ready(address: SocketAddr, within: Duration) -> anyhow::Result<Duration> {
    let from = Instant::now();
    while from.elapsed() < within {
        if readiness(address).await == Some(200) {
            return Ok(from.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server was not ready within {} s", within.as_secs())
}

/// What one respondent saw.
#[derive(Debug, Default)]
struct Record {
    code: Option<String>,
    /// The response's revision once it began.
    base: i32,
    sent: u64,
    acked: u64,
    /// The mark of the last save of the marked page sent, and acknowledged.
    sent_mark: Option<u64>,
    acked_mark: Option<u64>,
    /// When the first save after the fault was acknowledged.
    first_ack_after_fault: Option<Instant>,
    /// When a save first failed after the fault, and when one next succeeded: the outage
    /// this respondent saw.
    failed_at: Option<Instant>,
    worked_again: Option<Instant>,
    /// Answers that were not a 303, by status.
    refused: BTreeMap<u16, u64>,
    /// 503s without a `Retry-After`.
    without_retry_after: u64,
    /// Requests that failed on the connection (refused, reset).
    connection_errors: u64,
    /// Requests that took longer than the request timeout (and a second).
    hung: u64,
}

/// Shared by the respondents and the run.
struct Clock {
    stop: AtomicBool,
    /// Set once the fault has happened.
    faulted: OnceLock<Instant>,
    began: AtomicUsize,
}

async fn respondent(address: SocketAddr, pool: PgPool, walk: Walk, clock: Arc<Clock>) -> Record {
    let mut record = Record::default();
    let mut client: Option<Client> = None;
    let mut mark = 0u64;
    let mut page = 0usize;
    let mut consented = false;
    while !clock.stop.load(Ordering::Relaxed) {
        let (path, body, marked) = if consented {
            let Some(code) = record.code.as_deref() else {
                break;
            };
            let (section, posted) = &walk[page % walk.len()];
            let mut posted = posted.clone();
            let marked = posted.contains_key(MARKED);
            if marked {
                mark += 1;
                posted.insert(MARKED.to_owned(), vec![format!("fault {mark}")]);
            }
            (format!("/r/{code}/{section}"), encode(&posted), marked)
        } else {
            ("/s/ai-collab".to_owned(), "consent=agree".to_owned(), false)
        };
        if client.is_none() {
            match Client::connect(address).await {
                Ok(c) => client = Some(c),
                Err(_) => {
                    record.connection_errors += 1;
                    record.failed(&clock);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        }
        let Some(c) = client.as_mut() else { continue };
        if consented {
            record.sent += 1;
            if marked {
                record.sent_mark = Some(mark);
            }
        }
        let sent = Instant::now();
        let reply: Option<Reply> = match tokio::time::timeout(
            REQUEST_TIMEOUT + Duration::from_secs(1),
            c.post(&path, body),
        )
        .await
        {
            Ok(Ok(reply)) => Some(reply),
            Ok(Err(_)) => {
                record.connection_errors += 1;
                None
            }
            Err(_) => {
                record.hung += 1;
                None
            }
        };
        let Some(reply) = reply else {
            record.failed(&clock);
            client = None;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        if reply.status != 303 {
            record.failed(&clock);
            *record.refused.entry(reply.status).or_default() += 1;
            if reply.status == 503 && reply.retry_after.is_none() {
                record.without_retry_after += 1;
            }
            // A person reads the page and tries again; a second is enough here.
            let wait = reply.retry_after.unwrap_or(1).min(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        if !consented {
            let Some(code) = resume_code(&reply.location) else {
                *record.refused.entry(0).or_default() += 1;
                break;
            };
            let base = match ResumeCode::parse(code) {
                Some(parsed) => base_revision(&pool, &parsed).await,
                None => None,
            };
            let Some(base) = base else {
                *record.refused.entry(0).or_default() += 1;
                break;
            };
            record.code = Some(code.to_owned());
            record.base = base;
            consented = true;
            clock.began.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        record.acked += 1;
        if record.failed_at.is_some() && record.worked_again.is_none() {
            record.worked_again = Some(Instant::now());
        }
        if marked {
            record.acked_mark = Some(mark);
        }
        if record.first_ack_after_fault.is_none()
            && clock.faulted.get().is_some_and(|at| sent >= *at)
        {
            record.first_ack_after_fault = Some(Instant::now());
        }
        page += 1;
    }
    record
}

impl Record {
    /// Notes a failed save: the first after the fault starts this respondent's outage.
    fn failed(&mut self, clock: &Clock) {
        if self.failed_at.is_none() && clock.faulted.get().is_some() {
            self.failed_at = Some(Instant::now());
        }
    }
}

async fn base_revision(pool: &PgPool, code: &ResumeCode) -> Option<i32> {
    let mut conn = pool.acquire().await.ok()?;
    let snapshot = canvass_db::responses::snapshot_by_code(&mut conn, code)
        .await
        .ok()??;
    Some(snapshot.revision)
}

/// Runs a shell command to its end; fails unless it succeeded.
async fn shell(command: &str) -> anyhow::Result<()> {
    let command = command.to_owned();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::null())
            .status()
    })
    .await??;
    anyhow::ensure!(status.success(), "the command failed ({status})");
    Ok(())
}

/// What `/readyz` said while PostgreSQL was down and after.
#[derive(Debug, Default)]
struct Readiness {
    unavailable: u64,
    other: BTreeMap<u16, u64>,
    /// 200 again, after the database came back.
    back_after: Option<Duration>,
}

#[expect(clippy::print_stdout, reason = "a fault test prints its figures")]
pub async fn run(
    pool: &PgPool,
    database_url: &str,
    fault: Fault,
    plan: &Plan,
) -> anyhow::Result<()> {
    let (_, survey) = crate::demo::national(pool).await?;
    let walks: Vec<Walk> = crate::bench::walks(&survey, 256)?
        .into_iter()
        .filter(|walk| walk.len() > 2 && walk.iter().any(|(_, f)| f.contains_key(MARKED)))
        .collect();
    anyhow::ensure!(
        !walks.is_empty(),
        "no synthetic respondent reaches the free-text question"
    );
    let address = free_port()?;
    let log = plan.server_log.as_deref();
    let mut server = Server::spawn(database_url, address, log)?;
    wait_ready(address, Duration::from_secs(120)).await?;

    let clock = Arc::new(Clock {
        stop: AtomicBool::new(false),
        faulted: OnceLock::new(),
        began: AtomicUsize::new(0),
    });
    let tasks: Vec<_> = (0..plan.respondents)
        .map(|i| {
            tokio::spawn(respondent(
                address,
                pool.clone(),
                walks[i % walks.len()].clone(),
                clock.clone(),
            ))
        })
        .collect();
    let waiting = Instant::now();
    while clock.began.load(Ordering::Relaxed) < plan.respondents {
        anyhow::ensure!(
            waiting.elapsed() < Duration::from_secs(60),
            "the respondents did not all begin within a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(plan.before).await;

    let fault_at = Instant::now();
    let _ = clock.faulted.set(fault_at);
    let mut readiness_seen = None;
    let (name, restored_at) = match &fault {
        Fault::Kill => {
            server.kill();
            server = Server::spawn(database_url, address, log)?;
            wait_ready(address, Duration::from_secs(60)).await?;
            ("server killed (SIGKILL) and started again", Instant::now())
        }
        Fault::RestartPostgres { stop, start, down } => {
            shell(stop).await.context("stopping PostgreSQL")?;
            // `pg_ctl stop` returns once PostgreSQL is down: from here until it starts
            // again, `/readyz` must say 503.
            let watching = Arc::new(AtomicBool::new(true));
            let back = Arc::new(AtomicBool::new(false));
            let watcher = tokio::spawn(watch_readiness(address, watching.clone(), back.clone()));
            tokio::time::sleep(*down).await;
            // Set before the start command: an answer that arrives after it may come from
            // a database already up, so it no longer counts as "while down".
            back.store(true, Ordering::Relaxed);
            shell(start).await.context("starting PostgreSQL")?;
            let started = Instant::now();
            let waited = Instant::now();
            while waited.elapsed() < Duration::from_secs(30) {
                if readiness(address).await == Some(200) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            watching.store(false, Ordering::Relaxed);
            let mut seen = watcher.await?;
            seen.back_after = (readiness(address).await == Some(200)).then(|| started.elapsed());
            readiness_seen = Some(seen);
            ("PostgreSQL restarted (fast shutdown)", started)
        }
    };
    tokio::time::sleep(plan.after).await;
    clock.stop.store(true, Ordering::Relaxed);
    let mut records = Vec::new();
    for task in tasks {
        records.push(task.await?);
    }
    server.kill();

    let check = check(pool, &records).await?;
    let refused: BTreeMap<u16, u64> = records.iter().fold(BTreeMap::new(), |mut all, r| {
        for (status, n) in &r.refused {
            *all.entry(*status).or_default() += n;
        }
        all
    });
    let refused_text = if refused.is_empty() {
        "none".to_owned()
    } else {
        refused
            .iter()
            .map(|(s, n)| format!("{n} × {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sum = |f: fn(&Record) -> u64| records.iter().map(f).sum::<u64>();
    let server_errors: u64 = refused
        .iter()
        .filter(|(s, _)| **s >= 500 && **s != 503)
        .map(|(_, n)| n)
        .sum();
    let recovered = records
        .iter()
        .filter(|r| r.first_ack_after_fault.is_some())
        .count();
    // Each respondent's outage: from the fault to its first save that worked after one
    // that failed.
    let outages: Vec<Duration> = records
        .iter()
        .filter_map(|r| r.worked_again)
        .map(|at| at.saturating_duration_since(fault_at))
        .collect();
    println!("{name}: {} respondents", plan.respondents);
    println!(
        "  saves sent {}, acknowledged {}, found {}; lost {}, duplicated {}; \
         free-text answer as last acknowledged or later: {} of {}",
        sum(|r| r.sent),
        sum(|r| r.acked),
        check.found,
        check.lost,
        check.duplicated,
        check.marks_right,
        check.marked
    );
    println!(
        "  answers other than 303: {refused_text} (5xx other than 503: {server_errors}; \
         503 without Retry-After: {}); connection errors {}; requests over the timeout {}",
        sum(|r| r.without_retry_after),
        sum(|r| r.connection_errors),
        sum(|r| r.hung)
    );
    println!(
        "  recovery: ready again {:.2} s after the fault; {} respondents saw a save fail, \
         and saved again {:.2}–{:.2} s after the fault; {recovered} of {} saved after the fault",
        restored_at.duration_since(fault_at).as_secs_f64(),
        outages.len(),
        outages.iter().min().map_or(f64::NAN, Duration::as_secs_f64),
        outages.iter().max().map_or(f64::NAN, Duration::as_secs_f64),
        records.len()
    );
    println!(
        "  monitoring counts {} responses, {} stored",
        check.tallied, check.stored
    );
    let mut failures = Vec::new();
    if check.lost > 0 {
        failures.push(format!("{} acknowledged saves lost", check.lost));
    }
    if check.duplicated > 0 {
        failures.push(format!("{} saves written twice", check.duplicated));
    }
    if check.marks_right != check.marked {
        failures.push("a free-text answer older than the last acknowledged".to_owned());
    }
    if server_errors > 0 {
        failures.push(format!("{server_errors} answers 5xx other than 503"));
    }
    if sum(|r| r.without_retry_after) > 0 {
        failures.push("a 503 without Retry-After".to_owned());
    }
    if sum(|r| r.hung) > 0 {
        failures.push("requests took longer than the request timeout".to_owned());
    }
    if recovered != records.len() {
        failures.push("some respondents could not save again".to_owned());
    }
    if check.tallied != check.stored {
        failures.push("the monitoring's counts differ from the responses stored".to_owned());
    }
    if let Some(seen) = readiness_seen {
        let other = if seen.other.is_empty() {
            "none".to_owned()
        } else {
            format!("{:?}", seen.other)
        };
        println!(
            "  /readyz while the database was down: 503 × {}, other {other}; 200 again {}",
            seen.unavailable,
            seen.back_after.map_or("never".to_owned(), |d| format!(
                "{:.2} s after it started",
                d.as_secs_f64()
            ))
        );
        if seen.unavailable == 0 {
            failures.push("/readyz never answered 503 while the database was down".to_owned());
        }
        if !seen.other.is_empty() {
            failures.push("/readyz answered other than 503 while the database was down".to_owned());
        }
        if seen.back_after.is_none() {
            failures.push("/readyz did not answer 200 again".to_owned());
        }
    }
    anyhow::ensure!(failures.is_empty(), "{}", failures.join("; "));
    println!("  every check passed");
    Ok(())
}

/// Polls `/readyz` while `watching`, counting what it answered before `back` (the
/// database being started): an answer that arrives once that is set is not counted.
async fn watch_readiness(
    address: SocketAddr,
    watching: Arc<AtomicBool>,
    back: Arc<AtomicBool>,
) -> Readiness {
    let mut seen = Readiness::default();
    while watching.load(Ordering::Relaxed) {
        if !back.load(Ordering::Relaxed) {
            let answer = readiness(address).await;
            if !back.load(Ordering::Relaxed) {
                match answer {
                    Some(503) => seen.unavailable += 1,
                    Some(status) => *seen.other.entry(status).or_default() += 1,
                    None => *seen.other.entry(0).or_default() += 1,
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// What the database holds of the respondents' saves.
struct Checked {
    found: u64,
    lost: u64,
    duplicated: u64,
    marked: u64,
    marks_right: u64,
    tallied: i64,
    stored: i64,
}

async fn check(pool: &PgPool, records: &[Record]) -> anyhow::Result<Checked> {
    let mut conn = pool.acquire().await?;
    let mut checked = Checked {
        found: 0,
        lost: 0,
        duplicated: 0,
        marked: 0,
        marks_right: 0,
        tallied: 0,
        stored: 0,
    };
    for record in records {
        let Some(code) = record.code.as_deref().and_then(ResumeCode::parse) else {
            continue;
        };
        let snapshot = canvass_db::responses::snapshot_by_code(&mut conn, &code)
            .await?
            .context("a respondent's response is gone")?;
        let found = u64::try_from(snapshot.revision - record.base).unwrap_or_default();
        checked.found += found;
        checked.lost += record.acked.saturating_sub(found);
        checked.duplicated += found.saturating_sub(record.sent);
        if let Some(acked) = record.acked_mark {
            checked.marked += 1;
            let stored = match snapshot.answers.get(MARKED) {
                Some(Outcome::Answered {
                    answer: Answer::Text(text),
                }) => text
                    .strip_prefix("fault ")
                    .and_then(|n| n.parse::<u64>().ok()),
                _ => None,
            };
            if stored.is_some_and(|m| m >= acked && Some(m) <= record.sent_mark) {
                checked.marks_right += 1;
            }
        }
    }
    let (published, _) = crate::demo::national(pool).await?;
    checked.tallied = canvass_db::monitor::tallies(&mut conn, published.survey_id)
        .await?
        .iter()
        .map(|t| t.n)
        .sum();
    checked.stored = canvass_db::responses::count_for(&mut conn, "ai-collab").await?;
    Ok(checked)
}
