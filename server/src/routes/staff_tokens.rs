//! Admins' posts about API tokens.
//!
//! - `POST /staff/tokens`: make a token; the answer is the tokens page showing it, once
//! - `POST /staff/tokens/{id}`: `action=revoke`

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use canvass_app::api::Problem;
use canvass_app::staff::{NewToken, StaffError, StaffPosted, paths};
use canvass_db::audit::{self, Action};
use canvass_db::tokens::{self, Revoked, TokenName, TokenNameError};
use leptos::prelude::provide_context;

use super::respond::problem_page;
use super::staff::{Fields, refused_form, unavailable};
use crate::AppState;
use crate::staff::{self as auth, Admin, Staff};

/// `POST /staff/tokens`.
pub async fn create(
    State(state): State<AppState>,
    Staff(me, ..): Staff<Admin>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fields) = Fields::parse(&body) else {
        return problem_page(Problem::Malformed, None);
    };
    let name = match TokenName::parse(fields.get("name")) {
        Ok(name) => name,
        Err(error) => {
            let error = match error {
                TokenNameError::Missing => StaffError::NameMissing,
                TokenNameError::TooLong { max } => StaffError::NameTooLong { max },
            };
            let posted = StaffPosted {
                form: "create_token".to_owned(),
                fields: fields.kept(&["name"]),
                errors: vec![("name".to_owned(), error)],
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused_form(&state, paths::TOKENS, headers, Some(&me), status, posted).await;
        }
    };
    let made = async {
        let mut tx = state.pool.begin().await?;
        let (_, token) = tokens::create(&mut tx, &name, Some(me.id)).await?;
        let detail = token.prefix().to_owned();
        audit::record(
            &mut tx,
            Some(me.id),
            Action::TokenCreated,
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, canvass_db::Error>(token)
    };
    let token = match made.await {
        Ok(token) => token,
        Err(error) => return unavailable(error),
    };
    // The page, with the token shown this once; never cached, never redirected through
    // a URL.
    let new = NewToken {
        name: name.as_str().to_owned(),
        token: token.reveal().to_owned(),
    };
    let mut extensions = Extensions::new();
    extensions.insert(me);
    let uri = Uri::from_static(paths::TOKENS);
    let mut response = crate::render::page(
        &state,
        uri,
        headers,
        extensions,
        StatusCode::OK,
        move || provide_context(new.clone()),
    )
    .await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /staff/tokens/{id}`.
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
    if fields.get("action") != "revoke" {
        return problem_page(Problem::Malformed, None);
    }
    let revoked = async {
        let mut tx = state.pool.begin().await?;
        let revoked = tokens::revoke(&mut tx, id).await?;
        if let Revoked::Now { prefix } = &revoked {
            audit::record(
                &mut tx,
                Some(me.id),
                Action::TokenRevoked,
                None,
                Some(prefix),
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<_, canvass_db::Error>(revoked)
    };
    match revoked.await {
        // A second click finds it revoked already: the same page.
        Ok(Revoked::Now { .. } | Revoked::Already) => {
            auth::see_other(&format!("{}?done=1", paths::TOKENS))
        }
        Ok(Revoked::NoSuchToken) => problem_page(Problem::NotFound, None),
        Err(error) => unavailable(error),
    }
}
