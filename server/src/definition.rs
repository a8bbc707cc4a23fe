//! A survey definition file, in Canvass's TOML or as an XLSForm (`.xlsx`): read, checked,
//! and the TOML to keep. One reader for `canvass import` and, next, the upload page.

use canvass_core::survey::Survey;
use canvass_core::xlsform;

use crate::xlsform::{ReadError, read_workbook};

/// Largest definition file read (a 1,000-question form with a 6,000-choice cascade is
/// under 1 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// A definition that loaded: the survey, its text as a definition file, and the warnings
/// (an XLSForm's parts left out, never blocking).
#[derive(Debug, Clone)]
pub struct Definition {
    pub survey: Survey,
    /// The TOML to keep: a TOML file as written; an XLSForm's survey written as TOML.
    pub source: String,
    pub warnings: Vec<String>,
}

/// Why a file did not give a survey; every problem at once, each with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the file is empty")]
    Empty,
    #[error("the file holds {0} bytes: at most {MAX_FILE_BYTES} are read")]
    TooLarge(usize),
    #[error("the file is neither an .xlsx workbook nor UTF-8 text (TOML)")]
    NotText,
    #[error(transparent)]
    Workbook(#[from] ReadError),
    #[error("the definition has {} problem(s)", problems.len())]
    Problems {
        problems: Vec<String>,
        warnings: Vec<String>,
    },
}

/// Reads a definition: an XLSForm when the name ends in `.xlsx` or the bytes are a zip
/// archive, else TOML. `file_name` also names an XLSForm without a `form_id`.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Definition, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Refused::TooLarge(bytes.len()));
    }
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, extension) = base.rsplit_once('.').unwrap_or((base, ""));
    if extension.eq_ignore_ascii_case("xlsx") || bytes.starts_with(b"PK\x03\x04") {
        let book = read_workbook(bytes)?;
        let imported = xlsform::import(&book, stem);
        let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
        return match imported.survey {
            Some(survey) => Ok(Definition {
                source: survey.to_toml(),
                survey,
                warnings,
            }),
            None => Err(Refused::Problems {
                problems: imported.problems.iter().map(|p| p.to_string()).collect(),
                warnings,
            }),
        };
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Refused::NotText)?;
    match Survey::from_toml(text) {
        Ok(survey) => Ok(Definition {
            survey,
            source: text.to_owned(),
            warnings: Vec::new(),
        }),
        Err(errors) => Err(Refused::Problems {
            problems: errors.0.iter().map(|e| e.to_string()).collect(),
            warnings: Vec::new(),
        }),
    }
}

impl Definition {
    /// This definition as version `version` of its survey, and the TOML to keep for it: the
    /// file as written when it already says that version, else the survey written anew.
    pub fn as_version(mut self, version: u32) -> (Survey, String) {
        if self.survey.version != version {
            self.survey.version = version;
            self.source = self.survey.to_toml();
        }
        (self.survey, self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_core::surveys::AI_COLLAB;

    #[test]
    fn a_toml_file_is_kept_as_written() {
        let definition = read("ai-collab.toml", AI_COLLAB.as_bytes()).expect("loads");
        assert_eq!(definition.source, AI_COLLAB);
        assert_eq!(definition.survey.slug.as_str(), "ai-collab");
        let version = definition.survey.version;
        let (survey, source) = definition.clone().as_version(version);
        assert_eq!((survey.version, source.as_str()), (version, AI_COLLAB));
        let (survey, source) = definition.as_version(version + 1);
        assert_eq!(survey.version, version + 1);
        assert_eq!(Survey::from_toml(&source).as_ref(), Ok(&survey));
    }

    #[test]
    fn bad_files_are_refused_with_what_is_wrong() {
        assert_eq!(read("a.toml", b"").map(|_| ()), Err(Refused::Empty));
        let big = vec![b'#'; MAX_FILE_BYTES + 1];
        assert_eq!(
            read("a.toml", &big).map(|_| ()).map_err(|e| e.to_string()),
            Err(format!(
                "the file holds {} bytes: at most {MAX_FILE_BYTES} are read",
                MAX_FILE_BYTES + 1
            ))
        );
        assert_eq!(
            read("a.toml", &[0xff, 0xfe]).map(|_| ()),
            Err(Refused::NotText)
        );
        let Err(Refused::Problems { problems, .. }) = read("a.toml", b"slug = 1") else {
            panic!("a bad TOML file is refused");
        };
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("not a valid definition file: "),
            "{problems:?}"
        );
        let Err(Refused::Workbook(ReadError::NotXlsx(_))) = read("a.xlsx", b"not a zip") else {
            panic!("a broken workbook is refused");
        };
    }
}
