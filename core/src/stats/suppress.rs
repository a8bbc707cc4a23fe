//! Small-cell suppression: which figures of a table to hide, so that no count below the
//! survey's threshold `k` (default 5) can be read off a page, directly or by subtraction.
//!
//! The rule, for a table whose rows are shares `x` of `n` (a figure split by role, say)
//! and whose total row adds them up:
//!
//! 1. **Primary**: a row is hidden when its denominator `n`, its numerator `x` or the
//!    complement `n − x` is below `k` (a share of 100% of 3 tells as much as "3").
//!    A hidden row shows neither count nor percent nor interval: "fewer than k".
//! 2. **Secondary**: when exactly one row is hidden and the total is shown, the total
//!    minus the shown rows would give it back; so the shown row with the smallest `n` is
//!    hidden too. When no other row is left, the total is hidden instead.
//!
//! So every hidden row shares its total with another hidden row, or its total is hidden:
//! no hidden row can be reconstructed from a table's own figures.

use super::Share;

/// The survey's default threshold.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// Whether one share on its own must be hidden (the primary rule).
pub fn too_small(share: Share, k: u64) -> bool {
    share.n < k || share.x < k || share.n.saturating_sub(share.x) < k
}

/// Which rows of a table to hide, and whether to hide its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub rows: Vec<bool>,
    pub total: bool,
}

/// The secondary rule over rows already hidden by some primary rule: when exactly one row
/// is hidden and the total is shown, the shown row with the smallest `sizes` is hidden
/// too, or the total when no row is left. Returns whether the total is hidden.
pub fn secondary(hidden: &mut [bool], sizes: &[u64], total_hidden: bool) -> bool {
    if total_hidden || hidden.iter().filter(|&&h| h).count() != 1 {
        return total_hidden;
    }
    let smallest = sizes
        .iter()
        .enumerate()
        .filter(|(i, _)| !hidden[*i])
        .min_by_key(|(_, n)| **n)
        .map(|(i, _)| i);
    match smallest {
        Some(i) => {
            hidden[i] = true;
            false
        }
        None => true,
    }
}

/// Applies both rules to `rows`, whose total row is their sum (shown unless itself too
/// small).
pub fn table(rows: &[Share], k: u64) -> Hidden {
    let mut hidden: Vec<bool> = rows.iter().map(|&row| too_small(row, k)).collect();
    let total = Share::new(
        rows.iter().map(|r| r.x).sum(),
        rows.iter().map(|r| r.n).sum(),
    );
    let sizes: Vec<u64> = rows.iter().map(|r| r.n).collect();
    let total_hidden = secondary(&mut hidden, &sizes, too_small(total, k));
    Hidden {
        rows: hidden,
        total: total_hidden,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_share_is_hidden_when_its_count_its_complement_or_its_base_is_small() {
        assert!(too_small(Share::new(4, 100), 5), "numerator");
        assert!(too_small(Share::new(96, 100), 5), "complement");
        assert!(too_small(Share::new(2, 4), 5), "denominator");
        assert!(too_small(Share::new(0, 0), 5), "nobody");
        assert!(!too_small(Share::new(5, 10), 5));
        assert!(!too_small(Share::new(50, 100), 5));
    }

    #[test]
    fn one_small_row_hides_the_next_smallest_too() {
        let rows = [Share::new(60, 100), Share::new(3, 40), Share::new(20, 30)];
        assert_eq!(
            table(&rows, 5),
            Hidden {
                rows: vec![false, true, true],
                total: false
            }
        );
    }

    #[test]
    fn two_small_rows_need_nothing_more() {
        let rows = [Share::new(60, 100), Share::new(3, 40), Share::new(1, 3)];
        assert_eq!(
            table(&rows, 5),
            Hidden {
                rows: vec![false, true, true],
                total: false
            }
        );
    }

    #[test]
    fn a_lone_small_row_hides_the_total() {
        assert_eq!(
            table(&[Share::new(3, 40)], 5),
            Hidden {
                rows: vec![true],
                total: true
            }
        );
    }

    #[test]
    fn a_table_without_small_rows_hides_nothing() {
        let rows = [Share::new(60, 100), Share::new(10, 40)];
        assert_eq!(
            table(&rows, 5),
            Hidden {
                rows: vec![false, false],
                total: false
            }
        );
    }

    proptest! {
        /// No hidden row can be had by subtracting the shown rows from a shown total.
        #[test]
        fn no_hidden_row_can_be_reconstructed_from_the_total(
            rows in prop::collection::vec((0u64..30, 0u64..30), 1..6),
            k in 1u64..8,
        ) {
            let rows: Vec<Share> = rows.into_iter().map(|(x, extra)| Share::new(x, x + extra)).collect();
            let hidden = table(&rows, k);
            let count = hidden.rows.iter().filter(|&&h| h).count();
            prop_assert!(count != 1 || hidden.total);
            for (row, &h) in rows.iter().zip(&hidden.rows) {
                prop_assert!(!too_small(*row, k) || h, "a small row is shown");
            }
        }
    }
}
