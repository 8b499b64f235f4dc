//! The outbox: one row per email to send, written in the same transaction as the change that causes it.
//! The web pushes new rows to Redis after commit; the scheduler re-pushes rows that never made it.

use serde_json::Value;

use super::Db;
use crate::domain::{TicketId, UserId};
use crate::outbox_message::OutboxMessage;

/// What kind of email an outbox row asks for (stored as text in the `kind` column, and as the tag of the row's
/// [`OutboxMessage`]).
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
    /// The recipient, when it is a user (their email and locale are read at send time).
    pub recipient_id: Option<UserId>,
    /// A raw address, when the recipient is not a user (test email).
    pub recipient_email: Option<String>,
    /// The ticket concerned, if any.
    pub ticket_id: Option<TicketId>,
    /// Which email, with what its template needs beyond the recipient and the ticket (its kind fills the row's
    /// `kind` column).
    pub message: OutboxMessage,
}

/// Inserts a row; returns its id, or `None` when a row with the same idempotency key exists already.
///
/// The row keeps the W3C trace context of the caller's span, so an email re-pushed later by the scheduler still
/// belongs to the trace (and hangs under the span) of the change that caused it.
pub async fn insert<'c>(db: impl Db<'c>, row: &NewOutbox) -> sqlx::Result<Option<i64>> {
    let trace = crate::jobs::current_trace_context();
    let trace = (!trace.is_empty()).then(|| serde_json::json!(trace));
    insert_row(db, row, trace).await
}

#[tracing::instrument(name = "outbox::insert", skip_all, fields(key = %row.idempotency_key), err)]
async fn insert_row<'c>(
    db: impl Db<'c>,
    row: &NewOutbox,
    trace: Option<Value>,
) -> sqlx::Result<Option<i64>> {
    let payload = row
        .message
        .to_payload()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_scalar!(
        "insert into outbox (idempotency_key, kind, recipient_id, recipient_email, ticket_id, payload, trace_context)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (idempotency_key) do nothing
         returning outbox_id",
        row.idempotency_key,
        row.message.kind().as_str(),
        row.recipient_id.map(|u| u.0),
        row.recipient_email,
        row.ticket_id.map(|t| t.0),
        payload,
        trace
    )
    .fetch_optional(db)
    .await
}

/// Records that these rows were just pushed to the queue.
#[tracing::instrument(skip_all, fields(count = outbox_ids.len()), err)]
pub async fn mark_enqueued<'c>(db: impl Db<'c>, outbox_ids: &[i64]) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "update outbox set enqueued_at = now(), enqueue_count = enqueue_count + 1
         where outbox_id = any($1) and delivered_at is null",
        outbox_ids
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A row the scheduler must push (again), with the trace context stored when it was written.
#[derive(Debug, Clone)]
pub struct DueRow {
    /// The row.
    pub outbox_id: i64,
    /// `{"traceparent": …}` or null.
    pub trace_context: Option<Value>,
}

/// Locks (`FOR UPDATE SKIP LOCKED`, so replicas share the work) up to `limit` undelivered rows that were never
/// pushed within `not_enqueued_secs` of their creation, or whose last push (or scheduled retry) is more than
/// `not_delivered_secs` old without a delivery (Redis lost the job). Call inside a transaction, push, then
/// [`mark_enqueued`] and commit.
#[tracing::instrument(skip_all, err)]
pub async fn lock_due_for_push(
    conn: &mut sqlx::PgConnection,
    not_enqueued_secs: f64,
    not_delivered_secs: f64,
    limit: i64,
) -> sqlx::Result<Vec<DueRow>> {
    sqlx::query_as!(
        DueRow,
        r#"select o.outbox_id, o.trace_context
           from outbox o
           left join email_deliveries d on d.idempotency_key = o.idempotency_key
           where o.delivered_at is null
             and ((o.enqueued_at is null and o.created_at < now() - make_interval(secs => $1))
               or (o.enqueued_at < now() - make_interval(secs => $2)
                   and (d.next_attempt_at is null or d.next_attempt_at < now() - make_interval(secs => $2))
                   and (d.claimed_at is null or d.claimed_at < now() - make_interval(secs => $2))))
           order by o.created_at
           limit $3
           for update of o skip locked"#,
        not_enqueued_secs,
        not_delivered_secs,
        limit
    )
    .fetch_all(&mut *conn)
    .await
}

/// The database's clock (cut-offs are taken on it, never on the caller's).
pub async fn db_now<'c>(db: impl Db<'c>) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar!(r#"select now() as "now!""#)
        .fetch_one(db)
        .await
}

/// Locks (`FOR UPDATE SKIP LOCKED`) up to `limit` undelivered rows created before `cutoff` and not pushed since:
/// after Redis lost its data, every one of them may be missing from the queue (pushed, retry scheduled, or never
/// pushed because Redis was down). Pushing them marks them enqueued after `cutoff`, so a batch loop ends.
#[tracing::instrument(skip_all, err)]
pub async fn lock_undelivered_before(
    conn: &mut sqlx::PgConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> sqlx::Result<Vec<DueRow>> {
    sqlx::query_as!(
        DueRow,
        r#"select o.outbox_id, o.trace_context
           from outbox o
           where o.delivered_at is null
             and o.created_at < $1
             and (o.enqueued_at is null or o.enqueued_at < $1)
           order by o.created_at
           limit $2
           for update of o skip locked"#,
        cutoff,
        limit
    )
    .fetch_all(&mut *conn)
    .await
}

/// Age in seconds of the oldest row not yet delivered (0 when none): the lag of the whole pipeline.
pub async fn oldest_pending_age_secs<'c>(db: impl Db<'c>) -> sqlx::Result<f64> {
    sqlx::query_scalar!(
        r#"select coalesce(extract(epoch from now() - min(created_at))::float8, 0) as "age!"
           from outbox where delivered_at is null"#
    )
    .fetch_one(db)
    .await
}
