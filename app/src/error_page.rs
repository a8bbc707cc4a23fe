//! The page sent when a request fails unexpectedly (a panic outside any page). No language
//! was negotiated at that point, so it speaks both, Chinese first.

use crate::i18n::{Locale, td_string};

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
