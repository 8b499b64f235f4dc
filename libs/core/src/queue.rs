//! The email job queue in Redis (apalis-redis layout), as its producers see it: push now, push later, and the
//! outbox re-push the scheduler runs. The connection is lazy: a producer starts and keeps running while Redis is down;
//! every push has a short timeout and its failure is only logged by the callers (the outbox keeps the truth).

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::TaskBuilder;
use apalis_redis::ConnectionManager;
use redis::aio::ConnectionManagerConfig;
use sqlx::PgPool;
use tokio::sync::OnceCell;
use uuid::Uuid;

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
    installation: Option<Installation>,
}

/// The installation id, read once from the database on the first push.
#[derive(Clone)]
struct Installation {
    pool: PgPool,
    id: Arc<OnceCell<Uuid>>,
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
            installation: None,
        }
    }

    /// Stamps every job pushed from now on with the installation id of `pool`'s database (read on first use), so a
    /// mailer of another installation sharing the queue leaves them alone. Every producer of a service does this.
    pub fn identified_by(mut self, pool: PgPool) -> Self {
        self.installation = Some(Installation {
            pool,
            id: Arc::new(OnceCell::new()),
        });
        self
    }

    /// The installation id jobs are stamped with, if any; `None` when the queue is not identified or the database
    /// cannot say (the jobs then go unstamped, as before installations had ids).
    async fn installation_id(&self) -> Option<Uuid> {
        let inst = self.installation.as_ref()?;
        let id = inst
            .id
            .get_or_try_init(|| crate::repo::installation::id(&inst.pool))
            .await;
        match id {
            Ok(id) => Some(*id),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the installation id; the job goes unstamped");
                None
            }
        }
    }

    async fn stamp(&self, job: &EmailJob) -> Vec<u8> {
        if job.installation.is_some() {
            return job.to_bytes();
        }
        let mut job = job.clone();
        job.installation = self.installation_id().await;
        job.to_bytes()
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
        let mut tasks = Vec::with_capacity(jobs.len());
        for job in jobs {
            tasks.push(TaskBuilder::new(self.stamp(job).await).build());
        }
        self.push_raw(tasks).await
    }

    /// Pushes a job to run after `delay` (a retry); Redis holds it in its scheduled set meanwhile.
    pub async fn push_after(&self, job: &EmailJob, delay: Duration) -> Result<(), QueueError> {
        let bytes = self.stamp(job).await;
        self.push_raw(vec![TaskBuilder::new(bytes).run_after(delay).build()])
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

    /// The key whose absence tells that Redis lost this queue's data (restarted without persistence, flushed,
    /// evicted). It never expires.
    pub fn sentinel_key(&self) -> String {
        format!("{}:sentinel", self.name())
    }

    /// Whether Redis lost the queue's data since the sentinel was last set: sets it if absent (`SET NX`) and says
    /// whether it was absent. Several callers may ask; exactly one sees each loss. Also true on the first call
    /// against a Redis that never held the sentinel (a re-push then is harmless).
    pub async fn data_lost(&self) -> Result<bool, QueueError> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.sentinel_key()).arg(1).arg("NX");
        let query = cmd.query_async::<Option<String>>(&mut conn);
        match tokio::time::timeout(self.timeout, query).await {
            Ok(Ok(set)) => Ok(set.is_some()),
            Ok(Err(e)) => Err(QueueError::Redis(e.to_string())),
            Err(_) => Err(QueueError::Timeout(self.timeout)),
        }
    }

    /// Removes the sentinel, so the next [`EmailQueue::data_lost`] reports a loss again (best effort).
    async fn forget_sentinel(&self) {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.sentinel_key());
        let query = cmd.query_async::<()>(&mut conn);
        let _ = tokio::time::timeout(self.timeout, query).await;
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

/// Pushes the jobs of committed outbox rows and records the push (`enqueued_at`): the one path after a commit, for
/// the web's relay and the scheduler's digests. A failed push is returned (the rows stay un-enqueued and the outbox
/// re-push takes them later); a failure to record it is only logged: the re-push then pushes those rows once more and
/// the mailer's send ledger sends one email.
pub async fn push_and_record(
    pool: &PgPool,
    queue: &EmailQueue,
    jobs: &[EmailJob],
) -> Result<(), QueueError> {
    queue.push(jobs).await?;
    let ids: Vec<i64> = jobs.iter().map(|j| j.outbox_id).collect();
    if let Err(e) = crate::repo::outbox::mark_enqueued(pool, &ids).await {
        tracing::warn!(error = %e, "cannot record the push");
    }
    Ok(())
}

/// Pushes committed outbox rows now ([`push_and_record`]), for a caller with no request to trace (digest periods).
/// A failed push is not an error for the caller: the outbox re-push takes the rows a few seconds later. Returns the
/// rows pushed.
#[tracing::instrument(skip_all, fields(queue = queue.name(), count = outbox_ids.len()))]
pub async fn push_committed(pool: &PgPool, queue: &EmailQueue, outbox_ids: &[i64]) -> u64 {
    if outbox_ids.is_empty() {
        return 0;
    }
    let jobs: Vec<EmailJob> = outbox_ids.iter().map(|id| EmailJob::new(*id)).collect();
    match push_and_record(pool, queue, &jobs).await {
        Ok(()) => outbox_ids.len() as u64,
        Err(e) => {
            tracing::warn!(error = %e, "cannot push email jobs; the outbox re-push will");
            0
        }
    }
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
        let count = push_and_mark(&mut tx, queue, rows).await?;
        tx.commit().await?;
        pushed += count;
        metrics::counter!("outbox_repushed_total").increment(count);
        if (count as i64) < policy.batch {
            return Ok(pushed);
        }
    }
}

/// Detects that Redis lost the queue's data ([`EmailQueue::data_lost`]) and, if so, pushes at once every undelivered
/// outbox row created before the detection, whatever its push history: jobs waiting, in flight and retries scheduled
/// in Redis are all gone, and waiting for [`RepushPolicy::not_delivered_after`] would delay them for minutes. Rows
/// whose job did survive are pushed twice; the mailer's send ledger sends one email. Returns `None` when nothing was
/// lost, else the rows pushed. If the push fails, the loss is reported again at the next call.
#[tracing::instrument(skip_all, fields(queue = queue.name()), err)]
pub async fn recover_lost_jobs(
    pool: &PgPool,
    queue: &EmailQueue,
    batch: i64,
) -> Result<Option<u64>, QueueError> {
    if !queue.data_lost().await? {
        return Ok(None);
    }
    let pushed = repush_before_cutoff(pool, queue, batch).await;
    if pushed.is_err() {
        queue.forget_sentinel().await;
    }
    let pushed = pushed?;
    metrics::counter!("email_queue_losses_detected_total").increment(1);
    if pushed > 0 {
        tracing::warn!(
            rows = pushed,
            "Redis lost the email queue's data; undelivered outbox rows pushed again"
        );
    } else {
        // Also what a first start on an empty Redis looks like: nothing to tell an operator about.
        tracing::info!(
            "the email queue's sentinel was missing (new or emptied Redis); nothing was waiting"
        );
    }
    Ok(Some(pushed))
}

async fn repush_before_cutoff(
    pool: &PgPool,
    queue: &EmailQueue,
    batch: i64,
) -> Result<u64, QueueError> {
    let cutoff = crate::repo::outbox::db_now(pool).await?;
    let mut pushed = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows =
            crate::repo::outbox::lock_undelivered_before(&mut tx, cutoff, batch.max(1)).await?;
        if rows.is_empty() {
            return Ok(pushed);
        }
        let count = rows.len();
        pushed += push_and_mark(&mut tx, queue, rows).await?;
        tx.commit().await?;
        metrics::counter!("outbox_repushed_total").increment(count as u64);
        if (count as i64) < batch.max(1) {
            return Ok(pushed);
        }
    }
}

/// Pushes locked rows and marks them enqueued inside the caller's transaction.
async fn push_and_mark(
    tx: &mut sqlx::PgConnection,
    queue: &EmailQueue,
    rows: Vec<crate::repo::outbox::DueRow>,
) -> Result<u64, QueueError> {
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
    Ok(ids.len() as u64)
}
