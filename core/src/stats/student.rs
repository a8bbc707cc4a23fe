//! Student's t quantile for a two-sided 95% interval, t(0.975, ν).
//!
//! Up to 200 degrees of freedom it inverts the t distribution's upper tail,
//! ½·I_{ν/(ν+t²)}(ν/2, ½), by Newton's method kept inside a bisection bracket, with the regularized incomplete beta function
//! evaluated by its continued fraction (Lentz's method); above, the Cornish–Fisher
//! expansion around the normal quantile (Abramowitz and Stegun 26.7.5), whose error there
//! is far below the figures' rounding.

use super::Z_95;

/// t(0.975, `df`); none for zero degrees of freedom.
pub fn t_quantile_975(df: u64) -> Option<f64> {
    if df == 0 {
        return None;
    }
    let nu = df as f64;
    if df > 200 {
        return Some(cornish_fisher(Z_95, nu));
    }
    // Newton's method on the upper tail, from the expansion's value, kept inside a bracket
    // that shrinks with every step (a bisection step when Newton's would leave it): a few
    // continued fractions instead of the fifty a bisection needs. The tail falls from ½
    // at t = 0; t(0.975, 1) is about 12.7.
    let (mut low, mut high) = (0.0_f64, 1000.0_f64);
    let mut t = cornish_fisher(Z_95, nu).clamp(1.0, 100.0);
    for _ in 0..200 {
        let excess = upper_tail(t, nu) - 0.025;
        if excess > 0.0 {
            low = t;
        } else {
            high = t;
        }
        let newton = t + excess / density(t, nu);
        let next = if newton > low && newton < high {
            newton
        } else {
            0.5 * (low + high)
        };
        if (next - t).abs() < 1e-13 || high - low < 1e-13 {
            return Some(next);
        }
        t = next;
    }
    Some(t)
}

/// The t distribution's density at `t` with ν degrees of freedom.
fn density(t: f64, nu: f64) -> f64 {
    let log = ln_gamma((nu + 1.0) / 2.0)
        - ln_gamma(nu / 2.0)
        - 0.5 * (nu * std::f64::consts::PI).ln()
        - (nu + 1.0) / 2.0 * (1.0 + t * t / nu).ln();
    log.exp()
}

fn cornish_fisher(z: f64, nu: f64) -> f64 {
    let (z2, z3) = (z * z, z * z * z);
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu)
}

/// P(T > t) for t ≥ 0 and ν degrees of freedom.
fn upper_tail(t: f64, nu: f64) -> f64 {
    0.5 * regularized_beta(nu / (nu + t * t), nu / 2.0, 0.5)
}

/// I_x(a, b), the regularized incomplete beta function, for 0 ≤ x ≤ 1 and a, b > 0.
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The continued fraction converges fast for x below the mean; else use the symmetry.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz's method).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for numerator in [
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos's approximation, g = 7, nine coefficients).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantiles_match_the_published_table() {
        // Student's t table, two-sided 95% (e.g. Abramowitz and Stegun, table 26.10).
        for (df, t) in [
            (1, 12.706_204_736),
            (2, 4.302_652_730),
            (3, 3.182_446_305),
            (5, 2.570_581_836),
            (10, 2.228_138_852),
            (30, 2.042_272_456),
            (100, 1.983_971_519),
            (200, 1.971_896_224),
            (1000, 1.962_339_081),
        ] {
            let found = t_quantile_975(df).expect("df > 0");
            assert!((found - t).abs() < 1e-6, "df {df}: {found} against {t}");
        }
    }

    #[test]
    fn every_quantile_up_to_200_leaves_exactly_two_and_a_half_percent_above_it() {
        for df in 1..=200 {
            let t = t_quantile_975(df).expect("df > 0");
            let tail = upper_tail(t, df as f64);
            assert!((tail - 0.025).abs() < 1e-12, "df {df}: {t} leaves {tail}");
        }
    }

    #[test]
    fn no_degrees_of_freedom_have_no_quantile() {
        assert_eq!(t_quantile_975(0), None);
    }

    #[test]
    fn the_two_methods_agree_where_they_meet() {
        let exact = {
            let (mut low, mut high) = (0.0_f64, 10.0_f64);
            for _ in 0..200 {
                let mid = 0.5 * (low + high);
                if upper_tail(mid, 201.0) > 0.025 {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            low
        };
        let expansion = t_quantile_975(201).expect("df > 0");
        assert!(
            (exact - expansion).abs() < 1e-8,
            "{exact} against {expansion}"
        );
    }

    #[test]
    fn the_quantile_falls_towards_the_normal_one() {
        let quantiles: Vec<f64> = (1..400).filter_map(t_quantile_975).collect();
        assert!(quantiles.windows(2).all(|w| w[0] > w[1]));
        assert!(quantiles.iter().all(|&t| t > Z_95));
    }
}
