//! Admins' API tokens.
//!
//! - `POST /staff/tokens`: make a token; the answer is the tokens page showing it, once
//! - `POST /staff/tokens/{id}`: `action=revoke`

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use canvass_app::staff::{NewToken, paths};
use canvass_core::ids::TokenId;
use canvass_core::staff::StaffError;
use canvass_db::actions::tokens as actions;
use canvass_db::tokens::{Lifetime, Revoked, Scope, TokenName, Uses};
use leptos::prelude::provide_context;

use crate::error::AppError;
use crate::extract::{Form, IdPath, StaffCall};
use crate::staff::{Admin, see_other};

/// The fields of the form that makes a token.
const FIELDS: [&str; 6] = [
    "name",
    "survey",
    "may_stats",
    "may_analysis",
    "may_export",
    "lifetime",
];

/// `POST /staff/tokens`: `name`; `survey` (a slug, or `*` for every survey); `may_stats`,
/// `may_analysis`, `may_export` (ticked: `true`), at least one; `lifetime` (days, one of
/// those offered; 90 when absent). A survey or lifetime not offered is a malformed post.
pub async fn create(call: StaffCall<Admin>, Form(fields): Form) -> Result<Response, AppError> {
    let ticked = |field| matches!(fields.get(field), "true" | "on");
    let uses = Uses {
        stats: ticked("may_stats"),
        analysis: ticked("may_analysis"),
        export: ticked("may_export"),
    };
    let mut errors = Vec::new();
    let name = TokenName::parse(fields.get("name"))
        .map_err(|error| errors.push(("name".to_owned(), error)))
        .ok();
    if !uses.any() {
        errors.push(("may_stats".to_owned(), StaffError::NoTokenUse));
    }
    let lifetime = match fields.get("lifetime") {
        "" => Lifetime::DEFAULT,
        days => Lifetime::parse(days).ok_or(AppError::MALFORMED)?,
    };
    let mut tx = call.state.pool.begin().await?;
    let survey = match fields.get("survey") {
        "*" => None,
        slug => Some(
            canvass_db::surveys::slugs(&mut tx)
                .await?
                .into_iter()
                .find_map(|(id, known)| (known == slug).then_some(id))
                .ok_or(AppError::MALFORMED)?,
        ),
    };
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        drop(tx);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(call
            .refuse(
                paths::TOKENS,
                status,
                "create_token",
                fields.kept(&FIELDS),
                errors,
            )
            .await);
    };
    let scope = Scope {
        survey,
        uses,
        lifetime,
    };
    let token = actions::create_token(&mut tx, call.me.id, &name, &scope).await?;
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
