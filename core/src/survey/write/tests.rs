use proptest::prelude::*;

use super::*;
use crate::survey::tests::{MINI, MINI_METRICS};
use crate::surveys::AI_COLLAB;

fn loaded(text: &str) -> Survey {
    Survey::from_toml(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn the_national_survey_written_back_loads_as_the_same_survey() {
    let survey = loaded(AI_COLLAB);
    assert!(!survey.metrics.is_empty() && !survey.hierarchies.is_empty());
    let written = survey.to_toml();
    assert_eq!(loaded(&written), survey);
    // Written twice, the same text: a download is stable.
    assert_eq!(loaded(&written).to_toml(), written);
}

#[test]
fn the_small_survey_with_every_kind_of_metric_round_trips() {
    let survey = loaded(&format!("{MINI}{MINI_METRICS}"));
    assert_eq!(loaded(&survey.to_toml()), survey);
}

#[test]
fn quotes_backslashes_new_lines_and_control_characters_survive_the_trip() {
    let mut survey = loaded(MINI);
    let odd = "a \"quoted\" \\ path\nnext line\ttab \u{7} bell — 中文";
    survey.title = Text::same(odd);
    let back = loaded(&survey.to_toml());
    assert_eq!(back.title.get(crate::Lang::En), odd);
    assert_eq!(back, survey);
}

#[test]
fn decimal_bounds_stay_decimals() {
    assert_eq!(float(10.0), "10.0");
    assert_eq!(float(0.5), "0.5");
    assert_eq!(float(-1e300), "-1e300");
    assert_eq!(string("a\u{1}b"), "\"a\\u0001b\"");
    assert_eq!(bare("zh"), "zh");
    assert_eq!(bare("a.b"), "\"a.b\"");
}

proptest! {
    #[test]
    fn any_title_round_trips(title in "\\PC{1,40}") {
        let mut survey = loaded(MINI);
        survey.title = Text::same(&title);
        let back = Survey::from_toml(&survey.to_toml());
        prop_assert!(back.is_ok(), "{:?}", back.err());
        if let Ok(back) = back {
            prop_assert_eq!(back.title.get(crate::Lang::Zh), title.as_str());
        }
    }
}
