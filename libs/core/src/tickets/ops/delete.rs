//! Deleting a ticket or a reply (admins; the handler checks the admin's password first).

use sqlx::PgConnection;

use super::{Changed, OpError, OpResult, lock};
use crate::domain::{PostId, TicketId};
use crate::permissions::Actor;
use crate::permissions::tickets::can_delete;
use crate::repo::{activities, attachments, posts, ticket_users, tickets};

/// Deletes a ticket with its replies, attachments, history, subscriptions and activity, and corrects the counters of
/// its creator, repliers and assignee.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn delete_ticket(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
) -> OpResult<Changed> {
    let s = lock(conn, id).await?;
    can_delete(actor, &s.facts())?;
    let files = attachments::stored_names_of_ticket(conn, id).await?;
    ticket_users::add_posts(conn, s.creator_id, -1).await?;
    for (author, n) in posts::count_by_author(conn, id).await? {
        ticket_users::add_posts(conn, author, -n).await?;
    }
    if let Some(assignee) = s.assignee_id {
        ticket_users::add_assigned(conn, assignee, -1).await?;
    }
    tickets::delete(conn, id).await?;
    Ok(Changed {
        outbox_ids: vec![],
        removed_files: files,
    })
}

/// Deletes a reply with its attachments and history; its activity moves to the previous reply (it still describes
/// the ticket); the author's counter is corrected. Returns the reply's ticket.
#[tracing::instrument(skip_all, fields(post.id = %post_id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn delete_post(
    conn: &mut PgConnection,
    actor: &Actor,
    post_id: PostId,
) -> OpResult<(TicketId, Changed)> {
    let ticket_id = posts::get(&mut *conn, post_id)
        .await?
        .ok_or(OpError::NotFound)?
        .ticket_id;
    let s = lock(conn, ticket_id).await?;
    can_delete(actor, &s.facts())?;
    let post = posts::get(&mut *conn, post_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let previous = posts::previous_id(conn, ticket_id, post_id).await?;
    activities::reanchor(conn, post_id, previous).await?;
    let files = attachments::stored_names_of_post(conn, post_id).await?;
    posts::delete(conn, post_id).await?;
    ticket_users::add_posts(conn, post.author_id, -1).await?;
    Ok((
        ticket_id,
        Changed {
            outbox_ids: vec![],
            removed_files: files,
        },
    ))
}
