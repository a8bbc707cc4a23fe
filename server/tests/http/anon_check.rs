//! The independent check of an anonymized export: data.csv read back and checked with code
//! that shares nothing with the anonymizer: a plain group-by over the quasi-identifier
//! columns (named from the survey definition, not from the export's report), and a search
//! of every file for what must never be there.

use std::collections::BTreeMap;
use std::io::Read;

use canvass_core::survey::{Disclosure, Survey};
use canvass_core::surveys::AI_COLLAB;
use sqlx::PgPool;

/// What the check found, for the test to compare with the job.
#[derive(Debug)]
pub struct Checked {
    pub smallest_class: Option<u64>,
    pub suppressed: u64,
}

/// Checks the zip of an anonymized export of the national survey with `k`: every
/// combination of the quasi-identifier columns present in at least `k` rows, no direct
/// identifier, free text, public ID or exact time anywhere, and the rows written plus the
/// rows risk.json says were suppressed equal to the responses in `selection_count`.
pub async fn check_zip(pool: &PgPool, zip: &[u8], k: u64, selection_count: u64) -> Checked {
    let survey = Survey::from_toml(AI_COLLAB).expect("the national survey");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the zip"))
            .read_to_string(&mut text)
            .expect("UTF-8");
        text
    };
    let data = read("data.csv");
    let risk: serde_json::Value = serde_json::from_str(&read("risk.json")).expect("risk.json");
    let html = read("risk.html");
    let codebook = read("codebook.html");
    let mut reader = csv::Reader::from_reader(data.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    // The quasi-identifier columns: a question's own column or its `__` columns.
    let quasi: Vec<String> = survey
        .questions()
        .filter(|(_, q)| q.disclosure == Disclosure::QuasiIdentifier)
        .map(|(_, q)| q.id.to_string())
        .collect();
    let columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            quasi
                .iter()
                .any(|q| *h == q || h.starts_with(&format!("{q}__")))
        })
        .map(|(i, _)| i)
        .collect();
    let mut classes: BTreeMap<Vec<&str>, u64> = BTreeMap::new();
    for row in &rows {
        let key: Vec<&str> = columns.iter().map(|c| row[*c].as_str()).collect();
        *classes.entry(key).or_default() += 1;
    }
    let smallest = classes.values().min().copied();
    if let Some(smallest) = smallest {
        assert!(
            smallest >= k,
            "a combination of quasi-identifiers in {smallest} rows, under k = {k}"
        );
    }
    // Nothing that identifies directly, no free text.
    let forbidden: Vec<String> = survey
        .questions()
        .filter(|(_, q)| {
            matches!(
                q.disclosure,
                Disclosure::DirectIdentifier | Disclosure::FreeText
            )
        })
        .map(|(_, q)| q.id.to_string())
        .collect();
    for h in &header {
        assert!(
            !forbidden.iter().any(|f| h == f) && !h.ends_with("__other_text"),
            "column {h} must not be in an anonymized export"
        );
    }
    // No public ID, and no time of day, in any file.
    let ids: Vec<String> = sqlx::query_scalar("SELECT public_id::text FROM responses")
        .fetch_all(pool)
        .await
        .expect("ids");
    let time_of_day = |text: &str| {
        text.as_bytes().windows(8).any(|w| {
            w.iter().enumerate().all(|(i, b)| match i {
                2 | 5 => *b == b':',
                _ => b.is_ascii_digit(),
            })
        })
    };
    for (name, text) in [("data.csv", &data), ("codebook.html", &codebook)] {
        for id in &ids {
            assert!(!text.contains(id.as_str()), "{name} holds a public ID");
        }
        assert!(!time_of_day(text), "{name} holds a time of day");
    }
    for id in &ids {
        assert!(!html.contains(id.as_str()), "risk.html holds a public ID");
    }
    // The rows written and the rows suppressed, as risk.json says, are every response.
    let suppressed = risk["suppressed"].as_u64().expect("suppressed");
    assert_eq!(risk["rows"].as_u64(), Some(selection_count));
    assert_eq!(rows.len() as u64 + suppressed, selection_count);
    assert_eq!(risk["k"].as_u64(), Some(k));
    assert_eq!(risk["k_achieved"].as_u64(), smallest);
    Checked {
        smallest_class: smallest,
        suppressed,
    }
}
