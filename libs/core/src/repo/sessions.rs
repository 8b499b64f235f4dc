//! Server-side sessions. The cookie holds a random token; the table holds its SHA-256.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::UserId;

/// A session that is still valid, with the signed-in user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The session's id (not the cookie secret).
    pub session_id: Uuid,
    /// The user.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Stored locale code.
    pub locale: String,
    /// Member of the `admin` group.
    pub is_admin: bool,
    /// Member of the `super_user` group.
    pub is_super_user: bool,
    /// Last time the session was used (refreshed at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// The ticket list's order the user chose last (read with the session, so the list needs no query for it).
    pub ticket_sort: Option<String>,
}

/// Stores a new session.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn create<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    user_id: UserId,
    expires_at: DateTime<Utc>,
    ip: &str,
    user_agent: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into sessions (session_id, token_hash, user_id, expires_at, ip, user_agent)
         values ($1, $2, $3, $4, left($5, 64), left($6, 512))
         returning session_id",
        Uuid::new_v4(),
        token_hash,
        user_id.0,
        expires_at,
        ip,
        user_agent
    )
    .fetch_one(db)
    .await
}

/// The user behind a session token, if the session exists, has not expired, has been used within `idle_secs`, and
/// its user is not disabled.
#[tracing::instrument(skip_all, err)]
pub async fn find<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    idle_secs: i64,
) -> sqlx::Result<Option<SessionUser>> {
    sqlx::query_as!(
        SessionUser,
        r#"select s.session_id, u.user_id as "user_id: UserId", u.username, u.name, u.locale,
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'admin') as "is_admin!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'super_user') as "is_super_user!",
                  s.last_seen_at, u.ticket_sort
           from sessions s join users u using (user_id)
           where s.token_hash = $1
             and s.expires_at > now()
             and s.last_seen_at > now() - make_interval(secs => $2)
             and not u.disabled"#,
        token_hash,
        idle_secs as f64
    )
    .fetch_optional(db)
    .await
}

/// Records that a session was just used.
pub async fn touch<'c>(db: impl Db<'c>, session_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update sessions set last_seen_at = now() where session_id = $1",
        session_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends one session (sign-out).
#[tracing::instrument(skip_all, err)]
pub async fn delete<'c>(db: impl Db<'c>, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query!("delete from sessions where token_hash = $1", token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (disabled account, password changed or reset).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn delete_for_user<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from sessions where user_id = $1", user_id.0)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Removes expired sessions (housekeeping).
pub async fn delete_expired<'c>(db: impl Db<'c>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from sessions where expires_at <= now()")
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Ends every session of a user except one (a password change signs out the user's other browsers).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn delete_others_for_user<'c>(
    db: impl Db<'c>,
    user_id: UserId,
    keep: Uuid,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from sessions where user_id = $1 and session_id <> $2",
        user_id.0,
        keep
    )
    .execute(db)
    .await?
    .rows_affected())
}
