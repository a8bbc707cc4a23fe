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
            Some(format!("ai-collab v{}", national_version()))
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
        "SELECT count(*) FROM responses r, jsonb_each(r.answers) WHERE r.status = 'completed'",
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

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_background_task_folds_pending_moves_into_the_tallies_until_stopped(pool: PgPool) {
    let survey_id: i64 =
        sqlx::query_scalar("INSERT INTO surveys (slug) VALUES ('fold') RETURNING id")
            .fetch_one(&pool)
            .await
            .expect("survey");
    // Two saves' moves: a response from no section to consent, and on to screening.
    sqlx::query(
        "INSERT INTO response_moves (survey_id, from_section, to_status, to_section)
         VALUES ($1, NULL, 'in_progress', 'consent'), ($1, 'consent', 'in_progress', 'screening')",
    )
    .bind(survey_id)
    .execute(&pool)
    .await
    .expect("moves");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let folding = tokio::spawn(canvass_server::tallies::fold_moves(
        pool.clone(),
        canvass_db::surveys::Catalog::default(),
        canvass_server::live::Live::default(),
        std::time::Duration::from_millis(20),
        async {
            let _ = stopped.await;
        },
    ));
    let mut pending = 2_i64;
    for _ in 0..250 {
        pending = sqlx::query_scalar("SELECT count(*) FROM response_moves")
            .fetch_one(&pool)
            .await
            .expect("count");
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(pending, 0, "folded within 5 s");
    let _ = stop.send(());
    folding.await.expect("the task ends when stopped");
    let folded: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT last_section, sum(n)::int8 FROM response_tallies GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("tallies");
    assert_eq!(
        folded,
        [(Some("screening".to_owned()), 1), (None, -1)],
        "the move in and out of consent cancel out, and write nothing"
    );
}

/// The version of the national survey that ships.
fn national_version() -> u32 {
    canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB)
        .expect("loads")
        .version
}
