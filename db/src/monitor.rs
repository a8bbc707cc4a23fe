//! What the monitoring dashboard counts, read from the responses themselves.
//!
//! These queries group a survey's responses (index `responses_survey_status_idx`), so their
//! cost grows with the number of responses: fine for the seed study's 5,142, not for a
//! million. Maintained counts updated with each save are the next step (issue 5).

use sqlx::PgConnection;

use crate::responses::Status;

/// How many responses of a survey stand at one status and last section, through one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub status: Status,
    pub last_section: Option<String>,
    pub link_id: Option<i64>,
    pub n: i64,
}

/// Every (status, last section, link) of a survey's responses, with its count.
pub async fn tallies(conn: &mut PgConnection, survey_id: i64) -> Result<Vec<Tally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status: Status", last_section, link_id, count(*) AS "n!"
           FROM responses WHERE survey_id = $1
           GROUP BY status, last_section, link_id"#,
        survey_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Tally {
            status: r.status,
            last_section: r.last_section,
            link_id: r.link_id,
            n: r.n,
        })
        .collect())
}

/// How many responses at each status chose each code of these single-choice questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceTally {
    pub question: String,
    pub code: String,
    pub status: Status,
    pub n: i64,
}

/// The answers to `questions` (single choice) of a survey's responses, counted by code and
/// by the response's status.
pub async fn choice_tallies(
    conn: &mut PgConnection,
    survey_id: i64,
    questions: &[String],
) -> Result<Vec<ChoiceTally>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.question_id, a.value #>> '{answer,value,code}' AS "code!",
                  r.status AS "status: Status", count(*) AS "n!"
           FROM responses r JOIN answers a ON a.response_id = r.id
           WHERE r.survey_id = $1 AND a.question_id = ANY($2)
             AND a.value ->> 'outcome' = 'answered'
             AND a.value #>> '{answer,type}' = 'choice'
           GROUP BY 1, 2, 3"#,
        survey_id,
        questions
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChoiceTally {
            question: r.question_id,
            code: r.code,
            status: r.status,
            n: r.n,
        })
        .collect())
}

/// The median time from consent to submission, in seconds, of completed responses.
pub async fn median_completion_secs(
    conn: &mut PgConnection,
    survey_id: i64,
) -> Result<Option<f64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT percentile_cont(0.5) WITHIN GROUP
                  (ORDER BY extract(epoch FROM completed_at - started_at))::float8
           FROM responses WHERE survey_id = $1 AND status = 'completed'"#,
        survey_id
    )
    .fetch_one(&mut *conn)
    .await
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn responses_are_tallied_by_status_section_and_link_and_timed(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey = canvass_core::survey::Survey::from_toml(canvass_core::surveys::AI_COLLAB)
            .expect("survey");
        crate::surveys::install(&mut conn, &survey, canvass_core::surveys::AI_COLLAB)
            .await
            .expect("installed");
        let survey_id: i64 = sqlx::query_scalar("SELECT id FROM surveys")
            .fetch_one(&pool)
            .await
            .expect("id");
        assert_eq!(tallies(&mut conn, survey_id).await.expect("q"), []);
        assert_eq!(
            median_completion_secs(&mut conn, survey_id)
                .await
                .expect("q"),
            None
        );
        // Three responses: two submitted after 10 and 30 minutes, one stopped at `profile`.
        sqlx::query(
            "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                    last_section, started_at, completed_at)
             SELECT sha256(convert_to(i::text, 'UTF8')), $1, 2, 'zh', s::response_status, l,
                    now() - make_interval(mins => m), CASE WHEN s = 'completed' THEN now() END
             FROM (VALUES (1, 'completed', 'follow_up', 10), (2, 'completed', 'follow_up', 30),
                          (3, 'in_progress', 'profile', 5)) AS t(i, s, l, m)",
        )
        .bind(survey_id)
        .execute(&pool)
        .await
        .expect("responses");
        let mut found = tallies(&mut conn, survey_id).await.expect("q");
        found.sort_by_key(|t| t.n);
        assert_eq!(
            found,
            [
                Tally {
                    status: Status::InProgress,
                    last_section: Some("profile".to_owned()),
                    link_id: None,
                    n: 1
                },
                Tally {
                    status: Status::Completed,
                    last_section: Some("follow_up".to_owned()),
                    link_id: None,
                    n: 2
                },
            ]
        );
        let median = median_completion_secs(&mut conn, survey_id)
            .await
            .expect("q")
            .expect("some");
        assert!((median - 1200.0).abs() < 5.0, "{median}");
    }
}
