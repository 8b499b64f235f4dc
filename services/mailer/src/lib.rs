//! The mailer service: health, readiness and metrics endpoints; the email worker runs beside them.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use flicket_core::Config;
use flicket_core::ops::{self, Readiness};
use tokio::net::TcpListener;

/// A bound mailer.
pub struct Mailer {
    listener: TcpListener,
    readiness: Readiness,
}

impl Mailer {
    /// Connects (lazily) to PostgreSQL, Redis and NATS and binds `FLICKET_MAILER_LISTEN`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let readiness = Readiness {
            pool: flicket_core::db::pool(&config)?,
            redis: Some((ops::redis_client(&config)?, true)),
            nats: Some(ops::nats_client(&config, "flicket-mailer").await?),
        };
        flicket_core::telemetry::metrics_handle();
        let listener = TcpListener::bind(config.mailer_listen).await?;
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

    /// Serves until `shutdown` resolves.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(|| async { flicket_core::telemetry::metrics_handle().render() }),
            )
            .with_state(self.readiness);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// Ready when PostgreSQL and Redis answer (the mailer cannot work without either).
async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    let (ready, report) = readiness.check().await;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report))
}
