//! Admins' invitations.
//!
//! - `POST /staff/surveys/{slug}/invitations`: an invitee list (CSV) in, their links out
//! - `GET /staff/surveys/{slug}/invitees.csv`: every invitee and how far they got

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Extension, Multipart, Path};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_app::staff::backend::site_origin;
use canvass_app::staff::{StaffError, paths};
use canvass_core::invitees::parse_csv;
use canvass_core::response::ResponseStatus;
use canvass_db::actions::invitations as actions;
use canvass_db::invitations::Invited;
use canvass_db::responses::ResumeCode;
use time::format_description::well_known::Rfc3339;

use crate::error::AppError;
use crate::extract::StaffCall;
use crate::middleware::UploadLimit;
use crate::staff::Admin;

/// `POST /staff/surveys/{slug}/invitations`: a list of invitees in; their links out, as
/// a CSV file to download (UTF-8 with a byte-order mark, so Excel reads it right). The
/// tokens are in no other place: only their hashes are stored.
pub async fn create(
    call: StaffCall<Admin>,
    Path(slug): Path<String>,
    limit: Option<Extension<UploadLimit>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let file = uploaded_file(form.map_err(|_| AppError::MALFORMED)?).await;
    let (mut tx, survey_id, survey) = call.begin_with_survey(&slug).await?;
    let page = paths::links(&slug);
    let refuse = |status, errors: Vec<StaffError>| {
        let errors = errors.into_iter().map(|e| ("file".to_owned(), e)).collect();
        call.refuse(&page, status, "invitations", Vec::new(), errors)
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let file = match file {
        Ok(Some(file)) if !file.is_empty() => file,
        Ok(_) => return Ok(refuse(unprocessable, vec![StaffError::CsvMissing]).await),
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            let max_mb = limit.map_or(0, |Extension(UploadLimit(bytes))| bytes / (1024 * 1024));
            let error = StaffError::CsvTooLarge { max_mb };
            return Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, vec![error]).await);
        }
        Err(_) => return Err(AppError::MALFORMED),
    };
    // Reading a large list takes a while: not on the async workers.
    let reading = survey.clone();
    let parsed = tokio::task::spawn_blocking(move || parse_csv(&file, &reading))
        .await
        .map_err(AppError::unavailable)?;
    let invitees = match parsed {
        Ok(invitees) => invitees,
        Err(problems) => return Ok(refuse(unprocessable, problems).await),
    };
    let made = match actions::invite(&mut tx, call.me.id, survey_id, &invitees).await? {
        Ok(made) => made,
        Err(problems) => return Ok(refuse(StatusCode::CONFLICT, problems).await),
    };
    tx.commit().await?;
    let public_origin = call.state.staff.settings.public_origin.as_deref();
    let file = links_file(&site_origin(public_origin, &headers), &made);
    Ok(csv_download(
        &format!("canvass-invitations-{slug}.csv"),
        file,
    ))
}

/// The uploaded file's bytes (the `file` part), or `None` when the form has no such part;
/// the error's status tells a body over the upload limit (413) from a malformed one.
async fn uploaded_file(mut form: Multipart) -> Result<Option<Bytes>, StatusCode> {
    while let Some(field) = form.next_field().await.map_err(|e| e.status())? {
        if field.name() == Some("file") {
            return field.bytes().await.map(Some).map_err(|e| e.status());
        }
    }
    Ok(None)
}

/// The invitees' links: `id,token,url`, one line each.
fn links_file(origin: &str, made: &[(String, ResumeCode)]) -> String {
    let mut file = String::from("\u{feff}id,token,url\r\n");
    for (id, token) in made {
        let token = token.as_str();
        file.push_str(&format!("{},{token},{origin}/i/{token}\r\n", csv_field(id)));
    }
    file
}

/// `GET /staff/surveys/{slug}/invitees.csv`: every invitee with their e-mail address and
/// how far they got (`not_begun`, or the response's status), for reminders and
/// follow-up. Admins only; each download is audited, since it holds personal data.
pub async fn roster(
    call: StaffCall<Admin>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (mut tx, survey_id, _) = call.begin_with_survey(&slug).await?;
    let listed = actions::roster(&mut tx, call.me.id, survey_id).await?;
    tx.commit().await?;
    let file = roster_file(&listed);
    Ok(csv_download(&format!("canvass-invitees-{slug}.csv"), file))
}

fn roster_file(listed: &[Invited]) -> String {
    let mut file =
        String::from("\u{feff}id,email,province,role,status,invited_at,began_at,completed_at\r\n");
    let moment = |at: Option<time::OffsetDateTime>| {
        at.and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_default()
    };
    for invitee in listed {
        let status = invitee.status.map_or("not_begun", ResponseStatus::as_code);
        let fields = [
            csv_field(&invitee.external_id),
            csv_field(invitee.email.as_deref().unwrap_or_default()),
            invitee.province.clone().unwrap_or_default(),
            invitee.role.clone().unwrap_or_default(),
            status.to_owned(),
            moment(Some(invitee.invited_at)),
            moment(invitee.began_at),
            moment(invitee.completed_at),
        ];
        file.push_str(&fields.join(","));
        file.push_str("\r\n");
    }
    file
}

/// A CSV file to download, never kept by a cache (these files hold tokens or e-mail
/// addresses).
fn csv_download(filename: &str, file: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file,
    )
        .into_response()
}

/// A CSV field, quoted when it holds a comma, a quote or a line break; and a leading `=`,
/// `+`, `-` or `@` made inert, so a spreadsheet never runs it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}
