//! Set-up and error readers shared by the operations' database tests.

use sqlx::{PgConnection, PgExecutor};

use super::{Acting, FieldError, Message, OpError};
use crate::domain::UserId;
use crate::permissions::Actor;
use crate::permissions::tickets::Refusal;

/// Adds a user named `username` (also its display name and the local part of its address).
pub(crate) async fn person<'c>(db: impl PgExecutor<'c>, username: &str) -> UserId {
    sqlx::query_scalar(
        "insert into users (username, name, email, password_hash)
         values ($1, $1, $1 || '@example.com', 'x') returning user_id",
    )
    .bind(username)
    .fetch_one(db)
    .await
    .map(UserId)
    .unwrap()
}

/// `user_id` acting from a documentation address.
pub(crate) fn acting_as(user_id: UserId, is_admin: bool, is_super_user: bool) -> Acting {
    let actor = Actor {
        user_id,
        is_admin,
        is_super_user,
    };
    Acting::new(actor, "192.0.2.1")
}

/// Every audit entry as `action target`, oldest first.
pub(crate) async fn audit_actions(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar("select action || ' ' || target from audit_log order by audit_id")
        .fetch_all(conn)
        .await
        .unwrap()
}

/// The field and message key of a field error.
pub(crate) fn field_of(e: OpError) -> (&'static str, &'static str) {
    match e {
        OpError::Invalid(FieldError { field, message }) => (field, message.key),
        other => panic!("not a field error: {other:?}"),
    }
}

/// The reason of a refusal.
pub(crate) fn refusal_of(e: OpError) -> Refusal {
    match e {
        OpError::Refused(r) => r,
        other => panic!("not a refusal: {other:?}"),
    }
}

/// The message of a conflict.
pub(crate) fn conflict_of(e: OpError) -> Message {
    match e {
        OpError::Conflict(m) => m,
        other => panic!("not a conflict: {other:?}"),
    }
}
