//! The activity log of tickets.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::Db;
use crate::domain::{PostId, TicketId, UserId};
use crate::tickets::activity::ActivityKind;

/// A new activity row.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The latest reply when it happened (none: before any reply).
    pub post_id: Option<PostId>,
    /// What happened.
    pub kind: ActivityKind,
    /// Values the sentence quotes (names as they were at the time).
    pub data: Option<Value>,
    /// Who did it.
    pub actor_id: UserId,
    /// Whom it concerns (assign, subscribe, unsubscribe).
    pub recipient_id: Option<UserId>,
}

/// Inserts an activity row; returns its id.
#[tracing::instrument(skip_all, fields(ticket.id = %a.ticket_id, kind = a.kind.as_str()), err)]
pub async fn insert(conn: &mut PgConnection, a: &NewActivity) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into activities (ticket_id, post_id, kind, data, actor_id, recipient_id)
         values ($1, $2, $3, $4, $5, $6) returning activity_id",
        a.ticket_id.0,
        a.post_id.map(|p| p.0),
        a.kind.as_str(),
        a.data,
        a.actor_id.0,
        a.recipient_id.map(|u| u.0)
    )
    .fetch_one(conn)
    .await
}

/// An activity row with the names it shows.
#[derive(Debug, Clone)]
pub struct ActivityView {
    /// Id.
    pub activity_id: i64,
    /// Shown after this reply (none: after the ticket body).
    pub post_id: Option<PostId>,
    /// Stored kind.
    pub kind: String,
    /// Data.
    pub data: Option<Value>,
    /// Actor's name (none: deleted user).
    pub actor_name: Option<String>,
    /// Recipient's name.
    pub recipient_name: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The activity shown with the ticket body (when `with_body`) and with the given replies, oldest first.
pub async fn for_posts<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    with_body: bool,
    post_ids: &[i64],
) -> sqlx::Result<Vec<ActivityView>> {
    sqlx::query_as!(
        ActivityView,
        r#"select a.activity_id, a.post_id as "post_id: PostId", a.kind, a.data,
                  u.name as "actor_name?", r.name as "recipient_name?", a.created_at
           from activities a
           left join users u on u.user_id = a.actor_id
           left join users r on r.user_id = a.recipient_id
           where a.ticket_id = $1 and ((a.post_id is null and $2) or a.post_id = any($3))
           order by a.activity_id"#,
        ticket_id.0,
        with_body,
        post_ids
    )
    .fetch_all(db)
    .await
}

/// Moves the activity shown after one reply to another place (before the reply is deleted).
pub async fn reanchor(
    conn: &mut PgConnection,
    from: PostId,
    to: Option<PostId>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update activities set post_id = $2 where post_id = $1",
        from.0,
        to.map(|p| p.0)
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of a ticket's whole activity, oldest first.
pub async fn page<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ActivityView>> {
    sqlx::query_as!(
        ActivityView,
        r#"select a.activity_id, a.post_id as "post_id: PostId", a.kind, a.data,
                  u.name as "actor_name?", r.name as "recipient_name?", a.created_at
           from activities a
           left join users u on u.user_id = a.actor_id
           left join users r on r.user_id = a.recipient_id
           where a.ticket_id = $1
           order by a.activity_id
           limit $2 offset $3"#,
        ticket_id.0,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of activity rows of a ticket.
pub async fn count<'c>(db: impl Db<'c>, ticket_id: TicketId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from activities where ticket_id = $1"#,
        ticket_id.0
    )
    .fetch_one(db)
    .await
}
