//! The staff side's vocabulary, shared by the browser, the pages, the routes and the
//! database: the roles and who may do what ([`access`]), the parsers of staff input
//! ([`StaffEmail`], [`DisplayName`], [`Password`]) and the one error a staff form can get
//! ([`StaffError`], serializable, so the browser words exactly what the server refused).

use serde::{Deserialize, Serialize};

use crate::email::is_email;

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Everything, including users and surveys.
    Admin,
    /// Dashboards and anonymized exports.
    Analyst,
    /// Response monitoring only.
    Viewer,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::Admin, StaffRole::Analyst, StaffRole::Viewer];

    /// The name in forms, URLs, the database and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Analyst => "analyst",
            StaffRole::Viewer => "viewer",
        }
    }

    /// The role named `input` exactly (`admin`, `analyst`, `viewer`).
    pub fn parse(input: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == input)
    }
}

/// Which roles may do what: the one table the pages and the routes both check.
pub mod access {
    use super::StaffRole::{self, Admin, Analyst, Viewer};

    /// Any signed-in staff member: their own account, response monitoring.
    pub const STAFF: &[StaffRole] = &[Admin, Analyst, Viewer];
    /// Dashboards and anonymized exports.
    pub const ANALYSIS: &[StaffRole] = &[Admin, Analyst];
    /// Accounts, roles and the audit log.
    pub const ADMIN: &[StaffRole] = &[Admin];
}

/// Why a staff form was refused, field by field; worded in the user's language by
/// the app's `messages::staff_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum StaffError {
    #[error("not an e-mail address")]
    NotAnEmail,
    #[error("a name is required")]
    NameMissing,
    #[error("the name is longer than {max} characters")]
    NameTooLong { max: usize },
    #[error("the password must have at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password must have at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error("the password must not be the e-mail address")]
    PasswordIsEmail,
    /// The new password and its confirmation differ.
    #[error("the new password and its confirmation differ")]
    PasswordsDiffer,
    /// The current password given to change it is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// Sign-in: the same answer for an unknown e-mail and a wrong password.
    #[error("wrong e-mail address or password")]
    BadCredentials,
    /// Sign-in: too many failures; try again after this many minutes.
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Throttled { minutes: u64 },
    /// Password change: too many wrong current passwords; try again after this many minutes.
    #[error("too many wrong current passwords; try again in {minutes} minutes")]
    ThrottledPasswordChange { minutes: u64 },
    /// Sign-in or password change: too many passwords being checked at once.
    #[error("too many passwords are being checked; try again in a few seconds")]
    Busy,
    #[error("an account with this e-mail address exists already")]
    EmailTaken,
    /// An API token must be good for something: the stats, the analysis or exports.
    #[error("choose at least one use")]
    NoTokenUse,
    #[error("not one of the roles")]
    NotARole,
    #[error("the last active admin cannot be deactivated or lose the admin role")]
    LastAdmin,
    /// An account filter that names no account.
    #[error("no such account")]
    NoSuchUser,
    #[error("no such action")]
    NotAnAction,
    #[error("not a day (YYYY-MM-DD)")]
    NotADay,
    #[error("a channel is required")]
    ChannelMissing,
    #[error("the channel is longer than {max} characters")]
    ChannelTooLong { max: usize },
    #[error("not one of the survey's provinces")]
    NotAProvince,
    #[error("the target must be a whole number from 1 to {max}")]
    BadTarget { max: i32 },
    /// A quota names neither a role nor a province.
    #[error("choose a role, a province or both")]
    NoCell,
    #[error("the cap must be a whole number from 1 to {max}")]
    BadCap { max: i32 },
    #[error("this cell has a quota already")]
    QuotaTaken,
    /// An export setting that is not one the form offers (a tampered form).
    #[error("not one of the choices offered")]
    ExportSetting,
    /// A number setting of an export outside its range (k, the suppression limit, ℓ, the
    /// days kept): the field, and its range.
    #[error("must be a whole number from {min} to {max}")]
    ExportNumber { min: u32, max: u32 },
    /// An analyst asked for free text or identifiable data, which only an admin may export.
    #[error("only an admin may export free text or identifiable data")]
    AdminsOnly,
    /// An invitee list's problems, each with its line (the header is line 1).
    #[error("no file was sent")]
    CsvMissing,
    /// The file is over the upload limit, in whole megabytes.
    #[error("the file is larger than {max_mb} MB")]
    CsvTooLarge { max_mb: usize },
    #[error("the file is not UTF-8 text")]
    CsvNotUtf8,
    #[error("the file has no invitees")]
    CsvEmpty,
    #[error("the first line names no `id` column")]
    CsvNoIdColumn,
    #[error("more than {max} invitees")]
    CsvTooMany { max: usize },
    #[error("line {line}: the line cannot be read as CSV")]
    CsvUnreadable { line: u64 },
    #[error("line {line}: the id is empty")]
    CsvIdMissing { line: u64 },
    #[error("line {line}: the id is longer than {max} characters")]
    CsvIdTooLong { line: u64, max: usize },
    #[error("line {line}: the id is also on line {first}")]
    CsvDuplicateId { line: u64, first: u64 },
    #[error("line {line}: not an e-mail address")]
    CsvNotAnEmail { line: u64 },
    #[error("line {line}: not one of the survey's provinces")]
    CsvNotAProvince { line: u64 },
    #[error("line {line}: not one of the survey's roles")]
    CsvNotARole { line: u64 },
    #[error("line {line}: this id was invited already")]
    CsvAlreadyInvited { line: u64 },
}

/// A staff e-mail address: trimmed, lower case, and an address by [`is_email`] (the rule
/// respondents' and invitees' addresses follow too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StaffEmail(String);

impl StaffEmail {
    pub fn parse(input: &str) -> Result<StaffEmail, StaffError> {
        let email = input.trim().to_lowercase();
        if !is_email(&email) {
            return Err(StaffError::NotAnEmail);
        }
        Ok(StaffEmail(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A staff member's name as shown in the interface and the audit log: trimmed, not empty,
/// at most [`DisplayName::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<DisplayName, StaffError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(StaffError::NameMissing);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(StaffError::NameTooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the rules: at least 12 characters, at most 1,024 (hashing a
/// huge one would cost the server), and not the account's e-mail address. It never prints
/// itself: `Debug` shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(input: &str, email: &StaffEmail) -> Result<Password, StaffError> {
        // Characters, not bytes: twelve Chinese characters are enough.
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(StaffError::PasswordTooShort {
                min: Self::MIN_CHARS,
            });
        }
        if chars > Self::MAX_CHARS {
            return Err(StaffError::PasswordTooLong {
                max: Self::MAX_CHARS,
            });
        }
        if input.trim().to_lowercase() == email.as_str() {
            return Err(StaffError::PasswordIsEmail);
        }
        Ok(Password(input.to_owned()))
    }

    /// The password itself, for the hasher only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name_and_nothing_else_does() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::parse(role.as_str()), Some(role));
        }
        for other in ["", "Admin", "root", " admin"] {
            assert_eq!(StaffRole::parse(other), None, "{other:?}");
        }
    }

    fn email(input: &str) -> StaffEmail {
        StaffEmail::parse(input).expect("valid e-mail")
    }

    #[test]
    fn an_email_is_trimmed_and_lower_cased_and_must_look_like_one() {
        assert_eq!(
            email("  Wang.Li@Hospital.CN ").as_str(),
            "wang.li@hospital.cn"
        );
        for bad in [
            "",
            "wang",
            "wang@",
            "@hospital.cn",
            "wang li@hospital.cn",
            "<script>@x",
        ] {
            assert_eq!(
                StaffEmail::parse(bad),
                Err(StaffError::NotAnEmail),
                "{bad:?}"
            );
        }
        let long = format!("{}@hospital.cn", "a".repeat(250));
        assert_eq!(StaffEmail::parse(&long), Err(StaffError::NotAnEmail));
    }

    #[test]
    fn a_display_name_is_required_and_at_most_200_characters() {
        assert_eq!(
            DisplayName::parse("  王丽 ").expect("valid").as_str(),
            "王丽"
        );
        assert_eq!(DisplayName::parse("   "), Err(StaffError::NameMissing));
        assert_eq!(
            DisplayName::parse(&"名".repeat(201)),
            Err(StaffError::NameTooLong { max: 200 })
        );
        assert!(DisplayName::parse(&"名".repeat(200)).is_ok());
    }

    #[test]
    fn a_password_has_at_least_12_characters_and_is_not_the_email() {
        let owner = email("wang.li@hospital.cn");
        assert_eq!(
            Password::parse("short pass1", &owner).map(|_| ()),
            Err(StaffError::PasswordTooShort { min: 12 })
        );
        // Characters, not bytes: twelve Chinese characters are enough.
        assert!(Password::parse(&"密".repeat(12), &owner).is_ok());
        assert_eq!(
            Password::parse(" Wang.Li@Hospital.cn ", &owner).map(|_| ()),
            Err(StaffError::PasswordIsEmail)
        );
        assert_eq!(
            Password::parse(&"x".repeat(1025), &owner).map(|_| ()),
            Err(StaffError::PasswordTooLong { max: 1024 })
        );
        let password = Password::parse("correct horse battery", &owner).expect("valid");
        assert_eq!(format!("{password:?}"), "Password(…)");
    }

    #[test]
    fn a_password_never_prints_itself() {
        let email = StaffEmail::parse("wang.li@hospital.cn").expect("an address");
        let password = Password::parse("correct horse battery", &email).expect("a password");
        assert_eq!(format!("{password:?}"), "Password(…)");
    }
}
