//! Periodic chores: the queue-depth and outbox-lag gauges, and vacuuming finished jobs out of Redis (apalis keeps
//! their data and results otherwise).

use std::time::Duration;

use flicket_core::queue::EmailQueue;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// Finished jobs older than this are removed from Redis.
const KEEP_FINISHED: Duration = Duration::from_secs(3600);

/// Runs every `interval` until `stop`.
pub async fn run(pool: PgPool, queue: EmailQueue, interval: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match queue.depth().await {
            Ok(depth) => metrics::gauge!("mailer_queue_depth").set(depth as f64),
            Err(e) => tracing::debug!(error = %e, "cannot read the queue depth"),
        }
        match flicket_core::repo::outbox::oldest_pending_age_secs(&pool).await {
            Ok(age) => metrics::gauge!("mailer_outbox_oldest_pending_seconds").set(age),
            Err(e) => tracing::debug!(error = %e, "cannot read the outbox lag"),
        }
        if let Err(e) = vacuum(&queue).await {
            tracing::debug!(error = %e, "cannot vacuum finished jobs");
        }
    }
}

async fn vacuum(queue: &EmailQueue) -> redis::RedisResult<()> {
    let mut conn = queue.connection();
    let config = queue.config();
    let script = redis::Script::new(VACUUM_BEFORE);
    let removed: u64 = script
        .key(config.job_data_hash())
        .key(config.job_meta_hash())
        .arg(KEEP_FINISHED.as_secs())
        .invoke_async(&mut conn)
        .await?;
    // Only dashboards read the done set; its ids outlive their data, so it is trimmed wholesale.
    let done: u64 = redis::cmd("SCARD")
        .arg(config.done_jobs_set())
        .query_async(&mut conn)
        .await?;
    if done > 10_000 {
        redis::cmd("DEL")
            .arg(config.done_jobs_set())
            .query_async::<()>(&mut conn)
            .await?;
    }
    if removed > 0 {
        tracing::debug!(removed, "vacuumed finished jobs");
    }
    Ok(())
}

/// apalis-redis's own `vacuum_before.lua` (the Vacuum trait needs a typed storage; the script is what it runs).
const VACUUM_BEFORE: &str = r#"
local terminal = { Done = true, Failed = true, Killed = true }
local result_hash = KEYS[2] .. ":result"
local cutoff = redis.call("TIME")[1] - tonumber(ARGV[1])
local deleted = 0
local fields = redis.call("hkeys", KEYS[1])
for _, task_id in ipairs(fields) do
  local meta_key = KEYS[2] .. ':' .. task_id
  local status = redis.call("hget", meta_key, "status")
  local done_at = redis.call("hget", meta_key, "done_at")
  if status and terminal[status] and done_at and tonumber(done_at) <= cutoff then
    redis.call("hdel", KEYS[1], task_id)
    redis.call("hdel", result_hash, task_id)
    redis.call("del", meta_key)
    deleted = deleted + 1
  end
end
return deleted
"#;
