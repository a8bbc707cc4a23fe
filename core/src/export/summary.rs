//! What a codebook says of each variable's values: counts per value and per missing code,
//! and for numbers their minimum, median and maximum. Memory grows with the number of
//! distinct values, not of responses.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::{Missing, Value};

/// A number ordered by [`f64::total_cmp`], to count equal numbers together.
#[derive(Debug, Clone, Copy)]
struct Number(f64);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Number {}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The values of one variable, counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    numbers: BTreeMap<Number, u64>,
    missing: BTreeMap<Missing, u64>,
    texts: u64,
}

impl Summary {
    /// Counts one value.
    pub fn add(&mut self, value: &Value) {
        match value {
            Value::Number(n) => *self.numbers.entry(Number(*n as f64)).or_default() += 1,
            Value::Decimal(x) => *self.numbers.entry(Number(*x)).or_default() += 1,
            Value::Text(_) => self.texts += 1,
            Value::Missing(m) => *self.missing.entry(*m).or_default() += 1,
        }
    }

    /// Responses with a value (not missing).
    pub fn valid(&self) -> u64 {
        self.numbers.values().sum::<u64>() + self.texts
    }

    /// Every response counted.
    pub fn total(&self) -> u64 {
        self.valid() + self.missing.values().sum::<u64>()
    }

    /// How many have the whole number `value`.
    pub fn count(&self, value: i64) -> u64 {
        self.numbers
            .get(&Number(value as f64))
            .copied()
            .unwrap_or(0)
    }

    /// How many are missing for this reason.
    pub fn missing(&self, why: Missing) -> u64 {
        self.missing.get(&why).copied().unwrap_or(0)
    }

    pub fn min(&self) -> Option<f64> {
        self.numbers.keys().next().map(|n| n.0)
    }

    pub fn max(&self) -> Option<f64> {
        self.numbers.keys().next_back().map(|n| n.0)
    }

    /// The median of the numbers: the middle one, or the mean of the two middle ones.
    pub fn median(&self) -> Option<f64> {
        let n: u64 = self.numbers.values().sum();
        if n == 0 {
            return None;
        }
        // The 0-based positions of the middle one or two, in sorted order.
        let (low, high) = ((n - 1) / 2, n / 2);
        let (mut low_value, mut seen) = (None, 0u64);
        for (number, count) in &self.numbers {
            let next = seen + count;
            if low_value.is_none() && low < next {
                low_value = Some(number.0);
            }
            if high < next {
                return low_value.map(|l| (l + number.0) / 2.0);
            }
            seen = next;
        }
        None
    }
}
