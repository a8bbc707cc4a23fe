//! The page sent when a request fails unexpectedly (a panic outside any page). No language
//! was negotiated at that point, so it speaks both, Chinese first.

use leptos_i18n::Locale as _;

use crate::api::Problem;
use crate::i18n::{Locale, td_string};
use crate::messages;

/// A complete HTML document for a refused form post (the no-JavaScript path; with WASM the
/// same words appear inside the page). Bilingual, Chinese first, with a way back when there
/// is one. `back` must be a path on this site.
pub fn problem_html(problem: Problem, back: Option<&str>) -> String {
    let part = |locale: Locale| {
        let link = match back {
            Some(path) => format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(path),
                td_string!(locale, problem_continue)
            ),
            None => format!("<p><a href=\"/\">{}</a></p>", td_string!(locale, back_home)),
        };
        // A reused invitation asks for the response's own resume link or code.
        let ask = match problem {
            Problem::InvitationUsed | Problem::UnknownResumeCode => format!(
                "<form method=\"get\" action=\"{action}\"><p>\
                 <label for=\"code-{lang}\">{label}</label> \
                 <input id=\"code-{lang}\" name=\"code\" type=\"text\" autocomplete=\"off\" \
                 autocapitalize=\"none\" spellcheck=\"false\" required> \
                 <button type=\"submit\">{go}</button></p></form>",
                action = crate::api::paths::RESUME_TYPED,
                lang = locale.as_str(),
                label = td_string!(locale, resume_code_label),
                go = td_string!(locale, resume_code_go),
            ),
            _ => String::new(),
        };
        format!(
            "<section lang=\"{}\"><p>{}</p>{ask}{link}</section>",
            locale.as_str(),
            messages::problem(locale, problem)
        )
    };
    bilingual_document(&part(Locale::zh), &part(Locale::en))
}

/// A complete document holding the Chinese part, then the English one.
fn bilingual_document(zh: &str, en: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} / {}</title></head><body><main>{zh}{en}</main></body></html>",
        td_string!(Locale::zh, brand),
        td_string!(Locale::en, brand),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A complete, self-contained HTML document for a 500 response.
pub fn server_error_html() -> String {
    let zh_title = td_string!(Locale::zh, server_error_title);
    let en_title = td_string!(Locale::en, server_error_title);
    let back_zh = td_string!(Locale::zh, back_home);
    let back_en = td_string!(Locale::en, back_home);
    format!(
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{zh_title} / {en_title}</title></head><body><main>\
         <section><h1>{zh_title}</h1><p>{}</p><p><a href=\"/\">{back_zh}</a></p></section>\
         <section lang=\"en\"><h1>{en_title}</h1><p>{}</p><p><a href=\"/\">{back_en}</a></p></section>\
         </main></body></html>",
        td_string!(Locale::zh, server_error_body),
        td_string!(Locale::en, server_error_body),
    )
}

/// A complete, bilingual HTML document for a staff request that is refused as a whole:
/// a role that may not (403), or a post from another site (403).
pub fn staff_refusal_html(refusal: StaffRefusal) -> String {
    let part = |locale: Locale| {
        let (title, body) = match refusal {
            StaffRefusal::Forbidden => (
                td_string!(locale, staff_forbidden_title),
                td_string!(locale, staff_forbidden_body),
            ),
            StaffRefusal::CrossOrigin => (
                td_string!(locale, staff_cross_origin_title),
                td_string!(locale, staff_cross_origin_body),
            ),
        };
        format!(
            "<section lang=\"{}\"><h1>{title}</h1><p>{body}</p><p><a href=\"{}\">{}</a></p></section>",
            locale.as_str(),
            crate::staff::paths::HOME,
            td_string!(locale, staff_home_title),
        )
    };
    bilingual_document(&part(Locale::zh), &part(Locale::en))
}

/// Why a staff request was refused as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRefusal {
    Forbidden,
    CrossOrigin,
}
