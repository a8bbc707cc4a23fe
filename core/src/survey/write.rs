//! A survey written back as a definition file ([`Survey::to_toml`]): what a staff member
//! downloads, and what an imported XLSForm is kept as. Loading the text gives the same
//! survey (a property the tests check on every survey we have); shared choice lists and
//! scales come back inline, and comments are not kept.

use std::fmt::Write as _;

use super::hierarchy::Rule;
use super::{
    Choice, ChoiceDisplay, Condition, Disclosure, Ending, MatrixAnswer, MetricKind, Question,
    QuestionKind, Scale, Survey, Text,
};

impl Survey {
    /// The definition file of this survey, in the format [`Survey::from_toml`] reads.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        line(&mut out, "slug", &string(self.slug.as_str()));
        line(&mut out, "version", &self.version.to_string());
        let languages: Vec<String> = self.languages.iter().map(|l| string(l.code())).collect();
        line(&mut out, "languages", &array(&languages));
        line(&mut out, "title", &text(&self.title));
        if !self.breakdowns.is_empty() {
            let ids: Vec<String> = self.breakdowns.iter().map(|q| string(q.as_str())).collect();
            line(&mut out, "breakdowns", &array(&ids));
        }
        line(&mut out, "time_zone", &string(self.time_zone.as_str()));
        let strata: Vec<(&str, String)> = [
            ("role", self.strata.role.as_ref()),
            ("province", self.strata.province.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, q)| Some((k, string(q?.as_str()))))
        .collect();
        if !strata.is_empty() {
            line(&mut out, "strata", &table(&strata));
        }
        line(&mut out, "suppress_below", &self.suppress_below.to_string());
        if !self.sensitive.is_empty() {
            let ids: Vec<String> = self.sensitive.iter().map(|q| string(q.as_str())).collect();
            line(&mut out, "sensitive", &array(&ids));
        }
        for section in &self.sections {
            out.push_str("\n[[sections]]\n");
            line(&mut out, "id", &string(section.id.as_str()));
            line(&mut out, "title", &text(&section.title));
            if let Some(intro) = &section.intro {
                line(&mut out, "intro", &text(intro));
            }
            condition(&mut out, "relevant", section.relevant.as_ref());
            for q in &section.questions {
                out.push_str("\n[[sections.questions]]\n");
                question(&mut out, q);
            }
        }
        for metric in &self.metrics {
            out.push_str("\n[[metrics]]\n");
            line(&mut out, "id", &string(metric.id.as_str()));
            line(&mut out, "kind", &string(metric.kind.name()));
            line(&mut out, "title", &text(&metric.title));
            match &metric.kind {
                MetricKind::Share { when } => condition(&mut out, "when", Some(when)),
                MetricKind::Gap { first, second } => {
                    for (key, part) in [("first", first), ("second", second)] {
                        let fields = [
                            ("when", string(&part.when.source)),
                            ("label", text(&part.label)),
                        ];
                        line(&mut out, key, &table(&fields));
                    }
                }
                MetricKind::Mean { question, row } => {
                    line(&mut out, "question", &string(question.as_str()));
                    if let Some(row) = row {
                        line(&mut out, "row", &string(row.as_str()));
                    }
                }
                MetricKind::Ranking { question } | MetricKind::TopChoices { question } => {
                    line(&mut out, "question", &string(question.as_str()));
                }
                MetricKind::Matrix { question, at_least } => {
                    line(&mut out, "question", &string(question.as_str()));
                    line(&mut out, "at_least", &at_least.to_string());
                }
                MetricKind::Network {
                    question,
                    ties,
                    by,
                    types,
                } => {
                    line(&mut out, "question", &string(question.as_str()));
                    let ties: Vec<String> = ties.iter().map(|c| string(c.as_str())).collect();
                    line(&mut out, "ties", &array(&ties));
                    line(&mut out, "by", &string(by.as_str()));
                    let types: Vec<(&str, String)> = types
                        .iter()
                        .map(|(k, v)| (k.as_str(), string(v.as_str())))
                        .collect();
                    line(&mut out, "types", &table(&types));
                }
            }
        }
        for hierarchy in &self.hierarchies {
            out.push_str("\n[[hierarchies]]\n");
            line(&mut out, "question", &string(hierarchy.question.as_str()));
            for level in &hierarchy.levels {
                out.push_str("\n[[hierarchies.levels]]\n");
                line(&mut out, "name", &text(&level.name));
                match &level.rule {
                    Rule::Groups(groups) => {
                        let groups: Vec<String> = groups
                            .iter()
                            .map(|g| {
                                let members: Vec<String> =
                                    g.members.iter().map(|m| string(m.as_str())).collect();
                                let mut fields = vec![("code", string(g.code.as_str()))];
                                fields.extend(languages_of(&g.label));
                                fields.push(("members", array(&members)));
                                table(&fields)
                            })
                            .collect();
                        line(&mut out, "groups", &array_lines(&groups));
                    }
                    Rule::Width(width) => line(&mut out, "width", &width.to_string()),
                    Rule::Count => line(&mut out, "count", "true"),
                }
            }
        }
        out
    }
}

fn question(out: &mut String, q: &Question) {
    line(out, "id", &string(q.id.as_str()));
    let kind = match &q.kind {
        QuestionKind::SingleChoice { .. } => "single_choice",
        QuestionKind::MultipleChoice { .. } => "multiple_choice",
        QuestionKind::Likert(_) => "likert",
        QuestionKind::Matrix { .. } => "matrix",
        QuestionKind::Ranking { .. } => "ranking",
        QuestionKind::Integer { .. } => "integer",
        QuestionKind::Decimal { .. } => "decimal",
        QuestionKind::ShortText { .. } => "short_text",
        QuestionKind::LongText { .. } => "long_text",
        QuestionKind::Email => "email",
        QuestionKind::Date => "date",
        QuestionKind::Year { .. } => "year",
        QuestionKind::Note => "note",
    };
    line(out, "type", &string(kind));
    line(out, "label", &text(&q.label));
    if let Some(hint) = &q.hint {
        line(out, "hint", &text(hint));
    }
    let disclosure = match q.disclosure {
        Disclosure::DirectIdentifier => "direct_identifier",
        Disclosure::QuasiIdentifier => "quasi_identifier",
        Disclosure::FreeText => "free_text",
        Disclosure::Attribute => "attribute",
    };
    line(out, "disclosure", &string(disclosure));
    if q.required {
        line(out, "required", "true");
    }
    condition(out, "relevant", q.relevant.as_ref());
    if !q.constraints.is_empty() {
        let constraints: Vec<String> = q
            .constraints
            .iter()
            .map(|c| {
                table(&[
                    ("rule", string(&c.rule.source)),
                    ("message", text(&c.message)),
                ])
            })
            .collect();
        line(out, "constraints", &array_lines(&constraints));
    }
    let optional = |out: &mut String, key: &str, value: Option<String>| {
        if let Some(value) = value {
            line(out, key, &value);
        }
    };
    match &q.kind {
        QuestionKind::SingleChoice { choices, display } => {
            line(out, "choices", &choices_of(choices));
            if *display == ChoiceDisplay::Select {
                line(out, "display", &string("select"));
            }
        }
        QuestionKind::MultipleChoice { choices, min, max } => {
            line(out, "choices", &choices_of(choices));
            optional(out, "min", min.map(|n| n.to_string()));
            optional(out, "max", max.map(|n| n.to_string()));
        }
        QuestionKind::Likert(scale) => line(out, "scale", &scale_of(scale)),
        QuestionKind::Matrix { rows, answer } => {
            line(out, "rows", &choices_of(rows));
            match answer {
                MatrixAnswer::Scale(scale) => line(out, "scale", &scale_of(scale)),
                MatrixAnswer::Choices(choices) => line(out, "choices", &choices_of(choices)),
            }
        }
        QuestionKind::Ranking { choices, top } => {
            line(out, "choices", &choices_of(choices));
            line(out, "top", &top.to_string());
        }
        QuestionKind::Integer { min, max, unit } => {
            optional(out, "min", min.map(|n| n.to_string()));
            optional(out, "max", max.map(|n| n.to_string()));
            optional(out, "unit", unit.as_ref().map(text));
        }
        QuestionKind::Decimal { min, max, unit } => {
            optional(out, "min", min.map(float));
            optional(out, "max", max.map(float));
            optional(out, "unit", unit.as_ref().map(text));
        }
        QuestionKind::Year { min, max } => {
            optional(out, "min", min.map(|n| n.to_string()));
            optional(out, "max", max.map(|n| n.to_string()));
        }
        QuestionKind::ShortText { max_len } | QuestionKind::LongText { max_len } => {
            line(out, "max_len", &max_len.to_string());
        }
        QuestionKind::Email | QuestionKind::Date | QuestionKind::Note => {}
    }
}

fn condition(out: &mut String, key: &str, condition: Option<&Condition>) {
    if let Some(condition) = condition {
        line(out, key, &string(&condition.source));
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{} = {value}", bare(key));
}

/// A TOML basic string.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key, quoted unless TOML allows it bare.
fn bare(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain { key.to_string() } else { string(key) }
}

/// A float that reads back as the same `f64` (and as a float).
fn float(x: f64) -> String {
    let text = format!("{x:?}");
    if text.contains(['.', 'e', 'E', 'n', 'i']) {
        text
    } else {
        format!("{text}.0")
    }
}

fn array(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// An array of inline tables, one a line.
fn array_lines(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "  {item},");
    }
    out.push(']');
    out
}

fn table(fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{} = {v}", bare(k)))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// A text's words per language, as fields.
fn languages_of(t: &Text) -> Vec<(&'static str, String)> {
    t.iter()
        .map(|(lang, words)| (lang.code(), string(words)))
        .collect()
}

fn text(t: &Text) -> String {
    table(&languages_of(t))
}

fn choices_of(choices: &[Choice]) -> String {
    let items: Vec<String> = choices
        .iter()
        .map(|c| {
            let mut fields = vec![("code", string(c.code.as_str()))];
            fields.extend(languages_of(&c.label));
            if c.exclusive {
                fields.push(("exclusive", "true".into()));
            }
            if c.other {
                fields.push(("other", "true".into()));
            }
            if let Some(ending) = c.ends {
                let ending = match ending {
                    Ending::Refused => "refused",
                    Ending::ScreenedOut => "screened_out",
                };
                fields.push(("ends", string(ending)));
            }
            table(&fields)
        })
        .collect();
    array_lines(&items)
}

fn scale_of(scale: &Scale) -> String {
    table(&[
        ("min", scale.min.to_string()),
        ("max", scale.max.to_string()),
        ("min_label", text(&scale.min_label)),
        ("max_label", text(&scale.max_label)),
    ])
}

#[cfg(test)]
mod tests;
