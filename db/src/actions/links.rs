//! Distribution links: made and closed or reopened by admins.

use canvass_core::ids::{LinkId, StaffId, SurveyId};
use sqlx::PgConnection;

use crate::audit::{self, Action};
use crate::links::{self, Link, NewLink};
use crate::surveys;

/// Makes a link for the survey on behalf of `by`, with the audit entry (its code).
pub async fn create_link(
    conn: &mut PgConnection,
    by: StaffId,
    survey_id: SurveyId,
    new: &NewLink,
) -> Result<Link, sqlx::Error> {
    let link = links::create(conn, survey_id, new, Some(by)).await?;
    let detail = Some(link.code.as_str());
    audit::record(conn, Some(by), Action::LinkCreated, None, detail).await?;
    Ok(link)
}

/// Opens or closes link `id` (an entry only when that changes anything). The slug of its
/// survey, or `None` when there is no such link.
pub async fn set_link_open(
    conn: &mut PgConnection,
    by: StaffId,
    id: LinkId,
    open: bool,
) -> Result<Option<String>, sqlx::Error> {
    let Some(link) = links::by_id(conn, id).await? else {
        return Ok(None);
    };
    if link.open != open {
        links::set_open(conn, id, open).await?;
        let action = if open {
            Action::LinkReopened
        } else {
            Action::LinkClosed
        };
        audit::record(conn, Some(by), action, None, Some(link.code.as_str())).await?;
    }
    surveys::slug_of(conn, link.survey_id).await.map(Some)
}
