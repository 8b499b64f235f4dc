//! The email job queue in Redis (apalis-redis layout), as its producers see it: push now, push later, and the
//! outbox re-push the scheduler runs. The connection is lazy: a producer starts and keeps running while Redis is down;
//! every push has a short timeout and its failure is only logged by the callers (the outbox keeps the truth).

use std::time::Duration;

use apalis::prelude::TaskBuilder;
use apalis_redis::ConnectionManager;
use redis::aio::ConnectionManagerConfig;
use sqlx::PgPool;

use crate::jobs::EmailJob;

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Redis refused or is unreachable.
    #[error("redis: {0}")]
    Redis(String),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// PostgreSQL failed (re-push bookkeeping).
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The apalis-redis configuration of an email queue: the queue name, and no pub/sub events (nothing listens).
pub fn redis_config(queue: &str) -> apalis_redis::Config {
    apalis_redis::Config::default()
        .queue(queue)
        .emit_events(false)
}

/// A lazily connecting, self-reconnecting Redis connection with short timeouts.
pub fn lazy_connection(redis_url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(redis_url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(2));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
}

/// The producer side of an email queue. Cheap to clone.
#[derive(Clone)]
pub struct EmailQueue {
    conn: ConnectionManager,
    config: apalis_redis::Config,
    timeout: Duration,
}

impl std::fmt::Debug for EmailQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailQueue")
            .field("queue", &self.config.queue.as_ref())
            .finish_non_exhaustive()
    }
}

impl EmailQueue {
    /// A queue on a lazy connection to `redis_url`.
    pub fn connect_lazy(redis_url: &str, queue: &str) -> anyhow::Result<Self> {
        Ok(Self::with_connection(lazy_connection(redis_url)?, queue))
    }

    /// A queue on an existing connection.
    pub fn with_connection(conn: ConnectionManager, queue: &str) -> Self {
        Self {
            conn,
            config: redis_config(queue),
            timeout: Duration::from_secs(3),
        }
    }

    /// The queue name.
    pub fn name(&self) -> &str {
        self.config.queue.as_ref()
    }

    /// The apalis-redis configuration (key names).
    pub fn config(&self) -> &apalis_redis::Config {
        &self.config
    }

    /// A clone of the connection.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Pushes jobs to run now.
    pub async fn push(&self, jobs: &[EmailJob]) -> Result<(), QueueError> {
        let tasks: Vec<_> = jobs
            .iter()
            .map(|j| TaskBuilder::new(j.to_bytes()).build())
            .collect();
        self.push_raw(tasks).await
    }

    /// Pushes a job to run after `delay` (a retry); Redis holds it in its scheduled set meanwhile.
    pub async fn push_after(&self, job: &EmailJob, delay: Duration) -> Result<(), QueueError> {
        self.push_raw(vec![
            TaskBuilder::new(job.to_bytes()).run_after(delay).build(),
        ])
        .await
    }

    /// Pushes arbitrary bytes as jobs (tests use it to push malformed payloads).
    pub async fn push_bytes(&self, payloads: Vec<Vec<u8>>) -> Result<(), QueueError> {
        self.push_raw(
            payloads
                .into_iter()
                .map(|p| TaskBuilder::new(p).build())
                .collect(),
        )
        .await
    }

    async fn push_raw(&self, tasks: Vec<apalis_redis::RedisTask>) -> Result<(), QueueError> {
        if tasks.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        let push = apalis_redis::queries::push_tasks(&mut conn, &self.config, &tasks);
        match tokio::time::timeout(self.timeout, push).await {
            Ok(Ok(_)) => {
                metrics::counter!("email_jobs_pushed_total").increment(tasks.len() as u64);
                Ok(())
            }
            Ok(Err(e)) => Err(QueueError::Redis(e.to_string())),
            Err(_) => Err(QueueError::Timeout(self.timeout)),
        }
    }

    /// Jobs waiting in Redis (ready now plus scheduled for later).
    pub async fn depth(&self) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.llen(self.config.active_jobs_list())
            .zcard(self.config.scheduled_jobs_set());
        let query = pipe.query_async::<(u64, u64)>(&mut conn);
        match tokio::time::timeout(self.timeout, query).await {
            Ok(Ok((active, scheduled))) => Ok(active + scheduled),
            Ok(Err(e)) => Err(QueueError::Redis(e.to_string())),
            Err(_) => Err(QueueError::Timeout(self.timeout)),
        }
    }
}

/// Pushes committed outbox rows now and records the push, as the web's relay does after a commit. A failed push is
/// not an error for the caller: the rows stay un-enqueued and the outbox re-push takes them a few seconds later.
/// Returns the rows pushed.
#[tracing::instrument(skip_all, fields(queue = queue.name(), count = outbox_ids.len()))]
pub async fn push_committed(pool: &PgPool, queue: &EmailQueue, outbox_ids: &[i64]) -> u64 {
    if outbox_ids.is_empty() {
        return 0;
    }
    let jobs: Vec<EmailJob> = outbox_ids.iter().map(|id| EmailJob::new(*id)).collect();
    if let Err(e) = queue.push(&jobs).await {
        tracing::warn!(error = %e, "cannot push email jobs; the outbox re-push will");
        return 0;
    }
    if let Err(e) = crate::repo::outbox::mark_enqueued(pool, outbox_ids).await {
        // Harmless: the re-push pushes these rows once more; the mailer's ledger sends one email.
        tracing::warn!(error = %e, "cannot record the push");
    }
    outbox_ids.len() as u64
}

/// When the scheduler pushes outbox rows (again).
#[derive(Debug, Clone, Copy)]
pub struct RepushPolicy {
    /// A row never pushed this long after its creation (Redis was down when the web tried) is pushed.
    pub not_enqueued_after: Duration,
    /// A row pushed this long ago (or whose scheduled retry is this much overdue) and still not delivered is
    /// pushed again: Redis lost the job.
    pub not_delivered_after: Duration,
    /// Rows per transaction.
    pub batch: i64,
}

impl Default for RepushPolicy {
    fn default() -> Self {
        Self {
            not_enqueued_after: Duration::from_secs(30),
            not_delivered_after: Duration::from_secs(15 * 60),
            batch: 500,
        }
    }
}

/// One pass of the outbox re-push: in batches, lock due rows (`SKIP LOCKED`, so replicas split the work), push
/// them, mark them enqueued, commit. A push failure rolls the batch back for the next pass. Returns rows pushed.
#[tracing::instrument(skip_all, fields(queue = queue.name()), err)]
pub async fn repush_due(
    pool: &PgPool,
    queue: &EmailQueue,
    policy: RepushPolicy,
) -> Result<u64, QueueError> {
    let mut pushed = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows = crate::repo::outbox::lock_due_for_push(
            &mut tx,
            policy.not_enqueued_after.as_secs_f64(),
            policy.not_delivered_after.as_secs_f64(),
            policy.batch,
        )
        .await?;
        if rows.is_empty() {
            return Ok(pushed);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.outbox_id).collect();
        let jobs: Vec<EmailJob> = rows
            .into_iter()
            .map(|r| {
                let trace = r
                    .trace_context
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default();
                EmailJob::with_trace(r.outbox_id, trace)
            })
            .collect();
        queue.push(&jobs).await?;
        crate::repo::outbox::mark_enqueued(&mut *tx, &ids).await?;
        tx.commit().await?;
        pushed += ids.len() as u64;
        metrics::counter!("outbox_repushed_total").increment(ids.len() as u64);
        if (ids.len() as i64) < policy.batch {
            return Ok(pushed);
        }
    }
}
