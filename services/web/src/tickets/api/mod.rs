//! The tickets under `/api/v1`: a ticket, its replies, activity, edit history, attachments and subscribers, and its
//! changes (raise, reply, edit, the workflow), each through the same operation as the pages, run by
//! [`crate::run::run`].

mod actions;
mod attachments;
mod edit;
mod subscribers;
mod view;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{ParseError, TicketId};
use flicket_core::permissions::Actor;
use flicket_core::repo::tickets::TicketView;
use flicket_core::tickets::Hours;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser, site};
use crate::extract::ApiId;
use crate::state::AppState;

/// The routes (`GET /api/v1/tickets`, the list, is the `listing` area's).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(actions::create))
        .routes(routes!(view::get, edit::update))
        .routes(routes!(edit::history))
        .routes(routes!(subscribers::list, subscribers::subscribe))
        .routes(routes!(subscribers::unsubscribe))
        // Uploads are streamed by their handler, which applies the upload limits of the settings.
        .routes(routes!(attachments::upload, attachments::list).layer(DefaultBodyLimit::disable()))
        .routes(routes!(attachments::download))
        .routes(routes!(view::posts))
        .routes(routes!(view::activity))
        .routes(routes!(actions::reply))
        .routes(routes!(actions::claim))
        .routes(routes!(actions::release))
        .routes(routes!(actions::close))
        .routes(routes!(actions::reopen))
        .routes(routes!(actions::assign))
}

/// Hours as a number (`1.5`) or a string (`"1.5"`).
#[derive(Deserialize, ToSchema, Clone)]
#[serde(untagged)]
pub enum HoursIn {
    Number(f64),
    Text(String),
}

impl HoursIn {
    fn parse(v: Option<&HoursIn>) -> Result<Hours, ParseError> {
        match v {
            None => Ok(Hours::default()),
            Some(HoursIn::Text(s)) => Hours::parse(s),
            Some(HoursIn::Number(n)) => Hours::parse(&format!("{n}")),
        }
    }
}

/// A ticket the caller may see, as the `GET`s of `/api/v1/tickets/{id}` and of its collections take it, with `Q`
/// read from the request too. In this order: no valid token is a 401, a malformed id a 404, a refused `Q` its own
/// answer; then a missing ticket is a 404, one the caller may not see a 403 ([`view::load`]).
pub(super) struct Seen<Q = ()> {
    state: AppState,
    ticket: TicketView,
    query: Q,
}

/// A ticket the caller may see, and the page asked for of one of its collections.
type Listed = Seen<Query<PageParams>>;

impl<Q> FromRequestParts<AppState> for Seen<Q>
where
    Q: FromRequestParts<AppState> + Send,
    Q::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ApiUser(user) = ApiUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ApiId(id) = ApiId::<TicketId>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let query = Q::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ticket = view::load(state, &Actor::from(&user), id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            state: state.clone(),
            ticket,
            query,
        })
    }
}

impl Listed {
    /// The ticket's id.
    fn id(&self) -> TicketId {
        self.ticket.ticket_id
    }

    /// The page asked for of the collection `what` (`posts`, `activity` …).
    async fn paged(&self, what: &str) -> Result<Paged, ApiError> {
        Paged::of(&self.state, self.id(), what, &self.query.0).await
    }
}

/// The page asked for of one of a ticket's collections (`/api/v1/tickets/{id}/posts` …), and its links.
struct Paged {
    base: String,
    path: String,
    page: i64,
    per_page: i64,
}

impl Paged {
    /// `what` is the collection's name (`posts`, `activity` …).
    async fn of(
        state: &AppState,
        id: TicketId,
        what: &str,
        paging: &PageParams,
    ) -> Result<Self, ApiError> {
        let (base, default) = site(state).await?;
        let (page, per_page) = paging.resolve(default);
        Ok(Self {
            base,
            path: format!("/api/v1/tickets/{id}/{what}"),
            page,
            per_page,
        })
    }

    /// The number of items before the page.
    fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    fn url(&self, p: i64) -> String {
        let Self {
            base,
            path,
            per_page,
            ..
        } = self;
        format!("{base}{path}?page={p}&per_page={per_page}")
    }

    /// The page of `total` items whose `items` were read.
    fn page<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page::new(items, self.page, self.per_page, total, |p| self.url(p))
    }

    /// The page of a short collection read whole.
    fn slice<T>(&self, all: Vec<T>) -> Page<T> {
        Page::slice(all, self.page, self.per_page, |p| self.url(p))
    }
}
