//! The scheduler service: digests and housekeeping on schedules (apalis-cron), with health, readiness and metrics
//! endpoints.

pub mod digest;
pub mod housekeeping;
pub mod jobs;

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use flicket_core::Config;
use flicket_core::ops::{self, Readiness};
use tokio::net::TcpListener;

/// A bound scheduler.
pub struct Scheduler {
    listener: TcpListener,
    readiness: Readiness,
}

impl Scheduler {
    /// Connects (lazily) to PostgreSQL and NATS and binds `FLICKET_SCHEDULER_LISTEN`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let readiness = Readiness {
            pool: flicket_core::db::pool(&config)?,
            redis: Some((ops::redis_client(&config)?, false)),
            nats: Some(ops::nats_client(&config, "flicket-scheduler").await?),
        };
        flicket_core::telemetry::metrics_handle();
        let listener = TcpListener::bind(config.scheduler_listen).await?;
        Ok(Self {
            listener,
            readiness,
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
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let ctx = jobs::JobContext {
            pool: self.readiness.pool.clone(),
            instance: instance_name(),
        };
        let mut jobs_stop = stop_rx.clone();
        let jobs = tokio::spawn(jobs::run(ctx, async move {
            let _ = jobs_stop.wait_for(|stop| *stop).await;
        }));
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(|| async { flicket_core::telemetry::metrics_handle().render() }),
            )
            .with_state(self.readiness);
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        server.await?;
        jobs.await??;
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
