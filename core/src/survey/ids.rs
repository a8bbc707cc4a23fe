//! Identifiers: parsed once, valid ever after.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest identifier accepted.
pub const MAX_ID_LEN: usize = 64;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// `snake_case` ASCII: a lowercase letter, then lowercase letters, digits and `_`.
            pub fn parse(input: &str) -> Result<Self, String> {
                let mut chars = input.chars();
                let starts_well = chars.next().is_some_and(|c| c.is_ascii_lowercase());
                let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if starts_well && rest_ok && input.len() <= MAX_ID_LEN {
                    Ok(Self(input.to_owned()))
                } else {
                    let shown: String = input.chars().take(MAX_ID_LEN).collect();
                    Err(format!(
                        "{shown:?} is not a valid ID: use a lowercase letter, then lowercase letters, digits or `_` (at most {MAX_ID_LEN})"
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A question's stable ID: also its variable name in exports.
    QuestionId
);
identifier!(
    /// A section's stable ID.
    SectionId
);
identifier!(
    /// A choice's (or a matrix row's) stable code.
    Code
);
identifier!(
    /// A metric's ID, its name in the analysis pages' addresses and files.
    MetricId
);

/// A survey's URL name, as in `/s/ai-collab`: lowercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, String> {
        let ok = !input.is_empty()
            && input.len() <= MAX_ID_LEN
            && !input.starts_with('-')
            && !input.ends_with('-')
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            let shown: String = input.chars().take(MAX_ID_LEN).collect();
            Err(format!(
                "{shown:?} is not a valid survey slug: use lowercase letters, digits and `-` (at most {MAX_ID_LEN})"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> String {
        value.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time-zone name such as `Asia/Shanghai` or `UTC`, by its shape: the database,
/// which knows the zones, refuses an unknown one when the survey is installed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(String);

impl TimeZone {
    pub fn parse(input: &str) -> Result<Self, String> {
        let part_ok = |part: &str| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        };
        if input.len() <= MAX_ID_LEN && input.split('/').all(part_ok) {
            Ok(Self(input.to_owned()))
        } else {
            let shown: String = input.chars().take(MAX_ID_LEN).collect();
            Err(format!(
                "{shown:?} is not a time-zone name: write one such as \"Asia/Shanghai\" or \"UTC\""
            ))
        }
    }

    pub fn utc() -> Self {
        Self("UTC".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TimeZone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<TimeZone> for String {
    fn from(value: TimeZone) -> String {
        value.0
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
