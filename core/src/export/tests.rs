use super::*;
use crate::answers::{RawAnswers, validate};
use crate::survey::tests::MINI;
use crate::surveys::AI_COLLAB;

/// The question kinds MINI leaves out: a scale matrix, decimal, year, date, short text,
/// e-mail, note.
const OTHER_KINDS: &str = r#"
slug = "kinds"
version = 1
languages = ["zh", "en"]
title = { zh = "题型", en = "Kinds" }

[scales.agree5]
min = 1
max = 5
min_label = { zh = "非常不同意", en = "Strongly disagree" }
max_label = { zh = "非常同意", en = "Strongly agree" }

[[sections]]
id = "all"
title = { zh = "全部", en = "All" }

[[sections.questions]]
id = "intro"
type = "note"
label = { zh = "说明", en = "About" }
disclosure = "attribute"

[[sections.questions]]
id = "barriers"
type = "matrix"
label = { zh = "障碍", en = "Barriers" }
disclosure = "attribute"
scale = "agree5"
rows = [
  { code = "privacy", zh = "隐私", en = "Privacy" },
  { code = "law", zh = "法律", en = "Law" },
]

[[sections.questions]]
id = "share"
type = "decimal"
label = { zh = "比例", en = "Share" }
disclosure = "attribute"

[[sections.questions]]
id = "since"
type = "year"
label = { zh = "年份", en = "Since" }
disclosure = "attribute"

[[sections.questions]]
id = "started"
type = "date"
label = { zh = "日期", en = "Started" }
disclosure = "attribute"

[[sections.questions]]
id = "unit_name"
type = "short_text"
label = { zh = "科室", en = "Unit" }
disclosure = "attribute"

[[sections.questions]]
id = "contact"
type = "email"
label = { zh = "邮箱", en = "E-mail" }
disclosure = "direct_identifier"
"#;

const FREE_TEXT: Include = Include {
    free_text: true,
    dates: Dates::Day,
    identifiable: false,
};

fn survey(source: &str) -> Survey {
    Survey::from_toml(source).expect("loads")
}

/// The names of the question columns (after the columns about the response).
fn names(variables: &[Variable]) -> Vec<&str> {
    variables
        .iter()
        .filter(|v| v.question.is_some())
        .map(|v| v.name.as_str())
        .collect()
}

/// A response's particulars with this status, as the exporter reads them.
fn meta(status: ResponseStatus) -> ResponseMeta {
    let completed = status == ResponseStatus::Completed;
    ResponseMeta {
        public_id: None,
        key: 7,
        status,
        lang: Lang::En,
        started: "2026-12-01".into(),
        completed: completed.then(|| "2026-12-02".into()),
        minutes: completed.then_some(14),
        same_browser: false,
        speeder: false,
    }
}

fn raw(pairs: &[(&str, &[&str])]) -> RawAnswers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

/// The outcomes the validator gives these posted answers.
fn outcomes(survey: &Survey, pairs: &[(&str, &[&str])]) -> BTreeMap<String, Outcome> {
    validate(survey, &raw(pairs))
        .outcomes
        .into_iter()
        .map(|(id, outcome)| (id.to_string(), outcome))
        .collect()
}

/// The row written as codes, by variable name.
fn written(
    variables: &[Variable],
    outcomes: &BTreeMap<String, Outcome>,
    status: ResponseStatus,
    values: Values,
) -> BTreeMap<String, String> {
    variables
        .iter()
        .zip(row(variables, outcomes, &meta(status)))
        .filter(|(v, _)| v.question.is_some())
        .map(|(v, value)| (v.name.clone(), value.written(v, values)))
        .collect()
}

const CLINICIAN: &[(&str, &[&str])] = &[
    ("role", &["clinician"]),
    ("rd_interest", &["5"]),
    ("rd_participation", &["annotation", "other"]),
    ("rd_participation.other", &["labelling CT"]),
    ("partners.hospitals", &["yes"]),
    ("partners.companies", &["no"]),
];

#[test]
fn each_question_kind_gets_its_columns_named_after_the_question() {
    let mini = variables(&survey(MINI), FREE_TEXT);
    assert_eq!(
        names(&mini),
        [
            "role",
            "rd_interest",
            "rd_participation__none",
            "rd_participation__annotation",
            "rd_participation__other",
            "rd_participation__other_text",
            "rd_blockers__yes",
            "rd_blockers__no",
            "partners__hospitals",
            "partners__companies",
            "hours",
            "comments",
        ]
    );
    let kinds = variables(&survey(OTHER_KINDS), FREE_TEXT);
    assert_eq!(
        names(&kinds),
        [
            "barriers__privacy",
            "barriers__law",
            "share",
            "since",
            "started",
            "unit_name"
        ],
        "no column for a note or an e-mail address"
    );
    let measures: Vec<Measure> = kinds
        .iter()
        .filter(|v| v.question.is_some())
        .map(|v| v.measure)
        .collect();
    assert_eq!(
        measures,
        [
            Measure::Ordinal,
            Measure::Ordinal,
            Measure::Scale,
            Measure::Scale,
            Measure::Date,
            Measure::Text
        ]
    );
}

#[test]
fn free_text_is_left_out_unless_the_export_includes_it() {
    let mini = variables(&survey(MINI), Include::default());
    assert!(!names(&mini).contains(&"comments"));
    assert!(!names(&mini).contains(&"rd_participation__other_text"));
    assert!(
        names(&mini).contains(&"rd_participation__other"),
        "the choice stays"
    );
    let kinds = variables(&survey(OTHER_KINDS), Include::default());
    assert!(
        !names(&kinds).contains(&"unit_name"),
        "short text is free text"
    );
}

#[test]
fn a_direct_identifier_is_never_a_column_even_with_free_text() {
    let national = survey(AI_COLLAB);
    let all = variables(&national, FREE_TEXT);
    assert!(
        all.iter()
            .all(|v| v.disclosure != Disclosure::DirectIdentifier)
    );
    assert!(!names(&all).iter().any(|n| n.starts_with("contact_email")));
}

#[test]
fn the_national_surveys_column_names_are_unique() {
    let all = variables(&survey(AI_COLLAB), FREE_TEXT);
    let mut seen = std::collections::BTreeSet::new();
    for name in names(&all) {
        assert!(seen.insert(name), "{name} twice");
    }
}

#[test]
fn choices_are_numbered_from_one_with_their_codes_and_labels() {
    let mini = variables(&survey(MINI), Include::default());
    let role = mini.iter().find(|v| v.name == "role").expect("role");
    let values: Vec<(i64, Option<&str>, &str)> = role
        .values
        .iter()
        .map(|v| {
            (
                v.value,
                v.code.as_ref().map(Code::as_str),
                v.label.get(Lang::En),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            (1, Some("clinician"), "Clinician"),
            (2, Some("industry"), "Industry"),
            (3, Some("none"), "None of these"),
        ]
    );
    assert_eq!(
        mini.iter()
            .find(|v| v.name == "rd_participation__none")
            .map(|v| v.label.get(Lang::En)),
        Some("Participation: None"),
        "a choice's column names the question and the choice"
    );
}

#[test]
fn a_completed_response_is_written_as_numbers() {
    let mini = survey(MINI);
    let vars = variables(&mini, FREE_TEXT);
    let row = written(
        &vars,
        &outcomes(&mini, CLINICIAN),
        ResponseStatus::Completed,
        Values::Codes,
    );
    let expected: BTreeMap<String, String> = [
        ("role", "1"),
        ("rd_interest", "5"),
        ("rd_participation__none", "0"),
        ("rd_participation__annotation", "1"),
        ("rd_participation__other", "1"),
        ("rd_participation__other_text", "labelling CT"),
        ("rd_blockers__yes", "-1"),
        ("rd_blockers__no", "-1"),
        ("partners__hospitals", "1"),
        ("partners__companies", "2"),
        ("hours", "-1"),
        ("comments", "-2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(row, expected);
}

#[test]
fn labels_are_written_in_the_chosen_language_and_missing_values_as_words() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    let answers = outcomes(&mini, CLINICIAN);
    let zh = written(
        &vars,
        &answers,
        ResponseStatus::Completed,
        Values::Labels(Lang::Zh),
    );
    assert_eq!(zh["role"], "临床医生");
    assert_eq!(zh["rd_interest"], "5 非常同意");
    assert_eq!(zh["rd_participation__annotation"], "已选");
    assert_eq!(zh["partners__companies"], "否");
    assert_eq!(zh["hours"], "[未问（按分支跳过）]");
    let en = written(
        &vars,
        &answers,
        ResponseStatus::Completed,
        Values::Labels(Lang::En),
    );
    assert_eq!(en["rd_participation__none"], "not chosen");
    assert_eq!(en["hours"], "[not asked (skipped by branching)]");
}

#[test]
fn a_rank_column_holds_the_items_rank_and_zero_outside_the_top() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    let answers = outcomes(
        &mini,
        &[
            ("role", &["clinician"]),
            ("rd_interest", &["4"]),
            ("rd_participation", &["none"]),
            ("rd_blockers.1", &["no"]),
            ("partners.hospitals", &["no"]),
            ("partners.companies", &["yes"]),
            ("hours", &["12"]),
        ],
    );
    let row = written(&vars, &answers, ResponseStatus::Completed, Values::Codes);
    assert_eq!(row["rd_blockers__no"], "1");
    assert_eq!(row["rd_blockers__yes"], "0");
    assert_eq!(row["hours"], "12");
    assert_eq!(
        vars.iter()
            .find(|v| v.name == "rd_blockers__yes")
            .and_then(|v| v.value_label(0, Lang::En)),
        Some("not in the top 1")
    );
}

#[test]
fn a_screened_out_response_is_missing_as_ended_after_its_last_answer() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    // The validator marks every question after the end as not asked, as stored.
    let answers = outcomes(&mini, &[("role", &["none"])]);
    assert_eq!(answers.get("rd_interest"), Some(&Outcome::NotAsked));
    let row = written(&vars, &answers, ResponseStatus::ScreenedOut, Values::Codes);
    assert_eq!(row["role"], "3");
    assert_eq!(row["rd_interest"], "-3");
    assert_eq!(row["partners__hospitals"], "-3");
    let mut only_role = answers.clone();
    only_role.retain(|id, _| id == "role");
    assert_eq!(
        written(
            &vars,
            &only_role,
            ResponseStatus::ScreenedOut,
            Values::Codes
        ),
        row,
        "absent or marked not asked, the same"
    );
}

#[test]
fn a_question_skipped_by_branching_before_the_end_stays_not_asked() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    let mut answers = outcomes(&mini, CLINICIAN);
    // Still in progress: the page with `hours` and `comments` not reached yet.
    answers.remove("hours");
    answers.remove("comments");
    let row = written(&vars, &answers, ResponseStatus::InProgress, Values::Codes);
    assert_eq!(row["rd_blockers__yes"], "-1", "skipped by branching");
    assert_eq!(row["partners__companies"], "2");
    assert_eq!(row["hours"], "-4");
}

#[test]
fn a_response_in_progress_is_missing_as_not_reached_where_it_has_not_been() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    let mut answers = outcomes(&mini, CLINICIAN);
    answers.retain(|id, _| id == "role");
    let row = written(&vars, &answers, ResponseStatus::InProgress, Values::Codes);
    assert_eq!(row["role"], "1");
    assert_eq!(row["rd_interest"], "-4");
}

#[test]
fn every_missing_code_is_negative_and_distinct_with_labels_in_both_languages() {
    let codes: std::collections::BTreeSet<i64> = Missing::ALL.iter().map(|m| m.code()).collect();
    assert_eq!(codes.len(), Missing::ALL.len());
    assert!(codes.iter().all(|c| *c < 0));
    for missing in Missing::ALL {
        for lang in Lang::ALL {
            assert!(!missing.label(lang).is_empty());
        }
    }
}

#[test]
fn numbers_dates_and_scale_rows_are_written_as_they_were_answered() {
    let kinds = survey(OTHER_KINDS);
    let vars = variables(&kinds, FREE_TEXT);
    let answers = outcomes(
        &kinds,
        &[
            ("barriers.privacy", &["5"]),
            ("barriers.law", &["2"]),
            ("share", &["0.25"]),
            ("since", &["2019"]),
            ("started", &["2024-03-01"]),
            ("unit_name", &["放射科, \"A\""]),
            ("contact", &["a@example.org"]),
        ],
    );
    let row = written(&vars, &answers, ResponseStatus::Completed, Values::Codes);
    assert_eq!(row["barriers__privacy"], "5");
    assert_eq!(row["barriers__law"], "2");
    assert_eq!(row["share"], "0.25");
    assert_eq!(row["since"], "2019");
    assert_eq!(row["started"], "2024-03-01");
    assert_eq!(row["unit_name"], "放射科, \"A\"");
    assert!(!row.contains_key("contact"));
}

#[test]
fn who_was_asked_names_the_page_and_the_question_conditions() {
    let vars = variables(&survey(MINI), Include::default());
    let blockers = vars
        .iter()
        .find(|v| v.name == "rd_blockers__yes")
        .expect("column");
    assert_eq!(
        blockers.asked_when,
        [
            r#"role == "clinician""#,
            r#"rd_interest >= 4 and "none" in rd_participation"#
        ]
    );
}

#[test]
fn stata_names_fit_32_characters_and_stay_unique() {
    let mut long = variables(&survey(MINI), Include::default());
    long.truncate(2);
    long[0].name = format!("{}_a", "x".repeat(40));
    long[1].name = format!("{}_b", "x".repeat(40));
    let names = syntax::stata_names(&long);
    assert_eq!(
        names,
        [
            format!("{}_1", "x".repeat(30)),
            format!("{}_2", "x".repeat(30))
        ]
    );
    let national = variables(&survey(AI_COLLAB), FREE_TEXT);
    let names = syntax::stata_names(&national);
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert!(names.iter().all(|n| n.len() <= 32));
}

#[test]
fn the_spss_syntax_reads_every_variable_and_declares_labels_and_missing_values() {
    let vars = variables(&survey(MINI), FREE_TEXT);
    let sps = syntax::spss(&vars, Lang::En, syntax::DATA_FILE);
    assert!(sps.contains("    role F16.0\n"));
    assert!(sps.contains("    comments A32767\n"));
    assert!(sps.contains("  role \"Your role\"\n"));
    assert!(sps.contains(
        "  /role 1 \"Clinician\" 2 \"Industry\" 3 \"None of these\" -1 \"not asked (skipped by branching)\""
    ));
    assert!(sps.contains("MISSING VALUES response response_status response_lang minutes same_browser speeder role rd_interest"));
    assert!(sps.contains("MISSING VALUES completed ('-3' '-4').\n"));
    assert!(sps.contains("(-4 THRU -1).\n"));
    assert!(
        sps.contains("MISSING VALUES rd_participation__other_text comments ('-1' '-2' '-3').\n")
    );
    assert!(!sps.contains("FORMATS"), "no decimal question in MINI");
    let kinds = variables(&survey(OTHER_KINDS), Include::default());
    assert!(syntax::spss(&kinds, Lang::En, syntax::DATA_FILE).contains("FORMATS share (F16.4).\n"));
}

#[test]
fn labels_with_quotes_and_line_breaks_are_quoted_for_each_language() {
    let mut vars = variables(&survey(MINI), Include::default());
    vars.retain(|v| v.name == "role");
    vars[0].label = Text::same("Say \"yes\"\nor `no`\\");
    assert!(
        syntax::spss(&vars, Lang::En, syntax::DATA_FILE)
            .contains("  role \"Say \"\"yes\"\" or `no`\\\"\n")
    );
    assert!(
        syntax::r(&vars, Lang::En, syntax::DATA_FILE).contains("\"Say \\\"yes\\\" or `no`\\\\\"")
    );
    assert!(
        syntax::stata(&vars, Lang::En, syntax::DATA_FILE)
            .contains("label variable role `\"Say \"yes\" or 'no'\\\"'\n")
    );
}

#[test]
fn a_long_label_is_cut_at_a_character_boundary_within_spss_limits() {
    let mut vars = variables(&survey(MINI), Include::default());
    vars.retain(|v| v.name == "role");
    vars[0].label = Text::same(&"影".repeat(200));
    let sps = syntax::spss(&vars, Lang::Zh, syntax::DATA_FILE);
    let line = sps
        .lines()
        .find(|l| l.starts_with("  role \""))
        .expect("the label line");
    let label = line.trim_start_matches("  role \"").trim_end_matches('"');
    assert_eq!(
        label,
        "影".repeat(85),
        "255 bytes hold 85 characters of three bytes"
    );
}

fn summary_of(values: &[Value]) -> summary::Summary {
    let mut s = summary::Summary::default();
    for v in values {
        s.add(v);
    }
    s
}

#[test]
fn a_summary_counts_each_value_and_each_missing_code_apart() {
    let s = summary_of(&[
        Value::Number(1),
        Value::Number(3),
        Value::Number(1),
        Value::Missing(Missing::NotAsked),
        Value::Missing(Missing::NoAnswer),
        Value::Missing(Missing::NotAsked),
    ]);
    assert_eq!((s.count(1), s.count(3), s.count(2)), (2, 1, 0));
    assert_eq!(s.missing(Missing::NotAsked), 2);
    assert_eq!(s.missing(Missing::NoAnswer), 1);
    assert_eq!(s.missing(Missing::Ended), 0);
    assert_eq!((s.valid(), s.total()), (3, 6));
}

#[test]
fn the_median_is_the_middle_number_or_the_mean_of_the_two_middle_ones() {
    let odd = summary_of(&[Value::Number(7), Value::Number(1), Value::Number(3)]);
    assert_eq!(odd.median(), Some(3.0));
    let even = summary_of(&[
        Value::Number(1),
        Value::Number(2),
        Value::Decimal(2.5),
        Value::Number(10),
    ]);
    assert_eq!(even.median(), Some(2.25));
    assert_eq!((even.min(), even.max()), (Some(1.0), Some(10.0)));
    let repeated = summary_of(&[Value::Number(4), Value::Number(4), Value::Number(9)]);
    assert_eq!(repeated.median(), Some(4.0));
    let single = summary_of(&[Value::Number(5), Value::Missing(Missing::NoAnswer)]);
    assert_eq!(single.median(), Some(5.0));
}

#[test]
fn a_summary_of_no_numbers_has_no_median_min_or_max() {
    let s = summary_of(&[Value::Missing(Missing::Ended), Value::Text("x".into())]);
    assert_eq!((s.median(), s.min(), s.max()), (None, None, None));
    assert_eq!(s.valid(), 1);
}

fn words(survey: &Survey, source: &str, lang: Lang) -> String {
    let condition = survey
        .questions()
        .flat_map(|(s, q)| s.relevant.iter().chain(q.relevant.iter()))
        .find(|c| c.source == source)
        .expect("a condition of the survey");
    wording::worded(&condition.expr, survey, lang)
}

#[test]
fn a_condition_is_worded_with_question_texts_and_choice_labels() {
    let mini = survey(MINI);
    assert_eq!(
        words(&mini, r#"role == "clinician""#, Lang::Zh),
        "“您的身份” 为 “临床医生”"
    );
    assert_eq!(
        words(&mini, r#"role == "clinician""#, Lang::En),
        "“Your role” is “Clinician”"
    );
    assert_eq!(
        words(
            &mini,
            r#"rd_interest >= 4 and "none" in rd_participation"#,
            Lang::En
        ),
        "“Interest” ≥ 4 and “Participation” includes “None”"
    );
    assert_eq!(
        words(&mini, r#"partners.companies == "yes""#, Lang::Zh),
        "“合作: 企业” 为 “是”"
    );
}

#[test]
fn the_codebook_explains_every_variable_with_its_counts_in_both_languages() {
    let mini = survey(MINI);
    let vars = variables(&mini, Include::default());
    let mut summaries = vec![summary::Summary::default(); vars.len()];
    let mut hours_12 = CLINICIAN.to_vec();
    hours_12[5] = ("partners.companies", &["yes"]);
    hours_12.push(("hours", &["12"]));
    let rows = [
        (outcomes(&mini, CLINICIAN), ResponseStatus::Completed),
        (outcomes(&mini, &hours_12), ResponseStatus::Completed),
        (
            outcomes(&mini, &[("role", &["none"])]),
            ResponseStatus::ScreenedOut,
        ),
    ];
    for (answers, status) in &rows {
        for (s, value) in summaries
            .iter_mut()
            .zip(row(&vars, answers, &meta(*status)))
        {
            s.add(&value);
        }
    }
    let about = codebook::About {
        versions: vec![1],
        rows: 3,
        exported_at: "2026-12-06 20:00 UTC".into(),
        settings: vec![(
            Text::from_fn(|l| {
                if l == Lang::Zh {
                    "值".into()
                } else {
                    "Values".into()
                }
            }),
            Text::same("codes <&>"),
        )],
        steps: vec![Text::same("IDs re-keyed")],
    };
    let html = codebook::html(&mini, &vars, &summaries, &about);
    for v in &vars {
        assert!(
            html.contains(&format!("<section id=\"{}\">", v.name)),
            "{}",
            v.name
        );
    }
    // role: two clinicians, one screened out; of three rows.
    assert!(html.contains(
        "<tr><td class=\"n\">1</td><td>clinician</td><td><span lang=\"zh\">临床医生</span><br><span lang=\"en\">Clinician</span></td><td class=\"n\">2</td><td class=\"n\">66.7%</td></tr>"
    ));
    // hours: asked of one, who said 12; not asked of the other clinician; ended for one.
    assert!(html.contains("<dd>12 / 12 / 12</dd>"));
    assert!(html.contains("“Partners: Companies” is “Yes”"));
    assert!(html.contains("<code>partners.companies == &quot;yes&quot;</code>"));
    assert!(html.contains(
        "<tr><td class=\"n\">-3</td><td></td><td><span lang=\"zh\">此前已结束（拒绝、筛除或配额已满）</span><br><span lang=\"en\">ended before (refused, screened out or quota full)</span></td><td class=\"n\">1</td><td class=\"n\">33.3%</td></tr>"
    ));
    assert!(html.contains("codes &lt;&amp;&gt;"), "settings are escaped");
    assert!(html.contains("<li>IDs re-keyed</li>"));
}

/// The values of the columns about the response, by name.
fn meta_row(status: ResponseStatus, particulars: &ResponseMeta) -> BTreeMap<String, String> {
    let vars = variables(&survey(MINI), Include::default());
    let mut particulars = particulars.clone();
    particulars.status = status;
    vars.iter()
        .zip(row(&vars, &BTreeMap::new(), &particulars))
        .filter(|(v, _)| v.question.is_none())
        .map(|(v, value)| (v.name.clone(), value.written(v, Values::Codes)))
        .collect()
}

#[test]
fn the_columns_about_the_response_come_first_and_hold_no_identifier() {
    let vars = variables(&survey(MINI), Include::default());
    let first: Vec<&str> = vars
        .iter()
        .take_while(|v| v.question.is_none())
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(
        first,
        [
            "response",
            "response_status",
            "response_lang",
            "started",
            "completed",
            "minutes",
            "same_browser",
            "speeder"
        ]
    );
    let submitted = ResponseMeta {
        speeder: true,
        same_browser: true,
        ..meta(ResponseStatus::Completed)
    };
    let row = meta_row(ResponseStatus::Completed, &submitted);
    let expected: BTreeMap<String, String> = [
        ("response", "7"),
        ("response_status", "1"),
        ("response_lang", "2"),
        ("started", "2026-12-01"),
        ("completed", "2026-12-02"),
        ("minutes", "14"),
        ("same_browser", "1"),
        ("speeder", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(row, expected);
}

#[test]
fn an_unsubmitted_response_has_no_submission_day_minutes_or_speeder_flag() {
    let in_progress = meta(ResponseStatus::InProgress);
    let row = meta_row(ResponseStatus::InProgress, &in_progress);
    assert_eq!(row["response_status"], "2");
    assert_eq!(
        (
            row["completed"].as_str(),
            row["minutes"].as_str(),
            row["speeder"].as_str()
        ),
        ("-4", "-4", "-4")
    );
    let refused = meta(ResponseStatus::Refused);
    let row = meta_row(ResponseStatus::Refused, &refused);
    assert_eq!(row["response_status"], "3");
    assert_eq!(row["completed"], "-3");
}

#[test]
fn weekly_dates_say_so_in_their_labels() {
    let weekly = variables(
        &survey(MINI),
        Include {
            free_text: false,
            dates: Dates::Week,
            identifiable: false,
        },
    );
    let started = weekly
        .iter()
        .find(|v| v.name == "started")
        .expect("started");
    assert_eq!(
        started.label.get(Lang::En),
        "Began in the week of (its Monday)"
    );
    assert_eq!(started.disclosure, Disclosure::QuasiIdentifier);
}

#[test]
fn the_codebook_marks_the_surveys_sensitive_attributes() {
    let national = survey(AI_COLLAB);
    let vars = variables(&national, Include::default());
    let summaries = vec![summary::Summary::default(); vars.len()];
    let about = codebook::About {
        versions: vec![6],
        rows: 0,
        exported_at: "2026-12-07 04:00 UTC".into(),
        settings: vec![],
        steps: vec![],
    };
    let html = codebook::html(&national, &vars, &summaries, &about);
    let section = |name: &str| {
        let start = html
            .find(&format!("<section id=\"{name}\">"))
            .expect("a section");
        let end = html[start..].find("</section>").expect("its end") + start;
        html[start..end].to_owned()
    };
    assert!(
        section("rd_interest")
            .contains("属性（敏感属性）</span><br><span lang=\"en\">attribute (sensitive)")
    );
    assert!(!section("ai_knowledge").contains("sensitive"));
    let xml = ddi::xml(&national, &vars, &summaries, &about);
    assert!(xml.contains("attribute (sensitive)"));
}
