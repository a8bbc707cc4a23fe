//! Admins' posts about distribution links, and a link's QR code.
//!
//! - `POST /staff/surveys/{slug}/links`: make a link
//! - `POST /staff/links/{id}`: `action=close` or `action=reopen`
//! - `GET /staff/links/{id}/qr.svg`: the QR code of the link's address, for posters
//! - `POST /staff/surveys/{slug}/quotas`: set a quota
//! - `POST /staff/quotas/{id}`: `action=remove`

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Extension, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_app::api::Problem;
use canvass_app::staff::backend::site_origin;
use canvass_app::staff::{StaffError, StaffPosted, paths};
use canvass_db::audit::{self, Action};
use canvass_db::invitations::{self, CsvProblem};
use canvass_db::links::{self, LinkInput, LinkInputError, NewLink};
use canvass_db::quotas::{self, NewQuota, QuotaInput, QuotaInputError};
use canvass_db::responses::Status;
use qrcode::QrCode;
use qrcode::render::svg;
use time::format_description::well_known::Rfc3339;

use super::respond::problem_page;
use super::staff::{Fields, refused_form, unavailable};
use crate::AppState;
use crate::middleware::UploadLimit;
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

fn csv_error(problem: CsvProblem) -> StaffError {
    match problem {
        CsvProblem::NotUtf8 => StaffError::CsvNotUtf8,
        CsvProblem::Empty => StaffError::CsvEmpty,
        CsvProblem::NoIdColumn => StaffError::CsvNoIdColumn,
        CsvProblem::TooMany { max } => StaffError::CsvTooMany { max },
        CsvProblem::Unreadable { line } => StaffError::CsvUnreadable { line },
        CsvProblem::IdMissing { line } => StaffError::CsvIdMissing { line },
        CsvProblem::IdTooLong { line, max } => StaffError::CsvIdTooLong { line, max },
        CsvProblem::DuplicateId { line, first } => StaffError::CsvDuplicateId { line, first },
        CsvProblem::NotAnEmail { line } => StaffError::CsvNotAnEmail { line },
        CsvProblem::NotAProvince { line } => StaffError::CsvNotAProvince { line },
        CsvProblem::NotARole { line } => StaffError::CsvNotARole { line },
        CsvProblem::AlreadyInvited { line } => StaffError::CsvAlreadyInvited { line },
    }
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

/// `POST /staff/surveys/{slug}/invitations`: a list of invitees in; their links out, as
/// a CSV file to download (UTF-8 with a byte-order mark, so Excel reads it right). The
/// tokens are in no other place: only their hashes are stored.
pub async fn create_invitations(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(slug): Path<String>,
    limit: Option<Extension<UploadLimit>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(form) = form else {
        return problem_page(Problem::Malformed, None);
    };
    let file = uploaded_file(form).await;
    let Ok(mut tx) = state.pool.begin().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let (survey_id, survey) = match state.catalog.latest(&mut tx, &slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => return unavailable(error),
    };
    let page = paths::links(&slug);
    let refuse = |errors: Vec<StaffError>| StaffPosted {
        form: "invitations".to_owned(),
        fields: Vec::new(),
        errors: errors.into_iter().map(|e| ("file".to_owned(), e)).collect(),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let file = match file {
        Ok(Some(file)) if !file.is_empty() => file,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            let max_mb = limit.map_or(0, |Extension(UploadLimit(bytes))| bytes / (1024 * 1024));
            let posted = refuse(vec![StaffError::CsvTooLarge { max_mb }]);
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            return refused_form(&state, &page, headers, Some(&me), status, posted).await;
        }
        Err(_) => return problem_page(Problem::Malformed, None),
        Ok(_) => {
            let posted = refuse(vec![StaffError::CsvMissing]);
            return refused_form(&state, &page, headers, Some(&me), status, posted).await;
        }
    };
    let invitees = match invitations::parse_csv(&file, &survey) {
        Ok(invitees) => invitees,
        Err(problems) => {
            let posted = refuse(problems.into_iter().map(csv_error).collect());
            return refused_form(&state, &page, headers, Some(&me), status, posted).await;
        }
    };
    let made = async {
        match invitations::create(&mut tx, survey_id, &invitees, Some(me.id)).await? {
            Ok(made) => {
                let detail = format!("{} invitations", made.len());
                audit::record(
                    &mut tx,
                    Some(me.id),
                    Action::InvitationsMade,
                    None,
                    Some(&detail),
                )
                .await?;
                tx.commit().await?;
                Ok(Ok(made))
            }
            Err(problems) => Ok::<_, canvass_db::Error>(Err(problems)),
        }
    };
    let made = match made.await {
        Ok(Ok(made)) => made,
        Ok(Err(problems)) => {
            let posted = refuse(problems.into_iter().map(csv_error).collect());
            return refused_form(
                &state,
                &page,
                headers,
                Some(&me),
                StatusCode::CONFLICT,
                posted,
            )
            .await;
        }
        Err(error) => return unavailable(error),
    };
    let origin = site_origin(state.staff.settings.public_origin.as_deref(), &headers);
    let mut file = String::from("\u{feff}id,token,url\r\n");
    for (id, token) in &made {
        file.push_str(&csv_field(id));
        file.push(',');
        file.push_str(token.as_str());
        file.push_str(&format!(",{origin}/i/{}\r\n", token.as_str()));
    }
    csv_download(&format!("canvass-invitations-{slug}.csv"), file)
}

/// `GET /staff/surveys/{slug}/invitees.csv`: every invitee with their e-mail address and
/// how far they got (`not_begun`, or the response's status), for reminders and
/// follow-up. Admins only; each download is audited, since it holds personal data.
pub async fn invitees(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    Path(slug): Path<String>,
) -> Response {
    let Ok(mut tx) = state.pool.begin().await else {
        return problem_page(Problem::Unavailable, None);
    };
    let survey_id = match state.catalog.latest(&mut tx, &slug).await {
        Ok(Some((survey_id, _))) => survey_id,
        Ok(None) => return problem_page(Problem::NotFound, None),
        Err(error) => return unavailable(error),
    };
    let listed = async {
        let listed = invitations::roster(&mut tx, survey_id).await?;
        let detail = format!("{} invitees", listed.len());
        audit::record(
            &mut tx,
            Some(me.id),
            Action::InviteesExported,
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, canvass_db::Error>(listed)
    };
    let listed = match listed.await {
        Ok(listed) => listed,
        Err(error) => return unavailable(error),
    };
    let mut file =
        String::from("\u{feff}id,email,province,role,status,invited_at,began_at,completed_at\r\n");
    let moment = |at: Option<time::OffsetDateTime>| {
        at.and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_default()
    };
    for invitee in &listed {
        let status = invitee.status.map_or("not_begun", Status::as_code);
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
    csv_download(&format!("canvass-invitees-{slug}.csv"), file)
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
