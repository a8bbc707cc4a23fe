use sqlx::PgPool;

use super::*;

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn responses_are_tallied_by_status_section_and_link_and_timed_by_the_minute(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey =
        canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("survey");
    crate::surveys::install(&mut conn, &survey, canvass_core::surveys::AI_COLLAB)
        .await
        .expect("installed");
    let survey_id = sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&pool)
        .await
        .map(SurveyId::new)
        .expect("id");
    assert_eq!(tallies(&mut conn, survey_id).await.expect("q"), []);
    assert_eq!(
        completion_minutes(&mut conn, survey_id).await.expect("q"),
        []
    );
    // Three responses: two submitted after 10 and 30 minutes, one stopped at `profile`.
    sqlx::query(
        "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                last_section, started_at, completed_at)
         SELECT sha256(convert_to(i::text, 'UTF8')), $1, (SELECT max(version) FROM survey_versions), 'zh', s::response_status, l,
                now() - make_interval(mins => m), CASE WHEN s = 'completed' THEN now() END
         FROM (VALUES (1, 'completed', 'follow_up', 10), (2, 'completed', 'follow_up', 30),
                      (3, 'in_progress', 'profile', 5)) AS t(i, s, l, m)",
    )
    .bind(survey_id.get())
    .execute(&pool)
    .await
    .expect("responses");
    let mut found = tallies(&mut conn, survey_id).await.expect("q");
    found.sort_by_key(|t| t.n);
    assert_eq!(
        found,
        [
            Tally {
                status: ResponseStatus::InProgress,
                last_section: Some("profile".to_owned()),
                link_id: None,
                n: 1
            },
            Tally {
                status: ResponseStatus::Completed,
                last_section: Some("follow_up".to_owned()),
                link_id: None,
                n: 2
            },
        ]
    );
    let mut minutes = completion_minutes(&mut conn, survey_id).await.expect("q");
    minutes.sort_unstable();
    assert_eq!(minutes, [(10, 1), (30, 1)]);
}
