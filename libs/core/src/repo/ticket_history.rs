//! Edit history: the content of a ticket body or a reply before each edit that changed it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Db;
use crate::domain::{PostId, TicketId, UserId};

/// A previous version to record.
pub struct NewEdit<'a> {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The reply (none: the ticket body).
    pub post_id: Option<PostId>,
    /// The text before the edit.
    pub original_content: &'a str,
    /// Its HTML.
    pub original_html: &'a str,
    /// Who wrote that text (its last editor, or its author).
    pub author_id: UserId,
    /// Who made the edit.
    pub edited_by_id: UserId,
}

/// Records a previous version.
#[tracing::instrument(skip_all, fields(ticket.id = %e.ticket_id), err)]
pub async fn insert(conn: &mut PgConnection, e: &NewEdit<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into edit_history (ticket_id, post_id, original_content, original_html, author_id, edited_by_id)
         values ($1, $2, $3, $4, $5, $6)",
        e.ticket_id.0,
        e.post_id.map(|p| p.0),
        e.original_content,
        e.original_html,
        e.author_id.0,
        e.edited_by_id.0
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One previous version, for the history page.
#[derive(Debug, Clone)]
pub struct EditView {
    /// When it was replaced.
    pub edited_at: DateTime<Utc>,
    /// Who had written it.
    pub author_name: Option<String>,
    /// Who replaced it.
    pub editor_name: Option<String>,
    /// Its HTML.
    pub original_html: String,
}

/// The previous versions of a ticket body (`post_id` none) or of a reply, newest first.
pub async fn list<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    post_id: Option<PostId>,
) -> sqlx::Result<Vec<EditView>> {
    sqlx::query_as!(
        EditView,
        r#"select h.edited_at, a.name as "author_name?", e.name as "editor_name?", h.original_html
           from edit_history h
           left join users a on a.user_id = h.author_id
           left join users e on e.user_id = h.edited_by_id
           where h.ticket_id = $1 and h.post_id is not distinct from $2
           order by h.edit_id desc"#,
        ticket_id.0,
        post_id.map(|p| p.0)
    )
    .fetch_all(db)
    .await
}

/// One previous version of a ticket body or of one of its replies, for the API.
#[derive(Debug, Clone)]
pub struct EditEntry {
    /// Id of the entry.
    pub edit_id: i64,
    /// The reply the text belonged to (none: the ticket body).
    pub post_id: Option<PostId>,
    /// When it was replaced.
    pub edited_at: DateTime<Utc>,
    /// Who had written it.
    pub author_name: Option<String>,
    /// Who replaced it.
    pub editor_name: Option<String>,
    /// The text before the edit (markdown).
    pub original_content: String,
    /// Its HTML.
    pub original_html: String,
}

/// One page of the previous versions of a ticket body and of its replies, newest first.
pub async fn page_for_ticket<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<EditEntry>> {
    sqlx::query_as!(
        EditEntry,
        r#"select h.edit_id, h.post_id as "post_id: PostId", h.edited_at, a.name as "author_name?",
                  e.name as "editor_name?", h.original_content, h.original_html
           from edit_history h
           left join users a on a.user_id = h.author_id
           left join users e on e.user_id = h.edited_by_id
           where h.ticket_id = $1
           order by h.edit_id desc
           limit $2 offset $3"#,
        ticket_id.0,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of previous versions of a ticket body and of its replies.
pub async fn count_for_ticket<'c>(db: impl Db<'c>, ticket_id: TicketId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from edit_history where ticket_id = $1"#,
        ticket_id.0
    )
    .fetch_one(db)
    .await
}
