//! The analysis pages' counts: each completed response folded once into the counters of
//! its breakdown cell (`analysis_cells`), and read back as [`TalliedCell`]s of a survey.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::Arc;

use canvass_core::analysis::{
    Outcomes, TalliedCell, cell_of, comparable, response_counters, split_counters,
};

use crate::responses::Counted;
use canvass_core::ids::SurveyId;
use canvass_core::survey::Survey;
use sqlx::PgConnection;

use crate::surveys::{Catalog, CatalogError};

/// What a completed response of `survey` adds to the analysis counts: its breakdown cell
/// and its counters, which the submit's statement appends to `analysis_pending`
/// ([`crate::responses::PageSave::counted`]).
pub fn counted(survey: &Survey, answers: &Outcomes) -> Counted {
    Counted {
        cell: serde_json::to_value(cell_of(survey, answers)).unwrap_or_default(),
        counters: response_counters(survey, answers),
    }
}

/// Folds the pending counts of completed responses into their cells; how many. Every
/// server does this each second; two at once never fold a row twice (each deletes what it
/// folds).
pub async fn fold(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH taken AS (
             DELETE FROM analysis_pending
             RETURNING survey_id, survey_version, cell, counters
           ), summed AS (
             SELECT survey_id, survey_version, cell, count(*) AS n,
                    canvass_sum_counters(counters) AS counters
             FROM taken GROUP BY 1, 2, 3
           ), folded AS (
             INSERT INTO analysis_cells AS t (survey_id, survey_version, cell, respondents, counters)
             SELECT survey_id, survey_version, cell, n, counters FROM summed
             ORDER BY 1, 2, 3
             ON CONFLICT ON CONSTRAINT analysis_cells_key DO UPDATE
             SET respondents = t.respondents + EXCLUDED.respondents,
                 counters = canvass_add_counters(t.counters, EXCLUDED.counters)
           )
           SELECT count(*) AS "folded!" FROM taken"#
    )
    .fetch_one(&mut *conn)
    .await
}

/// Adds whole cells at once, `(breakdown, respondents, counters)` with counters of one
/// layout each: for benchmarks, which fold synthetic responses in bulk. Never used on the
/// respondent's path.
pub async fn add_cells(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    version: u32,
    cells: &[(BTreeMap<String, String>, u64, Vec<f64>)],
) -> Result<u64, sqlx::Error> {
    let width = cells.first().map_or(0, |(_, _, c)| c.len());
    if cells.iter().any(|(_, _, c)| c.len() != width) {
        return Err(sqlx::Error::Protocol(
            "counters of different layouts".into(),
        ));
    }
    let keys: Vec<serde_json::Value> = cells
        .iter()
        .map(|(cell, _, _)| serde_json::to_value(cell).unwrap_or_default())
        .collect();
    let respondents: Vec<i64> = cells
        .iter()
        .map(|(_, n, _)| i64::try_from(*n).unwrap_or(i64::MAX))
        .collect();
    let flat: Vec<f64> = cells
        .iter()
        .flat_map(|(_, _, c)| c.iter().copied())
        .collect();
    let done = sqlx::query!(
        r#"INSERT INTO analysis_cells AS t (survey_id, survey_version, cell, respondents, counters)
           SELECT $1, $2, c.cell, c.n, ($4::float8[])[((c.i - 1) * $5 + 1):(c.i * $5)]
           FROM unnest($3::jsonb[], $6::int8[]) WITH ORDINALITY AS c (cell, n, i)
           ON CONFLICT ON CONSTRAINT analysis_cells_key DO UPDATE
           SET respondents = t.respondents + EXCLUDED.respondents,
               counters = canvass_add_counters(t.counters, EXCLUDED.counters)"#,
        survey_id.get(),
        i32::try_from(version).unwrap_or(i32::MAX),
        &keys,
        &flat,
        i64::try_from(width).unwrap_or(i64::MAX),
        &respondents,
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The cells of every version of `survey_id` (what is folded, and what is pending), with the counters of each metric of
/// `latest` that its version counts the same way ([`comparable`]); cells of one breakdown
/// but different versions are added up.
pub async fn cells(
    conn: &mut PgConnection,
    catalog: &Catalog,
    survey_id: SurveyId,
    latest: &Survey,
) -> Result<Vec<TalliedCell>, CatalogError> {
    let rows = sqlx::query!(
        r#"SELECT survey_version AS "survey_version!", cell AS "cell!",
                  respondents AS "respondents!", counters AS "counters!"
           FROM analysis_cells WHERE survey_id = $1
           UNION ALL
           SELECT survey_version, cell, 1, counters
           FROM analysis_pending WHERE survey_id = $1"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    // Per version: its model, and which of `latest`'s metrics it counts the same way.
    let mut versions: BTreeMap<i32, (Arc<Survey>, Vec<bool>)> = BTreeMap::new();
    let mut merged: BTreeMap<BTreeMap<String, String>, TalliedCell> = BTreeMap::new();
    for row in rows {
        if let Entry::Vacant(slot) = versions.entry(row.survey_version) {
            let version = u32::try_from(row.survey_version).unwrap_or_default();
            let model = catalog.version(conn, survey_id, version).await?;
            let same = latest
                .metrics
                .iter()
                .map(|m| comparable(&model, latest, m))
                .collect();
            slot.insert((model, same));
        }
        let Some((model, same)) = versions.get(&row.survey_version) else {
            continue;
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
        let mut split = split_counters(model, &row.counters);
        for (metric, same) in latest.metrics.iter().zip(same) {
            let Some(counters) = split.remove(metric.id.as_str()).filter(|_| *same) else {
                continue;
            };
            match cell.counters.get_mut(metric.id.as_str()) {
                Some(sum) if sum.len() == counters.len() => {
                    for (a, b) in sum.iter_mut().zip(&counters) {
                        *a += b;
                    }
                }
                Some(_) => {}
                None => {
                    cell.counters.insert(metric.id.to_string(), counters);
                }
            }
        }
    }
    Ok(merged.into_values().collect())
}

#[cfg(test)]
mod tests;
