//! XLSForm uploads: an `.xlsx` file read into the cells that `core::xlsform::import` turns
//! into a survey. The reading streams each sheet's cells (calamine's cell reader), so a
//! hostile file naming a far corner cell allocates nothing for the empty space between:
//! sheets are bounded in rows and columns, and cells past the bounds are refused by name.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use canvass_core::xlsform::{Cell, Sheet, Workbook};

/// Most rows a sheet may hold (a form of 1,000 questions and a cascade of 5,897 choices fit).
pub const MAX_ROWS: u32 = 20_000;

/// Most columns a sheet may hold (a form's columns, a label and hint per language, and the
/// stray cells spreadsheets leave far to the right).
pub const MAX_COLUMNS: u32 = 1_024;

/// Most cells a sheet's rows may span, empty ones between included (64 MB at most).
pub const MAX_SLOTS: usize = 2_000_000;

/// Why a file could not be read as a workbook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is not an .xlsx workbook ({0})")]
    NotXlsx(String),
    #[error("sheet {sheet} could not be read ({reason})")]
    Sheet { sheet: String, reason: String },
    #[error("sheet {sheet} has a cell in row {row}: at most {MAX_ROWS} rows are read")]
    TooManyRows { sheet: String, row: u32 },
    #[error("sheet {sheet} has a cell in column {column}: at most {MAX_COLUMNS} columns are read")]
    TooManyColumns { sheet: String, column: u32 },
    #[error("sheet {sheet} spans more than {MAX_SLOTS} cells")]
    TooLarge { sheet: String },
}

/// Every sheet of an `.xlsx` file, its cells as values (a formula cell as its formula).
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::NotXlsx(e.to_string()))?;
    let names = book.sheet_names().to_owned();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let failed = |e: calamine::XlsxError| ReadError::Sheet {
            sheet: name.clone(),
            reason: e.to_string(),
        };
        let mut reader = book.worksheet_cells_reader(&name).map_err(failed)?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        let mut slots = 0usize;
        while let Some(record) = reader.next_cell_with_formula().map_err(failed)? {
            let cell = match record.formula {
                Some(formula) if !formula.is_empty() => Cell::Formula(formula),
                _ => value(&record.value),
            };
            if cell == Cell::Empty {
                continue;
            }
            let (row, column) = record.pos;
            if row >= MAX_ROWS {
                return Err(ReadError::TooManyRows {
                    sheet: name.clone(),
                    row: row + 1,
                });
            }
            if column >= MAX_COLUMNS {
                return Err(ReadError::TooManyColumns {
                    sheet: name.clone(),
                    column: column + 1,
                });
            }
            let (row, column) = (row as usize, column as usize);
            if rows.len() <= row {
                rows.resize_with(row + 1, Vec::new);
            }
            let cells = &mut rows[row];
            if cells.len() <= column {
                slots += column + 1 - cells.len();
                if slots > MAX_SLOTS {
                    return Err(ReadError::TooLarge {
                        sheet: name.clone(),
                    });
                }
                cells.resize(column + 1, Cell::Empty);
            }
            cells[column] = cell;
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

fn value(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => Cell::Text(d.to_string()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Instant;

    use canvass_core::xlsform::import;

    use super::*;

    /// The public XLSForms beside the project (`../shared/xlsforms/`).
    fn public_forms() -> Vec<PathBuf> {
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/xlsforms");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "xlsx"))
            .collect();
        files.sort();
        files
    }

    /// The public forms that import today. The others use what is refused (repeats,
    /// calculations, formula cells…) or what is still to come (names and codes under
    /// XLSForm's own rules, languages beyond Chinese and English, choice filters): each
    /// form that gains support joins this list.
    const IMPORTED: [&str; 20] = [
        "jx_simplest.xlsx",
        "jx_used_choices.xlsx",
        "mw_date.xlsx",
        "mw_extra_choice_column.xlsx",
        "mw_sample_note.xlsx",
        "odkcb_simple.xlsx",
        "odkoff_calc_on_text.xlsx",
        "odkoff_clean.xlsx",
        "odkoff_group_no_label.xlsx",
        "ona_age_decimal.xlsx",
        "ona_metadata_only.xlsx",
        "ona_name_survey.xlsx",
        "ona_nested_groups.xlsx",
        "ona_readme_sheet.xlsx",
        "pyx_empty_settings.xlsx",
        "pyx_extra_columns.xlsx",
        "pyx_extra_sheets.xlsx",
        "pyx_no_survey_sheet.xlsx",
        "pyx_select_one_from.xlsx",
        "pyx_single_colon_headers.xlsx",
    ];

    #[test]
    fn every_public_form_imports_or_is_refused_with_each_problem_placed() {
        let files = public_forms();
        assert_eq!(files.len(), 60, "the 60 public forms");
        let mut slowest = (0.0f64, String::new());
        let mut imported: Vec<String> = Vec::new();
        for path in &files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
            let began = Instant::now();
            let book = read_workbook(&bytes);
            let stem = name.trim_end_matches(".xlsx");
            let outcome = book.as_ref().map(|book| import(book, stem));
            let took = began.elapsed().as_secs_f64();
            if took > slowest.0 {
                slowest = (took, name.clone());
            }
            match outcome {
                Err(e) => println!("{name}: not read: {e}"),
                Ok(outcome) => {
                    for p in outcome.problems.iter().chain(&outcome.warnings) {
                        assert!(!p.place.sheet.is_empty(), "{name}: {p}");
                        assert!(!p.message.is_empty(), "{name}: {p}");
                    }
                    if let Some(survey) = &outcome.survey {
                        // Kept as TOML, it loads back the same.
                        let back = canvass_core::survey::Survey::from_toml(&survey.to_toml());
                        assert_eq!(back.as_ref(), Ok(survey), "{name}");
                        imported.push(name.clone());
                    }
                    println!(
                        "{name}: {} ({} problems, {} warnings){}",
                        if outcome.survey.is_some() {
                            "imported"
                        } else {
                            "refused"
                        },
                        outcome.problems.len(),
                        outcome.warnings.len(),
                        outcome
                            .problems
                            .first()
                            .map(|p| format!("; first: {p}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        println!(
            "{} of {} imported; slowest {} in {:.3} s",
            imported.len(),
            files.len(),
            slowest.1,
            slowest.0
        );
        assert_eq!(imported, IMPORTED);
    }

    /// Damaged workbooks (cut short, or bytes overwritten): read or refused, never a panic,
    /// and whatever is read imports or is refused without one either.
    #[test]
    fn damaged_workbooks_are_refused_or_read_never_a_panic() {
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/xlsforms");
        let bytes = std::fs::read(folder.join("odkoff_clean.xlsx")).expect("a public form");
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut refused = 0;
        for trial in 0..400 {
            let mut damaged = bytes.clone();
            if trial % 4 == 0 {
                damaged.truncate(next() as usize % bytes.len());
            } else {
                for _ in 0..1 + trial % 8 {
                    let at = next() as usize % damaged.len();
                    damaged[at] = next() as u8;
                }
            }
            match read_workbook(&damaged) {
                Ok(book) => drop(import(&book, "damaged")),
                Err(_) => refused += 1,
            }
        }
        assert!(refused > 0, "damage is noticed");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_named_as_such() {
        let error = read_workbook(b"slug = \"x\"\n").expect_err("TOML is no workbook");
        assert!(
            error
                .to_string()
                .starts_with("the file is not an .xlsx workbook ("),
            "{error}"
        );
        assert_eq!(
            read_workbook(&[])
                .map(|_| ())
                .map_err(|e| matches!(e, ReadError::NotXlsx(_))),
            Err(true)
        );
    }
}
