//! Admins' distribution links.
//!
//! - `POST /staff/surveys/{slug}/links`: make a link
//! - `POST /staff/links/{id}`: `action=close` or `action=reopen`
//! - `GET /staff/links/{id}/qr.svg`: the QR code of the link's address, for posters

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_app::staff::backend::site_origin;
use canvass_app::staff::paths;
use canvass_core::ids::LinkId;
use canvass_db::actions::links as actions;
use canvass_db::links::{self, LinkInput, NewLink};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::AppError;
use crate::extract::{Form, IdPath, StaffCall};
use crate::staff::{Admin, see_other};

/// `POST /staff/surveys/{slug}/links`.
pub async fn create(
    call: StaffCall<Admin>,
    Path(slug): Path<String>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let (mut tx, survey_id, survey) = call.begin_with_survey(&slug).await?;
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
            let kept = fields.kept(&["name", "channel", "fixed_role", "fixed_province", "target"]);
            let errors = errors.into_iter().map(|(f, e)| (f.to_owned(), e)).collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let page = paths::links(&slug);
            return Ok(call
                .refuse(&page, status, "create_link", kept, errors)
                .await);
        }
    };
    actions::create_link(&mut tx, call.me.id, survey_id, &new).await?;
    tx.commit().await?;
    Ok(see_other(&format!("{}?done=1", paths::links(&slug))))
}

/// `POST /staff/links/{id}`.
pub async fn change(
    call: StaffCall<Admin>,
    IdPath(id): IdPath<LinkId>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    let open = match fields.get("action") {
        "close" => false,
        "reopen" => true,
        _ => return Err(AppError::MALFORMED),
    };
    let mut tx = call.state.pool.begin().await?;
    let slug = actions::set_link_open(&mut tx, call.me.id, id, open)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    tx.commit().await?;
    Ok(see_other(&format!("{}?done=1", paths::links(&slug))))
}

/// `GET /staff/links/{id}/qr.svg`: the link's whole address as a QR code.
pub async fn qr(
    call: StaffCall<Admin>,
    IdPath(id): IdPath<LinkId>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let mut conn = call.state.pool.acquire().await?;
    let link = links::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NOT_FOUND)?;
    let public_origin = call.state.staff.settings.public_origin.as_deref();
    let url = format!(
        "{}/l/{}",
        site_origin(public_origin, &headers),
        link.code.as_str()
    );
    let code = QrCode::new(url.as_bytes()).map_err(AppError::unavailable)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    let filename = format!(
        "attachment; filename=\"canvass-{}.svg\"",
        link.code.as_str()
    );
    let headers = [
        (header::CONTENT_TYPE, "image/svg+xml".to_owned()),
        (header::CONTENT_DISPOSITION, filename),
    ];
    Ok((headers, image).into_response())
}
