//! `GET /lang/{code}?next=/path`: remember a language in a cookie and go back.
//! The switch is a plain link, with or without WASM: the page comes again in the new
//! language.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_core::Lang;
use serde::Deserialize;

use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

pub async fn switch(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
) -> Response {
    let lang = match Lang::parse(&code) {
        Ok(lang) => lang,
        Err(error) => {
            let message = format!("不支持该语言 / {error}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let cookie = lang.cookie(state.staff.settings.secure_cookies);
    let target = local_path(query.next.as_deref());
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, target), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// The redirect target: a path on this site, or `/`. Refuses anything that could leave the
/// site (`//host`, `/\host`, `https://…`) and percent-encodes what a header cannot carry.
fn local_path(next: Option<&str>) -> String {
    let Some(next) = next else {
        return "/".to_owned();
    };
    if !next.starts_with('/') || next.starts_with("//") || next.contains('\\') {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(next.len());
    for byte in next.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@%".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn a_missing_target_goes_home() {
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(local_path(Some("/s/ai-collab")), "/s/ai-collab");
    }

    #[test]
    fn targets_that_leave_the_site_go_home() {
        for target in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
        ] {
            assert_eq!(local_path(Some(target)), "/", "{target:?}");
        }
    }

    #[test]
    fn characters_a_header_cannot_carry_are_percent_encoded() {
        assert_eq!(local_path(Some("/页 x?y#z")), "/%E9%A1%B5%20x%3Fy%23z");
    }
}
