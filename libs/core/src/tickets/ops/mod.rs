//! Every change of a ticket, as one function per action taking the caller's transaction: the change, its activity
//! rows and its outbox rows are written together, and the caller commits (then hands `outbox_ids` to the relay and
//! removes `removed_files`).

mod create;
mod delete;
mod edit;
mod reply;
mod subscribers;
mod workflow;

pub use create::{NewTicketInput, create};
pub use delete::{delete_post, delete_ticket};
pub use edit::{EditPostInput, EditTicketInput, edit_post, edit_ticket};
pub use reply::{ReplyInput, reply};
pub use subscribers::{subscribe, unsubscribe};
pub use workflow::{assign, change_category, claim, close, release, reopen};

pub use crate::ops::{Changed, OpError, OpResult};

use serde_json::Value;
use sqlx::PgConnection;

use crate::domain::{PostId, TicketId, UserId};
use crate::outbox_message::OutboxMessage;
use crate::repo::activities::{self, NewActivity};
use crate::repo::outbox::{self, NewOutbox};
use crate::repo::tickets::TicketState;
use crate::repo::{posts, subscriptions, ticket_users};
use crate::tickets::activity::ActivityKind;

/// Writes an activity row shown after the latest reply; returns its id.
async fn record(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    kind: ActivityKind,
    data: Option<Value>,
    actor: UserId,
    recipient: Option<UserId>,
) -> OpResult<i64> {
    let post_id = posts::latest_id(conn, ticket_id).await?;
    record_at(conn, ticket_id, post_id, kind, data, actor, recipient).await
}

/// Writes an activity row shown after a given reply.
async fn record_at(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: Option<PostId>,
    kind: ActivityKind,
    data: Option<Value>,
    actor: UserId,
    recipient: Option<UserId>,
) -> OpResult<i64> {
    Ok(activities::insert(
        conn,
        &NewActivity {
            ticket_id,
            post_id,
            kind,
            data,
            actor_id: actor,
            recipient_id: recipient,
        },
    )
    .await?)
}

/// One outbox row per enabled subscriber other than the actor, keyed `{kind}:{event}:{user}`.
async fn notify(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    actor: UserId,
    event: i64,
    message: OutboxMessage,
) -> OpResult<Vec<i64>> {
    let mut ids = vec![];
    for user in subscriptions::recipients(conn, ticket_id, actor).await? {
        let row = NewOutbox {
            idempotency_key: format!("{}:{event}:{user}", message.kind().as_str()),
            recipient_id: Some(user),
            recipient_email: None,
            ticket_id: Some(ticket_id),
            message: message.clone(),
        };
        if let Some(id) = outbox::insert(&mut *conn, &row).await? {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Moves the ticket to a new assignee (or none), keeping `total_assigned` equal to the number of tickets each user
/// has assigned now.
async fn reassign(
    conn: &mut PgConnection,
    state: &mut TicketState,
    to: Option<UserId>,
) -> OpResult<()> {
    if state.assignee_id == to {
        return Ok(());
    }
    if let Some(old) = state.assignee_id {
        ticket_users::add_assigned(conn, old, -1).await?;
    }
    if let Some(new) = to {
        ticket_users::add_assigned(conn, new, 1).await?;
    }
    state.assignee_id = to;
    Ok(())
}

/// An enabled user by user name as typed in a form (names with control characters never exist).
async fn person(conn: &mut PgConnection, typed: &str) -> OpResult<ticket_users::Person> {
    let typed = typed.trim();
    if typed.is_empty() || typed.chars().count() > 254 || typed.chars().any(char::is_control) {
        return Err(OpError::field("username", "ticket-error-unknown-user"));
    }
    ticket_users::enabled_by_username(conn, typed)
        .await?
        .ok_or_else(|| OpError::field("username", "ticket-error-unknown-user"))
}

/// Reads and locks a ticket, or `NotFound`.
async fn lock(conn: &mut PgConnection, id: TicketId) -> OpResult<TicketState> {
    crate::repo::tickets::lock(conn, id)
        .await?
        .ok_or(OpError::NotFound)
}
