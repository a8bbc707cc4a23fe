//! Counters as the database keeps them: packed into bytes, small.
//!
//! A response's counters (some 260 for the national survey) are mostly 0 and 1, and a
//! cell's are whole numbers of a few digits: as 8-byte doubles a cell took 2 KB, and every
//! read and write of it (the fold reads a cell and writes it back added up, and keeps a
//! partial response's own counts) cost in proportion. Packed, each counter is one variable-length integer (LEB128, 7 bits
//! a byte): a whole number `v` is written as `zigzag(v) << 1`, so 0 and 1 take a byte each;
//! anything else (a fraction, a number beyond ±2⁵³, infinity, NaN) as the integer `1`
//! followed by the double's 8 bytes, big-endian. A response packs into some 300 bytes, a
//! cell of the national survey into some 600.

/// The largest whole number written as an integer: every integer up to it is exact in a
/// double.
const EXACT: f64 = 9_007_199_254_740_992.0; // 2⁵³

/// The integer that announces a double written in full.
const DOUBLE: u64 = 1;

/// `counters` packed, in order.
pub fn pack(counters: &[f64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(counters.len() + 8);
    for &value in counters {
        if value.fract() == 0.0 && value.abs() <= EXACT {
            // Whole and within ±2⁵³: the cast is exact, and the zigzag form (at most 2⁵⁴)
            // shifted left once still fits in 64 bits.
            let whole = value as i64;
            let zigzag = ((whole << 1) ^ (whole >> 63)) as u64;
            write_varint(&mut out, zigzag << 1);
        } else {
            write_varint(&mut out, DOUBLE);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
    out
}

/// Packed counters read back; `None` when the bytes are not counters as [`pack`] writes
/// them (cut short, or an integer no packing writes).
pub fn unpack(bytes: &[u8]) -> Option<Vec<f64>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (tagged, after) = read_varint(rest)?;
        rest = after;
        if tagged & 1 == 0 {
            let zigzag = tagged >> 1;
            let whole = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
            out.push(whole as f64);
        } else if tagged == DOUBLE {
            let (double, after) = rest.split_first_chunk::<8>()?;
            out.push(f64::from_be_bytes(*double));
            rest = after;
        } else {
            return None;
        }
    }
    Some(out)
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// One LEB128 integer and the bytes after it; `None` when cut short or over 64 bits.
fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if shift == 63 && bits > 1 {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return bytes.get(i + 1..).map(|rest| (value, rest));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zeros_and_ones_take_a_byte_each() {
        assert_eq!(pack(&[0.0, 1.0, 0.0]), vec![0, 4, 0]);
        assert_eq!(pack(&[-1.0]), vec![2]);
        assert_eq!(pack(&[64.0]), vec![0x80, 0x02]);
    }

    #[test]
    fn a_fraction_or_a_number_beyond_exact_integers_is_kept_whole() {
        let odd = [0.5, -2.25, 1e300, f64::INFINITY, EXACT * 2.0];
        let packed = pack(&odd);
        assert_eq!(packed.len(), odd.len() * 9);
        assert_eq!(unpack(&packed), Some(odd.to_vec()));
        let nan = unpack(&pack(&[f64::NAN])).expect("reads");
        assert!(nan[0].is_nan());
    }

    #[test]
    fn the_largest_exact_integers_round_trip_as_integers() {
        let edge = [EXACT, -EXACT, EXACT - 1.0, i32::MAX as f64, -0.0];
        let packed = pack(&edge);
        assert!(packed.len() < edge.len() * 9, "written as integers");
        let back = unpack(&packed).expect("reads");
        assert_eq!(back, vec![EXACT, -EXACT, EXACT - 1.0, i32::MAX as f64, 0.0]);
    }

    #[test]
    fn bytes_cut_short_or_not_written_by_pack_read_as_none() {
        assert_eq!(unpack(&[]), Some(vec![]));
        assert_eq!(unpack(&[0x80]), None, "a varint cut short");
        assert_eq!(unpack(&[1, 0, 0]), None, "a double cut short");
        assert_eq!(unpack(&[3]), None, "an odd integer other than 1");
        assert_eq!(unpack(&[0xff; 11]), None, "a varint over 64 bits");
        assert_eq!(
            unpack(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            None,
            "a tenth byte over the 64th bit"
        );
    }

    proptest! {
        #[test]
        fn any_counters_round_trip(counters in proptest::collection::vec(any::<f64>(), 0..300)) {
            let back = unpack(&pack(&counters)).expect("reads");
            prop_assert_eq!(back.len(), counters.len());
            for (a, b) in back.iter().zip(&counters) {
                prop_assert!(a == b || (a.is_nan() && b.is_nan()), "{} {}", a, b);
            }
        }

        #[test]
        fn small_whole_counters_round_trip_in_a_few_bytes_each(
            counters in proptest::collection::vec(-5000i64..5000, 0..300)
        ) {
            let counters: Vec<f64> = counters.into_iter().map(|c| c as f64).collect();
            let packed = pack(&counters);
            prop_assert!(packed.len() <= counters.len() * 3);
            prop_assert_eq!(unpack(&packed), Some(counters));
        }

        #[test]
        fn any_bytes_unpack_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = unpack(&bytes);
        }
    }
}
