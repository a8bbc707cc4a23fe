//! Reading XLSForm, the spreadsheet format of ODK, KoboToolbox and SurveyCTO.
//!
//! [`import`] turns a workbook's cells (read by the caller) into a checked survey, every
//! problem and warning placed by sheet, row and column; [`translate`] turns one XLSForm
//! expression (a `relevant` or `constraint` cell) into Canvass's expression language, or
//! says at which column and why it cannot.

mod expr;
mod import;

pub use expr::translate;
pub use import::{Cell, Imported, Place, Problem, Sheet, Workbook, import};
