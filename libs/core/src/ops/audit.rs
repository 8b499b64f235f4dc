//! The audit log every administrative change writes, in the transaction of the change.

use sqlx::PgConnection;

use super::Acting;
use crate::repo::audit::{self, NewEntry};

/// Writes one audit entry for an action of `acting` (`action` is a stable code such as `department.create`,
/// translated on the audit page; `target` names what it touched, e.g. `department:4 Sales`).
pub async fn record(
    conn: &mut PgConnection,
    acting: &Acting,
    action: &str,
    target: &str,
    data: Option<serde_json::Value>,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        &NewEntry {
            actor_id: Some(acting.actor.user_id),
            action,
            target,
            data,
            ip: acting.ip.as_deref(),
        },
    )
    .await
}
