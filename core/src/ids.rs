//! The database's keys, typed so that one kind cannot be passed for another.
//!
//! Every table is keyed by a `bigint`. As bare `i64`s a survey's ID and a link's are the
//! same type, and nothing stops one being passed where the other is meant; here each kind
//! has its own newtype ([`SurveyId`], [`LinkId`]…), so the compiler does. They serialize as
//! the bare number (`#[serde(transparent)]`), so nothing changes on the wire.
//!
//! `core` has no sqlx, so these types know nothing of the database: `canvass-db` converts
//! at its edge, with `.get()` when binding a parameter and `::new(..)` when reading a row.
//! In paths and forms an ID is text, and [`FromStr`] is its one parser.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Text that is not a decimal integer, where an ID was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an ID")]
pub struct NotAnId;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The ID with this key, as read from a database row.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The key, to bind as a query's parameter.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = NotAnId;

            /// A decimal integer (as in a path or a form field); anything else is refused.
            fn from_str(text: &str) -> Result<Self, NotAnId> {
                text.parse().map(Self).map_err(|_| NotAnId)
            }
        }
    };
}

id!(
    /// A survey (`surveys.id`).
    SurveyId
);
id!(
    /// A response (`responses.id`).
    ResponseId
);
id!(
    /// A distribution link (`distribution_links.id`).
    LinkId
);
id!(
    /// A quota cell (`quotas.id`).
    QuotaId
);
id!(
    /// An invitation (`invitations.id`).
    InvitationId
);
id!(
    /// A staff account (`staff_users.id`).
    StaffId
);
id!(
    /// An API token (`api_tokens.id`).
    TokenId
);
id!(
    /// An audit log entry (`audit_log.id`).
    AuditId
);
id!(
    /// A dataset export (`exports.id`).
    ExportId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_parses_from_its_decimal_text() {
        assert_eq!("42".parse::<LinkId>(), Ok(LinkId::new(42)));
        assert_eq!(
            "9223372036854775807".parse::<SurveyId>(),
            Ok(SurveyId::new(i64::MAX))
        );
    }

    #[test]
    fn an_id_prints_as_its_number_and_parses_back() {
        let id = QuotaId::new(1234);
        assert_eq!(id.to_string(), "1234");
        assert_eq!(id.to_string().parse::<QuotaId>(), Ok(id));
        assert_eq!(id.get(), 1234);
    }

    #[test]
    fn text_that_is_not_an_integer_is_not_an_id() {
        for text in [
            "",
            " ",
            "abc",
            "12a",
            "1.5",
            " 7",
            "7 ",
            "0x10",
            "١٢",
            "99999999999999999999",
        ] {
            assert_eq!(text.parse::<StaffId>(), Err(NotAnId), "{text:?}");
        }
        assert_eq!(NotAnId.to_string(), "not an ID");
    }

    #[test]
    fn an_id_serializes_as_a_bare_number_and_back() {
        let id = TokenId::new(17);
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(json, "17");
        assert_eq!(
            serde_json::from_str::<TokenId>(&json).expect("deserializes"),
            id
        );
        let pair = serde_json::to_string(&(SurveyId::new(1), Some(ResponseId::new(2))))
            .expect("serializes");
        assert_eq!(pair, "[1,2]");
    }
}
