//! The risk report of an anonymized export (risk.json and risk.html), modelled on
//! sdcMicro's report and ARX's risk measures: what was generalized and suppressed, the
//! classes before and after, prosecutor risk, the riskiest combinations, and what the
//! data lost. Counts of values held by fewer than k rows are never shown, and the
//! riskiest combinations are given by their sizes only, never their values.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Exact, General, Kind, Quasi};
use crate::anonymize::{Params, Solution, Table};
use crate::export::codebook::{STYLE, both, escaped};
use crate::lang::Lang;
use crate::survey::Text;

/// Records whose class gives a prosecutor more than this chance are "at risk".
pub const RISK_THRESHOLD: f64 = 0.2;

/// The measure of information loss, as the report names it.
pub const MEASURE: &str = "normalized non-uniform entropy (0: none lost, 1: everything)";

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub k: u64,
    pub l: Option<u32>,
    /// The sensitive attributes kept ℓ-diverse.
    pub sensitive: Vec<String>,
    pub max_suppressed: u64,
    /// Rows before anonymization.
    pub rows: u64,
    pub suppressed: u64,
    pub suppressed_percent: f64,
    /// The smallest class kept (none when every row is suppressed or there are none).
    pub k_achieved: Option<u64>,
    pub measure: &'static str,
    pub loss: f64,
    pub nodes_evaluated: usize,
    pub nodes: usize,
    pub quasi_identifiers: Vec<QiReport>,
    pub before: Classes,
    pub after: Classes,
    /// The ten smallest classes of the data as they were, and what became of them.
    pub riskiest: Vec<Riskiest>,
}

/// What an export's page and its job's JSON show of its anonymization, before download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub k: u64,
    pub k_achieved: Option<u64>,
    pub l: Option<u32>,
    pub sensitive: Vec<String>,
    pub rows: u64,
    pub suppressed: u64,
    pub suppressed_percent: f64,
    pub loss: f64,
    /// Prosecutor risk before and after: the highest, and the share of rows above
    /// [`RISK_THRESHOLD`].
    pub highest_risk_before: f64,
    pub highest_risk_after: f64,
    pub at_risk_before: f64,
    pub at_risk_after: f64,
    pub levels: Vec<LevelChosen>,
}

/// The level a quasi-identifier was generalized to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelChosen {
    pub question: String,
    pub level: usize,
    /// The level that is `*` (left out).
    pub levels: usize,
    pub name: Text,
}

/// One quasi-identifier: the level chosen and what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QiReport {
    pub question: String,
    pub label: Text,
    /// 0: exact; `levels`: `*` (left out).
    pub level: usize,
    pub levels: usize,
    pub level_name: Text,
    /// Cells of kept rows whose value now stands for more than one exact value.
    pub cells_generalized: u64,
    /// Cells of suppressed rows.
    pub cells_suppressed: u64,
    pub before: Vec<Count>,
    pub after: Vec<Count>,
}

/// One value's count; none when fewer than k rows have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub value: Text,
    pub count: Option<u64>,
}

/// The classes (rows alike in every quasi-identifier) of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classes {
    pub rows: u64,
    pub classes: u64,
    pub smallest: Option<u64>,
    /// Rows by the size of their class.
    pub sizes: Vec<SizeBand>,
    /// Prosecutor risk: the highest (1 / the smallest class), the average over rows
    /// (classes / rows), and the share of rows whose risk is above [`RISK_THRESHOLD`].
    pub highest_risk: f64,
    pub average_risk: f64,
    pub at_risk_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeBand {
    pub sizes: &'static str,
    pub classes: u64,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Riskiest {
    pub size_before: u64,
    /// The size of the class its rows are in now; none when they were suppressed.
    pub size_after: Option<u64>,
}

const BANDS: [(&str, u64, u64); 8] = [
    ("1", 1, 1),
    ("2", 2, 2),
    ("3–4", 3, 4),
    ("5–9", 5, 9),
    ("10–19", 10, 19),
    ("20–49", 20, 49),
    ("50–99", 50, 99),
    ("100+", 100, u64::MAX),
];

impl Classes {
    fn of(sizes: &[u64]) -> Classes {
        let rows: u64 = sizes.iter().sum();
        let smallest = sizes.iter().copied().min();
        let at_risk: u64 = sizes
            .iter()
            .filter(|s| 1.0 / **s as f64 > RISK_THRESHOLD)
            .sum();
        let share = |n: u64| {
            if rows == 0 {
                0.0
            } else {
                n as f64 / rows as f64
            }
        };
        Classes {
            rows,
            classes: sizes.len() as u64,
            smallest,
            sizes: BANDS
                .iter()
                .map(|(label, low, high)| {
                    let within = sizes.iter().filter(|s| (*low..=*high).contains(*s));
                    SizeBand {
                        sizes: label,
                        classes: within.clone().count() as u64,
                        rows: within.sum(),
                    }
                })
                .collect(),
            highest_risk: smallest.map_or(0.0, |s| 1.0 / s as f64),
            average_risk: share(sizes.len() as u64),
            at_risk_share: share(at_risk),
        }
    }
}

/// How an exact value reads in the report.
fn exact_label(kind: &Kind, e: &Exact) -> Text {
    match (kind, e) {
        (_, Exact::Missing(m)) => Text::from_fn(|lang| format!("[{}]", m.label(lang))),
        (Kind::Choice(choices), Exact::Number(n)) => usize::try_from(*n - 1)
            .ok()
            .and_then(|i| choices.get(i))
            .map_or_else(|| Text::same(&n.to_string()), |(_, label)| label.clone()),
        (Kind::Set(choices), Exact::Set(chosen)) => {
            let picked: Vec<&Text> = choices
                .iter()
                .zip(chosen)
                .filter(|(_, c)| **c)
                .map(|((_, label), _)| label)
                .collect();
            Text::from_fn(|lang| {
                if picked.is_empty() {
                    "–".to_owned()
                } else {
                    picked
                        .iter()
                        .map(|t| t.get(lang))
                        .collect::<Vec<_>>()
                        .join(" + ")
                }
            })
        }
        (_, Exact::Number(n)) => Text::same(&n.to_string()),
        (_, Exact::Other(text)) => Text::same(text),
        (_, Exact::Set(_)) => Text::same("?"),
    }
}

impl Risk {
    pub(super) fn of(quasi: &Quasi, table: &Table, solution: &Solution, params: Params) -> Risk {
        let n = quasi.rows;
        let best = &solution.best;
        let k = params.k;
        // Classes before: a plain group-by over the exact values.
        let mut before: HashMap<Vec<u32>, u64> = HashMap::new();
        let exact_key = |r: usize| -> Vec<u32> { table.columns.iter().map(|c| c[r]).collect() };
        for r in 0..n {
            *before.entry(exact_key(r)).or_default() += 1;
        }
        // Classes after: the kept rows by their generalized values.
        let general_key = |r: usize| -> Vec<u32> {
            table
                .columns
                .iter()
                .zip(table.hierarchies)
                .zip(&best.levels)
                .map(|((c, h), l)| h.generalize(*l, c[r]))
                .collect()
        };
        let mut after: HashMap<Vec<u32>, u64> = HashMap::new();
        for r in (0..n).filter(|r| !solution.suppressed[*r]) {
            *after.entry(general_key(r)).or_default() += 1;
        }
        // The ten smallest classes before, each by one of its rows.
        let mut first_row: HashMap<Vec<u32>, usize> = HashMap::new();
        for r in 0..n {
            first_row.entry(exact_key(r)).or_insert(r);
        }
        let mut smallest: Vec<(u64, usize)> =
            first_row.iter().map(|(key, r)| (before[key], *r)).collect();
        smallest.sort_unstable();
        let riskiest = smallest
            .iter()
            .take(10)
            .map(|(size, r)| Riskiest {
                size_before: *size,
                size_after: (!solution.suppressed[*r]).then(|| after[&general_key(*r)]),
            })
            .collect();
        let suppressed_rows = solution.suppressed.iter().filter(|s| **s).count() as u64;
        let quasi_identifiers = quasi
            .qis
            .iter()
            .enumerate()
            .map(|(i, qi)| {
                let level = best.levels[i];
                let h = &table.hierarchies[i];
                let column = &table.columns[i];
                let mut exact_counts = vec![0u64; qi.exact.len()];
                let mut general_counts: HashMap<u32, u64> = HashMap::new();
                for (r, v) in column.iter().enumerate() {
                    exact_counts[*v as usize] += 1;
                    if !solution.suppressed[r] {
                        *general_counts.entry(h.generalize(level, *v)).or_default() += 1;
                    }
                }
                // Exact values that share their generalized value with another.
                let mut members: HashMap<u32, u32> = HashMap::new();
                for v in 0..qi.exact.len() as u32 {
                    *members.entry(h.generalize(level, v)).or_default() += 1;
                }
                let cells_generalized = column
                    .iter()
                    .zip(&solution.suppressed)
                    .filter(|(v, gone)| !**gone && members[&h.generalize(level, **v)] > 1)
                    .count() as u64;
                let shown = |count: u64| (count >= k).then_some(count);
                let mut before: Vec<(Text, u64)> = qi
                    .exact
                    .iter()
                    .zip(&exact_counts)
                    .map(|(e, c)| (exact_label(&qi.kind, e), *c))
                    .collect();
                before.sort_by_key(|b| std::cmp::Reverse(b.1));
                // One exact value per generalized value, to name it.
                let mut named: HashMap<u32, usize> = HashMap::new();
                for (v, _) in qi.exact.iter().enumerate() {
                    named.entry(h.generalize(level, v as u32)).or_insert(v);
                }
                let mut after: Vec<(Text, u64)> = general_counts
                    .iter()
                    .map(|(g, c)| {
                        let v = named[g];
                        let e = &qi.exact[v];
                        let label = match qi.general(e, v as u32, level) {
                            General::Exact(_) => exact_label(&qi.kind, e),
                            General::All => Text::same("*"),
                            General::Missing(m) => {
                                Text::from_fn(|lang| format!("[{}]", m.label(lang)))
                            }
                            General::Group(g) => match &qi.levels[level - 1].rule {
                                crate::survey::hierarchy::Rule::Groups(groups) => {
                                    groups[g].label.clone()
                                }
                                _ => Text::same("?"),
                            },
                            General::Band(b) => match &qi.levels[level - 1].rule {
                                crate::survey::hierarchy::Rule::Width(w) => {
                                    super::band_label(qi.min(), *w, b)
                                }
                                _ => Text::same("?"),
                            },
                            General::Count(c) => Text::same(&c.to_string()),
                        };
                        (label, *c)
                    })
                    .collect();
                after.sort_by_key(|a| std::cmp::Reverse(a.1));
                QiReport {
                    question: qi.question.to_string(),
                    label: qi.label.clone(),
                    level,
                    levels: qi.levels.len() + 1,
                    level_name: if level == 0 {
                        Text::pair("原值", "exact")
                    } else if level > qi.levels.len() {
                        Text::pair("*（不导出）", "* (left out)")
                    } else {
                        qi.levels[level - 1].name.clone()
                    },
                    cells_generalized,
                    cells_suppressed: suppressed_rows,
                    before: before
                        .into_iter()
                        .map(|(value, c)| Count {
                            value,
                            count: shown(c),
                        })
                        .collect(),
                    after: after
                        .into_iter()
                        .map(|(value, c)| Count {
                            value,
                            count: shown(c),
                        })
                        .collect(),
                }
            })
            .collect();
        let before_sizes: Vec<u64> = before.values().copied().collect();
        let after_sizes: Vec<u64> = after.values().copied().collect();
        Risk {
            k,
            l: params.l,
            sensitive: quasi
                .sensitive
                .iter()
                .map(|s| s.question.to_string())
                .collect(),
            max_suppressed: params.max_suppressed,
            rows: n as u64,
            suppressed: suppressed_rows,
            suppressed_percent: if n == 0 {
                0.0
            } else {
                100.0 * suppressed_rows as f64 / n as f64
            },
            k_achieved: after_sizes.iter().copied().min(),
            measure: MEASURE,
            loss: best.loss,
            nodes_evaluated: solution.nodes_evaluated,
            nodes: solution.nodes,
            quasi_identifiers,
            before: Classes::of(&before_sizes),
            after: Classes::of(&after_sizes),
            riskiest,
        }
    }

    /// What the page and the job's JSON show.
    pub fn summary(&self) -> Summary {
        Summary {
            k: self.k,
            k_achieved: self.k_achieved,
            l: self.l,
            sensitive: self.sensitive.clone(),
            rows: self.rows,
            suppressed: self.suppressed,
            suppressed_percent: self.suppressed_percent,
            loss: self.loss,
            highest_risk_before: self.before.highest_risk,
            highest_risk_after: self.after.highest_risk,
            at_risk_before: self.before.at_risk_share,
            at_risk_after: self.after.at_risk_share,
            levels: self
                .quasi_identifiers
                .iter()
                .map(|q| LevelChosen {
                    question: q.question.clone(),
                    level: q.level,
                    levels: q.levels,
                    name: q.level_name.clone(),
                })
                .collect(),
        }
    }

    /// risk.html: the report for a reader, both languages; `about` gives the survey,
    /// the versions, the settings and the date as the codebook states them.
    pub fn html(&self, title: &Text, about: &[(Text, Text)]) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>风险报告 Risk report: {} / {}</title><style>{STYLE}</style></head><body>\n",
            escaped(title.get(Lang::Zh)),
            escaped(title.get(Lang::En))
        );
        let _ = writeln!(
            out,
            "<h1>再识别风险报告 Re-identification risk report</h1>\n<p>{}</p>",
            both(title)
        );
        out.push_str("<h2>摘要 Summary</h2>\n<table>\n");
        let percent = |x: f64| format!("{:.1}%", 100.0 * x);
        let mut rows: Vec<(Text, Text)> = about.to_vec();
        rows.extend([
            (
                Text::pair(
                    "k（每种准标识符组合至少出现的行数）",
                    "k (rows each combination of quasi-identifiers must have)",
                ),
                Text::same(&self.k.to_string()),
            ),
            (
                Text::pair("达到的 k", "k achieved"),
                Text::same(&self.k_achieved.map_or("–".into(), |k| k.to_string())),
            ),
            (
                Text::pair("抑制上限（行）", "Suppression limit (rows)"),
                Text::same(&self.max_suppressed.to_string()),
            ),
            (
                Text::pair("抑制的行", "Rows suppressed"),
                Text::same(&format!(
                    "{} / {} ({:.1}%)",
                    self.suppressed, self.rows, self.suppressed_percent
                )),
            ),
            (
                Text::pair("信息损失", "Information loss"),
                Text::from_fn(|lang| match lang {
                    Lang::Zh => format!(
                        "{:.3}（归一化非均匀熵：0 为无损失，1 为全部丢失）",
                        self.loss
                    ),
                    Lang::En => format!("{:.3} ({})", self.loss, MEASURE),
                }),
            ),
            (
                Text::pair("检查的变换", "Transformations checked"),
                Text::same(&format!("{} / {}", self.nodes_evaluated, self.nodes)),
            ),
        ]);
        if let Some(l) = self.l {
            rows.push((
                Text::pair("ℓ-多样性（敏感属性）", "ℓ-diversity (sensitive attributes)"),
                Text::same(&format!("ℓ = {l}: {}", self.sensitive.join(", "))),
            ));
        }
        for (name, value) in &rows {
            let _ = writeln!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                both(name),
                both(value)
            );
        }
        out.push_str("</table>\n<h2>准标识符 Quasi-identifiers</h2>\n<table>\n<tr><th>变量 Variable</th><th>泛化层级 Level</th><th class=n>泛化的单元格 Cells generalized</th><th class=n>抑制的单元格 Cells suppressed</th></tr>\n");
        for qi in &self.quasi_identifiers {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code><br>{}</td><td>{} / {}: {}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                escaped(&qi.question),
                both(&qi.label),
                qi.level,
                qi.levels,
                both(&qi.level_name),
                qi.cells_generalized,
                qi.cells_suppressed
            );
        }
        out.push_str("</table>\n<h2>等价类与检察官风险 Classes and prosecutor risk</h2>\n<table>\n<tr><th></th><th class=n>之前 Before</th><th class=n>之后 After</th></tr>\n");
        let pair = |name: &str, b: String, a: String| {
            format!("<tr><th>{name}</th><td class=n>{b}</td><td class=n>{a}</td></tr>\n")
        };
        let (b, a) = (&self.before, &self.after);
        out.push_str(&pair("行 Rows", b.rows.to_string(), a.rows.to_string()));
        out.push_str(&pair(
            "等价类 Classes",
            b.classes.to_string(),
            a.classes.to_string(),
        ));
        let size = |s: Option<u64>| s.map_or("–".into(), |s| s.to_string());
        out.push_str(&pair(
            "最小类 Smallest class",
            size(b.smallest),
            size(a.smallest),
        ));
        out.push_str(&pair(
            "最高风险 Highest risk",
            percent(b.highest_risk),
            percent(a.highest_risk),
        ));
        out.push_str(&pair(
            "平均风险 Average risk",
            percent(b.average_risk),
            percent(a.average_risk),
        ));
        out.push_str(&pair(
            &format!(
                "风险高于 {0:.0}% 的行 Rows at risk above {0:.0}%",
                100.0 * RISK_THRESHOLD
            ),
            percent(b.at_risk_share),
            percent(a.at_risk_share),
        ));
        out.push_str("</table>\n<h3>按类大小的行数 Rows by the size of their class</h3>\n<table>\n<tr><th>类大小 Class size</th><th class=n>之前：类 / 行 Before: classes / rows</th><th class=n>之后：类 / 行 After: classes / rows</th></tr>\n");
        for (x, y) in b.sizes.iter().zip(&a.sizes) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=n>{} / {}</td><td class=n>{} / {}</td></tr>",
                x.sizes, x.classes, x.rows, y.classes, y.rows
            );
        }
        out.push_str("</table>\n<h3>风险最高的十个组合（仅大小）The ten riskiest combinations (sizes only)</h3>\n<table>\n<tr><th class=n>之前的大小 Size before</th><th class=n>之后的大小 Size after</th></tr>\n");
        for r in &self.riskiest {
            let _ = writeln!(
                out,
                "<tr><td class=n>{}</td><td class=n>{}</td></tr>",
                r.size_before,
                r.size_after
                    .map_or("已抑制 suppressed".into(), |s| s.to_string())
            );
        }
        out.push_str("</table>\n<h2>频数表 Frequency tables</h2>\n");
        let _ = writeln!(
            out,
            "<p>少于 {0} 行的取值不显示计数（“&lt;{0}”）。Counts under {0} are not shown (“&lt;{0}”).</p>",
            self.k
        );
        let count = |c: Option<u64>| c.map_or_else(|| format!("&lt;{}", self.k), |c| c.to_string());
        for qi in &self.quasi_identifiers {
            let _ = writeln!(
                out,
                "<section><h3><code>{}</code> {}</h3>\n<table><tr><th>之前 Before</th><th class=n>n</th></tr>",
                escaped(&qi.question),
                both(&qi.label)
            );
            for c in &qi.before {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td class=n>{}</td></tr>",
                    both(&c.value),
                    count(c.count)
                );
            }
            out.push_str("</table>\n<table><tr><th>之后 After</th><th class=n>n</th></tr>\n");
            for c in &qi.after {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td class=n>{}</td></tr>",
                    both(&c.value),
                    count(c.count)
                );
            }
            out.push_str("</table></section>\n");
        }
        out.push_str("</body></html>\n");
        out
    }
}
