//! Admins' quotas.
//!
//! - `POST /staff/surveys/{slug}/quotas`: set a quota
//! - `POST /staff/quotas/{id}`: `action=remove`

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use canvass_app::staff::paths;
use canvass_core::ids::QuotaId;
use canvass_db::actions::quotas as actions;
use canvass_db::quotas::{NewQuota, QuotaInput};

use crate::error::AppError;
use crate::extract::{Form, IdPath, StaffCall};
use crate::staff::{Admin, see_other};

/// `POST /staff/surveys/{slug}/quotas`.
pub async fn create(
    call: StaffCall<Admin>,
    Path(slug): Path<String>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let (mut tx, survey_id, survey) = call.begin_with_survey(&slug).await?;
    let input = QuotaInput {
        role: fields.get("role"),
        province: fields.get("province"),
        cap: fields.get("cap"),
    };
    let page = paths::links(&slug);
    let kept = || fields.kept(&["role", "province", "cap"]);
    let (status, errors) = match NewQuota::parse(&survey, input) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Ok(new) => {
            let detail = format!(
                "{} / {} ≤ {}",
                any_if_empty(input.role),
                any_if_empty(input.province),
                input.cap.trim()
            );
            match actions::set_quota(&mut tx, call.me.id, survey_id, &new, &detail).await? {
                Ok(_) => {
                    tx.commit().await?;
                    return Ok(see_other(&format!("{page}?done=1")));
                }
                Err(taken) => (StatusCode::CONFLICT, vec![("role", taken)]),
            }
        }
    };
    let errors = errors.into_iter().map(|(f, e)| (f.to_owned(), e)).collect();
    Ok(call
        .refuse(&page, status, "create_quota", kept(), errors)
        .await)
}

/// A cell's side as written in the audit log: its code, or `*` for any.
fn any_if_empty(code: &str) -> &str {
    match code.trim() {
        "" => "*",
        code => code,
    }
}

/// `POST /staff/quotas/{id}`.
pub async fn change(
    call: StaffCall<Admin>,
    IdPath(id): IdPath<QuotaId>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    if fields.get("action") != "remove" {
        return Err(AppError::MALFORMED);
    }
    let mut tx = call.state.pool.begin().await?;
    let slug = actions::remove_quota(&mut tx, call.me.id, id)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    tx.commit().await?;
    Ok(see_other(&format!("{}?done=1", paths::links(&slug))))
}
