use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

/// A survey in miniature: questions in order, each with a type and choice codes.
struct Toy {
    questions: Vec<(&'static str, ValueType, &'static [&'static str])>,
    /// Only questions before this index may be read.
    visible: usize,
}

fn toy() -> Toy {
    Toy {
        questions: vec![
            (
                "role",
                ValueType::Choice,
                &["clinician", "institution", "industry"],
            ),
            ("rd_interest", ValueType::Number, &[]),
            (
                "rd_participation",
                ValueType::Choices,
                &["none", "annotation", "validation"],
            ),
            ("comments", ValueType::Text, &[]),
            ("later", ValueType::Number, &[]),
        ],
        visible: 4,
    }
}

impl Scope for Toy {
    fn resolve(&self, reference: &Reference) -> Result<ValueType, String> {
        match self
            .questions
            .iter()
            .position(|(id, ..)| *id == reference.question)
        {
            None => Err(format!("unknown question `{}`", reference.question)),
            Some(i) if i >= self.visible => Err(format!(
                "`{}` comes later in the survey",
                reference.question
            )),
            Some(i) => Ok(self.questions[i].1),
        }
    }
    fn has_code(&self, reference: &Reference, code: &str) -> bool {
        self.questions
            .iter()
            .any(|(id, _, codes)| *id == reference.question && codes.contains(&code))
    }
}

struct Given(HashMap<&'static str, Value>);

impl Answers for Given {
    fn value(&self, reference: &Reference) -> Value {
        self.0
            .get(reference.question.as_str())
            .cloned()
            .unwrap_or(Value::Missing)
    }
}

fn clinician_keen_but_idle() -> Given {
    Given(HashMap::from([
        ("role", Value::Text("clinician".into())),
        ("rd_interest", Value::Number(5.0)),
        ("rd_participation", Value::Set(vec!["none".into()])),
    ]))
}

fn checked(source: &str) -> Expr {
    let expr = parse(source).expect("parses");
    expr.check(&toy()).expect("checks");
    expr
}

fn check_error(source: &str) -> String {
    parse(source)
        .and_then(|e| e.check(&toy()))
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn the_headline_condition_holds_for_a_keen_but_idle_clinician() {
    let expr =
        checked(r#"role == "clinician" and rd_interest >= 4 and "none" in rd_participation"#);
    assert!(expr.holds(&clinician_keen_but_idle()));
}

#[test]
fn and_binds_tighter_than_or() {
    let expr = checked(r#"role == "industry" and rd_interest > 10 or rd_interest == 5"#);
    assert!(expr.holds(&clinician_keen_but_idle()));
}

#[test]
fn not_count_answered_and_lists_evaluate() {
    let answers = clinician_keen_but_idle();
    assert!(checked("count(rd_participation) == 1").holds(&answers));
    assert!(checked("not answered(comments)").holds(&answers));
    assert!(checked(r#"role in ["clinician", "institution"]"#).holds(&answers));
    assert!(!checked(r#"not (role in ["clinician"])"#).holds(&answers));
    assert!(checked("rd_interest in [4, 5]").holds(&answers));
}

#[test]
fn a_comparison_with_a_missing_answer_is_false_both_ways() {
    let nobody = Given(HashMap::new());
    assert!(!checked("rd_interest >= 4").holds(&nobody));
    assert!(!checked("rd_interest < 4").holds(&nobody));
    assert!(!checked(r#"role != "clinician""#).holds(&nobody));
    assert!(!checked("answered(role)").holds(&nobody));
}

#[test]
fn parse_errors_name_the_column() {
    let cases = [
        ("", "column 1: expression is empty"),
        ("role = \"x\"", "column 6: use `==` to compare, not `=`"),
        (
            "role == ",
            "column 9: expected a value, but the expression ended",
        ),
        (
            "(role == \"x\"",
            "column 13: expected `)`, but the expression ended",
        ),
        ("role == \"x", "column 9: string is not closed with `\"`"),
        (
            "rd_interest >= 4 4",
            "column 18: unexpected number `4` after a complete expression",
        ),
        ("role == #", "column 9: unexpected character `#`"),
        (
            "count role",
            "column 7: expected `(` after `count`, found `role`",
        ),
        ("[1, 2", "column 6: list is not closed with `]`"),
        ("role == and", "column 9: expected a value, found `and`"),
    ];
    for (source, message) in cases {
        assert_eq!(
            parse(source).expect_err(source).to_string(),
            message,
            "{source}"
        );
    }
}

#[test]
fn check_errors_name_the_question_and_the_column() {
    let cases = [
        ("rol == \"clinician\"", "column 1: unknown question `rol`"),
        ("later > 1", "column 1: `later` comes later in the survey"),
        (
            "role == \"clinican\"",
            "column 9: \"clinican\" is not a choice of `role`",
        ),
        (
            "\"nobody\" in rd_participation",
            "column 1: \"nobody\" is not a choice of `rd_participation`",
        ),
        (
            "rd_interest == \"high\"",
            "column 1: cannot compare a number with text using `==`",
        ),
        (
            "role > 3",
            "column 1: cannot compare a choice with a number using `>`",
        ),
        (
            "rd_interest",
            "column 1: a condition must be true or false, but this is a number",
        ),
        (
            "count(role) > 1",
            "column 1: count() needs a multiple-choice or ranking question, but `role` is a choice",
        ),
        (
            "rd_interest and true",
            "column 1: `and` needs true/false here, but this is a number",
        ),
        (
            "role in rd_interest",
            "column 9: `in` needs a list or a multiple-choice question on its right, but this is a number",
        ),
        ("[1] == 1", "column 1: a list may only follow `in`"),
    ];
    for (source, message) in cases {
        assert_eq!(check_error(source), message, "{source}");
    }
}

#[test]
fn deep_nesting_is_refused_rather_than_overflowing_the_stack() {
    let source = format!("{}true{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(
        parse(&source).expect_err("too deep").to_string(),
        "column 33: expression is nested more than 32 levels deep"
    );
    let nots = format!("{}true", "not ".repeat(100));
    assert!(parse(&nots).is_err());
}

#[test]
fn overlong_expressions_are_refused() {
    let source = "true or ".repeat(300) + "true";
    assert_eq!(
        parse(&source).expect_err("too long").to_string(),
        "column 2001: expression is longer than 2000 characters"
    );
}

#[test]
fn references_are_listed_in_order() {
    let expr = checked(r#"role == "clinician" and count(rd_participation) > 0"#);
    let names: Vec<String> = expr.references().iter().map(|r| r.to_string()).collect();
    assert_eq!(names, ["role", "rd_participation"]);
}

#[test]
fn matrix_rows_are_referenced_with_a_dot() {
    let expr = parse(r#"collab_partners.ai_companies in ["formal", "long_term"]"#).expect("parses");
    assert_eq!(
        expr.references()[0].to_string(),
        "collab_partners.ai_companies"
    );
}

/// Expressions built from the grammar's pieces, well-formed or not.
fn fragments() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "role",
        "rd_interest",
        "rd_participation",
        "comments",
        "later",
        "\"clinician\"",
        "\"none\"",
        "4",
        "-1.5",
        "true",
        "false",
        "count(rd_participation)",
        "answered(comments)",
        "[\"none\", 4]",
        "unknown",
        "x.y",
    ]);
    let ops = prop::sample::select(vec![
        " == ", " != ", " < ", " <= ", " > ", " >= ", " in ", " and ", " or ", " not ", "(", ")",
        " ",
    ]);
    prop::collection::vec((atoms, ops), 1..12).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(a, o)| format!("{a}{o}"))
            .collect::<String>()
    })
}

proptest! {
    #[test]
    fn nothing_panics_on_arbitrary_text(source in "\\PC{0,200}") {
        if let Ok(expr) = parse(&source) {
            let _ = expr.check(&toy());
            let _ = expr.holds(&clinician_keen_but_idle());
        }
    }

    #[test]
    fn nothing_panics_on_near_miss_expressions(source in fragments()) {
        if let Ok(expr) = parse(&source)
            && expr.check(&toy()).is_ok()
        {
            // A checked condition evaluates to true/false on any answers, missing or not.
            let given = expr.eval(&clinician_keen_but_idle());
            prop_assert!(matches!(given, Value::Bool(_)));
            let nobody = expr.eval(&Given(HashMap::new()));
            prop_assert!(matches!(nobody, Value::Bool(_)));
        }
    }

    #[test]
    fn every_error_points_inside_or_just_past_the_input(source in fragments()) {
        if let Err(error) = parse(&source).and_then(|e| e.check(&toy())) {
            prop_assert!(error.column >= 1 && error.column <= source.chars().count() + 1);
        }
    }
}

#[test]
fn arithmetic_binds_tighter_than_comparisons_and_products_tighter_than_sums() {
    let given = clinician_keen_but_idle();
    for (source, holds) in [
        ("rd_interest + 1 == 6", true),
        ("rd_interest - 1 * 2 == 3", true),
        ("(rd_interest - 1) * 2 == 8", true),
        ("rd_interest / 2 == 2.5", true),
        ("rd_interest mod 2 == 1", true),
        ("rd_interest - 2 - 2 == 1", true),
        ("rd_interest-1 == 4", true),
        ("rd_interest > -1", true),
        ("-1 + rd_interest == 4", true),
        ("count(rd_participation) * 10 >= 10", true),
        ("rd_interest / 0 > 0", false),
        ("rd_interest / 0 < 0", false),
        ("rd_interest mod 0 == 0", false),
    ] {
        assert_eq!(checked(source).holds(&given), holds, "{source}");
    }
}

#[test]
fn arithmetic_with_a_missing_answer_is_missing_and_compares_false() {
    let nobody = Given(HashMap::new());
    for source in [
        "rd_interest + 1 > 0",
        "rd_interest + 1 <= 0",
        "rd_interest * 0 == 0",
    ] {
        assert!(!checked(source).holds(&nobody), "{source}");
    }
    assert!(checked("not (rd_interest + 1 > 0)").holds(&nobody));
}

#[test]
fn length_counts_characters_of_a_text_and_is_zero_unanswered() {
    let wrote = Given(HashMap::from([(
        "comments",
        Value::Text("影像组学 ok".into()),
    )]));
    assert!(checked("length(comments) == 7").holds(&wrote));
    assert!(checked("length(comments) == 0").holds(&Given(HashMap::new())));
    // A question may still be named `length`: only a call is the function.
    let expr = parse("length == 3").expect("parses");
    assert_eq!(expr.references()[0].question, "length");
}

#[test]
fn arithmetic_and_length_on_the_wrong_types_are_refused_at_their_column() {
    let refused = |source: &str| {
        let error = parse(source)
            .expect("parses")
            .check(&toy())
            .expect_err(source);
        (error.column, error.message)
    };
    assert_eq!(
        refused("role + 1 == 2"),
        (1, "`+` needs numbers, but this is a choice".into())
    );
    assert_eq!(
        refused("rd_interest * \"x\" == 2"),
        (15, "`*` needs numbers, but this is text".into())
    );
    assert_eq!(
        refused("length(rd_interest) > 1"),
        (
            1,
            "length() needs a text question, but `rd_interest` is a number".into()
        )
    );
    assert_eq!(
        refused("rd_interest + 1"),
        (
            1,
            "a condition must be true or false, but this is a number".into()
        )
    );
    let error = parse("rd_interest + == 1").expect_err("no operand");
    assert_eq!(
        (error.column, error.message),
        (15, "expected a value, found `==`".into())
    );
}
