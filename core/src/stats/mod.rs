//! The statistics the analysis pages show, each with its uncertainty: pure functions of
//! counts, sums and sums of squares (what the maintained tallies hold), at the 95% level.
//!
//! - [`Share::wilson`]: a share and its Wilson score interval (never the Wald interval,
//!   which collapses to nothing at 0% and 100% and undercovers near them).
//! - [`unpaired_difference`] and [`Paired::difference`]: a difference of two shares, with
//!   Newcombe's hybrid score intervals (methods 10 of his two 1998 papers), for
//!   independent groups and for two shares of the same respondents.
//! - [`Moments::t_interval`]: a mean and its t-interval.
//! - [`borda`]: rank-position counts into Borda points.
//! - [`suppress`]: which cells of a table to hide, so that no small count can be read off
//!   the page, directly or from a total.
//!
//! A figure with no one to count is `None`: no rate, never 0%.

use serde::{Deserialize, Serialize};

mod student;
pub mod suppress;

pub use student::t_quantile_975;

/// The standard normal quantile for a two-sided 95% interval: Φ⁻¹(0.975).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval of estimates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// `x` of `n` respondents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Share {
    pub x: u64,
    pub n: u64,
}

impl Share {
    pub const fn new(x: u64, n: u64) -> Share {
        Share { x, n }
    }

    /// x / n; none when nobody was counted (or x exceeds n, which no tally can hold).
    pub fn estimate(self) -> Option<f64> {
        (self.n > 0 && self.x <= self.n).then(|| self.x as f64 / self.n as f64)
    }

    /// The 95% Wilson score interval (Wilson 1927; Newcombe 1998, method 3): the
    /// proportions p for which |p̂ − p| ≤ z·√(p(1−p)/n). It stays within [0, 1], is not
    /// empty at 0 or n, and covers close to 95% even for small n.
    pub fn wilson(self) -> Option<Interval> {
        let p = self.estimate()?;
        let (n, z) = (self.n as f64, Z_95);
        let z2 = z * z;
        let centre = p + z2 / (2.0 * n);
        let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        let denominator = 1.0 + z2 / n;
        // At 0% and 100% a limit is exactly the estimate; rounding must not move it past.
        Some(Interval {
            low: ((centre - spread) / denominator).clamp(0.0, p),
            high: ((centre + spread) / denominator).clamp(p, 1.0),
        })
    }
}

/// The difference `a − b` of two shares of independent groups (say clinicians against
/// industry representatives) and its 95% interval by Newcombe's hybrid score method
/// (Newcombe 1998, "Interval estimation for the difference between independent
/// proportions", method 10): each share's Wilson limits combined in quadrature.
pub fn unpaired_difference(a: Share, b: Share) -> Option<(f64, Interval)> {
    let (p1, p2) = (a.estimate()?, b.estimate()?);
    let (w1, w2) = (a.wilson()?, b.wilson()?);
    let d = p1 - p2;
    let below = ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt();
    let above = ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt();
    Some((
        d,
        Interval {
            low: d - below,
            high: d + above,
        },
    ))
}

/// Two yes/no answers of the same respondents (say "interest ≥ 4" and "took part in any
/// R&D"), as their 2×2 table. The two shares are correlated, so their difference takes
/// the paired interval, not the unpaired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Paired {
    /// Yes to both.
    pub both: u64,
    /// Yes to the first only.
    pub first_only: u64,
    /// Yes to the second only.
    pub second_only: u64,
    /// Yes to neither.
    pub neither: u64,
}

impl Paired {
    pub fn n(self) -> u64 {
        self.both + self.first_only + self.second_only + self.neither
    }

    /// The first share: yes to the first question.
    pub fn first(self) -> Share {
        Share::new(self.both + self.first_only, self.n())
    }

    /// The second share: yes to the second question.
    pub fn second(self) -> Share {
        Share::new(self.both + self.second_only, self.n())
    }

    /// first − second and its 95% interval by Newcombe's hybrid score method for paired
    /// data (Newcombe 1998, "Improved confidence intervals for the difference between
    /// binomial proportions based on paired data", method 10): the Wilson limits of the
    /// two marginal shares, combined with the correlation φ of the table (corrected
    /// towards zero, and taken as zero when a margin is empty).
    pub fn difference(self) -> Option<(f64, Interval)> {
        let (a, b) = (self.first(), self.second());
        let (p1, p2) = (a.estimate()?, b.estimate()?);
        let (w1, w2) = (a.wilson()?, b.wilson()?);
        let n = self.n() as f64;
        let [e, f, g, h] =
            [self.both, self.first_only, self.second_only, self.neither].map(|c| c as f64);
        let margins = (e + f) * (g + h) * (e + g) * (f + h);
        let phi = if margins > 0.0 {
            let cross = e * h - f * g;
            let corrected = if cross > n / 2.0 {
                cross - n / 2.0
            } else if cross < 0.0 {
                cross
            } else {
                0.0
            };
            corrected / margins.sqrt()
        } else {
            0.0
        };
        let d = p1 - p2;
        let (l1, u1, l2, u2) = (p1 - w1.low, w1.high - p1, p2 - w2.low, w2.high - p2);
        let below = (l1 * l1 - 2.0 * phi * l1 * u2 + u2 * u2).max(0.0).sqrt();
        let above = (u1 * u1 - 2.0 * phi * u1 * l2 + l2 * l2).max(0.0).sqrt();
        Some((
            d,
            Interval {
                low: (d - below).max(-1.0),
                high: (d + above).min(1.0),
            },
        ))
    }
}

/// Count, sum and sum of squares of a numeric answer: enough for its mean and spread, and
/// additive, so tallies of cells add up to the tallies of their union.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    /// Moments of the given values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Moments {
        values.into_iter().fold(Moments::default(), |m, v| Moments {
            n: m.n + 1,
            sum: m.sum + v,
            sum_sq: m.sum_sq + v * v,
        })
    }

    pub fn mean(self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// The sample standard deviation (n − 1 in the denominator); none below two values.
    pub fn sd(self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        // Rounding can leave a hair below zero when every value is the same.
        Some(
            ((self.sum_sq - n * mean * mean) / (n - 1.0))
                .max(0.0)
                .sqrt(),
        )
    }

    /// The mean's 95% t-interval, mean ± t(0.975, n − 1)·sd/√n; none below two values.
    pub fn t_interval(self) -> Option<Interval> {
        let (mean, sd) = (self.mean()?, self.sd()?);
        let half = t_quantile_975(self.n - 1)? * sd / (self.n as f64).sqrt();
        Some(Interval {
            low: mean - half,
            high: mean + half,
        })
    }
}

/// Borda points of a ranking question from its rank-position counts: `positions[i][r]` is
/// how many put item `i` at rank `r + 1`, and rank r earns `top − r` points (3-2-1 for a
/// top-3). Ranks past `top` earn nothing.
pub fn borda(positions: &[Vec<u64>], top: usize) -> Vec<u64> {
    positions
        .iter()
        .map(|counts| {
            counts
                .iter()
                .take(top)
                .enumerate()
                .map(|(rank, &count)| count * (top - rank) as u64)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests;
