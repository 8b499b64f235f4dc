//! Password-reset links: only the SHA-256 of each token is stored; a link is single-use, expires, and a newer link,
//! a password change or a new email address invalidates it.

use sqlx::PgConnection;
use uuid::Uuid;

use super::Db;
use crate::domain::UserId;

/// How long a link stays valid.
pub const TTL_SECS: i64 = 30 * 60;

/// Stores a new link for a user and invalidates the user's older unused ones.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn create(
    conn: &mut PgConnection,
    user_id: UserId,
    token_hash: &[u8],
) -> sqlx::Result<Uuid> {
    invalidate_for_user(&mut *conn, user_id).await?;
    sqlx::query_scalar!(
        "insert into password_resets (password_reset_id, token_hash, user_id, expires_at)
         values ($1, $2, $3, now() + make_interval(secs => $4))
         returning password_reset_id",
        Uuid::new_v4(),
        token_hash,
        user_id.0,
        TTL_SECS as f64
    )
    .fetch_one(&mut *conn)
    .await
}

/// How many links were requested for a user within the last `window_secs` seconds (limits mail bombing).
pub async fn recent_count<'c>(
    db: impl Db<'c>,
    user_id: UserId,
    window_secs: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from password_resets
           where user_id = $1 and created_at > now() - make_interval(secs => $2)"#,
        user_id.0,
        window_secs as f64
    )
    .fetch_one(db)
    .await
}

/// The account a valid link belongs to.
#[derive(Debug, Clone)]
pub struct ResetTarget {
    /// The user.
    pub user_id: UserId,
    /// User name (the new password must not contain it).
    pub username: String,
    /// Email (idem).
    pub email: String,
}

/// The account of an unused, unexpired link whose user is enabled.
#[tracing::instrument(skip_all, err)]
pub async fn find_valid<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
) -> sqlx::Result<Option<ResetTarget>> {
    sqlx::query_as!(
        ResetTarget,
        r#"select u.user_id as "user_id: UserId", u.username, u.email
           from password_resets r join users u using (user_id)
           where r.token_hash = $1 and r.used_at is null and r.expires_at > now() and not u.disabled"#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

/// Marks a valid link used, atomically: of two concurrent uses, one gets the account and the other `None`.
#[tracing::instrument(skip_all, err)]
pub async fn consume(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar!(
        r#"update password_resets r set used_at = now()
           from users u
           where r.user_id = u.user_id and r.token_hash = $1
             and r.used_at is null and r.expires_at > now() and not u.disabled
           returning r.user_id as "user_id: UserId""#,
        token_hash
    )
    .fetch_optional(&mut *conn)
    .await
}

/// Invalidates every unused link of a user (new link, password changed, email changed).
pub async fn invalidate_for_user<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "update password_resets set used_at = now() where user_id = $1 and used_at is null",
        user_id.0
    )
    .execute(db)
    .await?
    .rows_affected())
}
