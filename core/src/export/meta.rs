//! The columns about a response rather than its answers: a key drawn for the export, its
//! status and language, its dates (by day or week), minutes taken and the quality flags.

use super::{
    Dates, Include, Measure, Meta, Missing, ResponseMeta, Source, Value, ValueLabel, Variable,
};
use crate::lang::Lang;
use crate::response::ResponseStatus;
use crate::survey::{Disclosure, Text};

fn labelled(values: &[(i64, &str, &str)]) -> Vec<ValueLabel> {
    values
        .iter()
        .map(|(value, zh, en)| ValueLabel {
            value: *value,
            code: None,
            label: Text::pair(zh, en),
        })
        .collect()
}

/// Every status, in the order of its number.
const STATUSES: [(ResponseStatus, &str, &str); 5] = [
    (ResponseStatus::Completed, "已完成", "completed"),
    (ResponseStatus::InProgress, "进行中", "in progress"),
    (ResponseStatus::Refused, "拒绝参与", "refused"),
    (ResponseStatus::ScreenedOut, "被筛除", "screened out"),
    (ResponseStatus::QuotaFull, "配额已满", "quota full"),
];

const NO_YES: [(i64, &str, &str); 2] = [(0, "否", "no"), (1, "是", "yes")];

fn variable(name: &str, label: Text, measure: Measure, which: Meta) -> Variable {
    Variable {
        name: name.to_owned(),
        question: None,
        section: None,
        label,
        measure,
        decimal: false,
        disclosure: Disclosure::Attribute,
        asked_when: Vec::new(),
        values: Vec::new(),
        source: Source::Meta(which),
    }
}

/// The columns about the response, first in every export.
pub(super) fn meta_variables(include: Include) -> Vec<Variable> {
    let (began, submitted) = match include.dates {
        Dates::Day => (
            Text::pair("开始日期", "Began (day)"),
            Text::pair("提交日期", "Submitted (day)"),
        ),
        Dates::Week => (
            Text::pair("开始于该周（周一）", "Began in the week of (its Monday)"),
            Text::pair(
                "提交于该周（周一）",
                "Submitted in the week of (its Monday)",
            ),
        ),
        Dates::Exact => (
            Text::pair("开始时间", "Began (date and time)"),
            Text::pair("提交时间", "Submitted (date and time)"),
        ),
    };
    let statuses: Vec<(i64, &str, &str)> = (1..)
        .zip(STATUSES)
        .map(|(n, (_, zh, en))| (n, zh, en))
        .collect();
    let mut status = variable(
        "response_status",
        Text::pair("答卷状态", "Response status"),
        Measure::Nominal,
        Meta::Status,
    );
    status.values = labelled(&statuses);
    let mut lang = variable(
        "response_lang",
        Text::pair("答卷语言", "Language answered in"),
        Measure::Nominal,
        Meta::Lang,
    );
    lang.values = labelled(&[(1, "中文", "Chinese"), (2, "英文", "English")]);
    let mut started = variable("started", began, Measure::Date, Meta::Started);
    started.disclosure = Disclosure::QuasiIdentifier;
    let mut completed = variable("completed", submitted, Measure::Date, Meta::Completed);
    completed.disclosure = Disclosure::QuasiIdentifier;
    let mut same_browser = variable(
        "same_browser",
        Text::pair(
            "同一浏览器已开始过另一份答卷",
            "Begun in a browser that had begun another response",
        ),
        Measure::Nominal,
        Meta::SameBrowser,
    );
    same_browser.values = labelled(&NO_YES);
    let mut speeder = variable(
        "speeder",
        Text::pair(
            "用时不足中位数的三分之一",
            "Submitted in under a third of the median time",
        ),
        Measure::Nominal,
        Meta::Speeder,
    );
    speeder.values = labelled(&NO_YES);
    let mut public_id = variable(
        "response_id",
        Text::pair(
            "答卷公开编号（可识别）",
            "Response's public ID (identifying)",
        ),
        Measure::Text,
        Meta::PublicId,
    );
    public_id.disclosure = Disclosure::DirectIdentifier;
    let mut out = vec![
        variable(
            "response",
            Text::pair(
                "答卷编号（本次导出随机编排）",
                "Response (numbered at random for this export)",
            ),
            Measure::Nominal,
            Meta::Key,
        ),
        status,
        lang,
        started,
        completed,
        variable(
            "minutes",
            Text::pair("用时（整分钟）", "Minutes taken (whole)"),
            Measure::Scale,
            Meta::Minutes,
        ),
        same_browser,
        speeder,
    ];
    if include.identifiable {
        out.insert(1, public_id);
    }
    out
}

/// A response's value in a column about it; `unsubmitted` is what the submission's columns
/// are missing as when it was not submitted.
pub(super) fn meta_value(which: Meta, meta: &ResponseMeta, unsubmitted: Missing) -> Value {
    let submitted = meta.status == ResponseStatus::Completed;
    match which {
        Meta::Key => Value::Number(meta.key),
        Meta::PublicId => meta
            .public_id
            .clone()
            .map_or(Value::Missing(Missing::NoAnswer), Value::Text),
        Meta::Status => Value::Number(
            (1..)
                .zip(STATUSES)
                .find(|(_, (s, _, _))| *s == meta.status)
                .map_or(0, |(n, _)| n),
        ),
        Meta::Lang => Value::Number(match meta.lang {
            Lang::Zh => 1,
            Lang::En => 2,
        }),
        Meta::Started => Value::Text(meta.started.clone()),
        Meta::Completed => meta
            .completed
            .clone()
            .map_or(Value::Missing(unsubmitted), Value::Text),
        Meta::Minutes => meta
            .minutes
            .map_or(Value::Missing(unsubmitted), Value::Number),
        Meta::SameBrowser => Value::Number(i64::from(meta.same_browser)),
        Meta::Speeder if submitted => Value::Number(i64::from(meta.speeder)),
        Meta::Speeder => Value::Missing(unsubmitted),
    }
}
