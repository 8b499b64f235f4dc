//! Attachment rows. The files live in the upload directory under `stored_name`; this table is the only way to them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Db;
use crate::domain::{PostId, TicketId, UserId};

/// A stored file to record.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Random id (also the download URL).
    pub attachment_id: Uuid,
    /// Cleaned original name (metadata only).
    pub original_name: String,
    /// Random file name in the upload directory.
    pub stored_name: String,
    /// Content type served.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content.
    pub sha256: Vec<u8>,
}

/// Records an attachment of a ticket body (`post_id` none) or of a reply.
#[tracing::instrument(skip_all, fields(ticket.id = %ticket_id), err)]
pub async fn insert(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: Option<PostId>,
    uploader_id: UserId,
    a: &NewAttachment,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into attachments (attachment_id, ticket_id, post_id, uploader_id, original_name, stored_name,
                                  content_type, size_bytes, sha256)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        a.attachment_id,
        ticket_id.0,
        post_id.map(|p| p.0),
        uploader_id.0,
        a.original_name,
        a.stored_name,
        a.content_type,
        a.size_bytes,
        a.sha256
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An attachment as listed under its post.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    /// Id (download URL).
    pub attachment_id: Uuid,
    /// The reply it belongs to (none: the ticket body).
    pub post_id: Option<PostId>,
    /// Original name.
    pub original_name: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Uploaded at.
    pub created_at: DateTime<Utc>,
}

/// Every attachment of a ticket (body and replies).
pub async fn for_ticket<'c>(
    db: impl Db<'c>,
    ticket_id: TicketId,
) -> sqlx::Result<Vec<AttachmentView>> {
    sqlx::query_as!(
        AttachmentView,
        r#"select attachment_id, post_id as "post_id: PostId", original_name, size_bytes, created_at
           from attachments where ticket_id = $1 order by created_at, original_name"#,
        ticket_id.0
    )
    .fetch_all(db)
    .await
}

/// What the download handler needs.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// Id.
    pub attachment_id: Uuid,
    /// Its ticket (the viewer must be allowed to see it).
    pub ticket_id: TicketId,
    /// Original name.
    pub original_name: String,
    /// File name in the upload directory.
    pub stored_name: String,
    /// Content type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
}

/// Reads one attachment.
#[tracing::instrument(skip_all, err)]
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<AttachmentFile>> {
    sqlx::query_as!(
        AttachmentFile,
        r#"select attachment_id, ticket_id as "ticket_id: TicketId", original_name, stored_name, content_type,
                  size_bytes
           from attachments where attachment_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Number of attachments on a ticket body (`post_id` none) or a reply.
pub async fn count_on(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: Option<PostId>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from attachments
           where ticket_id = $1 and post_id is not distinct from $2"#,
        ticket_id.0,
        post_id.map(|p| p.0)
    )
    .fetch_one(conn)
    .await
}

/// Deletes the chosen attachments of a ticket body or a reply (ids of other posts are ignored); returns the stored
/// names of the files to remove after commit.
pub async fn delete_chosen(
    conn: &mut PgConnection,
    ticket_id: TicketId,
    post_id: Option<PostId>,
    ids: &[Uuid],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "delete from attachments
         where ticket_id = $1 and post_id is not distinct from $2 and attachment_id = any($3)
         returning stored_name",
        ticket_id.0,
        post_id.map(|p| p.0),
        ids
    )
    .fetch_all(conn)
    .await
}

/// Stored names of every file of a ticket (before deleting it).
pub async fn stored_names_of_ticket(
    conn: &mut PgConnection,
    ticket_id: TicketId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select stored_name from attachments where ticket_id = $1",
        ticket_id.0
    )
    .fetch_all(conn)
    .await
}

/// Stored names of every file of a reply (before deleting it).
pub async fn stored_names_of_post(
    conn: &mut PgConnection,
    post_id: PostId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select stored_name from attachments where post_id = $1",
        post_id.0
    )
    .fetch_all(conn)
    .await
}
