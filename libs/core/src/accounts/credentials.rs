//! What a new password ends: the one rule behind a password change (the account page) and a password reset (the
//! emailed link).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::UserId;
use crate::repo::{api_tokens, password_resets, sessions, users};

/// What [`set_password`] ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    /// Sessions signed out.
    pub sessions: u64,
    /// API tokens revoked.
    pub api_tokens: u64,
}

/// Stores a new password hash and, in the caller's transaction, ends every credential that the old password gave:
/// every API token, every pending reset link, and every session but `keep` (the session of the person who changed
/// it; `None` after a reset, which signs out everywhere).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn set_password(
    conn: &mut PgConnection,
    user_id: UserId,
    new_hash: &str,
    keep: Option<Uuid>,
) -> sqlx::Result<Ended> {
    users::set_password_hash(&mut *conn, user_id, new_hash).await?;
    password_resets::invalidate_for_user(&mut *conn, user_id).await?;
    let sessions = match keep {
        Some(session_id) => {
            sessions::delete_others_for_user(&mut *conn, user_id, session_id).await?
        }
        None => sessions::delete_for_user(&mut *conn, user_id).await?,
    };
    let api_tokens = api_tokens::revoke_for_user(&mut *conn, user_id).await?;
    Ok(Ended {
        sessions,
        api_tokens,
    })
}
