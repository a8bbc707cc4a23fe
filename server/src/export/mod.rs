//! Dataset exports: the files an analyst takes into Excel, SPSS, Stata and R, written
//! from a survey's stored answers as they stream from PostgreSQL.
//!
//! The column layout, the values and the syntax files are `canvass-core`'s
//! ([`canvass_core::export`]); here they are written to files. Still to come (issue 21):
//! the job that runs an export in the background, the zip with data.xlsx, the codebooks
//! and README.txt, and the re-keyed IDs and coarsened times.

use std::io::Write;
use std::path::Path;

use canvass_core::Lang;
use canvass_core::export::{self, Include, Value, Values, Variable, syntax};
use canvass_core::ids::SurveyId;
use canvass_core::survey::Survey;
use canvass_db::PgConnection;
use canvass_db::export::{ExportError, Responses};
use futures_util::StreamExt;

/// What an export holds and how it writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// Codes (the default) or labels in a language, in data.csv.
    pub values: Values,
    /// The language of the labels in the syntax files.
    pub lang: Lang,
    pub include: Include,
    pub responses: Responses,
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
}

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Writes data.csv to `out`: a byte-order mark, a header of variable names, then one row
/// per response as it streams from the database. Returns the number of rows.
pub async fn write_data_csv(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: Settings,
    out: impl Write,
) -> Result<u64, WriteError> {
    let variables = export::variables(survey, settings.include);
    let mut out = std::io::BufWriter::new(out);
    out.write_all(BOM)?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    csv.write_record(variables.iter().map(|v| v.name.as_str()))?;
    let mut rows = canvass_db::export::rows(conn, survey_id, settings.responses);
    let mut written = 0;
    while let Some(row) = rows.next().await {
        let row = row?;
        let values = export::row(&variables, &row.outcomes, row.status);
        csv.write_record(written_values(&variables, &values, settings.values))?;
        written += 1;
    }
    csv.flush()?;
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

/// Writes data.csv and the syntax files that read it (data.sps, data.do, data.R) into
/// `dir`. Returns the number of rows.
pub async fn write_files(
    conn: &mut PgConnection,
    survey: &Survey,
    survey_id: SurveyId,
    settings: Settings,
    dir: &Path,
) -> Result<u64, WriteError> {
    let data = std::fs::File::create(dir.join(syntax::DATA_FILE))?;
    let rows = write_data_csv(conn, survey, survey_id, settings, data).await?;
    let variables = export::variables(survey, settings.include);
    std::fs::write(
        dir.join("data.sps"),
        syntax::spss(&variables, settings.lang),
    )?;
    std::fs::write(
        dir.join("data.do"),
        syntax::stata(&variables, settings.lang),
    )?;
    std::fs::write(dir.join("data.R"), syntax::r(&variables, settings.lang))?;
    Ok(rows)
}
