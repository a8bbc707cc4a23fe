//! Response-rate figures of the monitoring dashboard: the funnel of one survey (or one
//! link, province, role…) and the rates worked out from it. Every rate keeps its numerator
//! and denominator, so a dashboard can show both, and a rate over nothing is no rate (not
//! zero, not a division by zero).
//!
//! Definitions (`../shared/design/national-survey.md`):
//! - CHERRIES participation rate = consented / opened (the welcome page);
//! - CHERRIES completion rate = completed / consented;
//! - AAPOR RR1 = completed / invited eligible; RR2 = (completed + partial) / invited
//!   eligible, only where invitations with a known count exist.

mod figures;

use serde::{Deserialize, Serialize};

pub use figures::{
    Breakdown, BreakdownRow, Bursts, ChoiceTally, Counts, Figures, InvitationFigures, LinkCounts,
    LinkFigures, Period, SectionFigures, Tally,
};

/// A share: `numerator` out of `denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

impl Rate {
    pub const fn new(numerator: u64, denominator: u64) -> Rate {
        Rate {
            numerator,
            denominator,
        }
    }

    /// The share in [0, 1]; `None` over a zero denominator.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The share in percent, rounded to one decimal; `None` over a zero denominator.
    pub fn percent(self) -> Option<f64> {
        self.value().map(|v| (v * 1000.0).round() / 10.0)
    }
}

/// How far respondents got, counted once each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    /// Welcome pages opened (through a link, or the survey's own address).
    pub opened: u64,
    /// Responses begun: the consent page was posted, agreeing or not.
    pub started: u64,
    /// Agreed to take part.
    pub consented: u64,
    /// Did not agree.
    pub refused: u64,
    /// Agreed, then found not eligible by the screening question.
    pub screened_out: u64,
    /// Eligible, but stopped because their quota cell was full.
    pub quota_full: u64,
    /// Submitted.
    pub completed: u64,
}

impl Funnel {
    /// Agreed and eligible, whether they went on or not.
    pub fn eligible(self) -> u64 {
        self.consented.saturating_sub(self.screened_out)
    }

    /// Eligible, not stopped by a quota, and not (yet) submitted: partial responses and
    /// break-offs.
    pub fn partial(self) -> u64 {
        self.eligible()
            .saturating_sub(self.quota_full)
            .saturating_sub(self.completed)
    }

    /// CHERRIES participation rate: consented / opened.
    pub fn participation(self) -> Rate {
        Rate::new(self.consented, self.opened)
    }

    /// CHERRIES completion rate: completed / consented.
    pub fn completion(self) -> Rate {
        Rate::new(self.completed, self.consented)
    }

    /// AAPOR RR1 = completed / invited eligible.
    pub fn rr1(self, invited_eligible: u64) -> Rate {
        Rate::new(self.completed, invited_eligible)
    }

    /// AAPOR RR2 = (completed + partial) / invited eligible.
    pub fn rr2(self, invited_eligible: u64) -> Rate {
        Rate::new(self.completed + self.partial(), invited_eligible)
    }
}

/// Progress towards a target (a link's expected number of eligible respondents).
pub fn progress(completed: u64, target: Option<u64>) -> Option<Rate> {
    target.map(|target| Rate::new(completed, target))
}

/// The median of values counted in unit-wide buckets: `(lower bound, count)`, bucket `b`
/// holding values in `[b, b + 1)` (whole minutes, say). Values are taken as spread evenly
/// within their bucket, so the result is within one unit of the true median. `None` for
/// no values.
pub fn histogram_median(buckets: &[(u32, u64)]) -> Option<f64> {
    let mut sorted: Vec<(u32, u64)> = buckets.iter().copied().filter(|b| b.1 > 0).collect();
    sorted.sort_unstable();
    let total: u64 = sorted.iter().map(|b| b.1).sum();
    // The k-th smallest value (1-based), estimated within its bucket.
    let nth = |k: u64| -> Option<f64> {
        let mut before = 0u64;
        for &(bound, n) in &sorted {
            if k <= before + n {
                return Some(f64::from(bound) + ((k - before) as f64 - 0.5) / n as f64);
            }
            before += n;
        }
        None
    };
    match total {
        0 => None,
        t if t % 2 == 1 => nth(t.div_ceil(2)),
        t => Some((nth(t / 2)? + nth(t / 2 + 1)?) / 2.0),
    }
}

/// Completed responses much faster than the rest (a speeder signal): `count` took less than
/// `under_minutes`, a third of the median rounded down to whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speeders {
    pub under_minutes: u32,
    pub count: u64,
}

/// The speeders among completion times counted by whole minutes (as for
/// [`histogram_median`]); `None` without a median, or when a third of it is under a minute.
pub fn speeders(buckets: &[(u32, u64)]) -> Option<Speeders> {
    let third = histogram_median(buckets)? / 3.0;
    if !(1.0..f64::from(u32::MAX)).contains(&third) {
        return None;
    }
    let under_minutes = third.floor() as u32;
    // Bucket `m` holds times in [m, m + 1): all under `under_minutes` when m < under_minutes.
    let count = buckets
        .iter()
        .filter(|(bound, _)| *bound < under_minutes)
        .map(|(_, n)| n)
        .sum();
    Some(Speeders {
        under_minutes,
        count,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A funnel worked out by hand: 200 opened the link, 150 began, 130 agreed, 20
    /// refused, 10 were screened out, 5 found their quota full, 90 submitted.
    const FUNNEL: Funnel = Funnel {
        opened: 200,
        started: 150,
        consented: 130,
        refused: 20,
        screened_out: 10,
        quota_full: 5,
        completed: 90,
    };

    #[test]
    fn the_cherries_rates_of_a_hand_worked_funnel() {
        assert_eq!(FUNNEL.participation(), Rate::new(130, 200));
        assert_eq!(FUNNEL.participation().percent(), Some(65.0));
        assert_eq!(FUNNEL.completion(), Rate::new(90, 130));
        assert_eq!(FUNNEL.completion().percent(), Some(69.2));
        assert_eq!(FUNNEL.eligible(), 120);
        // 120 eligible, less 5 stopped by a quota and 90 submitted.
        assert_eq!(FUNNEL.partial(), 25);
    }

    #[test]
    fn the_aapor_rates_of_a_hand_worked_invitation_list() {
        // 300 invited and eligible: RR1 = 90 / 300, RR2 = (90 + 25) / 300.
        assert_eq!(FUNNEL.rr1(300), Rate::new(90, 300));
        assert_eq!(FUNNEL.rr1(300).percent(), Some(30.0));
        assert_eq!(FUNNEL.rr2(300), Rate::new(115, 300));
        assert_eq!(FUNNEL.rr2(300).percent(), Some(38.3));
    }

    #[test]
    fn a_rate_over_nothing_is_no_rate() {
        let empty = Funnel::default();
        assert_eq!(empty.participation().value(), None);
        assert_eq!(empty.completion().value(), None);
        assert_eq!(empty.rr1(0).percent(), None);
        assert_eq!(empty.rr2(0).percent(), None);
        assert_eq!(Rate::new(0, 5).value(), Some(0.0));
        assert_eq!(progress(3, None), None);
        assert_eq!(progress(3, Some(0)).and_then(Rate::value), None);
        assert_eq!(progress(30, Some(120)).and_then(Rate::percent), Some(25.0));
    }

    #[test]
    fn the_median_of_a_histogram_is_estimated_within_its_bucket() {
        assert_eq!(histogram_median(&[]), None);
        assert_eq!(histogram_median(&[(7, 0)]), None);
        // One value in [12, 13): the bucket's middle.
        assert_eq!(histogram_median(&[(12, 1)]), Some(12.5));
        // 10 and 30 minutes: the mean of the two middles.
        assert_eq!(histogram_median(&[(30, 1), (10, 1)]), Some(20.5));
        // Four in [10, 11): the 2nd and 3rd of four spread evenly, 10.375 and 10.625.
        assert_eq!(histogram_median(&[(10, 4)]), Some(10.5));
        // 1 + 2 + 2 values: the 3rd is the second of two in [5, 6), at 5.75.
        assert_eq!(histogram_median(&[(1, 1), (5, 2), (9, 2)]), Some(5.75));
    }

    #[test]
    fn counts_that_disagree_never_underflow() {
        // A funnel read while saves go on may see more submitted than eligible.
        let odd = Funnel {
            consented: 5,
            screened_out: 7,
            completed: 9,
            ..Funnel::default()
        };
        assert_eq!(odd.eligible(), 0);
        assert_eq!(odd.partial(), 0);
    }

    #[test]
    fn speeders_took_less_than_a_third_of_the_median_in_whole_minutes() {
        assert_eq!(speeders(&[]), None);
        // Median 14.925 (see above's method): a third is 4.975, so under 4 minutes; only the
        // response in [1, 2) is that fast.
        assert_eq!(
            speeders(&[(1, 1), (5, 2), (9, 2), (20, 5)]),
            Some(Speeders {
                under_minutes: 4,
                count: 1
            })
        );
        // A median of 2.5 minutes: a third is under a minute, too short to judge.
        assert_eq!(speeders(&[(2, 3)]), None);
        // Nobody that fast.
        assert_eq!(
            speeders(&[(30, 4)]),
            Some(Speeders {
                under_minutes: 10,
                count: 0
            })
        );
    }

    proptest! {
        #[test]
        fn every_rate_is_between_zero_and_one_when_the_funnel_is_consistent(
            opened in 0u64..10_000, started_share in 0.0f64..=1.0, consent_share in 0.0f64..=1.0,
            screen_share in 0.0f64..=1.0, complete_share in 0.0f64..=1.0,
        ) {
            let started = (opened as f64 * started_share) as u64;
            let consented = (started as f64 * consent_share) as u64;
            let screened_out = (consented as f64 * screen_share) as u64;
            let completed = ((consented - screened_out) as f64 * complete_share) as u64;
            let funnel = Funnel { opened, started, consented, refused: started - consented, screened_out, quota_full: 0, completed };
            for rate in [funnel.participation(), funnel.completion(), funnel.rr1(funnel.eligible()), funnel.rr2(funnel.eligible())] {
                if let Some(v) = rate.value() {
                    prop_assert!((0.0..=1.0).contains(&v), "{rate:?}");
                }
            }
        }

        #[test]
        fn the_histogram_median_is_within_one_bucket_of_the_exact_median(
            values in proptest::collection::vec(0u32..2_000, 1..200),
        ) {
            let mut sorted: Vec<f64> = values.iter().map(|v| f64::from(*v) / 10.0).collect();
            sorted.sort_by(f64::total_cmp);
            let mid = sorted.len() / 2;
            let exact = if sorted.len() % 2 == 1 { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2.0 };
            let mut buckets = std::collections::BTreeMap::new();
            for v in &sorted {
                *buckets.entry(v.floor() as u32).or_insert(0u64) += 1;
            }
            let buckets: Vec<(u32, u64)> = buckets.into_iter().collect();
            let estimate = histogram_median(&buckets).expect("some values");
            prop_assert!((estimate - exact).abs() <= 1.0, "{estimate} vs {exact}");
        }
    }
}
