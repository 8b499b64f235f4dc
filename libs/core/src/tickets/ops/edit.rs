//! Editing a ticket body or a reply: the previous text goes to the edit history.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Changed, OpError, OpResult, lock, record};
use crate::domain::{PostId, PriorityId, StatusId, TicketId, Title, UserId};
use crate::markdown;
use crate::permissions::Actor;
use crate::permissions::tickets::{can_edit_post, can_edit_ticket};
use crate::repo::attachments::{self, NewAttachment};
use crate::repo::ticket_history::{self, NewEdit};
use crate::repo::tickets::TicketState;
use crate::repo::{catalog, posts, tickets};
use crate::tickets::activity::ActivityKind;
use crate::tickets::{Body, Hours};

/// The ticket edit form, parsed.
pub struct EditTicketInput {
    /// Title.
    pub title: Title,
    /// Markdown body.
    pub body: Body,
    /// Priority.
    pub priority_id: PriorityId,
    /// Hours.
    pub hours: Hours,
    /// Attachments to remove.
    pub remove: Vec<Uuid>,
    /// New files already stored in the upload directory.
    pub files: Vec<NewAttachment>,
    /// Most attachments allowed on the body.
    pub max_files: i64,
}

/// The reply edit form, parsed.
pub struct EditPostInput {
    /// Markdown body.
    pub body: Body,
    /// New status of the ticket (any except closed).
    pub status_id: StatusId,
    /// New priority of the ticket.
    pub priority_id: PriorityId,
    /// Hours.
    pub hours: Hours,
    /// Attachments to remove.
    pub remove: Vec<Uuid>,
    /// New files already stored in the upload directory.
    pub files: Vec<NewAttachment>,
    /// Most attachments allowed on the reply.
    pub max_files: i64,
}

/// Removes the chosen attachments and adds the new ones, within the per-post limit.
async fn swap_files(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: Option<PostId>,
    uploader: UserId,
    remove: &[Uuid],
    files: &[NewAttachment],
    max_files: i64,
) -> OpResult<Vec<String>> {
    let removed = attachments::delete_chosen(conn, ticket_id, post_id, remove).await?;
    let kept = attachments::count_on(conn, ticket_id, post_id).await?;
    if kept + files.len() as i64 > max_files {
        return Err(OpError::field("files", "ticket-error-too-many-files"));
    }
    for file in files {
        attachments::insert(conn, ticket_id, post_id, uploader, file).await?;
    }
    Ok(removed)
}

/// Applies a priority change with its activity row.
async fn change_priority(
    conn: &mut PgConnection,
    s: &mut TicketState,
    priority_id: PriorityId,
    actor: UserId,
) -> OpResult<()> {
    let p = catalog::priority(&mut *conn, priority_id)
        .await?
        .ok_or_else(|| OpError::field("priority_id", "ticket-error-priority"))?;
    if s.priority_id != p.priority_id {
        s.priority_id = p.priority_id;
        let data = json!({ "priority_id": p.priority_id, "priority": p.name });
        record(
            conn,
            s.ticket_id,
            ActivityKind::Priority,
            Some(data),
            actor,
            None,
        )
        .await?;
    }
    Ok(())
}

/// The HTML of a new body of a ticket (`post_id` none) or reply; the text it replaces (with who had written it)
/// goes to the edit history when the body changes it.
async fn new_body(
    conn: &mut PgConnection,
    (ticket_id, post_id): (TicketId, Option<PostId>),
    (original_content, author_id): (&str, UserId),
    body: &Body,
    edited_by_id: UserId,
) -> sqlx::Result<String> {
    if original_content != body.as_str() {
        let original_html = markdown::render(original_content);
        let edit = NewEdit {
            ticket_id,
            post_id,
            original_content,
            original_html: &original_html,
            author_id,
            edited_by_id,
        };
        ticket_history::insert(conn, &edit).await?;
    }
    Ok(markdown::render(body.as_str()))
}

/// Edits the ticket's title, body, priority, hours and attachments (creator or admin, not while closed).
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn edit_ticket(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
    input: &EditTicketInput,
) -> OpResult<Changed> {
    let mut s = lock(conn, id).await?;
    can_edit_ticket(actor, &s.facts())?;
    let replaced = (s.content.as_str(), s.modified_by_id.unwrap_or(s.creator_id));
    let html = new_body(conn, (id, None), replaced, &input.body, actor.user_id).await?;
    tickets::save_content(
        conn,
        id,
        input.title.as_str(),
        input.body.as_str(),
        &html,
        input.hours.cents(),
        actor.user_id,
    )
    .await?;
    let removed = swap_files(
        conn,
        id,
        None,
        actor.user_id,
        &input.remove,
        &input.files,
        input.max_files,
    )
    .await?;
    change_priority(conn, &mut s, input.priority_id, actor.user_id).await?;
    tickets::save_state(conn, &s).await?;
    Ok(Changed {
        outbox_ids: vec![],
        removed_files: removed,
    })
}

/// Edits a reply's body, hours and attachments, and the ticket's status and priority (author or admin, not while
/// the ticket is closed). Returns the reply's ticket.
#[tracing::instrument(skip_all, fields(post.id = %post_id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn edit_post(
    conn: &mut PgConnection,
    actor: &Actor,
    post_id: PostId,
    input: &EditPostInput,
) -> OpResult<(TicketId, Changed)> {
    let ticket_id = posts::get(&mut *conn, post_id)
        .await?
        .ok_or(OpError::NotFound)?
        .ticket_id;
    let mut s = lock(conn, ticket_id).await?;
    // Read again under the ticket's lock: every change of a reply takes it first.
    let post = posts::get(&mut *conn, post_id)
        .await?
        .ok_or(OpError::NotFound)?;
    can_edit_post(actor, post.author_id, &s.facts())?;
    let status = catalog::status(&mut *conn, input.status_id)
        .await?
        .filter(|st| !st.is_closed())
        .ok_or_else(|| OpError::field("status_id", "ticket-error-status"))?;
    let replaced = (
        post.content.as_str(),
        post.modified_by_id.unwrap_or(post.author_id),
    );
    let place = (ticket_id, Some(post_id));
    let html = new_body(conn, place, replaced, &input.body, actor.user_id).await?;
    posts::save_content(
        conn,
        post_id,
        input.body.as_str(),
        &html,
        input.hours.cents(),
        actor.user_id,
    )
    .await?;
    let removed = swap_files(
        conn,
        ticket_id,
        Some(post_id),
        actor.user_id,
        &input.remove,
        &input.files,
        input.max_files,
    )
    .await?;
    if s.status_id != status.status_id {
        let data = json!({ "status_id": status.status_id, "status": status.name });
        record(
            conn,
            ticket_id,
            ActivityKind::Status,
            Some(data),
            actor.user_id,
            None,
        )
        .await?;
        s.status_id = status.status_id;
        s.status_kind = status.kind;
    }
    change_priority(conn, &mut s, input.priority_id, actor.user_id).await?;
    tickets::save_state(conn, &s).await?;
    Ok((
        ticket_id,
        Changed {
            outbox_ids: vec![],
            removed_files: removed,
        },
    ))
}
