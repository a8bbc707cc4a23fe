use canvass_core::Lang;
use canvass_core::analysis::{
    Counting, Figure, Item, MetricFigures, Proportion, QueryError, Report, Shown, Withheld,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::chart::percent;
use crate::components::{
    ChartRow, DumbbellChart, DumbbellRow, FiguresRow, FiguresTable, LiveRefresh, NetworkChart,
    NetworkEdge, NetworkNode, ShareChart, StaffNav,
};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::messages::lang_of;
use crate::staff::{AnalysisPage, FilterChoices, load_analysis, paths};
use leptos_i18n::I18nContext;

/// `/analysis/{slug}` (every staff role): the study's findings as the survey declares
/// them, with n, 95% intervals and small counts suppressed; filtered by breakdown and
/// split side by side by a breakdown through a plain GET form. Charts are SVG drawn on
/// the server, each with its table; the `LiveRefresh` island swaps in new figures as
/// responses complete (without WASM, a reload does).
#[component]
pub fn AnalysisDashboard() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_analysis,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(page.await, move |page: Option<AnalysisPage>| {
                    let Some(page) = page else {
                        return view! { <super::NotFoundPage /> }.into_any();
                    };
                    let lang = lang_of(i18n.get_locale_untracked());
                    let own = if page.query.is_empty() {
                        paths::analysis(&page.slug)
                    } else {
                        format!("{}?{}", paths::analysis(&page.slug), page.query)
                    };
                    view! {
                        <Title text=t_string!(i18n, analysis_title) />
                        <p class="survey-title">{page.title.get(lang).to_owned()}</p>
                        <h1>{t!(i18n, analysis_title)}</h1>
                        <StaffNav me=page.me.clone() />
                        <Filters page=page.clone() lang=lang />
                        <LiveRefresh
                            events=paths::monitor_events(&page.slug)
                            page=own
                            lang=lang
                        />
                        <div id="figures">
                            {match page.outcome.clone() {
                                Err(error) => view! { <Refused error=error /> }.into_any(),
                                Ok(report) => {
                                    view! { <Findings report=report lang=lang slug=page.slug.clone() /> }
                                        .into_any()
                                }
                            }}
                        </div>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

/// The filter form: one select per breakdown ("all" posts an empty value) and the split.
#[component]
fn Filters(page: AnalysisPage, lang: Lang) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = |question: &str| -> Option<String> {
        match &page.outcome {
            Ok(report) => report
                .query
                .filter
                .iter()
                .find(|(q, _)| q.as_str() == question)
                .map(|(_, c)| c.to_string()),
            Err(_) => None,
        }
    };
    let split = match &page.outcome {
        Ok(report) => report.split.as_ref().map(|q| q.to_string()),
        Err(_) => None,
    };
    let partial =
        matches!(&page.outcome, Ok(r) if r.query.responses == Counting::CompletedAndPartial);
    let selects = page
        .filters
        .iter()
        .map(|f: &FilterChoices| {
            let id = format!("filter-{}", f.question);
            let current = chosen(&f.question);
            let options = f
                .choices
                .iter()
                .map(|(code, label)| {
                    let selected = current.as_deref() == Some(code.as_str());
                    view! { <option value=code.clone() selected=selected>{label.get(lang).to_owned()}</option> }
                })
                .collect_view();
            view! {
                <div class="field">
                    <label for=id.clone()>{f.label.get(lang).to_owned()}</label>
                    <select id=id name=f.question.clone()>
                        <option value="">{t!(i18n, analysis_all)}</option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    let splits = page
        .filters
        .iter()
        .map(|f| {
            let selected = split.as_deref() == Some(f.question.as_str());
            view! { <option value=f.question.clone() selected=selected>{f.label.get(lang).to_owned()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=paths::analysis(&page.slug) class="staff-form filter-form" role="search">
            <fieldset>
                <legend>{t!(i18n, analysis_filters)}</legend>
                {selects}
                <div class="field">
                    <label for="filter-split">{t!(i18n, analysis_split)}</label>
                    <select id="filter-split" name="split">
                        <option value="">{t!(i18n, analysis_split_none)}</option>
                        {splits}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-responses">{t!(i18n, analysis_counting)}</label>
                    <select id="filter-responses" name="responses">
                        <option value="">{t!(i18n, analysis_counting_completed)}</option>
                        <option value=Counting::CompletedAndPartial.as_code() selected=partial>
                            {t!(i18n, analysis_counting_partial)}
                        </option>
                    </select>
                </div>
                <button type="submit">{t!(i18n, analysis_apply)}</button>
            </fieldset>
        </form>
    }
}

/// A query the page refused, naming the parameter.
#[component]
fn Refused(error: QueryError) -> impl IntoView {
    let i18n = use_i18n();
    let message = move || match &error {
        QueryError::Malformed => t_string!(i18n, analysis_error_malformed).to_string(),
        QueryError::UnknownParameter { parameter } => t_string!(
            i18n,
            analysis_error_parameter,
            parameter = parameter.clone()
        )
        .to_string(),
        QueryError::UnknownValue { parameter, value } => t_string!(
            i18n,
            analysis_error_value,
            parameter = parameter.clone(),
            value = value.clone()
        )
        .to_string(),
        QueryError::Repeated { parameter } => {
            t_string!(i18n, analysis_error_repeated, parameter = parameter.clone()).to_string()
        }
        QueryError::SplitAndFiltered { parameter } => {
            t_string!(i18n, analysis_error_split, parameter = parameter.clone()).to_string()
        }
    };
    view! { <p class="error" role="alert">{message}</p> }
}

/// The report: its n and notes, then each metric.
#[component]
fn Findings(report: Report, lang: Lang, slug: String) -> impl IntoView {
    let i18n = use_i18n();
    let k = report.threshold;
    let n = report.respondents.value().copied();
    let partial = report.query.responses == Counting::CompletedAndPartial;
    let withheld = report.withheld.clone().map(|w| {
        let text = match w {
            Withheld::TooFew => t_string!(i18n, analysis_withheld_too_few, k = k).to_string(),
            Withheld::BySubtraction { parameter } => t_string!(
                i18n,
                analysis_withheld_subtraction,
                k = k,
                parameter = parameter
            )
            .to_string(),
        };
        view! { <p class="notice" role="status">{text}</p> }
    });
    let groups: Vec<String> = report
        .groups
        .iter()
        .map(|g| g.label.get(lang).to_owned())
        .collect();
    // The filters and split, without a metric: each CSV link names its own.
    let query = canvass_core::analysis::AnalysisQuery {
        metric: None,
        ..report.query.clone()
    }
    .to_query_string();
    let metrics = report
        .metrics
        .iter()
        .map(|m| {
            view! {
                <MetricSection
                    metric=m.clone()
                    groups=groups.clone()
                    k=k
                    lang=lang
                    csv=csv_path(&slug, &query, m.id.as_str())
                />
            }
        })
        .collect_view();
    view! {
        <section class="analysis-summary" aria-labelledby="summary-title">
            <h2 id="summary-title">{t!(i18n, analysis_summary)}</h2>
            <p>
                {move || match (n, partial) {
                    (Some(n), false) => t_string!(i18n, analysis_respondents, n = n).to_string(),
                    (Some(n), true) => {
                        t_string!(
                            i18n,
                            analysis_respondents_partial,
                            n = n,
                            rest = canvass_core::analysis::PARTIAL_REST_MINUTES
                        )
                        .to_string()
                    }
                    (None, _) => t_string!(i18n, analysis_suppressed, k = k).to_string(),
                }}
            </p>
            <p class="hint">{t!(i18n, analysis_methods)}</p>
            <p class="hint">{t!(i18n, analysis_aapor)}</p>
            <p class="hint">{move || t_string!(i18n, analysis_suppression, k = k)}</p>
        </section>
        {withheld}
        {metrics}
    }
}

/// The CSV of one metric's figures under the page's query.
fn csv_path(slug: &str, query: &str, metric: &str) -> String {
    let and = if query.is_empty() { "" } else { "&" };
    format!(
        "{}.csv?{query}{and}metric={metric}",
        paths::analysis_api(slug)
    )
}

fn hidden_text(i18n: I18nContext<Locale>, k: u64) -> String {
    t_string!(i18n, analysis_suppressed, k = k).to_string()
}

/// "58.3% (7 / 12)".
fn share_text(p: &Proportion) -> String {
    format!("{} ({} / {})", percent(p.estimate), p.x, p.n)
}

/// "31.9–80.7%".
fn interval_text(p: &Proportion) -> String {
    format!("{:.1}–{:.1}%", p.low * 100.0, p.high * 100.0)
}

fn cells(share: &Shown<Proportion>, hidden: &str) -> (String, String) {
    match share.value() {
        Some(p) => (share_text(p), interval_text(p)),
        None => (hidden.to_owned(), String::new()),
    }
}

/// One metric: its chart, its table, its caption and its CSV.
#[component]
fn MetricSection(
    metric: MetricFigures,
    groups: Vec<String>,
    k: u64,
    lang: Lang,
    /// This metric's figures as CSV, with the page's filters.
    csv: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let hidden = hidden_text(i18n, k);
    let all = t_string!(i18n, analysis_all).to_string();
    let id = format!("metric-{}", metric.id);
    let title = metric.title.get(lang).to_owned();
    let labelled: Vec<(String, &Figure)> = std::iter::once((all.clone(), &metric.all))
        .chain(groups.iter().cloned().zip(metric.groups.iter()))
        .collect();
    let body = match &metric.all {
        Figure::Share { .. } => {
            let rows: Vec<(String, Shown<Proportion>)> = labelled
                .iter()
                .map(|(label, f)| match f {
                    Figure::Share { share } => (label.clone(), share.clone()),
                    _ => (label.clone(), Shown::Suppressed { suppressed: true }),
                })
                .collect();
            share_body(rows, &hidden, i18n)
        }
        Figure::Gap { first, second, .. } => gap_body(
            &labelled,
            first.label.get(lang),
            second.label.get(lang),
            &hidden,
            i18n,
        ),
        Figure::Mean { .. } => mean_body(&labelled, &hidden, i18n),
        Figure::Ranking { items, .. }
        | Figure::Matrix { items, .. }
        | Figure::TopChoices { items, .. } => items_body(items, &labelled, &hidden, lang, i18n),
        Figure::Network { .. } => network_body(&metric.all, &hidden, lang, i18n),
    };
    let n = match &metric.all {
        Figure::Ranking { respondents, .. } | Figure::TopChoices { respondents, .. } => {
            respondents.value().copied()
        }
        Figure::Share { share } => share.value().map(|p| p.n),
        Figure::Gap { difference, .. } => difference.value().map(|d| d.n),
        _ => None,
    };
    let caption = move || match n {
        Some(n) => t_string!(i18n, analysis_caption, n = n, k = k).to_string(),
        None => t_string!(i18n, analysis_caption_no_n, k = k).to_string(),
    };
    view! {
        <section class="metric" id=id.clone() aria-labelledby=format!("{id}-title")>
            <h2 id=format!("{id}-title")>{title}</h2>
            <figure>
                {body}
                <figcaption>{caption}</figcaption>
            </figure>
            <p><a href=csv download>{t!(i18n, analysis_csv)}</a></p>
        </section>
    }
}

fn share_body(
    rows: Vec<(String, Shown<Proportion>)>,
    hidden: &str,
    i18n: I18nContext<Locale>,
) -> AnyView {
    let chart: Vec<ChartRow> = rows
        .iter()
        .map(|(label, s)| ChartRow {
            label: label.clone(),
            share: s.value().copied(),
        })
        .collect();
    let lines = rows
        .into_iter()
        .map(|(head, s)| {
            let (share, interval) = cells(&s, hidden);
            FiguresRow {
                head,
                cells: vec![share, interval],
            }
        })
        .collect();
    let heads = vec![
        t_string!(i18n, analysis_group).to_string(),
        t_string!(i18n, analysis_share).to_string(),
        t_string!(i18n, analysis_interval).to_string(),
    ];
    view! {
        <ShareChart rows=chart hidden=hidden.to_owned() />
        <FiguresTable heads=heads rows=lines />
    }
    .into_any()
}

fn gap_body(
    labelled: &[(String, &Figure)],
    first: &str,
    second: &str,
    hidden: &str,
    i18n: I18nContext<Locale>,
) -> AnyView {
    let mut chart = Vec::new();
    let lines = labelled
        .iter()
        .filter_map(|(label, f)| match f {
            Figure::Gap {
                first,
                second,
                difference,
            } => {
                chart.push(DumbbellRow {
                    label: label.clone(),
                    first: first.share.value().copied(),
                    second: second.share.value().copied(),
                });
                let (a, _) = cells(&first.share, hidden);
                let (b, _) = cells(&second.share, hidden);
                let d = match difference.value() {
                    Some(d) => format!(
                        "{:+.1} ({:+.1} to {:+.1})",
                        d.estimate * 100.0,
                        d.low * 100.0,
                        d.high * 100.0
                    ),
                    None => hidden.to_owned(),
                };
                Some(FiguresRow {
                    head: label.clone(),
                    cells: vec![a, b, d],
                })
            }
            _ => None,
        })
        .collect();
    let heads = vec![
        t_string!(i18n, analysis_group).to_string(),
        first.to_owned(),
        second.to_owned(),
        t_string!(i18n, analysis_difference).to_string(),
    ];
    view! {
        <DumbbellChart rows=chart first=first.to_owned() second=second.to_owned() hidden=hidden.to_owned() />
        <FiguresTable heads=heads rows=lines />
    }
    .into_any()
}

fn mean_body(labelled: &[(String, &Figure)], hidden: &str, i18n: I18nContext<Locale>) -> AnyView {
    let lines = labelled
        .iter()
        .filter_map(|(label, f)| match f {
            Figure::Mean { mean } => {
                let text = match mean.value() {
                    Some(m) => match (m.low, m.high) {
                        (Some(low), Some(high)) => {
                            format!("{:.2} ({low:.2}–{high:.2}), n = {}", m.mean, m.n)
                        }
                        _ => format!("{:.2}, n = {}", m.mean, m.n),
                    },
                    None => hidden.to_owned(),
                };
                Some(FiguresRow {
                    head: label.clone(),
                    cells: vec![text],
                })
            }
            _ => None,
        })
        .collect();
    let heads = vec![
        t_string!(i18n, analysis_group).to_string(),
        t_string!(i18n, analysis_mean).to_string(),
    ];
    view! { <FiguresTable heads=heads rows=lines /> }.into_any()
}

/// Ranked items (ranking, matrix, top choices): a chart of the whole, a table with a
/// column per group.
fn items_body(
    items: &[Item],
    labelled: &[(String, &Figure)],
    hidden: &str,
    lang: Lang,
    i18n: I18nContext<Locale>,
) -> AnyView {
    let chart: Vec<ChartRow> = items
        .iter()
        .map(|item| ChartRow {
            label: item.label.get(lang).to_owned(),
            share: item.share.value().copied(),
        })
        .collect();
    let extra = items.first().is_some_and(|i| i.borda.is_some());
    let heads = std::iter::once(t_string!(i18n, analysis_item).to_string())
        .chain(labelled.iter().map(|(label, _)| label.clone()))
        .chain(extra.then(|| t_string!(i18n, analysis_borda).to_string()))
        .collect();
    let lines = items
        .iter()
        .map(|item| {
            let per_group = labelled.iter().map(|(_, f)| {
                let found = match f {
                    Figure::Ranking { items, .. }
                    | Figure::Matrix { items, .. }
                    | Figure::TopChoices { items, .. } => {
                        items.iter().find(|i| i.code == item.code)
                    }
                    _ => None,
                };
                found.map_or(String::new(), |i| {
                    let (share, interval) = cells(&i.share, hidden);
                    if interval.is_empty() {
                        share
                    } else {
                        format!("{share} [{interval}]")
                    }
                })
            });
            let borda = item
                .borda
                .as_ref()
                .map(|b| b.value().map_or(hidden.to_owned(), u64::to_string));
            FiguresRow {
                head: item.label.get(lang).to_owned(),
                cells: per_group.chain(borda).collect(),
            }
        })
        .collect();
    view! {
        <ShareChart rows=chart hidden=hidden.to_owned() />
        <FiguresTable heads=heads rows=lines />
    }
    .into_any()
}

fn network_body(figure: &Figure, hidden: &str, lang: Lang, i18n: I18nContext<Locale>) -> AnyView {
    let Figure::Network { nodes, edges } = figure else {
        return ().into_any();
    };
    let index = |code: &canvass_core::survey::Code| nodes.iter().position(|n| &n.code == code);
    let drawn: Vec<NetworkEdge> = edges
        .iter()
        .filter_map(|e| {
            let p = e.weight.value()?;
            Some(NetworkEdge {
                from: index(&e.from)?,
                to: index(&e.to)?,
                share: p.estimate,
            })
        })
        .collect();
    let label = |code: &canvass_core::survey::Code| -> String {
        nodes
            .iter()
            .find(|n| &n.code == code)
            .map_or(String::new(), |n| n.label.get(lang).to_owned())
    };
    let lines = edges
        .iter()
        .filter(|e| e.weight.value().is_none_or(|p| p.x > 0))
        .map(|e| {
            let (share, interval) = cells(&e.weight, hidden);
            FiguresRow {
                head: label(&e.from),
                cells: vec![label(&e.to), share, interval],
            }
        })
        .collect();
    let heads = vec![
        t_string!(i18n, analysis_from).to_string(),
        t_string!(i18n, analysis_to).to_string(),
        t_string!(i18n, analysis_share).to_string(),
        t_string!(i18n, analysis_interval).to_string(),
    ];
    let shown: Vec<NetworkNode> = nodes
        .iter()
        .map(|n| NetworkNode {
            label: n.label.get(lang).to_owned(),
        })
        .collect();
    view! {
        <NetworkChart nodes=shown edges=drawn />
        <FiguresTable heads=heads rows=lines />
    }
    .into_any()
}
