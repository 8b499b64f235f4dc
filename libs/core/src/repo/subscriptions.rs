//! Who follows a ticket (and is notified of its changes).

use sqlx::PgConnection;

use super::Db;
use crate::domain::{TicketId, UserId};

/// Subscribes a user; returns false when already subscribed.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id, user.id = %user_id), err)]
pub async fn subscribe(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "insert into subscriptions (ticket_id, user_id) values ($1, $2) on conflict do nothing",
        ticket_id.0,
        user_id.0
    )
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// Unsubscribes a user; returns false when not subscribed.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id, user.id = %user_id), err)]
pub async fn unsubscribe(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "delete from subscriptions where ticket_id = $1 and user_id = $2",
        ticket_id.0,
        user_id.0
    )
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// A subscriber as listed on the ticket page.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The user.
    pub user_id: UserId,
    /// Display name.
    pub name: String,
    /// User name.
    pub username: String,
    /// Disabled accounts are listed but get no email.
    pub disabled: bool,
}

/// The subscribers of a ticket, by name.
pub async fn list<'c>(db: impl Db<'c>, ticket_id: TicketId) -> sqlx::Result<Vec<Subscriber>> {
    sqlx::query_as!(
        Subscriber,
        r#"select u.user_id as "user_id: UserId", u.name, u.username, u.disabled
           from subscriptions s join users u using (user_id)
           where s.ticket_id = $1
           order by lower(u.name), u.user_id"#,
        ticket_id.0
    )
    .fetch_all(db)
    .await
}

/// Who is notified of a change: enabled subscribers other than the person who made it.
pub async fn recipients(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    actor: UserId,
) -> sqlx::Result<Vec<UserId>> {
    sqlx::query_scalar!(
        r#"select u.user_id as "user_id: UserId"
           from subscriptions s join users u using (user_id)
           where s.ticket_id = $1 and s.user_id <> $2 and not u.disabled
           order by u.user_id"#,
        ticket_id.0,
        actor.0
    )
    .fetch_all(conn)
    .await
}
