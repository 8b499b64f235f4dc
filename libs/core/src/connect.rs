//! Connections to Redis and NATS, and the readiness checks of every service.

use std::time::Duration;

use secrecy::ExposeSecret;

use crate::Config;

/// Whether Redis answers `PING` within two seconds.
pub async fn redis_ping(client: &redis::Client) -> bool {
    let check = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), check).await,
        Ok(Ok(_))
    )
}

/// A Redis client (connects on use).
pub fn redis_client(config: &Config) -> anyhow::Result<redis::Client> {
    Ok(redis::Client::open(config.redis_url.expose_secret())?)
}

/// A NATS client that connects in the background and reconnects forever: a service starts, and keeps serving, while
/// NATS is down.
pub async fn nats_client(config: &Config, name: &str) -> anyhow::Result<async_nats::Client> {
    Ok(async_nats::ConnectOptions::new()
        .name(name)
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(2))
        .connect(config.nats_url.expose_secret())
        .await?)
}

/// Whether the NATS client is connected right now.
pub fn nats_connected(client: &async_nats::Client) -> bool {
    matches!(
        client.connection_state(),
        async_nats::connection::State::Connected
    )
}

/// The dependencies a service reports in `/readyz`, and which of them it cannot work without.
#[derive(Clone)]
pub struct Readiness {
    /// PostgreSQL (always required).
    pub pool: sqlx::PgPool,
    /// Redis, and whether it is required.
    pub redis: Option<(redis::Client, bool)>,
    /// NATS (never required: events are best effort).
    pub nats: Option<async_nats::Client>,
}

impl Readiness {
    /// Checks every dependency; returns whether the service is ready and a JSON report.
    pub async fn check(&self) -> (bool, serde_json::Value) {
        let redis = async {
            match &self.redis {
                Some((client, _)) => Some(redis_ping(client).await),
                None => None,
            }
        };
        let (postgres, redis) = tokio::join!(crate::db::ping(&self.pool), redis);
        let redis_required = self.redis.as_ref().is_some_and(|(_, required)| *required);
        let ready = postgres && (!redis_required || redis == Some(true));
        let nats = self.nats.as_ref().map(nats_connected);
        (
            ready,
            serde_json::json!({ "postgres": postgres, "redis": redis, "nats": nats }),
        )
    }
}
