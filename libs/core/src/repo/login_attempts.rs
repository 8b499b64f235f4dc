//! Sign-in attempts, counted per account and per client address for the rate limit shared by every replica.

use super::Db;

/// Failed attempts in the window, for the account and for the address.
#[derive(Debug, Clone, Copy)]
pub struct RecentFailures {
    /// Failures for this account key (the lower-cased login as typed).
    pub account: i64,
    /// Failures from this address.
    pub ip: i64,
}

/// Counts failures within the last `window_secs` seconds; an account's count restarts after a success.
pub async fn recent_failures<'c>(
    db: impl Db<'c>,
    account_key: &str,
    ip: &str,
    window_secs: i64,
) -> sqlx::Result<RecentFailures> {
    let row = sqlx::query!(
        r#"select
             (select count(*) from login_attempts a
               where a.account_key = $1 and not a.succeeded
                 and a.attempted_at > greatest(now() - make_interval(secs => $3),
                     coalesce((select max(attempted_at) from login_attempts s
                               where s.account_key = $1 and s.succeeded), '-infinity'))) as "account!",
             (select count(*) from login_attempts
               where ip = $2 and not succeeded and attempted_at > now() - make_interval(secs => $3)) as "ip!""#,
        account_key,
        ip,
        window_secs as f64
    )
    .fetch_one(db)
    .await?;
    Ok(RecentFailures {
        account: row.account,
        ip: row.ip,
    })
}

/// Records one attempt.
pub async fn record<'c>(
    db: impl Db<'c>,
    account_key: &str,
    ip: &str,
    succeeded: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into login_attempts (account_key, ip, succeeded) values (left($1, 254), left($2, 64), $3)",
        account_key,
        ip,
        succeeded
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets attempts older than a day (housekeeping).
pub async fn delete_old<'c>(db: impl Db<'c>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from login_attempts where attempted_at < now() - interval '1 day'")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
