//! A respondent's path through a survey: saving a page, submitting, resuming.
//!
//! Every save re-validates everything with `canvass-core`: the stored answers become form
//! fields again, the posted page replaces its own fields, and the whole set goes through
//! `validate`. So the server enforces exactly what the browser checked, and an answer that
//! stops being relevant (an earlier answer changed) is recorded as not asked instead of
//! lingering.
//!
//! A save is one read (the response and all it stores, [`responses::snapshot`]) and one
//! write statement that applies only if the response has not changed since that read
//! ([`responses::write`]); otherwise it reads and validates again. No row lock is held
//! while validating, and a save needs no transaction of its own: callers may still run it
//! inside theirs (`begin` does, to create the response with its first page).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use canvass_core::Lang;
use canvass_core::answers::{Answer, AnswerError, Outcome, RawAnswers, Validation, validate};
use canvass_core::ids::SurveyId;
use canvass_core::survey::{Disclosure, Ending, QuestionId, Section, SectionId, Survey};
use sqlx::{Connection, PgConnection};

use crate::quotas;
use crate::recent::Recent;
use crate::responses::{self, Origin, PageSave, PublicId, Response, ResumeCode, Snapshot, Started};

use crate::surveys::{Catalog, CatalogError};
use canvass_core::response::ResponseStatus;

/// Where the respondent goes after a page was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Next(SectionId),
    /// Every section shown is answered: the review page, then submit.
    Review,
    /// An answer ended the survey (consent refused, screened out); recorded as such.
    Ended(Ending),
    /// The respondent's role or province fell in a full quota cell; recorded as such.
    QuotaFull,
}

#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    #[error("no such response")]
    NotFound,
    #[error("this response is {0:?} and can no longer be changed")]
    Closed(ResponseStatus),
    #[error("fields that are not on this page: {}", .0.join(", "))]
    NotOnThisPage(Vec<String>),
    #[error("this page is not (or not yet) part of this respondent's survey")]
    OutOfOrder,
    #[error("the survey has no such page")]
    NoSuchPage,
    #[error("some answers need attention")]
    Invalid(Vec<(QuestionId, AnswerError)>),
    #[error("section {0} still has unanswered questions")]
    Incomplete(SectionId),
    #[error("other saves to this response came in at the same moment; try again")]
    Busy,
    /// The invitation began a response already (before, or at the same moment), and this
    /// browser does not hold that response's resume code.
    #[error("the invitation began a response already")]
    InvitationUsed,
    #[error("a stored answer could not be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<CatalogError> for RespondError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::Database(e) => RespondError::Database(e),
            other => RespondError::Corrupt(other.to_string()),
        }
    }
}

/// How many times a save reads and validates when another write to the same response came
/// in between (a double tap, two devices). Each lost race means another save landed, so
/// this many saves of one response at the same moment all land; more in a row means
/// something is hammering one response, and the respondent is asked to try again.
const ATTEMPTS: usize = 4;

/// What is stored for a response, turned back into form fields for validation.
struct Stored<'a>(&'a Snapshot);

impl Stored<'_> {
    /// The stored answers as form fields, contacts included.
    fn fields(&self, survey: &Survey) -> RawAnswers {
        let mut fields = RawAnswers::new();
        for (question_id, outcome) in &self.0.answers {
            if let (Outcome::Answered { answer }, Some(question)) =
                (outcome, survey.question(question_id))
            {
                fields.extend(answer.to_fields(question));
            }
        }
        for (question_id, value) in &self.0.contacts {
            fields
                .entry(question_id.clone())
                .or_default()
                .push(value.clone());
        }
        fields
    }
}

/// Where a save finds its response.
#[derive(Clone, Copy)]
enum Key<'a> {
    Public(PublicId),
    Code(&'a ResumeCode),
}

impl Key<'_> {
    async fn read(self, conn: &mut PgConnection) -> Result<Snapshot, RespondError> {
        match self {
            Key::Public(id) => responses::snapshot(conn, id).await,
            Key::Code(code) => responses::snapshot_by_code(conn, code).await,
        }?
        .ok_or(RespondError::NotFound)
    }
}

/// Validates a posted page together with everything stored, and saves it when valid.
pub async fn save_section(
    conn: &mut PgConnection,
    public_id: PublicId,
    survey: &Survey,
    section_id: &SectionId,
    posted: &RawAnswers,
) -> Result<Saved, RespondError> {
    for _ in 0..ATTEMPTS {
        let snapshot = Key::Public(public_id).read(conn).await?;
        if let Some((saved, _)) = save_on(conn, &snapshot, survey, section_id, posted, None).await?
        {
            return Ok(saved);
        }
    }
    Err(RespondError::Busy)
}

/// Validates and writes a page against one snapshot of the response: where the respondent
/// goes next, and what was written. `None` when another write came first, so the snapshot
/// is stale and the caller reads again.
async fn save_on(
    conn: &mut PgConnection,
    snapshot: &Snapshot,
    survey: &Survey,
    section_id: &SectionId,
    posted: &RawAnswers,
    lang: Option<Lang>,
) -> Result<Option<(Saved, PageSave)>, RespondError> {
    let response = &snapshot.response;
    if response.status != ResponseStatus::InProgress {
        return Err(RespondError::Closed(response.status));
    }
    let section = survey
        .section(section_id.as_str())
        .ok_or(RespondError::NoSuchPage)?;
    let page_fields = only_this_page(section, posted)?;

    let mut fields = Stored(snapshot).fields(survey);
    fields.retain(|name, _| !page_fields.contains(name));
    fields.extend(posted.iter().map(|(k, v)| (k.clone(), v.clone())));
    // What a link or an invitation fixed wins over anything posted.
    fields.extend(fixed_fields(section, &snapshot.fixed));
    let validation = validate(survey, &fields);

    // The page must be shown to this respondent, and every page before it complete.
    if !validation.may_answer(survey, section_id) {
        return Err(RespondError::OutOfOrder);
    }
    let mut errors = validation.errors_in(survey, section_id);
    errors.extend(answers_not_asked(section, &validation, posted));
    if !errors.is_empty() {
        return Err(RespondError::Invalid(errors));
    }

    let status = match validation.ended {
        Some(Ending::Refused) => Some(ResponseStatus::Refused),
        Some(Ending::ScreenedOut) => Some(ResponseStatus::ScreenedOut),
        None => None,
    };
    let mut page = page_save(survey, snapshot, &validation, section_id, status);
    page.lang = lang.filter(|l| *l != response.lang);
    // A page that sets the role or the province may put the respondent in a full cell.
    let strata = &survey.strata;
    let quota_full = status.is_none()
        && page.breakdown.iter().any(|(q, _)| strata.contains(q))
        && quotas::full_for(
            conn,
            response.survey_id,
            strata,
            chosen(&validation, strata.role.as_ref()),
            chosen(&validation, strata.province.as_ref()),
        )
        .await?;
    if quota_full {
        page.status = Some(ResponseStatus::QuotaFull);
    }
    if !responses::write(conn, snapshot, &page).await? {
        return Ok(None);
    }
    let saved = match (validation.ended, validation.next_section(section_id)) {
        (Some(ending), _) => Saved::Ended(ending),
        (None, _) if quota_full => Saved::QuotaFull,
        (None, Some(next)) => Saved::Next(next.clone()),
        (None, None) => Saved::Review,
    };
    Ok(Some((saved, page)))
}

/// The fixed answers to this section's questions, as the form fields that carry them (a
/// single-choice question's field is its ID).
fn fixed_fields(section: &Section, fixed: &BTreeMap<String, String>) -> RawAnswers {
    section
        .questions
        .iter()
        .filter_map(|q| {
            let code = fixed.get(q.id.as_str())?;
            Some((q.id.to_string(), vec![code.clone()]))
        })
        .collect()
}

/// The code chosen for a single-choice question, if answered.
fn chosen<'v>(validation: &'v Validation, question: Option<&QuestionId>) -> Option<&'v str> {
    match validation.outcome(question?.as_str()) {
        Some(Outcome::Answered {
            answer: Answer::Choice { code, .. },
        }) => Some(code.as_str()),
        _ => None,
    }
}

/// The final submit: everything shown must be answered; then the response is completed.
pub async fn submit(
    conn: &mut PgConnection,
    public_id: PublicId,
    survey: &Survey,
) -> Result<(), RespondError> {
    for _ in 0..ATTEMPTS {
        let snapshot = Key::Public(public_id).read(conn).await?;
        if submit_on(conn, &snapshot, survey).await? {
            return Ok(());
        }
    }
    Err(RespondError::Busy)
}

/// Completes the response of `snapshot` if everything shown is answered. `false` when
/// another write came first.
async fn submit_on(
    conn: &mut PgConnection,
    snapshot: &Snapshot,
    survey: &Survey,
) -> Result<bool, RespondError> {
    let response = &snapshot.response;
    if response.status != ResponseStatus::InProgress {
        return Err(RespondError::Closed(response.status));
    }
    let fields = Stored(snapshot).fields(survey);
    let validation = validate(survey, &fields);
    if let Some(section) = validation.first_incomplete(survey) {
        return Err(RespondError::Incomplete(section.clone()));
    }
    let last = validation
        .relevant_sections
        .last()
        .cloned()
        .ok_or(RespondError::OutOfOrder)?;
    let page = PageSave {
        section: last.to_string(),
        status: Some(ResponseStatus::Completed),
        ..PageSave::default()
    };
    Ok(responses::write(conn, snapshot, &page).await?)
}

/// Questions of the page that do not apply to this respondent but were posted a value.
fn answers_not_asked(
    section: &Section,
    validation: &Validation,
    posted: &RawAnswers,
) -> Vec<(QuestionId, AnswerError)> {
    section
        .questions
        .iter()
        .filter(|q| matches!(validation.outcome(q.id.as_str()), Some(Outcome::NotAsked)))
        .filter(|q| {
            posted.iter().any(|(name, values)| {
                canvass_core::answers::reads_field(q, name)
                    && values.iter().any(|v| !v.trim().is_empty())
            })
        })
        .map(|q| (q.id.clone(), AnswerError::NotAsked))
        .collect()
}

/// The field names of `section`, once every posted field is known to be one of them.
fn only_this_page(section: &Section, posted: &RawAnswers) -> Result<HashSet<String>, RespondError> {
    let page_fields: HashSet<String> = section
        .questions
        .iter()
        .flat_map(canvass_core::answers::fields_of)
        .collect();
    let stray: Vec<String> = posted
        .keys()
        .filter(|f| !page_fields.contains(f.as_str()))
        .map(|f| f.chars().take(64).collect())
        .collect();
    if stray.is_empty() {
        Ok(page_fields)
    } else {
        Err(RespondError::NotOnThisPage(stray))
    }
}

/// A response found by its resume code, with the model of the version it is answered in.
#[derive(Debug, Clone)]
pub struct Found {
    pub response: Response,
    pub survey: Arc<Survey>,
}

/// The response a resume code opens (`NotFound` for any other code).
pub async fn find(
    conn: &mut PgConnection,
    catalog: &Catalog,
    code: &ResumeCode,
) -> Result<Found, RespondError> {
    let response = responses::by_resume_code(conn, code)
        .await?
        .ok_or(RespondError::NotFound)?;
    let survey = catalog
        .version(conn, response.survey_id, response.survey_version)
        .await?;
    Ok(Found { response, survey })
}

/// A response found by its resume code, with everything stored as form fields.
#[derive(Debug, Clone)]
pub struct Opened {
    pub response: Response,
    pub survey: Arc<Survey>,
    pub fields: RawAnswers,
    /// Question ID → the choice code a link or an invitation fixed (shown read-only).
    pub fixed: BTreeMap<String, String>,
}

/// Opens a response to show one of its pages (read-only).
pub async fn open(
    conn: &mut PgConnection,
    catalog: &Catalog,
    code: &ResumeCode,
) -> Result<Opened, RespondError> {
    let (snapshot, survey) = read_with_survey(conn, catalog, code).await?;
    let fields = Stored(&snapshot).fields(&survey);
    Ok(Opened {
        response: snapshot.response,
        survey,
        fields,
        fixed: snapshot.fixed,
    })
}

/// The response a resume code opens, as read for a write, and the survey version it is
/// answered in.
async fn read_with_survey(
    conn: &mut PgConnection,
    catalog: &Catalog,
    code: &ResumeCode,
) -> Result<(Snapshot, Arc<Survey>), RespondError> {
    let snapshot = Key::Code(code).read(conn).await?;
    let survey = survey_of(conn, catalog, &snapshot).await?;
    Ok((snapshot, survey))
}

/// The survey version a response is answered in, parsed (once per process, by `catalog`).
async fn survey_of(
    conn: &mut PgConnection,
    catalog: &Catalog,
    snapshot: &Snapshot,
) -> Result<Arc<Survey>, RespondError> {
    let response = &snapshot.response;
    Ok(catalog
        .version(conn, response.survey_id, response.survey_version)
        .await?)
}

/// Saves a page of the response a resume code opens, and remembers the language the
/// respondent is now using. One round trip when `recent` holds what this server's previous
/// save of the response left (a conditional write); otherwise two (a read, then the write).
/// `recent` keeps what this save leaves only when `conn` is outside a transaction.
pub async fn save_by_code(
    conn: &mut PgConnection,
    catalog: &Catalog,
    recent: &Recent,
    code: &ResumeCode,
    section: &str,
    posted: &RawAnswers,
    lang: Lang,
) -> Result<(Saved, SurveyOf), RespondError> {
    let section = SectionId::parse(section).map_err(|_| RespondError::NoSuchPage)?;
    // A kept snapshot may be stale (another server or device saved since): anything but a
    // successful write from it, even a refusal, is decided again from a fresh read.
    let mut kept = recent.take(code);
    let mut reads = 0;
    loop {
        let from_kept = kept.is_some();
        let snapshot = match kept.take() {
            Some(snapshot) => snapshot,
            None if reads < ATTEMPTS => {
                reads += 1;
                Key::Code(code).read(conn).await?
            }
            None => return Err(RespondError::Busy),
        };
        let survey = survey_of(conn, catalog, &snapshot).await?;
        match save_on(conn, &snapshot, &survey, &section, posted, Some(lang)).await {
            Ok(Some((saved, page))) => {
                if !conn.is_in_transaction() {
                    recent.keep(code, snapshot.after(&page));
                }
                return Ok((saved, SurveyOf(snapshot.response.survey_id)));
            }
            Ok(None) => {}
            Err(_) if from_kept => {}
            Err(error) => return Err(error),
        }
    }
}

/// The survey a saved or submitted response belongs to (its database ID), for whoever
/// follows that survey's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyOf(pub SurveyId);

/// Submits the response a resume code opens.
pub async fn submit_by_code(
    conn: &mut PgConnection,
    catalog: &Catalog,
    code: &ResumeCode,
) -> Result<SurveyOf, RespondError> {
    for _ in 0..ATTEMPTS {
        let (snapshot, survey) = read_with_survey(conn, catalog, code).await?;
        if submit_on(conn, &snapshot, &survey).await? {
            return Ok(SurveyOf(snapshot.response.survey_id));
        }
    }
    Err(RespondError::Busy)
}

/// A response begun from the survey's first page.
#[derive(Debug, Clone)]
pub struct Begun {
    pub started: Started,
    pub saved: Saved,
}

/// Starts a response with its first page (the consent): nothing is created unless that page
/// is valid, so a page view, a link preview or an empty post leaves no trace.
pub async fn begin(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    survey: &Survey,
    lang: Lang,
    origin: Origin,
    posted: &RawAnswers,
) -> Result<Begun, RespondError> {
    let first = survey.sections.first().ok_or(RespondError::NoSuchPage)?;
    only_this_page(first, posted)?;
    let errors = validate(survey, posted).errors_in(survey, &first.id);
    if !errors.is_empty() {
        return Err(RespondError::Invalid(errors));
    }
    let fixed: BTreeMap<String, String> = origin.fixed.iter().cloned().collect();
    let started = responses::start(conn, survey_id, survey.version, lang, origin).await?;
    let mut saved = save_section(conn, started.public_id, survey, &first.id, posted).await?;
    // Pages whose every question is fixed (the screening page, when a link fixes the role)
    // are saved with the fixed answers and skipped.
    while let Saved::Next(next) = &saved {
        let Some(section) = survey.section(next.as_str()) else {
            break;
        };
        let all_fixed = !section.questions.is_empty()
            && section
                .questions
                .iter()
                .all(|q| fixed.contains_key(q.id.as_str()));
        if !all_fixed {
            break;
        }
        let answers = fixed_fields(section, &fixed);
        saved = save_section(conn, started.public_id, survey, &section.id, &answers).await?;
    }
    Ok(Begun { started, saved })
}

fn position(validation: &Validation, section: &SectionId) -> usize {
    validation
        .relevant_sections
        .iter()
        .position(|s| s == section)
        .unwrap_or(usize::MAX)
}

/// What to write: outcomes up to and including this page (never future pages the
/// respondent has not seen), plus "not asked" wherever an answer stopped being relevant —
/// and of those only what differs from `stored`, so a page saved again, or the pages
/// before it, cost no writes.
fn page_save(
    survey: &Survey,
    stored: &Snapshot,
    validation: &Validation,
    section_id: &SectionId,
    status: Option<ResponseStatus>,
) -> PageSave {
    let reached = position(validation, section_id);
    let mut page = PageSave {
        section: section_id.to_string(),
        status,
        ..PageSave::default()
    };
    // Outcomes come in survey order: walk them alongside the questions.
    let mut outcomes = validation.outcomes.iter().peekable();
    for section in &survey.sections {
        let shown_at = validation
            .relevant_sections
            .iter()
            .position(|s| *s == section.id);
        for question in &section.questions {
            let Some((_, outcome)) = outcomes.next_if(|(id, _)| *id == question.id) else {
                continue;
            };
            let seen = shown_at.is_some_and(|at| at <= reached);
            let write = matches!(outcome, Outcome::NotAsked)
                || (seen && !matches!(outcome, Outcome::Invalid { .. }));
            if !write {
                continue;
            }
            let id = question.id.as_str();
            if question.disclosure == Disclosure::DirectIdentifier {
                let value = match outcome {
                    Outcome::Answered { answer } => answer
                        .to_fields(question)
                        .remove(id)
                        .and_then(|mut v| v.pop()),
                    _ => None,
                };
                if stored.contacts.get(id) != value.as_ref() {
                    page.contacts.push((id.to_owned(), value));
                }
            } else if stored.answers.get(id) != Some(outcome) {
                page.answers.push((id.to_owned(), outcome.clone()));
                if survey.breakdowns.contains(&question.id) {
                    let code = match outcome {
                        Outcome::Answered {
                            answer: Answer::Choice { code, .. },
                        } => Some(code.to_string()),
                        _ => None,
                    };
                    page.breakdown.push((id.to_owned(), code));
                }
            }
        }
    }
    page
}

#[cfg(test)]
mod tests;
