//! Form bodies (`application/x-www-form-urlencoded`) to [`RawAnswers`]: the one parser of
//! posted answers, used by the server for a post and by the browser to read its own form.

use super::RawAnswers;

/// Most fields one page may post; the largest page of a survey has far fewer.
pub const MAX_FIELDS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the form is not valid UTF-8")]
    InvalidUtf8,
    #[error("the form has more than {MAX_FIELDS} fields")]
    TooManyFields,
    /// No text may hold a NUL character (PostgreSQL refuses it in text and jsonb alike).
    #[error("the form holds a NUL character")]
    NulCharacter,
}

/// Parses a urlencoded body strictly: `+` is a space, `%XY` a byte, and the decoded bytes
/// of every name and value must be UTF-8 (a lossy decoding would store a replacement
/// character in someone's answer). An invalid escape such as `%G1` is kept literally, as
/// browsers do. Empty pairs (`a=1&&b=2`) are skipped.
pub fn from_urlencoded(body: &[u8]) -> Result<RawAnswers, FormError> {
    let mut raw = RawAnswers::new();
    let mut count = 0usize;
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        count += 1;
        if count > MAX_FIELDS {
            return Err(FormError::TooManyFields);
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        raw.entry(decode(name)?).or_default().push(decode(value)?);
    }
    Ok(raw)
}

fn decode(input: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => match (
                input.get(i + 1).and_then(|&h| hex(h)),
                input.get(i + 2).and_then(|&l| hex(l)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    if out.contains(&0) {
        return Err(FormError::NulCharacter);
    }
    String::from_utf8(out).map_err(|_| FormError::InvalidUtf8)
}

fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::answers::from_pairs;

    #[test]
    fn a_nul_character_anywhere_refuses_the_form() {
        assert_eq!(from_urlencoded(b"q=a%00b"), Err(FormError::NulCharacter));
        assert_eq!(from_urlencoded(b"q%00=a"), Err(FormError::NulCharacter));
        assert_eq!(from_urlencoded(b"q=a\0"), Err(FormError::NulCharacter));
        // A backslash and a zero are just text.
        assert_eq!(from_urlencoded(b"q=a\\0"), Ok(from_pairs([("q", "a\\0")])));
    }

    #[test]
    fn repeated_fields_keep_every_value_in_order() {
        assert_eq!(
            from_urlencoded(b"q=a&q=b&r=1"),
            Ok(from_pairs([("q", "a"), ("q", "b"), ("r", "1")]))
        );
    }

    #[test]
    fn plus_is_a_space_and_escapes_decode_to_utf8() {
        assert_eq!(
            from_urlencoded("t=%E5%8C%BB%E7%94%9F+AI&q.other=a%2Bb%26c".as_bytes()),
            Ok(from_pairs([("t", "医生 AI"), ("q.other", "a+b&c")]))
        );
    }

    #[test]
    fn raw_utf8_passes_and_a_bad_escape_stays_literal() {
        assert_eq!(
            from_urlencoded("t=放射科&p=100%&x=%G1".as_bytes()),
            Ok(from_pairs([("t", "放射科"), ("p", "100%"), ("x", "%G1")]))
        );
    }

    #[test]
    fn a_name_without_a_value_is_an_empty_value_and_empty_pairs_are_skipped() {
        assert_eq!(
            from_urlencoded(b"a&&b=&"),
            Ok(from_pairs([("a", ""), ("b", "")]))
        );
    }

    #[test]
    fn invalid_utf8_is_refused_whether_raw_or_escaped() {
        assert_eq!(from_urlencoded(b"t=%FF%FE"), Err(FormError::InvalidUtf8));
        assert_eq!(from_urlencoded(b"t=\xff"), Err(FormError::InvalidUtf8));
        assert_eq!(from_urlencoded(b"%C3=x"), Err(FormError::InvalidUtf8));
    }

    #[test]
    fn too_many_fields_are_refused() {
        let body = "a=1&".repeat(MAX_FIELDS + 1);
        assert_eq!(
            from_urlencoded(body.as_bytes()),
            Err(FormError::TooManyFields)
        );
        assert_eq!(
            FormError::TooManyFields.to_string(),
            "the form has more than 2000 fields"
        );
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_are_refused_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = from_urlencoded(&body);
        }

        #[test]
        fn encoding_then_parsing_gives_back_the_pairs(pairs in proptest::collection::vec(("\\PC{1,8}", "\\PC{0,12}"), 0..8)) {
            let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            let body = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
            prop_assert_eq!(from_urlencoded(body.as_bytes()), Ok(from_pairs(pairs.clone())));
        }
    }
}
