//! The recount: figures from the counts the fold keeps equal figures counted afresh from
//! the stored answers, by a plain loop written apart from `canvass-core`'s tallies, for
//! completed responses and for completed and partial ones.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use canvass_core::Lang;
use canvass_core::analysis::{AnalysisQuery, Figure, Report, TalliedCell, report};
use canvass_core::answers::{Answer, Cell, Outcome, RawAnswers, section_fields, validate};
use canvass_core::expr::{Answers, Reference, Value};
use canvass_core::survey::{MetricKind, QuestionKind, Survey};
use canvass_core::surveys::AI_COLLAB;
use canvass_core::synth::respondent_with;
use sqlx::PgPool;

use super::*;
use crate::respond::{Saved, save_section, submit};
use crate::responses::{self, Origin};

const ROLES: [&str; 3] = ["clinician", "institution", "industry"];
const PROVINCES: [&str; 3] = ["beijing", "guangdong", "sichuan"];

/// Walks `count` generated respondents through the real save and submit; every fifth
/// stops before submitting, and every ninth (from the eighth) after one to four pages.
/// Returns the survey and its ID.
async fn respondents(pool: &PgPool, count: u64) -> (Survey, SurveyId) {
    let survey = Survey::from_toml(AI_COLLAB).expect("loads");
    let mut conn = pool.acquire().await.expect("connection");
    crate::surveys::install(&mut conn, &survey, AI_COLLAB)
        .await
        .expect("install");
    let published = crate::surveys::latest(&mut conn, "ai-collab")
        .await
        .expect("query")
        .expect("present");
    for seed in 0..count {
        let mut preset = RawAnswers::new();
        preset.insert("consent".into(), vec!["agree".into()]);
        preset.insert("role".into(), vec![ROLES[(seed % 3) as usize].into()]);
        let province = PROVINCES[((seed / 3) % 3) as usize];
        preset.insert("province".into(), vec![province.into()]);
        let raw = respondent_with(&survey, seed, preset).expect("a walk");
        let started = responses::start(
            &mut conn,
            published.survey_id,
            published.version,
            Lang::Zh,
            Origin::default(),
        )
        .await
        .expect("start");
        let walk = validate(&survey, &raw);
        let mut reached_review = false;
        let pages = if seed % 9 == 7 {
            1 + (seed % 4) as usize
        } else {
            usize::MAX
        };
        for section_id in walk.relevant_sections.iter().take(pages) {
            let section = survey.section(section_id.as_str()).expect("section");
            let posted = section_fields(section, &raw);
            let saved = save_section(&mut conn, started.public_id, &survey, section_id, &posted)
                .await
                .expect("page saves");
            reached_review = matches!(saved, Saved::Review);
            if !matches!(saved, Saved::Next(_)) {
                break;
            }
        }
        if reached_review && seed % 5 != 4 {
            submit(&mut conn, started.public_id, &survey)
                .await
                .expect("submit");
        }
    }
    (survey, published.survey_id)
}

/// The stored answers of every completed response.
async fn completed(pool: &PgPool) -> Vec<BTreeMap<String, Outcome>> {
    stored(pool, "completed").await
}

/// The stored answers of every response with status `status` and an answer saved.
async fn stored(pool: &PgPool, status: &str) -> Vec<BTreeMap<String, Outcome>> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT public_id FROM responses WHERE status::text = $1 AND answers <> '{}'",
    )
    .bind(status)
    .fetch_all(pool)
    .await
    .expect("ids");
    let mut conn = pool.acquire().await.expect("connection");
    let mut out = Vec::new();
    for id in ids {
        let snapshot = responses::snapshot(&mut conn, responses::PublicId(id))
            .await
            .expect("read")
            .expect("found");
        out.push(snapshot.answers);
    }
    out
}

struct Plain<'a>(&'a BTreeMap<String, Outcome>);

impl<'a> Plain<'a> {
    fn answer(&self, q: &str) -> Option<&'a Answer> {
        match self.0.get(q) {
            Some(Outcome::Answered { answer }) => Some(answer),
            _ => None,
        }
    }
    fn asked(&self, q: &str) -> bool {
        !matches!(self.0.get(q), None | Some(Outcome::NotAsked))
    }
}

impl Answers for Plain<'_> {
    fn value(&self, r: &Reference) -> Value {
        self.answer(&r.question)
            .map_or(Value::Missing, |a| a.value(r.row.as_deref()))
    }
}

fn items(survey: &Survey, q: &str) -> Vec<String> {
    survey.items(q).iter().map(|c| c.code.to_string()).collect()
}

/// Each metric's figures as plain numbers, counted by hand from the answers.
fn by_hand(
    survey: &Survey,
    answers: &[&BTreeMap<String, Outcome>],
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for metric in &survey.metrics {
        let mut lines = Vec::new();
        match &metric.kind {
            MetricKind::Share { when } => {
                let asked: Vec<_> = answers
                    .iter()
                    .filter(|a| {
                        when.expr
                            .references()
                            .iter()
                            .all(|r| Plain(a).asked(&r.question))
                    })
                    .collect();
                let x = asked.iter().filter(|a| when.expr.holds(&Plain(a))).count();
                lines.push(format!("{x}/{}", asked.len()));
            }
            MetricKind::Gap { first, second } => {
                let asked: Vec<_> = answers
                    .iter()
                    .filter(|a| {
                        first
                            .when
                            .expr
                            .references()
                            .iter()
                            .chain(second.when.expr.references().iter())
                            .all(|r| Plain(a).asked(&r.question))
                    })
                    .collect();
                let x1 = asked
                    .iter()
                    .filter(|a| first.when.expr.holds(&Plain(a)))
                    .count();
                let x2 = asked
                    .iter()
                    .filter(|a| second.when.expr.holds(&Plain(a)))
                    .count();
                lines.push(format!("{x1}/{} {x2}/{}", asked.len(), asked.len()));
            }
            MetricKind::Mean { .. } => {}
            MetricKind::Ranking { question } => {
                let codes = items(survey, question.as_str());
                let mut first = vec![0; codes.len()];
                let mut points = vec![0u64; codes.len()];
                let mut n = 0;
                let top = match survey.question(question.as_str()).map(|q| &q.kind) {
                    Some(QuestionKind::Ranking { top, .. }) => *top as u64,
                    _ => 0,
                };
                for a in answers {
                    if let Some(Answer::Ranking(ranked)) = Plain(a).answer(question.as_str()) {
                        n += 1;
                        for (rank, code) in ranked.iter().enumerate() {
                            let i = codes.iter().position(|c| c == code.as_str()).expect("item");
                            points[i] += top - rank as u64;
                            if rank == 0 {
                                first[i] += 1;
                            }
                        }
                    }
                }
                for (i, code) in codes.iter().enumerate() {
                    lines.push(format!("{code} {}/{n} borda {}", first[i], points[i]));
                }
            }
            MetricKind::Matrix { question, at_least } => {
                for row in items(survey, question.as_str()) {
                    let (mut x, mut n, mut sum) = (0, 0, 0i64);
                    for a in answers {
                        if let Some(Answer::Matrix(cells)) = Plain(a).answer(question.as_str())
                            && let Some((_, Cell::Scale(v))) =
                                cells.iter().find(|(c, _)| c.as_str() == row)
                        {
                            n += 1;
                            sum += v;
                            x += usize::from(*v >= *at_least);
                        }
                    }
                    lines.push(format!("{row} {x}/{n} sum {sum}"));
                }
            }
            MetricKind::TopChoices { question } => {
                let mut n = 0;
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for a in answers {
                    let chosen: Vec<String> = match Plain(a).answer(question.as_str()) {
                        Some(Answer::Choices { codes, .. }) => {
                            codes.iter().map(|c| c.to_string()).collect()
                        }
                        Some(Answer::Choice { code, .. }) => vec![code.to_string()],
                        _ => continue,
                    };
                    n += 1;
                    for c in chosen {
                        *counts.entry(c).or_default() += 1;
                    }
                }
                for code in items(survey, question.as_str()) {
                    let x = counts.get(&code).copied().unwrap_or(0);
                    lines.push(format!("{code} {x}/{n}"));
                }
            }
            MetricKind::Network {
                question,
                ties,
                by,
                types,
            } => {
                let nodes = items(survey, question.as_str());
                let mut n: BTreeMap<&str, usize> = BTreeMap::new();
                let mut w: BTreeMap<(&str, String), usize> = BTreeMap::new();
                for a in answers {
                    let own = match Plain(a).answer(by.as_str()) {
                        Some(Answer::Choice { code, .. }) => types.get(code).map(|t| t.as_str()),
                        _ => None,
                    };
                    let (Some(own), Some(Answer::Matrix(cells))) =
                        (own, Plain(a).answer(question.as_str()))
                    else {
                        continue;
                    };
                    *n.entry(own).or_default() += 1;
                    for (partner, cell) in cells {
                        if matches!(cell, Cell::Choice(c) if ties.contains(c)) {
                            *w.entry((own, partner.to_string())).or_default() += 1;
                        }
                    }
                }
                for from in &nodes {
                    let nf = n.get(from.as_str()).copied().unwrap_or(0);
                    lines.push(format!("{from} n {nf}"));
                    for to in &nodes {
                        let x = w.get(&(from.as_str(), to.clone())).copied().unwrap_or(0);
                        lines.push(format!("{from}->{to} {x}/{nf}"));
                    }
                }
            }
        }
        out.insert(metric.id.to_string(), lines);
    }
    out
}

/// The same plain numbers, read off a report.
fn from_report(
    survey: &Survey,
    report: &Report,
    group: Option<usize>,
) -> BTreeMap<String, Vec<String>> {
    let frac = |s: &canvass_core::analysis::Shown<canvass_core::analysis::Proportion>| {
        s.value()
            .map_or("hidden".to_owned(), |p| format!("{}/{}", p.x, p.n))
    };
    let mut out = BTreeMap::new();
    for m in &report.metrics {
        let figure = match group {
            None => &m.all,
            Some(g) => &m.groups[g],
        };
        let metric = survey
            .metrics
            .iter()
            .find(|x| x.id == m.id)
            .expect("metric");
        let mut lines = Vec::new();
        match figure {
            Figure::Share { share } => lines.push(frac(share)),
            Figure::Gap { first, second, .. } => {
                lines.push(format!("{} {}", frac(&first.share), frac(&second.share)));
            }
            Figure::Mean { .. } => {}
            Figure::Ranking { items: list, .. } => {
                let codes = self::items(
                    survey,
                    match &metric.kind {
                        MetricKind::Ranking { question } => question.as_str(),
                        _ => "",
                    },
                );
                for code in codes {
                    let item = list.iter().find(|i| i.code.as_str() == code).expect("item");
                    let first = item.first.as_ref().map(frac).unwrap_or_default();
                    let borda = item
                        .borda
                        .as_ref()
                        .and_then(|b| b.value().copied())
                        .unwrap_or_default();
                    lines.push(format!("{code} {first} borda {borda}"));
                }
            }
            Figure::Matrix { items: list, .. } | Figure::TopChoices { items: list, .. } => {
                let question = match &metric.kind {
                    MetricKind::Matrix { question, .. } | MetricKind::TopChoices { question } => {
                        question.as_str()
                    }
                    _ => "",
                };
                for code in self::items(survey, question) {
                    let item = list.iter().find(|i| i.code.as_str() == code).expect("item");
                    match item.mean.as_ref().and_then(|m| m.value()) {
                        Some(mean) => lines.push(format!(
                            "{code} {} sum {}",
                            frac(&item.share),
                            (mean.mean * mean.n as f64).round() as i64
                        )),
                        None if item.mean.is_some() => {
                            lines.push(format!("{code} {} sum 0", frac(&item.share)))
                        }
                        None => lines.push(format!("{code} {}", frac(&item.share))),
                    }
                }
            }
            Figure::Network { nodes, edges } => {
                for from in nodes {
                    let nf = from.respondents.value().copied().unwrap_or(0);
                    lines.push(format!("{} n {nf}", from.code));
                    for to in nodes {
                        let e = edges
                            .iter()
                            .find(|e| e.from == from.code && e.to == to.code)
                            .expect("edge");
                        let x = e.weight.value().map_or(0, |p| p.x);
                        lines.push(format!("{}->{} {x}/{nf}", from.code, to.code));
                    }
                }
            }
        }
        out.insert(m.id.to_string(), lines);
    }
    out
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn figures_from_the_kept_counts_equal_a_recount_of_the_stored_answers(pool: PgPool) {
    let (mut survey, survey_id) = respondents(&pool, 45).await;
    let mut conn = pool.acquire().await.expect("connection");
    let nothing = cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    assert!(nothing.is_empty(), "nothing is counted before the fold");
    let folded = fold_all(&mut conn).await;
    assert_eq!(folded.surveys, BTreeSet::from([survey_id]));
    assert_eq!(folded.unreadable, 0);
    let queued_again = fold_all(&mut conn).await;
    assert_eq!(queued_again.responses, 0, "each response is taken once");
    let answers = completed(&pool).await;
    assert!(answers.len() >= 20, "enough complete: {}", answers.len());
    let others = answers.iter().filter(|a| {
        a.values().any(|o| {
            matches!(
                o,
                Outcome::Answered {
                    answer: Answer::Choice { other: Some(_), .. }
                        | Answer::Choices { other: Some(_), .. }
                }
            )
        })
    });
    assert!(others.count() > 0, "some answers carry an other-text");
    let cells = cells(&mut conn, &Catalog::default(), survey_id, &survey, false)
        .await
        .expect("cells");
    // With no threshold (0, which no definition may set) every figure with a respondent
    // behind it is shown; a figure of nobody is hidden (no rate, not 0%).
    survey.suppress_below = 0;
    let all: Vec<_> = answers.iter().collect();
    let whole = report(&survey, &cells, &AnalysisQuery::default());
    assert_eq!(
        whole.respondents.value().copied(),
        Some(answers.len() as u64)
    );
    let hidden_when_nobody =
        |counted: BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
            counted
                .into_iter()
                .map(|(k, lines)| {
                    let lines = lines
                        .into_iter()
                        .map(|l| {
                            l.split(' ')
                                .map(|w| if w.ends_with("/0") { "hidden" } else { w })
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    (k, lines)
                })
                .collect()
        };
    assert_eq!(
        hidden_when_nobody(from_report(&survey, &whole, None)),
        hidden_when_nobody(by_hand(&survey, &all))
    );

    let split = AnalysisQuery::parse(&survey, "split=role").expect("query");
    let by_role = report(&survey, &cells, &split);
    for (g, group) in by_role.groups.iter().enumerate() {
        let mine: Vec<_> = answers
            .iter()
            .filter(|a| matches!(a.get("role"), Some(Outcome::Answered { answer: Answer::Choice { code, .. } }) if code.as_str() == group.code.as_str()))
            .collect();
        assert_eq!(group.respondents.value().copied(), Some(mine.len() as u64));
        assert_eq!(
            hidden_when_nobody(from_report(&survey, &by_role, Some(g))),
            hidden_when_nobody(by_hand(&survey, &mine)),
            "{}",
            group.code
        );
    }
    let filtered = AnalysisQuery::parse(&survey, "province=beijing").expect("query");
    let beijing: Vec<_> = answers
        .iter()
        .filter(|a| matches!(a.get("province"), Some(Outcome::Answered { answer: Answer::Choice { code, .. } }) if code.as_str() == "beijing"))
        .collect();
    assert_eq!(
        hidden_when_nobody(from_report(
            &survey,
            &report(&survey, &cells, &filtered),
            None
        )),
        hidden_when_nobody(by_hand(&survey, &beijing))
    );

    // With the partial responses: those in progress with an answer saved, each counted in
    // the figures whose questions it reached.
    let partial = stored(&pool, "in_progress").await;
    assert!(partial.len() >= 5, "enough partial: {}", partial.len());
    let with_partial: Vec<_> = answers.iter().chain(&partial).collect();
    let cells = super::cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    let whole = report(&survey, &cells, &AnalysisQuery::default());
    assert_eq!(
        whole.respondents.value().copied(),
        Some(with_partial.len() as u64)
    );
    assert_eq!(
        hidden_when_nobody(from_report(&survey, &whole, None)),
        hidden_when_nobody(by_hand(&survey, &with_partial))
    );

    // A partial response that completes leaves the partial counts for the completed ones.
    let mut submitted = false;
    for id in in_progress(&pool).await {
        if submit(&mut conn, id, &survey).await.is_ok() {
            submitted = true;
            break;
        }
    }
    assert!(submitted, "a partial response at its review page");
    let moved = fold_all(&mut conn).await;
    assert_eq!(moved.responses, 1);
    let (answers, partial) = (completed(&pool).await, stored(&pool, "in_progress").await);
    assert_eq!(partial.len() + answers.len(), with_partial.len());
    for (with, expected) in [
        (false, answers.iter().collect::<Vec<_>>()),
        (true, answers.iter().chain(&partial).collect()),
    ] {
        let cells = super::cells(&mut conn, &Catalog::default(), survey_id, &survey, with)
            .await
            .expect("cells");
        assert_eq!(
            hidden_when_nobody(from_report(
                &survey,
                &report(&survey, &cells, &AnalysisQuery::default()),
                None
            )),
            hidden_when_nobody(by_hand(&survey, &expected)),
            "with partial: {with}"
        );
    }
}

/// Folds the saves' moves, which queues the responses they moved, then counts them.
async fn fold_all(conn: &mut PgConnection) -> Folded {
    crate::monitor::fold_moves(conn, Duration::ZERO)
        .await
        .expect("moves");
    fold(conn, &Catalog::default()).await.expect("folded")
}

/// The public IDs of the responses in progress.
async fn in_progress(pool: &PgPool) -> Vec<responses::PublicId> {
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT public_id FROM responses WHERE status = 'in_progress'")
            .fetch_all(pool)
            .await
            .expect("ids");
    ids.into_iter().map(responses::PublicId).collect()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn folds_running_at_once_count_each_response_once(pool: PgPool) {
    let (survey, survey_id) = respondents(&pool, 20).await;
    let mut conn = pool.acquire().await.expect("connection");
    crate::monitor::fold_moves(&mut conn, Duration::ZERO)
        .await
        .expect("moves");
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_queue")
        .fetch_one(&pool)
        .await
        .expect("count");
    let (mut a, mut b) = (
        pool.acquire().await.expect("connection"),
        pool.acquire().await.expect("connection"),
    );
    let catalog = Catalog::default();
    let (x, y) = tokio::join!(fold(&mut a, &catalog), fold(&mut b, &catalog));
    let taken = x.expect("folded").responses + y.expect("folded").responses;
    assert_eq!(taken as i64, queued);
    let cells = cells(&mut conn, &catalog, survey_id, &survey, true)
        .await
        .expect("cells");
    let mut counted = completed(&pool).await;
    counted.extend(stored(&pool, "in_progress").await);
    let report = report(&survey, &cells, &AnalysisQuery::default());
    assert_eq!(
        report.respondents.value().copied(),
        Some(counted.len() as u64)
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_deleted_partial_response_is_taken_away_at_its_next_fold(pool: PgPool) {
    let (survey, survey_id) = respondents(&pool, 9).await;
    let mut conn = pool.acquire().await.expect("connection");
    fold_all(&mut conn).await;
    let count = |cells: &[TalliedCell]| cells.iter().map(|c| c.respondents).sum::<u64>();
    let before = cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    let gone: i64 = sqlx::query_scalar(
        "DELETE FROM responses WHERE id = (SELECT response_id FROM analysis_partials LIMIT 1)
         RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("a partial response");
    sqlx::query("INSERT INTO analysis_queue VALUES ($1)")
        .bind(gone)
        .execute(&pool)
        .await
        .expect("queued");
    fold(&mut conn, &Catalog::default()).await.expect("folded");
    let after = cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    assert_eq!(count(&after), count(&before) - 1);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_partial_response_queued_again_unchanged_writes_no_cell(pool: PgPool) {
    let (survey, survey_id) = respondents(&pool, 18).await;
    let mut conn = pool.acquire().await.expect("connection");
    fold_all(&mut conn).await;
    let before = cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    let requeued =
        sqlx::query("INSERT INTO analysis_queue SELECT response_id FROM analysis_partials")
            .execute(&pool)
            .await
            .expect("queued")
            .rows_affected();
    assert!(requeued > 0, "the walk leaves partial responses");
    let folded = fold(&mut conn, &Catalog::default()).await.expect("folded");
    assert_eq!(folded.responses, requeued);
    assert_eq!(
        folded.surveys,
        BTreeSet::new(),
        "no survey's figures changed"
    );
    let after = cells(&mut conn, &Catalog::default(), survey_id, &survey, true)
        .await
        .expect("cells");
    assert_eq!(after, before);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_partials")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(kept as u64, requeued);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_counters_of_cells_and_partial_responses_are_kept_uncompressed(pool: PgPool) {
    respondents(&pool, 18).await;
    let mut conn = pool.acquire().await.expect("connection");
    fold_all(&mut conn).await;
    let compressed: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT 'cells', count(*), count(pg_column_compression(counters)) FROM analysis_cells
         UNION ALL
         SELECT 'partials', count(*), count(pg_column_compression(counters))
         FROM analysis_partials",
    )
    .fetch_all(&pool)
    .await
    .expect("sizes");
    for (table, rows, compressed) in compressed {
        assert!(rows > 0, "{table}: some rows");
        assert_eq!(compressed, 0, "{table}: none compressed");
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn whole_cells_added_in_bulk_add_up_with_what_the_fold_counted(pool: PgPool) {
    let (survey, survey_id) = respondents(&pool, 6).await;
    let mut conn = pool.acquire().await.expect("connection");
    fold_all(&mut conn).await;
    let before = cells(&mut conn, &Catalog::default(), survey_id, &survey, false)
        .await
        .expect("cells");
    let some = before.iter().find(|c| c.respondents > 0).expect("a cell");
    let width: usize = survey
        .metrics
        .iter()
        .map(|m| some.counters.get(m.id.as_str()).map_or(0, Vec::len))
        .sum();
    let ones = vec![1.0; width];
    let version = Survey::from_toml(AI_COLLAB).expect("loads").version;
    let delta = |cell: BTreeMap<String, String>, respondents: i64, counters: Vec<f64>| CellDelta {
        survey_id,
        version,
        partial: false,
        cell,
        respondents,
        counters,
    };
    add_cells(
        &mut conn,
        &[
            delta(some.breakdown.clone(), 10, ones.clone()),
            delta(
                BTreeMap::from([("role".to_owned(), "industry".to_owned())]),
                3,
                ones,
            ),
        ],
    )
    .await
    .expect("added");
    let after = cells(&mut conn, &Catalog::default(), survey_id, &survey, false)
        .await
        .expect("cells");
    let same = after
        .iter()
        .find(|c| c.breakdown == some.breakdown)
        .expect("the cell");
    assert_eq!(same.respondents, some.respondents + 10);
    for (id, counters) in &same.counters {
        let old = &some.counters[id];
        assert!(
            counters
                .iter()
                .zip(old)
                .all(|(a, b)| (a - b - 1.0).abs() < 1e-9),
            "{id}"
        );
    }
    assert!(
        after
            .iter()
            .any(|c| c.respondents == 3 && c.breakdown.len() == 1)
    );
    let refused = add_cells(
        &mut conn,
        &[
            delta(BTreeMap::new(), 1, vec![1.0]),
            delta(BTreeMap::new(), 1, vec![1.0, 2.0]),
        ],
    )
    .await;
    assert!(refused.is_err(), "counters of two layouts are refused");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_response_in_progress_is_counted_after_its_rest_and_an_ended_one_at_once(pool: PgPool) {
    let (survey, survey_id) = respondents(&pool, 18).await;
    let mut conn = pool.acquire().await.expect("connection");
    let catalog = Catalog::default();
    let rest = Duration::from_secs(3600);
    let respondents = async |conn: &mut PgConnection, with_partial| {
        let cells = cells(conn, &catalog, survey_id, &survey, with_partial)
            .await
            .expect("cells");
        cells.iter().map(|c| c.respondents).sum::<u64>()
    };
    let done = completed(&pool).await.len() as u64;
    let partial = stored(&pool, "in_progress").await.len() as u64;
    assert!(partial > 0, "the walk leaves partial responses");

    // Folded right after the saves: the submitted responses are counted, the ones in
    // progress wait their rest.
    crate::monitor::fold_moves(&mut conn, rest)
        .await
        .expect("moves");
    fold(&mut conn, &catalog).await.expect("folded");
    assert_eq!(respondents(&mut conn, true).await, done);
    let resting: Vec<i64> = sqlx::query_scalar(
        "SELECT response_id FROM analysis_queue WHERE due_at > now() + interval '59 minutes'",
    )
    .fetch_all(&pool)
    .await
    .expect("queued");
    assert!(resting.len() as u64 >= partial, "{resting:?}");

    // A move that ends a response makes it due at once (here its stored status is still
    // in progress, so it is counted as partial).
    let ended = resting[0];
    let has_answers: bool =
        sqlx::query_scalar("SELECT answers <> '{}' FROM responses WHERE id = $1")
            .bind(ended)
            .fetch_one(&pool)
            .await
            .expect("response");
    let moves =
        "INSERT INTO response_moves (survey_id, from_section, to_status, to_section, response_id)
                 VALUES ($1, 'review', $2::response_status, 'review', $3)";
    sqlx::query(moves)
        .bind(survey_id.get())
        .bind("completed")
        .bind(ended)
        .execute(&pool)
        .await
        .expect("move");
    crate::monitor::fold_moves(&mut conn, rest)
        .await
        .expect("moves");
    let folded = fold(&mut conn, &catalog).await.expect("folded");
    assert_eq!(folded.responses, 1);
    assert_eq!(
        respondents(&mut conn, true).await,
        done + u64::from(has_answers)
    );

    // A later page save puts it back to rest: nothing is due.
    sqlx::query(moves)
        .bind(survey_id.get())
        .bind("in_progress")
        .bind(ended)
        .execute(&pool)
        .await
        .expect("move");
    crate::monitor::fold_moves(&mut conn, rest)
        .await
        .expect("moves");
    assert_eq!(
        fold(&mut conn, &catalog).await.expect("folded").responses,
        0
    );

    // Once the rest is over, every partial response is counted; the completed figures
    // never changed.
    assert!(end_rests(&mut conn).await.expect("rests ended") as usize >= resting.len());
    fold(&mut conn, &catalog).await.expect("folded");
    assert_eq!(respondents(&mut conn, true).await, done + partial);
    assert_eq!(respondents(&mut conn, false).await, done);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn counters_are_stored_packed_at_under_three_bytes_a_counter(pool: PgPool) {
    let (survey, _) = respondents(&pool, 18).await;
    let mut conn = pool.acquire().await.expect("connection");
    fold_all(&mut conn).await;
    let width = Layout::of(&survey).width();
    let stored: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT counters FROM analysis_cells UNION ALL SELECT counters FROM analysis_partials",
    )
    .fetch_all(&pool)
    .await
    .expect("counters");
    assert!(stored.len() > 3);
    for bytes in stored {
        assert_eq!(unpack(&bytes).map(|c| c.len()), Some(width));
        assert!(bytes.len() < 3 * width, "{} bytes", bytes.len());
    }
}
