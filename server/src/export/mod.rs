//! Dataset exports: the files an analyst takes into Excel, SPSS, Stata and R, written
//! from a survey's stored answers as they stream from PostgreSQL.
//!
//! The column layout, the values and the syntax files are `canvass-core`'s
//! ([`canvass_core::export`]); here they are written to files, and [`job`] runs an export
//! in the background.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use canvass_core::Lang;
use canvass_core::anonymize::Params;
use canvass_core::export::anon::risk::Risk;
use canvass_core::export::anon::{AnonError, Plan, Quasi};
use canvass_core::export::summary::Summary;
use canvass_core::export::{self, Dates, Value, Values, Variable, codebook, ddi, syntax};
use canvass_core::ids::SurveyId;
use canvass_core::survey::Survey;
use canvass_core::survey::Text;
use canvass_db::PgConnection;
use canvass_db::export::{ExportError, Responses, Selection};
use futures_util::StreamExt;

pub mod job;
pub mod xlsx;
use sha2::{Digest, Sha256};

/// What an export holds and how it writes it: the request as parsed.
pub type Settings = canvass_core::export::request::ExportRequest;

/// How far an export has got, and whether it was asked to stop: shared between the
/// writer, which counts its rows and checks the flag at each, and whoever follows it.
///
/// An anonymized export reads its rows twice: the count is of both readings, halved.
#[derive(Debug, Default)]
pub struct Progress {
    written: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    /// Rows written so far (rows read, over both readings, halved, when anonymized).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Asks the writer to stop at its next row ([`WriteError::Cancelled`]).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Read(#[from] ExportError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the export: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing data.xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the export was cancelled")]
    Cancelled,
    #[error("the export cannot be anonymized: {0}")]
    Anonymize(#[from] AnonError),
}

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// What writing data.csv found: the rows, each variable's values counted (for the
/// codebook), and the survey versions the rows answered.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub rows: u64,
    pub summaries: Vec<Summary>,
    pub versions: BTreeSet<u32>,
    /// Each file's name and SHA-256 (hex), README.txt's last ([`write_files`] only).
    pub hashes: Vec<(String, String)>,
    /// Rows read (before suppression).
    pub read: u64,
    /// The risk report, when the export is anonymized, and as risk.html.
    pub risk: Option<Risk>,
    pub risk_html: Option<String>,
}

/// A CSV writer that has written the byte-order mark and the header of `variables`.
fn csv_with_header<W: Write>(
    out: W,
    variables: &[Variable],
) -> Result<csv::Writer<std::io::BufWriter<W>>, WriteError> {
    let mut out = std::io::BufWriter::new(out);
    out.write_all(BOM)?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    csv.write_record(variables.iter().map(|v| v.name.as_str()))?;
    Ok(csv)
}

/// Where one pass over the rows writes them: data.csv in the chosen values, and maybe the
/// same rows in codes (when data.csv holds labels) and as a workbook.
pub struct Outputs<'a, W: Write> {
    pub data: W,
    pub codes: Option<W>,
    pub xlsx: Option<&'a mut xlsx::Sheets>,
    /// Counts the rows, and stops the writing when cancelled.
    pub progress: Option<&'a Progress>,
}

/// The responses the request keeps.
fn selection(settings: &Settings) -> Selection {
    Selection {
        responses: settings.responses,
        filter: settings
            .filter
            .iter()
            .map(|(q, c)| (q.to_string(), c.to_string()))
            .collect(),
    }
}

/// risk.html for `risk`, with the survey, its versions, the date and the settings.
fn risk_html(
    risk: &Risk,
    survey: &Survey,
    settings: &Settings,
    versions: &[u32],
    exported_at: &str,
) -> String {
    let mut about = vec![
        (
            Text::pair("问卷", "Survey"),
            Text::same(survey.slug.as_str()),
        ),
        (
            Text::pair("问卷版本", "Survey versions"),
            Text::same(
                &versions
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        (Text::pair("时间", "Made at"), Text::same(exported_at)),
    ];
    about.extend(stated(settings, survey));
    risk.html(&survey.title, &about)
}

/// `YYYY-MM-DD HH:MM UTC`, now.
fn now_minute() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    )
}

/// A preview run: the first reading and the anonymization alone, for its risk report;
/// no file is written.
pub async fn preview(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    progress: &Progress,
) -> Result<Written, WriteError> {
    let Some((plan, risk, versions)) =
        anonymize(conn, survey, survey_id, settings, Some(progress)).await?
    else {
        return Ok(Written::default());
    };
    let html = risk_html(&risk, survey, settings, &versions, &now_minute());
    Ok(Written {
        rows: plan.solution.suppressed.iter().filter(|s| !**s).count() as u64,
        read: risk.rows,
        risk: Some(risk),
        risk_html: Some(html),
        ..Written::default()
    })
}

/// The anonymization's parameters for `rows` rows.
pub fn params(settings: &Settings, rows: u64) -> Params {
    let anonymity = &settings.anonymity;
    Params {
        k: u64::from(anonymity.k),
        max_suppressed: anonymity.max_suppressed(rows),
        l: (!anonymity.sensitive.is_empty()).then_some(anonymity.l),
    }
}

/// The first reading of an anonymized export: every row's quasi-identifiers, then the
/// transformation chosen, its risk report and the survey versions the rows answered. `None` for an identifiable export, which is
/// not anonymized.
pub async fn anonymize(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    progress: Option<&Progress>,
) -> Result<Option<(Plan, Risk, Vec<u32>)>, WriteError> {
    if settings.include.identifiable {
        return Ok(None);
    }
    let mut versions = BTreeSet::new();
    let variables = export::variables(survey, settings.include);
    let mut quasi = Quasi::new(survey, &variables, &settings.anonymity.sensitive);
    let speeder_under = canvass_db::export::speeder_bound(conn, survey_id)
        .await
        .map_err(ExportError::from)?;
    let selection = selection(settings);
    let mut rows = canvass_db::export::rows(
        conn,
        survey_id,
        survey.time_zone.as_str(),
        &selection,
        settings.include,
        speeder_under,
    );
    while let Some(row) = rows.next().await {
        if progress.is_some_and(Progress::is_cancelled) {
            return Err(WriteError::Cancelled);
        }
        let row = row?;
        versions.insert(row.version);
        quasi.add(&export::row(&variables, &row.outcomes, &row.meta));
        if let Some(progress) = progress {
            progress
                .written
                .store(quasi.rows() as u64 / 2, Ordering::Relaxed);
        }
    }
    drop(rows);
    let params = params(settings, quasi.rows() as u64);
    // The search is CPU work: off the runtime's threads.
    let (plan, risk) = tokio::task::spawn_blocking(move || quasi.plan(&variables, params))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    Ok(Some((plan, risk, versions.into_iter().collect())))
}

/// Writes every response, as it streams from the database, to `outputs`: a byte-order
/// mark, a header of variable names, then one row per response; with `plan`, the rows as
/// it rewrites them, the suppressed ones left out.
pub async fn write_data<W: Write>(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    outputs: Outputs<'_, W>,
    mut plan: Option<&mut Plan>,
) -> Result<Written, WriteError> {
    let read_variables = export::variables(survey, settings.include);
    let variables = match plan.as_deref() {
        Some(plan) => plan.variables.clone(),
        None => read_variables.clone(),
    };
    let mut csv = csv_with_header(outputs.data, &variables)?;
    let mut codes = match outputs.codes {
        Some(out) => Some(csv_with_header(out, &variables)?),
        None => None,
    };
    let mut xlsx = outputs.xlsx;
    let progress = outputs.progress;
    let mut written = Written {
        summaries: vec![Summary::default(); variables.len()],
        ..Written::default()
    };
    let speeder_under = canvass_db::export::speeder_bound(conn, survey_id)
        .await
        .map_err(ExportError::from)?;
    let selection = selection(settings);
    let mut rows = canvass_db::export::rows(
        conn,
        survey_id,
        survey.time_zone.as_str(),
        &selection,
        settings.include,
        speeder_under,
    );
    let first_reading = plan
        .as_deref()
        .map_or(0, |p| p.solution.suppressed.len() as u64);
    while let Some(row) = rows.next().await {
        if progress.is_some_and(Progress::is_cancelled) {
            return Err(WriteError::Cancelled);
        }
        let row = row?;
        written.read += 1;
        if let Some(progress) = progress {
            let done = if plan.is_some() {
                (first_reading + written.read) / 2
            } else {
                written.read
            };
            progress.written.store(done, Ordering::Relaxed);
        }
        let values = export::row(&read_variables, &row.outcomes, &row.meta);
        let values = match plan.as_deref_mut() {
            None => values,
            Some(plan) => match plan.apply(&values)? {
                Some(values) => values,
                None => continue,
            },
        };
        csv.write_record(written_values(&variables, &values, settings.values))?;
        if let Some(codes) = codes.as_mut() {
            codes.write_record(written_values(&variables, &values, Values::Codes))?;
        }
        if let Some(sheets) = xlsx.as_deref_mut() {
            sheets.push(&variables, &values)?;
        }
        for (summary, value) in written.summaries.iter_mut().zip(&values) {
            summary.add(value);
        }
        written.versions.insert(row.version);
        written.rows += 1;
    }
    if plan.is_some_and(|p| !p.finished()) {
        return Err(AnonError::Changed {
            row: written.read as usize,
        }
        .into());
    }
    csv.flush()?;
    if let Some(mut codes) = codes {
        codes.flush()?;
    }
    Ok(written)
}

fn written_values<'a>(
    variables: &'a [Variable],
    values: &'a [Value],
    how: Values,
) -> impl Iterator<Item = String> + 'a {
    variables
        .iter()
        .zip(values)
        .map(move |(variable, value)| value.written(variable, how))
}

/// The settings as the codebook and README state them.
fn stated(settings: &Settings, survey: &Survey) -> Vec<(Text, Text)> {
    let values = match settings.values {
        Values::Codes => Text::pair("代码（数字）", "codes (numbers)"),
        Values::Labels(Lang::Zh) => Text::pair("中文标签", "labels in Chinese"),
        Values::Labels(Lang::En) => Text::pair("英文标签", "labels in English"),
    };
    let responses = match settings.responses {
        Responses::Completed => Text::pair("仅已完成的答卷", "completed responses only"),
        Responses::All => Text::pair(
            "全部答卷（含未完成与提前结束）",
            "every response (in progress and ended too)",
        ),
    };
    let free_text = if settings.include.free_text {
        Text::pair("包含", "included")
    } else {
        Text::pair("不包含", "left out")
    };
    let dates = match settings.include.dates {
        Dates::Day => Text::pair("按日", "by day"),
        Dates::Week => Text::pair("按周（周一）", "by week (its Monday)"),
        Dates::Exact => Text::pair("精确到秒", "to the second"),
    };
    let mut stated = vec![];
    if settings.include.identifiable {
        stated.push((
            Text::pair("可识别数据", "IDENTIFIABLE DATA"),
            Text::pair(
                "是：含答卷公开编号、精确时间与自由文本；仅限管理员，须妥善保管",
                "yes: response IDs, exact times and free text; for admins only, keep it safe",
            ),
        ));
    }
    stated.extend([
        (Text::pair("取值", "Values"), values),
        (Text::pair("日期", "Dates"), dates),
        (Text::pair("答卷", "Responses"), responses),
        (Text::pair("自由文本", "Free text"), free_text),
    ]);
    if let Some(reason) = &settings.reason {
        stated.push((Text::pair("理由", "Reason"), Text::pair(reason, reason)));
    }
    if !settings.include.identifiable {
        let anonymity = &settings.anonymity;
        stated.push((
            Text::pair("k-匿名", "k-anonymity"),
            Text::same(&format!("k = {}", anonymity.k)),
        ));
        stated.push((
            Text::pair("抑制上限", "Suppression limit"),
            Text::same(&format!("{}%", anonymity.suppression)),
        ));
        if !anonymity.sensitive.is_empty() {
            let names: Vec<&str> = anonymity.sensitive.iter().map(|q| q.as_str()).collect();
            stated.push((
                Text::pair("ℓ-多样性", "ℓ-diversity"),
                Text::same(&format!("ℓ = {}: {}", anonymity.l, names.join(", "))),
            ));
        }
    }
    for (question, code) in &settings.filter {
        let asked = survey.question(question.as_str());
        let label = |lang: Lang| match asked.map(|q| &q.kind) {
            Some(canvass_core::survey::QuestionKind::SingleChoice { choices, .. }) => choices
                .iter()
                .find(|c| &c.code == code)
                .map_or_else(|| code.to_string(), |c| c.label.get(lang).to_owned()),
            _ => code.to_string(),
        };
        stated.push((
            Text::pair("筛选", "Filter"),
            Text::from_fn(|lang| format!("{question} = {code} ({})", label(lang))),
        ));
    }
    stated
}

/// What was done so the data identify no one; dates are of `zone`, the survey's. An
/// identifiable export says what it holds instead.
fn steps(settings: &Settings, zone: &str, risk: Option<&Risk>) -> Vec<Text> {
    if settings.include.identifiable {
        return vec![
            Text::pair(
                "此为可识别数据集：含答卷公开编号、精确到秒的时间与全部自由文本，仅供管理员按所述理由使用。",
                "This dataset is IDENTIFIABLE: it holds each response's public ID, times to the second and all free text, for an admin's stated reason only.",
            ),
            Text::pair(
                "电子邮箱与受邀者信息仍未读取，不在导出中。",
                "E-mail addresses and invitee data are still never read and are not in the export.",
            ),
            Text::from_fn(|lang| match lang {
                Lang::Zh => format!("时间为 {zone} 时区。"),
                Lang::En => format!("Times are of {zone}."),
            }),
        ];
    }
    let mut steps = vec![
        Text::pair(
            "直接标识符（电子邮箱、受邀者信息）从未读取，不在导出中。",
            "Direct identifiers (e-mail addresses, invitee data) are never read and are not in the export.",
        ),
        Text::pair(
            "答卷以本次导出随机抽取的编号标识，从不使用答卷公开编号、续答码或邀请。",
            "Responses are numbered at random for this export: never by their public ID, resume code or invitation.",
        ),
        match settings.include.dates {
            Dates::Day => Text::from_fn(|lang| match lang {
                Lang::Zh => {
                    format!("时间只保留到日期（{zone} 时区），用时按整分钟计（最长一天）。")
                }
                Lang::En => format!(
                    "Times are kept to the day ({zone}); time taken in whole minutes (at most a day)."
                ),
            }),
            Dates::Week => Text::from_fn(|lang| match lang {
                Lang::Zh => format!(
                    "时间只保留到所在周（以周一表示，{zone} 时区），用时按整分钟计（最长一天）。"
                ),
                Lang::En => format!(
                    "Times are kept to the week (as its Monday, {zone}); time taken in whole minutes (at most a day)."
                ),
            }),
            Dates::Exact => Text::from_fn(|lang| match lang {
                Lang::Zh => format!("时间精确到秒（{zone} 时区）。"),
                Lang::En => format!("Times are kept to the second ({zone})."),
            }),
        },
    ];
    if !settings.include.free_text {
        steps.push(Text::pair(
            "自由文本（“其他”说明、意见）已排除。",
            "Free text (other-specify answers, comments) is left out.",
        ));
    }
    if let Some(risk) = risk {
        steps.extend(anonymity_steps(risk));
    }
    steps
}

/// What the anonymization did, as the codebook's and README's steps.
fn anonymity_steps(risk: &Risk) -> Vec<Text> {
    let names: Vec<&str> = risk
        .quasi_identifiers
        .iter()
        .map(|q| q.question.as_str())
        .collect();
    let mut steps = vec![Text::from_fn(|lang| match lang {
        Lang::Zh => format!(
            "k-匿名（k = {}）：准标识符（{}）的每种组合至少出现在 {} 行中。",
            risk.k,
            names.join("、"),
            risk.k
        ),
        Lang::En => format!(
            "k-anonymous (k = {}): every combination of the quasi-identifiers ({}) occurs in at least {} rows.",
            risk.k,
            names.join(", "),
            risk.k
        ),
    })];
    for qi in risk.quasi_identifiers.iter().filter(|q| q.level > 0) {
        steps.push(Text::from_fn(|lang| match lang {
            Lang::Zh => format!("{} 泛化为：{}。", qi.question, qi.level_name.get(lang)),
            Lang::En => format!(
                "{} generalized to: {}.",
                qi.question,
                qi.level_name.get(lang)
            ),
        }));
    }
    steps.push(Text::from_fn(|lang| match lang {
        Lang::Zh => format!(
            "抑制（删除）{} 行，占 {} 行的 {:.1}%；详见 risk.html。",
            risk.suppressed, risk.rows, risk.suppressed_percent
        ),
        Lang::En => format!(
            "{} of {} rows ({:.1}%) suppressed (left out); see risk.html.",
            risk.suppressed, risk.rows, risk.suppressed_percent
        ),
    }));
    if let Some(l) = risk.l {
        steps.push(Text::from_fn(|lang| match lang {
            Lang::Zh => format!(
                "ℓ-多样性（ℓ = {l}）：每组在敏感属性（{}）上至少有 {l} 种不同取值。",
                risk.sensitive.join("、")
            ),
            Lang::En => format!(
                "ℓ-diverse (ℓ = {l}): every class holds at least {l} distinct values of the sensitive attributes ({}).",
                risk.sensitive.join(", ")
            ),
        }));
    }
    steps
}

/// The files of an export written in `values` (anonymized or not), each with what
/// README.txt says of it.
pub fn files(values: Values, anonymized: bool) -> Vec<(&'static str, &'static str)> {
    let mut files = vec![(
        syntax::DATA_FILE,
        "the data, one row per response: UTF-8 with a byte-order mark; open in Excel",
    )];
    if syntax::read_file(values) == syntax::CODES_FILE {
        files.push((
            syntax::CODES_FILE,
            "the same data in codes, which the syntax files read",
        ));
    }
    files.extend([
        (
            "data.xlsx",
            "the same table as data.csv, as an Excel workbook, header frozen",
        ),
        (
            "data.sps",
            "SPSS (or GNU PSPP) syntax: File > Open > Syntax, then Run All, from this folder",
        ),
        ("data.do", "Stata syntax: do data.do, from this folder"),
        (
            "data.R",
            "R: source(\"data.R\", encoding = \"UTF-8\"), from this folder",
        ),
        (
            "codebook.html",
            "every variable explained, with its values counted; open in a browser",
        ),
        (
            "codebook.xml",
            "the same codebook as DDI Codebook 2.5 XML, for archives and metadata tools",
        ),
    ]);
    if anonymized {
        files.extend([
            (
                "risk.html",
                "how the data were made k-anonymous, at what cost, and the risk left; open in a browser",
            ),
            ("risk.json", "the same risk report, for programs"),
        ]);
    }
    files.push(("README.txt", "this file"));
    files
}

/// Writes data.csv, data.xlsx, the syntax files that read data.csv (data.sps, data.do,
/// data.R), codebook.html and README.txt (with each file's SHA-256) into `dir`.
pub async fn write_files(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    dir: &Path,
    progress: &Progress,
) -> Result<Written, WriteError> {
    let data = std::fs::File::create(dir.join(syntax::DATA_FILE))?;
    let read = syntax::read_file(settings.values);
    let codes = if read == syntax::DATA_FILE {
        None
    } else {
        Some(std::fs::File::create(dir.join(read))?)
    };
    let mut anonymized = anonymize(conn, survey, survey_id, settings, Some(progress)).await?;
    let variables = match &anonymized {
        Some((plan, _, _)) => plan.variables.clone(),
        None => export::variables(survey, settings.include),
    };
    let mut sheets = xlsx::Sheets::new(&variables, settings.values, dir)?;
    let outputs = Outputs {
        data,
        codes,
        xlsx: Some(&mut sheets),
        progress: Some(progress),
    };
    let plan = anonymized.as_mut().map(|(plan, _, _)| plan);
    let mut written = write_data(conn, survey, survey_id, settings, outputs, plan).await?;
    written.risk = anonymized.map(|(_, risk, _)| risk);
    sheets.save(&dir.join("data.xlsx"))?;
    std::fs::write(
        dir.join("data.sps"),
        syntax::spss(&variables, settings.lang, read),
    )?;
    std::fs::write(
        dir.join("data.do"),
        syntax::stata(&variables, settings.lang, read),
    )?;
    std::fs::write(
        dir.join("data.R"),
        syntax::r(&variables, settings.lang, read),
    )?;
    let about = codebook::About {
        versions: written.versions.iter().copied().collect(),
        rows: written.rows,
        exported_at: now_minute(),
        settings: stated(settings, survey),
        steps: steps(settings, survey.time_zone.as_str(), written.risk.as_ref()),
    };
    if let Some(risk) = &written.risk {
        let html = risk_html(risk, survey, settings, &about.versions, &about.exported_at);
        std::fs::write(dir.join("risk.html"), &html)?;
        written.risk_html = Some(html);
        std::fs::write(
            dir.join("risk.json"),
            serde_json::to_string_pretty(risk).map_err(std::io::Error::other)?,
        )?;
    }
    std::fs::write(
        dir.join("codebook.html"),
        codebook::html(survey, &variables, &written.summaries, &about),
    )?;
    std::fs::write(
        dir.join("codebook.xml"),
        ddi::xml(survey, &variables, &written.summaries, &about),
    )?;
    let files = files(settings.values, written.risk.is_some());
    let (readme, mut hashes) = readme(survey, &about, &files, dir, settings.include.identifiable)?;
    std::fs::write(dir.join("README.txt"), &readme)?;
    hashes.push((
        "README.txt".to_owned(),
        hex(&Sha256::digest(readme.as_bytes())),
    ));
    written.hashes = hashes;
    Ok(written)
}

/// Writes the export as one zip at `path`. The files are written in a folder beside it
/// and zipped into a temporary name, renamed into place only when whole: a zip at `path`
/// is always complete.
pub async fn write_zip(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    path: &Path,
    progress: &Progress,
) -> Result<Written, WriteError> {
    let parts = path.with_extension("parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts)?;
    let result = zip_files(conn, survey, survey_id, settings, path, &parts, progress).await;
    let _ = std::fs::remove_dir_all(&parts);
    result
}

async fn zip_files(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: &Settings,
    path: &Path,
    parts: &Path,
    progress: &Progress,
) -> Result<Written, WriteError> {
    let written = write_files(conn, survey, survey_id, settings, parts, progress).await?;
    let partial = path.with_extension("zip.partial");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&partial)?);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    // data.xlsx is a zip itself: deflating it again would cost time for nothing.
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);
    for (file, _) in files(settings.values, written.risk.is_some()) {
        let options = if file.ends_with(".xlsx") {
            stored
        } else {
            deflated
        };
        zip.start_file(file, options)?;
        std::io::copy(&mut std::fs::File::open(parts.join(file))?, &mut zip)?;
    }
    zip.finish()?.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(written)
}

/// A digest in lowercase hex.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// README.txt: what each file is and how to open it, the export's settings, and the
/// SHA-256 of every other file (already written in `dir`); and those hashes by file.
fn readme(
    survey: &Survey,
    about: &codebook::About,
    files: &[(&str, &str)],
    dir: &Path,
    identifiable: bool,
) -> Result<(String, Vec<(String, String)>), WriteError> {
    use std::fmt::Write as _;
    let mut out = String::new();
    if identifiable {
        out.push_str(
            "*** IDENTIFIABLE DATA / 可识别数据: response IDs, exact times and free text. \
             For the admin's stated reason only; do not share. ***\r\n\r\n",
        );
    }
    let _ = writeln!(
        out,
        "{} / {}\r\nCanvass dataset export\r\n",
        survey.title.get(Lang::Zh),
        survey.title.get(Lang::En)
    );
    let _ = writeln!(out, "Rows (responses): {}\r", about.rows);
    let _ = writeln!(out, "Exported at: {}\r", about.exported_at);
    for (name, value) in &about.settings {
        let _ = writeln!(out, "{}: {}\r", name.get(Lang::En), value.get(Lang::En));
    }
    out.push_str("\r\nFiles\r\n");
    for (file, what) in files {
        let _ = writeln!(out, "  {file}: {what}\r");
    }
    out.push_str("\r\nDe-identification\r\n");
    for step in &about.steps {
        let _ = writeln!(out, "  - {}\r", step.get(Lang::En));
    }
    out.push_str("\r\nSHA-256\r\n");
    let mut hashes = Vec::new();
    for (file, _) in files.iter().filter(|(f, _)| *f != "README.txt") {
        // Streamed through the hasher: the data files can be gigabytes.
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(dir.join(file))?, &mut hasher)?;
        let hex = hex(&hasher.finalize());
        let _ = writeln!(out, "  {hex}  {file}\r");
        hashes.push(((*file).to_owned(), hex));
    }
    Ok((out, hashes))
}
