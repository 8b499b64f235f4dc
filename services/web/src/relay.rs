//! Hands new outbox rows to the mailer's queue after their transaction commits.
//!
//! Call [`Relay::after_commit`] with the ids returned by `repo::outbox::insert`, *after* `tx.commit()`. It never
//! blocks the request and never fails it: the ids go through a bounded channel to a background task that pushes
//! them to Redis and marks them enqueued. If the channel is full or Redis is unreachable the rows simply stay
//! un-enqueued, and the scheduler pushes them a few seconds later: Redis is the fast path, PostgreSQL the truth.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use flicket_core::jobs::{EmailJob, current_trace_context};
use flicket_core::queue::EmailQueue;
use sqlx::PgPool;
use tokio::sync::mpsc;

/// Batches waiting for the background task; beyond this the scheduler takes over.
const CAPACITY: usize = 1024;
/// After a failed push, batches are left to the scheduler for this long instead of waiting on a dead Redis.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(5);

struct Batch {
    ids: Vec<i64>,
    trace: HashMap<String, String>,
}

/// The fast path from the outbox to the queue. `Relay::default()` is disabled (the scheduler does all pushes).
#[derive(Clone, Default)]
pub struct Relay {
    tx: Option<mpsc::Sender<Batch>>,
}

impl Relay {
    /// Starts the background task that pushes to `queue` and records pushes in `pool`.
    pub fn start(pool: PgPool, queue: EmailQueue) -> Self {
        let (tx, rx) = mpsc::channel(CAPACITY);
        tokio::spawn(push_loop(pool, queue, rx));
        Self { tx: Some(tx) }
    }

    /// Pushes the given committed outbox rows to the queue in the background (best effort).
    pub fn after_commit(&self, outbox_ids: Vec<i64>) {
        if outbox_ids.is_empty() {
            return;
        }
        let Some(tx) = &self.tx else {
            tracing::debug!(
                count = outbox_ids.len(),
                "relay disabled; the scheduler will push"
            );
            return;
        };
        // Captured here, in the request's span: the email joins the trace of the request that caused it.
        let batch = Batch {
            ids: outbox_ids,
            trace: current_trace_context(),
        };
        if tx.try_send(batch).is_err() {
            metrics::counter!("relay_batches_dropped_total").increment(1);
            tracing::debug!("relay queue full; the scheduler will push");
        }
    }
}

async fn push_loop(pool: PgPool, queue: EmailQueue, mut rx: mpsc::Receiver<Batch>) {
    let mut failed_at: Option<Instant> = None;
    while let Some(first) = rx.recv().await {
        let mut batches = vec![first];
        while batches.len() < 64 {
            match rx.try_recv() {
                Ok(b) => batches.push(b),
                Err(_) => break,
            }
        }
        if failed_at.is_some_and(|t| t.elapsed() < PAUSE_AFTER_FAILURE) {
            metrics::counter!("relay_batches_dropped_total").increment(batches.len() as u64);
            continue;
        }
        let jobs: Vec<EmailJob> = batches
            .iter()
            .flat_map(|b| {
                b.ids
                    .iter()
                    .map(|id| EmailJob::with_trace(*id, b.trace.clone()))
            })
            .collect();
        match flicket_core::queue::push_and_record(&pool, &queue, &jobs).await {
            Ok(()) => failed_at = None,
            Err(e) => {
                failed_at = Some(Instant::now());
                metrics::counter!("relay_push_failures_total").increment(1);
                tracing::warn!(error = %e, count = jobs.len(), "cannot push email jobs; the scheduler will");
            }
        }
    }
}
