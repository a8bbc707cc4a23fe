//! The monitoring dashboard: every staff role may open it; its figures are the database's.

use axum::http::StatusCode;
use canvass_db::accounts::Role;
use sqlx::PgPool;

use crate::staff::{account, get, signed_in};
use crate::support::app;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_viewer_sees_the_funnel_its_rates_and_where_respondents_stopped(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 60, 11)
        .await
        .expect("seed");
    account(&pool, "viewer@hospital.cn", Role::Viewer).await;
    let viewer = signed_in(&pool, "viewer@hospital.cn").await;

    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status::text, count(*) FROM responses GROUP BY 1")
            .fetch_all(&pool)
            .await
            .expect("counts");
    let n = |status: &str| {
        counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    let started: i64 = counts.iter().map(|(_, n)| n).sum();
    let consented = started - n("refused");

    let page = get(app(pool.clone()), "/monitor/ai-collab", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    let row =
        |label: &str, value: String| format!("<th scope=\"row\">{label}</th><td>{value}</td>");
    for (label, value) in [
        ("Began (consent page sent)", started.to_string()),
        ("Consented", consented.to_string()),
        ("Did not consent", n("refused").to_string()),
        ("Screened out", n("screened_out").to_string()),
        ("Completed", n("completed").to_string()),
    ] {
        assert!(
            page.body.contains(&row(label, value.clone())),
            "{label} {value}: {}",
            page.body
        );
    }
    let completion = format!(
        "{:.1}% ({} / {})",
        (n("completed") as f64 * 1000.0 / consented as f64).round() / 10.0,
        n("completed"),
        consented
    );
    assert!(
        page.body.contains(&completion),
        "{completion}: {}",
        page.body
    );
    // No link was opened: the participation rate is no rate, shown with its 0 / 0.
    assert!(
        page.body.contains("— (") && page.body.contains(" / 0)"),
        "{}",
        page.body
    );
    // The first section was reached by everyone who began.
    assert!(
        page.body.contains(&format!("<td>{started}</td>")),
        "{}",
        page.body
    );

    let unknown = get(app(pool.clone()), "/monitor/no-such-survey", Some(&viewer)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let nobody = get(app(pool.clone()), "/monitor/ai-collab", None).await;
    assert_eq!(nobody.status, StatusCode::FOUND);
    assert_eq!(nobody.header("location"), "/staff/sign-in");
}
