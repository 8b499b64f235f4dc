//! What the mailer reads at send time: the outbox row and its recipient, the ticket, people's names, a reply's
//! text, and the SMTP settings.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Db;

/// An outbox row with its recipient resolved.
#[derive(Debug, Clone)]
pub struct OutboxForSend {
    /// The row.
    pub outbox_id: i64,
    /// Deterministic key (the ledger's key too).
    pub idempotency_key: String,
    /// `reply`, `assign`… (see `repo::outbox::OutboxKind`).
    pub kind: String,
    /// Template data.
    pub payload: Value,
    /// The ticket concerned.
    pub ticket_id: Option<i64>,
    /// When the change happened (queue lag is measured from here).
    pub created_at: DateTime<Utc>,
    /// Set once the mailer is done with the row.
    pub delivered_at: Option<DateTime<Utc>>,
    /// A raw address (test email).
    pub recipient_email: Option<String>,
    /// The recipient user, when there is one.
    pub user_id: Option<i64>,
    /// Their address.
    pub user_email: Option<String>,
    /// Their display name.
    pub user_name: Option<String>,
    /// Their language (`en`, `fr`).
    pub user_locale: Option<String>,
    /// Disabled users get nothing.
    pub user_disabled: Option<bool>,
}

/// Loads an outbox row and its recipient; `None` when the row does not exist (any more).
#[tracing::instrument(skip_all, fields(outbox.id = outbox_id), err)]
pub async fn outbox_for_send<'c>(
    db: impl Db<'c>,
    outbox_id: i64,
) -> sqlx::Result<Option<OutboxForSend>> {
    sqlx::query_as!(
        OutboxForSend,
        r#"select o.outbox_id, o.idempotency_key, o.kind, o.payload, o.ticket_id, o.created_at, o.delivered_at,
                  o.recipient_email, u.user_id as "user_id?", u.email as "user_email?", u.name as "user_name?",
                  u.locale as "user_locale?", u.disabled as "user_disabled?"
           from outbox o left join users u on u.user_id = o.recipient_id
           where o.outbox_id = $1"#,
        outbox_id
    )
    .fetch_optional(db)
    .await
}

/// A ticket as the emails describe it.
#[derive(Debug, Clone)]
pub struct TicketForMail {
    /// Id (shown `#00042`).
    pub ticket_id: i64,
    /// Title (single line).
    pub title: String,
    /// The ticket's description (markdown source).
    pub content: String,
    /// Status name.
    pub status: String,
    /// Priority name.
    pub priority: String,
    /// Assignee's name, if claimed.
    pub assignee: Option<String>,
    /// Department name.
    pub department: String,
    /// Category name.
    pub category: String,
}

/// Loads a ticket for an email; `None` when it was deleted.
#[tracing::instrument(skip_all, fields(ticket.id = ticket_id), err)]
pub async fn ticket<'c>(db: impl Db<'c>, ticket_id: i64) -> sqlx::Result<Option<TicketForMail>> {
    sqlx::query_as!(
        TicketForMail,
        r#"select t.ticket_id, t.title, t.content, s.name as status, p.name as priority,
                  a.name as "assignee?", d.name as department, c.name as category
           from tickets t
           join statuses s using (status_id)
           join priorities p using (priority_id)
           join categories c using (category_id)
           join departments d on d.department_id = c.department_id
           left join users a on a.user_id = t.assignee_id
           where t.ticket_id = $1"#,
        ticket_id
    )
    .fetch_optional(db)
    .await
}

/// A user's display name.
pub async fn user_name<'c>(db: impl Db<'c>, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("select name from users where user_id = $1", user_id)
        .fetch_optional(db)
        .await
}

/// A user's language code.
pub async fn user_locale<'c>(db: impl Db<'c>, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("select locale from users where user_id = $1", user_id)
        .fetch_optional(db)
        .await
}

/// A reply's text and author's name.
#[derive(Debug, Clone)]
pub struct PostForMail {
    /// Markdown source.
    pub content: String,
    /// Author's display name.
    pub author: String,
}

/// Loads a reply for an email; `None` when it was deleted.
pub async fn post<'c>(db: impl Db<'c>, post_id: i64) -> sqlx::Result<Option<PostForMail>> {
    sqlx::query_as!(
        PostForMail,
        "select p.content, u.name as author from posts p join users u on u.user_id = p.author_id
         where p.post_id = $1",
        post_id
    )
    .fetch_optional(db)
    .await
}

/// The mail settings of the settings row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// Shown as the sender's name.
    pub application_title: String,
    /// Links in emails start with this.
    pub base_url: String,
    /// SMTP server; `None` = not configured.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: i32,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    /// SMTP user, if the server wants one.
    pub smtp_username: Option<String>,
    /// The password, encrypted (`crypto::encrypt`).
    pub smtp_password_enc: Option<Vec<u8>>,
    /// The sender address.
    pub mail_from: String,
    /// When true nothing is sent; deliveries are recorded as suppressed.
    pub suppress_send: bool,
    /// Changes whenever the row changes.
    pub updated_at: DateTime<Utc>,
}

/// Loads the mail settings.
#[tracing::instrument(skip_all, err)]
pub async fn settings<'c>(db: impl Db<'c>) -> sqlx::Result<MailSettings> {
    sqlx::query_as!(
        MailSettings,
        "select application_title, base_url, smtp_host, smtp_port, smtp_tls, smtp_username, smtp_password_enc,
                mail_from, suppress_send, updated_at
         from settings where settings_id = 1"
    )
    .fetch_one(db)
    .await
}

/// One ticket of a digest, read at send time.
#[derive(Debug, Clone)]
pub struct DigestTicket {
    /// Id.
    pub ticket_id: i64,
    /// Title.
    pub title: String,
    /// Priority name.
    pub priority: String,
    /// Status name.
    pub status: String,
    /// Assignee's name.
    pub assignee: Option<String>,
    /// Last reply, action or edit.
    pub last_activity_at: chrono::DateTime<chrono::Utc>,
}

/// The tickets of a digest (the scheduler stores their ids), still not closed, most recently active first.
pub async fn digest_tickets<'c>(db: impl Db<'c>, ids: &[i64]) -> sqlx::Result<Vec<DigestTicket>> {
    sqlx::query_as!(
        DigestTicket,
        r#"select t.ticket_id, t.title, p.name as priority, s.name as status, a.name as "assignee?",
                  t.last_activity_at
           from tickets t
           join priorities p on p.priority_id = t.priority_id
           join statuses s on s.status_id = t.status_id
           left join users a on a.user_id = t.assignee_id
           where t.ticket_id = any($1) and s.kind <> 'closed'
           order by t.last_activity_at desc, t.ticket_id
           limit 1000"#,
        ids
    )
    .fetch_all(db)
    .await
}
