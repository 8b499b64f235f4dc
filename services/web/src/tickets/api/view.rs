//! `GET /api/v1/tickets/{id}`, its replies and its activity.

use axum::Json;
use chrono::{DateTime, Utc};
use flicket_core::domain::{PostId, TicketId};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::can_view;
use flicket_core::repo::activities::{self, ActivityView};
use flicket_core::repo::posts::{self, PostView};
use flicket_core::repo::tickets::{self, TicketView};
use flicket_core::tickets::Hours;
use serde::Serialize;
use utoipa::ToSchema;

use super::super::reads::post_view;
use super::{Listed, Seen};
use crate::api::ApiError;
use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::state::AppState;

/// A ticket.
#[derive(Serialize, ToSchema)]
pub struct Ticket {
    id: i64,
    title: String,
    /// Markdown source.
    content: String,
    /// The markdown rendered and sanitised, as the UI shows it.
    content_html: String,
    status_id: i64,
    status: String,
    /// `open`, `in_work`, `closed`, … (stable whatever the status is called).
    status_kind: String,
    priority_id: i64,
    priority: String,
    category_id: i64,
    category: String,
    department: String,
    creator_id: i64,
    creator: String,
    assignee_id: Option<i64>,
    assignee: Option<String>,
    /// Hours of the ticket itself, as a decimal string.
    hours: String,
    /// Ticket hours plus reply hours, as a decimal string.
    total_hours: String,
    reply_count: i64,
    created_at: DateTime<Utc>,
    /// Last edit of the text, if any.
    modified_at: Option<DateTime<Utc>>,
    modified_by: Option<String>,
}

fn hours(cents: i64) -> String {
    let h = Hours::from_cents(cents).cents();
    format!("{}.{:02}", h / 100, h % 100)
}

impl From<TicketView> for Ticket {
    fn from(t: TicketView) -> Self {
        Ticket {
            id: t.ticket_id.0,
            title: t.title,
            content: t.content,
            content_html: t.content_html,
            status_id: t.status_id.0,
            status: t.status_name,
            status_kind: t.status_kind,
            priority_id: t.priority_id.0,
            priority: t.priority_name,
            category_id: t.category_id.0,
            category: t.category,
            department: t.department,
            creator_id: t.creator_id.0,
            creator: t.creator_name,
            assignee_id: t.assignee_id.map(|u| u.0),
            assignee: t.assignee_name,
            hours: hours(t.hours_cents),
            total_hours: hours(t.total_hours_cents),
            reply_count: t.reply_count,
            created_at: t.created_at,
            modified_at: t.last_edit_at,
            modified_by: t.modified_by_name,
        }
    }
}

/// A reply.
#[derive(Serialize, ToSchema)]
pub struct Post {
    id: i64,
    ticket_id: i64,
    author_id: i64,
    author: String,
    content: String,
    content_html: String,
    hours: String,
    created_at: DateTime<Utc>,
    modified_at: Option<DateTime<Utc>>,
    modified_by: Option<String>,
}

impl Post {
    fn new(ticket_id: TicketId, p: PostView) -> Self {
        Post {
            id: p.post_id.0,
            ticket_id: ticket_id.0,
            author_id: p.author_id.0,
            author: p.author_name,
            content: p.content,
            content_html: p.content_html,
            hours: hours(p.hours_cents),
            created_at: p.created_at,
            modified_at: p.last_edit_at,
            modified_by: p.modified_by_name,
        }
    }
}

/// One line of a ticket's activity (claim, assign, status change, …).
#[derive(Serialize, ToSchema)]
pub struct Activity {
    id: i64,
    /// `opened`, `claim`, `assign`, `release`, `close`, `reopened`, `status`, `priority`, …
    kind: String,
    /// Shown after this reply (none: after the ticket body).
    post_id: Option<i64>,
    /// Who did it (none: a deleted user).
    actor: Option<String>,
    /// Whom it was about (e.g. the assignee).
    recipient: Option<String>,
    /// Details of the change, e.g. `{"status_id": 2, "status": "In Work"}`.
    #[schema(value_type = Option<Object>)]
    data: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
}

impl From<ActivityView> for Activity {
    fn from(a: ActivityView) -> Self {
        Activity {
            id: a.activity_id,
            kind: a.kind,
            post_id: a.post_id.map(|p| p.0),
            actor: a.actor_name,
            recipient: a.recipient_name,
            data: a.data,
            created_at: a.created_at,
        }
    }
}

/// A ticket the user may see, or 404.
pub(super) async fn load(
    state: &AppState,
    actor: &Actor,
    id: TicketId,
) -> Result<TicketView, ApiError> {
    let t = tickets::view(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    can_view(actor, &t.facts()).map_err(|_| ApiError::forbidden())?;
    Ok(t)
}

/// One reply of a ticket, as the API shows it.
pub(super) async fn one_post(
    state: &AppState,
    id: TicketId,
    post_id: PostId,
) -> Result<Post, ApiError> {
    post_view(&state.pool, id, post_id)
        .await?
        .map(|p| Post::new(id, p))
        .ok_or_else(ApiError::not_found)
}

/// Shows a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody)))]
pub async fn get(seen: Seen) -> Json<Ticket> {
    Json(seen.ticket.into())
}

/// A ticket's replies, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/posts", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), PageParams),
    responses((status = 200, body = Page<Post>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody)))]
pub async fn posts(t: Listed) -> Result<Json<Page<Post>>, ApiError> {
    let (id, paged) = (t.id(), t.paged("posts").await?);
    let rows = posts::page(&t.state.pool, id, paged.per_page, paged.offset()).await?;
    let items = rows.into_iter().map(|p| Post::new(id, p)).collect();
    Ok(Json(paged.page(items, t.ticket.reply_count)))
}

/// A ticket's activity, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/activity", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), PageParams),
    responses((status = 200, body = Page<Activity>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn activity(t: Listed) -> Result<Json<Page<Activity>>, ApiError> {
    let (id, paged, pool) = (t.id(), t.paged("activity").await?, &t.state.pool);
    let total = activities::count(pool, id).await?;
    let rows = activities::page(pool, id, paged.per_page, paged.offset()).await?;
    let items = rows.into_iter().map(Activity::from).collect();
    Ok(Json(paged.page(items, total)))
}
