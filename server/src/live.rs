//! Live dashboards. A save tells this instance's publisher which survey changed; the
//! publisher sends at most one NOTIFY per survey every [`PUBLISH_EVERY`], outside the save's
//! transaction. Every instance listens and passes what it hears to its open dashboards
//! (Server-Sent Events, `/monitor/{slug}/events`), each of which coalesces what arrives in
//! [`COALESCE`] into one event. So a save on one instance reaches a dashboard served by
//! another within about half a second, and PostgreSQL is the only thing they share.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use canvass_core::ids::SurveyId;
use canvass_db::PgPool;
use canvass_db::live::{Heard, Listener};
use futures_util::{Stream, StreamExt};
use tokio::sync::{Notify, broadcast};
use tower_sessions::Session;

use crate::AppState;
use crate::error::AppError;
use crate::staff::{AnyStaff, Staff};

/// How often one instance may announce a survey's change.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(200);
/// How long a dashboard's stream gathers changes into one event.
pub const COALESCE: Duration = Duration::from_millis(300);

/// What a dashboard hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Survey(SurveyId),
    /// Changes may have been missed (the listening connection dropped): every dashboard
    /// catches up.
    All,
    /// The server is stopping: streams end, so that shutdown need not wait for them.
    Stopping,
}

/// This instance's side of live updates; cheap to clone.
#[derive(Debug, Clone)]
pub struct Live {
    dirty: Arc<Mutex<HashSet<SurveyId>>>,
    wake: Arc<Notify>,
    heard: broadcast::Sender<Change>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            dirty: Arc::default(),
            wake: Arc::default(),
            heard: broadcast::channel(256).0,
        }
    }
}

impl Live {
    /// A save (or a link opened) changed this survey's figures.
    pub fn touch(&self, survey_id: SurveyId) {
        if let Ok(mut dirty) = self.dirty.lock() {
            dirty.insert(survey_id);
        }
        self.wake.notify_one();
    }

    /// Ends every open dashboard stream (at shutdown; browsers reconnect elsewhere).
    pub fn stop(&self) {
        let _ = self.heard.send(Change::Stopping);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.heard.subscribe()
    }

    fn take_dirty(&self) -> Vec<SurveyId> {
        self.dirty
            .lock()
            .map(|mut dirty| dirty.drain().collect())
            .unwrap_or_default()
    }
}

/// Sends the changes this instance saw, at most every [`PUBLISH_EVERY`], until `stop`.
pub async fn publish(live: Live, pool: PgPool, stop: impl Future<Output = ()>) {
    let work = async {
        loop {
            live.wake.notified().await;
            tokio::time::sleep(PUBLISH_EVERY).await;
            for survey_id in live.take_dirty() {
                if let Err(error) = canvass_db::live::notify(&pool, survey_id).await {
                    tracing::warn!(%error, "a change could not be announced");
                }
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => {}
    }
}

/// Listens for every instance's changes and hands them to this instance's dashboards,
/// reconnecting after a lost connection (and telling every dashboard to catch up).
pub async fn listen(live: Live, pool: PgPool, stop: impl Future<Output = ()>) {
    let work = async {
        loop {
            let mut listener = match Listener::connect(&pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for changes; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            let _ = live.heard.send(Change::All);
            loop {
                match listener.next().await {
                    Ok(Heard::Survey(id)) => {
                        let _ = live.heard.send(Change::Survey(id));
                    }
                    Ok(Heard::Missed) => {
                        let _ = live.heard.send(Change::All);
                    }
                    Ok(Heard::Other) => {}
                    Err(error) => {
                        tracing::warn!(%error, "listening for changes failed; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => {}
    }
}

/// `GET /monitor/{slug}/events`: an event `changed` whenever the survey's figures may have
/// changed, at most one per [`COALESCE`]; a `ready` event first (each carries the survey's
/// ID: browsers drop events without data). Any staff role. Streams end at shutdown, and
/// when the session ends (checked every [`crate::staff::StaffSettings::recheck_every`]).
pub async fn events(
    State(state): State<AppState>,
    Staff(..): Staff<AnyStaff>,
    session: Session,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let (survey_id, _) = state.survey(&mut conn, &slug).await?;
    drop(conn);
    // The stream ends with its session: a signed-out or deactivated viewer stops hearing.
    let ends = crate::staff::session_ends(state.clone(), session.id());
    let heard = changes(state.live.subscribe(), survey_id).take_until(ends);
    Ok(Sse::new(heard)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// The events of one dashboard.
fn changes(
    heard: broadcast::Receiver<Change>,
    survey_id: SurveyId,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold((heard, true), move |(mut heard, first)| async move {
        if first {
            // Not empty: browsers drop an event without data.
            let ready = Event::default().event("ready").data(survey_id.to_string());
            return Some((Ok(ready), (heard, false)));
        }
        loop {
            match heard.recv().await {
                Ok(Change::Survey(id)) if id == survey_id => break,
                Ok(Change::All) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                Ok(Change::Survey(_)) => {}
                Ok(Change::Stopping) | Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
        tokio::time::sleep(COALESCE).await;
        while heard.try_recv().is_ok() {}
        let event = Event::default()
            .event("changed")
            .data(survey_id.to_string());
        Some((Ok(event), (heard, false)))
    })
}
