//! Housekeeping: expired sessions, old sign-in attempts, dead reset links and API tokens, old send-ledger rows.
//! Idempotent, so every replica may run it.

use flicket_core::repo::{housekeeping, login_attempts, sessions};
use sqlx::PgPool;

/// How long the send ledger and delivered outbox rows are kept (they are what proves an email went out).
pub const DELIVERY_RETENTION_DAYS: i32 = 90;

/// Runs one pass; returns the number of rows removed.
pub async fn run_once(pool: &PgPool) -> sqlx::Result<u64> {
    let removed = sessions::delete_expired(pool).await?
        + login_attempts::delete_old(pool).await?
        + housekeeping::delete_expired_password_resets(pool).await?
        + housekeeping::delete_dead_api_tokens(pool).await?
        + housekeeping::delete_old_deliveries(pool, DELIVERY_RETENTION_DAYS).await?;
    metrics::counter!("scheduler_housekeeping_rows_deleted_total").increment(removed);
    Ok(removed)
}
