use canvass_core::monitor::Rate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::question_field::tr;
use crate::components::{LiveRefresh, StaffNav};
use crate::i18n::{t, t_string, use_i18n};
use crate::messages::lang_of;
use crate::staff::{Figures, MonitorPage, Period, load_monitor, paths};

/// `/monitor/{slug}` (every staff role): how far respondents got — the funnel, its rates
/// with numerator and denominator, where respondents stopped, each link's figures and the
/// median completion time. Rendered on the server; the `LiveRefresh` island swaps in new
/// figures as responses arrive (without WASM, a refresh does).
#[component]
pub fn MonitorDashboard() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let page = Resource::new(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_monitor,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                super::gated(page.await, move |page: Option<MonitorPage>| {
                    let Some(page) = page else {
                        return view! { <super::NotFoundPage /> }.into_any();
                    };
                    let title = tr(&page.figures.title);
                    view! {
                        <Title text=t_string!(i18n, monitor_title) />
                        <p class="survey-title">{title}</p>
                        <h1>{t!(i18n, monitor_title)}</h1>
                        <StaffNav me=page.me.clone() />
                        <LiveRefresh
                            events=paths::monitor_events(&page.figures.slug)
                            page=paths::monitor(&page.figures.slug)
                            lang=lang_of(i18n.get_locale_untracked())
                        />
                        <div id="figures">
                            <FunnelTable page=page.figures.clone() />
                            <Invited page=page.figures.clone() />
                            <Signals page=page.figures.clone() />
                            <OverTime page=page.figures.clone() />
                            <Sections page=page.figures.clone() />
                            <Breakdowns page=page.figures.clone() />
                            <Links page=page.figures />
                        </div>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

/// "65.0% (130 / 200)", or "— (0 / 0)" over nothing.
fn shown(rate: Rate) -> String {
    match rate.percent() {
        Some(percent) => format!("{percent:.1}% ({} / {})", rate.numerator, rate.denominator),
        None => format!("— ({} / {})", rate.numerator, rate.denominator),
    }
}

#[component]
fn FunnelTable(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    let f = page.funnel;
    let median = page.median_minutes;
    let direct = page.direct_started;
    let direct_opens = page.direct_opens;
    let link_opens = f.opened.saturating_sub(direct_opens);
    view! {
        <section aria-labelledby="funnel-title">
            <h2 id="funnel-title">{t!(i18n, monitor_funnel)}</h2>
            <table class="audit-table figures">
                <tbody>
                    <tr><th scope="row">{t!(i18n, monitor_opened)}</th><td>{f.opened}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_started)}</th><td>{f.started}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_consented)}</th><td>{f.consented}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_refused)}</th><td>{f.refused}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_screened_out)}</th><td>{f.screened_out}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_quota_full)}</th><td>{f.quota_full}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_partial)}</th><td>{f.partial()}</td></tr>
                    <tr><th scope="row">{t!(i18n, monitor_completed)}</th><td>{f.completed}</td></tr>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_participation)}</th>
                        <td>{shown(f.participation())}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_completion)}</th>
                        <td>{shown(f.completion())}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_median)}</th>
                        <td>
                            {move || match median {
                                Some(minutes) => t_string!(i18n, monitor_minutes, minutes = minutes).to_string(),
                                None => "—".to_owned(),
                            }}
                        </td>
                    </tr>
                </tbody>
            </table>
            <p class="hint">{move || {
                    t_string!(
                        i18n,
                        monitor_opened_note,
                        link_opens = link_opens,
                        direct_opens = direct_opens,
                        direct = direct
                    )
                }}</p>
        </section>
    }
}

#[component]
fn Sections(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    let rows = page
        .sections
        .into_iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row">{tr(&s.title)}</th>
                    <td>{s.reached}</td>
                    <td>{s.stopped}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="sections-title">
            <h2 id="sections-title">{t!(i18n, monitor_sections)}</h2>
            <div class="table-scroll">
                <table class="audit-table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, monitor_section)}</th>
                            <th scope="col">{t!(i18n, monitor_reached)}</th>
                            <th scope="col">{t!(i18n, monitor_stopped)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Links(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    if page.links.is_empty() {
        return ().into_any();
    }
    let rows = page
        .links
        .into_iter()
        .map(|l| {
            let progress = canvass_core::monitor::progress(l.completed, l.target).map(shown);
            view! {
                <tr>
                    <th scope="row">{l.name} " · " {l.channel}</th>
                    <td>{l.opens}</td>
                    <td>{l.started}</td>
                    <td>{l.completed}</td>
                    <td>{progress.unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="links-title">
            <h2 id="links-title">{t!(i18n, monitor_links)}</h2>
            <div class="table-scroll">
                <table class="audit-table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, monitor_link)}</th>
                            <th scope="col">{t!(i18n, monitor_opened)}</th>
                            <th scope="col">{t!(i18n, monitor_started)}</th>
                            <th scope="col">{t!(i18n, monitor_completed)}</th>
                            <th scope="col">{t!(i18n, monitor_target)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn Breakdowns(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    page.breakdowns
        .into_iter()
        .map(|b| {
            let id = format!("by-{}", b.question);
            let labelled = id.clone();
            let rows = b
                .rows
                .into_iter()
                .map(|r| {
                    view! {
                        <tr>
                            <th scope="row">{tr(&r.label)}</th>
                            <td>{r.began}</td>
                            <td>{r.completed}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section aria-labelledby=labelled>
                    <h2 id=id>{tr(&b.label)}</h2>
                    <div class="table-scroll">
                        <table class="audit-table">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, monitor_answer)}</th>
                                    <th scope="col">{t!(i18n, monitor_began)}</th>
                                    <th scope="col">{t!(i18n, monitor_completed)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </section>
            }
        })
        .collect_view()
}

/// Responses started and completed per day, and per hour of today.
#[component]
fn OverTime(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    let zone = page.time_zone.clone();
    view! {
        <section aria-labelledby="over-time-title">
            <h2 id="over-time-title">{t!(i18n, monitor_over_time)}</h2>
            <p class="hint">{t!(i18n, monitor_time_zone, zone = zone.clone())}</p>
            <PeriodTable
                id="per-day"
                caption=t_string!(i18n, monitor_per_day).to_string()
                column=t_string!(i18n, monitor_day).to_string()
                periods=page.per_day
            />
            <PeriodTable
                id="today"
                caption=t_string!(i18n, monitor_today).to_string()
                column=t_string!(i18n, monitor_hour).to_string()
                periods=page.today
            />
        </section>
    }
}

/// One row per period, with a bar (a `<meter>`, no inline style) beside each count.
#[component]
fn PeriodTable(
    id: &'static str,
    caption: String,
    column: String,
    periods: Vec<Period>,
) -> impl IntoView {
    let i18n = use_i18n();
    let most = periods.iter().map(|p| p.started).max().unwrap_or(0).max(1);
    let rows = periods
        .into_iter()
        .map(|p| {
            view! {
                <tr>
                    <th scope="row">{p.label}</th>
                    <td>
                        {p.started} " "
                        <meter aria-hidden="true" min="0" max=most value=p.started></meter>
                    </td>
                    <td>{p.completed}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="audit-table" id=id>
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{column}</th>
                        <th scope="col">{t!(i18n, monitor_began)}</th>
                        <th scope="col">{t!(i18n, monitor_completed)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Duplicate, speeder and burst signals: counted and shown, never acted on (nothing is
/// deleted).
#[component]
fn Signals(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    let (began, completed) = (page.same_browser, page.same_browser_completed);
    let speeders = page.speeders;
    let bursts = page.bursts;
    view! {
        <section aria-labelledby="signals-title">
            <h2 id="signals-title">{t!(i18n, monitor_signals)}</h2>
            <table class="audit-table figures">
                <tbody>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_same_browser)}</th>
                        <td>
                            {move || {
                                t_string!(i18n, monitor_same_browser_count, began = began, completed = completed)
                                    .to_string()
                            }}
                        </td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_speeders)}</th>
                        <td>
                            {move || match speeders {
                                Some(s) => {
                                    t_string!(i18n, monitor_speeders_count, count = s.count, minutes = s.under_minutes)
                                        .to_string()
                                }
                                None => "—".to_owned(),
                            }}
                        </td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, monitor_bursts)}</th>
                        <td>
                            {move || {
                                t_string!(i18n, monitor_bursts_count, bursts = bursts.bursts, completed = bursts.completed)
                                    .to_string()
                            }}
                        </td>
                    </tr>
                </tbody>
            </table>
            <p class="hint">{t!(i18n, monitor_signals_note)}</p>
        </section>
    }
}

/// AAPOR RR1 and RR2 over the number invited, where invitations were made.
#[component]
fn Invited(page: Figures) -> impl IntoView {
    let i18n = use_i18n();
    page.invitations.map(|inv| {
        view! {
            <section aria-labelledby="invitations-title">
                <h2 id="invitations-title">{t!(i18n, monitor_invitations)}</h2>
                <table class="audit-table figures">
                    <tbody>
                        <tr><th scope="row">{t!(i18n, monitor_invited)}</th><td>{inv.invited}</td></tr>
                        <tr><th scope="row">{t!(i18n, monitor_began)}</th><td>{inv.began}</td></tr>
                        <tr><th scope="row">{t!(i18n, monitor_completed)}</th><td>{inv.completed}</td></tr>
                        <tr><th scope="row">{t!(i18n, monitor_rr1)}</th><td>{shown(inv.rr1)}</td></tr>
                        <tr><th scope="row">{t!(i18n, monitor_rr2)}</th><td>{shown(inv.rr2)}</td></tr>
                    </tbody>
                </table>
                <p class="hint">{t!(i18n, monitor_invited_note)}</p>
            </section>
        }
    })
}
