use proptest::prelude::*;

use super::translate;
use crate::expr::parse;

fn ok(source: &str) -> String {
    translate(source, Some("age")).unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn refused(source: &str, this: Option<&str>) -> (usize, String) {
    let e = translate(source, this).expect_err(source);
    (e.column, e.message)
}

#[test]
fn each_form_of_an_xlsform_expression_has_its_canvass_equivalent() {
    let cases = [
        ("${role} = 'clinician'", "role == \"clinician\""),
        ("${role}='clinician'", "role == \"clinician\""),
        ("${years} >= 5", "years >= 5"),
        ("${years}<=40", "years <= 40"),
        (
            "${years} > 0.5 and ${years} < 2",
            "(years > 0.5) and (years < 2)",
        ),
        ("${a} = 1 or ${b} = 2", "(a == 1) or (b == 2)"),
        (
            "${a} = 1 and ${b} = 2 or ${c} = 3",
            "((a == 1) and (b == 2)) or (c == 3)",
        ),
        (
            "${a} = 1 and (${b} = 2 or ${c} = 3)",
            "(a == 1) and ((b == 2) or (c == 3))",
        ),
        ("${role} != 'industry'", "not (role == \"industry\")"),
        ("${name} = ''", "not answered(name)"),
        ("'' != ${name}", "answered(name)"),
        ("selected(${ai_use}, 'ct')", "\"ct\" in ai_use"),
        ("selected( ${ai_use} , \"mr\" )", "\"mr\" in ai_use"),
        ("selected(${q}, 2)", "\"2\" in q"),
        (
            "not(selected(${ai_use}, 'none'))",
            "not (\"none\" in ai_use)",
        ),
        ("count-selected(${ai_use}) <= 3", "count(ai_use) <= 3"),
        (". >= 18", "age >= 18"),
        (". > .5", "age > 0.5"),
        (". >= -1", "age >= -1"),
        ("selected(., 'x')", "\"x\" in age"),
        ("true()", "true"),
        ("not(false())", "not (false)"),
        ("${Q1} = ‘Sí’", "Q1 == \"Sí\""),
        ("${q} = “a”", "q == \"a\""),
        ("${q} = 'say \"hi\"'", "q == \"say \\\"hi\\\"\""),
        ("((${q} = 'a'))", "q == \"a\""),
        ("${a} + 1 > 2", "(a + 1) > 2"),
        ("${a} div 2 > 1", "(a / 2) > 1"),
        ("${a} mod 2 = 1", "(a mod 2) == 1"),
        ("${a} - ${b} * 2 >= -1", "(a - (b * 2)) >= -1"),
        ("string-length(.) <= 10", "length(age) <= 10"),
        ("${ q } = 'a'", "q == \"a\""),
    ];
    for (xlsform, canvass) in cases {
        assert_eq!(ok(xlsform), canvass, "{xlsform}");
    }
}

#[test]
fn every_translation_of_lowercase_names_parses_as_a_canvass_expression() {
    for source in [
        "${a} = 1 and (${b} = 2 or not(${c} != 'x'))",
        "selected(${m}, 'ct') or count-selected(${m}) >= 2",
        ". >= .5 and . <= 10",
        "${t} = '' or ${t} != ''",
        "${q} = 'a \\ b'",
        "${a} + ${b} * 2 > 3 and string-length(${t}) < 5",
    ] {
        let text = ok(source);
        parse(&text).unwrap_or_else(|e| panic!("{source} → {text}: {e}"));
    }
}

#[test]
fn what_has_no_equivalent_is_refused_at_its_column() {
    let cases: [(&str, Option<&str>, usize, &str); 17] = [
        (
            "- ${a} > 1",
            None,
            1,
            "a minus sign goes before a number: write `0 - …` to negate",
        ),
        (
            "${a} | ${b}",
            None,
            6,
            "unexpected `|` after a complete expression",
        ),
        (
            "pulldata('f', 'c', 'k', ${a}) = 1",
            None,
            1,
            "`pulldata()` reads external data, which Canvass does not support",
        ),
        (
            "regex(., '^[0-9]+$')",
            Some("q"),
            1,
            "`regex()` has no equivalent in Canvass's expressions",
        ),
        (
            ". > 3",
            None,
            1,
            "`.` means the question itself, which only a constraint has",
        ),
        (
            "/data/a = 1",
            None,
            1,
            "an XPath path is not supported: name the question as `${name}`",
        ),
        (
            "../a = 1",
            None,
            1,
            "`..` (a relative path) is not supported: name the question as `${name}`",
        ),
        ("${a = 1", None, 1, "`${` is not closed with `}`"),
        ("${} = 1", None, 1, "`${}` names no question"),
        ("${a} = 'x", None, 8, "a string is not closed"),
        (
            "${a} = 1 = 2",
            None,
            10,
            "comparisons cannot be chained: join them with `and`",
        ),
        ("${a} = ", None, 8, "expected a value, found the end"),
        ("(${a} = 1", None, 10, "expected `)`"),
        (
            "selected(${a})",
            None,
            1,
            "`selected()` takes 2 argument(s), not 1",
        ),
        (
            "selected('a', ${b})",
            None,
            10,
            "the first argument of `selected()` must be a question, as `${name}`",
        ),
        (
            "a = 1",
            None,
            1,
            "`a` is not a value here: name a question as `${a}`",
        ),
        (
            "${a} = 1 ${b}",
            None,
            10,
            "unexpected `${b}` after a complete expression",
        ),
    ];
    for (source, this, column, message) in cases {
        assert_eq!(
            refused(source, this),
            (column, message.to_string()),
            "{source}"
        );
    }
    assert_eq!(
        refused("not ${a}", None),
        (1, "write `not` as a function: `not(…)`".to_string())
    );
    assert_eq!(
        refused("${a} = 1 and and", None),
        (14, "expected a value, found `and`".to_string())
    );
    assert_eq!(
        refused("selected(${a}, ${b})", None),
        (
            16,
            "the second argument of `selected()` must be a choice's name in quotes".to_string()
        )
    );
    assert_eq!(
        refused("${a} = 1 # 2", None),
        (10, "unexpected character `#`".to_string())
    );
}

#[test]
fn deep_or_long_expressions_are_refused_not_overflowed() {
    let deep = format!("{}${{a}} = 1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(
        refused(&deep[..2_000], None),
        (65, "expression is nested deeper than 64 levels".to_string())
    );
    assert_eq!(
        refused(&deep, None),
        (
            2_001,
            "expression is longer than 2000 characters".to_string()
        )
    );
    let calls = format!("{}${{a}} = 1{}", "not(".repeat(100), ")".repeat(100));
    assert_eq!(
        refused(&calls, None),
        (
            257,
            "expression is nested deeper than 64 levels".to_string()
        )
    );
}

proptest! {
    #[test]
    fn no_input_makes_the_translation_panic(source in "\\PC{0,80}") {
        let _ = translate(&source, Some("q"));
    }

    #[test]
    fn no_mix_of_expression_pieces_makes_it_panic_and_what_it_accepts_parses(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("${a}"), Just("${b}"), Just("."), Just("'x'"), Just("''"), Just("1"),
                Just("-2"), Just(".5"), Just("="), Just("!="), Just("<"), Just(">="),
                Just("and"), Just("or"), Just("not("), Just("("), Just(")"), Just(","),
                Just("selected("), Just("count-selected("), Just("true()"), Just("+"),
                Just("-"), Just("*"), Just("div"), Just("mod"), Just("string-length("),
            ],
            0..24,
        )
    ) {
        let source = pieces.join(" ");
        if let Ok(text) = translate(&source, Some("q")) {
            prop_assert!(parse(&text).is_ok(), "{} → {}", source, text);
        }
    }
}
