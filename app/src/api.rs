//! What the respondent's pages load and post: the data types both sides share, and the
//! server functions that load a page. Each server function is a thin shell over
//! [`crate::backend`], which only the server compiles.

use canvass_core::answers::{AnswerError, RawAnswers};
use canvass_core::survey::{QuestionId, SectionId, Survey, Text};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A page's data, or why there is no page to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Load<T> {
    Ready(T),
    /// Unknown survey, resume code or section: the page answers 404.
    NotFound,
    /// The respondent belongs elsewhere (a later page, the end page): go there.
    Redirect(String),
}

/// One section of a survey as a form, with every answer the respondent has so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageData {
    /// The resume code (empty on the welcome page, before a response exists).
    pub code: String,
    /// The whole model: the browser validates and branches with it, as the server does.
    pub survey: Survey,
    pub section: SectionId,
    /// Every stored answer as form fields; on a re-rendered failed post, this page's fields
    /// are the ones posted.
    pub fields: RawAnswers,
    /// A post of this page failed: show its errors at once.
    pub attempted: bool,
    /// The errors the server found in that post (the live validation finds the same ones,
    /// except an answer to a question that does not apply, which no live form can send).
    pub errors: Vec<(QuestionId, AnswerError)>,
    /// Answers a link or an invitation fixed (question ID → choice code): shown, not asked.
    pub fixed: Vec<(String, String)>,
}

/// `/s/{slug}`: the welcome and consent page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub slug: String,
    pub page: PageData,
    /// The resume code of a response this browser started and has not finished.
    pub resume: Option<String>,
}

/// `/r/{code}/review`: every answer, before the final submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub code: String,
    pub survey: Survey,
    pub fields: RawAnswers,
}

/// How a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ending {
    Completed,
    Refused,
    ScreenedOut,
    /// Their group's quota was full.
    QuotaFull,
}

/// `/r/{code}/end`: the thank-you page, or the polite end of a refusal or a screen-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub title: Text,
    pub ending: Ending,
}

/// Why a post was refused as a whole (rather than with errors next to fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// No such survey, response or page (a mistyped, forged or foreign link).
    NotFound,
    /// The response is submitted or ended: it can no longer change.
    Closed,
    /// A page the respondent is not shown, or not yet.
    OutOfOrder,
    /// Fields that are not on this page (a stale or tampered form).
    NotOnThisPage,
    /// A body that is not a form (not UTF-8, far too many fields).
    Malformed,
    /// A body over the size limit.
    TooLarge,
    /// The server could not save (database unavailable).
    Unavailable,
    /// A distribution link staff have closed.
    LinkClosed,
    /// An invitation that began a response already, used in a browser that did not begin
    /// it: the page asks for the response's resume link or code.
    InvitationUsed,
    /// A resume link or code, as typed, that opens no response.
    UnknownResumeCode,
    /// Too many responses begun lately from this address or through this link.
    TooManyStarts,
}

impl Problem {
    pub fn status(self) -> u16 {
        match self {
            Problem::NotFound | Problem::UnknownResumeCode => 404,
            Problem::Closed | Problem::OutOfOrder | Problem::InvitationUsed => 409,
            Problem::NotOnThisPage | Problem::Malformed => 400,
            Problem::TooLarge => 413,
            Problem::Unavailable => 503,
            Problem::LinkClosed => 410,
            Problem::TooManyStarts => 429,
        }
    }

    /// The problem an HTTP status stands for, when the body said nothing readable.
    pub fn from_status(status: u16) -> Problem {
        match status {
            404 => Problem::NotFound,
            409 => Problem::Closed,
            400 => Problem::Malformed,
            413 => Problem::TooLarge,
            410 => Problem::LinkClosed,
            429 => Problem::TooManyStarts,
            _ => Problem::Unavailable,
        }
    }
}

/// What a post answers when the browser asks for JSON (`Accept: application/json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SaveReply {
    /// Saved: go to `next`.
    Saved { next: String },
    /// Nothing was saved: these answers need attention.
    Invalid {
        errors: Vec<(QuestionId, AnswerError)>,
    },
    /// Nothing was saved, for this reason.
    Refused { problem: Problem },
}

/// A failed post being rendered again, with what was posted (server side, one render).
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    /// The section posted (the first section for the welcome page).
    pub section: String,
    pub fields: RawAnswers,
    pub errors: Vec<(QuestionId, AnswerError)>,
}

/// Where each page of a response lives.
pub mod paths {
    /// The form that takes a resume link or code as typed (`?code=…`).
    pub const RESUME_TYPED: &str = "/resume";

    pub fn resume(code: &str) -> String {
        format!("/r/{code}")
    }
    pub fn section(code: &str, section: &str) -> String {
        format!("/r/{code}/{section}")
    }
    pub fn review(code: &str) -> String {
        format!("/r/{code}/review")
    }
    pub fn end(code: &str) -> String {
        format!("/r/{code}/end")
    }
    pub fn welcome(slug: &str) -> String {
        format!("/s/{slug}")
    }
    /// Where "not me" posts: forgets the unfinished response this browser remembers.
    pub fn forget(slug: &str) -> String {
        format!("/s/{slug}/forget")
    }
}

#[server]
pub async fn load_welcome(slug: String) -> Result<Load<Welcome>, ServerFnError> {
    crate::backend::welcome(&slug).await
}

#[server]
pub async fn load_section(code: String, section: String) -> Result<Load<PageData>, ServerFnError> {
    crate::backend::section(&code, &section).await
}

#[server]
pub async fn load_review(code: String) -> Result<Load<Review>, ServerFnError> {
    crate::backend::review(&code).await
}

#[server]
pub async fn load_end(code: String) -> Result<Load<Ended>, ServerFnError> {
    crate::backend::ended(&code).await
}
