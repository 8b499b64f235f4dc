//! Digest periods: claimed and filled in one transaction, so a period is either fully enqueued or not at all.

use sqlx::PgConnection;

use crate::outbox_message::OUTBOX_MESSAGE_VERSION;
use crate::repo::outbox::OutboxKind;

/// What running a period did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodOutcome {
    /// This call ran the period and enqueued this many emails.
    Ran(u64),
    /// The period had already been run (by this or another replica).
    AlreadyRun,
}

/// Claims `period` and writes one outbox row per user who should get a digest, in one transaction.
///
/// A second replica running the same period waits on the unique claim row until the first commits, then finds it
/// taken; a crash rolls everything back, so the next attempt runs the whole period. Recipients: enabled users who did
/// not opt out and who created, or are assigned to, at least one ticket that is not closed.
#[tracing::instrument(skip(conn), err)]
pub async fn run_period(
    conn: &mut PgConnection,
    period: &str,
    claimed_by: &str,
) -> sqlx::Result<PeriodOutcome> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let claimed = sqlx::query_scalar!(
        "insert into digest_runs (period_key, claimed_by) values ($1, $2)
         on conflict (period_key) do nothing
         returning period_key",
        period,
        claimed_by
    )
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        return Ok(PeriodOutcome::AlreadyRun);
    }
    // The payload is an `OutboxMessage::Digest` of this version, built here row by row (see `outbox_message`).
    let version = i32::try_from(OUTBOX_MESSAGE_VERSION).unwrap_or(i32::MAX);
    let enqueued = sqlx::query!(
        r#"with open_tickets as (
               select t.ticket_id, t.creator_id, t.assignee_id
               from tickets t join statuses s on s.status_id = t.status_id
               where s.kind <> 'closed'
           ),
           mine as (
               select creator_id as user_id, ticket_id from open_tickets
               union
               select assignee_id, ticket_id from open_tickets where assignee_id is not null
           )
           insert into outbox (idempotency_key, kind, recipient_id, payload)
           select $3::text || ':' || $1::text || ':' || u.user_id, $3::text, u.user_id,
                  jsonb_build_object('v', $2::int4, 'kind', $3::text, 'period', $1::text,
                                     'ticket_ids', jsonb_agg(m.ticket_id order by m.ticket_id))
           from mine m join users u on u.user_id = m.user_id
           where not u.disabled and not u.digest_opt_out
           group by u.user_id
           on conflict (idempotency_key) do nothing"#,
        period,
        version,
        OutboxKind::Digest.as_str()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update digest_runs set finished_at = now(), emails_enqueued = $2 where period_key = $1",
        period,
        i32::try_from(enqueued).unwrap_or(i32::MAX)
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PeriodOutcome::Ran(enqueued))
}

/// The outbox ids of a period's digests (to push them to the queue after the run).
pub async fn outbox_ids(conn: &mut PgConnection, period: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select outbox_id from outbox where kind = 'digest' and payload->>'period' = $1 and enqueued_at is null",
        period
    )
    .fetch_all(conn)
    .await
}
