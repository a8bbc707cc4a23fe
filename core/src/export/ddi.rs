//! codebook.xml: the codebook as DDI Codebook 2.5 (namespace `ddi:codebook:2_5`), which
//! archives and tools such as Nesstar, Colectica and the R package `DDIwR` read.
//!
//! What it holds, in DDI's element order:
//! - `docDscr`: this document's title, date and the software that wrote it;
//! - `stdyDscr/citation`: the survey's titles (Chinese and English), slug and versions;
//! - `fileDscr` `F1`: data.csv, its rows and variables, with the export's settings and
//!   de-identification steps as `notes`;
//! - `dataDscr/var` per column: `labl` in both languages, `security` (the disclosure
//!   class), `qstn/qstnLit`, `universe` (who was asked, worded, with the condition as
//!   written), `sumStat` (valid and missing counts; min, median, max of numbers), a
//!   `catgry` per labelled value with its `catValu`, `labl` and frequency `catStat`, one per
//!   missing code (`missing="Y"`), and `varFormat` (numeric or character).

use std::fmt::Write as _;

use super::codebook::{About, conditions, disclosure_of, escaped, measure};
use super::summary::Summary;
use super::{Measure, Missing, Variable, wording};
use crate::lang::Lang;
use crate::survey::{Survey, Text};

/// The DDI Codebook 2.5 namespace.
pub const NAMESPACE: &str = "ddi:codebook:2_5";

/// `<tag xml:lang="zh">…</tag><tag xml:lang="en">…</tag>`, or one untagged element when
/// both languages say the same.
fn both(out: &mut String, tag: &str, attributes: &str, text: &Text) {
    if text.get(Lang::Zh) == text.get(Lang::En) {
        let _ = write!(
            out,
            "<{tag}{attributes}>{}</{tag}>",
            escaped(text.get(Lang::En))
        );
        return;
    }
    for lang in Lang::ALL {
        let _ = write!(
            out,
            "<{tag}{attributes} xml:lang=\"{}\">{}</{tag}>",
            lang.code(),
            escaped(text.get(lang))
        );
    }
}

/// A number as DDI writes it: whole numbers without a decimal point.
fn number(x: f64) -> String {
    format!("{x}")
}

/// The codebook of `variables` (with `summaries`, one per variable, in the same order) as
/// DDI Codebook 2.5 XML.
pub fn xml(
    survey: &Survey,
    variables: &[Variable],
    summaries: &[Summary],
    about: &About,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<codeBook xmlns=\"{NAMESPACE}\" version=\"2.5\" xml:lang=\"zh\">"
    );
    // One `titl`, in the codebook's language; the other language's is a parallel title.
    let _ = write!(
        out,
        "<docDscr><citation><titlStmt><titl xml:lang=\"zh\">代码本：{}</titl>\
         <parTitl xml:lang=\"en\">Codebook: {}</parTitl>",
        escaped(survey.title.get(Lang::Zh)),
        escaped(survey.title.get(Lang::En)),
    );
    let _ = writeln!(
        out,
        "</titlStmt><prodStmt><prodDate>{}</prodDate><software>Canvass</software></prodStmt>\
         </citation></docDscr>",
        escaped(&about.exported_at)
    );

    out.push_str("<stdyDscr><citation><titlStmt>");
    let _ = write!(
        out,
        "<titl xml:lang=\"zh\">{}</titl><parTitl xml:lang=\"en\">{}</parTitl><IDNo>{}</IDNo>",
        escaped(survey.title.get(Lang::Zh)),
        escaped(survey.title.get(Lang::En)),
        escaped(survey.slug.as_str())
    );
    out.push_str("</titlStmt>");
    for version in &about.versions {
        let _ = write!(out, "<verStmt><version>{version}</version></verStmt>");
    }
    out.push_str("</citation></stdyDscr>\n");

    let _ = write!(
        out,
        "<fileDscr ID=\"F1\"><fileTxt><fileName>data.csv</fileName><dimensns>\
         <caseQnty>{}</caseQnty><varQnty>{}</varQnty></dimensns>\
         <fileType>text/csv; charset=utf-8</fileType></fileTxt>",
        about.rows,
        variables.len()
    );
    for (name, value) in &about.settings {
        both(
            &mut out,
            "notes",
            "",
            &Text::from_fn(|lang| format!("{}: {}", name.get(lang), value.get(lang))),
        );
    }
    for step in &about.steps {
        both(&mut out, "notes", "", step);
    }
    out.push_str("</fileDscr>\n<dataDscr>\n");
    for (n, (variable, summary)) in variables.iter().zip(summaries).enumerate() {
        write_var(&mut out, survey, n + 1, variable, summary);
    }
    out.push_str("</dataDscr>\n</codeBook>\n");
    out
}

fn write_var(out: &mut String, survey: &Survey, n: usize, variable: &Variable, summary: &Summary) {
    let interval = match variable.measure {
        Measure::Scale => "contin",
        _ => "discrete",
    };
    let _ = write!(
        out,
        "<var ID=\"V{n}\" name=\"{}\" files=\"F1\" intrvl=\"{interval}\">",
        escaped(&variable.name)
    );
    both(out, "labl", "", &variable.label);
    let class = disclosure_of(survey, variable);
    both(
        out,
        "security",
        "",
        &Text::from_fn(|lang| match lang {
            Lang::Zh => format!("披露类别：{}", class.get(lang)),
            Lang::En => format!("Disclosure class: {}", class.get(lang)),
        }),
    );
    if variable.question.is_some() {
        out.push_str("<qstn>");
        both(out, "qstnLit", "", &variable.label);
        out.push_str("</qstn>");
    }
    let universe = match (&variable.question, conditions(survey, variable).as_slice()) {
        (None, _) => vec![Text::pair(
            "每份答卷均有（非题目）",
            "every response (not a question)",
        )],
        (Some(_), []) => vec![Text::pair(
            "所有到达此页的受访者",
            "everyone who reached its page",
        )],
        (Some(_), conditions) => conditions
            .iter()
            .map(|c| {
                Text::from_fn(|lang| {
                    format!("{} ({})", wording::worded(&c.expr, survey, lang), c.source)
                })
            })
            .collect(),
    };
    for text in &universe {
        both(out, "universe", " clusion=\"I\"", text);
    }
    let _ = write!(
        out,
        "<sumStat type=\"vald\">{}</sumStat><sumStat type=\"invd\">{}</sumStat>",
        summary.valid(),
        summary.total() - summary.valid()
    );
    if variable.measure == Measure::Scale {
        for (kind, value) in [
            ("min", summary.min()),
            ("medn", summary.median()),
            ("max", summary.max()),
        ] {
            if let Some(value) = value {
                let _ = write!(out, "<sumStat type=\"{kind}\">{}</sumStat>", number(value));
            }
        }
    }
    for value in &variable.values {
        let _ = write!(out, "<catgry><catValu>{}</catValu>", value.value);
        both(out, "labl", "", &value.label);
        let _ = write!(
            out,
            "<catStat type=\"freq\">{}</catStat></catgry>",
            summary.count(value.value)
        );
    }
    for missing in Missing::ALL {
        let _ = write!(
            out,
            "<catgry missing=\"Y\" missType=\"{}\"><catValu>{}</catValu>",
            missing_type(missing),
            missing.code()
        );
        both(
            out,
            "labl",
            "",
            &Text::pair(missing.label(Lang::Zh), missing.label(Lang::En)),
        );
        let _ = write!(
            out,
            "<catStat type=\"freq\">{}</catStat></catgry>",
            summary.missing(missing)
        );
    }
    let kind = measure(variable.measure);
    let format = if variable.is_text() {
        "character"
    } else {
        "numeric"
    };
    let _ = writeln!(
        out,
        "<varFormat type=\"{format}\" schema=\"other\">{}</varFormat></var>",
        escaped(kind.get(Lang::En))
    );
}

/// The missing type DDI names each code by.
fn missing_type(missing: Missing) -> &'static str {
    match missing {
        Missing::NotAsked => "inap",
        Missing::NoAnswer => "no answer",
        Missing::Ended => "ended",
        Missing::NotReached => "not reached",
    }
}
