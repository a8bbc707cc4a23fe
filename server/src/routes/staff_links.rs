//! Admins' posts about distribution links, and a link's QR code.
//!
//! - `POST /staff/surveys/{slug}/links`: make a link
//! - `POST /staff/links/{id}`: `action=close` or `action=reopen`
//! - `GET /staff/links/{id}/qr.svg`: the QR code of the link's address, for posters
//! - `POST /staff/surveys/{slug}/quotas`: set a quota
//! - `POST /staff/quotas/{id}`: `action=remove`

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_app::api::Problem;
use canvass_app::staff::backend::site_origin;
use canvass_app::staff::{StaffError, StaffPosted, paths};
use canvass_db::audit::{self, Action};
use canvass_db::links::{self, LinkInput, LinkInputError, NewLink};
use canvass_db::quotas::{self, NewQuota, QuotaInput, QuotaInputError};
use qrcode::QrCode;
use qrcode::render::svg;

use super::respond::problem_page;
use super::staff::{Fields, refused_form, unavailable};
use crate::AppState;
use crate::staff::{self as auth, Admin, Staff};

fn link_error(error: LinkInputError) -> StaffError {
    match error {
        LinkInputError::NameMissing => StaffError::NameMissing,
        LinkInputError::NameTooLong { max } => StaffError::NameTooLong { max },
        LinkInputError::ChannelMissing => StaffError::ChannelMissing,
        LinkInputError::ChannelTooLong { max } => StaffError::ChannelTooLong { max },
        LinkInputError::NotARole => StaffError::NotARole,
        LinkInputError::NotAProvince => StaffError::NotAProvince,
        LinkInputError::BadTarget { max } => StaffError::BadTarget { max },
    }
}

/// `POST /staff/surveys/{slug}/links`.
pub async fn create(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let Ok(mut tx) = state.pool.begin().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let (survey_id, survey) = match state.catalog.latest(&mut tx, &slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => return unavailable(error),
    };
    let input = LinkInput {
        name: fields.get("name"),
        channel: fields.get("channel"),
        fixed_role: fields.get("fixed_role"),
        fixed_province: fields.get("fixed_province"),
        target: fields.get("target"),
    };
    let new = match NewLink::parse(&survey, input) {
        Ok(new) => new,
        Err(errors) => {
            let posted = StaffPosted {
                form: "create_link".to_owned(),
                fields: fields.kept(&["name", "channel", "fixed_role", "fixed_province", "target"]),
                errors: errors
                    .into_iter()
                    .map(|(field, error)| (field.to_owned(), link_error(error)))
                    .collect(),
            };
            let page = paths::links(&slug);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused_form(&state, &page, headers, Some(&me), status, posted).await;
        }
    };
    let created = async {
        let link = links::create(&mut tx, survey_id, &new, Some(me.id)).await?;
        let detail = link.code.as_str().to_owned();
        audit::record(
            &mut tx,
            Some(me.id),
            Action::LinkCreated,
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await
    };
    match created.await {
        Ok(()) => auth::see_other(&format!("{}?done=1", paths::links(&slug))),
        Err(error) => unavailable(error),
    }
}

/// `POST /staff/links/{id}`.
pub async fn change(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return problem_page(Problem::NotFound, None);
    };
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let (open, action) = match fields.get("action") {
        "close" => (false, Action::LinkClosed),
        "reopen" => (true, Action::LinkReopened),
        _ => return problem_page(Problem::Malformed, None),
    };
    let changed = async {
        let mut tx = state.pool.begin().await?;
        let Some(link) = links::by_id(&mut tx, id).await? else {
            return Ok(None);
        };
        let slug = canvass_db::surveys::slug_of(&mut tx, link.survey_id).await?;
        if link.open != open {
            links::set_open(&mut tx, id, open).await?;
            audit::record(&mut tx, Some(me.id), action, None, Some(link.code.as_str())).await?;
        }
        tx.commit().await?;
        Ok::<_, canvass_db::Error>(Some(slug))
    };
    match changed.await {
        Ok(Some(slug)) => auth::see_other(&format!("{}?done=1", paths::links(&slug))),
        Ok(None) => problem_page(Problem::NotFound, None),
        Err(error) => unavailable(error),
    }
}

/// `GET /staff/links/{id}/qr.svg`: the link's whole address as a QR code.
pub async fn qr(
    State(state): State<AppState>,
    Staff(..): Staff<Admin>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return problem_page(Problem::NotFound, None);
    };
    let Ok(mut conn) = state.pool.acquire().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let link = match links::by_id(&mut conn, id).await {
        Ok(Some(link)) => link,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => return unavailable(error),
    };
    let origin = site_origin(state.staff.settings.public_origin.as_deref(), &headers);
    let url = format!("{origin}/l/{}", link.code.as_str());
    let Ok(code) = QrCode::new(url.as_bytes()) else {
        return problem_page(Problem::Unavailable, None);
    };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"canvass-{}.svg\"",
                    link.code.as_str()
                ),
            ),
        ],
        image,
    )
        .into_response()
}

fn quota_error(error: QuotaInputError) -> StaffError {
    match error {
        QuotaInputError::NotARole => StaffError::NotARole,
        QuotaInputError::NotAProvince => StaffError::NotAProvince,
        QuotaInputError::NoCell => StaffError::NoCell,
        QuotaInputError::BadCap { max } => StaffError::BadCap { max },
        QuotaInputError::Taken => StaffError::QuotaTaken,
    }
}

/// `POST /staff/surveys/{slug}/quotas`.
pub async fn create_quota(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let Ok(mut tx) = state.pool.begin().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let (survey_id, survey) = match state.catalog.latest(&mut tx, &slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => return unavailable(error),
    };
    let input = QuotaInput {
        role: fields.get("role"),
        province: fields.get("province"),
        cap: fields.get("cap"),
    };
    let refuse = |errors: Vec<(&'static str, QuotaInputError)>| StaffPosted {
        form: "create_quota".to_owned(),
        fields: fields.kept(&["role", "province", "cap"]),
        errors: errors
            .into_iter()
            .map(|(field, error)| (field.to_owned(), quota_error(error)))
            .collect(),
    };
    let page = paths::links(&slug);
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let new = match NewQuota::parse(&survey, input) {
        Ok(new) => new,
        Err(errors) => {
            return refused_form(&state, &page, headers, Some(&me), status, refuse(errors)).await;
        }
    };
    let created = async {
        let detail = format!(
            "{} / {} ≤ {}",
            non_empty(input.role),
            non_empty(input.province),
            input.cap.trim()
        );
        match quotas::create(&mut tx, survey_id, &new, Some(me.id)).await? {
            Ok(_) => {
                audit::record(&mut tx, Some(me.id), Action::QuotaSet, None, Some(&detail)).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(taken) => Ok::<_, canvass_db::Error>(Err(taken)),
        }
    };
    match created.await {
        Ok(Ok(())) => auth::see_other(&format!("{page}?done=1")),
        Ok(Err(taken)) => {
            let posted = refuse(vec![("role", taken)]);
            refused_form(
                &state,
                &page,
                headers,
                Some(&me),
                StatusCode::CONFLICT,
                posted,
            )
            .await
        }
        Err(error) => unavailable(error),
    }
}

/// A cell's side as written in the audit log: its code, or `*` for any.
fn non_empty(code: &str) -> &str {
    match code.trim() {
        "" => "*",
        code => code,
    }
}

/// `POST /staff/quotas/{id}`.
pub async fn change_quota(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return problem_page(Problem::NotFound, None);
    };
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    if fields.get("action") != "remove" {
        return problem_page(Problem::Malformed, None);
    }
    let removed = async {
        let mut tx = state.pool.begin().await?;
        let Some(survey_id) = quotas::remove(&mut tx, id).await? else {
            return Ok(None);
        };
        let slug = canvass_db::surveys::slug_of(&mut tx, survey_id).await?;
        let detail = format!("#{id}");
        audit::record(
            &mut tx,
            Some(me.id),
            Action::QuotaRemoved,
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, canvass_db::Error>(Some(slug))
    };
    match removed.await {
        Ok(Some(slug)) => auth::see_other(&format!("{}?done=1", paths::links(&slug))),
        Ok(None) => problem_page(Problem::NotFound, None),
        Err(error) => unavailable(error),
    }
}
