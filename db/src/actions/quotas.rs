//! Quotas: set and removed by admins.

use canvass_core::ids::{QuotaId, StaffId, SurveyId};
use canvass_core::staff::StaffError;
use sqlx::PgConnection;

use crate::audit::{self, Action};
use crate::quotas::{self, NewQuota};
use crate::surveys;

/// Sets a quota on behalf of `by`, with the audit entry (`detail` says its cell and cap);
/// [`StaffError::QuotaTaken`] when its cell has one already (nothing written).
pub async fn set_quota(
    conn: &mut PgConnection,
    by: StaffId,
    survey_id: SurveyId,
    new: &NewQuota,
    detail: &str,
) -> Result<Result<QuotaId, StaffError>, sqlx::Error> {
    let id = match quotas::create(conn, survey_id, new, Some(by)).await? {
        Ok(id) => id,
        Err(taken) => return Ok(Err(taken)),
    };
    audit::record(conn, Some(by), Action::QuotaSet, None, Some(detail)).await?;
    Ok(Ok(id))
}

/// Removes quota `id`, with the audit entry. The slug of its survey, or `None` when there
/// is no such quota.
pub async fn remove_quota(
    conn: &mut PgConnection,
    by: StaffId,
    id: QuotaId,
) -> Result<Option<String>, sqlx::Error> {
    let Some(survey_id) = quotas::remove(conn, id).await? else {
        return Ok(None);
    };
    let detail = format!("#{id}");
    audit::record(conn, Some(by), Action::QuotaRemoved, None, Some(&detail)).await?;
    surveys::slug_of(conn, survey_id).await.map(Some)
}
