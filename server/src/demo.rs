//! `canvass seed-demo`: fills the database with synthetic respondents of the national
//! survey, walked page by page through the same code path as real ones.
//!
//! What they answer is drawn as `core/surveys/ai-collab.demo.toml` declares (the seed
//! study's shape, not its figures: clinicians the large majority, provinces by the size of
//! their radiology workforce, high interest and low engagement, privacy among the top
//! barriers…); here only their language, their fate (some break off) and their times.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use canvass_core::Lang;
use canvass_core::answers::{RawAnswers, section_fields, validate};
use canvass_core::ids::SurveyId;
use canvass_core::survey::Survey;
use canvass_core::surveys::AI_COLLAB_DEMO;
use canvass_core::synth::{Demo, Rng, respondent_drawn};
use canvass_db::PgPool;
use canvass_db::respond::{self, Saved};
use canvass_db::responses;
use canvass_db::surveys::PublishedSource;

/// One of `items`, with probability proportional to its weight (`items` is never empty).
fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u64)]) -> T {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.below(total);
    for &(item, weight) in items {
        if at < weight {
            return item;
        }
        at -= weight;
    }
    items[0].0
}

/// What becomes of one synthetic respondent.
enum Fate {
    Completes,
    /// Stops after this many pages.
    BreaksOff(usize),
}

/// The published national survey and its model.
pub async fn national(pool: &PgPool) -> anyhow::Result<(PublishedSource, Arc<Survey>)> {
    let published = {
        let mut conn = pool.acquire().await.context("no database connection")?;
        canvass_db::surveys::latest(&mut conn, "ai-collab")
            .await?
            .context("the national survey is not installed")?
    };
    let survey = canvass_db::surveys::model(&published).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((published, Arc::new(survey)))
}

/// Seeds `count` respondents, `base_seed` choosing which.
pub async fn seed(pool: &PgPool, count: u64, base_seed: u64) -> anyhow::Result<()> {
    let (published, survey) = national(pool).await?;
    let demo = Arc::new(
        Demo::from_toml(AI_COLLAB_DEMO, &survey)
            .map_err(|problems| anyhow::anyhow!("the demo file: {}", problems.join("; ")))?,
    );
    let progress = indicatif::ProgressBar::new(count);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} respondents, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (pool, survey, demo, next, progress) = (
            pool.clone(),
            Arc::clone(&survey),
            Arc::clone(&demo),
            Arc::clone(&next),
            progress.clone(),
        );
        let survey_id = published.survey_id;
        let version = published.version;
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<(), anyhow::Error>(());
                }
                one(
                    &pool,
                    &survey,
                    &demo,
                    survey_id,
                    version,
                    base_seed.wrapping_mul(1_000_003).wrapping_add(i),
                )
                .await?;
                progress.inc(1);
            }
        });
    }
    while let Some(result) = workers.join_next().await {
        result.context("a seeding task failed")??;
    }
    progress.finish_and_clear();
    // A server folds the saves each quarter second; without one running, they are folded
    // here, so the dashboards read no backlog and the analysis counts every response (the
    // demo's partial responses stopped long ago: they have rested).
    crate::tallies::fold_once(
        pool,
        &canvass_db::surveys::Catalog::default(),
        Duration::ZERO,
    )
    .await?;
    let elapsed = started.elapsed();
    tracing::info!(
        respondents = count,
        seconds = elapsed.as_secs_f64(),
        "demo data seeded"
    );
    eprintln!(
        "seeded {count} synthetic respondents in {:.1} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64().max(0.001)
    );
    Ok(())
}

async fn one(
    pool: &PgPool,
    survey: &Survey,
    demo: &Demo,
    survey_id: SurveyId,
    version: u32,
    seed: u64,
) -> anyhow::Result<()> {
    let mut rng = Rng::new(seed);
    let raw = respondent_drawn(survey, seed, RawAnswers::new(), demo)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let lang = if rng.chance(85) { Lang::Zh } else { Lang::En };
    let fate = if rng.chance(12) {
        Fate::BreaksOff(rng.between(1, 9) as usize)
    } else {
        Fate::Completes
    };

    // One connection at a time per respondent: holding one while asking for another would
    // let the workers starve the pool.
    let started = {
        let mut conn = pool.acquire().await?;
        responses::start(&mut conn, survey_id, version, lang, Default::default()).await?
    };
    let walk = validate(survey, &raw);
    walk_pages(pool, survey, started.public_id, &raw, &walk, &fate).await?;
    // Spread over the weeks of fieldwork, so that monitoring has a history to show.
    let (ago, active) = when(&mut rng, &fate);
    let mut conn = pool.acquire().await?;
    responses::backdate(&mut conn, started.public_id, ago, active).await?;
    Ok(())
}

/// Length of the demo fieldwork, in days.
const FIELDWORK_DAYS: i64 = 42;

/// When a synthetic respondent started (seconds ago) and how long they were active: most
/// answer in the days after the launch and after each of two reminders (days 14 and 28),
/// in the daytime and evening; completing takes 4 to 30 minutes.
fn when(rng: &mut Rng, fate: &Fate) -> (i64, i64) {
    let mut day: i64 = weighted(rng, &[(0, 50), (14, 30), (28, 20)]);
    while day < FIELDWORK_DAYS - 1 && rng.chance(65) {
        day += 1;
    }
    let hour: i64 = weighted(
        rng,
        &[
            (8, 4),
            (9, 6),
            (10, 7),
            (11, 7),
            (12, 10),
            (13, 9),
            (14, 6),
            (15, 6),
            (16, 6),
            (17, 6),
            (18, 6),
            (19, 7),
            (20, 9),
            (21, 9),
            (22, 6),
            (23, 3),
        ],
    );
    let minute = rng.between(0, 59);
    let active = match fate {
        Fate::Completes => rng.between(4 * 60, 30 * 60),
        Fate::BreaksOff(pages) => rng.between(30, 120) * (*pages as i64).max(1),
    };
    let since_launch = day * 86_400 + hour * 3_600 + minute * 60;
    let ago = (FIELDWORK_DAYS * 86_400 - since_launch).max(active + 60);
    (ago, active)
}

async fn walk_pages(
    pool: &PgPool,
    survey: &Survey,
    public_id: responses::PublicId,
    raw: &RawAnswers,
    walk: &canvass_core::answers::Validation,
    fate: &Fate,
) -> anyhow::Result<()> {
    for (page, section_id) in walk.relevant_sections.iter().enumerate() {
        if let Fate::BreaksOff(after) = *fate
            && page >= after
        {
            return Ok(());
        }
        let Some(section) = survey.section(section_id.as_str()) else {
            break;
        };
        let posted = section_fields(section, raw);
        let mut tx = pool.begin().await?;
        let saved = respond::save_section(&mut tx, public_id, survey, section_id, &posted)
            .await
            .with_context(|| format!("saving section {section_id} of a synthetic respondent"))?;
        if saved == Saved::Review {
            respond::submit(&mut tx, public_id, survey).await?;
        }
        tx.commit().await?;
        if !matches!(saved, Saved::Next(_)) {
            return Ok(());
        }
    }
    Ok(())
}
