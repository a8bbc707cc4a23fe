//! Invitee lists as staff upload them: CSV as spreadsheets write it (quoted fields, CRLF, a
//! byte-order mark). Raw uploads become invitees only through [`parse_csv`], which names
//! every problem with its line; the database layer then makes one invitation per invitee.

use std::collections::HashMap;

use crate::email::is_email;
use crate::staff::StaffError;
use crate::survey::{Stratum, Survey};

/// One invitee, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// Where it was in the uploaded file (the header is line 1).
    pub line: u64,
    pub external_id: String,
    pub email: Option<String>,
    pub province: Option<String>,
    pub role: Option<String>,
}

pub const MAX_INVITEES: usize = 50_000;
pub const MAX_ID: usize = 100;
/// Problems listed at most, so a wrong file gets a readable answer.
const MAX_PROBLEMS: usize = 50;

/// A choice code from a cell holding the code or the label in any language, in any case.
fn choice_code(survey: &Survey, stratum: Stratum, cell: &str) -> Option<String> {
    let cell = cell.trim();
    survey
        .stratum_choices(stratum)
        .iter()
        .find(|c| {
            c.code.as_str().eq_ignore_ascii_case(cell)
                || survey
                    .languages
                    .iter()
                    .any(|l| c.label.get(*l).trim().eq_ignore_ascii_case(cell))
        })
        .map(|c| c.code.to_string())
}

/// Reads an invitee list: UTF-8, with or without a byte-order mark (as Excel writes
/// "CSV UTF-8"), comma-separated, a header line naming `id` and optionally `email`,
/// `province` and `role` (any order and case; other columns are ignored and not kept).
/// Province and role may be given as the survey's codes or labels. Every problem is
/// reported with its line.
pub fn parse_csv(bytes: &[u8], survey: &Survey) -> Result<Vec<Invitee>, Vec<StaffError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![StaffError::CsvNotUtf8]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let column = |headers: &csv::StringRecord, name: &str| {
        headers.iter().position(|h| h.eq_ignore_ascii_case(name))
    };
    let Ok(headers) = reader.headers().cloned() else {
        return Err(vec![StaffError::CsvNoIdColumn]);
    };
    let Some(id_at) = column(&headers, "id") else {
        return Err(vec![StaffError::CsvNoIdColumn]);
    };
    let (email_at, province_at, role_at) = (
        column(&headers, "email"),
        column(&headers, "province"),
        column(&headers, "role"),
    );
    let mut problems = Vec::new();
    let mut invitees = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut lines = Lines::new(bytes);
    for (index, record) in reader.records().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let fallback = index as u64 + 2;
        let mut line_at =
            |position: Option<&csv::Position>| position.map_or(fallback, |p| lines.at(p.byte()));
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(StaffError::CsvUnreadable {
                    line: line_at(error.position()),
                });
                continue;
            }
        };
        let line = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if invitees.len() >= MAX_INVITEES {
            problems.push(StaffError::CsvTooMany { max: MAX_INVITEES });
            break;
        }
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).filter(|v| !v.is_empty());
        let id = cell(Some(id_at)).unwrap_or_default();
        let before = problems.len();
        if id.is_empty() {
            problems.push(StaffError::CsvIdMissing { line });
        } else if id.chars().count() > MAX_ID {
            problems.push(StaffError::CsvIdTooLong { line, max: MAX_ID });
        } else if let Some(first) = seen.get(id) {
            problems.push(StaffError::CsvDuplicateId {
                line,
                first: *first,
            });
        } else {
            seen.insert(id.to_owned(), line);
        }
        let email = cell(email_at).map(str::to_owned);
        if email.as_ref().is_some_and(|e| !is_email(e)) {
            problems.push(StaffError::CsvNotAnEmail { line });
        }
        let province = cell(province_at).map(|p| choice_code(survey, Stratum::Province, p));
        if matches!(province, Some(None)) {
            problems.push(StaffError::CsvNotAProvince { line });
        }
        let role = cell(role_at).map(|r| choice_code(survey, Stratum::Role, r));
        if matches!(role, Some(None)) {
            problems.push(StaffError::CsvNotARole { line });
        }
        if problems.len() == before {
            invitees.push(Invitee {
                line,
                external_id: id.to_owned(),
                email,
                province: province.flatten(),
                role: role.flatten(),
            });
        }
    }
    if problems.is_empty() && invitees.is_empty() {
        problems.push(StaffError::CsvEmpty);
    }
    if problems.is_empty() {
        Ok(invitees)
    } else {
        Err(problems)
    }
}

/// The line a record starts on, from its byte offset (the header is line 1), counted
/// onwards from the previous record's: records come in order, so a whole file is counted
/// once (counting from the start for each record made a 50,000-line file take tens of
/// seconds, and a hostile one hours).
struct Lines<'a> {
    bytes: &'a [u8],
    /// Bytes counted so far, and the newlines among them.
    counted: usize,
    newlines: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            bytes,
            counted: 0,
            newlines: 0,
        }
    }

    /// After a CRLF the offset is that of its LF, hence the byte itself is counted too.
    fn at(&mut self, offset: u64) -> u64 {
        let until = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(self.bytes.len());
        if until < self.counted {
            // Never for records read in order; counted afresh rather than wrong.
            (self.counted, self.newlines) = (0, 0);
        }
        let more = self.bytes.get(self.counted..until).unwrap_or_default();
        self.newlines += more.iter().filter(|b| **b == b'\n').count() as u64;
        self.counted = until;
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::AI_COLLAB;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("loads")
    }

    #[test]
    fn a_list_as_excel_writes_it_is_read_with_codes_or_labels() {
        let csv = "\u{feff}Name,ID,Email,Province,Role\r\n\
                   Wang Li,A001,wang.li@hospital.cn,广东,clinician\r\n\
                   \"Zhang, San\",A002,,Beijing,\"Industry representative (AI company, imaging-device maker, IT or cloud vendor)\"\r\n\
                   ,,,,\r\n\
                   Li Si,A003,,,\r\n";
        let invitees = parse_csv(csv.as_bytes(), &national()).expect("reads");
        assert_eq!(
            invitees,
            [
                Invitee {
                    line: 2,
                    external_id: "A001".into(),
                    email: Some("wang.li@hospital.cn".into()),
                    province: Some("guangdong".into()),
                    role: Some("clinician".into()),
                },
                Invitee {
                    line: 3,
                    external_id: "A002".into(),
                    email: None,
                    province: Some("beijing".into()),
                    role: Some("industry".into()),
                },
                Invitee {
                    line: 5,
                    external_id: "A003".into(),
                    email: None,
                    province: None,
                    role: None,
                },
            ]
        );
    }

    #[test]
    fn lines_are_counted_across_quoted_line_breaks_in_a_long_list() {
        let mut csv = String::from("id,province\r\n");
        for i in 0..5_000 {
            if i % 1_000 == 999 {
                // A quoted cell spanning two lines: the next record starts a line later.
                csv.push_str(&format!("\"A{i}\nsecond line\",nowhere\r\n"));
            } else {
                csv.push_str(&format!("A{i},广东\r\n"));
            }
        }
        let problems = parse_csv(csv.as_bytes(), &national()).expect_err("bad provinces");
        // Record i starts on line i + 2, plus one for each two-line record before it.
        let expected: Vec<StaffError> = (0..5_000u64)
            .filter(|i| i % 1_000 == 999)
            .map(|i| StaffError::CsvNotAProvince {
                line: i + 2 + i / 1_000,
            })
            .collect();
        assert_eq!(problems, expected);
    }

    #[test]
    fn every_problem_of_a_list_is_named_with_its_line() {
        let survey = national();
        let csv = "id,email,province,role\n\
                   A1,not-an-email,Atlantis,surgeon\n\
                   ,x@y.cn,,\n\
                   A1,,,\n";
        assert_eq!(
            parse_csv(csv.as_bytes(), &survey),
            Err(vec![
                StaffError::CsvNotAnEmail { line: 2 },
                StaffError::CsvNotAProvince { line: 2 },
                StaffError::CsvNotARole { line: 2 },
                StaffError::CsvIdMissing { line: 3 },
                StaffError::CsvDuplicateId { line: 4, first: 2 },
            ])
        );
        assert_eq!(
            parse_csv(b"email\nx@y.cn\n", &survey),
            Err(vec![StaffError::CsvNoIdColumn])
        );
        assert_eq!(parse_csv(b"id\n", &survey), Err(vec![StaffError::CsvEmpty]));
        assert_eq!(
            parse_csv(b"", &survey),
            Err(vec![StaffError::CsvNoIdColumn])
        );
        // GBK, as an older Excel saves "CSV": refused with the reason.
        assert_eq!(
            parse_csv(b"id,province\nA1,\xb9\xe3\xb6\xab\n", &survey),
            Err(vec![StaffError::CsvNotUtf8])
        );
        let long = format!("id\n{}\n", "x".repeat(101));
        assert_eq!(
            parse_csv(long.as_bytes(), &survey),
            Err(vec![StaffError::CsvIdTooLong { line: 2, max: 100 }])
        );
    }
}
