use proptest::prelude::*;

use super::*;

/// Within the four decimals the papers print.
fn near(found: Interval, low: f64, high: f64) -> bool {
    (found.low - low).abs() < 5e-5 && (found.high - high).abs() < 5e-5
}

#[test]
fn wilson_intervals_match_newcombes_table() {
    // Newcombe (1998), "Two-sided confidence intervals for the single proportion",
    // Statistics in Medicine 17:857–872, table II, method 3 (score, no continuity
    // correction).
    for (x, n, low, high) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ] {
        let found = Share::new(x, n).wilson().expect("n > 0");
        assert!(near(found, low, high), "{x}/{n}: {found:?}");
    }
}

#[test]
fn a_share_of_nobody_has_no_estimate_and_no_interval() {
    assert_eq!(Share::new(0, 0).estimate(), None);
    assert_eq!(Share::new(0, 0).wilson(), None);
    assert_eq!(Share::new(3, 2).estimate(), None, "more yes than asked");
}

#[test]
fn all_yes_and_all_no_keep_an_interval_of_some_width() {
    let none = Share::new(0, 40).wilson().expect("n > 0");
    let all = Share::new(40, 40).wilson().expect("n > 0");
    assert_eq!(none.low, 0.0);
    assert!(none.high > 0.08, "{none:?}");
    assert_eq!(all.high, 1.0);
    assert!(all.low < 0.92, "{all:?}");
    assert!((none.high - (1.0 - all.low)).abs() < 1e-12, "symmetric");
}

#[test]
fn a_single_respondent_gets_a_wide_interval() {
    let one = Share::new(1, 1).wilson().expect("n > 0");
    assert!(near(one, 0.2065, 1.0), "{one:?}");
}

#[test]
fn unpaired_differences_match_newcombes_table() {
    // Newcombe (1998), "Interval estimation for the difference between independent
    // proportions: comparison of eleven methods", Statistics in Medicine 17:873–890,
    // table II, method 10.
    for ((x1, n1), (x2, n2), low, high) in [
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((6, 7), (2, 7), 0.0582, 0.8062),
        ((5, 56), (0, 29), -0.0381, 0.1926),
        ((0, 10), (0, 20), -0.1611, 0.2775),
        ((0, 10), (0, 10), -0.2775, 0.2775),
    ] {
        let (d, found) =
            unpaired_difference(Share::new(x1, n1), Share::new(x2, n2)).expect("n > 0");
        assert!(
            (d - (x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64)).abs() < 1e-12,
            "{d}"
        );
        assert!(near(found, low, high), "{x1}/{n1} − {x2}/{n2}: {found:?}");
    }
}

#[test]
fn a_difference_with_an_empty_group_has_no_interval() {
    assert_eq!(
        unpaired_difference(Share::new(1, 2), Share::new(0, 0)),
        None
    );
    assert_eq!(Paired::default().difference(), None);
}

#[test]
fn the_paired_table_gives_both_shares_over_the_same_respondents() {
    let table = Paired {
        both: 10,
        first_only: 30,
        second_only: 5,
        neither: 55,
    };
    assert_eq!(table.n(), 100);
    assert_eq!(table.first(), Share::new(40, 100));
    assert_eq!(table.second(), Share::new(15, 100));
}

#[test]
fn paired_differences_match_an_independent_computation() {
    // The worked example of Altman et al., "Statistics with confidence" (2000), table 6.2,
    // and a table with little correlation, computed outside this code from Newcombe's
    // formulas (as biostatUZH's `confIntPairedProportion` writes them); not yet checked
    // against the paper's own table (see the issue note).
    for (both, first_only, second_only, neither, low, high) in [
        (14, 5, 0, 22, 0.011_483, 0.226_493),
        (10, 30, 5, 55, 0.140_151, 0.353_018),
    ] {
        let table = Paired {
            both,
            first_only,
            second_only,
            neither,
        };
        let (_, found) = table.difference().expect("n > 0");
        assert!(
            (found.low - low).abs() < 1e-6 && (found.high - high).abs() < 1e-6,
            "{table:?}: {found:?}"
        );
    }
}

#[test]
fn uncorrelated_pairs_get_the_unpaired_interval() {
    // With φ corrected to zero, the paired method combines the same Wilson limits as the
    // unpaired one.
    let table = Paired {
        both: 5,
        first_only: 5,
        second_only: 5,
        neither: 5,
    };
    let paired = table.difference().expect("n > 0");
    let unpaired = unpaired_difference(table.first(), table.second()).expect("n > 0");
    assert_eq!(paired, unpaired);
}

#[test]
fn a_paired_interval_without_discordant_pairs_is_centred_on_zero() {
    let table = Paired {
        both: 20,
        first_only: 0,
        second_only: 0,
        neither: 20,
    };
    let (d, found) = table.difference().expect("n > 0");
    assert_eq!(d, 0.0);
    assert!(found.low < 0.0 && found.high > 0.0, "{found:?}");
    assert!((found.low + found.high).abs() < 1e-12, "{found:?}");
}

#[test]
fn moments_give_the_mean_the_spread_and_a_t_interval() {
    let m = Moments::of([1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(m.n, 5);
    assert_eq!(m.mean(), Some(3.0));
    let sd = m.sd().expect("n ≥ 2");
    assert!((sd - 2.5_f64.sqrt()).abs() < 1e-12);
    // 3 ± 2.776445 · √2.5 / √5 (t(0.975, 4) = 2.776445).
    let found = m.t_interval().expect("n ≥ 2");
    let half = 2.776_445_105 * (0.5_f64).sqrt();
    assert!((found.low - (3.0 - half)).abs() < 1e-6, "{found:?}");
    assert!((found.high - (3.0 + half)).abs() < 1e-6, "{found:?}");
}

#[test]
fn one_value_has_a_mean_but_no_interval() {
    let m = Moments::of([4.0]);
    assert_eq!(m.mean(), Some(4.0));
    assert_eq!(m.sd(), None);
    assert_eq!(m.t_interval(), None);
    assert_eq!(Moments::default().mean(), None);
}

#[test]
fn equal_values_have_no_spread() {
    let m = Moments::of([3.0; 7]);
    assert_eq!(m.sd(), Some(0.0));
    let found = m.t_interval().expect("n ≥ 2");
    assert_eq!((found.low, found.high), (3.0, 3.0));
}

#[test]
fn borda_points_count_three_two_one_for_a_top_three() {
    // Item 0: 5 first, 1 second; item 1: 2 first, 4 third; item 2: 6 at rank four.
    let positions = vec![vec![5, 1, 0], vec![2, 0, 4], vec![0, 0, 0, 6]];
    assert_eq!(borda(&positions, 3), [17, 10, 0]);
}

proptest! {
    #[test]
    fn a_wilson_interval_holds_its_estimate_within_zero_and_one(x in 0u64..500, extra in 0u64..500) {
        let share = Share::new(x, x + extra);
        if let (Some(p), Some(ci)) = (share.estimate(), share.wilson()) {
            prop_assert!(0.0 <= ci.low && ci.low <= p && p <= ci.high && ci.high <= 1.0, "{ci:?} {p}");
        }
    }

    #[test]
    fn a_paired_interval_holds_its_difference_within_minus_one_and_one(
        both in 0u64..60, first_only in 0u64..60, second_only in 0u64..60, neither in 0u64..60,
    ) {
        let table = Paired { both, first_only, second_only, neither };
        if let Some((d, ci)) = table.difference() {
            prop_assert!(-1.0 <= ci.low && ci.low <= d + 1e-12 && d <= ci.high + 1e-12 && ci.high <= 1.0, "{ci:?} {d}");
        }
    }
}
