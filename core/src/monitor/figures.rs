//! The monitoring dashboard's figures (and the stats API's), worked out from one snapshot
//! of a survey's maintained counts ([`Counts`], read by `canvass-db` in one transaction).
//! Pure: the same counts always give the same figures, whoever reads them.

use serde::{Deserialize, Serialize};

use super::{Funnel, Rate, Speeders, histogram_median, speeders};
use crate::ids::LinkId;
use crate::response::ResponseStatus;
use crate::survey::{QuestionKind, Survey, Text};

/// What the figures are counted from: a survey's maintained counts at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Responses by (status, last section saved, link).
    pub tallies: Vec<Tally>,
    /// The survey's links, oldest first, with their opens.
    pub links: Vec<LinkCounts>,
    /// Welcome pages opened at the survey's own address.
    pub direct_opens: u64,
    /// Completed responses by whole minutes to completion, `(minutes, count)`.
    pub completion_minutes: Vec<(u32, u64)>,
    /// Responses by the code they chose for each breakdown question, and status.
    pub choices: Vec<ChoiceTally>,
    /// Begun and completed per day, and per hour of today, in the survey's time zone.
    pub per_day: Vec<Period>,
    pub today: Vec<Period>,
    /// Responses begun in a browser that had begun one before, by status.
    pub same_browser: Vec<(ResponseStatus, u64)>,
    /// Responses begun through an invitation, by status.
    pub invited_responses: Vec<(ResponseStatus, u64)>,
    /// Invitations made.
    pub invitations: u64,
    /// Bursts of completions from one network address.
    pub bursts: Bursts,
}

/// Bursts of completions from one network address: ten-minute windows in which one
/// address completed at least the burst threshold of responses (a duplicate signal, like
/// the same browser: a hospital's shared network explains some).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bursts {
    /// Such windows (one address in one window).
    pub bursts: u64,
    /// The responses completed in them.
    pub completed: u64,
}

/// Responses at one status and last section, through one link (or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub status: ResponseStatus,
    pub last_section: Option<String>,
    pub link_id: Option<LinkId>,
    pub n: u64,
}

/// A distribution link as counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCounts {
    pub id: LinkId,
    pub name: String,
    pub channel: String,
    pub open: bool,
    pub opens: u64,
    pub target: Option<u64>,
}

/// Responses at one status that chose `code` for breakdown question `question`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceTally {
    pub question: String,
    pub code: String,
    pub status: ResponseStatus,
    pub n: u64,
}

/// Responses started and completed in one day (`YYYY-MM-DD`) or one hour of today (`HH`),
/// in the survey's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub label: String,
    pub started: u64,
    pub completed: u64,
}

/// A survey's monitoring figures: the dashboard's, and `/api/v1/surveys/{slug}/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub slug: String,
    pub title: Text,
    pub funnel: Funnel,
    pub sections: Vec<SectionFigures>,
    pub links: Vec<LinkFigures>,
    /// Responses begun without a link (the survey's own address).
    pub direct_started: u64,
    /// Welcome pages opened at the survey's own address (first visits of a browser).
    pub direct_opens: u64,
    /// By the survey's breakdown questions (province, role, hospital grade…).
    pub breakdowns: Vec<Breakdown>,
    /// Minutes to completion, to one decimal.
    pub median_minutes: Option<f64>,
    /// The time zone days and hours are counted in.
    pub time_zone: String,
    /// Each day from the first response to today.
    pub per_day: Vec<Period>,
    /// Each hour of today so far.
    pub today: Vec<Period>,
    /// Duplicate signals: responses begun in a browser that had begun one before, and how
    /// many of those were completed.
    pub same_browser: u64,
    pub same_browser_completed: u64,
    /// Completed in under a third of the median time.
    pub speeders: Option<Speeders>,
    /// Where invitations were made: AAPOR RR1 and RR2 over the number invited.
    pub invitations: Option<InvitationFigures>,
    /// Bursts of completions from one network address.
    pub bursts: Bursts,
}

/// One section of the survey on the monitoring dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionFigures {
    pub title: Text,
    /// Responses that saved this section or a later one.
    pub reached: u64,
    /// Responses in progress whose last saved section is this one (break-offs, so far).
    pub stopped: u64,
}

/// One distribution link on the monitoring dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkFigures {
    pub name: String,
    pub channel: String,
    pub open: bool,
    pub opens: u64,
    pub started: u64,
    pub completed: u64,
    pub target: Option<u64>,
}

/// Responses by the answer to one question (every choice listed, zeros included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub question: String,
    pub label: Text,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub code: String,
    pub label: Text,
    /// Responses that gave this answer (any status).
    pub began: u64,
    pub completed: u64,
}

/// Responses through invitation links, and the AAPOR rates over the number invited (every
/// invitee taken as eligible).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationFigures {
    pub invited: u64,
    pub began: u64,
    pub completed: u64,
    pub rr1: Rate,
    pub rr2: Rate,
}

impl Funnel {
    /// The funnel of responses counted `by_status` (no opens: the caller knows them).
    pub fn of_statuses(by_status: &[(ResponseStatus, u64)], opened: u64) -> Funnel {
        let n = |keep: &dyn Fn(ResponseStatus) -> bool| -> u64 {
            by_status
                .iter()
                .filter(|(status, _)| keep(*status))
                .map(|(_, n)| n)
                .sum()
        };
        let started = n(&|_| true);
        let refused = n(&|s| s == ResponseStatus::Refused);
        Funnel {
            opened,
            started,
            consented: started - refused,
            refused,
            screened_out: n(&|s| s == ResponseStatus::ScreenedOut),
            quota_full: n(&|s| s == ResponseStatus::QuotaFull),
            completed: n(&|s| s == ResponseStatus::Completed),
        }
    }
}

impl Figures {
    /// The figures of `survey` (published at `slug`) from its `counts`.
    pub fn from_counts(slug: &str, survey: &Survey, counts: Counts) -> Figures {
        let count = |keep: &dyn Fn(&Tally) -> bool| -> u64 {
            counts.tallies.iter().filter(|t| keep(t)).map(|t| t.n).sum()
        };
        let by_status: Vec<(ResponseStatus, u64)> =
            counts.tallies.iter().map(|t| (t.status, t.n)).collect();
        let link_opens: u64 = counts.links.iter().map(|l| l.opens).sum();
        let funnel = Funnel::of_statuses(&by_status, link_opens + counts.direct_opens);
        let position = |id: &Option<String>| {
            id.as_deref()
                .and_then(|id| survey.sections.iter().position(|s| s.id.as_str() == id))
        };
        let sections = survey
            .sections
            .iter()
            .enumerate()
            .map(|(i, section)| SectionFigures {
                title: section.title.clone(),
                reached: count(&|t| position(&t.last_section).is_some_and(|p| p >= i)),
                stopped: count(&|t| {
                    t.status == ResponseStatus::InProgress && position(&t.last_section) == Some(i)
                }),
            })
            .collect();
        let links = counts
            .links
            .iter()
            .map(|l| LinkFigures {
                started: count(&|t| t.link_id == Some(l.id)),
                completed: count(&|t| {
                    t.link_id == Some(l.id) && t.status == ResponseStatus::Completed
                }),
                name: l.name.clone(),
                channel: l.channel.clone(),
                open: l.open,
                opens: l.opens,
                target: l.target,
            })
            .collect();
        let same_browser = Funnel::of_statuses(&counts.same_browser, 0);
        let minutes = &counts.completion_minutes;
        Figures {
            slug: slug.to_owned(),
            title: survey.title.clone(),
            funnel,
            sections,
            links,
            direct_started: count(&|t| t.link_id.is_none()),
            direct_opens: counts.direct_opens,
            breakdowns: breakdowns(survey, &counts.choices),
            median_minutes: histogram_median(minutes).map(|m| (m * 10.0).round() / 10.0),
            time_zone: survey.time_zone.as_str().to_owned(),
            per_day: counts.per_day,
            today: counts.today,
            same_browser: same_browser.started,
            same_browser_completed: same_browser.completed,
            speeders: speeders(minutes),
            bursts: counts.bursts,
            invitations: (counts.invitations > 0).then(|| {
                let invited = counts.invitations;
                let funnel = Funnel::of_statuses(&counts.invited_responses, 0);
                InvitationFigures {
                    invited,
                    began: funnel.started,
                    completed: funnel.completed,
                    rr1: funnel.rr1(invited),
                    rr2: funnel.rr2(invited),
                }
            }),
        }
    }
}

/// Every breakdown question of the survey, each choice listed (zeros included).
fn breakdowns(survey: &Survey, choices: &[ChoiceTally]) -> Vec<Breakdown> {
    survey
        .breakdowns
        .iter()
        .filter_map(|id| {
            let question = survey.question(id.as_str())?;
            let QuestionKind::SingleChoice {
                choices: options, ..
            } = &question.kind
            else {
                return None;
            };
            let rows = options
                .iter()
                .map(|choice| {
                    let code = choice.code.to_string();
                    let n = |completed_only: bool| -> u64 {
                        choices
                            .iter()
                            .filter(|c| c.question == id.as_str() && c.code == code)
                            .filter(|c| !completed_only || c.status == ResponseStatus::Completed)
                            .map(|c| c.n)
                            .sum()
                    };
                    BreakdownRow {
                        began: n(false),
                        completed: n(true),
                        label: choice.label.clone(),
                        code,
                    }
                })
                .collect();
            Some(Breakdown {
                question: id.to_string(),
                label: question.label.clone(),
                rows,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::AI_COLLAB;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("the national survey loads")
    }

    fn tally(status: ResponseStatus, section: Option<&str>, link: Option<i64>, n: u64) -> Tally {
        Tally {
            status,
            last_section: section.map(str::to_owned),
            link_id: link.map(LinkId::new),
            n,
        }
    }

    fn first_sections(survey: &Survey) -> (String, String) {
        let id = |i: usize| survey.sections[i].id.as_str().to_owned();
        (id(0), id(1))
    }

    #[test]
    fn the_funnel_counts_each_response_once_by_its_status_and_opens_from_links_and_direct() {
        use ResponseStatus::*;
        let survey = national();
        let (consent, second) = first_sections(&survey);
        let counts = Counts {
            tallies: vec![
                tally(Refused, Some(&consent), None, 2),
                tally(InProgress, Some(&second), Some(7), 3),
                tally(Completed, Some(&second), Some(7), 4),
                tally(ScreenedOut, Some(&second), None, 1),
            ],
            links: vec![LinkCounts {
                id: LinkId::new(7),
                name: "WeChat".to_owned(),
                channel: "wechat".to_owned(),
                open: true,
                opens: 20,
                target: Some(8),
            }],
            direct_opens: 5,
            ..Counts::default()
        };
        let figures = Figures::from_counts("ai-collab", &survey, counts);
        assert_eq!(
            figures.funnel,
            Funnel {
                opened: 25,
                started: 10,
                consented: 8,
                refused: 2,
                screened_out: 1,
                quota_full: 0,
                completed: 4,
            }
        );
        assert_eq!(figures.direct_started, 3);
        let link = &figures.links[0];
        assert_eq!((link.opens, link.started, link.completed), (20, 7, 4));
        // Every response reached the consent page; the refusals stopped there.
        assert_eq!(figures.sections[0].reached, 10);
        assert_eq!(figures.sections[1].reached, 8);
        assert_eq!(figures.sections[1].stopped, 3);
        assert_eq!(figures.sections[0].stopped, 0);
    }

    #[test]
    fn every_choice_of_a_breakdown_is_listed_with_zeros_included() {
        let survey = national();
        let question = survey.breakdowns[0].to_string();
        let counts = Counts {
            choices: vec![ChoiceTally {
                question: question.clone(),
                code: match &survey.question(&question).expect("declared").kind {
                    QuestionKind::SingleChoice { choices, .. } => choices[0].code.to_string(),
                    _ => unreachable!("breakdowns are single-choice questions"),
                },
                status: ResponseStatus::Completed,
                n: 6,
            }],
            ..Counts::default()
        };
        let figures = Figures::from_counts("ai-collab", &survey, counts);
        assert_eq!(figures.breakdowns.len(), survey.breakdowns.len());
        let rows = &figures.breakdowns[0].rows;
        assert!(rows.len() > 1);
        assert_eq!((rows[0].began, rows[0].completed), (6, 6));
        assert!(rows[1..].iter().all(|r| r.began == 0 && r.completed == 0));
    }

    #[test]
    fn invitation_rates_appear_only_where_invitations_were_made() {
        use ResponseStatus::*;
        let survey = national();
        let none = Figures::from_counts("ai-collab", &survey, Counts::default());
        assert_eq!(none.invitations, None);
        let counts = Counts {
            invitations: 40,
            invited_responses: vec![(Completed, 10), (InProgress, 6), (Refused, 4)],
            ..Counts::default()
        };
        let figures = Figures::from_counts("ai-collab", &survey, counts);
        let invitations = figures.invitations.expect("invitations were made");
        assert_eq!(invitations.began, 20);
        assert_eq!(invitations.rr1, Rate::new(10, 40));
        assert_eq!(invitations.rr2, Rate::new(16, 40));
    }

    #[test]
    fn duplicate_signals_and_the_median_come_from_their_own_counts() {
        use ResponseStatus::*;
        let survey = national();
        let counts = Counts {
            same_browser: vec![(Completed, 2), (InProgress, 1)],
            completion_minutes: vec![(10, 3)],
            ..Counts::default()
        };
        let figures = Figures::from_counts("ai-collab", &survey, counts);
        assert_eq!(
            (figures.same_browser, figures.same_browser_completed),
            (3, 2)
        );
        assert_eq!(
            figures.median_minutes,
            histogram_median(&[(10, 3)]).map(|m| (m * 10.0).round() / 10.0)
        );
        assert_eq!(figures.time_zone, survey.time_zone.as_str());
    }
}
