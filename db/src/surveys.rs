//! Surveys and their published versions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use canvass_core::ids::SurveyId;
use canvass_core::survey::{DefinitionErrors, Survey};
use sqlx::PgConnection;

/// What installing a definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// A new version was published.
    Published { version: u32 },
    /// This exact text was already published as this version: nothing to do.
    Unchanged { version: u32 },
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "version {version} of survey {slug} is already published with a different text; give the changed definition a new version"
    )]
    VersionTaken { slug: String, version: u32 },
    #[error("survey {slug} is at version {latest}; version {version} is older")]
    Older {
        slug: String,
        version: u32,
        latest: u32,
    },
    #[error("survey {slug} names the time zone {zone:?}, which the database does not know")]
    UnknownTimeZone { slug: String, zone: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A published version, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedSource {
    pub survey_id: SurveyId,
    pub version: u32,
    pub source: String,
}

/// Publishes `survey` (parsed from `source`) unless this exact version is already there.
/// Run it inside a transaction: it reads, then writes.
pub async fn install(
    conn: &mut PgConnection,
    survey: &Survey,
    source: &str,
) -> Result<Installed, InstallError> {
    let slug = survey.slug.as_str();
    let version = i32::try_from(survey.version).map_err(|_| InstallError::Older {
        slug: slug.to_owned(),
        version: survey.version,
        latest: 0,
    })?;
    let zone = survey.time_zone.as_str();
    let known = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS "known!""#,
        zone
    )
    .fetch_one(&mut *conn)
    .await?;
    if !known {
        return Err(InstallError::UnknownTimeZone {
            slug: slug.to_owned(),
            zone: zone.to_owned(),
        });
    }
    // Serialise concurrent installs of the same slug (two instances starting at once).
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext($1))", slug)
        .execute(&mut *conn)
        .await?;
    let survey_id = sqlx::query_scalar!(
        r#"INSERT INTO surveys (slug) VALUES ($1)
           ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
           RETURNING id"#,
        slug
    )
    .fetch_one(&mut *conn)
    .await
    .map(SurveyId::new)?;
    let existing = sqlx::query!(
        r#"SELECT version, source = $3 AS "same!" FROM survey_versions
           WHERE survey_id = $1 AND version >= $2 ORDER BY version DESC LIMIT 1"#,
        survey_id.get(),
        version,
        source
    )
    .fetch_optional(&mut *conn)
    .await?;
    let installed = match existing {
        Some(row) if row.version == version && row.same => Installed::Unchanged {
            version: survey.version,
        },
        Some(row) if row.version == version => {
            return Err(InstallError::VersionTaken {
                slug: slug.to_owned(),
                version: survey.version,
            });
        }
        Some(row) => {
            return Err(InstallError::Older {
                slug: slug.to_owned(),
                version: survey.version,
                latest: u32::try_from(row.version).unwrap_or_default(),
            });
        }
        None => {
            sqlx::query!(
                "INSERT INTO survey_versions (survey_id, version, source) VALUES ($1, $2, $3)",
                survey_id.get(),
                version,
                source
            )
            .execute(&mut *conn)
            .await?;
            Installed::Published {
                version: survey.version,
            }
        }
    };
    crate::monitor::align_breakdowns(conn, survey_id, &survey.breakdowns).await?;
    Ok(installed)
}

/// The version the next publication of `slug` takes: one past its newest, 1 for a new
/// survey.
pub async fn next_version(conn: &mut PgConnection, slug: &str) -> Result<u32, sqlx::Error> {
    let newest = sqlx::query_scalar!(
        r#"SELECT max(v.version) FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
           WHERE s.slug = $1"#,
        slug
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(newest.and_then(|v| u32::try_from(v).ok()).unwrap_or(0) + 1)
}

/// Every survey's ID and slug, by slug.
pub async fn slugs(conn: &mut PgConnection) -> Result<Vec<(SurveyId, String)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT id, slug FROM surveys ORDER BY slug")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (SurveyId::new(r.id), r.slug))
        .collect())
}

/// The slug of the survey with this ID.
pub async fn slug_of(conn: &mut PgConnection, survey_id: SurveyId) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!("SELECT slug FROM surveys WHERE id = $1", survey_id.get())
        .fetch_one(&mut *conn)
        .await
}

/// The newest published version of a survey, if it exists.
pub async fn latest(
    conn: &mut PgConnection,
    slug: &str,
) -> Result<Option<PublishedSource>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT v.survey_id, v.version, v.source
           FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
           WHERE s.slug = $1 ORDER BY v.version DESC LIMIT 1"#,
        slug
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| PublishedSource {
        survey_id: SurveyId::new(r.survey_id),
        version: u32::try_from(r.version).unwrap_or_default(),
        source: r.source,
    }))
}

/// Re-derives the model of a stored version. A stored text always loaded once, so an error
/// here means the checker changed since: it is reported, never papered over.
pub fn model(published: &PublishedSource) -> Result<Survey, DefinitionErrors> {
    Survey::from_toml(&published.source)
}

/// The source text of one published version, if it exists.
pub async fn source(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    version: u32,
) -> Result<Option<String>, sqlx::Error> {
    let version = i32::try_from(version).unwrap_or(i32::MAX);
    sqlx::query_scalar!(
        "SELECT source FROM survey_versions WHERE survey_id = $1 AND version = $2",
        survey_id.get(),
        version
    )
    .fetch_optional(&mut *conn)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("survey {survey_id} has no version {version}")]
    Missing { survey_id: SurveyId, version: u32 },
    #[error("a published definition no longer loads: {0}")]
    Definition(#[from] DefinitionErrors),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The parsed models of published versions, kept for the life of the process.
///
/// A published version never changes (a trigger enforces it), so a model parsed once stays
/// true and the cache needs no invalidation; several processes each keep their own. Which
/// version is the *latest* does change, so that is always asked of the database.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    models: Arc<Mutex<Models>>,
}

/// Parsed models by (survey ID, version).
type Models = HashMap<(SurveyId, u32), Arc<Survey>>;

impl Catalog {
    /// The model of one published version.
    pub async fn version(
        &self,
        conn: &mut PgConnection,
        survey_id: SurveyId,
        version: u32,
    ) -> Result<Arc<Survey>, CatalogError> {
        if let Some(model) = self.cached(survey_id, version) {
            return Ok(model);
        }
        let text = source(conn, survey_id, version)
            .await?
            .ok_or(CatalogError::Missing { survey_id, version })?;
        Ok(self.keep(survey_id, version, &text)?)
    }

    /// The newest published version of a survey and its model.
    pub async fn latest(
        &self,
        conn: &mut PgConnection,
        slug: &str,
    ) -> Result<Option<(SurveyId, Arc<Survey>)>, CatalogError> {
        let row = sqlx::query!(
            r#"SELECT v.survey_id, v.version FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
               WHERE s.slug = $1 ORDER BY v.version DESC LIMIT 1"#,
            slug
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let version = u32::try_from(row.version).unwrap_or_default();
        let survey_id = SurveyId::new(row.survey_id);
        let model = self.version(conn, survey_id, version).await?;
        Ok(Some((survey_id, model)))
    }

    fn cached(&self, survey_id: SurveyId, version: u32) -> Option<Arc<Survey>> {
        let models = self.models.lock().unwrap_or_else(PoisonError::into_inner);
        models.get(&(survey_id, version)).cloned()
    }

    fn keep(
        &self,
        survey_id: SurveyId,
        version: u32,
        text: &str,
    ) -> Result<Arc<Survey>, DefinitionErrors> {
        let model = Arc::new(Survey::from_toml(text)?);
        let mut models = self.models.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(
            models.entry((survey_id, version)).or_insert(model),
        ))
    }
}

#[cfg(test)]
mod tests {
    use canvass_core::survey::Survey;
    use canvass_core::surveys::AI_COLLAB;
    use sqlx::PgPool;

    use super::*;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("the national survey loads")
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn installing_publishes_once_and_then_is_a_no_op(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey = national();
        assert_eq!(
            install(&mut conn, &survey, AI_COLLAB).await.expect("first"),
            Installed::Published {
                version: survey.version
            }
        );
        assert_eq!(
            install(&mut conn, &survey, AI_COLLAB).await.expect("again"),
            Installed::Unchanged {
                version: survey.version
            }
        );
        let stored = latest(&mut conn, "ai-collab")
            .await
            .expect("query")
            .expect("present");
        assert_eq!(stored.version, survey.version);
        assert_eq!(model(&stored).expect("model"), survey);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_changed_text_under_the_same_version_is_refused(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey = national();
        install(&mut conn, &survey, AI_COLLAB).await.expect("first");
        let changed = format!("{AI_COLLAB}\n# a comment changes the text\n");
        let error = install(&mut conn, &survey, &changed)
            .await
            .expect_err("refused");
        assert_eq!(
            error.to_string(),
            format!(
                "version {} of survey ai-collab is already published with a different text; give the changed definition a new version",
                survey.version
            )
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_time_zone_the_database_does_not_know_is_refused(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let source = AI_COLLAB.replace(
            "time_zone = \"Asia/Shanghai\"",
            "time_zone = \"Asia/Atlantis\"",
        );
        let survey = Survey::from_toml(&source).expect("the shape is fine");
        let error = install(&mut conn, &survey, &source)
            .await
            .expect_err("refused");
        assert_eq!(
            error.to_string(),
            "survey ai-collab names the time zone \"Asia/Atlantis\", which the database does not know"
        );
        assert_eq!(latest(&mut conn, "ai-collab").await.expect("query"), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_published_version_cannot_be_edited_even_in_sql(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        install(&mut conn, &national(), AI_COLLAB)
            .await
            .expect("first");
        let result = sqlx::query("UPDATE survey_versions SET source = 'x'")
            .execute(&mut *conn)
            .await;
        let error = result.expect_err("the trigger refuses");
        assert!(
            error
                .to_string()
                .contains("is published and cannot be changed"),
            "{error}"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_catalog_parses_a_version_once_and_finds_the_latest(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        install(&mut conn, &national(), AI_COLLAB)
            .await
            .expect("install");
        let catalog = Catalog::default();
        let (survey_id, first) = catalog
            .latest(&mut conn, "ai-collab")
            .await
            .expect("query")
            .expect("present");
        assert_eq!(*first, national());
        let again = catalog
            .version(&mut conn, survey_id, first.version)
            .await
            .expect("cached");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second call is served from the cache"
        );
        let missing = catalog
            .version(&mut conn, survey_id, 9)
            .await
            .expect_err("no such version");
        assert_eq!(
            missing.to_string(),
            format!("survey {survey_id} has no version 9")
        );
        assert!(
            catalog
                .latest(&mut conn, "nothing-here")
                .await
                .expect("query")
                .is_none()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_unknown_survey_has_no_latest_version(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        assert_eq!(
            latest(&mut conn, "nothing-here").await.expect("query"),
            None
        );
    }
}
