//! The analysis pages' counts: responses folded into the counters of their breakdown cell
//! (`analysis_cells`) by the servers' background fold, from their stored answers, and read
//! back as [`TalliedCell`]s of a survey. Completed responses are added once; partial ones
//! (in progress, with an answer saved) as they now stand, in cells of their own.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, hash_map};
use std::sync::Arc;

use canvass_core::analysis::{
    Layout, TalliedCell, cell_of, comparable, counted_questions, pack, response_counters, unpack,
};
use canvass_core::ids::SurveyId;
use canvass_core::response::ResponseStatus;
use canvass_core::survey::Survey;
use sqlx::{Connection, PgConnection};

use crate::responses::Status;
use crate::surveys::{Catalog, CatalogError};

/// How many queued responses one fold's transaction takes.
const BATCH: usize = 500;

/// What a fold did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// Queued responses taken.
    pub responses: u64,
    /// Responses whose stored answers could not be read: left out of the counts.
    pub unreadable: u64,
    /// The surveys whose figures changed.
    pub surveys: BTreeSet<SurveyId>,
}

/// What to add to one cell's counts (to take away, with negative numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct CellDelta {
    pub survey_id: SurveyId,
    pub version: u32,
    /// Whether the cell counts partial responses (or completed ones).
    pub partial: bool,
    /// Breakdown question → code.
    pub cell: BTreeMap<String, String>,
    pub respondents: i64,
    /// In the layout of the version's metrics ([`response_counters`]).
    pub counters: Vec<f64>,
}

/// What identifies a cell: survey, version, completed or partial, breakdown.
type CellKey = (SurveyId, u32, bool, BTreeMap<String, String>);

impl CellDelta {
    /// The same counts, to take away.
    fn negated(self) -> CellDelta {
        CellDelta {
            respondents: -self.respondents,
            counters: self.counters.iter().map(|c| -c).collect(),
            ..self
        }
    }

    fn key(&self) -> CellKey {
        (
            self.survey_id,
            self.version,
            self.partial,
            self.cell.clone(),
        )
    }
}

/// Adds `more` to `sum` element by element: counters of one layout. A sum still empty
/// takes `more`; counters of another length are left out.
fn add_to(sum: &mut Vec<f64>, more: &[f64]) {
    if sum.is_empty() {
        sum.extend_from_slice(more);
    } else if sum.len() == more.len() {
        for (a, b) in sum.iter_mut().zip(more) {
            *a += b;
        }
    }
}

/// Brings the analysis counts of every queued response that is due up to date (the moves of
/// page saves and submits queue them: [`crate::monitor::fold_moves`]), a batch per
/// transaction, until none is due. Every server does this at each tick of its fold; any number may run
/// at once (each takes rows the others have not locked).
pub async fn fold(conn: &mut PgConnection, catalog: &Catalog) -> Result<Folded, CatalogError> {
    let mut folded = Folded::default();
    loop {
        let taken = fold_batch(conn, catalog, &mut folded).await?;
        if taken < BATCH {
            return Ok(folded);
        }
    }
}

/// Ends the rest of every queued response: the next fold counts them all. For the
/// benchmark and the tests (a server waits the rest). How many were resting.
pub async fn end_rests(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let ended = sqlx::query!("UPDATE analysis_queue SET due_at = now() WHERE due_at > now()")
        .execute(&mut *conn)
        .await?;
    Ok(ended.rows_affected())
}

async fn fold_batch(
    conn: &mut PgConnection,
    catalog: &Catalog,
    folded: &mut Folded,
) -> Result<usize, CatalogError> {
    let mut tx = conn.begin().await?;
    let rows = sqlx::query!(
        r#"WITH taken AS (
             DELETE FROM analysis_queue
             WHERE response_id IN (
               SELECT response_id FROM analysis_queue WHERE due_at <= now()
               ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING response_id
           )
           SELECT t.response_id AS "response_id!", r.survey_id AS "survey_id?",
                  r.survey_version AS "survey_version?",
                  r.status AS "status?: Status", r.answers::text AS "answers?",
                  p.survey_id AS "kept_survey?", p.survey_version AS "kept_version?",
                  p.cell AS "kept_cell?", p.counters AS "kept_counters?"
           FROM taken t
           LEFT JOIN responses r ON r.id = t.response_id
           LEFT JOIN analysis_partials p ON p.response_id = t.response_id"#,
        i64::try_from(BATCH).unwrap_or(i64::MAX)
    )
    .fetch_all(&mut *tx)
    .await?;
    let taken = rows.len();
    let mut deltas: Vec<CellDelta> = Vec::new();
    // Partial responses (by ID) and their counts as they now stand, kept to be taken away
    // when they change.
    let mut kept: Vec<(i64, CellDelta)> = Vec::new();
    let mut released: Vec<i64> = Vec::new();
    let mut models = Counted::default();
    for row in rows {
        folded.responses += 1;
        // What it added so far as a partial response…
        let before = match (
            row.kept_survey,
            row.kept_version,
            row.kept_cell,
            row.kept_counters,
        ) {
            (Some(survey), Some(version), Some(cell), Some(counters)) => Some(CellDelta {
                survey_id: SurveyId::new(survey),
                version: u32::try_from(version).unwrap_or_default(),
                partial: true,
                cell: serde_json::from_value(cell).unwrap_or_default(),
                respondents: 1,
                counters: from_bytes(&counters),
            }),
            _ => None,
        };
        // …and what it adds now.
        let now = match (
            row.survey_id,
            row.survey_version,
            row.status.map(ResponseStatus::from),
            row.answers,
        ) {
            (Some(survey_id), Some(version), Some(status), Some(answers)) => {
                let counted = Stored {
                    survey_id: SurveyId::new(survey_id),
                    version: u32::try_from(version).unwrap_or_default(),
                    status,
                    answers,
                };
                counted.delta(&mut tx, catalog, &mut models, folded).await?
            }
            _ => None,
        };
        // A page save that changed nothing the figures count (most pages hold no metric's
        // question) writes nothing: the cells stay as they are.
        if before.is_some() && before == now {
            continue;
        }
        if let Some(before) = before {
            released.push(row.response_id);
            deltas.push(before.negated());
        }
        if let Some(now) = now {
            if now.partial {
                kept.push((row.response_id, now.clone()));
            }
            deltas.push(now);
        }
    }
    folded.surveys.extend(deltas.iter().map(|d| d.survey_id));
    add_cells(&mut tx, &deltas).await?;
    keep_partials(&mut tx, &released, &kept).await?;
    tx.commit().await?;
    Ok(taken)
}

/// A queued response as stored: what the fold counts it from.
struct Stored {
    survey_id: SurveyId,
    version: u32,
    status: ResponseStatus,
    answers: String,
}

impl Stored {
    /// What the response adds to its cell now: a completed response to the completed
    /// cells, one in progress with an answer saved to the partial ones; nothing for one
    /// that ended otherwise, has no answer yet, or whose counted answers cannot be read
    /// (counted in `folded.unreadable`; only the questions the counts read are decoded).
    async fn delta(
        self,
        conn: &mut PgConnection,
        catalog: &Catalog,
        models: &mut Counted,
        folded: &mut Folded,
    ) -> Result<Option<CellDelta>, CatalogError> {
        let partial = match self.status {
            ResponseStatus::Completed => false,
            ResponseStatus::InProgress => true,
            ResponseStatus::Refused | ResponseStatus::ScreenedOut | ResponseStatus::QuotaFull => {
                return Ok(None);
            }
        };
        let (model, counted) = models
            .get(conn, catalog, self.survey_id, self.version)
            .await?;
        let Ok(read) = crate::stored::decode_only(&self.answers, counted) else {
            folded.unreadable += 1;
            return Ok(None);
        };
        if partial && read.entries == 0 {
            return Ok(None);
        }
        let outcomes = read.outcomes;
        Ok(Some(CellDelta {
            survey_id: self.survey_id,
            version: self.version,
            partial,
            cell: cell_of(model, &outcomes),
            respondents: 1,
            counters: response_counters(model, &outcomes),
        }))
    }
}

/// The models of the survey versions a batch counts, each with the questions its counts
/// read ([`counted_questions`]), worked out once per batch.
#[derive(Default)]
struct Counted(HashMap<(SurveyId, u32), (Arc<Survey>, BTreeSet<String>)>);

impl Counted {
    async fn get(
        &mut self,
        conn: &mut PgConnection,
        catalog: &Catalog,
        survey_id: SurveyId,
        version: u32,
    ) -> Result<(&Survey, &BTreeSet<String>), CatalogError> {
        let (model, counted) = match self.0.entry((survey_id, version)) {
            hash_map::Entry::Occupied(known) => known.into_mut(),
            hash_map::Entry::Vacant(slot) => {
                let model = catalog.version(conn, survey_id, version).await?;
                let counted = counted_questions(&model);
                slot.insert((model, counted))
            }
        };
        Ok((model, counted))
    }
}

/// The deltas of one cell added up into one (a batch often holds many of one cell).
fn merged(deltas: Vec<CellDelta>) -> Vec<CellDelta> {
    let mut out: BTreeMap<CellKey, CellDelta> = BTreeMap::new();
    for delta in deltas {
        match out.entry(delta.key()) {
            Entry::Vacant(slot) => {
                slot.insert(delta);
            }
            Entry::Occupied(mut slot) => {
                let sum = slot.get_mut();
                sum.respondents += delta.respondents;
                add_to(&mut sum.counters, &delta.counters);
            }
        }
    }
    out.into_values().collect()
}

/// Stored counters (`bytea`, as [`pack`] writes them) read back. Bytes that are not packed
/// counters read as no counters, left out as counters of another layout are.
fn from_bytes(bytes: &[u8]) -> Vec<f64> {
    unpack(bytes).unwrap_or_default()
}

/// The advisory lock folds hold while they add to the cells: one at a time, so what one
/// reads it writes back added up (adding in SQL, element by element, cost more than the
/// rest of a fold).
const CELLS_LOCK: i64 = 0x00ca_4a55_ce11;

/// Adds each delta to its cell's counts, creating the cell if needed; a partial cell left
/// with no respondent is removed. Counters of one survey version in two lengths (two
/// layouts) are refused.
pub async fn add_cells(conn: &mut PgConnection, deltas: &[CellDelta]) -> Result<u64, sqlx::Error> {
    if deltas.is_empty() {
        return Ok(0);
    }
    let mut widths: BTreeMap<(SurveyId, u32), usize> = BTreeMap::new();
    for d in deltas {
        if *widths
            .entry((d.survey_id, d.version))
            .or_insert(d.counters.len())
            != d.counters.len()
        {
            return Err(sqlx::Error::Protocol(
                "counters of one survey version in two layouts".into(),
            ));
        }
    }
    let mut sums = merged(deltas.to_vec());
    let mut tx = conn.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", CELLS_LOCK)
        .execute(&mut *tx)
        .await?;
    let key = Columns::of(&sums);
    let stored = sqlx::query!(
        r#"SELECT c.survey_id, c.survey_version, c.partial, c.cell, c.respondents, c.counters
           FROM analysis_cells c
           JOIN unnest($1::int8[], $2::int4[], $3::bool[], $4::jsonb[]) AS k (s, v, p, cell)
             ON (c.survey_id, c.survey_version, c.partial, c.cell) = (k.s, k.v, k.p, k.cell)"#,
        &key.surveys,
        &key.versions,
        &key.partial,
        &key.cells,
    )
    .fetch_all(&mut *tx)
    .await?;
    let index: BTreeMap<CellKey, usize> =
        sums.iter().enumerate().map(|(i, d)| (d.key(), i)).collect();
    for row in stored {
        let key = (
            SurveyId::new(row.survey_id),
            u32::try_from(row.survey_version).unwrap_or_default(),
            row.partial,
            serde_json::from_value(row.cell).unwrap_or_default(),
        );
        if let Some(sum) = index.get(&key).and_then(|&i| sums.get_mut(i)) {
            sum.respondents += row.respondents;
            add_to(&mut sum.counters, &from_bytes(&row.counters));
        }
    }
    let (kept, emptied): (Vec<CellDelta>, Vec<CellDelta>) = sums
        .into_iter()
        .partition(|d| d.respondents > 0 || !d.partial);
    let key = Columns::of(&kept);
    let respondents: Vec<i64> = kept.iter().map(|d| d.respondents).collect();
    let counters: Vec<Vec<u8>> = kept.iter().map(|d| pack(&d.counters)).collect();
    let written = sqlx::query!(
        r#"INSERT INTO analysis_cells AS t
             (survey_id, survey_version, partial, cell, respondents, counters)
           SELECT * FROM unnest($1::int8[], $2::int4[], $3::bool[], $4::jsonb[], $5::int8[],
                                $6::bytea[])
           ON CONFLICT ON CONSTRAINT analysis_cells_key DO UPDATE
           SET respondents = EXCLUDED.respondents, counters = EXCLUDED.counters"#,
        &key.surveys,
        &key.versions,
        &key.partial,
        &key.cells,
        &respondents,
        &counters,
    )
    .execute(&mut *tx)
    .await?;
    if !emptied.is_empty() {
        let key = Columns::of(&emptied);
        sqlx::query!(
            r#"DELETE FROM analysis_cells c
               USING unnest($1::int8[], $2::int4[], $3::bool[], $4::jsonb[]) AS k (s, v, p, cell)
               WHERE (c.survey_id, c.survey_version, c.partial, c.cell) = (k.s, k.v, k.p, k.cell)"#,
            &key.surveys,
            &key.versions,
            &key.partial,
            &key.cells,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(written.rows_affected())
}

/// The key columns of cells, as arrays to bind.
struct Columns {
    surveys: Vec<i64>,
    versions: Vec<i32>,
    partial: Vec<bool>,
    cells: Vec<serde_json::Value>,
}

impl Columns {
    fn of<'a>(deltas: impl IntoIterator<Item = &'a CellDelta>) -> Columns {
        let mut columns = Columns {
            surveys: Vec::new(),
            versions: Vec::new(),
            partial: Vec::new(),
            cells: Vec::new(),
        };
        for d in deltas {
            columns.surveys.push(d.survey_id.get());
            columns
                .versions
                .push(i32::try_from(d.version).unwrap_or(i32::MAX));
            columns.partial.push(d.partial);
            columns
                .cells
                .push(serde_json::to_value(&d.cell).unwrap_or_default());
        }
        columns
    }
}

/// Forgets the kept counts of `released` responses and keeps those of `kept` (response ID
/// and counts).
async fn keep_partials(
    conn: &mut PgConnection,
    released: &[i64],
    kept: &[(i64, CellDelta)],
) -> Result<(), sqlx::Error> {
    if !released.is_empty() {
        sqlx::query!(
            "DELETE FROM analysis_partials WHERE response_id = ANY($1)",
            released
        )
        .execute(&mut *conn)
        .await?;
    }
    if kept.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = kept.iter().map(|(id, _)| *id).collect();
    let key = Columns::of(kept.iter().map(|(_, d)| d));
    let counters: Vec<Vec<u8>> = kept.iter().map(|(_, d)| pack(&d.counters)).collect();
    sqlx::query!(
        r#"INSERT INTO analysis_partials (response_id, survey_id, survey_version, cell, counters)
           SELECT * FROM unnest($1::int8[], $2::int8[], $3::int4[], $4::jsonb[], $5::bytea[])"#,
        &ids,
        &key.surveys,
        &key.versions,
        &key.cells,
        &counters,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The cells of every version of `survey_id` as last folded, completed responses only or
/// with the partial ones too, with the counters of each metric of `latest` that its
/// version counts the same way ([`comparable`]); cells of one breakdown but different
/// versions (or completed and partial) are added up.
pub async fn cells(
    conn: &mut PgConnection,
    catalog: &Catalog,
    survey_id: SurveyId,
    latest: &Survey,
    with_partial: bool,
) -> Result<Vec<TalliedCell>, CatalogError> {
    let rows = sqlx::query!(
        r#"SELECT survey_version, cell, respondents, counters
           FROM analysis_cells WHERE survey_id = $1 AND (NOT partial OR $2)"#,
        survey_id.get(),
        with_partial
    )
    .fetch_all(&mut *conn)
    .await?;
    // Rows of one version and breakdown (completed and partial) added up first, as flat
    // counters, so that each is cut into metrics once.
    type Key = (i32, BTreeMap<String, String>);
    let mut flat: BTreeMap<Key, (u64, Vec<f64>)> = BTreeMap::new();
    for row in rows {
        let breakdown: BTreeMap<String, String> =
            serde_json::from_value(row.cell).unwrap_or_default();
        let (respondents, sum) = flat.entry((row.survey_version, breakdown)).or_default();
        *respondents += u64::try_from(row.respondents).unwrap_or_default();
        add_to(sum, &from_bytes(&row.counters));
    }
    // Per version: its layout, and which of `latest`'s metrics it counts the same way.
    let mut versions: BTreeMap<i32, (Layout, Vec<bool>)> = BTreeMap::new();
    let mut merged: BTreeMap<BTreeMap<String, String>, TalliedCell> = BTreeMap::new();
    for ((version, breakdown), (respondents, counters)) in flat {
        if let Entry::Vacant(slot) = versions.entry(version) {
            let number = u32::try_from(version).unwrap_or_default();
            let model = catalog.version(conn, survey_id, number).await?;
            let same = latest
                .metrics
                .iter()
                .map(|m| comparable(&model, latest, m))
                .collect();
            slot.insert((Layout::of(&model), same));
        }
        let Some((layout, same)) = versions.get(&version) else {
            continue;
        };
        let cell = merged
            .entry(breakdown.clone())
            .or_insert_with(|| TalliedCell {
                breakdown,
                ..TalliedCell::default()
            });
        cell.respondents += respondents;
        let split = layout.split(&counters);
        for (metric, same) in latest.metrics.iter().zip(same) {
            let Some(counters) = split.get(metric.id.as_str()).filter(|_| *same) else {
                continue;
            };
            match cell.counters.get_mut(metric.id.as_str()) {
                Some(sum) => add_to(sum, counters),
                None => {
                    cell.counters
                        .insert(metric.id.to_string(), counters.to_vec());
                }
            }
        }
    }
    Ok(merged.into_values().collect())
}

#[cfg(test)]
mod tests;
