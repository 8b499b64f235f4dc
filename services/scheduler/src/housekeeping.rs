//! Housekeeping: expired sessions and old sign-in attempts. Idempotent, so every replica may run it.

use flicket_core::repo::{login_attempts, sessions};
use sqlx::PgPool;

/// Runs one pass; returns the number of rows removed.
pub async fn run_once(pool: &PgPool) -> sqlx::Result<u64> {
    let s = sessions::delete_expired(pool).await?;
    let a = login_attempts::delete_old(pool).await?;
    metrics::counter!("scheduler_housekeeping_rows_deleted_total").increment(s + a);
    Ok(s + a)
}
