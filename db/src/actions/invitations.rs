//! Invitations: made from an invitee list, and the roster downloaded, by admins. Both are
//! audited: the roster holds personal data.

use canvass_core::ids::{StaffId, SurveyId};
use canvass_core::invitees::Invitee;
use canvass_core::staff::StaffError;
use sqlx::PgConnection;

use crate::audit::{self, Action};
use crate::invitations::{self, Invited};
use crate::responses::ResumeCode;

/// Makes one invitation per invitee on behalf of `by`, with the audit entry (how many);
/// each comes back with its token, which is stored nowhere. The list's problems (an id
/// invited before) when it is refused as a whole.
pub async fn invite(
    conn: &mut PgConnection,
    by: StaffId,
    survey_id: SurveyId,
    invitees: &[Invitee],
) -> Result<Result<Vec<(String, ResumeCode)>, Vec<StaffError>>, sqlx::Error> {
    let made = match invitations::create(conn, survey_id, invitees, Some(by)).await? {
        Ok(made) => made,
        Err(problems) => return Ok(Err(problems)),
    };
    let detail = format!("{} invitations", made.len());
    audit::record(conn, Some(by), Action::InvitationsMade, None, Some(&detail)).await?;
    Ok(Ok(made))
}

/// Every invitee of the survey and how far they got, for `by`, with the audit entry.
pub async fn roster(
    conn: &mut PgConnection,
    by: StaffId,
    survey_id: SurveyId,
) -> Result<Vec<Invited>, sqlx::Error> {
    let listed = invitations::roster(conn, survey_id).await?;
    let detail = format!("{} invitees", listed.len());
    audit::record(
        conn,
        Some(by),
        Action::InviteesExported,
        None,
        Some(&detail),
    )
    .await?;
    Ok(listed)
}
