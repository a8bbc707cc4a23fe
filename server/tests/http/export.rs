//! Dataset exports: data.csv and the syntax files that read it, run by GNU PSPP and R.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use canvass_core::Lang;
use canvass_core::export::Values;
use canvass_core::export::{self, Include, Missing, syntax};
use canvass_core::survey::{Disclosure, Survey};
use canvass_db::export::Responses;
use canvass_server::export::{Progress, Settings, files, write_files};
use sqlx::PgPool;

/// The national survey with `respondents` demo respondents (some break off).
async fn seeded(pool: &PgPool, respondents: u64) -> (Survey, canvass_core::ids::SurveyId) {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    canvass_server::demo::seed(pool, respondents, 3)
        .await
        .expect("seed");
    let (published, survey) = canvass_server::demo::national(pool).await.expect("survey");
    (survey.as_ref().clone(), published.survey_id)
}

/// A new, empty folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canvass-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// data.csv as written: its header and rows, the byte-order mark checked and dropped.
fn read_data(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(dir.join("data.csv")).expect("data.csv");
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("data.csv begins with a byte-order mark");
    let mut reader = csv::Reader::from_reader(body);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// How often each value occurs in column `name` of data.csv, as numbers.
fn counts(header: &[String], rows: &[Vec<String>], name: &str) -> BTreeMap<i64, u64> {
    let at = header.iter().position(|h| h == name).expect("column");
    let mut out = BTreeMap::new();
    for row in rows {
        let value: i64 = row[at].parse().expect("a number");
        *out.entry(value).or_insert(0) += 1;
    }
    out
}

/// Runs `program` in `dir`; its standard output, after checking it succeeded.
fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} could not run ({e}): make test installs it"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{program} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// Columns no anonymization touches (quasi-identifiers may be generalized or left out).
const CHECKED: [&str; 5] = [
    "dept_uses_ai",
    "ai_knowledge",
    "rd_interest",
    "ai_applications__pulmonary_nodule",
    "priority_rank__lesion_detection",
];

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn data_csv_holds_a_row_per_response_and_a_column_per_variable(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 30).await;
    let dir = scratch("export-columns");
    let mut conn = pool.acquire().await.expect("connection");
    let settings = Settings {
        responses: Responses::All,
        ..Settings::default()
    };
    let written = write_files(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    let risk = written
        .risk
        .as_ref()
        .expect("an analyst's export is anonymized");
    let (header, data) = read_data(&dir);
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!((written.rows + risk.suppressed) as i64, all);
    assert_eq!(data.len() as u64, written.rows);
    // Every variable but the quasi-identifiers' as it is, in order.
    let variables = export::variables(&survey, Include::default());
    let plain: Vec<&str> = variables
        .iter()
        .filter(|v| v.disclosure != Disclosure::QuasiIdentifier)
        .map(|v| v.name.as_str())
        .collect();
    let kept: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| plain.contains(h))
        .collect();
    assert_eq!(kept, plain);
    // Each quasi-identifier: its columns as they are (exact), one column named as its
    // question (generalized), or none (`*`).
    for qi in &risk.quasi_identifiers {
        let own: Vec<&str> = variables
            .iter()
            .filter(|v| {
                v.question
                    .as_ref()
                    .is_some_and(|q| q.as_str() == qi.question)
            })
            .map(|v| v.name.as_str())
            .collect();
        let present: Vec<&str> = header
            .iter()
            .map(String::as_str)
            .filter(|h| *h == qi.question || own.contains(h))
            .collect();
        if qi.level == 0 {
            assert_eq!(present, own, "{}", qi.question);
        } else if qi.level == qi.levels {
            assert!(present.is_empty(), "{} is left out", qi.question);
        } else {
            assert_eq!(present, vec![qi.question.as_str()]);
        }
    }
    assert!(
        !header
            .iter()
            .any(|h| h == "contact_email" || h == "comments")
    );
    for row in &data {
        assert_eq!(row.len(), header.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_readme_gives_each_files_sha_256_and_the_codebook_its_counts(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 30).await;
    let dir = scratch("export-readme");
    let mut conn = pool.acquire().await.expect("connection");
    let written = write_files(
        &mut conn,
        &survey,
        survey_id,
        &Settings::default(),
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    let readme = std::fs::read_to_string(dir.join("README.txt")).expect("README.txt");
    assert!(readme.contains(&format!("Rows (responses): {}\r\n", written.rows)));
    assert!(readme.contains("Responses: completed responses only\r\n"));
    for (file, _) in files(Values::Codes, true)
        .into_iter()
        .filter(|(f, _)| *f != "README.txt")
    {
        let output = Command::new("sha256sum")
            .arg(file)
            .current_dir(&dir)
            .output()
            .expect("sha256sum");
        let line = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(
            readme.contains(&format!("  {}\r\n", line.trim_end())),
            "{file}: {line}\n{readme}"
        );
    }
    let (header, data) = read_data(&dir);
    let codebook = std::fs::read_to_string(dir.join("codebook.html")).expect("codebook");
    let uses = counts(&header, &data, "dept_uses_ai");
    let yes = uses.get(&1).copied().unwrap_or(0);
    assert!(yes > 0);
    assert!(
        codebook.contains(&format!(
            "<td>yes</td><td><span lang=\"zh\">是</span><br><span lang=\"en\">Yes</span></td>\
             <td class=\"n\">{yes}</td>"
        )),
        "the codebook counts the departments using AI of data.csv"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn pspp_reads_the_spss_syntax_with_the_same_frequencies(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 40).await;
    let dir = scratch("export-pspp");
    let mut conn = pool.acquire().await.expect("connection");
    let settings = Settings {
        responses: Responses::All,
        ..Settings::default()
    };
    write_files(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    let (header, data) = read_data(&dir);
    let script = format!(
        "INSERT FILE='data.sps'.\nFREQUENCIES /VARIABLES={} /STATISTICS=NONE.\n\
         SAVE TRANSLATE /OUTFILE='back.csv' /TYPE=CSV /FIELDNAMES /REPLACE.\n",
        CHECKED.join(" ")
    );
    std::fs::write(dir.join("check.sps"), script).expect("script");
    let out = run(
        &dir,
        "pspp",
        &["-O", "format=csv", "-o", "out.csv", "check.sps"],
    );
    let report = std::fs::read_to_string(dir.join("out.csv")).expect("pspp's output");
    assert!(
        !report.to_lowercase().contains("error"),
        "pspp reported an error:\n{out}\n{report}"
    );
    let (back_header, back) = {
        let mut reader =
            csv::Reader::from_path(dir.join("back.csv")).expect("pspp wrote the data back");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("row").iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    };
    assert_eq!(back.len(), data.len());
    // Each frequency table: the rows under "Valid" and "Missing", by label.
    let tables: Vec<Vec<(String, String, u64)>> = report
        .split("Table: ")
        .skip(1)
        .map(|table| {
            let mut part = String::new();
            let mut rows = Vec::new();
            for r in csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(table.as_bytes())
                .records()
                .filter_map(Result::ok)
            {
                if !r[0].is_empty() {
                    part = r[0].to_owned();
                }
                if let (true, Some(Ok(count))) = (
                    part == "Valid" || part == "Missing",
                    r.get(2).map(str::parse::<u64>),
                ) {
                    rows.push((part.clone(), r[1].to_owned(), count));
                }
            }
            rows
        })
        .collect();
    assert_eq!(tables.len(), CHECKED.len(), "{report}");
    let variables = export::variables(&survey, Include::default());
    for (name, table) in CHECKED.iter().zip(&tables) {
        let variable = variables
            .iter()
            .find(|v| v.name == *name)
            .expect("variable");
        let mut expected: Vec<(String, String, u64)> = counts(&header, &data, name)
            .into_iter()
            .map(|(value, count)| {
                let label = variable
                    .value_label(value, Lang::Zh)
                    .map(str::to_owned)
                    .or_else(|| {
                        Missing::ALL
                            .iter()
                            .find(|m| m.code() == value)
                            .map(|m| m.label(Lang::Zh).to_owned())
                    })
                    .unwrap_or_else(|| value.to_string());
                let part = if value < 0 { "Missing" } else { "Valid" };
                (part.to_owned(), label, count)
            })
            .collect();
        let mut table = table.clone();
        expected.sort();
        table.sort();
        assert_eq!(
            table, expected,
            "{name}: PSPP's frequencies, labels and missing values"
        );
    }
    assert!(
        report.contains("\nMissing,"),
        "missing values are declared:\n{report}"
    );
    for name in CHECKED {
        let ours = counts(&header, &data, name);
        let at = back_header.iter().position(|h| h == name).expect("column");
        let mut theirs: BTreeMap<i64, u64> = BTreeMap::new();
        for row in &back {
            let value: f64 = row[at].trim().parse().expect("a number");
            *theirs.entry(value as i64).or_insert(0) += 1;
        }
        assert_eq!(theirs, ours, "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn r_reads_the_r_syntax_with_labels_and_missing_values(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 40).await;
    let dir = scratch("export-r");
    let mut conn = pool.acquire().await.expect("connection");
    let settings = Settings {
        responses: Responses::All,
        ..Settings::default()
    };
    write_files(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    let (header, data) = read_data(&dir);
    let mut check = String::from("source(\"data.R\", encoding = \"UTF-8\")\n");
    for name in CHECKED {
        check.push_str(&format!(
            "t <- table(canvass[[\"{name}\"]])\n\
             cat(paste0(\"{name}\", \" \", names(t), \" \", t), sep = \"\\n\")\n\
             cat(\"{name} label \", attr(canvass[[\"{name}\"]], \"label\"), \"\\n\", sep = \"\")\n\
             cat(\"{name} NA \", sum(is.na(canvass[[\"{name}_f\"]])), \"\\n\", sep = \"\")\n"
        ));
    }
    std::fs::write(dir.join("check.R"), check).expect("script");
    let out = run(&dir, "Rscript", &["check.R"]);
    let variables = export::variables(&survey, Include::default());
    for name in CHECKED {
        let ours = counts(&header, &data, name);
        let mut theirs: BTreeMap<i64, u64> = BTreeMap::new();
        for line in out.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            if let [n, value, count] = parts[..]
                && n == name
                && let (Ok(value), Ok(count)) = (value.parse(), count.parse())
            {
                theirs.insert(value, count);
            }
        }
        assert_eq!(theirs, ours, "{name}:\n{out}");
        let variable = variables.iter().find(|v| v.name == name).expect("variable");
        assert!(
            out.contains(&format!("{name} label {}", variable.label.get(Lang::Zh))),
            "{name}'s label:\n{out}"
        );
        let missing: u64 = ours.iter().filter(|(v, _)| **v < 0).map(|(_, c)| c).sum();
        assert!(
            out.contains(&format!("{name} NA {missing}\n")),
            "{name}: {missing} missing values become NA in its factor:\n{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = syntax::DATA_FILE;
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_zip_holds_every_file_and_the_workbook_the_same_table(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 20).await;
    let dir = scratch("export-zip");
    let mut conn = pool.acquire().await.expect("connection");
    let path = dir.join("export.zip");
    let settings = Settings {
        values: Values::Labels(Lang::Zh),
        ..Settings::default()
    };
    let written = canvass_server::export::write_zip(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &path,
        &Progress::default(),
    )
    .await
    .expect("written");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["export.zip"], "no part or partial file is left");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).expect("zip")).expect("a zip");
    let mut names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("a name").into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = files(settings.values, true)
        .into_iter()
        .map(|(f, _)| f.to_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    assert!(names.contains(&"data-codes.csv".to_owned()));
    // With labels in data.csv, the syntax files read the codes beside it.
    let mut sps = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("data.sps").expect("data.sps"), &mut sps)
        .expect("UTF-8");
    assert!(sps.contains("/FILE='data-codes.csv'"));
    let mut codes = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("data-codes.csv").expect("codes"),
        &mut codes,
    )
    .expect("UTF-8");
    let mut reader = csv::Reader::from_reader(codes.trim_start_matches('\u{feff}').as_bytes());
    let role = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "dept_uses_ai")
        .expect("dept_uses_ai");
    assert!(
        reader
            .records()
            .all(|r| r.expect("row")[role].parse::<i64>().is_ok()),
        "data-codes.csv holds numbers"
    );
    let mut csv_text = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("data.csv").expect("data.csv"),
        &mut csv_text,
    )
    .expect("UTF-8");
    let csv_rows = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .count();
    assert_eq!(csv_rows as u64, written.rows);
    assert!(csv_text.contains(",是,"), "labels in Chinese");
    // The workbook: a zip of its own, whose sheet has a frozen header and a row per response.
    let mut xlsx = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("data.xlsx").expect("data.xlsx"), &mut xlsx)
        .expect("read");
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut book.by_name("xl/worksheets/sheet1.xml").expect("a sheet"),
        &mut sheet,
    )
    .expect("UTF-8");
    assert!(sheet.contains("ySplit=\"1\""), "the header row is frozen");
    assert_eq!(sheet.matches("<row ").count() as u64, written.rows + 1);
    assert!(sheet.contains(">是<"), "the same labels");
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn an_export_is_de_identified_keys_drawn_dates_coarsened(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 30).await;
    // Sunday 20:00 UTC is already Monday in Beijing: a new week there.
    sqlx::query(
        "UPDATE responses SET started_at = '2026-11-29T20:00:00Z'
         WHERE id = (SELECT min(id) FROM responses)",
    )
    .execute(&pool)
    .await
    .expect("moved");
    let dir = scratch("export-deid");
    let mut conn = pool.acquire().await.expect("connection");
    let settings = Settings {
        include: Include {
            dates: canvass_core::export::Dates::Week,
            ..Include::default()
        },
        responses: Responses::All,
        ..Settings::default()
    };
    let written = write_files(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    let (header, data) = read_data(&dir);
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    // Keys: each once, drawn from 1 to the rows read (suppressed rows leave gaps).
    let mut keys: Vec<u64> = data
        .iter()
        .map(|r| r[column("response")].parse().expect("a key"))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len() as u64, written.rows);
    assert!(keys.iter().all(|k| (1..=written.read).contains(k)));
    // Nothing identifying: no public ID in any file.
    let ids: Vec<(String, time::OffsetDateTime)> =
        sqlx::query_as("SELECT public_id::text, started_at FROM responses ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("ids");
    for (file, _) in files(Values::Codes, true) {
        let text =
            String::from_utf8_lossy(&std::fs::read(dir.join(file)).expect("file")).into_owned();
        for (id, _) in &ids {
            assert!(!text.contains(id.as_str()), "{file} holds a public ID");
        }
    }
    // Each row began in the week (its Monday, Beijing time) a response began: the rows'
    // weeks are among the responses' (fewer of each where rows were suppressed).
    let beijing = time::UtcOffset::from_hms(8, 0, 0).expect("offset");
    let mut weeks: BTreeMap<String, i64> = BTreeMap::new();
    for (_, started_at) in &ids {
        let day = started_at.to_offset(beijing).date();
        let monday = day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
        *weeks.entry(monday.to_string()).or_default() += 1;
    }
    for row in &data {
        let left = weeks.entry(row[column("started")].clone()).or_default();
        *left -= 1;
        assert!(*left >= 0, "a row began in {}", row[column("started")]);
    }
    assert!(data.iter().any(|r| r[column("started")] == "2026-11-30"));
    let readme = std::fs::read_to_string(dir.join("README.txt")).expect("README");
    assert!(readme.contains("Dates: by week (its Monday)"));
    assert!(readme.contains("Times are kept to the week"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Validates `xml` (a file in `dir`) with xmllint against the DDI Alliance's own schema of
/// DDI Codebook 2.5.1 (`tests/ddi/`, every file it imports beside it, so `--nonet` holds);
/// xmllint's complaint when it is not valid.
fn ddi_valid(dir: &Path, xml: &str) -> Result<(), String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ddi/codebook.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(&schema)
        .arg(xml)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("xmllint could not run ({e}): make test installs it"));
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn codebook_xml_is_valid_ddi_2_5_with_the_same_counts_as_data_csv(pool: PgPool) {
    let (survey, survey_id) = seeded(&pool, 40).await;
    let dir = scratch("export-ddi");
    let mut conn = pool.acquire().await.expect("connection");
    let settings = Settings {
        responses: Responses::All,
        ..Settings::default()
    };
    write_files(
        &mut conn,
        &survey,
        survey_id,
        &settings,
        &dir,
        &Progress::default(),
    )
    .await
    .expect("written");
    ddi_valid(&dir, "codebook.xml").unwrap_or_else(|e| panic!("not valid DDI: {e}"));

    let xml = std::fs::read_to_string(dir.join("codebook.xml")).expect("codebook.xml");
    let (header, data) = read_data(&dir);
    assert!(xml.contains(&format!("<caseQnty>{}</caseQnty>", data.len())));
    assert!(xml.contains(&format!("<varQnty>{}</varQnty>", header.len())));
    // Each checked variable's categories and missing codes, counted as in data.csv.
    for name in CHECKED {
        let counts = counts(&header, &data, name);
        let start = xml
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("{name} in codebook.xml"));
        let var = &xml[start..start + xml[start..].find("</var>").expect("its end")];
        for (value, count) in &counts {
            assert!(
                var.contains(&format!("<catValu>{value}</catValu>"))
                    && var.contains(&format!("<catStat type=\"freq\">{count}</catStat>")),
                "{name} = {value} counted {count}: {var}"
            );
        }
        assert!(var.contains("<qstn><qstnLit xml:lang=\"zh\">"), "{var}");
    }
    assert!(xml.contains("<catgry missing=\"Y\" missType=\"inap\"><catValu>-1</catValu>"));

    // The check can fail: an element DDI does not have there is refused.
    let broken = xml.replacen(
        "<sumStat type=\"vald\">",
        "<frequency/><sumStat type=\"vald\">",
        1,
    );
    std::fs::write(dir.join("broken.xml"), broken).expect("written");
    let complaint = ddi_valid(&dir, "broken.xml").expect_err("not valid");
    assert!(complaint.contains("frequency"), "{complaint}");

    // Valid too: an identifiable export in English labels with free text, and an export of
    // no response at all.
    let identifiable = Settings {
        values: Values::Labels(Lang::En),
        lang: Lang::En,
        responses: Responses::All,
        include: Include {
            free_text: true,
            identifiable: true,
            ..Include::default()
        },
        reason: Some("a data check".into()),
        ..Settings::default()
    };
    for (settings, empty) in [(identifiable, false), (Settings::default(), true)] {
        if empty {
            sqlx::query("DELETE FROM responses")
                .execute(&pool)
                .await
                .expect("deleted");
        }
        let _ = std::fs::remove_file(dir.join("codebook.xml"));
        write_files(
            &mut conn,
            &survey,
            survey_id,
            &settings,
            &dir,
            &Progress::default(),
        )
        .await
        .expect("written");
        ddi_valid(&dir, "codebook.xml")
            .unwrap_or_else(|e| panic!("not valid DDI (empty: {empty}): {e}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
