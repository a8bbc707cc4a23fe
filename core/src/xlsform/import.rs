//! From an XLSForm workbook's cells to a checked [`Survey`], every problem placed by sheet,
//! row and column.
//!
//! The cells come from whatever reads the file (the server reads `.xlsx`); this module is
//! pure. The form becomes the same in-memory definition a TOML file does, and the survey
//! loader checks it: its problems are placed back on the row of the question they concern.
//!
//! | XLSForm | Canvass |
//! |---|---|
//! | `begin group` … `end group` at the top level | a section (a page); its `relevant` the section's |
//! | a nested group | its questions join the enclosing section, its `relevant` joined to theirs with `and` |
//! | questions outside any group | a section of their own, titled with the form's title |
//! | `select_one L`, `select one from L` | `single_choice` (`minimal`: a drop-down) |
//! | `select_multiple L`, `select all that apply from L` | `multiple_choice` |
//! | `… or_other`, `… or specify other` | an "Other" choice whose answer is specified |
//! | `rank L` | `ranking`, every choice ranked |
//! | `integer`, `int`, `decimal` | `integer`, `decimal` |
//! | `text`, `string` (`multiline`: `long_text`) | `short_text` |
//! | `note`, `date` | `note`, `date` |
//! | `start`, `end`, `today` | nothing: every response records its own times |
//! | `relevant`, `constraint` (`.` the question), `constraint_message`, `required` | the same, through [`translate`](super::translate) |
//! | `label::English (en)`, `label::en`, `label::中文 (zh)`, `label::Chinese`, `label:English` | the label in that language |
//! | `list_name` or `list name`, `name` or `value` (choices) | a choice list's name, a choice's code |
//!
//! Refused with their place: repeats, `calculate`, geo and media types and columns,
//! choices from files and `search()`, `choice_filter`, `time`/`datetime`/`range` (not yet
//! in the model),
//! conditional `required`, languages other than Chinese and English, formula cells,
//! duplicate choice codes in one list. Warnings (reported, not blocking): device and user
//! metadata (`deviceid`, `username`, `phonenumber`…, never collected), presentational
//! appearances, `required_message`, `default`, unknown columns and settings.

use std::collections::BTreeMap;
use std::fmt;

use crate::lang::Lang;
use crate::survey::raw::{
    RawChoice, RawChoices, RawConstraint, RawQuestion, RawSection, RawStrata, RawSurvey, RawText,
};
use crate::survey::{ChoiceDisplay, Disclosure, Survey};

use super::translate;

/// One cell as read from the workbook.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A formula: its text (forms hold values, not formulas).
    Formula(String),
    /// A spreadsheet error value (`#REF!`…).
    Error(String),
}

/// A sheet: rows of cells, the first row its column headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

/// Where a problem is: a sheet, a row (1-based, as the spreadsheet numbers it), a column
/// (by its header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub sheet: String,
    pub row: Option<usize>,
    pub column: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sheet {}", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        Ok(())
    }
}

/// A problem (or a warning) and its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// What an import gives: the survey when the form has no problem; every problem and
/// warning either way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub survey: Option<Survey>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Reads an XLSForm workbook: its `survey`, `choices` and `settings` sheets (a workbook
/// whose only sheet has another name is read as the survey). `file_stem`, the file's name
/// without its extension, stands for `form_id` and `form_title` where the settings give
/// neither, as pyxform does.
pub fn import(book: &Workbook, file_stem: &str) -> Imported {
    let mut import = Import::default();
    let survey = import.run(book, file_stem);
    Imported {
        survey,
        problems: import.problems,
        warnings: import.warnings,
    }
}

/// A sheet read into records: each non-empty row's cells by lowercased header.
struct Table {
    sheet: String,
    /// Headers as written, by column index.
    headers: Vec<String>,
    records: Vec<Record>,
}

struct Record {
    row: usize,
    /// Column index → the cell's text (trimmed, never empty).
    cells: BTreeMap<usize, String>,
}

impl Table {
    /// A column by its header; `_` in `header` also matches a space (`list name`, as older
    /// forms write it).
    fn column(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| {
            let h = h.trim();
            h.eq_ignore_ascii_case(header) || h.replace(' ', "_").eq_ignore_ascii_case(header)
        })
    }

    fn get<'r>(&self, record: &'r Record, header: &str) -> Option<&'r str> {
        self.column(header)
            .and_then(|c| record.cells.get(&c))
            .map(String::as_str)
    }

    fn place(&self, row: usize, column: Option<&str>) -> Place {
        Place {
            sheet: self.sheet.clone(),
            row: Some(row),
            column: column.map(str::to_string),
        }
    }
}

/// A column that holds one language's text: its kind (`label`, `hint`,
/// `constraint_message`), and the language.
fn language_column(header: &str) -> Option<(String, Result<Lang, String>)> {
    // `label::English (en)`; older forms write one colon (`label:English`).
    let (kind, language) = header.split_once("::").or_else(|| {
        let (kind, language) = header.split_once(':')?;
        let known = ["label", "hint", "constraint_message", "required_message"];
        known
            .contains(&kind.trim().to_lowercase().as_str())
            .then_some((kind, language))
    })?;
    let language = language.trim();
    let code = match (language.rfind('('), language.ends_with(')')) {
        (Some(open), true) => &language[open + 1..language.len() - 1],
        _ => language,
    };
    let lang = Lang::parse(code.trim()).or_else(|_| {
        let name = language.split('(').next().unwrap_or_default().trim();
        match name.to_lowercase().as_str() {
            "english" | "英文" | "英语" => Ok(Lang::En),
            "chinese" | "中文" | "汉语" | "简体中文" | "chinese (simplified)" => {
                Ok(Lang::Zh)
            }
            _ => Err(language.to_string()),
        }
    });
    Some((kind.trim().to_lowercase(), lang))
}

/// The survey sheet's columns read, with how each is used.
const SURVEY_COLUMNS: [&str; 12] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "choice_filter",
    "default",
];

/// Columns of a survey sheet that only carry media: refused when they hold anything.
const MEDIA_COLUMNS: [&str; 5] = ["image", "audio", "video", "big-image", "media"];

/// Survey-sheet types that are metadata about the device or user: never collected.
const DEVICE_METADATA: [&str; 10] = [
    "deviceid",
    "imei",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
];

#[derive(Default)]
struct Import {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

/// A top-level section being filled.
struct Open {
    section: RawSection,
    row: usize,
    /// Nested groups' conditions, to join to each question's.
    conditions: Vec<Option<String>>,
}

impl Import {
    fn problem(&mut self, place: Place, message: impl Into<String>) {
        self.problems.push(Problem {
            place,
            message: message.into(),
        });
    }

    fn warn(&mut self, place: Place, message: impl Into<String>) {
        self.warnings.push(Problem {
            place,
            message: message.into(),
        });
    }

    fn run(&mut self, book: &Workbook, file_stem: &str) -> Option<Survey> {
        let named = |name: &str| {
            book.sheets
                .iter()
                .find(|s| s.name.trim().eq_ignore_ascii_case(name))
        };
        let survey_sheet = match (named("survey"), book.sheets.as_slice()) {
            (Some(sheet), _) => sheet,
            (None, [only]) => only,
            (None, _) => {
                self.problem(
                    Place {
                        sheet: "survey".into(),
                        row: None,
                        column: None,
                    },
                    "the workbook has no sheet named `survey`",
                );
                return None;
            }
        };
        let survey = self.table(survey_sheet);
        let choices = named("choices").map(|s| self.table(s));
        let settings = named("settings").map(|s| self.table(s));
        for sheet in &book.sheets {
            let name = sheet.name.trim().to_lowercase();
            if !["survey", "choices", "settings"].contains(&name.as_str())
                && !std::ptr::eq(sheet, survey_sheet)
            {
                let message = match name.as_str() {
                    "external_choices" => "external choices are not supported",
                    "entities" => "entities are not supported",
                    _ => "this sheet is not read",
                };
                let place = Place {
                    sheet: sheet.name.clone(),
                    row: None,
                    column: None,
                };
                if message.ends_with("not read") {
                    self.warn(place, message);
                } else {
                    self.problem(place, message);
                }
            }
        }
        let settings = self.settings(settings.as_ref(), file_stem);
        let languages = self.languages(&survey, choices.as_ref(), settings.default_language);
        let lists = match &choices {
            Some(table) => self.choice_lists(table, &languages),
            None => BTreeMap::new(),
        };
        let sections = self.sections(&survey, &languages, &lists, &settings);
        // Where each question and each group is, to place the loader's problems.
        let mut rows: BTreeMap<String, usize> = BTreeMap::new();
        let mut groups: BTreeMap<String, usize> = BTreeMap::new();
        for record in &survey.records {
            let Some(name) = survey.get(record, "name") else {
                continue;
            };
            let ty = survey
                .get(record, "type")
                .unwrap_or_default()
                .to_lowercase();
            let group = ty.starts_with("begin group") || ty.starts_with("begin_group");
            let names = if group { &mut groups } else { &mut rows };
            names.insert(name.to_string(), record.row);
        }
        let title: RawText = languages
            .iter()
            .map(|l| (l.code().to_string(), settings.title.clone()))
            .collect();
        let raw = RawSurvey {
            slug: settings.slug.clone(),
            version: 1,
            languages: languages.iter().map(|l| l.code().to_string()).collect(),
            title,
            breakdowns: Vec::new(),
            time_zone: None,
            strata: RawStrata::default(),
            suppress_below: None,
            metrics: Vec::new(),
            choice_lists: lists.into_iter().map(|(k, (_, v))| (k, v)).collect(),
            scales: BTreeMap::new(),
            sections,
            hierarchies: Vec::new(),
            sensitive: Vec::new(),
        };
        match Survey::from_raw(raw) {
            Ok(survey) if self.problems.is_empty() => Some(survey),
            Ok(_) => None,
            Err(errors) => {
                for error in errors.0 {
                    let place = locate(&error.place, &survey.sheet, (&rows, &groups), &settings);
                    self.problem(place, error.message);
                }
                None
            }
        }
    }

    /// A sheet's records; formula and error cells are problems, read as empty.
    fn table(&mut self, sheet: &Sheet) -> Table {
        let mut rows = sheet.rows.iter().enumerate();
        let headers: Vec<String> = rows
            .by_ref()
            .find(|(_, row)| row.iter().any(|c| !matches!(c, Cell::Empty)))
            .map(|(_, row)| row.iter().map(text).collect())
            .unwrap_or_default();
        let mut table = Table {
            sheet: sheet.name.clone(),
            headers,
            records: Vec::new(),
        };
        for (i, row) in rows {
            let mut cells = BTreeMap::new();
            for (c, cell) in row.iter().enumerate() {
                let column = table.headers.get(c).cloned().unwrap_or_default();
                match cell {
                    Cell::Formula(f) => self.problem(
                        table.place(i + 1, Some(&column)),
                        format!("a formula cell (`={f}`): type its value instead"),
                    ),
                    Cell::Error(e) => self.problem(
                        table.place(i + 1, Some(&column)),
                        format!("the cell holds the error {e}"),
                    ),
                    _ => {
                        let value = text(cell);
                        if !value.is_empty() {
                            cells.insert(c, value);
                        }
                    }
                }
            }
            if !cells.is_empty() {
                table.records.push(Record { row: i + 1, cells });
            }
        }
        table
    }

    fn settings(&mut self, table: Option<&Table>, file_stem: &str) -> Settings {
        let mut settings = Settings::default();
        let Some((table, record)) = table.and_then(|t| Some((t, t.records.first()?))) else {
            settings.finish(file_stem);
            return settings;
        };
        for (c, value) in &record.cells {
            let header = table.headers.get(*c).map(|h| h.trim()).unwrap_or_default();
            match header.to_lowercase().as_str() {
                "form_title" => settings.title = value.clone(),
                "form_id" => settings.form_id = Some((value.clone(), record.row)),
                "default_language" => match language_column(&format!("label::{value}")) {
                    Some((_, Ok(lang))) => settings.default_language = Some(lang),
                    _ => self.problem(
                        table.place(record.row, Some(header)),
                        format!(
                            "the language `{value}`: Canvass speaks Chinese (zh) and English (en); other languages are not supported yet"
                        ),
                    ),
                },
                "version" => {}
                _ => self.warn(
                    table.place(record.row, Some(header)),
                    format!("the setting `{header}` is not read"),
                ),
            }
        }
        settings.finish(file_stem);
        settings
    }

    /// The languages of the form's labels, in the order their columns come; a plain
    /// `label` column is in the default language.
    fn languages(
        &mut self,
        survey: &Table,
        choices: Option<&Table>,
        default: Option<Lang>,
    ) -> Vec<Lang> {
        let mut languages = Vec::new();
        let mut plain = false;
        for table in std::iter::once(survey).chain(choices) {
            for header in &table.headers {
                match language_column(header) {
                    Some((_, Ok(lang))) => {
                        if !languages.contains(&lang) {
                            languages.push(lang);
                        }
                    }
                    Some((kind, Err(language))) => {
                        let place = Place {
                            sheet: table.sheet.clone(),
                            row: Some(1),
                            column: Some(header.clone()),
                        };
                        if ["label", "hint", "constraint_message", "required_message"]
                            .contains(&kind.as_str())
                        {
                            self.problem(
                                place,
                                format!(
                                    "the language `{language}`: Canvass speaks Chinese (zh) and English (en); other languages are not supported yet"
                                ),
                            );
                        }
                    }
                    None => plain |= header.trim().eq_ignore_ascii_case("label"),
                }
            }
        }
        if plain || languages.is_empty() {
            let lang = default.unwrap_or(Lang::En);
            if !languages.contains(&lang) {
                languages.insert(0, lang);
            }
        }
        languages
    }

    /// One language's text of a row from columns `kind` (`label`, `hint`…).
    fn texts(table: &Table, record: &Record, kind: &str, languages: &[Lang]) -> RawText {
        let mut out = RawText::new();
        for (c, value) in &record.cells {
            let Some(header) = table.headers.get(*c) else {
                continue;
            };
            let lang = match language_column(header) {
                Some((k, Ok(lang))) if k == kind => lang,
                None if header.trim().eq_ignore_ascii_case(kind) => languages[0],
                _ => continue,
            };
            out.entry(lang.code().to_string())
                .or_insert_with(|| value.clone());
        }
        out
    }

    /// The choices sheet: each list's choices, and the row where the list begins.
    fn choice_lists(
        &mut self,
        table: &Table,
        languages: &[Lang],
    ) -> BTreeMap<String, (usize, Vec<RawChoice>)> {
        let mut lists: BTreeMap<String, (usize, Vec<RawChoice>)> = BTreeMap::new();
        let name = if table.column("name").is_some() {
            "name"
        } else {
            "value"
        };
        for record in &table.records {
            let (Some(list), Some(code)) =
                (table.get(record, "list_name"), table.get(record, name))
            else {
                self.problem(
                    table.place(record.row, None),
                    "a choice needs a list_name and a name",
                );
                continue;
            };
            let (_, choices) = lists
                .entry(list.to_string())
                .or_insert_with(|| (record.row, Vec::new()));
            if choices.iter().any(|c| c.code == code) {
                self.problem(
                    table.place(record.row, Some(name)),
                    format!("the code `{code}` is in the list `{list}` twice: an export's codes must be unique"),
                );
                continue;
            }
            choices.push(RawChoice {
                code: code.to_string(),
                exclusive: false,
                other: false,
                ends: None,
                label: Self::texts(table, record, "label", languages),
            });
        }
        for header in &table.headers {
            let h = header.trim().to_lowercase();
            if !(h.is_empty()
                || ["list_name", "list name", "name", "value", "label"].contains(&h.as_str())
                || language_column(&h).is_some_and(|(kind, _)| kind == "label"))
            {
                let place = table.place(1, Some(header));
                if MEDIA_COLUMNS.iter().any(|m| h.starts_with(m)) {
                    self.warn(place, "media are not shown: the column is not read");
                } else {
                    self.warn(place, format!("the column `{header}` is not read"));
                }
            }
        }
        lists
    }

    fn sections(
        &mut self,
        table: &Table,
        languages: &[Lang],
        lists: &BTreeMap<String, (usize, Vec<RawChoice>)>,
        settings: &Settings,
    ) -> Vec<RawSection> {
        for header in &table.headers {
            let h = header.trim().to_lowercase();
            let base = match language_column(&h) {
                Some((kind, _)) => kind,
                None => h.clone(),
            };
            let base = base.as_str();
            if h.is_empty() || SURVEY_COLUMNS.contains(&base) {
                continue;
            }
            let place = table.place(1, Some(header));
            if MEDIA_COLUMNS.contains(&base) {
                if table.records.iter().any(|r| {
                    table
                        .column(header)
                        .is_some_and(|c| r.cells.contains_key(&c))
                }) {
                    self.problem(place, "media are not supported");
                }
            } else {
                self.warn(place, format!("the column `{header}` is not read"));
            }
        }
        let mut sections: Vec<RawSection> = Vec::new();
        let mut open: Option<Open> = None;
        let mut depth = 0usize;
        let mut ungrouped = 0usize;
        let title: RawText = languages
            .iter()
            .map(|l| (l.code().to_string(), settings.title.clone()))
            .collect();
        for record in &table.records {
            let place = |column: &str| table.place(record.row, Some(column));
            let Some(ty) = table.get(record, "type") else {
                if table.get(record, "name").is_some() || table.get(record, "label").is_some() {
                    self.problem(place("type"), "the row has no type");
                }
                continue;
            };
            let ty = ty.split_whitespace().collect::<Vec<_>>().join(" ");
            let name = table.get(record, "name").unwrap_or_default().to_string();
            let relevant = table
                .get(record, "relevant")
                .and_then(|r| self.translated(r, None, place("relevant")));
            match ty.to_lowercase().as_str() {
                "begin group" | "begin_group" => {
                    depth += 1;
                    if depth == 1 {
                        if let Some(done) = open.take() {
                            sections.push(done.section);
                        }
                        let label = Self::texts(table, record, "label", languages);
                        open = Some(Open {
                            section: RawSection {
                                id: name,
                                title: if label.is_empty() {
                                    title.clone()
                                } else {
                                    label
                                },
                                intro: None,
                                relevant,
                                questions: Vec::new(),
                            },
                            row: record.row,
                            conditions: Vec::new(),
                        });
                    } else if let Some(o) = open.as_mut() {
                        o.conditions.push(relevant);
                    }
                    continue;
                }
                "end group" | "end_group" => {
                    if depth == 0 {
                        self.problem(place("type"), "`end group` without a `begin group`");
                    } else {
                        depth -= 1;
                        if depth == 0 {
                            if let Some(done) = open.take() {
                                sections.push(done.section);
                            }
                        } else if let Some(o) = open.as_mut() {
                            o.conditions.pop();
                        }
                    }
                    continue;
                }
                "start" | "end" | "today" => continue,
                _ => {}
            }
            let Some(question) =
                self.question(table, record, &ty, name, relevant, languages, lists)
            else {
                continue;
            };
            if open.is_none() {
                ungrouped += 1;
                open = Some(Open {
                    section: RawSection {
                        id: format!("section_{ungrouped}"),
                        title: title.clone(),
                        intro: None,
                        relevant: None,
                        questions: Vec::new(),
                    },
                    row: record.row,
                    conditions: Vec::new(),
                });
            }
            if let Some(o) = open.as_mut() {
                let mut question = question;
                let all: Vec<&String> = o
                    .conditions
                    .iter()
                    .flatten()
                    .chain(question.relevant.iter())
                    .collect();
                if all.len() > 1 {
                    let joined: Vec<String> = all.iter().map(|c| format!("({c})")).collect();
                    question.relevant = Some(joined.join(" and "));
                } else {
                    question.relevant = all.first().map(|c| c.to_string());
                }
                o.section.questions.push(question);
            }
        }
        if depth > 0 {
            let row = open.as_ref().map_or(1, |o| o.row);
            self.problem(
                table.place(row, Some("type")),
                "this `begin group` has no `end group`",
            );
        }
        if let Some(done) = open.take() {
            sections.push(done.section);
        }
        sections.retain(|s| {
            let empty = s.questions.is_empty();
            if empty {
                self.warnings.push(Problem {
                    place: Place {
                        sheet: table.sheet.clone(),
                        row: None,
                        column: None,
                    },
                    message: format!("the group `{}` has no question: left out", s.id),
                });
            }
            !empty
        });
        sections
    }

    fn translated(&mut self, source: &str, this: Option<&str>, place: Place) -> Option<String> {
        match translate(source, this) {
            Ok(text) => Some(text),
            Err(e) => {
                self.problem(
                    place,
                    format!("column {} of the expression: {}", e.column, e.message),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn question(
        &mut self,
        table: &Table,
        record: &Record,
        ty: &str,
        name: String,
        relevant: Option<String>,
        languages: &[Lang],
        lists: &BTreeMap<String, (usize, Vec<RawChoice>)>,
    ) -> Option<RawQuestion> {
        let place = |column: &str| table.place(record.row, Some(column));
        let words: Vec<&str> = ty.split(' ').collect();
        let lower = ty.to_lowercase();
        let appearance = table
            .get(record, "appearance")
            .unwrap_or_default()
            .to_lowercase();
        let mut question = RawQuestion {
            id: name.clone(),
            kind: String::new(),
            label: Self::texts(table, record, "label", languages),
            hint: Some(Self::texts(table, record, "hint", languages)).filter(|h| !h.is_empty()),
            disclosure: Disclosure::Attribute,
            required: false,
            relevant,
            constraints: Vec::new(),
            choices: None,
            rows: None,
            scale: None,
            display: None,
            min: None,
            max: None,
            top: None,
            max_len: None,
            unit: None,
        };
        // The choice list of a select or rank type, and whether it adds "Other".
        let select = |prefix: &[&str]| -> Option<(String, bool)> {
            let lowered: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
            if lowered.len() > prefix.len() && lowered[..prefix.len()] == *prefix {
                let rest = &words[prefix.len()..];
                match rest {
                    [list] => Some((list.to_string(), false)),
                    [list, other] if other.eq_ignore_ascii_case("or_other") => {
                        Some((list.to_string(), true))
                    }
                    [list, or, specify, other]
                        if [*or, *specify, *other]
                            .iter()
                            .map(|w| w.to_lowercase())
                            .eq(["or", "specify", "other"]) =>
                    {
                        Some((list.to_string(), true))
                    }
                    _ => None,
                }
            } else {
                None
            }
        };
        let one = select(&["select_one"]).or_else(|| select(&["select", "one", "from"]));
        let many = select(&["select_multiple"])
            .or_else(|| select(&["select", "all", "that", "apply", "from"]));
        let rank = select(&["rank"]);
        let chosen = one.clone().or(many.clone()).or(rank.clone());
        match lower.as_str() {
            _ if lower.starts_with("select_one_from_file")
                || lower.starts_with("select_multiple_from_file") =>
            {
                self.problem(place("type"), "choices from a file are not supported");
                return None;
            }
            _ if chosen.is_some() => {
                let (list, other) = chosen.clone().unwrap_or_default();
                let Some((_, choices)) = lists.get(&list) else {
                    self.problem(
                        place("type"),
                        format!("the choice list `{list}` is not on the choices sheet"),
                    );
                    return None;
                };
                question.kind = if one.is_some() {
                    "single_choice"
                } else if many.is_some() {
                    "multiple_choice"
                } else {
                    "ranking"
                }
                .into();
                if rank.is_some() {
                    question.top = u32::try_from(choices.len()).ok();
                }
                question.choices = Some(if other {
                    let mut inline = choices.clone();
                    inline.push(RawChoice {
                        code: "other".into(),
                        exclusive: false,
                        other: true,
                        ends: None,
                        label: languages
                            .iter()
                            .map(|l| {
                                let text = match l {
                                    Lang::Zh => "其他（请注明）",
                                    Lang::En => "Other (please specify)",
                                };
                                (l.code().to_string(), text.to_string())
                            })
                            .collect(),
                    });
                    RawChoices::Inline(inline)
                } else {
                    RawChoices::Named(list)
                });
                if one.is_some() && appearance.split_whitespace().any(|a| a == "minimal") {
                    question.display = Some(ChoiceDisplay::Select);
                }
            }
            "integer" | "int" => question.kind = "integer".into(),
            "decimal" => question.kind = "decimal".into(),
            "text" | "string" => {
                let long = appearance.split_whitespace().any(|a| a == "multiline");
                question.kind = if long { "long_text" } else { "short_text" }.into();
                question.disclosure = Disclosure::FreeText;
            }
            "note" => question.kind = "note".into(),
            "date" => question.kind = "date".into(),
            "time" | "datetime" | "range" => {
                self.problem(
                    place("type"),
                    format!("`{ty}` questions are not supported yet"),
                );
                return None;
            }
            "calculate" => {
                self.problem(place("type"), "calculations are not supported");
                return None;
            }
            "begin repeat" | "begin_repeat" | "end repeat" | "end_repeat" | "begin loop"
            | "begin_loop" | "end loop" | "end_loop" => {
                self.problem(place("type"), "repeats and loops are not supported");
                return None;
            }
            "geopoint" | "geotrace" | "geoshape" => {
                self.problem(place("type"), "locations are not supported");
                return None;
            }
            "image" | "audio" | "video" | "file" | "barcode" | "photo" | "osm" => {
                self.problem(place("type"), "media and file questions are not supported");
                return None;
            }
            _ if DEVICE_METADATA.contains(&lower.as_str()) => {
                self.warn(
                    place("type"),
                    format!(
                        "`{ty}` is device or user metadata, which Canvass never collects: left out"
                    ),
                );
                return None;
            }
            _ => {
                self.problem(place("type"), format!("unknown question type `{ty}`"));
                return None;
            }
        }
        match table
            .get(record, "required")
            .map(str::to_lowercase)
            .as_deref()
        {
            None | Some("no" | "false" | "false()" | "0" | "n") => {}
            Some("yes" | "true" | "true()" | "1" | "y") => question.required = true,
            Some(_) => self.problem(
                place("required"),
                "a conditional `required` is not supported: write yes or no",
            ),
        }
        if !Self::texts(table, record, "required_message", languages).is_empty() {
            self.warn(
                place("required_message"),
                "not read: Canvass says in the respondent's language that an answer is required",
            );
        }
        if let Some(rule) = table.get(record, "constraint")
            && let Some(rule) = self.translated(rule, Some(&name), place("constraint"))
        {
            let mut message = Self::texts(table, record, "constraint_message", languages);
            for lang in languages {
                message.entry(lang.code().to_string()).or_insert_with(|| {
                    match lang {
                        Lang::Zh => "答案不符合要求",
                        Lang::En => "This answer is not accepted",
                    }
                    .to_string()
                });
            }
            question.constraints.push(RawConstraint { rule, message });
        }
        if table.get(record, "choice_filter").is_some() {
            self.problem(
                place("choice_filter"),
                "choice filters are not supported yet",
            );
        }
        if table.get(record, "default").is_some() {
            self.warn(
                place("default"),
                "defaults are not read: every answer starts empty",
            );
        }
        if appearance.contains("search(") {
            self.problem(
                place("appearance"),
                "`search()` reads choices from a file, which Canvass does not support",
            );
        }
        for a in appearance.split_whitespace().filter(|a| !a.contains('(')) {
            let used = (a == "minimal" && one.is_some())
                || (a == "multiline" && question.kind == "long_text");
            if !used {
                self.warn(
                    place("appearance"),
                    format!("the appearance `{a}` is not read"),
                );
            }
        }
        Some(question)
    }
}

#[derive(Default)]
struct Settings {
    title: String,
    form_id: Option<(String, usize)>,
    slug: String,
    default_language: Option<Lang>,
}

impl Settings {
    /// The slug from `form_id` (lowercase, `_` and spaces as `-`), and the title where
    /// none is set: both from the file's name when the settings give neither.
    fn finish(&mut self, file_stem: &str) {
        let id = self
            .form_id
            .as_ref()
            .map_or(file_stem, |(id, _)| id.as_str())
            .trim();
        self.slug = id.to_lowercase().replace(['_', ' '], "-");
        if self.title.is_empty() {
            self.title = id.to_string();
        }
    }
}

/// A cell's text: numbers as a spreadsheet shows them (`1`, not `1.0`).
fn text(cell: &Cell) -> String {
    match cell {
        Cell::Empty | Cell::Formula(_) | Cell::Error(_) => String::new(),
        Cell::Text(t) => t.trim().to_string(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
    }
}

/// The sheet, row and column of a problem the survey loader placed by IDs
/// (`section s › question q › relevant`).
fn locate(
    place: &str,
    survey_sheet: &str,
    (rows, groups): (&BTreeMap<String, usize>, &BTreeMap<String, usize>),
    settings: &Settings,
) -> Place {
    let parts: Vec<&str> = place.split(" › ").collect();
    let question = parts
        .iter()
        .find_map(|p| p.strip_prefix("question "))
        .and_then(|q| rows.get(q).map(|row| (q, *row)))
        .or_else(|| {
            let section = parts.first()?.strip_prefix("section ")?;
            groups.get(section).map(|row| (section, *row))
        });
    let column = parts.last().map(|last| {
        let field = last.split([' ', '[']).next().unwrap_or_default();
        match field {
            "constraints" | "rule" => "constraint",
            "message" => "constraint_message",
            "choices" => "type",
            "id" | "question" | "section" => "name",
            other => other,
        }
        .to_string()
    });
    match (question, place) {
        (Some((_, row)), _) => Place {
            sheet: survey_sheet.to_string(),
            row: Some(row),
            column,
        },
        (None, "title") => Place {
            sheet: "settings".into(),
            row: None,
            column: Some("form_title".into()),
        },
        (None, "slug") => Place {
            sheet: "settings".into(),
            row: settings.form_id.as_ref().map(|(_, row)| *row),
            column: Some("form_id".into()),
        },
        (None, _) => Place {
            sheet: survey_sheet.to_string(),
            row: None,
            column: None,
        },
    }
}

#[cfg(test)]
mod tests;
