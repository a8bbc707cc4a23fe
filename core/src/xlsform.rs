//! Reading XLSForm, the spreadsheet format of ODK, KoboToolbox and SurveyCTO.
//!
//! What exists so far: [`translate`], which turns an XLSForm expression (a `relevant`,
//! `constraint` or `choice_filter` cell) into Canvass's expression language, or says at
//! which column and why it cannot. The workbook import that uses it (sheets to a
//! definition, every problem placed by sheet, row and column) is still to come.

mod expr;

pub use expr::translate;
