//! Invitations: a list of invitees uploaded as CSV becomes one single-use token each
//! (`/i/{token}`). A token starts one response, which gets a resume code of its own: the
//! token is on the roster staff download, so it never opens the answers (see
//! [`crate::begin`]). Only tokens' hashes are stored; e-mail addresses are kept apart
//! (`invitation_emails`).
//!
//! Invitees come only from an upload read by [`canvass_core::invitees::parse_csv`].

use canvass_core::ids::{InvitationId, ResponseId, StaffId, SurveyId};
use canvass_core::invitees::Invitee;
use canvass_core::response::ResponseStatus;
use canvass_core::staff::StaffError;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::responses::{ResumeCode, Status};

/// A new token: 32 lowercase hex digits (128 random bits), the shape of a resume code,
/// since it becomes the resume code of the response it starts.
fn new_token() -> ResumeCode {
    let hex = crate::secret::random_hex(16);
    ResumeCode::parse(&hex).unwrap_or_else(|| unreachable!("32 lowercase hex digits"))
}

/// Makes one invitation per invitee and returns each with its token, which is not stored
/// and cannot be read again. Refuses the whole list when an id was invited before, naming
/// each such line.
pub async fn create(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    invitees: &[Invitee],
    created_by: Option<StaffId>,
) -> Result<Result<Vec<(String, ResumeCode)>, Vec<StaffError>>, sqlx::Error> {
    let ids: Vec<String> = invitees.iter().map(|i| i.external_id.clone()).collect();
    let taken: Vec<String> = sqlx::query_scalar!(
        "SELECT external_id FROM invitations WHERE survey_id = $1 AND external_id = ANY($2)",
        survey_id.get(),
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    if !taken.is_empty() {
        return Ok(Err(invitees
            .iter()
            .filter(|i| taken.contains(&i.external_id))
            .map(|i| StaffError::CsvAlreadyInvited { line: i.line })
            .collect()));
    }
    let tokens: Vec<ResumeCode> = invitees.iter().map(|_| new_token()).collect();
    let token_hashes: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| crate::secret::hashed(t.as_str()))
        .collect();
    let provinces: Vec<Option<String>> = invitees.iter().map(|i| i.province.clone()).collect();
    let roles: Vec<Option<String>> = invitees.iter().map(|i| i.role.clone()).collect();
    let emails: Vec<Option<String>> = invitees.iter().map(|i| i.email.clone()).collect();
    sqlx::query!(
        r#"WITH made AS (
             INSERT INTO invitations (survey_id, external_id, province, role, token_hash, created_by)
             SELECT $1, id, province, role, token_hash, $6
             FROM unnest($2::text[], $3::text[], $4::text[], $5::bytea[])
                  AS t(id, province, role, token_hash)
             RETURNING id, external_id
           )
           INSERT INTO invitation_emails (invitation_id, email)
           SELECT made.id, e.email
           FROM made JOIN unnest($2::text[], $7::text[]) AS e(external_id, email)
                USING (external_id)
           WHERE e.email IS NOT NULL"#,
        survey_id.get(),
        &ids,
        &provinces as &[Option<String>],
        &roles as &[Option<String>],
        &token_hashes,
        created_by.map(StaffId::get),
        &emails as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(Ok(ids.into_iter().zip(tokens).collect()))
}

/// An invitation found by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub survey_id: SurveyId,
    pub slug: String,
    /// The response it started, once used.
    pub response_id: Option<ResponseId>,
    /// The role and province the list gave, fixed for the response.
    pub role: Option<String>,
    pub province: Option<String>,
}

/// The invitation this token opens, if any.
pub async fn find(
    conn: &mut PgConnection,
    token: &ResumeCode,
) -> Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT i.id, i.survey_id, s.slug, i.response_id, i.role, i.province
           FROM invitations i JOIN surveys s ON s.id = i.survey_id
           WHERE i.token_hash = $1"#,
        crate::secret::hashed(token.as_str())
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Invitation {
        id: InvitationId::new(r.id),
        survey_id: SurveyId::new(r.survey_id),
        slug: r.slug,
        response_id: r.response_id.map(ResponseId::new),
        role: r.role,
        province: r.province,
    }))
}

/// Records that the invitation started `response_id`; `false` when it had started one
/// already (two first uses at once: the other one won).
pub async fn claim(
    conn: &mut PgConnection,
    invitation_id: InvitationId,
    response_id: ResponseId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE invitations SET response_id = $2, used_at = now()
         WHERE id = $1 AND response_id IS NULL",
        invitation_id.get(),
        response_id.get()
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A survey's invitations: how many were made and how many used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub invited: i64,
    pub used: i64,
}

pub async fn counts(conn: &mut PgConnection, survey_id: SurveyId) -> Result<Counts, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "invited!", count(response_id) AS "used!"
           FROM invitations WHERE survey_id = $1"#,
        survey_id.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Counts {
        invited: row.invited,
        used: row.used,
    })
}

/// One invitee as admins see them: what the list gave, and how far they got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub external_id: String,
    pub email: Option<String>,
    pub province: Option<String>,
    pub role: Option<String>,
    /// Where the response stands; `None` while the link is unused.
    pub status: Option<ResponseStatus>,
    pub invited_at: OffsetDateTime,
    pub began_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
}

/// Every invitee of a survey, in the order they were invited, with their e-mail address
/// and progress: for admins only (it holds personal data).
pub async fn roster(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Vec<Invited>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT i.external_id, e.email AS "email?", i.province, i.role,
                  r.status AS "status?: Status", i.created_at AS invited_at,
                  i.used_at AS began_at, r.completed_at AS "completed_at?"
           FROM invitations i
           LEFT JOIN invitation_emails e ON e.invitation_id = i.id
           LEFT JOIN responses r ON r.id = i.response_id
           WHERE i.survey_id = $1
           ORDER BY i.id"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Invited {
            external_id: r.external_id,
            email: r.email,
            province: r.province,
            role: r.role,
            status: r.status.map(ResponseStatus::from),
            invited_at: r.invited_at,
            began_at: r.began_at,
            completed_at: r.completed_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use canvass_core::invitees::parse_csv;
    use canvass_core::survey::Survey;
    use canvass_core::surveys::AI_COLLAB;
    use sqlx::PgPool;

    use super::*;

    fn national() -> Survey {
        Survey::from_toml(AI_COLLAB).expect("loads")
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn invitations_are_made_once_per_id_and_a_token_is_claimed_once(pool: PgPool) {
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
        let invitees = parse_csv(b"id,email\nA1,a@b.cn\nA2,\n", &survey).expect("reads");
        let made = create(&mut conn, survey_id, &invitees, None)
            .await
            .expect("q")
            .expect("made");
        assert_eq!(made.len(), 2);
        assert_ne!(made[0].1, made[1].1);
        // Only hashes are stored; the e-mail apart, and only where given.
        let stored: i64 =
            sqlx::query_scalar("SELECT count(*) FROM invitations WHERE token_hash = sha256($1)")
                .bind(made[0].1.as_str().as_bytes())
                .fetch_one(&mut *conn)
                .await
                .expect("count");
        assert_eq!(stored, 1);
        let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM invitation_emails")
            .fetch_all(&mut *conn)
            .await
            .expect("emails");
        assert_eq!(emails, ["a@b.cn"]);
        // A second list naming A2 again is refused whole.
        let again = parse_csv(b"id\nA3\nA2\n", &survey).expect("reads");
        assert_eq!(
            create(&mut conn, survey_id, &again, None).await.expect("q"),
            Err(vec![StaffError::CsvAlreadyInvited { line: 3 }])
        );

        let found = find(&mut conn, &made[0].1)
            .await
            .expect("q")
            .expect("found");
        assert_eq!(
            (found.slug.as_str(), found.response_id),
            ("ai-collab", None)
        );
        let started = crate::responses::start(
            &mut conn,
            survey_id,
            survey.version,
            canvass_core::Lang::Zh,
            crate::responses::Origin::default(),
        )
        .await
        .expect("response");
        let response_id = sqlx::query_scalar("SELECT id FROM responses WHERE public_id = $1")
            .bind(started.public_id.0)
            .fetch_one(&mut *conn)
            .await
            .map(ResponseId::new)
            .expect("id");
        assert!(claim(&mut conn, found.id, response_id).await.expect("q"));
        assert!(!claim(&mut conn, found.id, response_id).await.expect("q"));
        // The roster: each invitee with their e-mail and how far they got.
        let listed: Vec<_> = roster(&mut conn, survey_id)
            .await
            .expect("q")
            .into_iter()
            .map(|i| (i.external_id, i.email, i.status, i.began_at.is_some()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "A1".to_owned(),
                    Some("a@b.cn".to_owned()),
                    Some(ResponseStatus::InProgress),
                    true
                ),
                ("A2".to_owned(), None, None, false),
            ]
        );
        assert_eq!(
            counts(&mut conn, survey_id).await.expect("q"),
            Counts {
                invited: 2,
                used: 1
            }
        );
        let unknown = ResumeCode::parse("0123456789abcdef0123456789abcdef").expect("shape");
        assert_eq!(find(&mut conn, &unknown).await.expect("q"), None);
    }
}
