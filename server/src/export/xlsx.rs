//! data.xlsx: the same table as data.csv, header frozen, written row by row in
//! rust_xlsxwriter's constant-memory mode (each row goes to a temporary file as it is
//! written, so memory does not grow with the responses). A worksheet holds 1,048,576
//! rows; more responses go on to a second sheet, with the header again.

use std::path::Path;

use canvass_core::export::{Value, Values, Variable};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The most rows a worksheet holds, header included.
const SHEET_ROWS: u32 = 1_048_576;
/// The longest text a cell holds.
const CELL_CHARS: usize = 32_767;

/// A workbook being written, one row at a time.
pub struct Sheets {
    workbook: Workbook,
    header: Vec<String>,
    values: Values,
    sheet: usize,
    /// The next row of the current sheet.
    row: u32,
    bold: Format,
}

impl Sheets {
    /// A workbook with one sheet and its header; temporary files go in `tempdir`.
    pub fn new(
        variables: &[Variable],
        values: Values,
        tempdir: &Path,
    ) -> Result<Sheets, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(tempdir)?;
        // A sheet of a million responses is several GB of XML: past 4 GB the zip inside
        // the workbook needs ZIP64 (which Excel reads), and the fastest deflate level
        // keeps the save to minutes (the whole export is zipped again anyway).
        workbook.use_zip_large_file(true);
        workbook.set_zip_compression_level(1);
        let mut sheets = Sheets {
            workbook,
            header: variables.iter().map(|v| v.name.clone()).collect(),
            values,
            sheet: 0,
            row: 0,
            bold: Format::new().set_bold(),
        };
        sheets.add_sheet()?;
        Ok(sheets)
    }

    fn current(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(self.sheet)
    }

    fn add_sheet(&mut self) -> Result<(), XlsxError> {
        self.workbook.add_worksheet_with_constant_memory()?;
        self.sheet = self.workbook.worksheets().len() - 1;
        let (header, bold) = (self.header.clone(), self.bold.clone());
        let sheet = self.current()?;
        for (col, name) in (0u16..).zip(&header) {
            sheet.write_string_with_format(0, col, name, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.row = 1;
        Ok(())
    }

    /// Writes one response's values.
    pub fn push(&mut self, variables: &[Variable], values: &[Value]) -> Result<(), XlsxError> {
        if self.row == SHEET_ROWS {
            self.add_sheet()?;
        }
        let (row, how) = (self.row, self.values);
        let sheet = self.current()?;
        for ((col, variable), value) in (0u16..).zip(variables).zip(values) {
            match (value, how) {
                (Value::Number(n), Values::Codes) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                (Value::Missing(m), Values::Codes) => {
                    sheet.write_number(row, col, m.code() as f64)?;
                }
                (Value::Decimal(x), _) => {
                    sheet.write_number(row, col, *x)?;
                }
                (Value::Number(n), Values::Labels(lang))
                    if variable.value_label(*n, lang).is_none() =>
                {
                    sheet.write_number(row, col, *n as f64)?;
                }
                (Value::Text(text), _) => {
                    let cut: String = text.chars().take(CELL_CHARS).collect();
                    sheet.write_string(row, col, cut)?;
                }
                (_, Values::Labels(_)) => {
                    sheet.write_string(row, col, value.written(variable, how))?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Finishes the workbook into `path`.
    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
    }
}
