//! Beginning a response from the consent post, as the browser arrived: through a
//! distribution link, with an invitation, or at the survey's own address.
//!
//! The rules: an invitation used before resumes the response it started, never a second
//! one; what the invitation fixes (role, province) wins over what the link fixes; and of
//! two first uses of one invitation at the same moment, one begins the response and the
//! other resumes it. The caller owns the transaction and commits it.

use canvass_core::Lang;
use canvass_core::answers::RawAnswers;
use canvass_core::ids::SurveyId;
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
    /// It had begun a response to this survey before (a duplicate signal).
    pub same_browser: bool,
}

/// How the consent post ended.
#[derive(Debug, Clone)]
pub enum Arrived {
    /// A new response: its resume code, and where it goes on.
    Begun { code: ResumeCode, saved: Saved },
    /// The invitation's response exists (used before, or begun at the same moment by
    /// another first use): resume it with this code.
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
    let invitation = match arrival.invitation {
        Some(token) => invitations::find(conn, &token)
            .await?
            .filter(|found| found.survey_id == survey_id)
            .map(|found| (found, token)),
        None => None,
    };
    if let Some((found, token)) = &invitation
        && found.response_id.is_some()
    {
        return Ok(Arrived::Resume(token.clone()));
    }
    let origin = Origin {
        link_id: link.as_ref().map(|l| l.id),
        same_browser: arrival.same_browser,
        invitation: invitation.as_ref().map(|(_, token)| token.clone()),
        fixed: fixed(
            survey,
            invitation.as_ref().map(|(found, _)| found),
            link.as_ref(),
        ),
    };
    let begun = match respond::begin(conn, survey_id, survey, lang, origin, posted).await {
        Ok(begun) => begun,
        // Another first use of the invitation began its response at the same moment.
        Err(RespondError::AlreadyBegun) => match invitation {
            Some((_, token)) => return Ok(Arrived::Resume(token)),
            None => return Err(RespondError::AlreadyBegun),
        },
        Err(error) => return Err(error),
    };
    if let Some((found, token)) = invitation
        && !invitations::claim(conn, found.id, begun.started.id).await?
    {
        // Another first use won the race: resume that one.
        return Ok(Arrived::Resume(token));
    }
    Ok(Arrived::Begun {
        code: begun.started.resume_code,
        saved: begun.saved,
    })
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
