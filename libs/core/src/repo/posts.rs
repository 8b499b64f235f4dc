//! Replies to tickets.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Db;
use crate::domain::{PostId, TicketId, UserId};

/// Inserts a reply.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id), err)]
pub async fn insert(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    author_id: UserId,
    content: &str,
    content_html: &str,
    hours_cents: i64,
) -> sqlx::Result<PostId> {
    sqlx::query_scalar!(
        r#"insert into posts (ticket_id, author_id, content, content_html, hours)
           values ($1, $2, $3, $4, $5::bigint / 100.0)
           returning post_id as "post_id: PostId""#,
        ticket_id.0,
        author_id.0,
        content,
        content_html,
        hours_cents
    )
    .fetch_one(conn)
    .await
}

/// A reply as the rules and the edit form need it.
#[derive(Debug, Clone)]
pub struct PostState {
    /// Id.
    pub post_id: PostId,
    /// Its ticket.
    pub ticket_id: TicketId,
    /// Author.
    pub author_id: UserId,
    /// Last editor.
    pub modified_by_id: Option<UserId>,
    /// Markdown source.
    pub content: String,
    /// Hours, in hundredths.
    pub hours_cents: i64,
}

/// Reads a reply.
#[tracing::instrument(skip_all, fields(post.id = %id), err)]
pub async fn get<'c>(db: impl Db<'c>, id: PostId) -> sqlx::Result<Option<PostState>> {
    sqlx::query_as!(
        PostState,
        r#"select post_id as "post_id: PostId", ticket_id as "ticket_id: TicketId",
                  author_id as "author_id: UserId", modified_by_id as "modified_by_id: UserId",
                  content, (hours * 100)::bigint as "hours_cents!"
           from posts where post_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// The id of the latest reply of a ticket (activities are shown after it).
pub async fn latest_id(
    conn: &mut PgConnection,
    ticket_id: TicketId,
) -> sqlx::Result<Option<PostId>> {
    sqlx::query_scalar!(
        r#"select max(post_id) as "id: PostId" from posts where ticket_id = $1"#,
        ticket_id.0
    )
    .fetch_one(conn)
    .await
}

/// The reply before `post_id` in its ticket, if any.
pub async fn previous_id(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: PostId,
) -> sqlx::Result<Option<PostId>> {
    sqlx::query_scalar!(
        r#"select max(post_id) as "id: PostId" from posts where ticket_id = $1 and post_id < $2"#,
        ticket_id.0,
        post_id.0
    )
    .fetch_one(conn)
    .await
}

/// Replaces a reply's body and hours after an edit.
#[tracing::instrument(skip_all, fields(post.id = %id), err)]
pub async fn save_content(
    conn: &mut PgConnection,
    id: PostId,
    content: &str,
    content_html: &str,
    hours_cents: i64,
    editor: UserId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update posts set content = $2, content_html = $3, hours = $4::bigint / 100.0, modified_by_id = $5
         where post_id = $1",
        id.0,
        content,
        content_html,
        hours_cents,
        editor.0
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a reply; its attachments and edit history go with it (cascade).
#[tracing::instrument(skip_all, fields(post.id = %id), err)]
pub async fn delete(conn: &mut PgConnection, id: PostId) -> sqlx::Result<()> {
    sqlx::query!("delete from posts where post_id = $1", id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Number of replies per author of a ticket (to correct the counters when the ticket is deleted).
pub async fn count_by_author(
    conn: &mut PgConnection,
    ticket_id: TicketId,
) -> sqlx::Result<Vec<(UserId, i64)>> {
    let rows = sqlx::query!(
        r#"select author_id as "author_id: UserId", count(*) as "n!"
           from posts where ticket_id = $1 group by author_id"#,
        ticket_id.0
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.author_id, r.n)).collect())
}

/// A reply as the ticket page shows it.
#[derive(Debug, Clone)]
pub struct PostView {
    /// Id.
    pub post_id: PostId,
    /// Author.
    pub author_id: UserId,
    /// Author's display name.
    pub author_name: String,
    /// Author's job title.
    pub author_job_title: String,
    /// Markdown source (for quoting).
    pub content: String,
    /// Sanitised HTML.
    pub content_html: String,
    /// Hours, in hundredths.
    pub hours_cents: i64,
    /// Posted at.
    pub created_at: DateTime<Utc>,
    /// Last editor's name.
    pub modified_by_name: Option<String>,
    /// Time of the last edit that changed the text.
    pub last_edit_at: Option<DateTime<Utc>>,
}

/// One page of a ticket's replies, oldest first.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id), err)]
pub async fn page<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<PostView>> {
    sqlx::query_as!(
        PostView,
        r#"select p.post_id as "post_id: PostId", p.author_id as "author_id: UserId", a.name as author_name,
                  a.job_title as author_job_title, p.content, p.content_html,
                  (p.hours * 100)::bigint as "hours_cents!", p.created_at, m.name as "modified_by_name?",
                  (select max(h.edited_at) from edit_history h where h.post_id = p.post_id) as last_edit_at
           from posts p
           join users a on a.user_id = p.author_id
           left join users m on m.user_id = p.modified_by_id
           where p.ticket_id = $1
           order by p.post_id
           limit $2 offset $3"#,
        ticket_id.0,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Position (0-based) of a reply in its ticket, to find the page it is on.
pub async fn position<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    post_id: PostId,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from posts where ticket_id = $1 and post_id < $2"#,
        ticket_id.0,
        post_id.0
    )
    .fetch_one(db)
    .await
}
