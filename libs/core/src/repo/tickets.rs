//! Tickets: creation, the locked state used by every change, the page view, and the simple newest-first list.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Db;
use crate::domain::{CategoryId, PriorityId, StatusId, TicketId, UserId};
use crate::permissions::tickets::TicketFacts;

/// A new ticket.
pub struct NewTicket<'a> {
    /// Title.
    pub title: &'a str,
    /// Markdown source.
    pub content: &'a str,
    /// Its sanitised HTML.
    pub content_html: &'a str,
    /// Who raises it.
    pub creator_id: UserId,
    /// Category.
    pub category_id: CategoryId,
    /// Initial status.
    pub status_id: StatusId,
    /// Priority.
    pub priority_id: PriorityId,
    /// Hours, in hundredths.
    pub hours_cents: i64,
}

/// Inserts a ticket.
#[tracing::instrument(skip_all, err)]
pub async fn insert(conn: &mut PgConnection, t: &NewTicket<'_>) -> sqlx::Result<TicketId> {
    sqlx::query_scalar!(
        r#"insert into tickets (title, content, content_html, creator_id, category_id, status_id, priority_id, hours)
           values ($1, $2, $3, $4, $5, $6, $7, $8::bigint / 100.0)
           returning ticket_id as "ticket_id: TicketId""#,
        t.title,
        t.content,
        t.content_html,
        t.creator_id.0,
        t.category_id.0,
        t.status_id.0,
        t.priority_id.0,
        t.hours_cents
    )
    .fetch_one(conn)
    .await
}

/// The mutable state of a ticket, read under a row lock so that concurrent changes are serialised.
#[derive(Debug, Clone)]
pub struct TicketState {
    /// Id.
    pub ticket_id: TicketId,
    /// Title.
    pub title: String,
    /// Markdown source of the body.
    pub content: String,
    /// Creator.
    pub creator_id: UserId,
    /// Last editor of the body.
    pub modified_by_id: Option<UserId>,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Category.
    pub category_id: CategoryId,
    /// Status.
    pub status_id: StatusId,
    /// Kind of the status.
    pub status_kind: String,
    /// Priority.
    pub priority_id: PriorityId,
    /// Hours on the body, in hundredths.
    pub hours_cents: i64,
}

impl TicketState {
    /// The facts the permission rules look at.
    pub fn facts(&self) -> TicketFacts {
        TicketFacts::with_status_kind(self.creator_id, self.assignee_id, &self.status_kind)
    }
}

/// Reads and locks a ticket (`select … for update`) inside the caller's transaction.
#[tracing::instrument(skip_all, fields(ticket.id = %id), err)]
pub async fn lock(conn: &mut PgConnection, id: TicketId) -> sqlx::Result<Option<TicketState>> {
    sqlx::query_as!(
        TicketState,
        r#"select t.ticket_id as "ticket_id: TicketId", t.title, t.content,
                  t.creator_id as "creator_id: UserId", t.modified_by_id as "modified_by_id: UserId",
                  t.assignee_id as "assignee_id: UserId", t.category_id as "category_id: CategoryId",
                  t.status_id as "status_id: StatusId", s.kind as status_kind,
                  t.priority_id as "priority_id: PriorityId", (t.hours * 100)::bigint as "hours_cents!"
           from tickets t join statuses s using (status_id)
           where t.ticket_id = $1
           for update of t"#,
        id.0
    )
    .fetch_optional(conn)
    .await
}

/// Writes back status, assignee, priority and category, and marks the ticket as just active.
#[tracing::instrument(skip_all, fields(ticket.id = %t.ticket_id), err)]
pub async fn save_state(conn: &mut PgConnection, t: &TicketState) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets set status_id = $2, assignee_id = $3, priority_id = $4, category_id = $5,
                closed_at = case when (select kind from statuses where status_id = $2) = 'closed'
                                 then coalesce(closed_at, now()) end,
                last_activity_at = now()
         where ticket_id = $1",
        t.ticket_id.0,
        t.status_id.0,
        t.assignee_id.map(|u| u.0),
        t.priority_id.0,
        t.category_id.0
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the title, body and hours after an edit.
#[tracing::instrument(skip_all, fields(ticket.id = %id), err)]
pub async fn save_content(
    conn: &mut PgConnection,
    id: TicketId,
    title: &str,
    content: &str,
    content_html: &str,
    hours_cents: i64,
    editor: UserId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets set title = $2, content = $3, content_html = $4, hours = $5::bigint / 100.0,
                modified_by_id = $6, last_activity_at = now()
         where ticket_id = $1",
        id.0,
        title,
        content,
        content_html,
        hours_cents,
        editor.0
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a ticket; its replies, attachments, edit history, subscriptions and activity go with it (cascade).
#[tracing::instrument(skip_all, fields(ticket.id = %id), err)]
pub async fn delete(conn: &mut PgConnection, id: TicketId) -> sqlx::Result<bool> {
    Ok(
        sqlx::query!("delete from tickets where ticket_id = $1", id.0)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Everything the ticket page shows about the ticket itself.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// Id.
    pub ticket_id: TicketId,
    /// Title.
    pub title: String,
    /// Markdown source (for quoting and editing).
    pub content: String,
    /// Sanitised HTML of the body.
    pub content_html: String,
    /// Creator.
    pub creator_id: UserId,
    /// Creator's display name.
    pub creator_name: String,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Assignee's display name.
    pub assignee_name: Option<String>,
    /// Last editor's name.
    pub modified_by_name: Option<String>,
    /// Time of the last edit of the body that changed its text.
    pub last_edit_at: Option<DateTime<Utc>>,
    /// Category.
    pub category_id: CategoryId,
    /// Category name.
    pub category: String,
    /// Department name.
    pub department: String,
    /// Status.
    pub status_id: StatusId,
    /// Status name.
    pub status_name: String,
    /// Status kind.
    pub status_kind: String,
    /// Status colour.
    pub status_colour: String,
    /// Priority.
    pub priority_id: PriorityId,
    /// Priority name.
    pub priority_name: String,
    /// Priority kind (`low`, `medium`, `high`, `custom`).
    pub priority_kind: String,
    /// Priority colour.
    pub priority_colour: String,
    /// Hours on the body, in hundredths.
    pub hours_cents: i64,
    /// Hours on the body and every reply, in hundredths.
    pub total_hours_cents: i64,
    /// Number of replies.
    pub reply_count: i64,
    /// Raised at.
    pub created_at: DateTime<Utc>,
}

impl TicketView {
    /// The facts the permission rules look at.
    pub fn facts(&self) -> TicketFacts {
        TicketFacts::with_status_kind(self.creator_id, self.assignee_id, &self.status_kind)
    }
}

/// Reads a ticket for its page.
#[tracing::instrument(skip_all, fields(ticket.id = %id), err)]
pub async fn view<'c>(db: impl Db<'c>, id: TicketId) -> sqlx::Result<Option<TicketView>> {
    sqlx::query_as!(
        TicketView,
        // Names come from scalar subqueries rather than an eight-table join: the same lookups, but planned in a
        // fraction of the time (the join's order search cost more than running the whole statement).
        r#"select t.ticket_id as "ticket_id: TicketId", t.title, t.content, t.content_html,
                  t.creator_id as "creator_id: UserId",
                  (select x.name from users x where x.user_id = t.creator_id) as "creator_name!",
                  t.assignee_id as "assignee_id: UserId",
                  (select x.name from users x where x.user_id = t.assignee_id) as "assignee_name?",
                  (select x.name from users x where x.user_id = t.modified_by_id) as "modified_by_name?",
                  (select max(h.edited_at) from edit_history h
                    where h.ticket_id = t.ticket_id and h.post_id is null) as last_edit_at,
                  t.category_id as "category_id: CategoryId",
                  (select x.name from categories x where x.category_id = t.category_id) as "category!",
                  (select d.name from categories x join departments d on d.department_id = x.department_id
                    where x.category_id = t.category_id) as "department!",
                  t.status_id as "status_id: StatusId",
                  (select x.name from statuses x where x.status_id = t.status_id) as "status_name!",
                  (select x.kind from statuses x where x.status_id = t.status_id) as "status_kind!",
                  (select x.colour from statuses x where x.status_id = t.status_id) as "status_colour!",
                  t.priority_id as "priority_id: PriorityId",
                  (select x.name from priorities x where x.priority_id = t.priority_id) as "priority_name!",
                  (select x.kind from priorities x where x.priority_id = t.priority_id) as "priority_kind!",
                  (select x.colour from priorities x where x.priority_id = t.priority_id) as "priority_colour!",
                  (t.hours * 100)::bigint as "hours_cents!",
                  ((t.hours + t.reply_hours) * 100)::bigint as "total_hours_cents!",
                  t.reply_count::bigint as "reply_count!",
                  t.created_at
           from tickets t
           where t.ticket_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// One row of the simple ticket list.
#[derive(Debug, Clone)]
pub struct TicketListRow {
    /// Id.
    pub ticket_id: TicketId,
    /// Title.
    pub title: String,
    /// Status name.
    pub status_name: String,
    /// Status kind.
    pub status_kind: String,
    /// Priority name.
    pub priority_name: String,
    /// Priority kind.
    pub priority_kind: String,
    /// Assignee's name.
    pub assignee_name: Option<String>,
    /// Last activity.
    pub last_activity_at: DateTime<Utc>,
}

/// The newest tickets first.
#[tracing::instrument(skip_all, err)]
pub async fn newest<'c>(
    db: impl Db<'c>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TicketListRow>> {
    sqlx::query_as!(
        TicketListRow,
        r#"select t.ticket_id as "ticket_id: TicketId", t.title, s.name as status_name, s.kind as status_kind,
                  p.name as priority_name, p.kind as priority_kind, u.name as "assignee_name?",
                  t.last_activity_at
           from tickets t
           join statuses s using (status_id)
           join priorities p using (priority_id)
           left join users u on u.user_id = t.assignee_id
           order by t.ticket_id desc
           limit $1 offset $2"#,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of tickets.
pub async fn count<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from tickets"#)
        .fetch_one(db)
        .await
}

/// The facts the permission rules need, without a lock (for pages and downloads).
pub async fn facts<'c>(
    db: impl Db<'c>,
    id: TicketId,
) -> sqlx::Result<Option<crate::permissions::tickets::TicketFacts>> {
    let row = sqlx::query!(
        r#"select t.creator_id as "creator_id: UserId", t.assignee_id as "assignee_id: UserId",
                  s.kind = 'closed' as "closed!"
           from tickets t join statuses s using (status_id) where t.ticket_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| crate::permissions::tickets::TicketFacts {
        creator_id: r.creator_id,
        assignee_id: r.assignee_id,
        closed: r.closed,
    }))
}
