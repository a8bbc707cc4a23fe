//! Admins' API tokens.
//!
//! - `POST /staff/tokens`: make a token; the answer is the tokens page showing it, once
//! - `POST /staff/tokens/{id}`: `action=revoke`

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use canvass_app::staff::{NewToken, paths};
use canvass_core::ids::TokenId;
use canvass_db::actions::tokens as actions;
use canvass_db::tokens::{Revoked, TokenName};
use leptos::prelude::provide_context;

use crate::error::AppError;
use crate::extract::{Form, IdPath, StaffCall};
use crate::staff::{Admin, see_other};

/// `POST /staff/tokens`.
pub async fn create(call: StaffCall<Admin>, Form(fields): Form) -> Result<Response, AppError> {
    let name = match TokenName::parse(fields.get("name")) {
        Ok(name) => name,
        Err(error) => {
            let (kept, errors) = (fields.kept(&["name"]), vec![("name".to_owned(), error)]);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(call
                .refuse(paths::TOKENS, status, "create_token", kept, errors)
                .await);
        }
    };
    let mut tx = call.state.pool.begin().await?;
    let may_export = matches!(fields.get("may_export"), "true" | "on");
    let token = actions::create_token(&mut tx, call.me.id, &name, may_export).await?;
    tx.commit().await?;
    // The page, with the token shown this once; never cached, never redirected through
    // a URL.
    let new = NewToken {
        name: name.as_str().to_owned(),
        token: token.reveal().to_owned(),
    };
    let provide = move || provide_context(new.clone());
    let mut response = call.render(paths::TOKENS, StatusCode::OK, provide).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /staff/tokens/{id}`. A second click finds it revoked already: the same page.
pub async fn change(
    call: StaffCall<Admin>,
    IdPath(id): IdPath<TokenId>,
    Form(fields): Form,
) -> Result<Response, AppError> {
    if fields.get("action") != "revoke" {
        return Err(AppError::MALFORMED);
    }
    let mut tx = call.state.pool.begin().await?;
    let revoked = actions::revoke_token(&mut tx, call.me.id, id).await?;
    tx.commit().await?;
    match revoked {
        Revoked::Now { .. } | Revoked::Already => {
            Ok(see_other(&format!("{}?done=1", paths::TOKENS)))
        }
        Revoked::NoSuchToken => Err(AppError::NOT_FOUND),
    }
}
