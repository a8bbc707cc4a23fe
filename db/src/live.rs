//! Live dashboards across server instances: PostgreSQL LISTEN/NOTIFY on one channel, whose
//! payload is the ID of the survey whose figures changed.

use canvass_core::ids::SurveyId;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

/// The channel every instance listens on.
pub const CHANNEL: &str = "canvass_figures";

/// Tells every listening instance that survey `survey_id`'s figures changed. Sent on its
/// own, outside any save's transaction: a NOTIFY inside a transaction serialises commits.
pub async fn notify(pool: &PgPool, survey_id: SurveyId) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANNEL, survey_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// A connection listening on [`CHANNEL`].
pub struct Listener(PgListener);

impl Listener {
    pub async fn connect(pool: &PgPool) -> Result<Listener, sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Listener(listener))
    }

    /// What is heard next. After [`Heard::Missed`] the listener reconnects by itself on
    /// the next call.
    pub async fn next(&mut self) -> Result<Heard, sqlx::Error> {
        Ok(match self.0.try_recv().await? {
            Some(n) => n.payload().parse().map_or(Heard::Other, Heard::Survey),
            None => Heard::Missed,
        })
    }
}

/// One thing a [`Listener`] hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// This survey's figures changed.
    Survey(SurveyId),
    /// The connection dropped: changes may have been missed meanwhile.
    Missed,
    /// A payload that names no survey (ignored).
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_notification_reaches_a_listener_on_another_connection(pool: PgPool) {
        let mut listener = Listener::connect(&pool).await.expect("listening");
        notify(&pool, SurveyId::new(42)).await.expect("notified");
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), listener.next())
            .await
            .expect("in time")
            .expect("received");
        assert_eq!(got, Heard::Survey(SurveyId::new(42)));
    }
}
