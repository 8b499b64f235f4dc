//! The periodic jobs, run by apalis-cron workers under one monitor. A failing run is logged and counted; the next
//! tick runs again, and one job failing never stops the others.

use std::str::FromStr;
use std::time::{Duration, Instant};

use apalis::prelude::{Data, Monitor, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use sqlx::PgPool;

use crate::{digest, housekeeping};

/// What every job needs.
#[derive(Clone)]
pub struct JobContext {
    /// The database.
    pub pool: PgPool,
    /// This process's name, recorded on the periods it claims.
    pub instance: String,
    /// Where the digest emails are pushed after their period commits.
    pub queue: flicket_core::queue::EmailQueue,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn record(job: &'static str, start: Instant, ok: bool) {
    let status = if ok { "ok" } else { "error" };
    metrics::counter!("scheduler_job_runs_total", "job" => job, "status" => status).increment(1);
    metrics::histogram!("scheduler_job_duration_seconds", "job" => job)
        .record(start.elapsed().as_secs_f64());
    if ok {
        let now = chrono::Utc::now().timestamp() as f64;
        metrics::gauge!("scheduler_job_last_success_timestamp_seconds", "job" => job).set(now);
    }
}

async fn digest_job(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxError> {
    let start = Instant::now();
    let result = digest::tick(&ctx.pool, &ctx.queue, chrono::Utc::now(), &ctx.instance).await;
    record("digest", start, result.is_ok());
    match result {
        Ok(outcome) => {
            tracing::debug!(?outcome, "digest tick");
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "digest tick failed");
            Err(e.into())
        }
    }
}

async fn housekeeping_job(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxError> {
    let start = Instant::now();
    let result = housekeeping::run_once(&ctx.pool).await;
    record("housekeeping", start, result.is_ok());
    result.map(|_| ()).map_err(|e| {
        tracing::warn!(error = %e, "housekeeping failed");
        e.into()
    })
}

fn schedule(expr: &str) -> Result<cron::Schedule, cron::error::Error> {
    cron::Schedule::from_str(expr)
}

/// Runs every job until `shutdown` resolves, then waits up to 10 s for running jobs to finish.
pub async fn run(
    ctx: JobContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The digest job looks every minute; the schedule itself comes from the settings (see `digest::tick`).
    let every_minute = schedule("0 * * * * *")?;
    let every_ten_minutes = schedule("0 */10 * * * *")?;
    let (digest_ctx, housekeeping_ctx) = (ctx.clone(), ctx);
    Monitor::new()
        .shutdown_timeout(Duration::from_secs(10))
        .register(move |_| {
            WorkerBuilder::new("flicket-digest")
                .backend(CronScheduler::new(every_minute.clone()))
                .data(digest_ctx.clone())
                .build(digest_job)
        })
        .register(move |_| {
            WorkerBuilder::new("flicket-housekeeping")
                .backend(CronScheduler::new(every_ten_minutes.clone()))
                .data(housekeeping_ctx.clone())
                .build(housekeeping_job)
        })
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await?;
    Ok(())
}
