//! `canvass bench-dashboard`: how fast the monitoring dashboard and the stats endpoint
//! answer as a survey grows, while respondents keep saving.
//!
//! For each size asked (5,142 and 1,000,000 by default) it tops the national survey's
//! responses up to that many, in bulk (`responses::insert_synthetic`: statuses, sections,
//! times and breakdown answers spread like the seed study's, no answers, since the figures
//! read only the maintained counts). Then, with respondents saving pages at a steady
//! `--save-rate` in the background (through `respond::save_section`, without the
//! recent-saves cache that `bench-saves` uses), it requests
//! `/monitor/ai-collab` and `/api/v1/surveys/ai-collab/stats` through the real router,
//! signed in as a viewer, one after the other, and prints latency percentiles of each. It
//! asserts nothing. Run it on a scratch database: the responses it adds stay.
//!
//! The analysis page and its JSON are measured the same way, under several filter
//! combinations. Their figures read only the counters of breakdown cells, whose number
//! does not grow with the responses: `fill` folds each completed synthetic response into
//! its cell with the counters of a drawn respondent of the same role (a pool of drawn
//! respondents, `core/surveys/ai-collab.demo.toml`, reused, since walking a million would
//! take an hour). It then measures what keeping those counters costs a submit: submits of
//! drawn respondents, alternately counted and not.
//!
//! Last, it measures how soon a response begun through one instance reaches a dashboard's
//! event stream served by another: two routers in this process, each with its own `Live`,
//! the first publishing and the second listening through PostgreSQL, as two servers do.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canvass_core::Lang;
use canvass_core::analysis::{Outcomes, response_counters};
use canvass_core::answers::{RawAnswers, section_fields, validate};
use canvass_core::ids::SurveyId;
use canvass_core::response::ResponseStatus;
use canvass_core::staff::{DisplayName, Password, StaffEmail, StaffRole};
use canvass_core::survey::{QuestionKind, Survey};
use canvass_core::surveys::AI_COLLAB_DEMO;
use canvass_core::synth::{Demo, Rng, respondent_drawn};
use canvass_db::PgPool;
use canvass_db::accounts;
use canvass_db::analysis::CellDelta;
use canvass_db::respond::{self, Saved};
use canvass_db::responses::{self, Synthetic};
use leptos::config::LeptosOptions;
use tower::ServiceExt;

use crate::bench::Percentiles;
use crate::{AppState, HttpSettings};

const EMAIL: &str = "bench-dashboard@canvass.invalid";

/// What is measured at each size: the monitoring page and JSON, the analysis page and its
/// JSON unfiltered, split, and under a combination of filters.
const PATHS: [&str; 7] = [
    "/monitor/ai-collab",
    "/api/v1/surveys/ai-collab/stats",
    "/analysis/ai-collab",
    "/api/v1/surveys/ai-collab/analysis",
    "/api/v1/surveys/ai-collab/analysis?split=province",
    "/api/v1/surveys/ai-collab/analysis?role=clinician&hospital_grade=tertiary_a&split=province",
    "/api/v1/surveys/ai-collab/analysis?responses=completed_and_partial&split=role",
];
const BATCH: usize = 10_000;

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub async fn run(
    pool: &PgPool,
    sizes: &[u64],
    requests: usize,
    save_rate: f64,
) -> anyhow::Result<()> {
    let (_, router) = instance(pool);
    let (published, survey) = crate::demo::national(pool).await?;
    let cookie = sign_in(pool, router.clone()).await?;
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    for size in sizes {
        let stored = {
            let mut conn = pool.acquire().await?;
            u64::try_from(responses::count_for(&mut conn, survey.slug.as_str()).await?).unwrap_or(0)
        };
        if stored < size {
            fill(
                pool,
                &survey,
                published.survey_id,
                published.version,
                size - stored,
            )
            .await?;
        }
        let saving = Saving::start(
            pool,
            &survey,
            published.survey_id,
            published.version,
            save_rate,
        )?;
        // Warm the caches (the survey model, the plans) before measuring.
        for path in PATHS {
            for _ in 0..5 {
                fetch(router.clone(), path, &cookie).await?;
            }
        }
        let mut figures = Vec::new();
        for path in PATHS {
            let mut latencies = Vec::with_capacity(requests);
            for _ in 0..requests {
                let began = Instant::now();
                fetch(router.clone(), path, &cookie).await?;
                latencies.push(began.elapsed());
            }
            figures.push((path, latencies));
        }
        let saved = saving.stop().await?;
        let now = {
            let mut conn = pool.acquire().await?;
            responses::count_for(&mut conn, survey.slug.as_str()).await?
        };
        println!("{now} responses; saves meanwhile: {saved:.0}/s");
        for (path, latencies) in figures {
            let count = latencies.len();
            let of = Percentiles::of(latencies.into_iter());
            println!(
                "  {path:<88} p50 {:>6.1} ms   p95 {:>6.1} ms   max {:>6.1} ms   ({count} requests)",
                of.at(0.50),
                of.at(0.95),
                of.at(1.0),
            );
        }
    }
    let cost = counting_cost(pool, &survey, published.survey_id).await?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let save = Percentiles::of(cost.saves.into_iter()).at(0.5);
    let fold_save = Percentiles::of(cost.fold_per_save.into_iter()).at(0.5);
    let submit = Percentiles::of(cost.submits.into_iter()).at(0.5);
    let rounds: Vec<String> = cost
        .fold_per_submit
        .iter()
        .map(|d| format!("{:.3}", ms(*d)))
        .collect();
    let fold_submit = Percentiles::of(cost.fold_per_submit.into_iter()).at(0.5);
    println!(
        "a page save: p50 {save:.2} ms; the background fold's work after it (a response in \
         progress waits its rest): {fold_save:.3} ms per save ({:.1}% of a save)",
        100.0 * fold_save / save.max(f64::EPSILON)
    );
    println!(
        "a submit: p50 {submit:.2} ms; counting it in the background fold: {fold_submit:.3} \
         ms per submit ({:.1}% of a submit; the median of {} folds: {} ms)",
        100.0 * fold_submit / submit.max(f64::EPSILON),
        rounds.len(),
        rounds.join(", ")
    );
    println!(
        "a respondent who pauses: counted as partial once the rest is over, {:.3} ms; \
         the fold's work on their submit then {:.3} ms ({:.1}% of a submit)",
        ms(cost.fold_per_rested),
        ms(cost.fold_per_submit_after_rest),
        100.0 * ms(cost.fold_per_submit_after_rest) / submit.max(f64::EPSILON)
    );
    let latencies = save_to_event(pool, &cookie).await?;
    let count = latencies.len();
    let of = Percentiles::of(latencies.into_iter());
    println!(
        "a response begun on instance A reaches a dashboard's stream on instance B: \
         p50 {:.0} ms   max {:.0} ms   ({count} responses)",
        of.at(0.5),
        of.at(1.0),
    );
    Ok(())
}

/// One server instance: its own state (and `Live`), its router.
fn instance(pool: &PgPool) -> (AppState, Router) {
    let options = LeptosOptions::builder()
        .output_name("canvass")
        .site_root("target/site")
        .build();
    let state = AppState::new(options, pool.clone());
    let router = crate::router(
        state.clone(),
        HttpSettings {
            request_timeout: Duration::from_secs(30),
            body_limit_bytes: 64 * 1024,
            upload_limit_bytes: 64 * 1024,
            hash_files: false,
            hsts: false,
        },
    );
    (state, router)
}

/// From a consent post on instance A to the `changed` event on a dashboard stream of
/// instance B, for a few responses a second apart (so that each is its own event).
async fn save_to_event(pool: &PgPool, cookie: &str) -> anyhow::Result<Vec<Duration>> {
    use futures_util::StreamExt;

    const TRIALS: usize = 20;
    let (a, router_a) = instance(pool);
    let (b, router_b) = instance(pool);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    };
    let publisher = tokio::spawn(crate::live::publish(a.live.clone(), pool.clone(), until()));
    let listener = tokio::spawn(crate::live::listen(b.live.clone(), pool.clone(), until()));
    let request = Request::get("/monitor/ai-collab/events")
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let reply = router_b.oneshot(request).await?;
    anyhow::ensure!(
        reply.status() == StatusCode::OK,
        "the event stream answered {}",
        reply.status()
    );
    let mut stream = reply.into_body().into_data_stream();
    // Waits for the next event of this name; the stream's text arrives in chunks.
    let mut buffer = String::new();
    let mut next_event = async |name: &str| -> anyhow::Result<()> {
        let wanted = format!("event: {name}");
        loop {
            if let Some(at) = buffer.find(&wanted) {
                buffer.drain(..at + wanted.len());
                return Ok(());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .context("no event within 10 s")?
                .context("the event stream ended")??;
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    next_event("ready").await?;
    let mut latencies = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let consent = Request::post("/s/ai-collab")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("consent=agree"))?;
        let began = Instant::now();
        let reply = router_a.clone().oneshot(consent).await?;
        anyhow::ensure!(
            reply.status() == StatusCode::SEE_OTHER,
            "consent answered {}",
            reply.status()
        );
        next_event("changed").await?;
        latencies.push(began.elapsed());
    }
    let _ = stop.send(true);
    a.live.stop();
    b.live.stop();
    let _ = tokio::join!(publisher, listener);
    Ok(latencies)
}

/// A viewer account for the benchmark, with a fresh random password, signed in.
async fn sign_in(pool: &PgPool, router: Router) -> anyhow::Result<String> {
    let email = StaffEmail::parse(EMAIL).map_err(|e| anyhow::anyhow!("{e}"))?;
    let secret = accounts::generated_password();
    let password = Password::parse(&secret, &email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = accounts::hash(&password).await?;
    let mut conn = pool.acquire().await?;
    match accounts::by_email(&mut conn, &email).await? {
        Some(account) => {
            accounts::set_password(&mut conn, account.id, &hash).await?;
        }
        None => {
            let name =
                DisplayName::parse("Dashboard benchmark").map_err(|e| anyhow::anyhow!("{e}"))?;
            accounts::create(&mut conn, &email, &name, StaffRole::Viewer, &hash).await?;
        }
    }
    drop(conn);
    // The generated password's alphabet is letters, digits, `+` and `/`.
    let encoded = secret.replace('+', "%2B").replace('/', "%2F");
    let body = format!("email={EMAIL}&password={encoded}");
    let request = Request::post("/staff/sign-in")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))?;
    let reply = router.oneshot(request).await?;
    anyhow::ensure!(
        reply.status() == StatusCode::SEE_OTHER,
        "the benchmark account could not sign in ({})",
        reply.status()
    );
    let cookie = reply
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("canvass_staff="))
        .and_then(|v| v.split(';').next())
        .context("no session cookie after signing in")?;
    Ok(cookie.to_owned())
}

/// One GET through the router, its whole body read.
async fn fetch(router: Router, path: &str, cookie: &str) -> anyhow::Result<()> {
    let request = Request::get(path)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let reply = router.oneshot(request).await?;
    let status = reply.status();
    axum::body::to_bytes(reply.into_body(), usize::MAX).await?;
    anyhow::ensure!(status == StatusCode::OK, "{path} answered {status}");
    Ok(())
}

/// Adds `count` synthetic responses, in batches, with a progress bar.
async fn fill(
    pool: &PgPool,
    survey: &Survey,
    survey_id: SurveyId,
    version: u32,
    count: u64,
) -> anyhow::Result<()> {
    let codes: Vec<(String, Vec<String>)> = survey
        .breakdowns
        .iter()
        .filter_map(|id| match &survey.question(id.as_str())?.kind {
            QuestionKind::SingleChoice { choices, .. } => Some((
                id.to_string(),
                choices.iter().map(|c| c.code.to_string()).collect(),
            )),
            _ => None,
        })
        .collect();
    let sections: Vec<String> = survey.sections.iter().map(|s| s.id.to_string()).collect();
    let progress = indicatif::ProgressBar::new(count);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} responses, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let pool_of_answers = drawn_counters(survey)?;
    // (partial, breakdown) → respondents and counters.
    type Cells = BTreeMap<(bool, BTreeMap<String, String>), (i64, Vec<f64>)>;
    let mut cells: Cells = BTreeMap::new();
    let mut rng = Rng::new(count);
    let mut left = count;
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(BATCH).min(BATCH);
        let rows: Vec<Synthetic> = (0..n)
            .map(|_| synthetic(&mut rng, &codes, &sections))
            .collect();
        for row in rows.iter().filter(|r| {
            matches!(
                r.status,
                ResponseStatus::Completed | ResponseStatus::InProgress
            )
        }) {
            let partial = row.status == ResponseStatus::InProgress;
            let cell: BTreeMap<String, String> =
                serde_json::from_value(row.breakdown.clone()).unwrap_or_default();
            let role = cell.get("role").map(String::as_str).unwrap_or_default();
            let answers = pool_of_answers
                .get(role)
                .or_else(|| pool_of_answers.values().next())
                .and_then(|drawn| rng.pick(drawn))
                .context("no drawn respondent to count")?;
            let (respondents, sum) = cells
                .entry((partial, cell))
                .or_insert_with(|| (0, vec![0.0; answers.len()]));
            *respondents += 1;
            for (a, b) in sum.iter_mut().zip(answers) {
                *a += b;
            }
        }
        let mut conn = pool.acquire().await?;
        responses::insert_synthetic(&mut conn, survey_id, version, &rows).await?;
        left -= n as u64;
        progress.inc(n as u64);
    }
    progress.finish_and_clear();
    let cells: Vec<CellDelta> = cells
        .into_iter()
        .map(|((partial, cell), (respondents, counters))| CellDelta {
            survey_id,
            version,
            partial,
            cell,
            respondents,
            counters,
        })
        .collect();
    let mut conn = pool.acquire().await?;
    canvass_db::analysis::add_cells(&mut conn, &cells).await?;
    Ok(())
}

/// Drawn respondents' counters by role: what a completed synthetic response counts.
fn drawn_counters(survey: &Survey) -> anyhow::Result<BTreeMap<String, Vec<Vec<f64>>>> {
    let demo = Demo::from_toml(AI_COLLAB_DEMO, survey)
        .map_err(|problems| anyhow::anyhow!("the demo file: {}", problems.join("; ")))?;
    let mut by_role: BTreeMap<String, Vec<Vec<f64>>> = BTreeMap::new();
    for seed in 0..DRAWN {
        let Ok(raw) = respondent_drawn(survey, seed, RawAnswers::new(), &demo) else {
            continue;
        };
        let walk = validate(survey, &raw);
        if walk.ended.is_some() {
            continue;
        }
        let answers: Outcomes = walk
            .outcomes
            .into_iter()
            .map(|(id, outcome)| (id.to_string(), outcome))
            .collect();
        let role = raw
            .get("role")
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or_default();
        by_role
            .entry(role)
            .or_default()
            .push(response_counters(survey, &answers));
    }
    Ok(by_role)
}

/// How many drawn respondents the counted answers come from.
const DRAWN: u64 = 3_000;

/// What keeping the analysis counts current costs, against what it follows: page saves
/// and submits of drawn respondents (timed), and the background fold that counts them
/// (timed apart, per save or submit it folded).
struct CountingCost {
    saves: Vec<Duration>,
    fold_per_save: Vec<Duration>,
    submits: Vec<Duration>,
    /// The fold's work per submit of a respondent who never paused.
    fold_per_submit: Vec<Duration>,
    /// Per response in progress whose rest ended (counted as partial, once per pause).
    fold_per_rested: Duration,
    /// Per submit of a respondent who paused (its partial counts taken away).
    fold_per_submit_after_rest: Duration,
}

/// Walks drawn respondents through the survey a page at a time, all in step: every one
/// saves a page (timed), then the moves are folded and the fold run (timed: responses in
/// progress wait their rest, so it finds nothing due). At the end an eighth of them submit
/// one by one, each counted by a fold of its own (untimed: the fold's statements warm),
/// then three rounds of 50 submit (timed), each counted by a fold (timed); the other half
/// rest (their rest ended by hand), are counted as partial (timed), then submit and are
/// counted (timed).
async fn counting_cost(
    pool: &PgPool,
    survey: &Survey,
    survey_id: SurveyId,
) -> anyhow::Result<CountingCost> {
    const TRIALS: u64 = 400;
    const ROUNDS: usize = 3;
    let demo = Demo::from_toml(AI_COLLAB_DEMO, survey)
        .map_err(|problems| anyhow::anyhow!("the demo file: {}", problems.join("; ")))?;
    let catalog = canvass_db::surveys::Catalog::default();
    let mut conn = pool.acquire().await?;
    // The fold's own connection, as a server's background task has one, with its
    // statements prepared by a first respondent's walk before anything is timed.
    let mut folder = pool.acquire().await?;
    fold_timed(&mut folder, &catalog).await?;
    let mut walkers = Vec::new();
    for seed in 0..TRIALS * 4 {
        if walkers.len() as u64 > TRIALS {
            break;
        }
        let mut preset = RawAnswers::new();
        preset.insert("consent".into(), vec!["agree".into()]);
        preset.insert("role".into(), vec!["clinician".into()]);
        let raw = respondent_drawn(survey, 1_000_000 + seed, preset, &demo)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let walk = validate(survey, &raw);
        if walk.ended.is_some() {
            continue;
        }
        let started = responses::start(
            &mut conn,
            survey_id,
            survey.version,
            Lang::Zh,
            Default::default(),
        )
        .await?;
        walkers.push((started.public_id, raw, walk.relevant_sections));
    }
    let mut cost = CountingCost {
        saves: Vec::new(),
        fold_per_save: Vec::new(),
        submits: Vec::new(),
        fold_per_submit: Vec::new(),
        fold_per_rested: Duration::ZERO,
        fold_per_submit_after_rest: Duration::ZERO,
    };
    let Some((public_id, raw, sections)) = walkers.pop() else {
        anyhow::bail!("no drawn respondent completes the survey");
    };
    for section_id in &sections {
        if let Some(section) = survey.section(section_id.as_str()) {
            let posted = section_fields(section, &raw);
            respond::save_section(&mut conn, public_id, survey, section_id, &posted)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            fold_timed(&mut folder, &catalog).await?;
        }
    }
    respond::submit(&mut conn, public_id, survey)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    fold_timed(&mut folder, &catalog).await?;
    let pages = walkers.iter().map(|w| w.2.len()).max().unwrap_or(0);
    for page in 0..pages {
        let mut saved = 0u32;
        for (public_id, raw, sections) in &walkers {
            let Some(section_id) = sections.get(page) else {
                continue;
            };
            let Some(section) = survey.section(section_id.as_str()) else {
                continue;
            };
            let posted = section_fields(section, raw);
            let began = Instant::now();
            respond::save_section(&mut conn, *public_id, survey, section_id, &posted)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            cost.saves.push(began.elapsed());
            saved += 1;
        }
        let took = fold_timed(&mut folder, &catalog).await?;
        cost.fold_per_save.push(took / saved.max(1));
    }
    let (paused, straight): (Vec<_>, Vec<_>) =
        walkers.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let per = |took: Duration, n: usize| took / u32::try_from(n).unwrap_or(u32::MAX).max(1);
    // A first quarter submits and is counted untimed, as in a server that has been folding
    // submits for a while (the fold's statements run often enough for PostgreSQL to keep
    // their plans); the rest submit in three timed rounds of 50, each counted by one fold
    // (timed): one fold is one figure, and a single figure proved noisy.
    let (warming, straight) = straight.split_at(straight.len() / 4);
    for (_, (public_id, _, _)) in warming {
        respond::submit(&mut conn, *public_id, survey)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        fold_timed(&mut folder, &catalog).await?;
    }
    for round in straight.chunks(straight.len().div_ceil(ROUNDS).max(1)) {
        for (_, (public_id, _, _)) in round {
            let began = Instant::now();
            respond::submit(&mut conn, *public_id, survey)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            cost.submits.push(began.elapsed());
        }
        let took = per(fold_timed(&mut folder, &catalog).await?, round.len());
        cost.fold_per_submit.push(took);
    }
    let rested = canvass_db::analysis::end_rests(&mut conn).await?;
    cost.fold_per_rested = per(
        fold_timed(&mut folder, &catalog).await?,
        usize::try_from(rested).unwrap_or(usize::MAX),
    );
    for (_, (public_id, _, _)) in &paused {
        respond::submit(&mut conn, *public_id, survey)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    cost.fold_per_submit_after_rest = per(fold_timed(&mut folder, &catalog).await?, paused.len());
    Ok(cost)
}

/// Folds the moves (the monitoring's work, which queues the responses moved), then times
/// the analysis fold alone.
async fn fold_timed(
    conn: &mut canvass_db::PgConnection,
    catalog: &canvass_db::surveys::Catalog,
) -> anyhow::Result<Duration> {
    canvass_db::monitor::fold_moves(conn, crate::tallies::PARTIAL_REST).await?;
    let began = Instant::now();
    canvass_db::analysis::fold(conn, catalog).await?;
    Ok(began.elapsed())
}

/// One response, spread as in the seed study: most completed, some partial, a few refused
/// or screened out, begun over the last 30 days.
fn synthetic(rng: &mut Rng, codes: &[(String, Vec<String>)], sections: &[String]) -> Synthetic {
    let status = match rng.below(100) {
        0..=69 => ResponseStatus::Completed,
        70..=89 => ResponseStatus::InProgress,
        90..=94 => ResponseStatus::Refused,
        _ => ResponseStatus::ScreenedOut,
    };
    let last_section = match status {
        ResponseStatus::Completed => sections.last().cloned(),
        ResponseStatus::Refused => sections.first().cloned(),
        _ => rng.pick(sections).cloned(),
    };
    let breakdown = match status {
        ResponseStatus::Refused => serde_json::Value::Object(serde_json::Map::new()),
        _ => codes
            .iter()
            .filter_map(|(q, choices)| Some((q.clone(), rng.pick(choices)?.clone().into())))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    };
    Synthetic {
        status,
        last_section,
        started_secs_ago: rng.between(3_600, 30 * 86_400),
        completion_secs: (status == ResponseStatus::Completed).then(|| rng.between(300, 2_400)),
        breakdown,
    }
}

/// Respondents saving pages in the background at a steady total rate.
struct Saving {
    stop: Arc<AtomicBool>,
    /// Folding the saves' moves into the tallies, as every server does.
    folding: crate::tallies::Folding,
    saved: Arc<AtomicU64>,
    began: Instant,
    tasks: tokio::task::JoinSet<anyhow::Result<()>>,
}

impl Saving {
    fn start(
        pool: &PgPool,
        survey: &Arc<Survey>,
        survey_id: SurveyId,
        version: u32,
        rate: f64,
    ) -> anyhow::Result<Saving> {
        const RESPONDENTS: usize = 20;
        let walks = Arc::new(crate::bench::walks(survey, 64)?);
        let stop = Arc::new(AtomicBool::new(false));
        let saved = Arc::new(AtomicU64::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        if rate > 0.0 {
            let pace = Duration::from_secs_f64(RESPONDENTS as f64 / rate);
            for task in 0..RESPONDENTS {
                let (pool, survey, walks) = (pool.clone(), Arc::clone(survey), Arc::clone(&walks));
                let (stop, saved) = (Arc::clone(&stop), Arc::clone(&saved));
                tasks.spawn(async move {
                    let mut due = Instant::now() + pace.mul_f64(task as f64 / RESPONDENTS as f64);
                    let mut next = task;
                    while !stop.load(Ordering::Relaxed) {
                        let walk = &walks[next % walks.len()];
                        next += RESPONDENTS;
                        let who = {
                            let mut conn = pool.acquire().await?;
                            responses::start(
                                &mut conn,
                                survey_id,
                                version,
                                Lang::Zh,
                                Default::default(),
                            )
                            .await?
                            .public_id
                        };
                        for (section, posted) in walk {
                            tokio::time::sleep_until(due.into()).await;
                            due += pace;
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            let mut conn = pool.acquire().await?;
                            let done =
                                respond::save_section(&mut conn, who, &survey, section, posted)
                                    .await?;
                            saved.fetch_add(1, Ordering::Relaxed);
                            if !matches!(done, Saved::Next(_)) {
                                break;
                            }
                        }
                    }
                    Ok(())
                });
            }
        }
        Ok(Saving {
            stop,
            folding: crate::tallies::Folding::start(pool),
            saved,
            began: Instant::now(),
            tasks,
        })
    }

    /// Stops the respondents; the saves per second they made.
    async fn stop(mut self) -> anyhow::Result<f64> {
        self.stop.store(true, Ordering::Relaxed);
        while let Some(result) = self.tasks.join_next().await {
            result.context("a saving task failed")??;
        }
        self.folding
            .stop()
            .await
            .context("the folding task failed")?;
        Ok(self.saved.load(Ordering::Relaxed) as f64 / self.began.elapsed().as_secs_f64())
    }
}
