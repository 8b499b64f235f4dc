//! `/api/v1/tickets/{id}/subscribers`: who follows a ticket. Anyone may subscribe anyone enabled (as on the ticket
//! page); unsubscribing someone else is for admins and super users.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{TicketId, UserId};
use flicket_core::permissions::Actor;
use flicket_core::repo::{subscriptions, users};
use flicket_core::tickets::ops::{self, OpError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::view::load;
use super::{Listed, Paged};
use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser};
use crate::extract::{ApiId, ApiIds};
use crate::run::run;
use crate::state::AppState;

/// A subscriber.
#[derive(Serialize, ToSchema)]
pub struct Subscriber {
    user_id: i64,
    username: String,
    name: String,
    /// Disabled accounts stay listed but get no email.
    disabled: bool,
}

/// Whom to subscribe: `user_id`, `username`, or (no body, `null` or `{}`) oneself.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    #[serde(default)]
    user_id: Option<i64>,
    #[serde(default)]
    username: Option<String>,
}

async fn page_of(
    state: &AppState,
    id: TicketId,
    paging: &PageParams,
) -> Result<Page<Subscriber>, ApiError> {
    let all = subscriptions::list(&state.pool, id)
        .await?
        .into_iter()
        .map(|s| Subscriber {
            user_id: s.user_id.0,
            username: s.username,
            name: s.name,
            disabled: s.disabled,
        })
        .collect();
    let paged = Paged::of(state, id, "subscribers", paging).await?;
    Ok(paged.slice(all))
}

/// The subscribers of a ticket, by name.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/subscribers", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), PageParams),
    responses((status = 200, body = Page<Subscriber>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn list(t: Listed) -> Result<Json<Page<Subscriber>>, ApiError> {
    Ok(Json(page_of(&t.state, t.id(), &t.query.0).await?))
}

/// Subscribes an enabled user (or oneself) to a ticket; 409 when already subscribed.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/subscribers", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<SubscribeBody>, description = "Optional: without a body, the caller subscribes"),
    responses((status = 201, body = Page<Subscriber>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 409, body = ApiErrorBody), (status = 413, body = ApiErrorBody),
              (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn subscribe(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
    b: Option<Json<Option<SubscribeBody>>>,
) -> Result<Response, ApiError> {
    let b = b.and_then(|Json(b)| b).unwrap_or_default();
    let actor = Actor::from(&user);
    load(&state, &actor, id).await?;
    let (username, field) = match (b.user_id, b.username) {
        (Some(uid), _) => (
            users::profile(&state.pool, UserId(uid))
                .await?
                .map(|p| p.username)
                .ok_or_else(|| ApiError::field("user_id", "ticket-error-unknown-user"))?,
            "user_id",
        ),
        (None, Some(name)) => (name, "username"),
        (None, None) => (user.username.clone(), "username"),
    };
    run(&state, async |c| {
        ops::subscribe(c, &actor, id, &username).await
    })
    .await
    .map_err(|e| match e {
        OpError::Invalid(f) => ApiError::field(field, f.message.key),
        e => e.into(),
    })?;
    let page = page_of(&state, id, &PageParams::default()).await?;
    Ok((StatusCode::CREATED, Json(page)).into_response())
}

/// Unsubscribes a user: oneself, or anyone for admins and super users; 409 when not subscribed.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/subscribers/{user_id}", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), ("user_id" = i64, Path, description = "User id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiIds(id, target): ApiIds<TicketId, UserId>,
) -> Result<StatusCode, ApiError> {
    let actor = Actor::from(&user);
    run(&state, async |c| {
        ops::unsubscribe(c, &actor, id, target).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
