//! Beginning a response from the consent post, as the browser arrived: through a
//! distribution link, with an invitation, or at the survey's own address.
//!
//! The rules: an invitation begins one response, never a second; used again, it resumes
//! that response only in a browser holding the response's own resume code (its cookie),
//! since the invitation token is on the invitee roster staff download and must not open
//! anyone's answers; what the invitation fixes (role, province) wins over what the link
//! fixes; and of two first uses of one invitation at the same moment, one begins the
//! response and the other is refused like a later use. The caller owns the transaction and
//! commits it only when this succeeds.

use canvass_core::Lang;
use canvass_core::answers::RawAnswers;
use canvass_core::ids::{ResponseId, SurveyId};
use canvass_core::survey::{Stratum, Survey};
use sqlx::PgConnection;

use crate::invitations::{self, Invitation};
use crate::links::{self, LinkCode, OpenLink};
use crate::respond::{self, RespondError, Saved};
use crate::responses::{Origin, ResumeCode};

/// What the browser brought to the consent post (its cookies for this survey).
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// The distribution link it came through.
    pub link: Option<LinkCode>,
    /// The invitation it came with.
    pub invitation: Option<ResumeCode>,
    /// The resume code of the response it began to this survey before, if any (its cookie;
    /// also a duplicate signal).
    pub resume: Option<ResumeCode>,
}

/// How the consent post ended.
#[derive(Debug, Clone)]
pub enum Arrived {
    /// A new response: its resume code, and where it goes on.
    Begun { code: ResumeCode, saved: Saved },
    /// The invitation's response exists and this browser began it: resume it with this code.
    Resume(ResumeCode),
}

/// Begins a response to `survey` with the consent page `posted`, as the browser arrived.
pub async fn begin(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    survey: &Survey,
    lang: Lang,
    arrival: Arrival,
    posted: &RawAnswers,
) -> Result<Arrived, RespondError> {
    let link = match &arrival.link {
        Some(code) => links::open_link(conn, survey_id, code).await?,
        None => None,
    };
    let invitation = match &arrival.invitation {
        Some(token) => invitations::find(conn, token)
            .await?
            .filter(|found| found.survey_id == survey_id),
        None => None,
    };
    if let Some(began) = invitation.as_ref().and_then(|found| found.response_id) {
        return match arrival.resume {
            Some(code) if began_with(conn, &code, began).await? => Ok(Arrived::Resume(code)),
            _ => Err(RespondError::InvitationUsed),
        };
    }
    let origin = Origin {
        link_id: link.as_ref().map(|l| l.id),
        same_browser: arrival.resume.is_some(),
        invited: invitation.is_some(),
        fixed: fixed(survey, invitation.as_ref(), link.as_ref()),
    };
    let begun = respond::begin(conn, survey_id, survey, lang, origin, posted).await?;
    if let Some(found) = invitation
        && !invitations::claim(conn, found.id, begun.started.id).await?
    {
        // Another first use won the race; the caller rolls this one back.
        return Err(RespondError::InvitationUsed);
    }
    Ok(Arrived::Begun {
        code: begun.started.resume_code,
        saved: begun.saved,
    })
}

/// Whether the resume code `code` opens the response `id`.
pub async fn began_with(
    conn: &mut PgConnection,
    code: &ResumeCode,
    id: ResponseId,
) -> Result<bool, sqlx::Error> {
    Ok(crate::responses::by_resume_code(conn, code)
        .await?
        .is_some_and(|response| response.id == id))
}

/// The answers the invitation, else the link, fixes: question ID → choice code, for the
/// questions the survey names as its strata.
fn fixed(
    survey: &Survey,
    invitation: Option<&Invitation>,
    link: Option<&OpenLink>,
) -> Vec<(String, String)> {
    let role = invitation
        .and_then(|i| i.role.clone())
        .or_else(|| link.and_then(|l| l.fixed_role.clone()));
    let province = invitation
        .and_then(|i| i.province.clone())
        .or_else(|| link.and_then(|l| l.fixed_province.clone()));
    [(Stratum::Role, role), (Stratum::Province, province)]
        .into_iter()
        .filter_map(|(stratum, code)| Some((survey.strata.question(stratum)?.to_string(), code?)))
        .collect()
}
