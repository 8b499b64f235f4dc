//! The PostgreSQL pool and migrations.

use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;

/// Every migration, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// A lazily connecting pool: the service starts even while PostgreSQL is down, and `/readyz` tells.
pub fn pool(config: &Config) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = config.database_url.expose_secret().parse()?;
    let options = options.application_name("flicket");
    Ok(PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(600))
        .connect_lazy_with(options))
}

/// Applies pending migrations. sqlx holds a PostgreSQL advisory lock while it migrates, so parallel runs (several
/// replicas, the Kubernetes Job) wait for each other and the later ones find nothing to do.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Whether PostgreSQL answers within two seconds.
pub async fn ping(pool: &PgPool) -> bool {
    let check = sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(pool);
    matches!(
        tokio::time::timeout(Duration::from_secs(2), check).await,
        Ok(Ok(1))
    )
}

/// Whether `e` says PostgreSQL cannot be reached or is going away (down, restarting, refusing connections), as
/// opposed to a fault in the request: such a request is answered 503, and the same request will work once it is back.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Tls(_) => true,
        // Class 08 (connection exception) and 57P01–57P03 (admin/crash shutdown, cannot connect now).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// Whether a [`sqlx::Error`] somewhere in the cause chain of `e` is [`is_unavailable`].
pub fn unavailable_in(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreachable_database_errors_count_as_unavailable() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::PoolClosed));
        assert!(is_unavailable(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        ))));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("loading the ticket");
        assert!(unavailable_in(&wrapped));
        assert!(!unavailable_in(&anyhow::anyhow!("something else")));
    }
}
