use super::*;
use crate::anonymize::Evaluation;
use crate::export::{Include, variables};
use crate::surveys::AI_COLLAB;

fn national() -> Survey {
    Survey::from_toml(AI_COLLAB).expect("the national survey")
}

/// A row of `vars`: every value not asked but those given (a column name and its value).
fn row(vars: &[Variable], given: &[(&str, Value)]) -> Vec<Value> {
    vars.iter()
        .map(|v| {
            given
                .iter()
                .find(|(name, _)| *name == v.name)
                .map_or(Value::Missing(Missing::NotAsked), |(_, value)| {
                    value.clone()
                })
        })
        .collect()
}

/// The number of choice `code` of single-choice `question`.
fn choice(survey: &Survey, question: &str, code: &str) -> Value {
    let Some(QuestionKind::SingleChoice { choices, .. }) =
        survey.question(question).map(|q| &q.kind)
    else {
        panic!("{question} is a single choice");
    };
    let at = choices
        .iter()
        .position(|c| c.code.as_str() == code)
        .expect("a choice");
    Value::Number(at as i64 + 1)
}

/// A clinician of `province`, `years` of experience, with subspecialties `chosen`.
fn clinician(
    survey: &Survey,
    vars: &[Variable],
    province: &str,
    years: i64,
    chosen: &[&str],
) -> Vec<Value> {
    let mut given = vec![
        ("role", choice(survey, "role", "clinician")),
        ("province", choice(survey, "province", province)),
        ("years_experience", Value::Number(years)),
    ];
    let subspecialties: Vec<String> = vars
        .iter()
        .filter(|v| v.name.starts_with("subspecialty__"))
        .map(|v| v.name.clone())
        .collect();
    for name in &subspecialties {
        let code = &name["subspecialty__".len()..];
        given.push((
            name.as_str(),
            Value::Number(i64::from(chosen.contains(&code))),
        ));
    }
    row(vars, &given)
}

/// The quasi-identifiers' index by question.
fn at(quasi: &Quasi, question: &str) -> usize {
    quasi
        .qis
        .iter()
        .position(|q| q.question.as_str() == question)
        .expect("a quasi-identifier")
}

#[test]
fn a_generalized_quasi_identifier_becomes_one_labelled_column_and_suppressed_rows_go() {
    let survey = national();
    let vars = variables(&survey, Include::default());
    let mut quasi = Quasi::new(&survey, &vars, &[]);
    let rows = [
        clinician(&survey, &vars, "beijing", 7, &["chest", "neuro"]),
        clinician(&survey, &vars, "hebei", 3, &["chest"]),
        clinician(&survey, &vars, "guangdong", 12, &[]),
        clinician(&survey, &vars, "xizang", 40, &["breast"]),
    ];
    for r in &rows {
        quasi.add(r);
    }
    // By hand: province to regions, years in 5-year bands, subspecialties counted, role
    // to `*` (it declares no level), the rest exact; the last row suppressed.
    let mut levels = vec![0; quasi.qis.len()];
    levels[at(&quasi, "province")] = 1;
    levels[at(&quasi, "years_experience")] = 1;
    levels[at(&quasi, "subspecialty")] = 1;
    levels[at(&quasi, "role")] = 1;
    let solution = Solution {
        best: Evaluation {
            levels,
            suppressed: 1,
            loss: 0.5,
            class_sizes: vec![],
        },
        suppressed: vec![false, false, false, true],
        nodes_evaluated: 0,
        nodes: 0,
    };
    let mut plan = Plan::new(quasi, &vars, solution);
    let names: Vec<String> = plan.variables.iter().map(|v| v.name.clone()).collect();
    assert!(!names.iter().any(|n| n == "role"), "role is left out");
    assert!(!names.iter().any(|n| n.starts_with("subspecialty__")));
    let column = |name: &str| names.iter().position(|n| n == name).expect(name);
    let province = &plan.variables[column("province")];
    let regions: Vec<&str> = province
        .values
        .iter()
        .map(|v| v.label.get(Lang::Zh))
        .collect();
    assert_eq!(
        regions,
        ["华北", "东北", "华东", "华中", "华南", "西南", "西北"]
    );
    assert_eq!(province.label.get(Lang::En), "Where do you work? (region)");
    let years = &plan.variables[column("years_experience")];
    assert_eq!(years.measure, Measure::Ordinal);
    assert_eq!(years.value_label(2, Lang::En), Some("5–9"));
    assert_eq!(
        plan.variables[column("subspecialty")].measure,
        Measure::Scale
    );

    let first = plan.apply(&rows[0]).expect("the same row").expect("kept");
    assert_eq!(
        first[column("province")],
        Value::Number(1),
        "Beijing is in 华北"
    );
    assert_eq!(
        first[column("years_experience")],
        Value::Number(2),
        "7 is in 5–9"
    );
    assert_eq!(first[column("subspecialty")], Value::Number(2));
    assert_eq!(
        first[column("hospital_grade")],
        Value::Missing(Missing::NotAsked)
    );
    let second = plan.apply(&rows[1]).expect("the same row").expect("kept");
    assert_eq!(second[column("province")], Value::Number(1), "Hebei too");
    assert_eq!(second[column("years_experience")], Value::Number(1));
    let third = plan.apply(&rows[2]).expect("the same row").expect("kept");
    assert_eq!(
        third[column("province")],
        Value::Number(5),
        "Guangdong is in 华南"
    );
    assert_eq!(third[column("subspecialty")], Value::Number(0));
    assert_eq!(plan.apply(&rows[3]), Ok(None), "suppressed");
    assert!(plan.finished());
}

#[test]
fn a_row_that_changed_between_the_readings_stops_the_export() {
    let survey = national();
    let vars = variables(&survey, Include::default());
    let mut quasi = Quasi::new(&survey, &vars, &[]);
    let same = clinician(&survey, &vars, "beijing", 7, &["chest"]);
    for _ in 0..6 {
        quasi.add(&same);
    }
    let (mut plan, risk) = quasi.plan(&vars, Params::k(5, 0)).expect("a plan");
    assert_eq!(risk.suppressed, 0);
    assert_eq!(plan.apply(&same).map(|r| r.is_some()), Ok(true));
    let moved = clinician(&survey, &vars, "hebei", 7, &["chest"]);
    assert_eq!(plan.apply(&moved), Err(AnonError::Changed { row: 1 }));
}

#[test]
fn the_risk_report_counts_classes_before_and_after_and_hides_small_counts() {
    let survey = national();
    let vars = variables(&survey, Include::default());
    let mut quasi = Quasi::new(&survey, &vars, &[]);
    let common = clinician(&survey, &vars, "beijing", 7, &["chest"]);
    for _ in 0..19 {
        quasi.add(&common);
    }
    quasi.add(&clinician(&survey, &vars, "xizang", 33, &["breast"]));
    let (_, risk) = quasi.plan(&vars, Params::k(5, 1)).expect("a plan");
    // Suppressing the one unique row costs less than generalizing everyone.
    assert_eq!(risk.suppressed, 1);
    assert!(risk.quasi_identifiers.iter().all(|q| q.level == 0));
    assert_eq!(risk.k_achieved, Some(19));
    assert_eq!((risk.before.classes, risk.before.smallest), (2, Some(1)));
    assert_eq!(risk.before.highest_risk, 1.0);
    assert_eq!(risk.before.at_risk_share, 1.0 / 20.0);
    assert_eq!((risk.after.classes, risk.after.rows), (1, 19));
    assert_eq!(risk.after.at_risk_share, 0.0);
    assert_eq!(
        risk.riskiest,
        vec![
            risk::Riskiest {
                size_before: 1,
                size_after: None
            },
            risk::Riskiest {
                size_before: 19,
                size_after: Some(19)
            }
        ]
    );
    let province = &risk.quasi_identifiers[at_report(&risk, "province")];
    let xizang = province
        .before
        .iter()
        .find(|c| c.value.get(Lang::Zh) == "西藏")
        .expect("Xizang");
    assert_eq!(xizang.count, None, "a count under k is not shown");
    let html = risk.html(&survey.title, &[]);
    assert!(html.contains("<td class=n>&lt;5</td>"));
    assert!(html.contains("已抑制 suppressed"));
    let summary = risk.summary();
    assert_eq!((summary.rows, summary.suppressed), (20, 1));
    assert_eq!(summary.levels.len(), 11);
}

fn at_report(risk: &risk::Risk, question: &str) -> usize {
    risk.quasi_identifiers
        .iter()
        .position(|q| q.question == question)
        .expect("reported")
}

#[test]
fn k_above_the_rows_is_refused_with_the_reason() {
    let survey = national();
    let vars = variables(&survey, Include::default());
    let mut quasi = Quasi::new(&survey, &vars, &[]);
    quasi.add(&clinician(&survey, &vars, "beijing", 7, &[]));
    assert_eq!(
        quasi.plan(&vars, Params::k(5, 0)).err(),
        Some(AnonError::Refused(Refusal::KAboveRecords {
            k: 5,
            records: 1
        }))
    );
}

#[test]
fn a_quasi_identifier_of_another_kind_tells_its_answers_apart() {
    // A decimal quasi-identifier with no hierarchy: exact or `*`. Two different answers
    // are two classes, so with k = 2 and nothing suppressible it must go to `*`.
    let source = crate::survey::tests::MINI.replace(
        "[[sections.questions]]\nid = \"comments\"",
        "[[sections.questions]]\nid = \"share\"\ntype = \"decimal\"\nlabel = { zh = \"比例\", en = \"Share\" }\ndisclosure = \"quasi_identifier\"\n\n[[sections.questions]]\nid = \"comments\"",
    );
    let survey = Survey::from_toml(&source).expect("MINI with a decimal");
    let vars = variables(&survey, Include::default());
    let mut quasi = Quasi::new(&survey, &vars, &[]);
    let role = choice(&survey, "role", "clinician");
    quasi.add(&row(
        &vars,
        &[("role", role.clone()), ("share", Value::Decimal(1.5))],
    ));
    quasi.add(&row(
        &vars,
        &[("role", role), ("share", Value::Decimal(2.5))],
    ));
    let share = at(&quasi, "share");
    let (plan, risk) = quasi.plan(&vars, Params::k(2, 0)).expect("a plan");
    assert_eq!(risk.quasi_identifiers[share].level, 1, "to `*`");
    assert!(!plan.variables.iter().any(|v| v.name == "share"));
}
