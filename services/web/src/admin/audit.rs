//! [`record`], which the admin actions not yet moved to `flicket_core::ops` call inside their transaction (the audit
//! page is `crate::settings::audit`).

use flicket_core::repo::audit::{self, NewEntry};
use sqlx::PgConnection;

use flicket_core::repo::sessions::SessionUser;

use super::guard::{AdminUser, ClientIp, StaffUser};

/// Who an audit entry names as the actor: an admin or staff member of the pages, or an API token's user.
pub trait AuditActor {
    /// The signed-in user.
    fn session(&self) -> &SessionUser;
}

impl AuditActor for SessionUser {
    fn session(&self) -> &SessionUser {
        self
    }
}

impl AuditActor for AdminUser {
    fn session(&self) -> &SessionUser {
        &self.0
    }
}

impl AuditActor for StaffUser {
    fn session(&self) -> &SessionUser {
        &self.0
    }
}

impl AuditActor for crate::api::ApiUser {
    fn session(&self) -> &SessionUser {
        &self.0
    }
}

/// Writes one audit entry for an action of `actor` (every admin change, from the pages or the APIs, inside its
/// transaction).
pub async fn record(
    conn: &mut PgConnection,
    actor: &impl AuditActor,
    ip: &ClientIp,
    action: &str,
    target: &str,
    data: Option<serde_json::Value>,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        &NewEntry {
            actor_id: Some(actor.session().user_id),
            action,
            target,
            data,
            ip: Some(&ip.0),
        },
    )
    .await
}
