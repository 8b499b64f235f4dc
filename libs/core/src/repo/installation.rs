//! This installation's identity (one row, written by the migration that created the table).

use uuid::Uuid;

use super::Db;

/// The installation id stamped into every email job.
#[tracing::instrument(name = "installation::id", skip_all, err)]
pub async fn id<'c>(db: impl Db<'c>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!("select installation_id from installation where singleton")
        .fetch_one(db)
        .await
}
