//! Quotas: caps on completed responses per role, per province, or per both. A respondent
//! whose answers put them in a full cell ends with `quota_full`.
//!
//! The role and the province are the answers to the questions the survey names as its
//! strata, whatever their IDs. Raw input becomes a quota only through [`NewQuota::parse`],
//! which checks them against those questions' choices.

use canvass_core::ids::{QuotaId, StaffId, SurveyId};
use canvass_core::staff::StaffError;
use canvass_core::survey::{Strata, Stratum, Survey};
use sqlx::PgConnection;

use crate::links::choice_codes;

/// A quota to create, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuota {
    role: Option<String>,
    province: Option<String>,
    cap: i32,
}

/// A new quota's fields as typed (empty means "any" for role and province).
#[derive(Debug, Clone, Copy, Default)]
pub struct QuotaInput<'a> {
    pub role: &'a str,
    pub province: &'a str,
    pub cap: &'a str,
}

impl NewQuota {
    pub const CAP_MAX: i32 = 1_000_000;

    /// Every field checked against `survey`; all problems at once, each with its field.
    pub fn parse(
        survey: &Survey,
        input: QuotaInput<'_>,
    ) -> Result<NewQuota, Vec<(&'static str, StaffError)>> {
        let mut errors = Vec::new();
        let mut choice = |field, question, value: &str, error| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            if choice_codes(survey, question).any(|code| code == value) {
                Some(value.to_owned())
            } else {
                errors.push((field, error));
                None
            }
        };
        let role = choice("role", Stratum::Role, input.role, StaffError::NotARole);
        let province = choice(
            "province",
            Stratum::Province,
            input.province,
            StaffError::NotAProvince,
        );
        if input.role.trim().is_empty() && input.province.trim().is_empty() {
            errors.push(("role", StaffError::NoCell));
        }
        let cap = match input.cap.trim().parse::<i32>() {
            Ok(n) if (1..=Self::CAP_MAX).contains(&n) => Some(n),
            _ => {
                errors.push(("cap", StaffError::BadCap { max: Self::CAP_MAX }));
                None
            }
        };
        match cap {
            Some(cap) if errors.is_empty() => Ok(NewQuota {
                role,
                province,
                cap,
            }),
            _ => Err(errors),
        }
    }
}

/// A quota with how many completed responses its cell has (counted up to the cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub id: QuotaId,
    pub role: Option<String>,
    pub province: Option<String>,
    pub cap: i32,
    /// Completed responses in the cell, counted no further than `cap`.
    pub completed: i64,
}

impl Quota {
    pub fn full(&self) -> bool {
        self.completed >= i64::from(self.cap)
    }
}

/// Sets a quota; `Taken` when its cell has one already.
pub async fn create(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    quota: &NewQuota,
    created_by: Option<StaffId>,
) -> Result<Result<QuotaId, StaffError>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO quotas (survey_id, role, province, cap, created_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ON CONSTRAINT quotas_cell_key DO NOTHING
           RETURNING id"#,
        survey_id.get(),
        quota.role,
        quota.province,
        quota.cap,
        created_by.map(StaffId::get)
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id.map(QuotaId::new).ok_or(StaffError::QuotaTaken))
}

/// Removes a quota; the survey it belonged to, if there was one.
pub async fn remove(conn: &mut PgConnection, id: QuotaId) -> Result<Option<SurveyId>, sqlx::Error> {
    let survey_id = sqlx::query_scalar!(
        "DELETE FROM quotas WHERE id = $1 RETURNING survey_id",
        id.get()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(survey_id.map(SurveyId::new))
}

/// A survey's quotas, each with its cell's count, oldest first. `strata` are the survey's
/// (its latest version's): the questions whose answers the cells name.
pub async fn for_survey(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    strata: &Strata,
) -> Result<Vec<Quota>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, role, province, cap FROM quotas WHERE survey_id = $1 ORDER BY id",
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut quotas = Vec::with_capacity(rows.len());
    for r in rows {
        let cell = Cell {
            role: r.role.as_deref(),
            province: r.province.as_deref(),
        };
        let completed = completed_in(conn, survey_id, strata, cell, r.cap).await?;
        quotas.push(Quota {
            id: QuotaId::new(r.id),
            role: r.role,
            province: r.province,
            cap: r.cap,
            completed,
        });
    }
    Ok(quotas)
}

/// Whether a respondent with these answers (so far) to the survey's strata questions falls
/// into a full cell: a quota whose role and province (where it names them) are theirs, with
/// `cap` completed responses.
pub async fn full_for(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    strata: &Strata,
    role: Option<&str>,
    province: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let cells = sqlx::query!(
        r#"SELECT role, province, cap FROM quotas
           WHERE survey_id = $1
             AND (role IS NULL OR role = $2) AND (province IS NULL OR province = $3)"#,
        survey_id.get(),
        role,
        province
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in cells {
        let cell = Cell {
            role: row.role.as_deref(),
            province: row.province.as_deref(),
        };
        let count = completed_in(conn, survey_id, strata, cell, row.cap).await?;
        if count >= i64::from(row.cap) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A quota's cell: the role and the province it names (at least one).
#[derive(Debug, Clone, Copy)]
struct Cell<'a> {
    role: Option<&'a str>,
    province: Option<&'a str>,
}

impl Cell<'_> {
    /// The breakdown answers a completed response in the cell has, keyed by the strata's
    /// question IDs: `{"role": "clinician", "province": "gd"}`. None when the cell names a
    /// stratum the survey does not (no response can be in it).
    fn answers(self, strata: &Strata) -> Option<serde_json::Value> {
        let mut answers = serde_json::Map::new();
        for (stratum, code) in [
            (Stratum::Role, self.role),
            (Stratum::Province, self.province),
        ] {
            if let Some(code) = code {
                let question = strata.question(stratum)?;
                answers.insert(question.to_string(), code.into());
            }
        }
        (!answers.is_empty()).then_some(serde_json::Value::Object(answers))
    }
}

/// Completed responses in a cell, counted no further than `cap`, by containment of the
/// cell's answers in the responses' copied breakdown answers (a GIN index over the completed
/// responses' `breakdown`: migration `20261206090000_quota_cells_by_containment.sql`).
async fn completed_in(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    strata: &Strata,
    cell: Cell<'_>,
    cap: i32,
) -> Result<i64, sqlx::Error> {
    let Some(answers) = cell.answers(strata) else {
        return Ok(0);
    };
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM (
             SELECT 1 FROM responses
             WHERE survey_id = $1 AND status = 'completed' AND breakdown @> $2
             LIMIT $3) AS cell"#,
        survey_id.get(),
        answers,
        i64::from(cap)
    )
    .fetch_one(&mut *conn)
    .await
}

#[cfg(test)]
mod tests {
    use canvass_core::surveys::AI_COLLAB;
    use sqlx::PgPool;

    use super::*;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("loads")
    }

    fn input<'a>(role: &'a str, province: &'a str, cap: &'a str) -> QuotaInput<'a> {
        QuotaInput {
            role,
            province,
            cap,
        }
    }

    #[test]
    fn a_quota_names_a_cell_of_the_surveys_own_choices_and_a_cap() {
        let survey = national();
        assert!(NewQuota::parse(&survey, input("clinician", "", "300")).is_ok());
        assert!(NewQuota::parse(&survey, input("", "guangdong", "1")).is_ok());
        assert!(NewQuota::parse(&survey, input("industry", "beijing", "1000000")).is_ok());
        assert_eq!(
            NewQuota::parse(&survey, input("surgeon", "atlantis", "0")),
            Err(vec![
                ("role", StaffError::NotARole),
                ("province", StaffError::NotAProvince),
                ("cap", StaffError::BadCap { max: 1_000_000 }),
            ])
        );
        assert_eq!(
            NewQuota::parse(&survey, input(" ", "", "12")),
            Err(vec![("role", StaffError::NoCell)])
        );
        for cap in ["", "1.5", "-3", "1000001", "十"] {
            assert_eq!(
                NewQuota::parse(&survey, input("clinician", "", cap)),
                Err(vec![("cap", StaffError::BadCap { max: 1_000_000 })]),
                "{cap:?}"
            );
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_cell_is_full_once_it_has_cap_completed_responses(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey = national();
        crate::surveys::install(&mut conn, &survey, AI_COLLAB)
            .await
            .expect("installed");
        let survey_id = sqlx::query_scalar("SELECT id FROM surveys")
            .fetch_one(&mut *conn)
            .await
            .map(SurveyId::new)
            .expect("id");
        let both = NewQuota::parse(&survey, input("clinician", "guangdong", "2")).expect("ok");
        let role = NewQuota::parse(&survey, input("industry", "", "1")).expect("ok");
        create(&mut conn, survey_id, &both, None)
            .await
            .expect("q")
            .expect("set");
        create(&mut conn, survey_id, &role, None)
            .await
            .expect("q")
            .expect("set");
        assert_eq!(
            create(&mut conn, survey_id, &role, None).await.expect("q"),
            Err(StaffError::QuotaTaken)
        );
        let full = |role: &'static str, province: Option<&'static str>| {
            let pool = pool.clone();
            async move {
                let mut conn = pool.acquire().await.expect("connection");
                full_for(
                    &mut conn,
                    survey_id,
                    &national().strata,
                    Some(role),
                    province,
                )
                .await
                .expect("q")
            }
        };
        // Completed clinicians in Guangdong: one, then two. In progress ones do not count.
        let insert = |status: &'static str, breakdown: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(
                    "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                            completed_at, breakdown)
                     VALUES (gen_random_uuid()::text::bytea, $1, (SELECT max(version) FROM survey_versions), 'zh', $2::response_status,
                             CASE WHEN $2 = 'completed' THEN now() END, $3::jsonb)",
                )
                .bind(survey_id.get())
                .bind(status)
                .bind(breakdown)
                .execute(&pool)
                .await
                .expect("response");
            }
        };
        let gd_clinician = r#"{"role": "clinician", "province": "guangdong"}"#;
        insert("completed", gd_clinician).await;
        insert("in_progress", gd_clinician).await;
        insert(
            "completed",
            r#"{"role": "clinician", "province": "beijing"}"#,
        )
        .await;
        assert!(!full("clinician", Some("guangdong")).await);
        insert("completed", gd_clinician).await;
        assert!(full("clinician", Some("guangdong")).await);
        // Not yet known to be in Guangdong: not in that cell (yet).
        assert!(!full("clinician", None).await);
        assert!(!full("clinician", Some("beijing")).await);
        assert!(!full("industry", None).await);
        insert("completed", r#"{"role": "industry"}"#).await;
        assert!(full("industry", Some("beijing")).await);

        let listed = for_survey(&mut conn, survey_id, &national().strata)
            .await
            .expect("list");
        let shown: Vec<String> = listed
            .iter()
            .map(|q| {
                format!(
                    "{:?}/{:?} {} of {} full={}",
                    q.role,
                    q.province,
                    q.completed,
                    q.cap,
                    q.full()
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                r#"Some("clinician")/Some("guangdong") 2 of 2 full=true"#,
                r#"Some("industry")/None 1 of 1 full=true"#,
            ]
        );
        assert_eq!(
            remove(&mut conn, listed[1].id).await.expect("q"),
            Some(survey_id)
        );
        assert_eq!(remove(&mut conn, listed[1].id).await.expect("q"), None);
        assert!(!full("industry", Some("beijing")).await);
    }
}
