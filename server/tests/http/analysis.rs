//! The analysis page and its JSON and CSV: staff only, the same figures and suppression
//! everywhere, and each bad query refused naming its parameter.

use axum::http::StatusCode;
use canvass_core::staff::StaffRole;
use sqlx::PgPool;

use crate::staff::{account, get, signed_in};
use crate::support::app;

/// The bundled surveys, `respondents` demo respondents, and a viewer's session cookie.
async fn seeded(pool: &PgPool, respondents: u64) -> String {
    canvass_server::serve::install_bundled_surveys(pool)
        .await
        .expect("install");
    canvass_server::demo::seed(pool, respondents, 7)
        .await
        .expect("seed");
    account(pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    signed_in(pool, "viewer@hospital.cn").await
}

async fn completed(pool: &PgPool, role: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM responses WHERE status = 'completed'
         AND ($1::text IS NULL OR breakdown ->> 'role' = $1)",
    )
    .bind(role)
    .fetch_one(pool)
    .await
    .expect("count")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_viewer_reads_every_declared_metric_with_its_n_and_the_sample_caveat(pool: PgPool) {
    let viewer = seeded(&pool, 60).await;
    let page = get(app(pool.clone()), "/analysis/ai-collab", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let n = completed(&pool, None).await;
    assert!(
        page.body.contains(&format!(
            "{n} completed responses, the figures below count completed responses only."
        )),
        "{}",
        page.body
    );
    let survey =
        canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("survey");
    for metric in &survey.metrics {
        assert!(
            page.body.contains(&format!("id=\"metric-{}\"", metric.id)),
            "{}",
            metric.id
        );
    }
    assert!(page.body.contains("it is not a probability sample"));
    assert!(page.body.contains("Wilson score interval"));
    assert!(
        page.body.contains("focusable=\"false\" class=\"chart\">"),
        "{}",
        page.body
    );
    // Every breakdown is a filter, "all" first, and every province is listed.
    for filter in [
        "filter-role",
        "filter-province",
        "filter-hospital_grade",
        "filter-split",
    ] {
        assert!(page.body.contains(&format!("id=\"{filter}\"")), "{filter}");
    }
    assert!(page.body.contains("<option value=\"xizang\""));
    assert!(page.body.contains("id=\"filter-responses\""));

    let partial = get(
        app(pool.clone()),
        "/analysis/ai-collab?responses=completed_and_partial",
        Some(&viewer),
    )
    .await;
    assert!(
        partial
            .body
            .contains("responses, completed or partial (in progress, with an answer saved, counted once it has had no save for 5 minutes)"),
        "{}",
        partial.body
    );
    assert!(
        partial
            .body
            .contains("<option value=\"completed_and_partial\" selected")
    );
}

/// The national survey's analysis as JSON under `query`, read by the staff member whose
/// session cookie is `cookie`; it must answer 200.
async fn analysis_json(pool: &PgPool, query: &str, cookie: &str) -> serde_json::Value {
    let uri = format!("/api/v1/surveys/ai-collab/analysis?{query}");
    let reply = get(app(pool.clone()), &uri, Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    serde_json::from_str(&reply.body).expect("json")
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_json_has_the_pages_figures_filters_and_split(pool: PgPool) {
    let viewer = seeded(&pool, 60).await;
    let reply = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/analysis",
        Some(&viewer),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("content-type"), "application/json");
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json["survey"], "ai-collab");
    assert_eq!(json["counting"], "completed");
    assert_eq!(json["threshold"], 5);
    assert_eq!(json["respondents"], completed(&pool, None).await);
    assert!(
        json["methods"]["share"]
            .as_str()
            .expect("a method")
            .contains("Wilson")
    );
    assert_eq!(json["metrics"].as_array().expect("metrics").len(), 10);

    let split = analysis_json(&pool, "split=role", &viewer).await;
    let groups = split["groups"].as_array().expect("groups");
    assert!(!groups.is_empty());
    assert_eq!(groups[0]["code"], "clinician");
    for metric in split["metrics"].as_array().expect("metrics") {
        assert_eq!(
            metric["groups"].as_array().expect("groups").len(),
            groups.len()
        );
    }

    let clinicians = completed(&pool, Some("clinician")).await;
    let others = completed(&pool, None).await - clinicians;
    let filtered = analysis_json(&pool, "role=clinician", &viewer).await;
    if (1..5).contains(&others) {
        assert_eq!(filtered["withheld"]["reason"], "by_subtraction");
        assert_eq!(filtered["respondents"]["suppressed"], true);
    } else {
        assert_eq!(filtered["respondents"], clinicians);
        assert!(filtered["withheld"].is_null());
    }

    // Partial responses too: those in progress with an answer saved.
    let partial: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM responses WHERE status = 'in_progress' AND answers <> '{}'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(partial > 0, "the demo leaves some responses partial");
    let with_partial = analysis_json(&pool, "responses=completed_and_partial", &viewer).await;
    assert_eq!(with_partial["counting"], "completed_and_partial");
    assert_eq!(with_partial["partial_rest_minutes"], 5);
    assert_eq!(
        with_partial["respondents"],
        completed(&pool, None).await + partial
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn each_bad_query_is_a_400_naming_its_parameter(pool: PgPool) {
    let viewer = seeded(&pool, 0).await;
    let api = "/api/v1/surveys/ai-collab/analysis";
    for (query, error, parameter) in [
        ("colour=red", "unknown_parameter", Some("colour")),
        ("role=doctor", "unknown_value", Some("role")),
        ("metric=nope", "unknown_value", Some("metric")),
        ("split=consent", "unknown_value", Some("split")),
        ("role=clinician&role=industry", "repeated", Some("role")),
        (
            "split=role&role=clinician",
            "split_and_filtered",
            Some("role"),
        ),
        ("responses=partial", "unknown_value", Some("responses")),
        ("role=%FF", "malformed", None),
    ] {
        let reply = get(app(pool.clone()), &format!("{api}?{query}"), Some(&viewer)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
        assert_eq!(json["error"], error, "{query}");
        assert_eq!(json["parameter"].as_str(), parameter, "{query}");
        assert!(json["message"].is_string(), "{query}");
    }
    let page = get(
        app(pool.clone()),
        "/analysis/ai-collab?role=doctor",
        Some(&viewer),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("“doctor” is not a value of “role”."),
        "{}",
        page.body
    );
    let unknown = get(
        app(pool.clone()),
        "/api/v1/surveys/nope/analysis",
        Some(&viewer),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let nobody = get(app(pool.clone()), api, None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.header("www-authenticate"),
        r#"Bearer realm="canvass""#
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_csv_starts_with_a_byte_order_mark_and_keeps_suppressed_rows_empty(pool: PgPool) {
    let viewer = seeded(&pool, 20).await;
    let reply = get(
        app(pool.clone()),
        "/api/v1/surveys/ai-collab/analysis.csv?metric=ai_adoption&split=role",
        Some(&viewer),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("content-type"), "text/csv; charset=utf-8");
    assert!(reply.body.starts_with('\u{feff}'));
    let mut lines = reply.body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("metric,group,item,partner,suppressed,count,n,estimate,low,high,borda")
    );
    for line in lines {
        assert!(line.starts_with("ai_adoption,"), "{line}");
        if line.contains(",true,") {
            assert!(
                line.ends_with(",true,,,,,,"),
                "a suppressed row has no numbers: {line}"
            );
        }
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn each_metrics_csv_link_keeps_the_pages_filters_and_answers(pool: PgPool) {
    let viewer = seeded(&pool, 10).await;
    let page = get(
        app(pool.clone()),
        "/analysis/ai-collab?split=role&metric=ai_adoption",
        Some(&viewer),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let link = "/api/v1/surveys/ai-collab/analysis.csv?split=role&amp;metric=ai_adoption";
    assert!(page.body.contains(link), "{}", page.body);
    let csv = get(
        app(pool.clone()),
        &link.replace("&amp;", "&"),
        Some(&viewer),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
}

/// A second survey with questions of its own, declaring its own metrics.
const POLL: &str = r#"
slug = "committee-poll"
version = 1
languages = ["zh", "en"]
title = { zh = "委员会调查", en = "Committee poll" }
breakdowns = ["committee"]
suppress_below = 3

[scales.agree5]
min = 1
max = 5
min_label = { zh = "非常不同意", en = "Strongly disagree" }
max_label = { zh = "非常同意", en = "Strongly agree" }

[[sections]]
id = "poll"
title = { zh = "调查", en = "Poll" }

[[sections.questions]]
id = "committee"
type = "single_choice"
label = { zh = "您的委员会", en = "Your committee" }
disclosure = "quasi_identifier"
required = true
choices = [
  { code = "imaging", zh = "影像", en = "Imaging" },
  { code = "informatics", zh = "信息", en = "Informatics" },
]

[[sections.questions]]
id = "meetings_useful"
type = "likert"
scale = "agree5"
label = { zh = "会议有用", en = "Meetings are useful" }
disclosure = "attribute"
required = true

[[sections.questions]]
id = "topics"
type = "multiple_choice"
label = { zh = "希望讨论的主题", en = "Topics to discuss" }
disclosure = "attribute"
required = true
choices = [
  { code = "guidelines", zh = "指南", en = "Guidelines" },
  { code = "training", zh = "培训", en = "Training" },
  { code = "ai", zh = "人工智能", en = "AI" },
]

[[metrics]]
id = "useful"
kind = "share"
title = { zh = "认为会议有用", en = "Find meetings useful" }
when = "meetings_useful >= 4"

[[metrics]]
id = "topics"
kind = "top_choices"
title = { zh = "主题", en = "Topics" }
question = "topics"
"#;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_second_survey_gets_a_dashboard_from_its_own_declarations(pool: PgPool) {
    use canvass_core::answers::from_pairs;
    use canvass_core::survey::{SectionId, Survey};
    use canvass_db::respond::{save_section, submit};
    use canvass_db::responses::{self, Origin};

    let survey = Survey::from_toml(POLL).expect("the poll loads");
    let mut conn = pool.acquire().await.expect("connection");
    canvass_db::surveys::install(&mut conn, &survey, POLL)
        .await
        .expect("install");
    let published = canvass_db::surveys::latest(&mut conn, "committee-poll")
        .await
        .expect("query")
        .expect("installed");
    // Eight members: five find meetings useful (4 or 5); topics chosen by hand. (Six of
    // eight would leave a complement of 2, under the poll's threshold of 3: hidden.)
    let answers = [
        ("imaging", "5", &["guidelines", "ai"][..]),
        ("imaging", "4", &["ai"]),
        ("imaging", "3", &["training"]),
        ("imaging", "2", &["guidelines"]),
        ("informatics", "5", &["ai"]),
        ("informatics", "4", &["ai", "training"]),
        ("informatics", "5", &["guidelines", "ai"]),
        ("informatics", "1", &["training"]),
    ];
    let page = SectionId::parse("poll").expect("section");
    for (committee, useful, topics) in answers {
        let started = responses::start(
            &mut conn,
            published.survey_id,
            published.version,
            canvass_core::Lang::En,
            Origin::default(),
        )
        .await
        .expect("start");
        let mut fields = vec![("committee", committee), ("meetings_useful", useful)];
        fields.extend(topics.iter().map(|t| ("topics", *t)));
        save_section(
            &mut conn,
            started.public_id,
            &survey,
            &page,
            &from_pairs(fields),
        )
        .await
        .expect("saved");
        submit(&mut conn, started.public_id, &survey)
            .await
            .expect("submitted");
    }
    // What a server does each quarter second.
    canvass_server::tallies::fold_once(
        &pool,
        &canvass_db::surveys::Catalog::default(),
        canvass_server::tallies::PARTIAL_REST,
    )
    .await
    .expect("folded");
    account(&pool, "viewer@hospital.cn", StaffRole::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;
    let reply = get(
        app(pool.clone()),
        "/api/v1/surveys/committee-poll/analysis",
        Some(&viewer),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json["threshold"], 3);
    assert_eq!(json["respondents"], 8);
    let useful = &json["metrics"][0];
    assert_eq!(useful["id"], "useful");
    assert_eq!(useful["all"]["share"]["x"], 5);
    assert_eq!(useful["all"]["share"]["n"], 8);
    // Topics, ranked: AI 5 of 8, then guidelines 3 and training 3 (in the question's order).
    let items: Vec<(String, u64)> = json["metrics"][1]["all"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap_or_default().to_owned(),
                i["share"]["x"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("ai".to_owned(), 5),
            ("guidelines".to_owned(), 3),
            ("training".to_owned(), 3)
        ]
    );
    let page = get(app(pool.clone()), "/analysis/committee-poll", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Find meetings useful"), "{}", page.body);
    assert!(page.body.contains("id=\"filter-committee\""));
}
