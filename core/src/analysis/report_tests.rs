//! The counters' layout, the query parser and the report with its suppression rules.

use proptest::prelude::*;

use super::*;
use crate::answers::{RawAnswers, validate};
use crate::survey::tests::{MINI, MINI_METRICS};
use crate::survey::{Code, QuestionId};
use crate::synth::respondent;

/// The mini survey with `role` as its breakdown.
fn survey() -> Survey {
    let source = MINI.replacen("version = 1\n", "version = 1\nbreakdowns = [\"role\"]\n", 1);
    Survey::from_toml(&format!("{source}{MINI_METRICS}")).expect("loads")
}

fn outcomes(survey: &Survey, fields: &[(&str, &str)]) -> Outcomes {
    let mut raw = RawAnswers::new();
    for (name, value) in fields {
        raw.entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    validate(survey, &raw)
        .outcomes
        .into_iter()
        .map(|(id, outcome)| (id.to_string(), outcome))
        .collect()
}

/// A clinician of `interest` who annotates when `annotates`.
fn clinician(survey: &Survey, interest: &str, annotates: bool) -> Outcomes {
    let doing = if annotates { "annotation" } else { "none" };
    let mut fields = vec![
        ("role", "clinician"),
        ("rd_interest", interest),
        ("rd_participation", doing),
        ("partners.hospitals", "yes"),
        ("partners.companies", "no"),
    ];
    if !annotates {
        fields.push(("rd_blockers.1", "no"));
    } else {
        fields.push(("hours", "4"));
    }
    outcomes(survey, &fields)
}

/// The cells of `responses`, each given its breakdown: what the database keeps.
fn cells(survey: &Survey, responses: &[(&[(&str, &str)], Outcomes)]) -> Vec<TalliedCell> {
    let mut by_cell: BTreeMap<BTreeMap<String, String>, TalliedCell> = BTreeMap::new();
    for (breakdown, response) in responses {
        let key: BTreeMap<String, String> = breakdown
            .iter()
            .map(|(q, c)| ((*q).to_owned(), (*c).to_owned()))
            .collect();
        let cell = by_cell.entry(key.clone()).or_insert_with(|| TalliedCell {
            breakdown: key,
            ..TalliedCell::default()
        });
        cell.respondents += 1;
        for metric in &survey.metrics {
            let mut tally = Tally::empty(survey, metric);
            tally.add(survey, metric, response);
            let new = tally.counters(survey, metric);
            let sum = cell
                .counters
                .entry(metric.id.to_string())
                .or_insert_with(|| vec![0.0; new.len()]);
            for (a, b) in sum.iter_mut().zip(new) {
                *a += b;
            }
        }
    }
    by_cell.into_values().collect()
}

fn figures<'r>(report: &'r Report, id: &str) -> &'r MetricFigures {
    report
        .metrics
        .iter()
        .find(|m| m.id.as_str() == id)
        .expect("metric")
}

fn share_of(figure: &Figure) -> &Shown<Proportion> {
    match figure {
        Figure::Share { share } => share,
        other => panic!("not a share: {other:?}"),
    }
}

fn query(survey: &Survey, text: &str) -> AnalysisQuery {
    AnalysisQuery::parse(survey, text).expect("parses")
}

/// Seven keen clinicians of twelve, three of them annotating; `industry` representatives.
fn study(survey: &Survey, industry: usize) -> Vec<TalliedCell> {
    let mut responses: Vec<(&[(&str, &str)], Outcomes)> = Vec::new();
    for i in 0..12 {
        let interest = if i < 7 { "5" } else { "2" };
        responses.push((&[("role", "clinician")], clinician(survey, interest, i < 3)));
    }
    for _ in 0..industry {
        responses.push((
            &[("role", "industry")],
            outcomes(survey, &[("role", "industry")]),
        ));
    }
    cells(survey, &responses)
}

#[test]
fn every_tally_reads_back_from_its_counters() {
    let survey = survey();
    for seed in 0..40 {
        let Ok(raw) = respondent(&survey, seed) else {
            continue;
        };
        let response: Outcomes = validate(&survey, &raw)
            .outcomes
            .into_iter()
            .map(|(id, outcome)| (id.to_string(), outcome))
            .collect();
        for metric in &survey.metrics {
            let mut tally = Tally::empty(&survey, metric);
            tally.add(&survey, metric, &response);
            tally.add(&survey, metric, &response);
            let counters = tally.counters(&survey, metric);
            assert_eq!(
                Tally::from_counters(&survey, metric, &counters),
                Some(tally),
                "{}",
                metric.id
            );
        }
    }
}

#[test]
fn counters_of_another_length_are_not_read_as_a_tally() {
    let survey = survey();
    let share = &survey.metrics[0];
    assert_eq!(Tally::from_counters(&survey, share, &[1.0, 2.0, 3.0]), None);
    assert_eq!(
        Tally::from_counters(&survey, share, &[1.0, 2.0]),
        Some(Tally::Share(Share::new(1, 2)))
    );
}

#[test]
fn a_query_keeps_breakdown_choices_a_split_and_a_metric() {
    let survey = survey();
    let parsed = query(&survey, "role=clinician&metric=interested&lang=en");
    assert_eq!(parsed.filter.len(), 1);
    assert_eq!(
        parsed.filter.values().next().map(|c| c.as_str()),
        Some("clinician")
    );
    assert_eq!(
        parsed.metric.as_ref().map(|m| m.as_str()),
        Some("interested")
    );
    assert_eq!(
        query(&survey, "split=role").split.map(|q| q.to_string()),
        Some("role".into())
    );
    assert_eq!(query(&survey, ""), AnalysisQuery::default());
    assert_eq!(
        query(&survey, "role=&split=&metric=&responses="),
        AnalysisQuery::default()
    );
    assert_eq!(
        query(&survey, "responses=completed"),
        AnalysisQuery::default()
    );
    assert_eq!(
        query(&survey, &parsed.to_query_string()),
        parsed,
        "the query string it writes parses back"
    );
    let partial = query(&survey, "responses=completed_and_partial&split=role");
    assert_eq!(partial.responses, Counting::CompletedAndPartial);
    assert_eq!(
        query(&survey, &partial.to_query_string()),
        partial,
        "partial counting is written back too"
    );
}

#[test]
fn each_bad_query_is_refused_naming_its_parameter() {
    let survey = survey();
    let refused = |text: &str| AnalysisQuery::parse(&survey, text).expect_err(text);
    assert_eq!(
        refused("colour=red"),
        QueryError::UnknownParameter {
            parameter: "colour".into()
        }
    );
    assert_eq!(
        refused("rd_interest=5"),
        QueryError::UnknownParameter {
            parameter: "rd_interest".into()
        },
        "only breakdown questions filter"
    );
    assert_eq!(
        refused("role=doctor"),
        QueryError::UnknownValue {
            parameter: "role".into(),
            value: "doctor".into()
        }
    );
    assert_eq!(
        refused("metric=nope"),
        QueryError::UnknownValue {
            parameter: "metric".into(),
            value: "nope".into()
        }
    );
    assert_eq!(
        refused("split=rd_interest"),
        QueryError::UnknownValue {
            parameter: "split".into(),
            value: "rd_interest".into()
        }
    );
    assert_eq!(
        refused("role=clinician&role=industry"),
        QueryError::Repeated {
            parameter: "role".into()
        }
    );
    assert_eq!(
        refused("split=role&role=clinician"),
        QueryError::SplitAndFiltered {
            parameter: "role".into()
        }
    );
    assert_eq!(
        refused("responses=partial"),
        QueryError::UnknownValue {
            parameter: "responses".into(),
            value: "partial".into()
        }
    );
    assert_eq!(refused("role=%FF"), QueryError::Malformed);
    assert_eq!(refused("role=%00"), QueryError::Malformed);
    assert_eq!(refused("role=%FF").parameter(), None);
    assert_eq!(refused("role=doctor").parameter(), Some("role"));
}

#[test]
fn a_share_carries_its_counts_and_its_wilson_interval() {
    let survey = survey();
    let report = report(&survey, &study(&survey, 6), &AnalysisQuery::default());
    assert_eq!(report.respondents, Shown::Value(18));
    assert_eq!(report.withheld, None);
    // Counted by hand: 7 of the 12 clinicians (the only ones asked) have interest ≥ 4.
    let Shown::Value(share) = share_of(&figures(&report, "interested").all) else {
        panic!("shown");
    };
    let wilson = Share::new(7, 12).wilson().expect("an interval");
    assert_eq!((share.x, share.n), (7, 12));
    assert!((share.estimate - 7.0 / 12.0).abs() < 1e-12);
    assert_eq!((share.low, share.high), (wilson.low, wilson.high));
}

#[test]
fn a_gap_shows_both_shares_and_their_paired_difference() {
    let survey = survey();
    let report = report(&survey, &study(&survey, 6), &AnalysisQuery::default());
    let Figure::Gap {
        first,
        second,
        difference,
    } = &figures(&report, "interest_gap").all
    else {
        panic!("a gap");
    };
    // Interested 7 of 12, annotating 3 of 12 (all three interested): both 3, first only 4,
    // second only 0, neither 5, so the 2×2 table has a cell below 5.
    assert_eq!(first.share.value().map(|p| p.x), Some(7));
    assert_eq!(second.share.value(), None, "3 annotating is below 5");
    assert_eq!(difference.value(), None, "hidden with a side");
}

#[test]
fn small_counts_are_hidden_and_nobody_asked_has_no_rate() {
    let survey = survey();
    let report = report(&survey, &study(&survey, 6), &AnalysisQuery::default());
    let Figure::TopChoices { respondents, items } = &figures(&report, "participation").all else {
        panic!("top choices");
    };
    assert_eq!(respondents, &Shown::Value(12));
    let shown: Vec<(&str, Option<u64>)> = items
        .iter()
        .map(|i| (i.code.as_str(), i.share.value().map(|p| p.x)))
        .collect();
    // none 9 of 12 (its complement, 3, is below 5), annotation 3, the third choice 0:
    // all hidden, so listed in the question's order.
    assert!(shown.iter().all(|(_, x)| x.is_none()), "{shown:?}");
    let codes: Vec<&str> = shown.iter().map(|(c, _)| *c).collect();
    let order = crate::analysis::codes_of(&survey, "rd_participation");
    assert_eq!(codes, order);
    assert_eq!(Proportion::of(Share::new(0, 0)), None);
}

#[test]
fn too_few_respondents_show_no_figures_at_all() {
    let survey = survey();
    let report = report(
        &survey,
        &study(&survey, 3),
        &query(&survey, "role=industry"),
    );
    assert_eq!(report.withheld, Some(Withheld::TooFew));
    assert!(report.metrics.is_empty());
    assert!(report.respondents.value().is_none());
}

#[test]
fn a_filter_that_leaves_out_a_small_group_is_withheld() {
    let survey = survey();
    // 12 clinicians and 3 industry: "role = clinician" is 12, but all respondents minus
    // the clinicians would be the 3 industry representatives.
    let report = report(
        &survey,
        &study(&survey, 3),
        &query(&survey, "role=clinician"),
    );
    assert_eq!(
        report.withheld,
        Some(Withheld::BySubtraction {
            parameter: "role".into()
        })
    );
}

#[test]
fn a_split_hides_a_second_group_when_one_is_hidden() {
    let survey = survey();
    let report = report(&survey, &study(&survey, 3), &query(&survey, "split=role"));
    assert_eq!(report.respondents, Shown::Value(15));
    let groups: Vec<(&str, Option<&u64>)> = report
        .groups
        .iter()
        .map(|g| (g.code.as_str(), g.respondents.value()))
        .collect();
    assert_eq!(
        groups,
        [("clinician", None), ("industry", None)],
        "industry (3) is hidden, so clinicians (12) are too: 15 − 12 = 3"
    );
}

#[test]
fn a_network_shows_loops_and_hides_small_ties() {
    let survey = survey();
    let report = report(&survey, &study(&survey, 6), &AnalysisQuery::default());
    let Figure::Network { nodes, edges } = &figures(&report, "partners").all else {
        panic!("a network");
    };
    assert_eq!(
        nodes[0].respondents,
        Shown::Value(12),
        "hospitals: the clinicians"
    );
    let edge = |from: &str, to: &str| {
        edges
            .iter()
            .find(|e| e.from.as_str() == from && e.to.as_str() == to)
            .map(|e| e.weight.value().map(|p| p.x))
    };
    assert_eq!(
        edge("hospitals", "hospitals"),
        Some(None),
        "12 of 12: complement 0"
    );
    assert_eq!(edge("hospitals", "companies"), Some(None), "0 of 12");
    assert_eq!(edges.len(), 4, "every pair is listed, shown or not");
}

#[test]
fn a_ranking_orders_items_by_borda_points_hidden_last() {
    let survey = survey();
    let mut responses: Vec<(&[(&str, &str)], Outcomes)> = Vec::new();
    for i in 0..20 {
        let first = if i < 14 { "yes" } else { "no" };
        let fields = [
            ("role", "clinician"),
            ("rd_interest", "5"),
            ("rd_participation", "none"),
            ("rd_blockers.1", first),
        ];
        responses.push((&[("role", "clinician")], outcomes(&survey, &fields)));
    }
    let report = report(
        &survey,
        &cells(&survey, &responses),
        &AnalysisQuery::default(),
    );
    let Figure::Ranking {
        respondents,
        items,
        top,
    } = &figures(&report, "blockers").all
    else {
        panic!("a ranking");
    };
    assert_eq!((respondents, *top), (&Shown::Value(20), 1));
    let order: Vec<(Option<u64>, Option<u64>)> = items
        .iter()
        .map(|i| {
            (
                i.borda.as_ref().and_then(|b| b.value().copied()),
                i.first.as_ref().and_then(|f| f.value().map(|p| p.x)),
            )
        })
        .collect();
    assert_eq!(order, [(Some(14), Some(14)), (Some(6), Some(6))]);
}

/// A made-up cell of `role` × `region` with `x` of `n` interested.
fn cell(role: &str, region: &str, x: u64, n: u64, survey: &Survey) -> TalliedCell {
    let mut counters = BTreeMap::new();
    for metric in &survey.metrics {
        let tally = match metric.id.as_str() {
            "interested" => Tally::Share(Share::new(x, n)),
            _ => Tally::empty(survey, metric),
        };
        counters.insert(metric.id.to_string(), tally.counters(survey, metric));
    }
    TalliedCell {
        breakdown: BTreeMap::from([
            ("role".to_owned(), role.to_owned()),
            ("region".to_owned(), region.to_owned()),
        ]),
        respondents: n,
        counters,
    }
}

/// Every query of role × region: each filter combination, split or not.
fn every_query() -> Vec<AnalysisQuery> {
    let id = |s: &str| QuestionId::parse(s).expect("id");
    let code = |s: &str| Code::parse(s).expect("code");
    let mut queries = Vec::new();
    for role in [None, Some("clinician"), Some("industry")] {
        for region in [None, Some("north"), Some("south")] {
            let mut filter = BTreeMap::new();
            if let Some(r) = role {
                filter.insert(id("role"), code(r));
            }
            if let Some(r) = region {
                filter.insert(id("region"), code(r));
            }
            queries.push(AnalysisQuery {
                filter,
                ..AnalysisQuery::default()
            });
        }
    }
    queries
}

proptest! {
    /// Whatever the counts, no two shown figures of requests one filter apart differ by a
    /// group that rule 1 hides, and no share below the threshold is ever shown.
    #[test]
    fn no_hidden_count_follows_from_two_shown_figures(
        counts in prop::collection::vec((0u64..12, 0u64..12), 4),
        k in 2u32..6,
    ) {
        let mut survey = survey();
        survey.suppress_below = k;
        let k = u64::from(k);
        let places = [("clinician", "north"), ("clinician", "south"), ("industry", "north"), ("industry", "south")];
        let cells: Vec<TalliedCell> = places
            .iter()
            .zip(&counts)
            .map(|((role, region), (x, extra))| cell(role, region, *x, x + extra, &survey))
            .collect();
        let shown: Vec<(AnalysisQuery, Option<Proportion>)> = every_query()
            .into_iter()
            .map(|q| {
                let r = report(&survey, &cells, &q);
                let share = r
                    .metrics
                    .iter()
                    .find(|m| m.id.as_str() == "interested")
                    .and_then(|m| share_of(&m.all).value().copied());
                (q, share)
            })
            .collect();
        for (q, share) in &shown {
            if let Some(p) = share {
                prop_assert!(!crate::stats::suppress::too_small(Share::new(p.x, p.n), k));
            }
            for (wider, other) in &shown {
                let one_apart = wider.filter.len() + 1 == q.filter.len()
                    && wider.filter.iter().all(|(key, v)| q.filter.get(key) == Some(v));
                if let (true, Some(p), Some(o)) = (one_apart, share, other) {
                    let rest = Share::new(o.x - p.x, o.n - p.n);
                    prop_assert!(
                        rest.n == 0 || !crate::stats::suppress::too_small(rest, k),
                        "{:?} and {:?} give away {:?}", q, wider, rest
                    );
                }
            }
        }
    }

    /// In a split, a lone hidden group never sits beside a shown whole and shown others.
    #[test]
    fn a_split_never_leaves_one_group_to_be_worked_out(
        counts in prop::collection::vec((0u64..12, 0u64..12), 4),
    ) {
        let survey = survey();
        let places = [("clinician", "north"), ("clinician", "south"), ("industry", "north"), ("industry", "south")];
        let cells: Vec<TalliedCell> = places
            .iter()
            .zip(&counts)
            .map(|((role, region), (x, extra))| cell(role, region, *x, x + extra, &survey))
            .collect();
        let split = AnalysisQuery {
            split: Some(QuestionId::parse("role").expect("id")),
            ..AnalysisQuery::default()
        };
        let r = report(&survey, &cells, &split);
        if let Some(m) = r.metrics.iter().find(|m| m.id.as_str() == "interested") {
            let hidden = m.groups.iter().filter(|g| share_of(g).value().is_none()).count();
            prop_assert!(hidden != 1 || share_of(&m.all).value().is_none());
            let groups_hidden = r.groups.iter().filter(|g| g.respondents.value().is_none()).count();
            prop_assert!(groups_hidden != 1 || r.respondents.value().is_none());
        }
    }
}

#[test]
fn a_reports_rows_list_every_figure_with_suppressed_ones_empty() {
    let survey = survey();
    let report = report(
        &survey,
        &study(&survey, 6),
        &query(&survey, "metric=interested"),
    );
    let rows = report.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].count, rows[0].n, rows[0].suppressed),
        (Some(7), Some(12), false)
    );
    let gap = report_of(&survey, "metric=interest_gap").rows();
    let items: Vec<(&str, bool)> = gap
        .iter()
        .map(|r| (r.item.as_str(), r.suppressed))
        .collect();
    assert_eq!(
        items,
        [("first", false), ("second", true), ("difference", true)]
    );
    assert!(gap[1].count.is_none() && gap[1].estimate.is_none());
}

fn report_of(survey: &Survey, text: &str) -> Report {
    report(survey, &study(survey, 6), &query(survey, text))
}
