//! The mailer service: takes email jobs from Redis, renders each email in its recipient's language, sends it over
//! SMTP with the admin's settings and records it in the send ledger. Health, readiness and metrics endpoints run
//! beside the worker.

pub mod deliver;
mod housekeeping;
pub mod options;
pub mod render;
pub mod smtp;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use flicket_core::Config;
use flicket_core::connect::{self, Readiness};
use flicket_core::queue::EmailQueue;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use options::MailerOptions;

/// A bound mailer.
pub struct Mailer {
    listener: TcpListener,
    readiness: Readiness,
    deliverer: Arc<deliver::Deliverer>,
    nats: Option<async_nats::Client>,
}

impl Mailer {
    /// Connects (lazily) to PostgreSQL, Redis and NATS and binds `FLICKET_MAILER_LISTEN`, with default options on
    /// `FLICKET_EMAIL_QUEUE`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = flicket_core::db::pool(&config)?;
        let options = MailerOptions::new(config.email_queue.clone());
        Self::build_with(config, pool, options).await
    }

    /// Same as [`Mailer::build`] with a given pool and options (tests shorten delays and use their own queue).
    pub async fn build_with(
        config: Config,
        pool: PgPool,
        options: MailerOptions,
    ) -> anyhow::Result<Self> {
        let nats = connect::nats_client(&config, "flicket-mailer").await?;
        let readiness = Readiness {
            pool: pool.clone(),
            redis: Some((connect::redis_client(&config)?, true)),
            nats: Some(nats.clone()),
        };
        let queue = EmailQueue::connect_lazy(config.redis_url.expose_secret(), &options.queue)?
            .identified_by(pool.clone());
        let smtp = Arc::new(smtp::Smtp::new(
            pool.clone(),
            config.secret_key.clone(),
            config.base_url.clone(),
            options.smtp_timeout,
            u32::try_from(options.concurrency).unwrap_or(8),
            config.smtp_allow_private,
        ));
        let deliverer = Arc::new(deliver::Deliverer {
            pool,
            queue,
            smtp,
            options,
            secret_key: config.secret_key.clone(),
            installation: Default::default(),
        });
        flicket_core::telemetry::metrics_handle();
        let listener = TcpListener::bind(config.mailer_listen).await?;
        Ok(Self {
            listener,
            readiness,
            deliverer,
            nats: Some(nats),
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Runs the worker and serves the endpoints until `shutdown` resolves; then stops fetching, lets jobs in flight
    /// finish (up to `shutdown_timeout`) and returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let d = &self.deliverer;
        let watcher = tokio::spawn(smtp::watch(
            d.smtp.clone(),
            self.nats.clone(),
            d.options.settings_refresh,
            stop.clone(),
        ));
        let chores = tokio::spawn(housekeeping::run(
            d.pool.clone(),
            d.queue.clone(),
            d.options.housekeeping_interval,
            stop.clone(),
        ));
        let worker = tokio::spawn(worker::run(d.clone(), d.queue.connection(), stop.clone()));
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(|| async { flicket_core::telemetry::metrics_handle().render() }),
            )
            .with_state(self.readiness);
        let stop_all = stop.clone();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stop_all.cancel();
            })
            .await;
        stop.cancel();
        let _ = worker.await;
        let _ = watcher.await;
        let _ = chores.await;
        served?;
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
