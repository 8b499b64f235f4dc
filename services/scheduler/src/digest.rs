//! The digest job: on every tick, run the latest scheduled period of the digest if nobody has run it yet.
//!
//! The schedule is read from the settings on every tick, so an admin's change applies without a restart. Only the
//! latest period at or before now is considered: after downtime a missed period runs once, not once per missed tick.

use std::time::Instant;

use chrono::{DateTime, Utc};
use flicket_core::digest::{DigestSchedule, period_key};
use flicket_core::queue::{EmailQueue, push_committed};
use flicket_core::repo::digests::{self, PeriodOutcome};
use flicket_core::repo::settings;
use sqlx::PgPool;

/// What a tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickOutcome {
    /// Digests are switched off in the settings.
    Disabled,
    /// The schedule in the settings does not parse (logged).
    InvalidSchedule,
    /// The schedule has no instant before now.
    NothingDue,
    /// The latest period was run here.
    Ran {
        /// The period key.
        period: String,
        /// Emails enqueued.
        emails: u64,
    },
    /// The latest period had already been run.
    AlreadyRun(String),
}

/// One tick at `now`.
#[tracing::instrument(skip(pool, queue), err)]
pub async fn tick(
    pool: &PgPool,
    queue: &EmailQueue,
    now: DateTime<Utc>,
    instance: &str,
) -> anyhow::Result<TickOutcome> {
    let s = settings::load(pool).await?;
    if !s.digest_enabled {
        return Ok(TickOutcome::Disabled);
    }
    let schedule = match DigestSchedule::parse(&s.digest_cron, &s.digest_timezone) {
        Ok(schedule) => schedule,
        Err(e) => {
            tracing::warn!(error = %e, "digest schedule in the settings is invalid; no digest is sent");
            return Ok(TickOutcome::InvalidSchedule);
        }
    };
    let Some(due) = schedule.latest_at_or_before(now) else {
        return Ok(TickOutcome::NothingDue);
    };
    let period = period_key(due);
    Ok(match run(pool, queue, &period, instance).await? {
        PeriodOutcome::Ran(emails) => TickOutcome::Ran { period, emails },
        PeriodOutcome::AlreadyRun => TickOutcome::AlreadyRun(period),
    })
}

/// Runs one period (also the `run digest` command), with metrics, then pushes its emails to the queue after the
/// commit, as the web does: they leave at once instead of waiting for the outbox re-push.
pub async fn run(
    pool: &PgPool,
    queue: &EmailQueue,
    period: &str,
    instance: &str,
) -> anyhow::Result<PeriodOutcome> {
    let start = Instant::now();
    let mut conn = pool.acquire().await?;
    let outcome = digests::run_period(&mut conn, period, instance).await?;
    if let PeriodOutcome::Ran(emails) = outcome {
        metrics::counter!("scheduler_digest_emails_enqueued_total").increment(emails);
        metrics::histogram!("scheduler_digest_duration_seconds")
            .record(start.elapsed().as_secs_f64());
        tracing::info!(period, emails, "digest period enqueued");
        let ids = digests::outbox_ids(&mut conn, period).await?;
        push_committed(pool, queue, &ids).await;
    }
    Ok(outcome)
}
