//! Builds the application: binds the listener first (tests use port 0), then serves until the shutdown future ends.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use flicket_core::Config;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::cookies::CookieSettings;
use crate::state::AppState;
use crate::{auth, body_limits, error, health, http, pages};

/// A bound, ready-to-run web service.
pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
}

impl Application {
    /// Connects to PostgreSQL (lazily) and binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = flicket_core::db::pool(&config)?;
        Self::build_with_pool(config, pool).await
    }

    /// Same as [`Application::build`] with a given pool (tests pass the per-test database).
    pub async fn build_with_pool(config: Config, pool: PgPool) -> anyhow::Result<Self> {
        let base_url = match &config.base_url {
            Some(u) => u.clone(),
            None => flicket_core::repo::settings::site(&pool)
                .await
                .map(|s| s.base_url)
                .unwrap_or_else(|_| format!("http://{}", config.listen)),
        };
        let nats = flicket_core::connect::nats_client(&config, "flicket-web").await?;
        let queue = flicket_core::queue::EmailQueue::connect_lazy(
            secrecy::ExposeSecret::expose_secret(&config.redis_url),
            &config.email_queue,
        )?
        .identified_by(pool.clone());
        let relay = crate::relay::Relay::start(pool.clone(), queue);
        let config = Arc::new(config);
        let state = AppState {
            reset_requests: crate::reset_queue::ResetRequests::start(
                pool.clone(),
                config.clone(),
                relay.clone(),
            ),
            relay,
            pool,
            nats,
            catalog: Arc::default(),
            cookies: Arc::new(CookieSettings::for_base_url(&base_url)),
            config,
        };
        flicket_core::telemetry::metrics_handle();
        let listener = TcpListener::bind(state.config.listen).await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            router: router(state),
            port,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Responses leave in more than one write (head, then body chunks): without TCP_NODELAY, Nagle's algorithm
        // holds the last segment until the client's delayed ACK, about 40 ms per page.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        Ok(())
    }
}

/// Every route, with its middleware. Each area hands its pages, its `/api/v1` and its `/flicket-api/` routes here.
pub fn router(state: AppState) -> Router {
    let api_v1 = utoipa_axum::router::OpenApiRouter::new()
        .merge(crate::signin::api_routes())
        .merge(crate::catalog::api_routes())
        .merge(crate::people::api_routes())
        .merge(crate::listing::api_routes())
        .merge(crate::tickets::api_routes());
    let api_compat = Router::new()
        .merge(crate::signin::compat_routes())
        .merge(crate::catalog::compat_routes())
        .merge(crate::people::compat_routes())
        .merge(crate::tickets::compat_routes())
        .layer(axum::middleware::from_fn(
            crate::api_compat::flicket_not_found,
        ));
    let pages = Router::new()
        .merge(crate::signin::routes())
        .route("/language", post(pages::language::switch))
        .merge(crate::listing::routes())
        .merge(crate::tickets::routes())
        .merge(crate::people::routes())
        .merge(crate::account::routes())
        .merge(crate::catalog::routes())
        .merge(crate::admin::routes())
        .merge(crate::settings::routes())
        .fallback(error::not_found)
        .layer(from_fn_with_state(state.clone(), error::render_errors))
        .layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        .layer(from_fn_with_state(state.clone(), body_limits::guard_pages))
        .layer(from_fn_with_state(state.clone(), auth::session::load));

    let ops = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/static/{file}", get(http::static_asset));

    Router::new()
        .merge(ops)
        .merge(crate::api::routes(state.clone(), api_v1, api_compat))
        .merge(pages)
        .layer(axum::middleware::from_fn(http::metrics))
        .layer(from_fn_with_state(state.clone(), http::security_headers))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str()).unwrap_or("unmatched");
            tracing::info_span!("http", method = %req.method(), route, user.id = tracing::field::Empty)
        }))
        .with_state(state)
}
