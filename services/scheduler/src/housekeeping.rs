//! Housekeeping: expired sessions and old sign-in attempts. Idempotent, so every replica may run it.

use std::time::Duration;

use flicket_core::repo::{login_attempts, sessions};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// Runs one pass; returns the number of rows removed.
pub async fn run_once(pool: &PgPool) -> sqlx::Result<u64> {
    let s = sessions::delete_expired(pool).await?;
    let a = login_attempts::delete_old(pool).await?;
    metrics::counter!("scheduler_housekeeping_rows_deleted_total").increment(s + a);
    Ok(s + a)
}

/// Runs a pass every ten minutes until `stop` is cancelled. A failing pass is logged; the next one still runs.
pub async fn run(pool: PgPool, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {
                match run_once(&pool).await {
                    Ok(n) => tracing::debug!(rows = n, "housekeeping done"),
                    Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
                }
            }
        }
    }
}
