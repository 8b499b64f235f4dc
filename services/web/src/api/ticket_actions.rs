//! Changes of tickets through the API: create, reply, claim, release, close, reopen, assign. Each runs the same
//! domain operation as the UI in one transaction, then hands the outbox rows to the relay.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{CategoryId, ParseError, PriorityId, StatusId, TicketId, Title, UserId};
use flicket_core::permissions::Actor;
use flicket_core::repo::{catalog, users};
use flicket_core::tickets::ops::{self, NewTicketInput, ReplyInput};
use flicket_core::tickets::{Body, Hours};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::ticket_view::{Post, Ticket, load, one_post};
use super::{ApiError, ApiUser, parse_id};
use crate::state::AppState;

/// Hours as a number (`1.5`) or a string (`"1.5"`).
#[derive(Deserialize, ToSchema, Clone)]
#[serde(untagged)]
pub enum HoursIn {
    Number(f64),
    Text(String),
}

impl HoursIn {
    pub(super) fn parse(v: Option<&HoursIn>) -> Result<Hours, ParseError> {
        match v {
            None => Ok(Hours::default()),
            Some(HoursIn::Text(s)) => Hours::parse(s),
            Some(HoursIn::Number(n)) => Hours::parse(&format!("{n}")),
        }
    }
}

/// A new ticket.
#[derive(Deserialize, ToSchema)]
pub struct NewTicket {
    /// 3 to 128 characters.
    title: String,
    /// Markdown, 5 to 10,000 characters.
    content: String,
    category_id: i64,
    priority_id: i64,
    #[serde(default)]
    hours: Option<HoursIn>,
}

/// A reply; status and priority default to the ticket's (a reply to a closed ticket reopens it).
#[derive(Deserialize, ToSchema)]
pub struct NewReply {
    /// Markdown, 5 to 10,000 characters.
    content: String,
    #[serde(default)]
    status_id: Option<i64>,
    #[serde(default)]
    priority_id: Option<i64>,
    #[serde(default)]
    hours: Option<HoursIn>,
}

/// Whom to assign: `user_id` or `username`.
#[derive(Deserialize, ToSchema)]
pub struct Assignment {
    #[serde(default)]
    user_id: Option<i64>,
    #[serde(default)]
    username: Option<String>,
}

/// Collects the problems of every field, so one 422 lists them all.
#[derive(Default)]
pub(super) struct Fields(pub(super) BTreeMap<String, String>);

impl Fields {
    pub(super) fn take<T>(&mut self, field: &str, r: Result<T, ParseError>) -> Option<T> {
        r.map_err(|e| {
            self.0
                .insert(field.to_owned(), flicket_core::Locale::En.t(e.key));
        })
        .ok()
    }
    pub(super) fn error(self) -> ApiError {
        ApiError::invalid(self.0)
    }
}

pub(super) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|r| ApiError::from_json(&r))
}

/// Raises a ticket.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = NewTicket,
    responses((status = 201, body = Ticket, headers(("Location" = String))), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 413, body = ApiErrorBody),
              (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    b: Result<Json<NewTicket>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = body(b)?;
    let mut f = Fields::default();
    let title = f.take("title", Title::parse(&b.title));
    let content = f.take("content", Body::parse(&b.content));
    let hours = f.take("hours", HoursIn::parse(b.hours.as_ref()));
    let (Some(title), Some(body), Some(hours)) = (title, content, hours) else {
        return Err(f.error());
    };
    let input = NewTicketInput {
        title,
        body,
        priority_id: PriorityId(b.priority_id),
        category_id: CategoryId(b.category_id),
        hours,
        files: vec![],
    };
    let actor = Actor::from(&user);
    let mut tx = state.pool.begin().await?;
    let id = ops::create(&mut tx, &actor, &input).await?;
    tx.commit().await?;
    let ticket: Ticket = load(&state, &actor, id).await?.into();
    let location = format!("/api/v1/tickets/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ticket),
    )
        .into_response())
}

/// Replies to a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/replies", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = NewReply,
    responses((status = 201, body = Post), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody),
              (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    b: Result<Json<NewReply>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id: TicketId = parse_id(&id)?;
    let b = body(b)?;
    let actor = Actor::from(&user);
    let t = load(&state, &actor, id).await?;
    let mut f = Fields::default();
    let content = f.take("content", Body::parse(&b.content));
    let hours = f.take("hours", HoursIn::parse(b.hours.as_ref()));
    let (Some(body), Some(hours)) = (content, hours) else {
        return Err(f.error());
    };
    // As the UI's form: the current status, or Open for a closed ticket (a reply reopens it).
    let status_id = match b.status_id {
        Some(s) => StatusId(s),
        None if t.status_kind == "closed" => {
            catalog::status_of_kind(&state.pool, "open")
                .await?
                .status_id
        }
        None => t.status_id,
    };
    let input = ReplyInput {
        body,
        status_id,
        priority_id: b.priority_id.map_or(t.priority_id, PriorityId),
        hours,
        files: vec![],
        and_close: false,
    };
    let mut tx = state.pool.begin().await?;
    let (post_id, changed) = ops::reply(&mut tx, &actor, id, &input).await?;
    tx.commit().await?;
    state.relay.after_commit(changed.outbox_ids);
    let post = one_post(&state, id, post_id).await?;
    let location = format!("/api/v1/tickets/{id}/posts");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(post),
    )
        .into_response())
}

/// A workflow change.
enum Action {
    Claim,
    Release,
    Close,
    Reopen,
    Assign(String),
}

/// Runs one workflow change in a transaction, commits, hands over the outbox rows, and returns the ticket.
async fn run(
    state: &AppState,
    user: &ApiUser,
    raw_id: &str,
    action: Action,
) -> Result<Json<Ticket>, ApiError> {
    let id: TicketId = parse_id(raw_id)?;
    let actor = Actor::from(&user.0);
    let mut tx = state.pool.begin().await?;
    let ids = match &action {
        Action::Claim => ops::claim(&mut tx, &actor, id).await?,
        Action::Release => ops::release(&mut tx, &actor, id).await?,
        Action::Close => ops::close(&mut tx, &actor, id).await?,
        Action::Reopen => ops::reopen(&mut tx, &actor, id).await?,
        Action::Assign(username) => ops::assign(&mut tx, &actor, id, username).await?,
    };
    tx.commit().await?;
    state.relay.after_commit(ids);
    Ok(Json(load(state, &actor, id).await?.into()))
}

/// Claims a ticket for oneself (status In Work).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/claim", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, ApiError> {
    run(&state, &user, &id, Action::Claim).await
}

/// Releases a ticket (no assignee, status Open).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/release", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, ApiError> {
    run(&state, &user, &id, Action::Release).await
}

/// Closes a ticket (its creator, its assignee or an admin).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, ApiError> {
    run(&state, &user, &id, Action::Close).await
}

/// Reopens a closed ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, ApiError> {
    run(&state, &user, &id, Action::Reopen).await
}

/// Assigns a ticket to an enabled user, by `user_id` or `username` (status In Work).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/assign", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = Assignment,
    responses((status = 200, body = Ticket), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    b: Result<Json<Assignment>, JsonRejection>,
) -> Result<Json<Ticket>, ApiError> {
    let b = body(b)?;
    let username = match (b.user_id, b.username) {
        (Some(uid), _) => users::profile(&state.pool, UserId(uid))
            .await?
            .map(|p| p.username)
            .ok_or_else(|| ApiError::field("user_id", "ticket-error-unknown-user"))?,
        (None, Some(name)) => name,
        (None, None) => return Err(ApiError::field("username", "ticket-error-unknown-user")),
    };
    run(&state, &user, &id, Action::Assign(username)).await
}
