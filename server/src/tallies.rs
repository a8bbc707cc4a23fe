//! Every server folds, every [`FOLD_EVERY`], the moves that page saves append to
//! `response_moves` into the dashboard's tallies ([`canvass_db::monitor::fold_moves`]),
//! which queues the responses moved, and then counts the queued responses' answers into
//! the analysis cells ([`canvass_db::analysis::fold`]). The monitoring's readers add the
//! moves not folded yet, so its figures are exact at any moment; the analysis figures are
//! those of the last fold, and the dashboards hear of each fold that changed them. A
//! response in progress is counted as partial once it has rested [`PARTIAL_REST`] after its
//! last save; a submitted one at the next fold. Any number of instances may fold at once.

use std::time::Duration;

use canvass_db::PgPool;
use canvass_db::analysis::Folded;
use canvass_db::surveys::Catalog;

use crate::live::Live;

/// How often a server folds: the analysis figures trail a submit by at most this (and the
/// fold's own time).
pub const FOLD_EVERY: Duration = Duration::from_millis(250);

/// How long a response in progress rests after its last save before the analysis counts
/// it as partial ([`canvass_core::analysis::PARTIAL_REST_MINUTES`]).
pub const PARTIAL_REST: Duration =
    Duration::from_secs(canvass_core::analysis::PARTIAL_REST_MINUTES * 60);

/// Folds what is pending once: the moves (a response in progress queued to be counted
/// after `rest`), then every queued response that is due; what the analysis fold did.
pub async fn fold_once(pool: &PgPool, catalog: &Catalog, rest: Duration) -> anyhow::Result<Folded> {
    let mut conn = pool.acquire().await?;
    canvass_db::monitor::fold_moves(&mut conn, rest).await?;
    Ok(canvass_db::analysis::fold(&mut conn, catalog).await?)
}

/// Folds every `every` until `stop` completes, telling `live` which surveys' analysis
/// figures changed. A failed fold is logged and tried again at the next tick: nothing is
/// lost, the moves and the queue stay pending.
pub async fn fold_moves(
    pool: PgPool,
    catalog: Catalog,
    live: Live,
    every: Duration,
    stop: impl Future<Output = ()>,
) {
    let work = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match fold_once(&pool, &catalog, PARTIAL_REST).await {
                Ok(folded) => {
                    if folded.unreadable > 0 {
                        tracing::warn!(
                            responses = folded.unreadable,
                            "stored answers could not be read; the analysis leaves them out"
                        );
                    }
                    for survey_id in folded.surveys {
                        live.touch(survey_id);
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "the saves could not be folded into the tallies");
                }
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => tracing::debug!("folding stopped"),
    }
}

/// Folding every [`FOLD_EVERY`] in the background, as a server does, for the commands that
/// save without one (the benchmarks, whose figures must include it); [`Folding::stop`]
/// ends it.
pub struct Folding {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Folding {
    pub fn start(pool: &PgPool) -> Folding {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(fold_moves(
            pool.clone(),
            Catalog::default(),
            Live::default(),
            FOLD_EVERY,
            async {
                let _ = stopped.await;
            },
        ));
        Folding { stop, task }
    }

    pub async fn stop(self) -> Result<(), tokio::task::JoinError> {
        let _ = self.stop.send(());
        self.task.await
    }
}
