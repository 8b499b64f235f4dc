//! The outbox: one row per email to send, written in the same transaction as the change that causes it.
//! The web pushes new rows to Redis after commit; the scheduler re-pushes rows that never made it.

use serde_json::Value;

use super::Db;
use crate::domain::{TicketId, UserId};

/// What kind of email an outbox row asks for (stored as text; the mailer picks the template from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// A new reply on a followed ticket.
    Reply,
    /// A new ticket (to subscribers other than the creator, if any).
    Opened,
    /// Claimed by someone.
    Claim,
    /// Assigned to someone.
    Assign,
    /// Released by its assignee.
    Release,
    /// Closed.
    Close,
    /// Reopened.
    Reopen,
    /// Password reset link.
    PasswordReset,
    /// Test email from the admin settings.
    TestEmail,
    /// Outstanding-ticket digest.
    Digest,
}

impl OutboxKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Reply => "reply",
            OutboxKind::Opened => "opened",
            OutboxKind::Claim => "claim",
            OutboxKind::Assign => "assign",
            OutboxKind::Release => "release",
            OutboxKind::Close => "close",
            OutboxKind::Reopen => "reopen",
            OutboxKind::PasswordReset => "password_reset",
            OutboxKind::TestEmail => "test_email",
            OutboxKind::Digest => "digest",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "reply" => OutboxKind::Reply,
            "opened" => OutboxKind::Opened,
            "claim" => OutboxKind::Claim,
            "assign" => OutboxKind::Assign,
            "release" => OutboxKind::Release,
            "close" => OutboxKind::Close,
            "reopen" => OutboxKind::Reopen,
            "password_reset" => OutboxKind::PasswordReset,
            "test_email" => OutboxKind::TestEmail,
            "digest" => OutboxKind::Digest,
            _ => return None,
        })
    }
}

/// A new outbox row.
#[derive(Debug, Clone)]
pub struct NewOutbox {
    /// Deterministic key, e.g. `reply:{post_id}:{user_id}`: the same event never produces two emails.
    pub idempotency_key: String,
    /// Which email.
    pub kind: OutboxKind,
    /// The recipient, when it is a user (their email and locale are read at send time).
    pub recipient_id: Option<UserId>,
    /// A raw address, when the recipient is not a user (test email).
    pub recipient_email: Option<String>,
    /// The ticket concerned, if any.
    pub ticket_id: Option<TicketId>,
    /// Small JSON with what the template needs beyond the ticket (e.g. `{"post_id": 7, "actor_id": 3}`).
    pub payload: Value,
}

/// Inserts a row; returns its id, or `None` when a row with the same idempotency key exists already.
#[tracing::instrument(skip_all, fields(key = %row.idempotency_key), err)]
pub async fn insert<'c>(db: impl Db<'c>, row: &NewOutbox) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into outbox (idempotency_key, kind, recipient_id, recipient_email, ticket_id, payload)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (idempotency_key) do nothing
         returning outbox_id",
        row.idempotency_key,
        row.kind.as_str(),
        row.recipient_id.map(|u| u.0),
        row.recipient_email,
        row.ticket_id.map(|t| t.0),
        row.payload
    )
    .fetch_optional(db)
    .await
}
