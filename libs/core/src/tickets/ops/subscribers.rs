//! Subscribing and unsubscribing people.

use sqlx::PgConnection;

use super::{OpResult, lock, person, record};
use crate::domain::{TicketId, UserId};
use crate::permissions::Actor;
use crate::permissions::tickets::{Refusal, can_subscribe, can_unsubscribe};
use crate::repo::subscriptions;
use crate::tickets::activity::ActivityKind;

/// Subscribes an enabled user (by user name) to a ticket.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn subscribe(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
    username: &str,
) -> OpResult<()> {
    let s = lock(conn, id).await?;
    can_subscribe(actor, &s.facts())?;
    let target = person(conn, username).await?;
    if !subscriptions::subscribe(conn, id, target.user_id).await? {
        return Err(Refusal::Conflict("ticket-subscribe-already").into());
    }
    record(
        conn,
        id,
        ActivityKind::Subscribe,
        None,
        actor.user_id,
        Some(target.user_id),
    )
    .await?;
    Ok(())
}

/// Unsubscribes a user: oneself, or anyone for admins and super users.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn unsubscribe(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
    target: UserId,
) -> OpResult<()> {
    lock(conn, id).await?;
    can_unsubscribe(actor, target)?;
    if !subscriptions::unsubscribe(conn, id, target).await? {
        return Err(Refusal::Conflict("ticket-unsubscribe-not-subscribed").into());
    }
    record(
        conn,
        id,
        ActivityKind::Unsubscribe,
        None,
        actor.user_id,
        Some(target),
    )
    .await?;
    Ok(())
}
