//! The round trip: synthetic respondents exported to data.csv (in codes, and in labels in
//! each language) and read back, column by column, into the same answers.

use std::collections::BTreeMap;

use canvass_core::Lang;
use canvass_core::answers::{Answer, Cell, Outcome};
use canvass_core::export::{self, Include, Missing, Source, Values, Variable};
use canvass_core::survey::{Code, MatrixAnswer, QuestionKind, Survey};
use canvass_db::export::{Responses, Selection};
use canvass_server::export::{Outputs, Progress, Settings, write_data};
use futures_util::StreamExt;
use sqlx::PgPool;

/// One cell of data.csv read back: a value, or why it is missing.
#[derive(Debug, Clone, PartialEq)]
enum Read {
    Number(f64),
    Text(String),
    Missing(Missing),
}

fn read_cell(variable: &Variable, text: &str, values: Values) -> Read {
    for missing in Missing::ALL {
        let written = match values {
            Values::Codes => missing.code().to_string(),
            Values::Labels(lang) => format!("[{}]", missing.label(lang)),
        };
        if text == written {
            return Read::Missing(missing);
        }
    }
    if variable.is_text() {
        return Read::Text(text.to_owned());
    }
    if let Values::Labels(lang) = values
        && let Some(label) = variable.values.iter().find(|v| v.label.get(lang) == text)
    {
        return Read::Number(label.value as f64);
    }
    text.parse()
        .map(Read::Number)
        .unwrap_or_else(|_| panic!("{}: {text:?} is no number", variable.name))
}

/// The code a variable's number stands for.
fn code_of(variable: &Variable, number: f64) -> Code {
    variable
        .values
        .iter()
        .find(|v| v.value as f64 == number)
        .and_then(|v| v.code.clone())
        .unwrap_or_else(|| panic!("{}: {number} names no choice", variable.name))
}

/// The answers one row of data.csv holds, question by question; a question missing as
/// ended or not reached is left out, as it is from the stored answers.
fn answers_of(
    survey: &Survey,
    variables: &[Variable],
    row: &[String],
    values: Values,
) -> BTreeMap<String, Outcome> {
    let mut by_question: BTreeMap<String, Vec<(&Variable, Read)>> = BTreeMap::new();
    for (variable, text) in variables.iter().zip(row) {
        if let Some(question) = &variable.question {
            by_question
                .entry(question.to_string())
                .or_default()
                .push((variable, read_cell(variable, text, values)));
        }
    }
    let mut answers = BTreeMap::new();
    for (id, cells) in by_question {
        let question = survey.question(&id).expect("a question of the survey");
        // A question missing as a whole: every column says so (the other-text may be
        // empty beside an answer, so the first column decides).
        match cells[0].1 {
            Read::Missing(Missing::NotAsked) => {
                answers.insert(id, Outcome::NotAsked);
                continue;
            }
            Read::Missing(Missing::NoAnswer)
                if !matches!(question.kind, QuestionKind::Matrix { .. }) =>
            {
                answers.insert(id, Outcome::NoAnswer);
                continue;
            }
            Read::Missing(Missing::Ended | Missing::NotReached) => continue,
            _ => {}
        }
        let other = cells.iter().find_map(|(v, read)| match (&v.source, read) {
            (Source::OtherText, Read::Text(t)) if !t.is_empty() => Some(t.clone()),
            _ => None,
        });
        let number = |read: &Read| match read {
            Read::Number(n) => *n,
            other => panic!("{id}: {other:?} is no number"),
        };
        let answer = match &question.kind {
            QuestionKind::SingleChoice { .. } => Answer::Choice {
                code: code_of(cells[0].0, number(&cells[0].1)),
                other,
            },
            QuestionKind::MultipleChoice { .. } => Answer::Choices {
                codes: cells
                    .iter()
                    .filter_map(|(v, read)| match (&v.source, read) {
                        (Source::Chosen(code), Read::Number(n)) if *n == 1.0 => Some(code.clone()),
                        _ => None,
                    })
                    .collect(),
                other,
            },
            QuestionKind::Likert(_) => Answer::Scale(number(&cells[0].1) as i64),
            QuestionKind::Matrix { answer, .. } => {
                let mut rows = BTreeMap::new();
                for (v, read) in &cells {
                    let (Source::Row(row), Read::Number(n)) = (&v.source, read) else {
                        continue;
                    };
                    let cell = match answer {
                        MatrixAnswer::Scale(_) => Cell::Scale(*n as i64),
                        MatrixAnswer::Choices(_) => Cell::Choice(code_of(v, *n)),
                    };
                    rows.insert(row.clone(), cell);
                }
                if rows.is_empty() {
                    answers.insert(id, Outcome::NoAnswer);
                    continue;
                }
                Answer::Matrix(rows)
            }
            QuestionKind::Ranking { .. } => {
                let mut ranked: Vec<(i64, Code)> = cells
                    .iter()
                    .filter_map(|(v, read)| match (&v.source, read) {
                        (Source::RankOf(code), Read::Number(n)) if *n > 0.0 => {
                            Some((*n as i64, code.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                ranked.sort();
                Answer::Ranking(ranked.into_iter().map(|(_, code)| code).collect())
            }
            QuestionKind::Integer { .. } => Answer::Integer(number(&cells[0].1) as i64),
            QuestionKind::Year { .. } => Answer::Year(number(&cells[0].1) as i32),
            QuestionKind::Decimal { .. } => Answer::Decimal(number(&cells[0].1)),
            QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => match &cells[0].1 {
                Read::Text(t) => Answer::Text(t.clone()),
                other => panic!("{id}: {other:?}"),
            },
            QuestionKind::Date => match &cells[0].1 {
                Read::Text(t) => Answer::Date(t.clone()),
                other => panic!("{id}: {other:?}"),
            },
            QuestionKind::Email | QuestionKind::Note => continue,
        };
        answers.insert(id, Outcome::Answered { answer });
    }
    answers
}

/// The stored answers as an export can give them back: only questions with columns, the
/// chosen codes in the choices' order.
fn exportable(
    survey: &Survey,
    variables: &[Variable],
    outcomes: BTreeMap<String, Outcome>,
) -> BTreeMap<String, Outcome> {
    outcomes
        .into_iter()
        .filter(|(id, _)| {
            variables
                .iter()
                .any(|v| v.question.as_ref().is_some_and(|q| q.as_str() == id))
        })
        .map(|(id, outcome)| {
            let outcome = match outcome {
                Outcome::Answered {
                    answer: Answer::Choices { mut codes, other },
                } => {
                    if let Some(QuestionKind::MultipleChoice { choices, .. }) =
                        survey.question(&id).map(|q| &q.kind)
                    {
                        codes.sort_by_key(|c| choices.iter().position(|choice| &choice.code == c));
                    }
                    Outcome::Answered {
                        answer: Answer::Choices { codes, other },
                    }
                }
                outcome => outcome,
            };
            (id, outcome)
        })
        .collect()
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn data_csv_reads_back_into_the_same_answers_in_codes_and_in_labels(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 80, 11)
        .await
        .expect("seed");
    let (published, survey) = canvass_server::demo::national(&pool).await.expect("survey");
    let survey_id = published.survey_id;
    let include = Include {
        free_text: true,
        ..Include::default()
    };
    let variables = export::variables(&survey, include);

    // What is stored, as the export reads it.
    let mut conn = pool.acquire().await.expect("connection");
    let selection = Selection {
        responses: Responses::Completed,
        filter: Vec::new(),
    };
    let mut stored: Vec<String> = canvass_db::export::rows(
        &mut conn,
        survey_id,
        survey.time_zone.as_str(),
        &selection,
        include,
        None,
    )
    .map(|row| {
        let row = row.expect("a row");
        format!("{:?}", exportable(&survey, &variables, row.outcomes))
    })
    .collect()
    .await;
    stored.sort();
    assert!(
        stored.len() > 20,
        "enough completed respondents: {}",
        stored.len()
    );

    for values in [
        Values::Codes,
        Values::Labels(Lang::Zh),
        Values::Labels(Lang::En),
    ] {
        let settings = Settings {
            values,
            include,
            reason: Some("the round trip".into()),
            ..Settings::default()
        };
        let mut data = Vec::new();
        let outputs = Outputs {
            data: &mut data,
            codes: None,
            xlsx: None,
            progress: Some(&Progress::default()),
        };
        write_data(&mut conn, &survey, survey_id, &settings, outputs, None)
            .await
            .expect("written");
        let body = data.strip_prefix("\u{feff}".as_bytes()).expect("a BOM");
        let mut reader = csv::Reader::from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            header,
            variables.iter().map(|v| v.name.clone()).collect::<Vec<_>>()
        );
        let mut read: Vec<String> = reader
            .records()
            .map(|record| {
                let row: Vec<String> = record.expect("a row").iter().map(str::to_owned).collect();
                format!("{:?}", answers_of(&survey, &variables, &row, values))
            })
            .collect();
        read.sort();
        assert_eq!(read.len(), stored.len(), "{values:?}");
        for (got, want) in read.iter().zip(&stored) {
            assert_eq!(got, want, "{values:?}");
        }
    }
}
