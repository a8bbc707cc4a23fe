//! What every handler needs, as extractors whose rejection is an [`AppError`]: the posted
//! form's fields ([`Form`]), a typed ID in the path ([`IdPath`]), and the signed-in
//! staff member with what a refused form needs to be rendered again ([`StaffCall`]).
//! With them, a handler reads as a script: parse, call, answer.

use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use canvass_app::api::Problem;
use canvass_app::staff::{SignedIn, StaffError, StaffPosted};
use canvass_core::answers::{RawAnswers, from_urlencoded};
use canvass_core::ids::{NotAnId, SurveyId};
use canvass_core::survey::Survey;
use canvass_db::{PgConnection, Postgres, Transaction};
use leptos::prelude::provide_context;

use crate::AppState;
use crate::error::AppError;
use crate::staff::{Roles, Staff};

/// A posted form's fields (`application/x-www-form-urlencoded`, strict UTF-8): the first
/// value of each. A body that is not such a form is refused as malformed (400); one over
/// the body limit as too large (413).
pub struct Form(pub Fields);

/// A form's fields by name.
pub struct Fields(RawAnswers);

impl Fields {
    /// `None` for a body that is not a form (not UTF-8, far too many fields).
    pub fn parse(body: &[u8]) -> Option<Fields> {
        from_urlencoded(body).ok().map(Fields)
    }

    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|values| values.first())
            .map_or("", String::as_str)
    }

    /// Every (name, value), a repeated name once per value, in name order.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .flat_map(|(name, values)| values.iter().map(move |v| (name.clone(), v.clone())))
            .collect()
    }

    /// What comes back into the form when it is refused: the named fields, never a password.
    pub fn kept(&self, names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|name| ((*name).to_owned(), self.get(name).to_owned()))
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => AppError::problem(Problem::TooLarge),
                    _ => AppError::MALFORMED,
                })?;
        Fields::parse(&body).map(Form).ok_or(AppError::MALFORMED)
    }
}

/// The path's one parameter as an ID of the kind `T` names (`IdPath<StaffId>` for
/// `/staff/users/{id}`), read by the IDs' one parser. Anything else names no such thing: 404.
pub struct IdPath<T>(pub T);

impl<T, S> FromRequestParts<S> for IdPath<T>
where
    T: FromStr<Err = NotAnId> + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NOT_FOUND)?;
        id.parse()
            .map(IdPath)
            .map_err(|NotAnId| AppError::NOT_FOUND)
    }
}

/// A staff handler's call: who is signed in (with a role among `R`'s, else the request is
/// refused before the handler runs), the state, and the request's headers, with which a
/// refused form is rendered again in the user's language.
pub struct StaffCall<R: Roles> {
    pub state: AppState,
    pub me: SignedIn,
    headers: HeaderMap,
    roles: PhantomData<R>,
}

impl<R: Roles> FromRequestParts<AppState> for StaffCall<R> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Staff(me, _) = Staff::<R>::from_request_parts(parts, state).await?;
        Ok(StaffCall {
            state: state.clone(),
            me,
            headers: parts.headers.clone(),
            roles: PhantomData,
        })
    }
}

impl<R: Roles> StaffCall<R> {
    /// A transaction, and the newest version of the survey at `slug` read in it (404 when
    /// there is no such survey): how every post about one survey's links, quotas or
    /// invitations begins.
    pub async fn begin_with_survey(
        &self,
        slug: &str,
    ) -> Result<(Transaction<'static, Postgres>, SurveyId, Arc<Survey>), AppError> {
        let mut tx = self.state.pool.begin().await?;
        let (survey_id, survey) = self.state.survey(&mut tx, slug).await?;
        Ok((tx, survey_id, survey))
    }

    /// The page at `path` again, with the refused post of `form` in it: what was typed in
    /// the `kept` fields and each field's error.
    pub async fn refuse(
        &self,
        path: &str,
        status: StatusCode,
        form: &str,
        kept: Vec<(String, String)>,
        errors: Vec<(String, StaffError)>,
    ) -> Response {
        let posted = StaffPosted {
            form: form.to_owned(),
            fields: kept,
            errors,
        };
        refused_form(
            &self.state,
            path,
            &self.headers,
            Some(&self.me),
            status,
            posted,
        )
        .await
    }

    /// The page at `path` rendered as a GET would, with `status` and `provide` in context
    /// (a page that shows the result of the post, such as a new token, once).
    pub async fn render(
        &self,
        path: &'static str,
        status: StatusCode,
        provide: impl Fn() + Clone + Send + Sync + 'static,
    ) -> Response {
        let mut extensions = Extensions::new();
        extensions.insert(self.me.clone());
        let uri = Uri::from_static(path);
        crate::render::page(
            &self.state,
            uri,
            self.headers.clone(),
            extensions,
            status,
            provide,
        )
        .await
    }
}

/// The page at `path` again, with this failed post in it.
pub async fn refused_form(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    me: Option<&SignedIn>,
    status: StatusCode,
    posted: StaffPosted,
) -> Response {
    let mut extensions = Extensions::new();
    if let Some(me) = me {
        extensions.insert(me.clone());
    }
    let uri = Uri::try_from(path).unwrap_or_default();
    crate::render::page(state, uri, headers.clone(), extensions, status, move || {
        provide_context(posted.clone())
    })
    .await
}

impl AppState {
    /// The newest published version of the survey at `slug` and its ID: 404 when there is
    /// no such survey.
    pub async fn survey(
        &self,
        conn: &mut PgConnection,
        slug: &str,
    ) -> Result<(SurveyId, Arc<Survey>), AppError> {
        self.catalog
            .latest(conn, slug)
            .await?
            .ok_or(AppError::NOT_FOUND)
    }
}

/// The client's address (a proxy's header when configured, else the TCP peer), for
/// throttling and respondent limits only: keyed before it is stored, never logged.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0);
        Ok(ClientAddress(crate::staff::client_address(
            &parts.headers,
            peer,
            &state.staff.settings,
        )))
    }
}
