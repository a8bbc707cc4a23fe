//! The languages Canvass speaks: Simplified Chinese (the default) and English.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Name of the cookie that remembers a visitor's language, holding a [`Lang::code`].
/// Written by the server's `/lang/{code}` route ([`Lang::cookie`]).
pub const COOKIE_NAME: &str = "canvass_lang";

/// A supported interface language.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

/// A language code that Canvass does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {shown:?}: expected \"zh\" or \"en\"")]
pub struct UnsupportedLang {
    /// The rejected input, cut to a few characters so an error never echoes a huge string.
    shown: String,
}

impl Lang {
    /// The `Set-Cookie` value that remembers this language for a year, site-wide; only
    /// over HTTPS when `secure` (the site is configured for HTTPS).
    pub fn cookie(self, secure: bool) -> String {
        format!(
            "{COOKIE_NAME}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            self.code(),
            if secure { "; Secure" } else { "" }
        )
    }

    /// Every supported language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 primary code: `"zh"` or `"en"`.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses a language code as found in a URL or cookie. Case-insensitive, and a region
    /// or script subtag is accepted and ignored (`zh-CN`, `zh-Hans`, `en-GB`).
    pub fn parse(input: &str) -> Result<Lang, UnsupportedLang> {
        let primary = input.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Ok(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Ok(Lang::En)
        } else {
            Err(UnsupportedLang {
                shown: input.chars().take(16).collect(),
            })
        }
    }
}

impl Lang {
    /// The language to speak: the remembered choice (the cookie) if it is valid, else the
    /// first supported language of an `Accept-Language` header (by quality), else Chinese.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(|c| Lang::parse(c.trim()).ok()) {
            return lang;
        }
        let Some(header) = accept_language else {
            return Lang::default();
        };
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality_per_mille);
            let (Ok(lang), Some(q)) = (Lang::parse(tag), quality) else {
                continue;
            };
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }
}

/// `q=0.8` → 800; `None` for anything that is not a quality value.
fn quality_per_mille(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{fraction:0<3}");
    match whole {
        "1" if digits == "000" => Some(1000),
        "0" => digits.parse().ok(),
        _ => None,
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = UnsupportedLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_language_is_simplified_chinese() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::ALL[0], Lang::Zh);
    }

    #[test]
    fn every_language_parses_back_from_its_code() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Ok(lang));
        }
    }

    #[test]
    fn region_and_script_subtags_are_ignored() {
        assert_eq!(Lang::parse("zh-CN"), Ok(Lang::Zh));
        assert_eq!(Lang::parse("zh_Hans"), Ok(Lang::Zh));
        assert_eq!(Lang::parse("EN-gb"), Ok(Lang::En));
    }

    #[test]
    fn an_unknown_code_is_refused_with_a_message_naming_it() {
        let error = Lang::parse("fr").unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"unsupported language "fr": expected "zh" or "en""#
        );
    }

    #[test]
    fn a_refused_code_is_cut_short_in_the_message() {
        let long = "x".repeat(10_000);
        let error = Lang::parse(&long).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                r#"unsupported language "{}": expected "zh" or "en""#,
                "x".repeat(16)
            )
        );
    }

    #[test]
    fn negotiation_prefers_the_cookie_then_the_best_accepted_language_then_chinese() {
        assert_eq!(Lang::negotiate(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(
            Lang::negotiate(Some("fr"), Some("en-GB,en;q=0.9")),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(None, Some("fr;q=1,zh;q=0.5,en;q=0.8")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(None, Some("fr, de")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("en;q=0, zh;q=0.1")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("en;q=2")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, None), Lang::Zh);
    }

    #[test]
    fn an_empty_code_is_refused() {
        assert!(Lang::parse("").is_err());
    }

    proptest! {
        #[test]
        fn negotiation_never_panics(cookie in proptest::option::of("\\PC{0,20}"), accept in proptest::option::of("\\PC{0,80}")) {
            let _ = Lang::negotiate(cookie.as_deref(), accept.as_deref());
        }

        #[test]
        fn parsing_never_panics_and_accepts_only_zh_or_en(input in "\\PC{0,40}") {
            match Lang::parse(&input) {
                Ok(lang) => {
                    let primary = input.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
                    prop_assert_eq!(primary, lang.code());
                }
                Err(error) => prop_assert!(error.to_string().starts_with("unsupported language")),
            }
        }
    }

    #[test]
    fn the_language_cookie_is_site_wide_for_a_year_and_same_site_lax() {
        assert_eq!(
            Lang::En.cookie(false),
            "canvass_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"
        );
        assert_eq!(
            Lang::Zh.cookie(true),
            "canvass_lang=zh; Path=/; Max-Age=31536000; SameSite=Lax; Secure"
        );
    }
}
