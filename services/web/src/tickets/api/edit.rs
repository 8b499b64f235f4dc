//! `PATCH /api/v1/tickets/{id}` and `GET /api/v1/tickets/{id}/history`: editing a ticket with the UI's operations
//! (edit, change of category, close, reopen) in one transaction, and the previous versions of its texts.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use chrono::{DateTime, Utc};
use flicket_core::domain::{CategoryId, PriorityId, StatusId, TicketId, Title};
use flicket_core::ops::Changed;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::CategoryPolicy;
use flicket_core::repo::{catalog, ticket_history};
use flicket_core::tickets::ops::{self, EditTicketInput};
use flicket_core::tickets::{Body, Hours};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::view::{Ticket, load};
use super::{HoursIn, Listed};
use crate::api::error::ApiErrorBody;
use crate::api::input::{Fields, body};
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser};
use crate::extract::ApiId;
use crate::run::run;
use crate::state::AppState;

/// Changes to a ticket; fields left out keep their value.
///
/// Title, content, priority and hours are the UI's edit (the creator or an admin, not while closed); the category
/// is the UI's change of department/category (when the settings allow it); a closed status closes the ticket and
/// an open one reopens a closed ticket (the creator, the assignee or an admin). Other status changes are made with
/// a reply, or with claim and release.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketChanges {
    /// 3 to 128 characters.
    #[serde(default)]
    title: Option<String>,
    /// Markdown, 5 to 10,000 characters.
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    category_id: Option<i64>,
    #[serde(default)]
    priority_id: Option<i64>,
    #[serde(default)]
    status_id: Option<i64>,
    #[serde(default)]
    hours: Option<HoursIn>,
}

/// What a status change does.
enum StatusMove {
    None,
    Close,
    Reopen,
}

/// Updates a ticket. Every change is made in one transaction: if one is refused, none is made.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = TicketChanges,
    responses((status = 200, body = Ticket), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
    b: Result<Json<TicketChanges>, JsonRejection>,
) -> Result<Json<Ticket>, ApiError> {
    let b = body(b)?;
    let actor = Actor::from(&user);
    let t = load(&state, &actor, id).await?;

    let edits_text =
        b.title.is_some() || b.content.is_some() || b.priority_id.is_some() || b.hours.is_some();
    let mut f = Fields::default();
    let title = f.take(
        "title",
        Title::parse(b.title.as_deref().unwrap_or(&t.title)),
    );
    let content = f.take(
        "content",
        Body::parse(b.content.as_deref().unwrap_or(&t.content)),
    );
    let hours = match &b.hours {
        Some(h) => f.take("hours", HoursIn::parse(Some(h))),
        None => Some(Hours::from_cents(t.hours_cents)),
    };
    let (Some(title), Some(content), Some(hours)) = (title, content, hours) else {
        return Err(f.error());
    };

    let status_move = match b.status_id.map(StatusId) {
        Some(s) if s != t.status_id => {
            let status = catalog::status(&state.pool, s)
                .await?
                .ok_or_else(|| ApiError::field("status_id", "ticket-error-status"))?;
            if status.is_closed() {
                StatusMove::Close
            } else if t.status_kind == "closed" && status.kind == "open" {
                StatusMove::Reopen
            } else {
                return Err(ApiError::conflict("api-error-status-change"));
            }
        }
        _ => StatusMove::None,
    };
    let category = b
        .category_id
        .map(CategoryId)
        .filter(|c| *c != t.category_id);
    let policy = if category.is_some() {
        let s = catalog::ticket_settings(&state.pool).await?;
        Some(CategoryPolicy {
            enabled: s.change_category,
            staff_only: s.change_category_restricted,
        })
    } else {
        None
    };

    let edit = edits_text.then(|| EditTicketInput {
        title,
        body: content,
        priority_id: b.priority_id.map_or(t.priority_id, PriorityId),
        hours,
        remove: vec![],
        files: vec![],
        // No file is added, so the number kept never matters here.
        max_files: i64::MAX,
    });
    run(&state, async |c| {
        let mut changed = Changed::default();
        if matches!(status_move, StatusMove::Reopen) {
            changed.outbox_ids.extend(ops::reopen(c, &actor, id).await?);
        }
        if let Some(input) = &edit {
            let edited = ops::edit_ticket(c, &actor, id, input).await?;
            changed.outbox_ids.extend(edited.outbox_ids);
        }
        if let (Some(category), Some(policy)) = (category, policy) {
            ops::change_category(c, &actor, id, category, policy).await?;
        }
        if matches!(status_move, StatusMove::Close) {
            changed.outbox_ids.extend(ops::close(c, &actor, id).await?);
        }
        Ok(changed)
    })
    .await?;
    Ok(Json(load(&state, &actor, id).await?.into()))
}

/// A previous version of the ticket body or of a reply.
#[derive(Serialize, ToSchema)]
pub struct Edit {
    id: i64,
    /// The reply whose text this was (none: the ticket body).
    post_id: Option<i64>,
    /// Who had written this text (none: a deleted user).
    author: Option<String>,
    /// Who replaced it.
    edited_by: Option<String>,
    /// When it was replaced.
    edited_at: DateTime<Utc>,
    /// The text (markdown).
    content: String,
    /// The text rendered and sanitised.
    content_html: String,
}

impl From<ticket_history::EditEntry> for Edit {
    fn from(e: ticket_history::EditEntry) -> Self {
        Edit {
            id: e.edit_id,
            post_id: e.post_id.map(|p| p.0),
            author: e.author_name,
            edited_by: e.editor_name,
            edited_at: e.edited_at,
            content: e.original_content,
            content_html: e.original_html,
        }
    }
}

/// The edit history of a ticket's body and replies, newest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/history", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), PageParams),
    responses((status = 200, body = Page<Edit>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn history(t: Listed) -> Result<Json<Page<Edit>>, ApiError> {
    let (id, paged, pool) = (t.id(), t.paged("history").await?, &t.state.pool);
    let total = ticket_history::count_for_ticket(pool, id).await?;
    let rows = ticket_history::page_for_ticket(pool, id, paged.per_page, paged.offset()).await?;
    let items = rows.into_iter().map(Edit::from).collect();
    Ok(Json(paged.page(items, total)))
}
