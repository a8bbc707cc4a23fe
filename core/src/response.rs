//! Where a response stands: the vocabulary the respondent's path, the monitoring figures,
//! the roster and (later) the exports share.

use serde::{Deserialize, Serialize};

/// Where a response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Begun and not yet submitted or ended.
    InProgress,
    /// Submitted.
    Completed,
    /// Ended at the consent page: the respondent declined.
    Refused,
    /// Ended by a choice that screens the respondent out.
    ScreenedOut,
    /// Eligible, but their role or province fell in a full quota cell.
    QuotaFull,
}

impl ResponseStatus {
    pub const ALL: [ResponseStatus; 5] = [
        ResponseStatus::InProgress,
        ResponseStatus::Completed,
        ResponseStatus::Refused,
        ResponseStatus::ScreenedOut,
        ResponseStatus::QuotaFull,
    ];

    /// Its name in the database and in downloads (`in_progress`).
    pub fn as_code(self) -> &'static str {
        match self {
            ResponseStatus::InProgress => "in_progress",
            ResponseStatus::Completed => "completed",
            ResponseStatus::Refused => "refused",
            ResponseStatus::ScreenedOut => "screened_out",
            ResponseStatus::QuotaFull => "quota_full",
        }
    }

    /// The status named `code` exactly.
    pub fn parse(code: &str) -> Option<ResponseStatus> {
        ResponseStatus::ALL
            .into_iter()
            .find(|s| s.as_code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::ResponseStatus;

    #[test]
    fn every_status_parses_back_from_its_code_and_nothing_else_does() {
        for status in ResponseStatus::ALL {
            assert_eq!(ResponseStatus::parse(status.as_code()), Some(status));
        }
        assert_eq!(ResponseStatus::parse("InProgress"), None);
        assert_eq!(ResponseStatus::parse(""), None);
    }

    #[test]
    fn the_code_is_the_serialized_form() {
        for status in ResponseStatus::ALL {
            let json = serde_json::to_string(&status).expect("serializes");
            assert_eq!(json, format!("\"{}\"", status.as_code()));
        }
    }
}
