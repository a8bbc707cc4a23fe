//! Words for what `canvass-core` reports: answer errors and refused posts, in the
//! respondent's language. Every text comes from `locales/*.json`, except what the survey
//! definition itself words (constraint messages, choice labels).

use canvass_core::Lang;
use canvass_core::answers::AnswerError;
use canvass_core::survey::{Question, QuestionKind};
use leptos_i18n::I18nContext;

use crate::api::Problem;
use crate::i18n::{Locale, t_string, td_string};
use crate::staff::{StaffError, StaffRole};

/// The survey-text language of an interface locale.
pub fn lang_of(locale: Locale) -> Lang {
    match locale {
        Locale::zh => Lang::Zh,
        Locale::en => Lang::En,
    }
}

/// The i18n context of an island, in `lang`, provided to everything inside it: an island
/// sees no context from the page around it, so it gets the page's language as a prop.
pub fn provide_island_i18n(lang: Lang) -> I18nContext<Locale> {
    let locale = match lang {
        Lang::Zh => Locale::zh,
        Lang::En => Locale::en,
    };
    let i18n = leptos_i18n::context::init_i18n_subcontext::<Locale>(Some(
        leptos::prelude::Signal::derive(move || locale),
    ));
    leptos::prelude::provide_context(i18n);
    i18n
}

/// One answer error, worded for the respondent.
pub fn answer_error(i18n: I18nContext<Locale>, question: &Question, error: &AnswerError) -> String {
    let lang = lang_of(i18n.get_locale());
    let choice_label = |code: &str| -> String {
        let choices = match &question.kind {
            QuestionKind::SingleChoice { choices, .. }
            | QuestionKind::MultipleChoice { choices, .. }
            | QuestionKind::Ranking { choices, .. } => choices.as_slice(),
            QuestionKind::Matrix { rows, .. } => rows.as_slice(),
            _ => &[],
        };
        choices
            .iter()
            .find(|c| c.code.as_str() == code)
            .map_or_else(|| code.to_owned(), |c| c.label.get(lang).to_owned())
    };
    match error {
        AnswerError::Required => t_string!(i18n, err_required).to_string(),
        AnswerError::NotAChoice { .. } => t_string!(i18n, err_not_a_choice).to_string(),
        AnswerError::OnlyOne => t_string!(i18n, err_only_one).to_string(),
        AnswerError::TooFew { min } => t_string!(i18n, err_too_few, min = *min).to_string(),
        AnswerError::TooMany { max } => t_string!(i18n, err_too_many, max = *max).to_string(),
        AnswerError::Exclusive { code } => {
            let choice = choice_label(code.as_str());
            t_string!(i18n, err_exclusive, choice = choice).to_string()
        }
        AnswerError::Repeated => t_string!(i18n, err_repeated).to_string(),
        AnswerError::OtherMissing => t_string!(i18n, err_other_missing).to_string(),
        AnswerError::RowMissing { row } => {
            let row = choice_label(row.as_str());
            t_string!(i18n, err_row_missing, row = row).to_string()
        }
        AnswerError::RankIncomplete { top } => {
            t_string!(i18n, err_rank_incomplete, top = *top).to_string()
        }
        AnswerError::NotWhole => t_string!(i18n, err_not_whole).to_string(),
        AnswerError::NotANumber => t_string!(i18n, err_not_a_number).to_string(),
        AnswerError::BelowMin { min } => {
            t_string!(i18n, err_below_min, min = min.clone()).to_string()
        }
        AnswerError::AboveMax { max } => {
            t_string!(i18n, err_above_max, max = max.clone()).to_string()
        }
        AnswerError::TooLong { max } => t_string!(i18n, err_too_long, max = *max).to_string(),
        AnswerError::NotAnEmail => t_string!(i18n, err_not_an_email).to_string(),
        AnswerError::NotADate => t_string!(i18n, err_not_a_date).to_string(),
        AnswerError::NotAYear => t_string!(i18n, err_not_a_year).to_string(),
        AnswerError::NotAsked => t_string!(i18n, err_not_asked).to_string(),
        AnswerError::Constraint { index } => question
            .constraints
            .get(*index)
            .map(|c| c.message.get(lang).to_owned())
            .unwrap_or_else(|| t_string!(i18n, err_not_a_choice).to_string()),
    }
}

/// Why a whole post was refused, worded in `locale` (read reactively by callers that pass
/// `i18n.get_locale()`; also used outside any page, for the no-JavaScript problem page).
pub fn problem(locale: Locale, problem: Problem) -> String {
    match problem {
        Problem::NotFound => td_string!(locale, problem_not_found),
        Problem::Closed => td_string!(locale, problem_closed),
        Problem::OutOfOrder => td_string!(locale, problem_out_of_order),
        Problem::NotOnThisPage => td_string!(locale, problem_not_on_this_page),
        Problem::Malformed => td_string!(locale, problem_malformed),
        Problem::TooLarge => td_string!(locale, problem_too_large),
        Problem::Unavailable => td_string!(locale, problem_unavailable),
        Problem::LinkClosed => td_string!(locale, problem_link_closed),
        Problem::InvitationUsed => td_string!(locale, problem_invitation_used),
        Problem::UnknownResumeCode => td_string!(locale, problem_unknown_resume_code),
        Problem::TooManyStarts => td_string!(locale, problem_too_many_starts),
    }
    .to_string()
}

/// Why a staff form's field was refused, in the user's language.
pub fn staff_error(i18n: I18nContext<Locale>, error: StaffError) -> String {
    match error {
        StaffError::NotAnEmail => t_string!(i18n, staff_err_not_an_email).to_string(),
        StaffError::NameMissing => t_string!(i18n, staff_err_name_missing).to_string(),
        StaffError::NameTooLong { max } => {
            t_string!(i18n, staff_err_name_too_long, max = max).to_string()
        }
        StaffError::PasswordTooShort { min } => {
            t_string!(i18n, staff_err_password_too_short, min = min).to_string()
        }
        StaffError::PasswordTooLong { max } => {
            t_string!(i18n, staff_err_password_too_long, max = max).to_string()
        }
        StaffError::PasswordIsEmail => t_string!(i18n, staff_err_password_is_email).to_string(),
        StaffError::PasswordsDiffer => t_string!(i18n, staff_err_passwords_differ).to_string(),
        StaffError::WrongPassword => t_string!(i18n, staff_err_wrong_password).to_string(),
        StaffError::BadCredentials => t_string!(i18n, staff_err_bad_credentials).to_string(),
        StaffError::Throttled { minutes } => {
            t_string!(i18n, staff_err_throttled, minutes = minutes).to_string()
        }
        StaffError::ThrottledPasswordChange { minutes } => {
            t_string!(i18n, staff_err_throttled_password, minutes = minutes).to_string()
        }
        StaffError::Busy => t_string!(i18n, staff_err_busy).to_string(),
        StaffError::EmailTaken => t_string!(i18n, staff_err_email_taken).to_string(),
        StaffError::NoTokenUse => t_string!(i18n, staff_err_no_token_use).to_string(),
        StaffError::NotARole => t_string!(i18n, staff_err_not_a_role).to_string(),
        StaffError::LastAdmin => t_string!(i18n, staff_err_last_admin).to_string(),
        StaffError::NoSuchUser => t_string!(i18n, staff_err_no_such_user).to_string(),
        StaffError::NotAnAction => t_string!(i18n, staff_err_not_an_action).to_string(),
        StaffError::NotADay => t_string!(i18n, staff_err_not_a_day).to_string(),
        StaffError::ChannelMissing => t_string!(i18n, staff_err_channel_missing).to_string(),
        StaffError::ChannelTooLong { max } => {
            t_string!(i18n, staff_err_channel_too_long, max = max).to_string()
        }
        StaffError::NotAProvince => t_string!(i18n, staff_err_not_a_province).to_string(),
        StaffError::BadTarget { max } => {
            t_string!(i18n, staff_err_bad_target, max = max).to_string()
        }
        StaffError::NoCell => t_string!(i18n, staff_err_no_cell).to_string(),
        StaffError::BadCap { max } => t_string!(i18n, staff_err_bad_cap, max = max).to_string(),
        StaffError::QuotaTaken => t_string!(i18n, staff_err_quota_taken).to_string(),
        StaffError::ExportSetting => t_string!(i18n, staff_err_export_setting).to_string(),
        StaffError::ExportNumber { min, max } => {
            t_string!(i18n, staff_err_export_number, min = min, max = max).to_string()
        }
        StaffError::AdminsOnly => t_string!(i18n, staff_err_admins_only).to_string(),
        StaffError::CsvMissing => t_string!(i18n, staff_err_csv_missing).to_string(),
        StaffError::CsvTooLarge { max_mb } => {
            t_string!(i18n, staff_err_csv_too_large, max_mb = max_mb).to_string()
        }
        StaffError::CsvNotUtf8 => t_string!(i18n, staff_err_csv_not_utf8).to_string(),
        StaffError::CsvEmpty => t_string!(i18n, staff_err_csv_empty).to_string(),
        StaffError::CsvNoIdColumn => t_string!(i18n, staff_err_csv_no_id_column).to_string(),
        StaffError::CsvTooMany { max } => {
            t_string!(i18n, staff_err_csv_too_many, max = max).to_string()
        }
        StaffError::CsvUnreadable { line } => {
            t_string!(i18n, staff_err_csv_unreadable, line = line).to_string()
        }
        StaffError::CsvIdMissing { line } => {
            t_string!(i18n, staff_err_csv_id_missing, line = line).to_string()
        }
        StaffError::CsvIdTooLong { line, max } => {
            t_string!(i18n, staff_err_csv_id_too_long, line = line, max = max).to_string()
        }
        StaffError::CsvDuplicateId { line, first } => {
            t_string!(i18n, staff_err_csv_duplicate_id, line = line, first = first).to_string()
        }
        StaffError::CsvNotAnEmail { line } => {
            t_string!(i18n, staff_err_csv_not_an_email, line = line).to_string()
        }
        StaffError::CsvNotAProvince { line } => {
            t_string!(i18n, staff_err_csv_not_a_province, line = line).to_string()
        }
        StaffError::CsvNotARole { line } => {
            t_string!(i18n, staff_err_csv_not_a_role, line = line).to_string()
        }
        StaffError::CsvAlreadyInvited { line } => {
            t_string!(i18n, staff_err_csv_already_invited, line = line).to_string()
        }
    }
}

/// A staff role's name, in the user's language.
pub fn staff_role(i18n: I18nContext<Locale>, role: StaffRole) -> String {
    match role {
        StaffRole::Admin => t_string!(i18n, staff_role_admin).to_string(),
        StaffRole::Analyst => t_string!(i18n, staff_role_analyst).to_string(),
        StaffRole::Viewer => t_string!(i18n, staff_role_viewer).to_string(),
    }
}

/// An audit action's name (`sign_in_failed`), in the user's language.
pub fn audit_action(i18n: I18nContext<Locale>, action: &str) -> String {
    match action {
        "sign_in" => t_string!(i18n, audit_sign_in).to_string(),
        "sign_in_failed" => t_string!(i18n, audit_sign_in_failed).to_string(),
        "sign_out" => t_string!(i18n, audit_sign_out).to_string(),
        "user_created" => t_string!(i18n, audit_user_created).to_string(),
        "user_changed" => t_string!(i18n, audit_user_changed).to_string(),
        "user_deactivated" => t_string!(i18n, audit_user_deactivated).to_string(),
        "user_reactivated" => t_string!(i18n, audit_user_reactivated).to_string(),
        "role_changed" => t_string!(i18n, audit_role_changed).to_string(),
        "password_changed" => t_string!(i18n, audit_password_changed).to_string(),
        "survey_published" => t_string!(i18n, audit_survey_published).to_string(),
        "export_made" => t_string!(i18n, audit_export_made).to_string(),
        "link_created" => t_string!(i18n, audit_link_created).to_string(),
        "link_closed" => t_string!(i18n, audit_link_closed).to_string(),
        "link_reopened" => t_string!(i18n, audit_link_reopened).to_string(),
        "token_created" => t_string!(i18n, audit_token_created).to_string(),
        "token_revoked" => t_string!(i18n, audit_token_revoked).to_string(),
        "quota_set" => t_string!(i18n, audit_quota_set).to_string(),
        "quota_removed" => t_string!(i18n, audit_quota_removed).to_string(),
        "invitations_made" => t_string!(i18n, audit_invitations_made).to_string(),
        "invitees_exported" => t_string!(i18n, audit_invitees_exported).to_string(),
        other => other.to_owned(),
    }
}
