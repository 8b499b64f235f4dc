//! Deletions of what has outlived its use. Each is idempotent, so several scheduler replicas may run them.

use super::Db;

/// Reset links that expired more than a day ago (kept a day so a late click still gets a clear "expired" answer).
pub async fn delete_expired_password_resets<'c>(db: impl Db<'c>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from password_resets where expires_at < now() - interval '1 day'")
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// API tokens expired or revoked more than a day ago.
pub async fn delete_dead_api_tokens<'c>(db: impl Db<'c>) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from api_tokens
         where expires_at < now() - interval '1 day' or revoked_at < now() - interval '1 day'"
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Send-ledger rows finished more than `days` days ago, and the delivered outbox rows they came from.
pub async fn delete_old_deliveries<'c>(db: impl Db<'c>, days: i32) -> sqlx::Result<u64> {
    let row = sqlx::query!(
        r#"with old_deliveries as (
               delete from email_deliveries
               where finished_at < now() - make_interval(days => $1)
               returning outbox_id
           ),
           old_outbox as (
               delete from outbox
               where delivered_at < now() - make_interval(days => $1)
               returning outbox_id
           )
           select (select count(*) from old_deliveries) + (select count(*) from old_outbox) as "n!""#,
        days
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(row.n).unwrap_or(0))
}
