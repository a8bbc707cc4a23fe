//! Every server folds the moves that page saves append to `response_moves` into the
//! dashboard's tallies, and the counters that submits append to `analysis_pending` into the
//! analysis cells, every [`FOLD_EVERY`] ([`canvass_db::monitor::fold_moves`],
//! [`canvass_db::analysis::fold`]). Readers add what is not folded yet, so folding changes
//! no figure: it keeps what they read small. Any number of instances may fold at once.

use std::time::Duration;

use canvass_db::PgPool;

/// How often a server folds the saves' moves.
pub const FOLD_EVERY: Duration = Duration::from_secs(1);

/// Folds what is pending once; how many moves and submits it folded.
pub async fn fold_once(pool: &PgPool) -> Result<i64, canvass_db::Error> {
    let mut conn = pool.acquire().await?;
    let moves = canvass_db::monitor::fold_moves(&mut conn).await?;
    let submits = canvass_db::analysis::fold(&mut conn).await?;
    Ok(moves + submits)
}

/// Folds every `every` until `stop` completes. A failed fold is logged and tried again at
/// the next tick: nothing is lost, the moves stay pending.
pub async fn fold_moves(pool: PgPool, every: Duration, stop: impl Future<Output = ()>) {
    let work = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = fold_once(&pool).await {
                tracing::warn!(%error, "the saves' moves could not be folded into the tallies");
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
        let task = tokio::spawn(fold_moves(pool.clone(), FOLD_EVERY, async {
            let _ = stopped.await;
        }));
        Folding { stop, task }
    }

    pub async fn stop(self) -> Result<(), tokio::task::JoinError> {
        let _ = self.stop.send(());
        self.task.await
    }
}
