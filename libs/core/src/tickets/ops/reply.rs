//! Replying to a ticket.

use serde_json::json;
use sqlx::PgConnection;

use super::workflow::close_locked;
use super::{Changed, OpError, OpResult, lock, notify, record_at};
use crate::domain::{PostId, PriorityId, StatusId, TicketId};
use crate::markdown;
use crate::outbox_message::OutboxMessage;
use crate::permissions::Actor;
use crate::permissions::tickets::{can_close, can_reply};
use crate::repo::attachments::{self, NewAttachment};
use crate::repo::{catalog, posts, subscriptions, ticket_users, tickets};
use crate::tickets::activity::ActivityKind;
use crate::tickets::{Body, Hours};

/// The reply form, parsed.
pub struct ReplyInput {
    /// Markdown body.
    pub body: Body,
    /// New status (any except closed).
    pub status_id: StatusId,
    /// New priority.
    pub priority_id: PriorityId,
    /// Hours.
    pub hours: Hours,
    /// Files already stored in the upload directory.
    pub files: Vec<NewAttachment>,
    /// "Reply and close".
    pub and_close: bool,
}

/// Adds a reply: status and priority changes (with their activity under the reply), a reply to a closed ticket
/// reopens it, the replier is subscribed and counted, subscribers are notified; "reply and close" then closes.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn reply(
    conn: &mut PgConnection,
    actor: &Actor,
    ticket_id: TicketId,
    input: &ReplyInput,
) -> OpResult<(PostId, Changed)> {
    let mut state = lock(conn, ticket_id).await?;
    let facts = state.facts();
    can_reply(actor, &facts)?;
    if input.and_close {
        can_close(actor, &facts)?;
    }
    let status = catalog::status(&mut *conn, input.status_id)
        .await?
        .filter(|s| !s.is_closed())
        .ok_or_else(|| OpError::field("status_id", "ticket-error-status"))?;
    let priority = catalog::priority(&mut *conn, input.priority_id)
        .await?
        .ok_or_else(|| OpError::field("priority_id", "ticket-error-priority"))?;

    let html = markdown::render(input.body.as_str());
    let post_id = posts::insert(
        conn,
        ticket_id,
        actor.user_id,
        input.body.as_str(),
        &html,
        input.hours.cents(),
    )
    .await?;
    for file in &input.files {
        attachments::insert(conn, ticket_id, Some(post_id), actor.user_id, file).await?;
    }
    let at = Some(post_id);
    if facts.closed {
        record_at(
            conn,
            ticket_id,
            at,
            ActivityKind::Reopened,
            None,
            actor.user_id,
            None,
        )
        .await?;
    }
    if state.status_id != status.status_id {
        // Reopening to plain "Open" is said by the "reopened" line already.
        if !(facts.closed && status.kind == "open") {
            let data = json!({ "status_id": status.status_id, "status": status.name });
            record_at(
                conn,
                ticket_id,
                at,
                ActivityKind::Status,
                Some(data),
                actor.user_id,
                None,
            )
            .await?;
        }
        state.status_id = status.status_id;
        state.status_kind = status.kind.clone();
    }
    if state.priority_id != priority.priority_id {
        let data = json!({ "priority_id": priority.priority_id, "priority": priority.name });
        record_at(
            conn,
            ticket_id,
            at,
            ActivityKind::Priority,
            Some(data),
            actor.user_id,
            None,
        )
        .await?;
        state.priority_id = priority.priority_id;
    }
    tickets::save_state(conn, &state).await?;
    subscriptions::subscribe(conn, ticket_id, actor.user_id).await?;
    ticket_users::add_posts(conn, actor.user_id, 1).await?;

    let message = OutboxMessage::Reply {
        post_id,
        actor_id: actor.user_id,
    };
    let mut changed = Changed {
        outbox_ids: notify(conn, ticket_id, actor.user_id, post_id.0, message).await?,
        ..Changed::default()
    };
    if input.and_close {
        let ids = close_locked(conn, actor, &mut state).await?;
        changed.outbox_ids.extend(ids);
    }
    Ok((post_id, changed))
}
