//! `canvass bench-export`: how fast a dataset export is, against PostgreSQL's own `COPY`
//! of the same rows, and how much memory it takes (see docs/performance.md).
//!
//! It tops the national survey up to `--responses` completed responses (inserted in bulk,
//! then given the answers of 2,000 drawn respondents in turn, so they are as large as
//! real ones), then, one after another: `COPY (…) TO STDOUT` of the rows the export reads;
//! data.csv alone (written to a counter, not a disk); the whole zip. Each export reads in
//! one `REPEATABLE READ` transaction, as a job does. It prints rows per second, the ratio
//! to `COPY`, and the peak resident memory of each phase (`VmHWM`, reset before each).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use canvass_core::answers::{Outcome, RawAnswers, validate};
use canvass_core::response::ResponseStatus;
use canvass_core::surveys::AI_COLLAB_DEMO;
use canvass_core::synth::{Demo, respondent_drawn};
use canvass_db::PgPool;
use canvass_db::responses::{self, Synthetic};
use futures_util::StreamExt;

use crate::export::{Outputs, Progress, Settings, write_data, write_zip};

/// Drawn respondents whose answers the bulk responses share.
const DRAWN: u64 = 2_000;
const BATCH: u64 = 10_000;

/// Counts the bytes written to it and keeps none.
#[derive(Default)]
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Forgets the process's peak resident memory, so the next reading is this phase's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn per_second(rows: u64, took: Duration) -> f64 {
    rows as f64 / took.as_secs_f64().max(1e-9)
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub async fn run(pool: &PgPool, responses: u64) -> anyhow::Result<()> {
    let (published, survey) = crate::demo::national(pool).await?;
    let survey_id = published.survey_id;
    top_up(pool, &survey, survey_id, published.version, responses).await?;
    let rows: i64 = {
        let mut conn = pool.acquire().await?;
        responses::count_for(&mut conn, survey.slug.as_str()).await?
    };
    println!("{rows} responses of the national survey, every one completed with answers");

    reset_peak();
    let began = Instant::now();
    let (copied, copy_bytes) = {
        let mut conn = pool.acquire().await?;
        let mut stream = conn
            .copy_out_raw(&canvass_db::export::copy_statement(
                survey_id,
                survey.time_zone.as_str(),
            ))
            .await?;
        let (mut bytes, mut lines) = (0u64, 0u64);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            bytes += chunk.len() as u64;
            // Rows end with a newline; answers hold none (JSON escapes them).
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
        (lines, bytes)
    };
    let copy_took = began.elapsed();
    let copy_rate = per_second(copied, copy_took);
    println!(
        "COPY (…) TO STDOUT: {copied} rows, {:.0} MB in {:.1} s: {copy_rate:.0} rows/s (peak RSS {:.0} MiB)",
        copy_bytes as f64 / 1e6,
        copy_took.as_secs_f64(),
        peak_mib()
    );

    reset_peak();
    let began = Instant::now();
    let mut counter = Counter::default();
    let written = {
        let mut conn = pool.acquire().await?;
        let mut tx = canvass_db::export::begin_snapshot(&mut conn).await?;
        let outputs = Outputs {
            data: &mut counter,
            codes: None,
            xlsx: None,
            progress: None,
        };
        // The writing pass alone, as COPY reads once: no anonymizing first reading.
        let written = write_data(
            &mut tx,
            &survey,
            survey_id,
            &Settings::default(),
            outputs,
            None,
        )
        .await?;
        tx.commit().await?;
        written
    };
    let csv_took = began.elapsed();
    let csv_rate = per_second(written.rows, csv_took);
    println!(
        "data.csv: {} rows, {:.0} MB in {:.1} s: {csv_rate:.0} rows/s, {:.2}× COPY's (peak RSS {:.0} MiB)",
        written.rows,
        counter.0 as f64 / 1e6,
        csv_took.as_secs_f64(),
        csv_rate / copy_rate.max(f64::EPSILON),
        peak_mib()
    );

    reset_peak();
    let dir = std::env::temp_dir().join(format!("canvass-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("export.zip");
    let began = Instant::now();
    let written = {
        let mut conn = pool.acquire().await?;
        let mut tx = canvass_db::export::begin_snapshot(&mut conn).await?;
        let written = write_zip(
            &mut tx,
            &survey,
            survey_id,
            &Settings::default(),
            &path,
            &Progress::default(),
        )
        .await?;
        tx.commit().await?;
        written
    };
    let zip_took = began.elapsed();
    let zip_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "the whole zip: {} rows, {:.0} MB in {:.1} s ({:.1} min): {:.0} rows/s (peak RSS {:.0} MiB)",
        written.rows,
        zip_bytes as f64 / 1e6,
        zip_took.as_secs_f64(),
        zip_took.as_secs_f64() / 60.0,
        per_second(written.rows, zip_took),
        peak_mib()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Anonymizes the export of `count` distinct respondents drawn from the demo file's
/// distributions (completed ones only, so drawing continues until there are `count`), as
/// an analyst's default export does: k = 5, at most 5% suppressed, all eleven
/// quasi-identifiers. The drawing (two threads) is not timed; the anonymization is, with
/// its peak memory and the lattice nodes it evaluated.
#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub async fn anonymize(pool: &PgPool, count: u64) -> anyhow::Result<()> {
    use canvass_core::export::anon::Quasi;
    use canvass_core::export::{Include, ResponseMeta, variables};

    let (_, survey) = crate::demo::national(pool).await?;
    let demo = std::sync::Arc::new(
        Demo::from_toml(AI_COLLAB_DEMO, &survey)
            .map_err(|problems| anyhow::anyhow!("the demo file: {}", problems.join("; ")))?,
    );
    let settings = Settings::default();
    let vars = std::sync::Arc::new(variables(&survey, Include::default()));
    let mut quasi = Quasi::new(&survey, &vars, &settings.anonymity.sensitive);
    let began = Instant::now();
    let (send, mut receive) =
        tokio::sync::mpsc::channel::<Vec<Vec<canvass_core::export::Value>>>(4);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let made = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (survey, demo, vars, send, next, made) = (
            std::sync::Arc::clone(&survey),
            std::sync::Arc::clone(&demo),
            std::sync::Arc::clone(&vars),
            send.clone(),
            std::sync::Arc::clone(&next),
            std::sync::Arc::clone(&made),
        );
        workers.push(tokio::task::spawn_blocking(move || {
            use std::sync::atomic::Ordering::Relaxed;
            let meta = ResponseMeta {
                key: 0,
                public_id: None,
                status: ResponseStatus::Completed,
                lang: canvass_core::Lang::Zh,
                started: "2026-12-01".into(),
                completed: Some("2026-12-01".into()),
                minutes: Some(12),
                same_browser: false,
                speeder: false,
            };
            let mut batch = Vec::with_capacity(1_000);
            while made.load(Relaxed) < count {
                let seed = 10_000_000 + next.fetch_add(1, Relaxed);
                let Ok(raw) = respondent_drawn(&survey, seed, RawAnswers::new(), &demo) else {
                    continue;
                };
                let walk = validate(&survey, &raw);
                if walk.ended.is_some() || made.fetch_add(1, Relaxed) >= count {
                    continue;
                }
                let outcomes: BTreeMap<String, Outcome> = walk
                    .outcomes
                    .into_iter()
                    .map(|(id, outcome)| (id.to_string(), outcome))
                    .collect();
                batch.push(canvass_core::export::row(&vars, &outcomes, &meta));
                if batch.len() == 1_000 && send.blocking_send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
            }
            let _ = send.blocking_send(batch);
        }));
    }
    drop(send);
    while let Some(batch) = receive.recv().await {
        for row in &batch {
            quasi.add(row);
        }
    }
    for worker in workers {
        worker.await?;
    }
    let rows = quasi.rows() as u64;
    println!(
        "drew {rows} completed respondents (distinct seeds) in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    reset_peak();
    let began = Instant::now();
    let params = crate::export::params(&settings, rows);
    let (_, risk) = tokio::task::spawn_blocking(move || quasi.plan(&vars, params)).await??;
    let took = began.elapsed();
    let levels: Vec<String> = risk
        .quasi_identifiers
        .iter()
        .map(|q| format!("{}={}", q.question, q.level))
        .collect();
    println!(
        "anonymized {rows} rows, {} quasi-identifiers, k = {}: {:.1} s ({:.2}× the 60 s limit), \
         peak RSS {:.0} MiB ({:.2}× the 1 GiB limit), {} of {} lattice nodes evaluated",
        risk.quasi_identifiers.len(),
        risk.k,
        took.as_secs_f64(),
        took.as_secs_f64() / 60.0,
        peak_mib(),
        peak_mib() / 1024.0,
        risk.nodes_evaluated,
        risk.nodes,
    );
    println!(
        "  chosen: {}; {} rows suppressed ({:.2}%), k reached {}, information lost {:.3}",
        levels.join(" "),
        risk.suppressed,
        risk.suppressed_percent,
        risk.k_achieved
            .map_or_else(|| "–".to_owned(), |k| k.to_string()),
        risk.loss
    );
    Ok(())
}

/// Adds completed responses in bulk until the survey has `target`, then gives those
/// without answers the answers of drawn respondents.
async fn top_up(
    pool: &PgPool,
    survey: &canvass_core::survey::Survey,
    survey_id: canvass_core::ids::SurveyId,
    version: u32,
    target: u64,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let stored =
        u64::try_from(responses::count_for(&mut conn, survey.slug.as_str()).await?).unwrap_or(0);
    let last = survey.sections.last().map(|s| s.id.to_string());
    let mut added = stored;
    while added < target {
        let batch: Vec<Synthetic> = (added..target.min(added + BATCH))
            .map(|i| Synthetic {
                status: ResponseStatus::Completed,
                last_section: last.clone(),
                started_secs_ago: 3_600 + (i % 86_400) as i64 * 30,
                completion_secs: Some(300 + (i % 2_100) as i64),
                breakdown: serde_json::Value::Object(serde_json::Map::new()),
            })
            .collect();
        added += responses::insert_synthetic(&mut conn, survey_id, version, &batch).await?;
    }
    let demo = Demo::from_toml(AI_COLLAB_DEMO, survey)
        .map_err(|problems| anyhow::anyhow!("the demo file: {}", problems.join("; ")))?;
    let mut drawn: Vec<BTreeMap<String, Outcome>> = Vec::new();
    for seed in 0..DRAWN * 2 {
        if drawn.len() as u64 == DRAWN {
            break;
        }
        let raw = respondent_drawn(survey, 5_000_000 + seed, RawAnswers::new(), &demo)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let walk = validate(survey, &raw);
        if walk.ended.is_none() {
            drawn.push(
                walk.outcomes
                    .into_iter()
                    .map(|(id, outcome)| (id.to_string(), outcome))
                    .collect(),
            );
        }
    }
    let given = canvass_db::export::give_answers(&mut conn, survey_id, &drawn)
        .await
        .context("giving the responses answers")?;
    if given > 0 {
        eprintln!(
            "gave {given} responses the answers of {} drawn respondents",
            drawn.len()
        );
    }
    Ok(())
}
