//! The syntax files of an export: SPSS (`.sps`, also run by GNU PSPP), Stata (`.do`) and R
//! (`.R`, base R). Each reads data.csv as the export writes it in codes, and declares the
//! variables' labels, value labels and missing values, in one language.

use std::fmt::Write as _;

use super::{Measure, Meta, Missing, Source, Variable};
use crate::lang::Lang;

/// The data file of every export, in the values the analyst chose.
pub const DATA_FILE: &str = "data.csv";
/// The same data in codes, beside data.csv when that holds labels: what the syntax files
/// read (value labels and missing values are declared on codes).
pub const CODES_FILE: &str = "data-codes.csv";

/// The file the syntax files read for an export written in `values`.
pub fn read_file(values: super::Values) -> &'static str {
    match values {
        super::Values::Codes => DATA_FILE,
        super::Values::Labels(_) => CODES_FILE,
    }
}

/// The longest variable name Stata accepts.
const STATA_NAME: usize = 32;
/// SPSS's limits, in bytes: a variable label, a value label.
const SPSS_VARIABLE_LABEL: usize = 255;
const SPSS_VALUE_LABEL: usize = 120;

/// `text` cut at a character boundary to at most `bytes` bytes.
fn clipped(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Line breaks and tabs in labels become spaces: every syntax reads a label on one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A string in SPSS syntax: in double quotes, a quote doubled.
fn spss_quoted(text: &str, bytes: usize) -> String {
    let text = one_line(text);
    format!("\"{}\"", clipped(&text, bytes).replace('"', "\"\""))
}

/// The widest a text column can be read as, in bytes.
fn text_width(variable: &Variable) -> usize {
    match variable.measure {
        Measure::Date => 10,
        _ => 32_767,
    }
}

/// The SPSS syntax (`data.sps`).
pub fn spss(variables: &[Variable], lang: Lang, data_file: &str) -> String {
    let mut out = String::new();
    out.push_str("* Encoding: UTF-8.\n");
    let _ = writeln!(
        out,
        "* Reads {data_file} (written by Canvass, in codes) with its labels and missing values."
    );
    out.push_str(
        "* Run it from the folder that holds the file, or give its whole path in /FILE.\n",
    );
    out.push_str("GET DATA\n  /TYPE=TXT\n");
    let _ = writeln!(out, "  /FILE='{data_file}'");
    out.push_str(
        "  /ENCODING='UTF8'\n  /ARRANGEMENT=DELIMITED\n  /DELCASE=LINE\n  /FIRSTCASE=2\n  \
         /DELIMITERS=\",\"\n  /QUALIFIER='\"'\n  /VARIABLES=\n",
    );
    for v in variables {
        let format = if v.is_text() {
            format!("A{}", text_width(v))
        } else {
            "F16.0".to_owned()
        };
        let _ = writeln!(out, "    {} {format}", v.name);
    }
    out.push_str(".\n");
    let decimals: Vec<&str> = variables
        .iter()
        .filter(|v| v.decimal)
        .map(|v| v.name.as_str())
        .collect();
    if !decimals.is_empty() {
        let _ = writeln!(out, "FORMATS {} (F16.4).", decimals.join(" "));
    }
    out.push_str("VARIABLE LABELS\n");
    for v in variables {
        let _ = writeln!(
            out,
            "  {} {}",
            v.name,
            spss_quoted(v.label.get(lang), SPSS_VARIABLE_LABEL)
        );
    }
    out.push_str(".\nVALUE LABELS\n");
    for v in variables.iter().filter(|v| !v.is_text()) {
        let _ = write!(out, "  /{}", v.name);
        for value in &v.values {
            let _ = write!(
                out,
                " {} {}",
                value.value,
                spss_quoted(value.label.get(lang), SPSS_VALUE_LABEL)
            );
        }
        for missing in Missing::ALL {
            let _ = write!(
                out,
                " {} {}",
                missing.code(),
                spss_quoted(missing.label(lang), SPSS_VALUE_LABEL)
            );
        }
        out.push('\n');
    }
    out.push_str(".\n");
    let numeric: Vec<&str> = variables
        .iter()
        .filter(|v| !v.is_text())
        .map(|v| v.name.as_str())
        .collect();
    for names in numeric.chunks(20) {
        let _ = writeln!(out, "MISSING VALUES {} (-4 THRU -1).", names.join(" "));
    }
    // A string variable takes at most three missing values. A question's: not asked, no
    // answer, ended (a response in progress, -4, is only in exports that include them); the
    // submission date's: ended, not reached; the start date has none.
    for codes in ["('-1' '-2' '-3')", "('-3' '-4')"] {
        let names: Vec<&str> = variables
            .iter()
            .filter(|v| v.is_text() && string_missing(v) == Some(codes))
            .map(|v| v.name.as_str())
            .collect();
        for names in names.chunks(20) {
            let _ = writeln!(out, "MISSING VALUES {} {codes}.", names.join(" "));
        }
    }
    let levels: [(Measure, &str); 3] = [
        (Measure::Nominal, "NOMINAL"),
        (Measure::Ordinal, "ORDINAL"),
        (Measure::Scale, "SCALE"),
    ];
    for (measure, level) in levels {
        let names: Vec<&str> = variables
            .iter()
            .filter(|v| v.measure == measure)
            .map(|v| v.name.as_str())
            .collect();
        for names in names.chunks(20) {
            let _ = writeln!(out, "VARIABLE LEVEL {} ({level}).", names.join(" "));
        }
    }
    out.push_str("EXECUTE.\n");
    out
}

/// Each variable's name in Stata: its own when it fits 32 characters, else cut to fit
/// with a number that keeps it unique (the codebook lists both).
pub fn stata_names(variables: &[Variable]) -> Vec<String> {
    let mut taken: std::collections::BTreeSet<String> =
        variables.iter().map(|v| v.name.clone()).collect();
    variables
        .iter()
        .map(|v| {
            if v.name.len() <= STATA_NAME {
                return v.name.clone();
            }
            (1..)
                .map(|n: u32| {
                    let suffix = format!("_{n}");
                    format!("{}{suffix}", &v.name[..STATA_NAME - suffix.len()])
                })
                .find(|candidate| taken.insert(candidate.clone()))
                .unwrap_or_default()
        })
        .collect()
}

/// A string in Stata syntax: compound double quotes, which may hold `"`.
fn stata_quoted(text: &str) -> String {
    let text = one_line(text).replace("\"'", "\" '").replace('`', "'");
    format!("`\"{}\"'", clipped(&text, 80))
}

/// The missing values an SPSS string variable declares, if any.
fn string_missing(variable: &Variable) -> Option<&'static str> {
    match variable.source {
        Source::Meta(Meta::Completed) => Some("('-3' '-4')"),
        Source::Meta(_) => None,
        _ => Some("('-1' '-2' '-3')"),
    }
}

/// The Stata syntax (`data.do`).
pub fn stata(variables: &[Variable], lang: Lang, data_file: &str) -> String {
    let names = stata_names(variables);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "* Reads {data_file} (written by Canvass, in codes) with its labels and missing values."
    );
    out.push_str("* Run it from the folder that holds the file (Stata 14 or later: UTF-8).\n");
    let text: Vec<String> = (1..=variables.len())
        .zip(variables)
        .filter(|(_, v)| v.is_text())
        .map(|(i, _)| i.to_string())
        .collect();
    let strings = if text.is_empty() {
        String::new()
    } else {
        format!(" stringcols({})", text.join(" "))
    };
    let _ = writeln!(
        out,
        "import delimited using \"{data_file}\", encoding(\"utf-8\") varnames(nonames) \
         rowrange(2) bindquote(strict){strings} clear"
    );
    for (i, name) in (1..).zip(&names) {
        let _ = writeln!(out, "rename v{i} {name}");
    }
    let missing_labels: String = Missing::ALL
        .iter()
        .zip(["a", "b", "c", "d"])
        .map(|(m, letter)| format!(" .{letter} {}", stata_quoted(m.label(lang))))
        .collect();
    for (i, (v, name)) in (1..).zip(variables.iter().zip(&names)) {
        let _ = writeln!(
            out,
            "label variable {name} {}",
            stata_quoted(v.label.get(lang))
        );
        if v.is_text() {
            continue;
        }
        let _ = writeln!(out, "mvdecode {name}, mv(-1=.a \\ -2=.b \\ -3=.c \\ -4=.d)");
        let _ = write!(out, "label define l{i}");
        for value in &v.values {
            let _ = write!(
                out,
                " {} {}",
                value.value,
                stata_quoted(value.label.get(lang))
            );
        }
        let _ = writeln!(out, "{missing_labels}");
        let _ = writeln!(out, "label values {name} l{i}");
    }
    out
}

/// A string in R: double quotes, with `\` and `"` escaped.
fn r_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in one_line(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The R syntax (`data.R`), base R: every numeric column keeps its codes, with the
/// attributes haven's labelled vectors use (`label`, `labels`, `na_values`), and gets a
/// factor beside it (`name_f`) with missing values as `NA`.
pub fn r(variables: &[Variable], lang: Lang, data_file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Reads {data_file} (written by Canvass, in codes) with its labels and missing values."
    );
    out.push_str(
        "# Run it from the folder that holds the file: source(\"data.R\", encoding = \"UTF-8\")\n",
    );
    out.push_str("canvass_classes <- c(\n");
    let classes: Vec<String> = variables
        .iter()
        .map(|v| {
            let class = if v.is_text() { "character" } else { "numeric" };
            format!("  {} = \"{class}\"", r_quoted(&v.name))
        })
        .collect();
    out.push_str(&classes.join(",\n"));
    out.push_str("\n)\n");
    let _ = writeln!(
        out,
        "canvass <- read.csv(\"{data_file}\", fileEncoding = \"UTF-8-BOM\", \
         colClasses = canvass_classes, na.strings = character(0), check.names = FALSE)"
    );
    let missing: Vec<String> = Missing::ALL
        .iter()
        .map(|m| format!("{} = {}", r_quoted(m.label(lang)), m.code()))
        .collect();
    let _ = writeln!(out, "canvass_missing <- c({})", missing.join(", "));
    out.push_str(
        "canvass_label <- function(x, label, labels = NULL) {\n  \
           attr(x, \"label\") <- label\n  \
           if (!is.null(labels)) {\n    \
             attr(x, \"labels\") <- c(labels, canvass_missing)\n    \
             attr(x, \"na_values\") <- unname(canvass_missing)\n  \
           }\n  \
           x\n}\n",
    );
    out.push_str(
        "canvass_factor <- function(x, labels) {\n  \
           factor(ifelse(x %in% canvass_missing, NA, x), levels = unname(labels), labels = names(labels))\n}\n",
    );
    for v in variables {
        let column = format!("canvass[[{}]]", r_quoted(&v.name));
        if v.is_text() || v.values.is_empty() {
            let _ = writeln!(
                out,
                "{column} <- canvass_label({column}, {})",
                r_quoted(v.label.get(lang))
            );
            continue;
        }
        let labels: Vec<String> = v
            .values
            .iter()
            .map(|value| format!("{} = {}", r_quoted(value.label.get(lang)), value.value))
            .collect();
        let _ = writeln!(
            out,
            "{column} <- canvass_label({column}, {}, c({}))",
            r_quoted(v.label.get(lang)),
            labels.join(", ")
        );
        let _ = writeln!(
            out,
            "canvass[[{}]] <- canvass_factor({column}, c({}))",
            r_quoted(&format!("{}_f", v.name)),
            labels.join(", ")
        );
    }
    out
}
