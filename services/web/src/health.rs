//! `/healthz` (alive), `/readyz` (PostgreSQL reachable) and `/metrics` (Prometheus).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::state::AppState;

/// The process is alive.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when PostgreSQL answers; Redis and NATS are optional for the web (it keeps serving without them).
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let postgres = flicket_core::db::ping(&state.pool).await;
    let status = if postgres {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(serde_json::json!({ "postgres": postgres })))
}

/// Prometheus text format, to direct connections only (Prometheus scraping the pod). A request that came through a
/// reverse proxy carries `X-Forwarded-For` or `Forwarded` (the ingress adds it and a client cannot take it away):
/// it gets the plain 404 of an unknown page, so the public address never shows the service's internals.
pub async fn metrics(headers: axum::http::HeaderMap) -> axum::response::Response {
    if headers.contains_key("x-forwarded-for")
        || headers.contains_key(axum::http::header::FORWARDED)
    {
        return crate::error::AppError::NotFound.into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        flicket_core::telemetry::metrics_handle().render(),
    )
        .into_response()
}
