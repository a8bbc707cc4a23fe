//! codebook.html: every variable of an export explained, in Chinese and English, with its
//! values counted. One self-contained file that prints.

use std::fmt::Write as _;

use super::summary::Summary;
use super::{Measure, Missing, Variable, wording};
use crate::lang::Lang;
use crate::survey::{Disclosure, Survey, Text};

/// What the codebook says about the export as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct About {
    /// The survey versions whose responses are in the export.
    pub versions: Vec<u32>,
    pub rows: u64,
    /// When the export was made, as it should be shown (UTC).
    pub exported_at: String,
    /// Each setting of the export: its name and value, in both languages.
    pub settings: Vec<(Text, Text)>,
    /// What was done to the data so it identifies no one, step by step.
    pub steps: Vec<Text>,
}

pub(super) fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Both languages of `text`, each marked with its language (once when they are the same).
pub(super) fn both(text: &Text) -> String {
    if text.get(Lang::Zh) == text.get(Lang::En) {
        return escaped(text.get(Lang::En));
    }
    format!(
        "<span lang=\"zh\">{}</span><br><span lang=\"en\">{}</span>",
        escaped(text.get(Lang::Zh)),
        escaped(text.get(Lang::En))
    )
}

pub(super) fn measure(m: Measure) -> Text {
    match m {
        Measure::Nominal => Text::pair("名义（类别）", "nominal (categories)"),
        Measure::Ordinal => Text::pair("有序", "ordinal"),
        Measure::Scale => Text::pair("数值", "number"),
        Measure::Text => Text::pair("文本", "text"),
        Measure::Date => Text::pair("日期", "date"),
    }
}

pub(super) fn disclosure(d: Disclosure) -> Text {
    match d {
        Disclosure::DirectIdentifier => Text::pair("直接标识符", "direct identifier"),
        Disclosure::QuasiIdentifier => Text::pair("准标识符", "quasi-identifier"),
        Disclosure::FreeText => Text::pair("自由文本", "free text"),
        Disclosure::Attribute => Text::pair("属性", "attribute"),
    }
}

/// A variable's disclosure class, with "sensitive" when the survey lists its question as a
/// sensitive attribute (what ℓ-diversity may protect).
pub(super) fn disclosure_of(survey: &Survey, variable: &Variable) -> Text {
    let class = disclosure(variable.disclosure);
    let sensitive = variable
        .question
        .as_ref()
        .is_some_and(|q| survey.sensitive.contains(q));
    if !sensitive {
        return class;
    }
    Text::from_fn(|lang| match lang {
        Lang::Zh => format!("{}（敏感属性）", class.get(lang)),
        Lang::En => format!("{} (sensitive)", class.get(lang)),
    })
}

/// `count` of `total` as a percentage with one decimal; a dash when there is no total.
fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        return "–".into();
    }
    format!("{:.1}%", 100.0 * count as f64 / total as f64)
}

fn number(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x}"))
}

pub(super) const STYLE: &str = "body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}\
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #999;padding:.2rem .5rem;text-align:left}\
td.n{text-align:right}section{break-inside:avoid;border-top:1px solid #ccc;margin-top:1rem}\
dt{font-weight:bold}code{font-size:1.1em}";

/// The codebook of `variables` (with `summaries`, one per variable, in the same order).
pub fn html(
    survey: &Survey,
    variables: &[Variable],
    summaries: &[Summary],
    about: &About,
) -> String {
    let mut out = String::new();
    let title = &survey.title;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>代码本 Codebook: {} / {}</title><style>{STYLE}</style></head><body>\n",
        escaped(title.get(Lang::Zh)),
        escaped(title.get(Lang::En))
    );
    let _ = writeln!(out, "<h1>代码本 Codebook</h1>\n<p>{}</p>", both(title));
    let versions: Vec<String> = about.versions.iter().map(u32::to_string).collect();
    out.push_str("<h2>导出 The export</h2>\n<table>\n");
    let mut rows: Vec<(Text, Text)> = vec![
        (
            Text::pair("问卷", "Survey"),
            Text::same(survey.slug.as_str()),
        ),
        (
            Text::pair("问卷版本", "Survey versions"),
            Text::same(&versions.join(", ")),
        ),
        (
            Text::pair("行数（答卷）", "Rows (responses)"),
            Text::same(&about.rows.to_string()),
        ),
        (
            Text::pair("导出时间", "Exported at"),
            Text::same(&about.exported_at),
        ),
    ];
    rows.extend(about.settings.iter().cloned());
    for (name, value) in &rows {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            both(name),
            both(value)
        );
    }
    out.push_str("</table>\n<h2>去标识化 De-identification</h2>\n<ol>\n");
    for step in &about.steps {
        let _ = writeln!(out, "<li>{}</li>", both(step));
    }
    out.push_str("</ol>\n<h2>缺失值代码 Missing-value codes</h2>\n<table>\n");
    for m in Missing::ALL {
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td></tr>",
            m.code(),
            both(&Text::pair(m.label(Lang::Zh), m.label(Lang::En)))
        );
    }
    out.push_str("</table>\n<h2>变量 Variables</h2>\n");
    for (variable, summary) in variables.iter().zip(summaries) {
        write_variable(&mut out, survey, variable, summary);
    }
    out.push_str("</body></html>\n");
    out
}

fn write_variable(out: &mut String, survey: &Survey, variable: &Variable, summary: &Summary) {
    let name = escaped(&variable.name);
    let _ = writeln!(
        out,
        "<section id=\"{name}\"><h3><code>{name}</code></h3>\n<dl>\n\
         <dt>题目 Question</dt><dd>{}</dd>\n<dt>类型 Type</dt><dd>{}</dd>\n\
         <dt>部分 Section</dt><dd>{}</dd>\n<dt>披露类别 Disclosure</dt><dd>{}</dd>",
        both(&variable.label),
        both(&measure(variable.measure)),
        section_title(survey, variable),
        both(&disclosure_of(survey, variable)),
    );
    out.push_str("<dt>询问对象 Asked</dt><dd>");
    let conditions = conditions(survey, variable);
    if variable.question.is_none() {
        out.push_str(&both(&Text::pair(
            "每份答卷均有（非题目）",
            "every response (not a question)",
        )));
    } else if conditions.is_empty() {
        out.push_str(&both(&Text::pair(
            "所有到达此页的受访者",
            "everyone who reached its page",
        )));
    } else {
        for condition in conditions {
            let worded = Text::from_fn(|lang| wording::worded(&condition.expr, survey, lang));
            let _ = write!(
                out,
                "<p>{}<br><code>{}</code></p>",
                both(&worded),
                escaped(&condition.source)
            );
        }
    }
    out.push_str("</dd>\n");
    if variable.measure == Measure::Scale {
        let _ = writeln!(
            out,
            "<dt>最小值 / 中位数 / 最大值 Min / median / max</dt><dd>{} / {} / {}</dd>",
            number(summary.min()),
            number(summary.median()),
            number(summary.max())
        );
    }
    out.push_str(
        "</dl>\n<table><thead><tr><th>值 Value</th><th>代码 Code</th>\
                  <th>标签 Label</th><th>人数 n</th><th>%</th></tr></thead><tbody>\n",
    );
    let total = summary.total();
    for value in &variable.values {
        let count = summary.count(value.value);
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{count}</td>\
             <td class=\"n\">{}</td></tr>",
            value.value,
            value
                .code
                .as_ref()
                .map_or(String::new(), |c| escaped(c.as_str())),
            both(&value.label),
            percent(count, total)
        );
    }
    if variable.values.is_empty() {
        let valid = summary.valid();
        let _ = writeln!(
            out,
            "<tr><td></td><td></td><td>{}</td><td class=\"n\">{valid}</td><td class=\"n\">{}</td></tr>",
            both(&Text::pair("有答案", "answered")),
            percent(valid, total)
        );
    }
    for m in Missing::ALL {
        let count = summary.missing(m);
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td></td><td>{}</td><td class=\"n\">{count}</td>\
             <td class=\"n\">{}</td></tr>",
            m.code(),
            both(&Text::pair(m.label(Lang::Zh), m.label(Lang::En))),
            percent(count, total)
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// The conditions under which `variable`'s question was asked: its page's and its own.
pub(super) fn conditions<'s>(
    survey: &'s Survey,
    variable: &Variable,
) -> Vec<&'s crate::survey::Condition> {
    survey
        .questions()
        .filter(|(_, q)| variable.question.as_ref() == Some(&q.id))
        .flat_map(|(s, q)| s.relevant.iter().chain(q.relevant.iter()))
        .collect()
}

fn section_title(survey: &Survey, variable: &Variable) -> String {
    match &variable.section {
        Some(id) => survey
            .section(id.as_str())
            .map_or_else(|| escaped(id.as_str()), |s| both(&s.title)),
        None => both(&Text::pair("答卷信息", "about the response")),
    }
}
