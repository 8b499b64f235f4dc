//! The send ledger (`email_deliveries`): one row per idempotency key, so a job delivered twice sends one email.
//!
//! A mailer *claims* the row (state `sending`, `claimed_by`, `claimed_at`) before talking to SMTP, and finishes it
//! (`sent`, `failed`, `suppressed`) or releases it with a retry time. A claim older than the lease belongs to a
//! mailer that died; it is taken over — the only way one email can go out twice (see README, «Notifications»).

use chrono::{DateTime, Utc};

use super::Db;

/// The outcome of trying to claim a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This worker holds the row: send. `attempts` counts this one; `took_over` when a stale claim was taken.
    Claimed {
        /// Attempts so far, this one included.
        attempts: i32,
        /// Whether another worker's expired claim was taken over (a possible duplicate).
        took_over: bool,
    },
    /// Already finished (`sent`, `failed` or `suppressed`): a duplicate job, nothing to do.
    Finished(String),
    /// Another worker holds a fresh claim until this time.
    Busy(DateTime<Utc>),
    /// A retry is scheduled at this time; it is too early.
    NotYet(DateTime<Utc>),
}

/// Claims the delivery of `key` for `worker` (creating the ledger row on first use).
#[tracing::instrument(skip_all, fields(key, worker), err)]
pub async fn claim(
    conn: &mut sqlx::PgConnection,
    key: &str,
    outbox_id: i64,
    recipient: &str,
    worker: &str,
    lease_secs: f64,
) -> sqlx::Result<Claim> {
    // `prev` sees the row as it was before this statement: a claim that had not been released is being taken over.
    let claimed = sqlx::query!(
        r#"with prev as (select claimed_at from email_deliveries where idempotency_key = $1)
           insert into email_deliveries (idempotency_key, outbox_id, recipient, state, attempts, claimed_by, claimed_at)
           values ($1, $2, $3, 'sending', 1, $4, now())
           on conflict (idempotency_key) do update
              set attempts = email_deliveries.attempts + 1, recipient = excluded.recipient,
                  claimed_by = excluded.claimed_by, claimed_at = now()
            where email_deliveries.state = 'sending'
              and (email_deliveries.claimed_at is null
                   or email_deliveries.claimed_at < now() - make_interval(secs => $5))
              and (email_deliveries.next_attempt_at is null
                   or email_deliveries.next_attempt_at <= now() + interval '2 seconds')
           returning attempts, coalesce((select claimed_at is not null from prev), false) as "took_over!""#,
        key,
        outbox_id,
        recipient,
        worker,
        lease_secs
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = claimed {
        return Ok(Claim::Claimed {
            attempts: row.attempts,
            took_over: row.took_over,
        });
    }
    let row = sqlx::query!(
        r#"select state, claimed_at, next_attempt_at from email_deliveries where idempotency_key = $1"#,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(
        match (row.state.as_str(), row.claimed_at, row.next_attempt_at) {
            ("sending", Some(at), _) => {
                Claim::Busy(at + chrono::Duration::milliseconds((lease_secs * 1000.0) as i64))
            }
            ("sending", None, Some(next)) => Claim::NotYet(next),
            ("sending", None, None) => Claim::NotYet(Utc::now()),
            (state, _, _) => Claim::Finished(state.to_owned()),
        },
    )
}

/// Marks the delivery sent (whoever holds the claim: the email did go out) and the outbox row done, in one
/// statement (one round trip: the window in which a crash leaves a sent email unrecorded is as short as it gets).
#[tracing::instrument(skip_all, fields(key), err)]
pub async fn mark_sent(
    conn: &mut sqlx::PgConnection,
    key: &str,
    outbox_id: i64,
    message_id: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with sent as (
             update email_deliveries
             set state = 'sent', message_id = $2, finished_at = now(), claimed_by = null, claimed_at = null,
                 next_attempt_at = null, last_error = null
             where idempotency_key = $1 and state = 'sending'
         )
         update outbox set delivered_at = now() where outbox_id = $3 and delivered_at is null",
        key,
        message_id,
        outbox_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Finishes a delivery without sending: `failed` (permanently) or `suppressed`, with the reason. Only the claim
/// holder may do it (`worker`), so a stale worker cannot overwrite what its successor recorded.
#[tracing::instrument(skip_all, fields(key, state), err)]
pub async fn finish_unsent(
    conn: &mut sqlx::PgConnection,
    key: &str,
    outbox_id: i64,
    worker: &str,
    state: &str,
    reason: &str,
) -> sqlx::Result<bool> {
    let reason = truncate(reason, 2000);
    let done = sqlx::query_scalar!(
        r#"with finished as (
               update email_deliveries
               set state = $3, last_error = $4, finished_at = now(), claimed_by = null, claimed_at = null,
                   next_attempt_at = null
               where idempotency_key = $1 and state = 'sending' and claimed_by = $2
               returning outbox_id
           ), outbox_done as (
               update outbox set delivered_at = now()
               where outbox_id = $5 and delivered_at is null and exists (select 1 from finished)
           )
           select exists (select 1 from finished) as "done!""#,
        key,
        worker,
        state,
        reason,
        outbox_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(done)
}

/// Releases the claim after a transient failure and schedules the next attempt.
#[tracing::instrument(skip_all, fields(key), err)]
pub async fn schedule_retry(
    conn: &mut sqlx::PgConnection,
    key: &str,
    outbox_id: i64,
    worker: &str,
    reason: &str,
    next_attempt_at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let reason = truncate(reason, 2000);
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let done = sqlx::query!(
        "update email_deliveries
         set last_error = $3, next_attempt_at = $4, claimed_by = null, claimed_at = null
         where idempotency_key = $1 and state = 'sending' and claimed_by = $2",
        key,
        worker,
        reason,
        next_attempt_at
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if done {
        super::outbox::mark_enqueued(&mut *tx, &[outbox_id]).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Releases a claim without counting an attempt (the mailer is shutting down, or could not even try).
pub async fn release(conn: &mut sqlx::PgConnection, key: &str, worker: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update email_deliveries set claimed_by = null, claimed_at = null, attempts = greatest(attempts - 1, 0)
         where idempotency_key = $1 and state = 'sending' and claimed_by = $2",
        key,
        worker
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().filter(|c| *c != '\0').take(max).collect()
}

/// One line of the admin's email log.
#[derive(Debug, Clone)]
pub struct DeliveryLine {
    /// The ledger row.
    pub email_delivery_id: i64,
    /// The outbox row (null once the outbox row is gone).
    pub outbox_id: Option<i64>,
    /// Email kind (`reply`, `digest`…), when the outbox row still exists.
    pub kind: Option<String>,
    /// Address.
    pub recipient: String,
    /// `sending`, `sent`, `failed` or `suppressed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed, or why it was suppressed.
    pub last_error: Option<String>,
    /// First attempt.
    pub created_at: DateTime<Utc>,
    /// When it was sent, failed for good or suppressed.
    pub finished_at: Option<DateTime<Utc>>,
    /// When the next attempt is due, while retrying.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// The most recent deliveries, newest first (the admin's email log).
#[tracing::instrument(skip_all, err)]
pub async fn recent<'c>(db: impl Db<'c>, limit: i64) -> sqlx::Result<Vec<DeliveryLine>> {
    sqlx::query_as!(
        DeliveryLine,
        r#"select d.email_delivery_id, d.outbox_id, o.kind as "kind?", d.recipient, d.state, d.attempts,
                  d.last_error, d.created_at, d.finished_at, d.next_attempt_at
           from email_deliveries d left join outbox o using (outbox_id)
           order by d.created_at desc, d.email_delivery_id desc
           limit $1"#,
        limit
    )
    .fetch_all(db)
    .await
}

/// Puts a failed delivery back in line (the admin's "retry"); returns the outbox id to push, or `None` when the
/// delivery is not failed or its outbox row is gone. Push it after commit (or let the scheduler do it).
#[tracing::instrument(skip_all, fields(email_delivery_id), err)]
pub async fn retry_failed(
    conn: &mut sqlx::PgConnection,
    email_delivery_id: i64,
) -> sqlx::Result<Option<i64>> {
    let outbox_id = sqlx::query_scalar!(
        r#"update email_deliveries
           set state = 'sending', attempts = 0, next_attempt_at = null, claimed_by = null, claimed_at = null,
               finished_at = null
           where email_delivery_id = $1 and state = 'failed' and outbox_id is not null
           returning outbox_id as "outbox_id!""#,
        email_delivery_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = outbox_id {
        sqlx::query!(
            "update outbox set delivered_at = null, enqueued_at = null where outbox_id = $1",
            id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(outbox_id)
}
