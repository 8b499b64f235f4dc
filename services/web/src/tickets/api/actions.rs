//! Changes of tickets through the API: create, reply, claim, release, close, reopen, assign. Each runs the same
//! domain operation as the UI in one transaction, then hands the outbox rows to the relay.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{CategoryId, PriorityId, StatusId, TicketId, Title, UserId};
use flicket_core::permissions::Actor;
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::{catalog, users};
use flicket_core::tickets::Body;
use flicket_core::tickets::ops::{self, NewTicketInput, ReplyInput};
use serde::Deserialize;
use utoipa::ToSchema;

use super::super::Step;
use super::HoursIn;
use super::view::{Post, Ticket, load, one_post};
use crate::api::error::ApiErrorBody;
use crate::api::input::{Fields, body};
use crate::api::{ApiError, ApiUser};
use crate::extract::ApiId;
use crate::run::run;
use crate::state::AppState;

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
    let id = run(&state, async |c| ops::create(c, &actor, &input).await).await?;
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
    ApiId(id): ApiId<TicketId>,
    b: Result<Json<NewReply>, JsonRejection>,
) -> Result<Response, ApiError> {
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
    let (post_id, _) = run(&state, async |c| ops::reply(c, &actor, id, &input).await).await?;
    let post = one_post(&state, id, post_id).await?;
    let location = format!("/api/v1/tickets/{id}/posts");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(post),
    )
        .into_response())
}

/// Makes a workflow change in its own transaction and returns the ticket.
async fn apply(
    state: &AppState,
    user: &SessionUser,
    id: TicketId,
    step: Step,
) -> Result<Json<Ticket>, ApiError> {
    let actor = Actor::from(user);
    run(state, async |c| step.apply(c, &actor, id).await).await?;
    Ok(Json(load(state, &actor, id).await?.into()))
}

/// Claims a ticket for oneself (status In Work).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/claim", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
) -> Result<Json<Ticket>, ApiError> {
    apply(&state, &user, id, Step::Claim).await
}

/// Releases a ticket (no assignee, status Open).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/release", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
) -> Result<Json<Ticket>, ApiError> {
    apply(&state, &user, id, Step::Release).await
}

/// Closes a ticket (its creator, its assignee or an admin).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
) -> Result<Json<Ticket>, ApiError> {
    apply(&state, &user, id, Step::Close).await
}

/// Reopens a closed ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
) -> Result<Json<Ticket>, ApiError> {
    apply(&state, &user, id, Step::Reopen).await
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
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
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
    apply(&state, &user, id, Step::Assign(username)).await
}
