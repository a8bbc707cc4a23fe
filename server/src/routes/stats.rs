//! `GET /api/v1/surveys/{slug}/stats`: the monitoring dashboard's figures as JSON, for a
//! staff session (any role) or an API token (`Authorization: Bearer cnv_…`). Every rate
//! comes with its numerator and denominator.

use axum::extract::{Path, State};
use axum::response::Json;
use canvass_app::staff::backend::figures;
use canvass_app::staff::{Figures, Period};
use canvass_core::monitor::Rate;
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::staff::{Reader, StatsUse};

/// A rate as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RateJson {
    pub numerator: u64,
    pub denominator: u64,
    /// `null` over a zero denominator.
    pub percent: Option<f64>,
}

impl From<Rate> for RateJson {
    fn from(rate: Rate) -> RateJson {
        RateJson {
            numerator: rate.numerator,
            denominator: rate.denominator,
            percent: rate.percent(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    survey: String,
    opened: u64,
    started: u64,
    consented: u64,
    refused: u64,
    screened_out: u64,
    quota_full: u64,
    partial: u64,
    completed: u64,
    participation: RateJson,
    completion: RateJson,
    median_completion_minutes: Option<f64>,
    started_without_link: u64,
    opened_without_link: u64,
    sections: Vec<SectionJson>,
    links: Vec<LinkJson>,
    breakdowns: Vec<BreakdownJson>,
    /// The IANA zone days and hours are counted in.
    time_zone: String,
    /// `{label: "YYYY-MM-DD", started, completed}` for each day from the first response.
    #[schema(value_type = Vec<Object>)]
    per_day: Vec<Period>,
    /// `{label: "HH", started, completed}` for each hour of today so far.
    #[schema(value_type = Vec<Object>)]
    today: Vec<Period>,
    /// Duplicate and speeder signals (flagged responses are kept and counted above).
    signals: SignalsJson,
    /// Through invitation links, with AAPOR RR1 and RR2 over the number invited; `null`
    /// where no invitations were made.
    invitations: Option<InvitationsJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct InvitationsJson {
    invited: u64,
    began: u64,
    completed: u64,
    rr1: RateJson,
    rr2: RateJson,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SignalsJson {
    /// Begun in a browser that had begun a response to the survey before.
    same_browser: SameBrowserJson,
    /// `{under_minutes, count}`: completed in under a third of the median; `null` without
    /// a median of at least three minutes.
    #[schema(value_type = Option<Object>)]
    speeders: Option<canvass_core::monitor::Speeders>,
    /// `{bursts, completed}`: ten-minute windows in which one network address completed
    /// ten or more responses, over the last 30 days, and the responses in them.
    #[schema(value_type = Object)]
    bursts_from_one_address: canvass_core::monitor::Bursts,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SameBrowserJson {
    began: u64,
    completed: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct BreakdownJson {
    question: String,
    rows: Vec<BreakdownRowJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct BreakdownRowJson {
    code: String,
    began: u64,
    completed: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SectionJson {
    reached: u64,
    stopped: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LinkJson {
    name: String,
    channel: String,
    open: bool,
    opens: u64,
    started: u64,
    completed: u64,
    target: Option<u64>,
    progress: Option<RateJson>,
}

/// The monitoring dashboard's figures.
#[utoipa::path(
    get,
    path = "/api/v1/surveys/{slug}/stats",
    tag = "monitoring",
    params(crate::routes::openapi::SurveyPath),
    responses(
        (status = 200, description = "The survey's response figures", body = Stats),
        crate::routes::openapi::Refusals,
    ),
)]
pub async fn stats(
    State(state): State<AppState>,
    _reader: Reader<StatsUse>,
    Path(slug): Path<String>,
) -> Result<Json<Stats>, ApiError> {
    let figures = figures(&state.backend(), &slug)
        .await
        .map_err(AppError::unavailable)?
        .ok_or(AppError::NOT_FOUND)?;
    Ok(Json(Stats::from(figures)))
}

impl From<Figures> for Stats {
    fn from(f: Figures) -> Stats {
        let funnel = f.funnel;
        Stats {
            survey: f.slug,
            opened: funnel.opened,
            started: funnel.started,
            consented: funnel.consented,
            refused: funnel.refused,
            screened_out: funnel.screened_out,
            quota_full: funnel.quota_full,
            partial: funnel.partial(),
            completed: funnel.completed,
            participation: funnel.participation().into(),
            completion: funnel.completion().into(),
            median_completion_minutes: f.median_minutes,
            started_without_link: f.direct_started,
            opened_without_link: f.direct_opens,
            signals: SignalsJson {
                same_browser: SameBrowserJson {
                    began: f.same_browser,
                    completed: f.same_browser_completed,
                },
                speeders: f.speeders,
                bursts_from_one_address: f.bursts,
            },
            invitations: f.invitations.map(|i| InvitationsJson {
                invited: i.invited,
                began: i.began,
                completed: i.completed,
                rr1: i.rr1.into(),
                rr2: i.rr2.into(),
            }),
            time_zone: f.time_zone,
            per_day: f.per_day,
            today: f.today,
            sections: f
                .sections
                .into_iter()
                .map(|s| SectionJson {
                    reached: s.reached,
                    stopped: s.stopped,
                })
                .collect(),
            breakdowns: f
                .breakdowns
                .into_iter()
                .map(|b| BreakdownJson {
                    question: b.question,
                    rows: b
                        .rows
                        .into_iter()
                        .map(|r| BreakdownRowJson {
                            code: r.code,
                            began: r.began,
                            completed: r.completed,
                        })
                        .collect(),
                })
                .collect(),
            links: f
                .links
                .into_iter()
                .map(|l| LinkJson {
                    progress: canvass_core::monitor::progress(l.completed, l.target)
                        .map(RateJson::from),
                    name: l.name,
                    channel: l.channel,
                    open: l.open,
                    opens: l.opens,
                    started: l.started,
                    completed: l.completed,
                    target: l.target,
                })
                .collect(),
        }
    }
}
