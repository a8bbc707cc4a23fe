//! `canvass bench-saves`: how many page saves per second the respondent's path sustains.
//!
//! Each of `concurrency` tasks plays one synthetic respondent after another, saving their
//! pages with `respond::save_by_code` — validation of everything against the definition
//! plus one durable write statement, exactly what a respondent's Next does, including the
//! snapshots of recent saves the server keeps (`--recent`) — for `seconds`.
//! It prints throughput and latency percentiles; it asserts nothing. By default each
//! respondent saves again as soon as a save returns (closed loop); with `--rate` they are
//! paced to that many saves per second in all, as people reading between pages would be,
//! on a fixed schedule (a late save does not push the next one back), and latency counts
//! from when a save was due. The pool's connections are opened before the clock starts, as
//! a running server's are. Besides the percentiles it prints where the time went (woken
//! late, waiting for a connection, the save itself) and the p99 of each second, which tells
//! a stall (one bad second) from a queue (every second alike). The first `--warmup` seconds,
//! when all respondents arrive at once, are run but not counted. On Linux it also prints
//! the whole machine's CPU time per save (from `/proc/stat`: the benchmark, PostgreSQL and
//! anything else running), the figure that compares two builds or settings when both
//! saturate the machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use canvass_core::Lang;
use canvass_core::answers::{RawAnswers, section_fields, validate};
use canvass_core::survey::Survey;
use canvass_core::synth::respondent;
use canvass_db::PgPool;
use canvass_db::recent::Recent;
use canvass_db::respond::{self, Saved};
use canvass_db::responses;
use canvass_db::surveys::Catalog;

/// Pages ready to post, one respondent's worth.
pub(crate) type Walk = Vec<(canvass_core::survey::SectionId, RawAnswers)>;

pub(crate) fn walks(survey: &Survey, count: u64) -> anyhow::Result<Vec<Walk>> {
    (0..count)
        .map(|seed| {
            let raw = respondent(survey, seed).map_err(|e| anyhow::anyhow!("{e}"))?;
            let validation = validate(survey, &raw);
            Ok(validation
                .relevant_sections
                .iter()
                .filter_map(|id| {
                    let section = survey.section(id.as_str())?;
                    let posted = section_fields(section, &raw);
                    Some((id.clone(), posted))
                })
                .collect())
        })
        .collect()
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub async fn run(
    pool: &PgPool,
    concurrency: usize,
    seconds: u64,
    rate: Option<f64>,
    warmup: u64,
    recent: Recent,
) -> anyhow::Result<()> {
    let (published, survey) = crate::demo::national(pool).await?;
    let walks = Arc::new(walks(&survey, 256)?);
    // The server's catalog of parsed survey versions, loaded before the clock starts.
    let catalog = Catalog::default();
    {
        let mut conn = pool.acquire().await?;
        catalog
            .version(&mut conn, published.survey_id, published.version)
            .await?;
    }
    eprintln!(
        "benchmarking page saves: {concurrency} concurrent respondents for {warmup} s of warm-up and {seconds} s measured …"
    );
    let pace = rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(concurrency as f64 / r));
    // Folding the saves' moves into the tallies, as every server does, is part of what a
    // save costs.
    let folding = crate::tallies::Folding::start(pool);
    // A running server's pool is already open: connecting is not part of a save.
    let mut open = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        open.push(pool.acquire().await?);
    }
    drop(open);
    let started = Instant::now();
    let warmup = Duration::from_secs(warmup);
    let measured_from = started + warmup;
    let deadline = measured_from + Duration::from_secs(seconds);
    // The machine's CPU time is read when the measured window opens and when it closes.
    let cpu_before = tokio::spawn(async move {
        tokio::time::sleep_until(measured_from.into()).await;
        machine_busy_jiffies()
    });
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..concurrency {
        let (pool, walks) = (pool.clone(), Arc::clone(&walks));
        let (catalog, recent) = (catalog.clone(), recent.clone());
        let (survey_id, version) = (published.survey_id, published.version);
        tasks.spawn(async move {
            // Paced respondents start spread over one pace, not all in the same instant, and
            // then keep to a fixed schedule: one save every `pace`, whatever the previous
            // one cost, so the rate asked for is the rate offered.
            let mut due = Instant::now();
            if let Some(pace) = pace {
                due += pace.mul_f64(task as f64 / concurrency as f64);
                // Their first respondents arrive spread out too, not all in one instant.
                tokio::time::sleep_until(due.into()).await;
            }
            let mut latencies = Vec::new();
            let mut next_walk = task;
            while Instant::now() < deadline {
                let walk = &walks[next_walk % walks.len()];
                next_walk += concurrency;
                let who = {
                    let mut conn = pool.acquire().await?;
                    responses::start(&mut conn, survey_id, version, Lang::Zh, Default::default())
                        .await?
                        .resume_code
                };
                for (section, posted) in walk {
                    // Latency counts from when the save was due (paced) or began (closed
                    // loop): a save that had to wait for an earlier one counts that wait.
                    let began = match pace {
                        Some(pace) => {
                            let at = due;
                            tokio::time::sleep_until(at.into()).await;
                            due += pace;
                            at
                        }
                        None => Instant::now(),
                    };
                    let woken = Instant::now();
                    if woken >= deadline {
                        break;
                    }
                    // As the route does: a connection, no transaction (a save is one
                    // conditional write statement, after a read unless `recent` has it).
                    let mut conn = pool.acquire().await?;
                    let acquired = Instant::now();
                    let (saved, _) = respond::save_by_code(
                        &mut conn,
                        &catalog,
                        &recent,
                        &who,
                        section.as_str(),
                        posted,
                        Lang::Zh,
                    )
                    .await?;
                    drop(conn);
                    let done = Instant::now();
                    // Saves due in the warm-up are not counted.
                    if began >= measured_from {
                        latencies.push(Sample {
                            at: done - measured_from,
                            total: done - began,
                            late: woken - began,
                            waiting: acquired - woken,
                            saving: done - acquired,
                        });
                    }
                    if !matches!(saved, Saved::Next(_)) {
                        break;
                    }
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(result) = tasks.join_next().await {
        all.extend(result.context("a benchmark task failed")??);
    }
    folding.stop().await.context("the folding task failed")?;
    let cpu_after = machine_busy_jiffies();
    let elapsed = (Instant::now() - measured_from).as_secs_f64();
    let cpu = cpu_before
        .await
        .context("the CPU reading task failed")?
        .zip(cpu_after)
        .map(|(before, after)| after.saturating_sub(before));
    println!("page saves:   {}", all.len());
    println!("elapsed:      {elapsed:.1} s");
    println!("throughput:   {:.0} saves/s", all.len() as f64 / elapsed);
    let total = Percentiles::of(all.iter().map(|s| s.total));
    println!("latency p50:  {:.1} ms", total.at(0.50));
    println!("latency p99:  {:.1} ms", total.at(0.99));
    println!("latency max:  {:.1} ms", total.at(1.0));
    // Where the time went, each part on its own (their percentiles do not add up).
    for (part, of) in [
        ("woken late", Percentiles::of(all.iter().map(|s| s.late))),
        ("pool wait", Percentiles::of(all.iter().map(|s| s.waiting))),
        ("in the save", Percentiles::of(all.iter().map(|s| s.saving))),
    ] {
        println!(
            "  {part:<12} p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            of.at(0.50),
            of.at(0.99),
            of.at(1.0)
        );
    }
    // Stalls show as one bad second; a queue as every second alike.
    let seconds_run = all.iter().map(|s| s.at.as_secs()).max().unwrap_or(0);
    let per_second: Vec<String> = (0..=seconds_run)
        .map(|second| {
            let of = Percentiles::of(
                all.iter()
                    .filter(|s| s.at.as_secs() == second)
                    .map(|s| s.total),
            );
            format!("{:.0}", of.at(0.99))
        })
        .collect();
    println!("p99 by second: {} ms", per_second.join(" "));
    match cpu {
        Some(jiffies) if !all.is_empty() => println!(
            "machine CPU:  {:.0} µs per save (all processes, from /proc/stat)",
            jiffies as f64 * MICROS_PER_JIFFY / all.len() as f64
        ),
        _ => println!("machine CPU:  not available"),
    }
    Ok(())
}

/// One save's timings: when it ended (since the measured window opened) and how long it
/// took from when it was due, split into waking late (paced), waiting for a connection and
/// the save itself.
struct Sample {
    at: Duration,
    total: Duration,
    late: Duration,
    waiting: Duration,
    saving: Duration,
}

/// Durations sorted, to read percentiles off in milliseconds (every benchmark's figures).
pub(crate) struct Percentiles(Vec<Duration>);

impl Percentiles {
    pub(crate) fn of(durations: impl Iterator<Item = Duration>) -> Self {
        let mut sorted: Vec<Duration> = durations.collect();
        sorted.sort();
        Self(sorted)
    }

    /// The `p` quantile (0 to 1) in milliseconds, by the nearest rank; 0 when empty.
    pub(crate) fn at(&self, p: f64) -> f64 {
        let last = self.0.len().saturating_sub(1) as f64;
        self.0
            .get((last * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// `/proc/stat` counts in USER_HZ ticks, 100 per second on every Linux architecture
/// Canvass builds for.
pub(crate) const MICROS_PER_JIFFY: f64 = 10_000.0;

/// CPU time spent by the whole machine so far, in ticks, or `None` off Linux.
pub(crate) fn machine_busy_jiffies() -> Option<u64> {
    busy_jiffies(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// CPU time spent by this process so far (user and system, all its threads), in ticks, or
/// `None` off Linux.
pub(crate) fn process_busy_jiffies() -> Option<u64> {
    own_jiffies(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// `utime` and `stime` of a `/proc/<pid>/stat` line: the 14th and 15th fields, counted after
/// the command name in parentheses (which may hold spaces).
fn own_jiffies(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// The busy ticks of `/proc/stat`'s first line: user, nice, system, irq and softirq (not
/// idle, I/O wait or time stolen by a hypervisor).
fn busy_jiffies(stat: &str) -> Option<u64> {
    let mut fields = stat.lines().next()?.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [user, nice, system, _idle, _iowait, irq, softirq, _steal] = ticks.try_into().ok()?;
    Some(user + nice + system + irq + softirq)
}

/// `canvass bench-invitees`: reads a list of `invitees` invitees (id, e-mail, province and
/// role as codes and labels, as a spreadsheet writes them) and a hostile file of 8 MB (the
/// most rows a list may hold, each padded), each three times, and prints the best time of
/// each and its rate.
#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub fn invitees(invitees: u64) -> anyhow::Result<()> {
    const MAX_INVITEES_READ: usize = canvass_core::invitees::MAX_INVITEES;
    let survey = canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB)
        .map_err(|problems| anyhow::anyhow!("the bundled survey: {problems:?}"))?;
    let mut list = String::from("\u{feff}Name,ID,Email,Province,Role\r\n");
    for i in 0..invitees {
        let province = ["广东", "Beijing", "四川", "Shanghai"][(i % 4) as usize];
        let role = ["clinician", "Institution", "industry", "CLINICIAN"][(i % 4) as usize];
        list.push_str(&format!(
            "\"Invitee {i}\",A{i:06},person{i}@hospital.cn,{province},{role}\r\n"
        ));
    }
    // As many distinct rows as are allowed, each padded to fill 8 MB: what made the old
    // reader count its way through the whole file again for every row.
    let mut hostile = String::from("id,padding\n");
    let pad = "p".repeat(8 * 1024 * 1024 / MAX_INVITEES_READ);
    for i in 0..MAX_INVITEES_READ {
        hostile.push_str(&format!("H{i},{pad}\n"));
    }
    for (what, bytes) in [
        (format!("{invitees} invitees"), list.as_bytes()),
        ("8 MB of padded lines".to_owned(), hostile.as_bytes()),
    ] {
        let mut best = std::time::Duration::MAX;
        let mut outcome = String::new();
        for _ in 0..3 {
            let began = std::time::Instant::now();
            let read = canvass_core::invitees::parse_csv(bytes, &survey);
            best = best.min(began.elapsed());
            outcome = match read {
                Ok(list) => format!("{} read", list.len()),
                Err(problems) => format!("refused ({} problems)", problems.len()),
            };
        }
        println!(
            "{what}: {:.1} MB in {:.3} s ({:.0} MB/s), {outcome}",
            bytes.len() as f64 / 1e6,
            best.as_secs_f64(),
            bytes.len() as f64 / 1e6 / best.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// `canvass bench-import`: a generated XLSForm of `questions` questions (groups of 20, a
/// shared list of 10 choices, constraints and relevance on earlier answers, labels in
/// Chinese and English) written to `.xlsx` in memory, then read, imported, written as
/// TOML and loaded back, each step timed (best of three).
#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub fn import_form(questions: u64) -> anyhow::Result<()> {
    use canvass_core::survey::Survey;
    let bytes = generated_form(questions)?;
    let mut best = [std::time::Duration::MAX; 4];
    let mut outcome = String::new();
    for _ in 0..3 {
        let mut lap = std::time::Instant::now();
        let mut step = |i: usize, best: &mut [std::time::Duration; 4]| {
            best[i] = best[i].min(lap.elapsed());
            lap = std::time::Instant::now();
        };
        let book = crate::xlsform::read_workbook(&bytes)?;
        step(0, &mut best);
        let imported = canvass_core::xlsform::import(&book, "generated");
        step(1, &mut best);
        let Some(survey) = imported.survey else {
            anyhow::bail!(
                "the generated form is refused: {:?}",
                imported.problems.first()
            );
        };
        let toml = survey.to_toml();
        step(2, &mut best);
        let back = Survey::from_toml(&toml).map_err(|e| anyhow::anyhow!("{e}"))?;
        step(3, &mut best);
        anyhow::ensure!(back == survey, "the TOML did not load back the same survey");
        outcome = format!(
            "{} questions in {} sections, {:.0} KB of TOML",
            survey.questions().count(),
            survey.sections.len(),
            toml.len() as f64 / 1e3
        );
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "an XLSForm of {questions} questions ({:.0} KB): read {:.1} ms, import {:.1} ms, \
         written as TOML {:.1} ms, loaded back {:.1} ms; total {:.1} ms ({outcome})",
        bytes.len() as f64 / 1e3,
        ms(best[0]),
        ms(best[1]),
        ms(best[2]),
        ms(best[3]),
        best.iter().map(|d| ms(*d)).sum::<f64>(),
    );
    Ok(())
}

/// An `.xlsx` XLSForm of `questions` questions, as a survey team might write one.
fn generated_form(questions: u64) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let survey = book.add_worksheet().set_name("survey")?;
    let header = [
        "type",
        "name",
        "label::中文 (zh)",
        "label::English (en)",
        "required",
        "relevant",
        "constraint",
        "constraint_message::English (en)",
    ];
    for (c, h) in header.iter().enumerate() {
        survey.write_string(0, c as u16, *h)?;
    }
    let mut row = 1u32;
    let mut write =
        |cells: &[&str], sheet: &mut rust_xlsxwriter::Worksheet| -> anyhow::Result<()> {
            for (c, value) in cells.iter().enumerate() {
                if !value.is_empty() {
                    sheet.write_string(row, c as u16, *value)?;
                }
            }
            row += 1;
            Ok(())
        };
    for i in 0..questions {
        if i % 20 == 0 {
            if i > 0 {
                write(&["end group"], survey)?;
            }
            let name = format!("part_{}", i / 20 + 1);
            let zh = format!("第{}部分", i / 20 + 1);
            let en = format!("Part {}", i / 20 + 1);
            write(&["begin group", &name, &zh, &en], survey)?;
        }
        let name = format!("q{i}");
        let zh = format!("问题{i}");
        let en = format!("Question {i}");
        let previous = format!("${{q{}}}", i.saturating_sub(1));
        match i % 4 {
            0 => write(&["select_one scale", &name, &zh, &en, "yes"], survey)?,
            1 => {
                let relevant = format!("{previous} = 'c3' or {previous} = 'c4'");
                let row = [
                    "integer",
                    &name,
                    &zh,
                    &en,
                    "",
                    &relevant,
                    ". >= 0 and . <= 100",
                    "0-100",
                ];
                write(&row, survey)?
            }
            2 => write(&["select_multiple scale", &name, &zh, &en], survey)?,
            _ => {
                let relevant = format!("count-selected({previous}) > 1");
                write(&["text", &name, &zh, &en, "", &relevant], survey)?
            }
        }
    }
    if questions > 0 {
        write(&["end group"], survey)?;
    }
    let choices = book.add_worksheet().set_name("choices")?;
    for (c, h) in [
        "list_name",
        "name",
        "label::中文 (zh)",
        "label::English (en)",
    ]
    .iter()
    .enumerate()
    {
        choices.write_string(0, c as u16, *h)?;
    }
    for i in 0..10u32 {
        choices.write_string(i + 1, 0, "scale")?;
        choices.write_string(i + 1, 1, format!("c{i}"))?;
        choices.write_string(i + 1, 2, format!("选项{i}"))?;
        choices.write_string(i + 1, 3, format!("Choice {i}"))?;
    }
    let settings = book.add_worksheet().set_name("settings")?;
    settings.write_string(0, 0, "form_id")?;
    settings.write_string(1, 0, "generated_form")?;
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::{Percentiles, busy_jiffies, own_jiffies};
    use std::time::Duration;

    #[test]
    fn percentiles_are_read_by_nearest_rank_in_milliseconds() {
        let of = Percentiles::of((1..=100).rev().map(Duration::from_millis));
        assert_eq!(of.at(0.0), 1.0);
        assert_eq!(of.at(0.50), 51.0);
        assert_eq!(of.at(0.99), 99.0);
        assert_eq!(of.at(1.0), 100.0);
    }

    #[test]
    fn no_durations_give_a_percentile_of_zero() {
        assert_eq!(Percentiles::of(std::iter::empty()).at(0.99), 0.0);
    }

    #[test]
    fn busy_ticks_are_user_nice_system_irq_and_softirq() {
        let stat = "cpu  100 2 30 5000 40 5 6 7 0 0\ncpu0 50 1 15 2500 20 2 3 3 0 0\n";
        assert_eq!(busy_jiffies(stat), Some(100 + 2 + 30 + 5 + 6));
    }

    #[test]
    fn a_stat_file_without_a_whole_numeric_cpu_line_gives_no_figure() {
        assert_eq!(busy_jiffies(""), None);
        assert_eq!(busy_jiffies("intr 1 2 3 4 5 6 7 8"), None);
        assert_eq!(busy_jiffies("cpu  1 2 3"), None);
        assert_eq!(busy_jiffies("cpu  1 2 x 4 5 6 7 8"), None);
    }

    #[test]
    fn own_ticks_are_utime_and_stime_after_a_name_with_spaces() {
        let stat = "4242 (tokio (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9";
        assert_eq!(own_jiffies(stat), Some(250 + 75));
        assert_eq!(own_jiffies("4242 (canvass) S 1 2"), None);
        assert_eq!(own_jiffies("no parenthesis"), None);
    }
}
