//! Exports as background jobs. Every server runs [`run_jobs`]: it claims a queued export
//! (any instance may: `FOR UPDATE SKIP LOCKED`), writes its zip in a scratch folder from
//! one `REPEATABLE READ` snapshot, reports its progress every [`HEARTBEAT`], and stores the
//! zip in PostgreSQL in the transaction that marks the job done, with its audit-log entry.
//! A job cancelled meanwhile stops at its next heartbeat. A job whose server stops is
//! claimed again once its heartbeat is [`STALE_SECS`] old, up to [`MAX_ATTEMPTS`] runs.
//! Done jobs past their expiry lose their file every [`EXPIRE_EVERY`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use canvass_core::export::request::ExportRequest;
use canvass_db::PgPool;
use canvass_db::audit::{self, Action};
use canvass_db::exports::{self, Claimed, Finished, PART_BYTES};
use canvass_db::surveys::Catalog;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::{Progress, WriteError, hex, write_zip};

/// How often a running export reports its progress (and hears of a cancel).
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// A running export whose last report is this old has lost its server.
pub const STALE_SECS: f64 = 30.0;
/// How many times an export is run before it is failed.
pub const MAX_ATTEMPTS: i32 = 3;
/// How often expired exports' files are deleted.
pub const EXPIRE_EVERY: Duration = Duration::from_secs(60);
/// How often a server looks for a queued export.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// Runs queued exports, one at a time, every `every` until `stop` completes, writing their
/// files in `dir`.
pub async fn run_jobs(
    pool: PgPool,
    catalog: Catalog,
    dir: PathBuf,
    every: Duration,
    stop: impl Future<Output = ()>,
) {
    let work = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut expired_at: Option<Instant> = None;
        loop {
            tick.tick().await;
            if expired_at.is_none_or(|at| at.elapsed() >= EXPIRE_EVERY) {
                expired_at = Some(Instant::now());
                if let Err(error) = expire(&pool).await {
                    tracing::warn!(%error, "expired exports could not be deleted");
                }
            }
            loop {
                match run_next(&pool, &catalog, &dir).await {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "an export could not be run");
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => tracing::debug!("the export runner stopped"),
    }
}

async fn expire(pool: &PgPool) -> Result<(), canvass_db::Error> {
    let mut conn = pool.acquire().await?;
    let expired = exports::expire(&mut conn).await?;
    if expired > 0 {
        tracing::info!(expired, "deleted the files of expired exports");
    }
    Ok(())
}

/// Claims and runs one queued export, if there is one: its ID. An export that fails is
/// marked failed with why; only a failure to reach the database is an error here.
pub async fn run_next(
    pool: &PgPool,
    catalog: &Catalog,
    dir: &Path,
) -> Result<Option<canvass_core::ids::ExportId>, canvass_db::Error> {
    let claimed = {
        let mut conn = pool.acquire().await?;
        exports::claim(&mut conn, STALE_SECS, MAX_ATTEMPTS).await?
    };
    let Some(job) = claimed else {
        return Ok(None);
    };
    tracing::info!(export = %job.id, attempt = job.attempt, "running an export");
    // Unique on this machine: several servers (or databases) may share the folder.
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let folder = dir.join(format!(
        "export-{}-{}-{}-{}",
        job.id,
        job.attempt,
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let outcome = run(pool, catalog, &job, &folder).await;
    let _ = tokio::fs::remove_dir_all(&folder).await;
    match outcome {
        Ok(()) => tracing::info!(export = %job.id, "the export is done"),
        Err(RunError::Stopped) => {
            tracing::info!(export = %job.id, "the export was cancelled or taken over")
        }
        Err(error) => {
            tracing::warn!(export = %job.id, %error, "the export failed");
            let mut conn = pool.acquire().await?;
            exports::fail(&mut conn, job.id, job.attempt, &error.to_string()).await?;
        }
    }
    Ok(Some(job.id))
}

/// Why a run ended without a done export.
#[derive(Debug, thiserror::Error)]
enum RunError {
    /// Cancelled, or claimed by another run: nothing to record.
    #[error("stopped")]
    Stopped,
    #[error("the survey no longer exists")]
    NoSurvey,
    #[error("the export's settings no longer fit the survey: {0}")]
    Settings(#[from] canvass_core::export::request::RequestError),
    #[error(transparent)]
    Write(WriteError),
    #[error("storing the export: {0}")]
    Store(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] canvass_db::Error),
    #[error(transparent)]
    Catalog(#[from] canvass_db::surveys::CatalogError),
}

impl From<WriteError> for RunError {
    fn from(error: WriteError) -> RunError {
        match error {
            WriteError::Cancelled => RunError::Stopped,
            error => RunError::Write(error),
        }
    }
}

async fn run(
    pool: &PgPool,
    catalog: &Catalog,
    job: &Claimed,
    folder: &Path,
) -> Result<(), RunError> {
    let mut conn = pool.acquire().await?;
    let slug = canvass_db::surveys::slug_of(&mut conn, job.survey_id).await?;
    let (survey_id, survey) = catalog
        .latest(&mut conn, &slug)
        .await?
        .ok_or(RunError::NoSurvey)?;
    let settings = ExportRequest::parse(&survey, &job.settings)?;
    tokio::fs::create_dir_all(folder).await?;
    let path = folder.join("export.zip");

    let progress = Arc::new(Progress::default());
    let total = Arc::new(AtomicU64::new(u64::MAX));
    let heartbeat = tokio::spawn(beat(
        pool.clone(),
        job.clone(),
        Arc::clone(&progress),
        Arc::clone(&total),
    ));
    let written = async {
        let mut tx = canvass_db::export::begin_snapshot(&mut conn).await?;
        let rows =
            canvass_db::export::count(&mut tx, survey_id, &super::selection(&settings)).await?;
        total.store(rows, Ordering::Relaxed);
        let written = if settings.preview {
            super::preview(&mut tx, &survey, survey_id, &settings, &progress).await?
        } else {
            write_zip(&mut tx, &survey, survey_id, &settings, &path, &progress).await?
        };
        tx.commit().await?;
        Ok::<_, RunError>(written)
    }
    .await;
    heartbeat.abort();
    let written = written?;

    // Stored in the transaction that marks it done: a run stopped here leaves no part.
    let mut tx = pool.begin().await?;
    if !exports::lock_running(&mut tx, job.id, job.attempt).await? {
        return Err(RunError::Stopped);
    }
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    // A preview has no zip: nothing to store.
    if !settings.preview {
        let mut file = tokio::fs::File::open(&path).await?;
        let mut buffer = vec![0; PART_BYTES];
        let mut n = 0;
        loop {
            let filled = fill(&mut file, &mut buffer).await?;
            if filled == 0 {
                break;
            }
            hasher.update(&buffer[..filled]);
            exports::put_part(&mut tx, job.id, n, &buffer[..filled]).await?;
            n += 1;
            size += filled as u64;
        }
    }
    let finished = Finished {
        rows: written.rows,
        size_bytes: size,
        sha256: if settings.preview {
            String::new()
        } else {
            hex(&hasher.finalize())
        },
        file_hashes: written.hashes,
        anonymity: written.risk.as_ref().map(|r| r.summary()),
        risk_html: written.risk_html,
    };
    exports::mark_done(&mut tx, job.id, &finished).await?;
    let detail = serde_json::json!({
        "export": job.id,
        "survey": slug,
        "settings": serde_json::Map::from_iter(
            job.settings.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        ),
        "rows": finished.rows,
        "anonymity": finished.anonymity,
        "sha256": finished.sha256,
        "files": serde_json::Map::from_iter(
            finished.file_hashes.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        ),
    });
    audit::record(
        &mut tx,
        job.requested_by,
        Action::ExportMade,
        None,
        Some(&detail.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads into `buffer` until it is full or the file ends: how much it read.
async fn fill(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let read = file.read(&mut buffer[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(filled)
}

/// Reports `progress` every [`HEARTBEAT`] until aborted; cancels the writing when the job
/// is no longer this run's.
async fn beat(pool: PgPool, job: Claimed, progress: Arc<Progress>, total: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let known = Some(total.load(Ordering::Relaxed)).filter(|t| *t != u64::MAX);
        let ours = async {
            let mut conn = pool.acquire().await?;
            exports::heartbeat(&mut conn, job.id, job.attempt, known, progress.written()).await
        }
        .await;
        match ours {
            Ok(true) => {}
            Ok(false) => {
                progress.cancel();
                return;
            }
            // A missed report is made up at the next; the job goes on.
            Err(error) => tracing::warn!(%error, "an export's progress could not be noted"),
        }
    }
}
