use super::*;
use crate::survey::QuestionKind;

fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
    Sheet {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| match *c {
                        "" => Cell::Empty,
                        c => Cell::Text(c.to_string()),
                    })
                    .collect()
            })
            .collect(),
    }
}

const SURVEY_HEADER: &[&str] = &[
    "type",
    "name",
    "label::English (en)",
    "label::中文 (zh)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "appearance",
];

/// A bilingual form using most of what is accepted.
fn bilingual() -> Workbook {
    Workbook {
        sheets: vec![
            sheet(
                "survey",
                &[
                    SURVEY_HEADER,
                    &["start", "start", "", "", "", "", "", "", ""],
                    &[
                        "begin group",
                        "about",
                        "About you",
                        "关于您",
                        "",
                        "",
                        "",
                        "",
                        "field-list",
                    ],
                    &[
                        "select_one role",
                        "role",
                        "Your role",
                        "您的角色",
                        "yes",
                        "",
                        "",
                        "",
                        "",
                    ],
                    &[
                        "select_one province",
                        "province",
                        "Province",
                        "省份",
                        "",
                        "",
                        "",
                        "",
                        "minimal",
                    ],
                    &[
                        "integer",
                        "years",
                        "Years in practice",
                        "从业年数",
                        "yes",
                        "${role} = 'clinician'",
                        ". >= 0 and . <= 60",
                        "0 to 60",
                        "",
                    ],
                    &["end group", "", "", "", "", "", "", "", ""],
                    &[
                        "begin group",
                        "ai",
                        "AI use",
                        "人工智能应用",
                        "",
                        "${role} != 'industry'",
                        "",
                        "",
                        "",
                    ],
                    &[
                        "select all that apply from apps or_other",
                        "apps",
                        "Applications",
                        "应用",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ],
                    &[
                        "begin group",
                        "more",
                        "",
                        "",
                        "",
                        "count-selected(${apps}) > 1",
                        "",
                        "",
                        "",
                    ],
                    &[
                        "text",
                        "why",
                        "Why these?",
                        "为什么？",
                        "",
                        "",
                        "",
                        "",
                        "multiline",
                    ],
                    &["end group", "", "", "", "", "", "", "", ""],
                    &["note", "thanks", "Thank you", "谢谢", "", "", "", "", ""],
                    &["end group", "", "", "", "", "", "", "", ""],
                    &[
                        "date",
                        "today_is",
                        "Today's date",
                        "今天的日期",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ],
                ],
            ),
            sheet(
                "choices",
                &[
                    &[
                        "list_name",
                        "name",
                        "label::English (en)",
                        "label::中文 (zh)",
                    ],
                    &["role", "clinician", "Clinician", "临床医生"],
                    &["role", "industry", "Industry", "企业"],
                    &["province", "gd", "Guangdong", "广东"],
                    &["province", "bj", "Beijing", "北京"],
                    &["apps", "nodule", "Nodules", "结节"],
                    &["apps", "fracture", "Fractures", "骨折"],
                ],
            ),
            sheet(
                "settings",
                &[
                    &["form_title", "form_id", "version"],
                    &["AI survey", "ai_poll", "2024061001"],
                ],
            ),
        ],
    }
}

#[test]
fn a_bilingual_form_imports_into_sections_questions_and_conditions() {
    let imported = import(&bilingual(), "ai");
    assert_eq!(imported.problems, []);
    assert_eq!(imported.warnings, []);
    let survey = imported.survey.expect("a survey");
    assert_eq!(survey.slug.as_str(), "ai-poll");
    assert_eq!(survey.languages, [Lang::En, Lang::Zh]);
    assert_eq!(survey.title.get(Lang::Zh), "AI survey");
    let sections: Vec<(&str, Vec<&str>)> = survey
        .sections
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.questions.iter().map(|q| q.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [
            ("about", vec!["role", "province", "years"]),
            ("ai", vec!["apps", "why", "thanks"]),
            ("section_1", vec!["today_is"]),
        ]
    );
    let q = |id: &str| survey.question(id).expect(id);
    assert_eq!(q("role").label.get(Lang::Zh), "您的角色");
    assert!(q("role").required);
    assert!(matches!(
        &q("province").kind,
        QuestionKind::SingleChoice {
            display: ChoiceDisplay::Select,
            ..
        }
    ));
    let years = q("years");
    assert_eq!(
        years.relevant.as_ref().map(|c| c.source.as_str()),
        Some("role == \"clinician\"")
    );
    assert_eq!(
        years.constraints[0].rule.source,
        "(years >= 0) and (years <= 60)"
    );
    assert_eq!(years.constraints[0].message.get(Lang::En), "0 to 60");
    assert_eq!(years.constraints[0].message.get(Lang::Zh), "答案不符合要求");
    let QuestionKind::MultipleChoice { choices, .. } = &q("apps").kind else {
        panic!("apps is a multiple choice");
    };
    let codes: Vec<(&str, bool)> = choices.iter().map(|c| (c.code.as_str(), c.other)).collect();
    assert_eq!(
        codes,
        [("nodule", false), ("fracture", false), ("other", true)]
    );
    assert_eq!(
        survey.sections[1]
            .relevant
            .as_ref()
            .map(|c| c.source.as_str()),
        Some("not (role == \"industry\")")
    );
    assert_eq!(
        q("why").relevant.as_ref().map(|c| c.source.as_str()),
        Some("count(apps) > 1")
    );
    assert!(matches!(q("why").kind, QuestionKind::LongText { .. }));
    assert_eq!(q("why").disclosure, Disclosure::FreeText);
    assert!(matches!(q("thanks").kind, QuestionKind::Note));
    assert!(matches!(q("today_is").kind, QuestionKind::Date));
    // Kept as a definition file, it loads back the same.
    assert_eq!(Survey::from_toml(&survey.to_toml()).as_ref(), Ok(&survey));
}

#[test]
fn a_one_language_form_with_a_plain_label_column_is_a_normal_form() {
    let book = Workbook {
        sheets: vec![sheet(
            "Sheet1",
            &[
                &["type", "name", "label"],
                &["select one from yn", "smoker", "Do you smoke?"],
                &["int", "age", "Age"],
                &["string", "comment", "Comments"],
            ],
        )],
    };
    // A workbook whose only sheet is not named `survey` is read as the survey; with no
    // choices sheet, the list is unknown.
    let imported = import(&book, "habits");
    assert_eq!(
        imported.problems,
        [Problem {
            place: Place {
                sheet: "Sheet1".into(),
                row: Some(2),
                column: Some("type".into())
            },
            message: "the choice list `yn` is not on the choices sheet".into()
        }]
    );
    // With other sheets beside it, the survey sheet must be named.
    let mut book = book;
    book.sheets[0].name = "survey".into();
    book.sheets.push(sheet(
        "choices",
        &[
            &["list_name", "name", "label"],
            &["yn", "yes", "Yes"],
            &["yn", "no", "No"],
        ],
    ));
    book.sheets.push(sheet(
        "settings",
        &[&["default_language"], &["English (en)"]],
    ));
    let imported = import(&book, "habits");
    assert_eq!(imported.problems, []);
    let survey = imported.survey.expect("a survey");
    assert_eq!(survey.languages, [Lang::En]);
    assert_eq!(survey.title.get(Lang::En), "habits");
    let kinds: Vec<&str> = survey
        .questions()
        .map(|(_, q)| match q.kind {
            QuestionKind::SingleChoice { .. } => "single",
            QuestionKind::Integer { .. } => "integer",
            QuestionKind::ShortText { .. } => "short_text",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["single", "integer", "short_text"]);
}

fn place(sheet: &str, row: usize, column: &str) -> Place {
    Place {
        sheet: sheet.into(),
        row: Some(row),
        column: Some(column.into()),
    }
}

/// `rows` of the survey sheet under SURVEY_HEADER's first three columns, with the bilingual
/// form's choices and settings.
fn form(rows: &[&[&str]]) -> Workbook {
    let mut book = bilingual();
    let mut all: Vec<&[&str]> = vec![&[
        "type",
        "name",
        "label::English (en)",
        "label::中文 (zh)",
        "relevant",
        "choice_filter",
        "required",
    ]];
    all.extend_from_slice(rows);
    book.sheets[0] = sheet("survey", &all);
    book
}

#[test]
fn what_is_refused_is_named_with_its_sheet_row_and_column() {
    let book = form(&[
        &["calculate", "total", "", "", "", "", ""],
        &["begin repeat", "kids", "Kids", "孩子", "", "", ""],
        &["geopoint", "where", "Where", "哪里", "", "", ""],
        &["image", "photo", "Photo", "照片", "", "", ""],
        &["time", "when", "When", "何时", "", "", ""],
        &[
            "select_one_from_file towns.csv",
            "town",
            "Town",
            "城镇",
            "",
            "",
            "",
        ],
        &[
            "select_one role",
            "r",
            "Role",
            "角色",
            "pulldata('f', 'c', 'k', 1) = 2",
            "",
            "",
        ],
        &[
            "select_one role",
            "r2",
            "Role",
            "角色",
            "",
            "${r} = 'a'",
            "",
        ],
        &["integer", "n", "N", "数", "", "", "${r} = 'clinician'"],
        &["select_one nope", "r3", "Role", "角色", "", "", ""],
        &["frobnicate", "f", "F", "F", "", "", ""],
        &["end group", "", "", "", "", "", ""],
    ]);
    let problems: Vec<(Place, String)> = import(&book, "habits")
        .problems
        .into_iter()
        .map(|p| (p.place, p.message))
        .collect();
    let expected = [
        (place("survey", 2, "type"), "calculations are not supported"),
        (
            place("survey", 3, "type"),
            "repeats and loops are not supported",
        ),
        (place("survey", 4, "type"), "locations are not supported"),
        (
            place("survey", 5, "type"),
            "media and file questions are not supported",
        ),
        (
            place("survey", 6, "type"),
            "`time` questions are not supported yet",
        ),
        (
            place("survey", 7, "type"),
            "choices from a file are not supported",
        ),
        (
            place("survey", 8, "relevant"),
            "column 1 of the expression: `pulldata()` reads external data, which Canvass does not support",
        ),
        (
            place("survey", 9, "choice_filter"),
            "choice filters are not supported yet",
        ),
        (
            place("survey", 10, "required"),
            "a conditional `required` is not supported: write yes or no",
        ),
        (
            place("survey", 11, "type"),
            "the choice list `nope` is not on the choices sheet",
        ),
        (
            place("survey", 12, "type"),
            "unknown question type `frobnicate`",
        ),
        (
            place("survey", 13, "type"),
            "`end group` without a `begin group`",
        ),
    ];
    let expected: Vec<(Place, String)> = expected
        .into_iter()
        .map(|(p, m)| (p, m.to_string()))
        .collect();
    assert_eq!(problems, expected);
}

#[test]
fn the_loader_s_problems_are_placed_on_the_question_s_row() {
    let book = form(&[
        &["integer", "age", "Age", "", "", "", ""],
        &["integer", "score", "Score", "分数", "${later} > 1", "", ""],
        &["integer", "later", "Later", "之后", "", "", ""],
    ]);
    let problems: Vec<String> = import(&book, "habits")
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "sheet survey, row 2, column label: no \"zh\" text",
            "sheet survey, row 3, column relevant: column 1: `later` comes later in the survey (or is this question itself): a condition may only read earlier questions in `later > 1`",
        ]
    );
}

#[test]
fn device_metadata_appearances_and_unknown_columns_are_warned_about_not_refused() {
    let mut book = bilingual();
    book.sheets[0].rows[0].push(Cell::Text("guidance_hint".into()));
    book.sheets[0].rows.insert(1, {
        let mut row: Vec<Cell> = vec![Cell::Text("deviceid".into()), Cell::Text("device".into())];
        row.resize(9, Cell::Empty);
        row
    });
    book.sheets[2].rows[0].push(Cell::Text("instance_name".into()));
    book.sheets[2].rows[1].push(Cell::Text("concat(${role})".into()));
    let imported = import(&book, "habits");
    assert_eq!(imported.problems, []);
    assert!(imported.survey.is_some());
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "sheet settings, row 2, column instance_name: the setting `instance_name` is not read",
            "sheet survey, row 1, column guidance_hint: the column `guidance_hint` is not read",
            "sheet survey, row 2, column type: `deviceid` is device or user metadata, which Canvass never collects: left out",
        ]
    );
}

#[test]
fn formula_cells_duplicate_codes_and_other_languages_are_refused() {
    let mut book = bilingual();
    book.sheets[1].rows.push(vec![
        Cell::Text("role".into()),
        Cell::Text("industry".into()),
        Cell::Text("Industry again".into()),
        Cell::Text("企业".into()),
    ]);
    book.sheets[0].rows[3][2] = Cell::Formula("CONCAT(\"Your\", \" role\")".into());
    book.sheets[0].rows[0].push(Cell::Text("label::Français (fr)".into()));
    let problems: Vec<String> = import(&book, "habits")
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "sheet survey, row 4, column label::English (en): a formula cell (`=CONCAT(\"Your\", \" role\")`): type its value instead",
            "sheet survey, row 1, column label::Français (fr): the language `Français (fr)`: Canvass speaks Chinese (zh) and English (en); other languages are not supported yet",
            "sheet choices, row 8, column name: the code `industry` is in the list `role` twice: an export's codes must be unique",
            "sheet survey, row 4, column label: no \"en\" text",
        ]
    );
}

#[test]
fn a_workbook_without_a_survey_sheet_says_so() {
    let book = Workbook {
        sheets: vec![sheet("a", &[&["x"]]), sheet("b", &[&["y"]])],
    };
    let imported = import(&book, "habits");
    assert!(imported.survey.is_none());
    assert_eq!(
        imported
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["sheet survey: the workbook has no sheet named `survey`"]
    );
    let empty = import(&Workbook::default(), "empty");
    assert_eq!(empty.problems.len(), 1);
}

#[test]
fn older_spellings_of_headers_and_types_are_read() {
    let book = Workbook {
        sheets: vec![
            sheet(
                "survey",
                &[
                    &[
                        "type",
                        "name",
                        "label:English",
                        "label:Chinese",
                        "appearance",
                    ],
                    &[
                        "select all that apply from fruit or specify other",
                        "fruit",
                        "Fruit",
                        "水果",
                        "",
                    ],
                    &[
                        "select_one fruit",
                        "best",
                        "Best",
                        "最好",
                        "search('fruits')",
                    ],
                    &["imei", "phone", "", "", ""],
                ],
            ),
            sheet(
                "choices",
                &[
                    &["list name", "value", "label:English", "label:Chinese"],
                    &["fruit", "apple", "Apple", "苹果"],
                    &["fruit", "pear", "Pear", "梨"],
                ],
            ),
        ],
    };
    let imported = import(&book, "fruit");
    let problems: Vec<String> = imported.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "sheet survey, row 3, column appearance: `search()` reads choices from a file, which Canvass does not support"
        ]
    );
    assert_eq!(
        imported
            .warnings
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        [
            "sheet survey, row 4, column type: `imei` is device or user metadata, which Canvass never collects: left out"
        ]
    );
    book_without_search(book);
}

fn book_without_search(mut book: Workbook) {
    book.sheets[0].rows[2][4] = Cell::Empty;
    let imported = import(&book, "fruit");
    assert_eq!(imported.problems, []);
    let survey = imported.survey.expect("a survey");
    assert_eq!(survey.languages, [Lang::En, Lang::Zh]);
    let QuestionKind::MultipleChoice { choices, .. } =
        &survey.question("fruit").expect("fruit").kind
    else {
        panic!("a multiple choice");
    };
    assert_eq!(choices[1].label.get(Lang::Zh), "梨");
    assert!(choices[2].other);
}

#[test]
fn a_duplicate_name_and_a_bad_group_name_are_placed_on_their_rows() {
    let book = form(&[
        &[
            "begin group",
            "Part One",
            "Part one",
            "第一部分",
            "",
            "",
            "",
        ],
        &["integer", "age", "Age", "年龄", "", "", ""],
        &["integer", "age", "Age again", "再次年龄", "", "", ""],
        &["end group", "", "", "", "", "", ""],
    ]);
    let problems: Vec<String> = import(&book, "x")
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "sheet survey, row 2, column name: \"Part One\" is not a valid ID: use a lowercase letter, then lowercase letters, digits or `_` (at most 64)",
            "sheet survey, row 4, column name: another question has the same ID",
        ]
    );
}
