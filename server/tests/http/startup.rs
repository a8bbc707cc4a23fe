use sqlx::PgPool;

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_bundled_survey_is_installed_on_start_and_only_once(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("first start");
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("second start");
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_versions v JOIN surveys s ON s.id = v.survey_id WHERE s.slug = 'ai-collab'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(versions, 1);
    let audit: Vec<(Option<i64>, String, Option<String>)> =
        sqlx::query_as("SELECT actor_id, action::text, detail FROM audit_log")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(
        audit,
        [(
            None,
            "survey_published".to_owned(),
            Some("ai-collab v3".to_owned())
        )],
        "one publication, by the system"
    );
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn seed_demo_walks_synthetic_respondents_through_the_real_save_path(pool: PgPool) {
    canvass_server::serve::install_bundled_surveys(&pool)
        .await
        .expect("install");
    canvass_server::demo::seed(&pool, 40, 7)
        .await
        .expect("seed");
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status::text, count(*) FROM responses GROUP BY 1 ORDER BY 1")
            .fetch_all(&pool)
            .await
            .expect("statuses");
    let total: i64 = statuses.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 40);
    let completed = statuses
        .iter()
        .find(|(s, _)| s == "completed")
        .map_or(0, |(_, n)| *n);
    assert!(
        completed >= 20,
        "most synthetic respondents complete: {statuses:?}"
    );
    let answers_of_completed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.status = 'completed'",
    )
    .fetch_one(&pool)
    .await
    .expect("answers");
    assert!(
        answers_of_completed > completed * 20,
        "completed responses carry their answers"
    );
    // Spread over the weeks of fieldwork, never in the future, each in order.
    let (days, future, disordered): (f64, i64, i64) = sqlx::query_as(
        "SELECT extract(epoch FROM max(started_at) - min(started_at))::float8 / 86400,
                count(*) FILTER (WHERE last_activity_at > now()),
                count(*) FILTER (WHERE last_activity_at < started_at OR completed_at <> last_activity_at)
         FROM responses",
    )
    .fetch_one(&pool)
    .await
    .expect("timestamps");
    assert!(days > 7.0, "started over {days:.1} days only");
    assert_eq!((future, disordered), (0, 0));
}
