//! The geometry the charts share: a label column, then the bar area for 0–100%.

/// Where the bars start (the labels end), in SVG units.
pub const BAR_LEFT: f64 = 210.0;
/// Width of the bar area: 100%.
pub const BAR_WIDTH: f64 = 330.0;
/// Height of one row.
pub const ROW: f64 = 26.0;
/// Longest label drawn (in characters); the full label is in the row's `<title>` and the
/// table.
pub const LABEL_CHARS: usize = 16;

/// The x coordinate of a share (0–1).
pub fn x_of(share: f64) -> f64 {
    BAR_LEFT + BAR_WIDTH * share.clamp(0.0, 1.0)
}

/// A share as a percent with one decimal ("58.3%").
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_label_is_cut_with_an_ellipsis_and_a_short_one_is_kept() {
        assert_eq!(short("数据隐私与安全顾虑", 16), "数据隐私与安全顾虑");
        assert_eq!(short("abcdefghijklmnopqrstuvwxyz", 5), "abcd…");
    }

    #[test]
    fn shares_map_onto_the_bar_area_and_never_past_it() {
        assert_eq!(x_of(0.0), BAR_LEFT);
        assert_eq!(x_of(1.0), BAR_LEFT + BAR_WIDTH);
        assert_eq!(x_of(1.5), BAR_LEFT + BAR_WIDTH);
        assert_eq!(percent(0.5833), "58.3%");
    }
}
