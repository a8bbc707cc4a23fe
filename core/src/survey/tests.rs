use super::*;
use crate::lang::Lang;

/// A small but complete definition: every question type, shared lists, branching.
pub const MINI: &str = r#"
slug = "mini"
version = 1
languages = ["zh", "en"]
title = { zh = "小调查", en = "Mini survey" }

[choice_lists]
yes_no = [
  { code = "yes", zh = "是", en = "Yes" },
  { code = "no", zh = "否", en = "No" },
]

[scales.agree5]
min = 1
max = 5
min_label = { zh = "非常不同意", en = "Strongly disagree" }
max_label = { zh = "非常同意", en = "Strongly agree" }

[[sections]]
id = "screening"
title = { zh = "筛选", en = "Screening" }

[[sections.questions]]
id = "role"
type = "single_choice"
label = { zh = "您的身份", en = "Your role" }
disclosure = "quasi_identifier"
required = true
choices = [
  { code = "clinician", zh = "临床医生", en = "Clinician" },
  { code = "industry", zh = "企业代表", en = "Industry" },
  { code = "none", zh = "以上都不是", en = "None of these", ends = "screened_out" },
]

[[sections]]
id = "engagement"
title = { zh = "参与", en = "Engagement" }
relevant = 'role == "clinician"'

[[sections.questions]]
id = "rd_interest"
type = "likert"
label = { zh = "兴趣", en = "Interest" }
disclosure = "attribute"
required = true
scale = "agree5"

[[sections.questions]]
id = "rd_participation"
type = "multiple_choice"
label = { zh = "参与", en = "Participation" }
disclosure = "attribute"
required = true
max = 2
choices = [
  { code = "none", zh = "无", en = "None", exclusive = true },
  { code = "annotation", zh = "标注", en = "Annotation" },
  { code = "other", zh = "其他", en = "Other", other = true },
]

[[sections.questions]]
id = "rd_blockers"
type = "ranking"
label = { zh = "障碍", en = "Blockers" }
disclosure = "attribute"
relevant = 'rd_interest >= 4 and "none" in rd_participation'
top = 1
choices = "yes_no"

[[sections.questions]]
id = "partners"
type = "matrix"
label = { zh = "合作", en = "Partners" }
disclosure = "attribute"
rows = [
  { code = "hospitals", zh = "医院", en = "Hospitals" },
  { code = "companies", zh = "企业", en = "Companies" },
]
choices = "yes_no"

[[sections.questions]]
id = "hours"
type = "integer"
label = { zh = "小时", en = "Hours" }
disclosure = "attribute"
min = 0
max = 200
unit = { zh = "小时", en = "hours" }
relevant = 'partners.companies == "yes"'
constraints = [
  { rule = "hours <= 160 or rd_interest == 5", message = { zh = "太多了", en = "Too many" } },
]

[[sections.questions]]
id = "comments"
type = "long_text"
label = { zh = "意见", en = "Comments" }
disclosure = "free_text"
"#;

fn errors_of(source: &str) -> Vec<String> {
    Survey::from_toml(source)
        .expect_err("the definition should be refused")
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_complete_definition_loads_into_the_model() {
    let survey = Survey::from_toml(MINI).expect("loads");
    assert_eq!(survey.slug.as_str(), "mini");
    assert_eq!(survey.languages, [Lang::Zh, Lang::En]);
    assert_eq!(survey.sections.len(), 2);
    assert_eq!(survey.questions().count(), 7);
    let blockers = survey.question("rd_blockers").expect("exists");
    assert!(
        matches!(&blockers.kind, QuestionKind::Ranking { choices, top: 1 } if choices.len() == 2)
    );
    assert_eq!(blockers.label.get(Lang::En), "Blockers");
    let participation = survey.question("rd_participation").expect("exists");
    match &participation.kind {
        QuestionKind::MultipleChoice { choices, max, .. } => {
            assert!(choices[0].exclusive);
            assert!(choices[2].other);
            assert_eq!(*max, Some(2));
        }
        other => panic!("unexpected kind {other:?}"),
    }
    let comments = survey.question("comments").expect("exists");
    assert_eq!(comments.kind, QuestionKind::LongText { max_len: 2_000 });
    assert!(!comments.required);
}

#[test]
fn a_definition_that_is_not_toml_is_refused_with_the_parser_message() {
    let errors = errors_of("slug = ");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("not a valid definition file: "),
        "{errors:?}"
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let broken = MINI
        .replace(r#"en = "Your role""#, r#"fr = "Votre rôle""#)
        .replace(
            r#"relevant = 'rd_interest >= 4 and "none" in rd_participation'"#,
            r#"relevant = 'rd_interest >= 4 and "nothing" in rd_participation'"#,
        )
        .replace(
            "relevant = 'partners.companies == \"yes\"'",
            "relevant = 'comments == \"x\"'",
        )
        .replace(r#"id = "hours""#, r#"id = "rd_interest""#)
        .replace("top = 1", "top = 3");
    let errors = errors_of(&broken);
    assert_eq!(
        errors,
        [
            r#"section screening › question role › label: "fr" is not a language this survey declares"#,
            r#"section screening › question role › label: no "en" text"#,
            r#"section engagement › question rd_blockers › relevant: column 22: "nothing" is not a choice of `rd_participation` in `rd_interest >= 4 and "nothing" in rd_participation`"#,
            "section engagement › question rd_blockers: top (3) must be between 1 and the number of choices (2)",
            "section engagement › question rd_interest: another question has the same ID",
            "section engagement › question rd_interest › relevant: column 1: `comments` comes later in the survey (or is this question itself): a condition may only read earlier questions in `comments == \"x\"`",
            "section engagement › question rd_interest › constraints[0] › rule: column 1: unknown question `hours` in `hours <= 160 or rd_interest == 5`",
        ]
    );
}

#[test]
fn a_matrix_must_be_read_row_by_row() {
    let broken = MINI.replace("'partners.companies == \"yes\"'", "'partners == \"yes\"'");
    assert_eq!(
        errors_of(&broken),
        [
            "section engagement › question hours › relevant: column 1: `partners` is a matrix: name one of its rows, as in `partners.row` in `partners == \"yes\"`"
        ]
    );
}

#[test]
fn unknown_types_keys_that_do_not_apply_and_bad_ids_are_named() {
    let broken = MINI
        .replace(r#"type = "long_text""#, r#"type = "essay""#)
        .replace("max = 2\n", "max = 2\ntop = 1\n")
        .replace(r#"id = "role""#, r#"id = "Role""#);
    let errors = errors_of(&broken);
    assert!(errors.contains(&r#"section screening › question Role: "Role" is not a valid ID: use a lowercase letter, then lowercase letters, digits or `_` (at most 64)"#.to_owned()), "{errors:?}");
    assert!(errors.contains(&"section engagement › question rd_participation: `top` does not apply to a multiple_choice question".to_owned()), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with(
            r#"section engagement › question comments: unknown question type "essay""#
        )),
        "{errors:?}"
    );
}

#[test]
fn a_section_may_not_take_the_name_of_the_review_or_end_page() {
    let broken = MINI.replace(r#"id = "screening""#, r#"id = "review""#);
    let errors = errors_of(&broken);
    assert!(
        errors.contains(
            &"section review: `review` names a page of every survey; choose another section ID"
                .to_owned()
        ),
        "{errors:?}"
    );
}

#[test]
fn duplicate_codes_and_empty_texts_are_refused() {
    let broken = MINI.replace(
        r#"{ code = "industry", zh = "企业代表", en = "Industry" }"#,
        r#"{ code = "clinician", zh = "企业代表", en = " " }"#,
    );
    assert_eq!(
        errors_of(&broken),
        [
            "section screening › question role › choices clinician: this code appears twice",
            r#"section screening › question role › choices clinician: the "en" text is empty"#,
        ]
    );
}

#[test]
fn the_model_round_trips_through_serde_for_the_browser() {
    let survey = Survey::from_toml(MINI).expect("loads");
    let json = serde_json::to_string(&survey).expect("serializes");
    let back: Survey = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, survey);
}

#[test]
fn a_required_question_whose_condition_can_never_hold_is_refused() {
    let broken = MINI.replace(
        "scale = \"agree5\"\n",
        "scale = \"agree5\"\nrelevant = 'role == \"industry\"'\n",
    );
    assert_eq!(
        errors_of(&broken),
        [
            "section engagement › question rd_interest: this required question can never be shown: its condition (with its section's) is never true"
        ]
    );
}

#[test]
fn a_section_whose_condition_can_never_hold_is_refused() {
    let broken = MINI.replace(
        "relevant = 'role == \"clinician\"'",
        "relevant = 'role == \"clinician\" and role == \"industry\"'",
    );
    assert_eq!(
        errors_of(&broken),
        ["section engagement: this section can never be shown: its condition is never true"]
    );
}

#[test]
fn satisfiable_conditions_on_choices_and_scales_pass_the_check() {
    assert!(Survey::from_toml(MINI).is_ok());
    assert!(Survey::from_toml(crate::surveys::AI_COLLAB).is_ok());
}

/// MINI with top-level settings added after its title.
fn mini_with(settings: &str) -> String {
    mini_with_in(MINI, settings)
}

/// `source` (a variant of MINI) with settings added after its title.
fn mini_with_in(source: &str, settings: &str) -> String {
    source.replacen(
        "title = { zh = \"小调查\", en = \"Mini survey\" }\n",
        &format!("title = {{ zh = \"小调查\", en = \"Mini survey\" }}\n{settings}\n"),
        1,
    )
}

#[test]
fn breakdowns_and_the_time_zone_are_read_and_default_to_none_and_utc() {
    let plain = Survey::from_toml(MINI).expect("loads");
    assert!(plain.breakdowns.is_empty());
    assert_eq!(plain.time_zone.as_str(), "UTC");
    let set = Survey::from_toml(&mini_with(
        "breakdowns = [\"role\"]\ntime_zone = \"Asia/Shanghai\"",
    ))
    .expect("loads");
    assert_eq!(set.breakdowns, [QuestionId::parse("role").expect("id")]);
    assert_eq!(set.time_zone.as_str(), "Asia/Shanghai");
}

#[test]
fn a_breakdown_must_be_a_single_choice_question_named_once() {
    let errors = errors_of(&mini_with(
        "breakdowns = [\"role\", \"nope\", \"rd_participation\", \"role\"]\ntime_zone = \"Asia/Shang hai\"",
    ));
    assert_eq!(
        errors,
        [
            r#"time_zone: "Asia/Shang hai" is not a time-zone name: write one such as "Asia/Shanghai" or "UTC""#,
            "breakdowns: unknown question `nope`",
            "breakdowns: `rd_participation` is not a single-choice question: only those can break responses down",
            "breakdowns: `role` is listed twice",
        ]
    );
}

#[test]
fn the_strata_name_two_breakdowns_whatever_their_ids() {
    let plain = Survey::from_toml(MINI).expect("loads");
    assert_eq!(plain.strata, Strata::default());
    let renamed = MINI
        .replace("\"role\"", "\"group\"")
        .replace("role ==", "group ==");
    let set = Survey::from_toml(&mini_with_in(
        &renamed,
        "breakdowns = [\"group\"]\nstrata = { role = \"group\" }",
    ))
    .expect("loads");
    assert_eq!(
        set.strata.role,
        Some(QuestionId::parse("group").expect("id"))
    );
    assert_eq!(set.strata.province, None);
    assert!(set.strata.contains("group"));
    assert!(!set.strata.contains("role"));
    let codes: Vec<&str> = set
        .stratum_choices(Stratum::Role)
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(codes, ["clinician", "industry", "none"]);
    assert!(set.stratum_choices(Stratum::Province).is_empty());
    assert!(plain.stratum_choices(Stratum::Role).is_empty());
}

#[test]
fn a_stratum_must_be_a_breakdown_and_the_two_must_differ() {
    assert_eq!(
        errors_of(&mini_with(
            "strata = { role = \"role\", province = \"nope\" }"
        )),
        [
            "strata: the role question `role` is not among the breakdowns: list it there, since quotas count the breakdowns' answers",
            "strata: the province question `nope` is not among the breakdowns: list it there, since quotas count the breakdowns' answers",
        ]
    );
    assert_eq!(
        errors_of(&mini_with(
            "breakdowns = [\"role\"]\nstrata = { role = \"role\", province = \"role\" }"
        )),
        ["strata: the role and the province must be two different questions"]
    );
    assert!(
        Survey::from_toml(&mini_with(
            "strata = { role = \"role\", region = \"role\" }"
        ))
        .is_err(),
        "an unknown slot is refused"
    );
}

#[test]
fn time_zone_names_are_accepted_by_their_shape_only() {
    for good in [
        "UTC",
        "Asia/Shanghai",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+8",
    ] {
        assert!(TimeZone::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "/UTC",
        "Asia/",
        "Asia//Shanghai",
        "Asia/Shang hai",
        "8/Asia",
        "Asia\\Shanghai",
    ] {
        assert!(TimeZone::parse(bad).is_err(), "{bad}");
    }
}

/// MINI with one metric of each kind its questions allow.
pub const MINI_METRICS: &str = r#"
[[metrics]]
id = "interested"
kind = "share"
title = { zh = "有兴趣", en = "Interested" }
when = "rd_interest >= 4"

[[metrics]]
id = "interest_gap"
kind = "gap"
title = { zh = "兴趣与参与", en = "Interest and taking part" }
first = { when = "rd_interest >= 4", label = { zh = "有兴趣", en = "Interested" } }
second = { when = '"annotation" in rd_participation', label = { zh = "标注", en = "Annotating" } }

[[metrics]]
id = "interest_mean"
kind = "mean"
title = { zh = "平均兴趣", en = "Mean interest" }
question = "rd_interest"

[[metrics]]
id = "blockers"
kind = "ranking"
title = { zh = "障碍", en = "Blockers" }
question = "rd_blockers"

[[metrics]]
id = "participation"
kind = "top_choices"
title = { zh = "参与", en = "Taking part" }
question = "rd_participation"

[[metrics]]
id = "partners"
kind = "network"
title = { zh = "合作", en = "Who works with whom" }
question = "partners"
ties = ["yes"]
by = "role"
types = { clinician = "hospitals", industry = "companies" }
"#;

#[test]
fn metrics_of_every_kind_load_with_the_questions_they_read() {
    let survey = Survey::from_toml(&format!("{MINI}{MINI_METRICS}")).expect("loads");
    let kinds: Vec<(&str, &str)> = survey
        .metrics
        .iter()
        .map(|m| (m.id.as_str(), m.kind.name()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("interested", "share"),
            ("interest_gap", "gap"),
            ("interest_mean", "mean"),
            ("blockers", "ranking"),
            ("participation", "top_choices"),
            ("partners", "network"),
        ]
    );
    let MetricKind::Network { ties, types, .. } = &survey.metrics[5].kind else {
        panic!("a network");
    };
    assert_eq!(ties[0].as_str(), "yes");
    assert_eq!(types.len(), 2);
    assert_eq!(survey.suppress_below, 5);
    assert!(Survey::from_toml(MINI).expect("loads").metrics.is_empty());
}

#[test]
fn every_problem_of_a_metric_is_reported_with_its_place() {
    let broken = r#"
suppress_below = 0

[[metrics]]
id = "a"
kind = "pie"
title = { zh = "甲", en = "A" }

[[metrics]]
id = "b"
kind = "share"
title = { zh = "乙", en = "B" }
when = "role >= 4"
question = "role"

[[metrics]]
id = "c"
kind = "mean"
title = { zh = "丙", en = "C" }
question = "role"

[[metrics]]
id = "c"
kind = "ranking"
title = { zh = "丁" }
question = "nope"

[[metrics]]
id = "e"
kind = "network"
title = { zh = "戊", en = "E" }
question = "partners"
ties = ["maybe"]
by = "role"
types = { nurse = "hospitals", clinician = "clinics" }

[[metrics]]
id = "f"
kind = "gap"
title = { zh = "己", en = "F" }
first = { when = "rd_interest >= 4", label = { zh = "有", en = "Yes" } }
"#;
    assert_eq!(
        errors_of(&mini_with(broken)),
        [
            "suppress_below: must be 1 or more (5 is usual)",
            "metric a › kind: unknown kind `pie`: write share, gap, mean, ranking, matrix, top_choices or network",
            "metric b › question: does not apply to a share metric",
            "metric c › question: `role` is not a rating, a number or a rated matrix: a mean needs numbers",
            "metric c: another metric has the same ID",
            "metric c › title: no \"en\" text",
            "metric c › question: unknown question `nope`",
            "metric e › ties: `maybe` is not a choice of `partners`",
            "metric e › types: `clinics` is not a row of `partners`",
            "metric e › types: `nurse` is not a choice of `role`",
            "metric f: a gap metric needs `second`",
        ]
    );
}

#[test]
fn a_metric_condition_is_type_checked_like_any_other() {
    let bad = mini_with(
        "[[metrics]]\nid = \"x\"\nkind = \"share\"\ntitle = { zh = \"x\", en = \"x\" }\nwhen = \"role >= 4\"",
    );
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("metric x › when: "), "{errors:?}");
}

/// MINI with `hours` a quasi-identifier and the multiple choice too, and `extra` appended.
fn mini_quasi(extra: &str) -> String {
    let source = MINI
        .replace(
            "id = \"hours\"\ntype = \"integer\"\nlabel = { zh = \"小时\", en = \"Hours\" }\ndisclosure = \"attribute\"",
            "id = \"hours\"\ntype = \"integer\"\nlabel = { zh = \"小时\", en = \"Hours\" }\ndisclosure = \"quasi_identifier\"",
        )
        .replace(
            "label = { zh = \"参与\", en = \"Participation\" }\ndisclosure = \"attribute\"",
            "label = { zh = \"参与\", en = \"Participation\" }\ndisclosure = \"quasi_identifier\"",
        );
    format!("{source}\n{extra}")
}

#[test]
fn hierarchies_and_sensitive_attributes_load_with_their_levels() {
    use crate::survey::hierarchy::Rule;
    let source = mini_with_in(
        &mini_quasi(
            r#"
[[hierarchies]]
question = "role"
[[hierarchies.levels]]
name = { zh = "是否临床", en = "clinical or not" }
groups = [
  { code = "clinical", zh = "临床", en = "Clinical", members = ["clinician"] },
  { code = "other", zh = "其他", en = "Other", members = ["industry", "none"] },
]

[[hierarchies]]
question = "hours"
levels = [
  { name = { zh = "10小时", en = "10 hours" }, width = 10 },
  { name = { zh = "50小时", en = "50 hours" }, width = 50 },
]

[[hierarchies]]
question = "rd_participation"
levels = [{ name = { zh = "项数", en = "how many" }, count = true }]
"#,
        ),
        "sensitive = [\"rd_interest\"]",
    );
    let survey = Survey::from_toml(&source).expect("loads");
    assert_eq!(
        survey.sensitive,
        vec![QuestionId::parse("rd_interest").expect("id")]
    );
    let rules: Vec<Vec<Rule>> = survey
        .hierarchies
        .iter()
        .map(|h| h.levels.iter().map(|l| l.rule.clone()).collect())
        .collect();
    assert_eq!(rules[1], vec![Rule::Width(10), Rule::Width(50)]);
    assert_eq!(rules[2], vec![Rule::Count]);
    let Rule::Groups(groups) = &rules[0][0] else {
        panic!("groups")
    };
    assert_eq!(groups[1].members.len(), 2);
    assert_eq!(groups[1].label.get(Lang::En), "Other");
}

#[test]
fn a_hierarchy_that_is_not_a_coarsening_is_refused_with_every_problem() {
    let source = mini_with_in(
        &mini_quasi(
            r#"
[[hierarchies]]
question = "role"
[[hierarchies.levels]]
name = { zh = "甲", en = "A" }
groups = [
  { code = "clinical", zh = "临床", en = "Clinical", members = ["clinician", "nurse"] },
  { code = "other", zh = "其他", en = "Other", members = ["clinician"] },
]

[[hierarchies]]
question = "hours"
levels = [
  { name = { zh = "10小时", en = "10 hours" }, width = 10 },
  { name = { zh = "15小时", en = "15 hours" }, width = 15 },
]

[[hierarchies]]
question = "rd_interest"
levels = []

[[hierarchies]]
question = "nowhere"
levels = []

[[hierarchies]]
question = "rd_participation"
levels = [
  { name = { zh = "项数", en = "how many" }, count = true },
  { name = { zh = "再合并", en = "merged" }, groups = [] },
]

[[hierarchies]]
question = "hours"
levels = [{ name = { zh = "乙", en = "B" }, width = 5, count = true }]
"#,
        ),
        "sensitive = [\"role\", \"comments\", \"missing\", \"rd_participation\"]",
    );
    assert_eq!(
        errors_of(&source),
        vec![
            "hierarchy role › level 1 › group clinical: `nurse` is not a value of the level below",
            "hierarchy role › level 1 › group other: `clinician` is already in group `clinical`: a value goes to exactly one group",
            "hierarchy role › level 1: `industry`, `none` in no group: every value of the level below goes to exactly one",
            "hierarchy hours › level 2 › width: must be a multiple of 10 above it, so each band of the level below falls in one band",
            "hierarchy rd_interest: only a quasi-identifier (disclosure = \"quasi_identifier\") is generalized",
            "hierarchy rd_interest: only a single choice, a multiple choice or an integer question has a hierarchy",
            "hierarchy nowhere: unknown question `nowhere`",
            "hierarchy rd_participation › level 2: groups merge the codes of the level below: choices, or groups",
            "hierarchy hours: another hierarchy is for the same question",
            "hierarchy hours › level 1: give a level exactly one of `groups`, `width` or `count = true`",
            "sensitive: `role` is not a plain attribute (disclosure = \"attribute\")",
            "sensitive: `comments` is not a plain attribute (disclosure = \"attribute\")",
            "sensitive: unknown question `missing`",
            "sensitive: `rd_participation` is not a plain attribute (disclosure = \"attribute\")",
        ]
    );
}
