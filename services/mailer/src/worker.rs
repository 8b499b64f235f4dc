//! The apalis wiring: a Redis-backed worker with `catch_panic`, bounded concurrency and a timeout, run under a small
//! supervisor that restarts it (with a new name and a backoff) when Redis fails, and drains it on shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::layers::catch_panic::{CatchPanicLayer, PanicError};
use apalis::prelude::*;
use apalis_redis::{ConnectionManager, RedisStorage};
use flicket_core::jobs::EmailJob;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::deliver::Deliverer;

/// A job exactly as stored in Redis. Decoding never fails here: the handler parses it, so one malformed payload
/// fails (to the dead set) alone instead of stranding the whole fetched batch.
#[derive(Debug, Clone)]
pub struct RawJob(pub Vec<u8>);

/// The identity codec for [`RawJob`].
#[derive(Debug, Clone, Default)]
pub struct RawCodec;

impl Codec<RawJob> for RawCodec {
    type Error = Infallible;
    type Compact = Vec<u8>;

    fn encode(&self, job: &RawJob) -> Result<Vec<u8>, Infallible> {
        Ok(job.0.clone())
    }

    fn decode(&self, bytes: &Vec<u8>) -> Result<RawJob, Infallible> {
        Ok(RawJob(bytes.clone()))
    }
}

/// A panic in a job fails that job (to the dead set) and nothing else. Generic over the trait object's lifetime:
/// apalis's default handler is a `fn` pointer, which trips a higher-ranked lifetime check once spawned.
fn on_panic<'p>(panic: &Box<dyn std::any::Any + Send + 'p>) -> AbortError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    metrics::counter!("mailer_job_panics_total").increment(1);
    tracing::error!(%message, "a job panicked; it goes to the dead set");
    AbortError::new(PanicError(message))
}

/// The job handler: parse, then deliver inside a span that continues the producer's trace.
async fn handle(raw: RawJob, deliverer: Data<Arc<Deliverer>>) -> Result<(), BoxDynError> {
    let job = match EmailJob::parse(&raw.0) {
        Ok(job) => job,
        Err(e) => {
            metrics::counter!("mailer_jobs_malformed_total").increment(1);
            tracing::error!(error = %e, "malformed job sent to the dead set");
            return Err(AbortError::new(e).into());
        }
    };
    if let Some(hook) = &deliverer.options.before_job {
        hook(&job);
    }
    let span = tracing::info_span!(
        "email.deliver",
        outbox.id = job.outbox_id,
        outcome = tracing::field::Empty
    );
    job.set_parent_of(&span);
    // Delivered in a task of its own: when Redis fails, apalis's worker future (and with it this handler) is
    // dropped and restarted, but an SMTP exchange under way must still hear its 250 and record it in the ledger,
    // or the claim would expire and the email be sent twice. The task finishes on its own; the ack is what is lost.
    let task = {
        let deliverer = Arc::clone(&deliverer);
        let job = job.clone();
        let span = span.clone();
        tokio::spawn(async move { deliverer.deliver(&job).instrument(span).await })
    };
    let result = match task.await {
        Ok(result) => result,
        // A panic inside goes on to the catch-panic layer, as if it had happened here.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(anyhow::anyhow!("delivery task ended: {e}")),
    };
    match result {
        Ok(outcome) => {
            span.record("outcome", tracing::field::debug(&outcome));
            tracing::debug!(parent: &span, ?outcome, "job done");
            Ok(())
        }
        Err(e) => {
            // Infrastructure trouble (PostgreSQL, Redis): apalis runs the job again shortly; the ledger keeps it
            // idempotent and the outbox re-push covers the case where apalis gives up.
            metrics::counter!("mailer_job_errors_total").increment(1);
            tracing::warn!(parent: &span, error = %format!("{e:#}"), "job failed; apalis will retry it");
            Err(e.into())
        }
    }
}

/// Runs the worker until `stop` is cancelled, then lets jobs in flight finish for up to `shutdown_timeout`; jobs
/// fetched but not started are handed back to the queue. A Redis failure restarts the worker after a backoff.
pub async fn run(deliverer: Arc<Deliverer>, conn: ConnectionManager, stop: CancellationToken) {
    let options = deliverer.options.clone();
    let mut backoff = Duration::from_millis(500);
    for incarnation in 0usize.. {
        if stop.is_cancelled() {
            return;
        }
        let config = flicket_core::queue::redis_config(&options.queue)
            .batch_size(options.batch_size.max(1))
            .heartbeat_interval(options.heartbeat)
            .missed_heartbeats(options.missed_heartbeats);
        let storage = RedisStorage::<RawJob>::new(conn.clone())
            .with_config(config)
            .with_codec(RawCodec)
            .poll_with_interval(options.poll_interval);
        // A fresh name per incarnation: apalis refuses to register a name whose heartbeat is still fresh.
        let name = format!("{}-{incarnation}", options.worker_name);
        let worker = WorkerBuilder::new(name.clone())
            .backend(storage)
            .layer(CatchPanicLayer::with_panic_handler(on_panic))
            .concurrency(options.concurrency.max(1))
            .timeout(options.job_timeout)
            .data(deliverer.clone())
            .build(handle);
        let signal = stop.clone();
        let started = Instant::now();
        let run = worker.run_until(async move {
            signal.cancelled().await;
            Ok::<(), WorkerError>(())
        });
        tokio::pin!(run);
        let drain_limit = async {
            stop.cancelled().await;
            tokio::time::sleep(options.shutdown_timeout).await;
        };
        tokio::select! {
            result = &mut run => match result {
                Ok(()) => {
                    tracing::info!(worker = %name, "email worker stopped");
                    return;
                }
                Err(e) => {
                    metrics::counter!("mailer_worker_restarts_total").increment(1);
                    if started.elapsed() > Duration::from_secs(60) {
                        backoff = Duration::from_millis(500);
                    }
                    tracing::warn!(worker = %name, error = %e, ?backoff, "email worker failed; restarting");
                }
            },
            () = drain_limit => {
                tracing::warn!(worker = %name, "jobs still running at the shutdown deadline; another mailer will re-run them");
                return;
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}
