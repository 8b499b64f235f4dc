//! The mailer's tunables. `main` uses the defaults; tests shorten the delays.

use std::sync::Arc;
use std::time::Duration;

use flicket_core::jobs::EmailJob;

/// Called before each job is processed; tests use it to inject faults (a panic, a delay).
pub type JobHook = Arc<dyn Fn(&EmailJob) + Send + Sync>;

/// How the mailer consumes its queue, retries and talks to SMTP.
#[derive(Clone)]
pub struct MailerOptions {
    /// Redis queue name (shared with the producers).
    pub queue: String,
    /// This process's worker name; must be unique per process (replicas must not share an in-flight set).
    pub worker_name: String,
    /// Jobs processed at once.
    pub concurrency: usize,
    /// Jobs fetched from Redis per round trip.
    pub batch_size: usize,
    /// How often an idle worker looks for new jobs.
    pub poll_interval: Duration,
    /// Heartbeat period; a worker silent for `heartbeat × missed_heartbeats` is dead and its jobs are re-queued.
    pub heartbeat: Duration,
    /// See `heartbeat`.
    pub missed_heartbeats: usize,
    /// SMTP connect and per-command timeout.
    pub smtp_timeout: Duration,
    /// Upper bound of one job (rendering plus sending); must exceed a full SMTP exchange.
    pub job_timeout: Duration,
    /// First retry delay after a transient failure; doubles each time.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Attempts before a transient failure becomes permanent.
    pub max_attempts: u32,
    /// Time after which a claim of a silent mailer is taken over.
    pub lease: Duration,
    /// Settings are re-read this often even without a `flicket.config.changed` event.
    pub settings_refresh: Duration,
    /// How long SIGTERM waits for jobs in flight before exiting.
    pub shutdown_timeout: Duration,
    /// How often gauges (queue depth, oldest undelivered row) are sampled and old finished jobs vacuumed.
    pub housekeeping_interval: Duration,
    /// Test hook, see [`JobHook`].
    pub before_job: Option<JobHook>,
}

impl MailerOptions {
    /// Production defaults for a queue: survive ~2.5 hours of SMTP outage (30 s, 1, 2, 4, 8 min, then every
    /// 15 min, 15 attempts) before recording a permanent failure.
    pub fn new(queue: impl Into<String>) -> Self {
        Self {
            queue: queue.into(),
            worker_name: unique_worker_name(),
            concurrency: 8,
            batch_size: 16,
            poll_interval: Duration::from_millis(250),
            heartbeat: Duration::from_secs(10),
            missed_heartbeats: 6,
            smtp_timeout: Duration::from_secs(20),
            job_timeout: Duration::from_secs(90),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(15 * 60),
            max_attempts: 15,
            lease: Duration::from_secs(120),
            settings_refresh: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(25),
            housekeeping_interval: Duration::from_secs(30),
            before_job: None,
        }
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failed ones: exponential, capped, ±20 % jitter so
    /// that a backlog does not hit a recovering server all at once.
    pub fn retry_delay(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(20);
        let base = self
            .retry_base
            .saturating_mul(1u32 << exp)
            .min(self.retry_max);
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        base.mul_f64(jitter)
    }
}

impl std::fmt::Debug for MailerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailerOptions")
            .field("queue", &self.queue)
            .field("worker_name", &self.worker_name)
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// `mailer-<host>-<pid>-<random>`: unique per process even when pods share a host name pattern.
pub fn unique_worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(48)
        .collect();
    format!(
        "mailer-{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_and_are_capped() {
        let o = MailerOptions::new("q");
        let first = o.retry_delay(1);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let fifth = o.retry_delay(5);
        assert!(fifth >= Duration::from_secs(384) && fifth <= Duration::from_secs(576));
        assert!(o.retry_delay(40) <= Duration::from_secs(18 * 60));
        let total: Duration = (1..o.max_attempts).map(|a| o.retry_delay(a)).sum();
        assert!(total > Duration::from_secs(30 * 60), "{total:?}");
    }

    #[test]
    fn worker_names_are_unique() {
        assert_ne!(unique_worker_name(), unique_worker_name());
    }
}
