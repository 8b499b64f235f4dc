//! The scheduler service: digests and housekeeping on schedules (apalis-cron), the outbox re-push, and health,
//! readiness and metrics endpoints.

pub mod digest;
pub mod housekeeping;
pub mod jobs;
pub mod outbox_repush;

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use flicket_core::Config;
use flicket_core::connect::{self, Readiness};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A bound scheduler.
pub struct Scheduler {
    listener: TcpListener,
    readiness: Readiness,
    queue: flicket_core::queue::EmailQueue,
}

impl Scheduler {
    /// Connects (lazily) to PostgreSQL and NATS and binds `FLICKET_SCHEDULER_LISTEN`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = flicket_core::db::pool(&config)?;
        let readiness = Readiness {
            pool: pool.clone(),
            redis: Some((connect::redis_client(&config)?, false)),
            nats: Some(connect::nats_client(&config, "flicket-scheduler").await?),
        };
        let queue = flicket_core::queue::EmailQueue::connect_lazy(
            secrecy::ExposeSecret::expose_secret(&config.redis_url),
            &config.email_queue,
        )?
        .identified_by(pool);
        flicket_core::telemetry::metrics_handle();
        let listener = TcpListener::bind(config.scheduler_listen).await?;
        Ok(Self {
            listener,
            readiness,
            queue,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Runs the periodic jobs and serves the endpoints until `shutdown` resolves.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let ctx = jobs::JobContext {
            pool: self.readiness.pool.clone(),
            instance: instance_name(),
            queue: self.queue.clone(),
        };
        let jobs_stop = stop.clone();
        let jobs = tokio::spawn(jobs::run(ctx, async move { jobs_stop.cancelled().await }));
        let repush = tokio::spawn(outbox_repush::run(
            self.readiness.pool.clone(),
            self.queue.clone(),
            flicket_core::queue::RepushPolicy::default(),
            outbox_repush::INTERVAL,
            stop.clone(),
        ));
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(|| async { flicket_core::telemetry::metrics_handle().render() }),
            )
            .with_state(self.readiness);
        let stop_jobs = stop.clone();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stop_jobs.cancel();
            })
            .await?;
        stop.cancel();
        jobs.await??;
        repush.await?;
        Ok(())
    }
}

/// A name unique to this process (host and pid), recorded on the digest periods it runs.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Ready when PostgreSQL answers.
async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    let (ready, report) = readiness.check().await;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report))
}
