//! Claim, assign, release, close, reopen and change of department/category.

use serde_json::json;
use sqlx::PgConnection;

use super::{OpError, OpResult, lock, notify, person, reassign, record};
use crate::domain::{CategoryId, TicketId};
use crate::outbox_message::OutboxMessage;
use crate::permissions::Actor;
use crate::permissions::tickets::{
    CategoryPolicy, Refusal, can_assign, can_change_category, can_claim, can_close, can_release,
    can_reopen,
};
use crate::repo::tickets::{self, TicketState};
use crate::repo::{catalog, subscriptions};
use crate::tickets::activity::ActivityKind;

async fn set_status(conn: &mut PgConnection, state: &mut TicketState, kind: &str) -> OpResult<()> {
    let status = catalog::status_of_kind(&mut *conn, kind).await?;
    state.status_id = status.status_id;
    state.status_kind = status.kind;
    Ok(())
}

/// Claims a ticket for oneself: status In Work, the claimer subscribed (Flicket forgot this), subscribers notified.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn claim(conn: &mut PgConnection, actor: &Actor, id: TicketId) -> OpResult<Vec<i64>> {
    let mut s = lock(conn, id).await?;
    can_claim(actor, &s.facts())?;
    reassign(conn, &mut s, Some(actor.user_id)).await?;
    set_status(conn, &mut s, "in_work").await?;
    tickets::save_state(conn, &s).await?;
    subscriptions::subscribe(conn, id, actor.user_id).await?;
    let act = record(conn, id, ActivityKind::Claim, None, actor.user_id, None).await?;
    let message = OutboxMessage::Claim {
        activity_id: act,
        actor_id: actor.user_id,
        assignee_id: actor.user_id,
    };
    notify(conn, id, actor.user_id, act, message).await
}

/// Assigns a ticket to an enabled user (by user name): status In Work, the assignee subscribed and notified.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn assign(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
    username: &str,
) -> OpResult<Vec<i64>> {
    let mut s = lock(conn, id).await?;
    can_assign(actor, &s.facts())?;
    let target = person(conn, username).await?;
    if s.assignee_id == Some(target.user_id) {
        return Err(Refusal::Conflict("ticket-assign-already").into());
    }
    reassign(conn, &mut s, Some(target.user_id)).await?;
    set_status(conn, &mut s, "in_work").await?;
    tickets::save_state(conn, &s).await?;
    subscriptions::subscribe(conn, id, target.user_id).await?;
    let act = record(
        conn,
        id,
        ActivityKind::Assign,
        None,
        actor.user_id,
        Some(target.user_id),
    )
    .await?;
    let message = OutboxMessage::Assign {
        activity_id: act,
        actor_id: actor.user_id,
        assignee_id: target.user_id,
    };
    notify(conn, id, actor.user_id, act, message).await
}

/// Releases a ticket: no assignee, status Open.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn release(conn: &mut PgConnection, actor: &Actor, id: TicketId) -> OpResult<Vec<i64>> {
    let mut s = lock(conn, id).await?;
    can_release(actor, &s.facts())?;
    reassign(conn, &mut s, None).await?;
    set_status(conn, &mut s, "open").await?;
    tickets::save_state(conn, &s).await?;
    let act = record(conn, id, ActivityKind::Release, None, actor.user_id, None).await?;
    let message = OutboxMessage::Release {
        activity_id: act,
        actor_id: actor.user_id,
    };
    notify(conn, id, actor.user_id, act, message).await
}

/// Closes a ticket: status Closed, no assignee.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn close(conn: &mut PgConnection, actor: &Actor, id: TicketId) -> OpResult<Vec<i64>> {
    let mut s = lock(conn, id).await?;
    can_close(actor, &s.facts())?;
    close_locked(conn, actor, &mut s).await
}

/// Closes a ticket already locked and checked (also used by "reply and close").
pub(super) async fn close_locked(
    conn: &mut PgConnection,
    actor: &Actor,
    s: &mut TicketState,
) -> OpResult<Vec<i64>> {
    reassign(conn, s, None).await?;
    set_status(conn, s, "closed").await?;
    tickets::save_state(conn, s).await?;
    let act = record(
        conn,
        s.ticket_id,
        ActivityKind::Close,
        None,
        actor.user_id,
        None,
    )
    .await?;
    let message = OutboxMessage::Close {
        activity_id: act,
        actor_id: actor.user_id,
    };
    notify(conn, s.ticket_id, actor.user_id, act, message).await
}

/// Reopens a closed ticket: status Open.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn reopen(conn: &mut PgConnection, actor: &Actor, id: TicketId) -> OpResult<Vec<i64>> {
    let mut s = lock(conn, id).await?;
    can_reopen(actor, &s.facts())?;
    set_status(conn, &mut s, "open").await?;
    tickets::save_state(conn, &s).await?;
    let act = record(conn, id, ActivityKind::Reopened, None, actor.user_id, None).await?;
    let message = OutboxMessage::Reopen {
        activity_id: act,
        actor_id: actor.user_id,
    };
    notify(conn, id, actor.user_id, act, message).await
}

/// Moves a ticket to another department/category (when the settings allow it).
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %actor.user_id), err(level = "debug"))]
pub async fn change_category(
    conn: &mut PgConnection,
    actor: &Actor,
    id: TicketId,
    category_id: CategoryId,
    policy: CategoryPolicy,
) -> OpResult<()> {
    let mut s = lock(conn, id).await?;
    can_change_category(actor, &s.facts(), policy)?;
    let category = catalog::category(&mut *conn, category_id)
        .await?
        .ok_or_else(|| OpError::field("category_id", "ticket-error-category"))?;
    if s.category_id == category.category_id {
        return Err(Refusal::Conflict("ticket-category-unchanged").into());
    }
    s.category_id = category.category_id;
    tickets::save_state(conn, &s).await?;
    let data = json!({
        "category_id": category.category_id,
        "category": category.category,
        "department_id": category.department_id,
        "department": category.department,
    });
    record(
        conn,
        id,
        ActivityKind::DepartmentCategory,
        Some(data),
        actor.user_id,
        None,
    )
    .await?;
    Ok(())
}
