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
}
