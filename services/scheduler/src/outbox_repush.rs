//! The outbox re-push: every few seconds, push the outbox rows that never reached Redis (it was down when the web
//! tried) and those whose job Redis lost (pushed long ago, still not delivered). Set-based and `SKIP LOCKED`, so any
//! number of replicas can run it; a row pushed twice is harmless (the mailer's ledger sends one email).
//!
//! Every [`LOSS_CHECK`] it also asks Redis whether it lost the queue's data (a sentinel key is gone: restart without
//! persistence, flush, eviction); if so, every undelivered row is pushed at once rather than after
//! `not_delivered_after`.

use std::time::Duration;

use flicket_core::queue::{EmailQueue, RepushPolicy, recover_lost_jobs, repush_due};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// How often the re-push runs.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// How often Redis is asked whether it lost the queue's data (one `SET NX`).
pub const LOSS_CHECK: Duration = Duration::from_secs(2);

/// Runs a pass every `interval` until `stop` is cancelled. A failing pass is logged; the next one still runs.
pub async fn run(
    pool: PgPool,
    queue: EmailQueue,
    policy: RepushPolicy,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut check = tokio::time::interval(LOSS_CHECK.min(interval));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = check.tick() => {
                // Redis down is the re-push's business (logged there); only a loss is worth a line here.
                if let Err(e) = recover_lost_jobs(&pool, &queue, policy.batch).await {
                    tracing::debug!(error = %e, "cannot check the email queue for lost data");
                }
            }
            _ = tick.tick() => {
                match repush_due(&pool, &queue, policy).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(rows = n, "outbox rows pushed to the email queue"),
                    Err(e) => tracing::warn!(error = %e, "outbox re-push failed; retrying next tick"),
                }
            }
        }
    }
}
