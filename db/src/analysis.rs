//! The analysis pages' counts: each completed response folded once into the counters of
//! its breakdown cell (`analysis_cells`), and read back as [`TalliedCell`]s of a survey.

use std::collections::BTreeMap;
use std::sync::Arc;

use canvass_core::analysis::{
    Outcomes, TalliedCell, cell_of, comparable, response_counters, split_counters,
};
use canvass_core::ids::SurveyId;
use canvass_core::survey::Survey;
use sqlx::PgConnection;

use crate::surveys::{Catalog, CatalogError};

/// Adds one completed response of `survey` (version `version` of `survey_id`) to its
/// cell. Call it in the transaction that completes the response, so that the counts and
/// the responses never disagree.
pub async fn count(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    version: u32,
    survey: &Survey,
    answers: &Outcomes,
) -> Result<(), sqlx::Error> {
    let cell = serde_json::to_value(cell_of(survey, answers)).unwrap_or_default();
    let counters = response_counters(survey, answers);
    sqlx::query!(
        r#"INSERT INTO analysis_cells AS t (survey_id, survey_version, cell, respondents, counters)
           VALUES ($1, $2, $3, 1, $4)
           ON CONFLICT ON CONSTRAINT analysis_cells_key DO UPDATE
           SET respondents = t.respondents + 1,
               counters = canvass_add_counters(t.counters, EXCLUDED.counters)"#,
        survey_id.get(),
        i32::try_from(version).unwrap_or(i32::MAX),
        cell,
        &counters,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The cells of every version of `survey_id`, with the counters of each metric of
/// `latest` that its version counts the same way ([`comparable`]); cells of one breakdown
/// but different versions are added up.
pub async fn cells(
    conn: &mut PgConnection,
    catalog: &Catalog,
    survey_id: SurveyId,
    latest: &Survey,
) -> Result<Vec<TalliedCell>, CatalogError> {
    let rows = sqlx::query!(
        r#"SELECT survey_version, cell, respondents, counters
           FROM analysis_cells WHERE survey_id = $1"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut models: BTreeMap<i32, Arc<Survey>> = BTreeMap::new();
    let mut merged: BTreeMap<BTreeMap<String, String>, TalliedCell> = BTreeMap::new();
    for row in rows {
        let version = u32::try_from(row.survey_version).unwrap_or_default();
        let model = match models.get(&row.survey_version) {
            Some(model) => Arc::clone(model),
            None => {
                let model = catalog.version(conn, survey_id, version).await?;
                models.insert(row.survey_version, Arc::clone(&model));
                model
            }
        };
        let breakdown: BTreeMap<String, String> =
            serde_json::from_value(row.cell).unwrap_or_default();
        let cell = merged
            .entry(breakdown.clone())
            .or_insert_with(|| TalliedCell {
                breakdown,
                ..TalliedCell::default()
            });
        cell.respondents += u64::try_from(row.respondents).unwrap_or_default();
        for (id, counters) in split_counters(&model, &row.counters) {
            let same = latest
                .metrics
                .iter()
                .find(|m| m.id.as_str() == id)
                .is_some_and(|m| comparable(&model, latest, m));
            if !same {
                continue;
            }
            match cell.counters.get_mut(&id) {
                Some(sum) if sum.len() == counters.len() => {
                    for (a, b) in sum.iter_mut().zip(&counters) {
                        *a += b;
                    }
                }
                Some(_) => {}
                None => {
                    cell.counters.insert(id, counters);
                }
            }
        }
    }
    Ok(merged.into_values().collect())
}

#[cfg(test)]
mod tests;
