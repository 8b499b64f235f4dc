//! API bearer tokens: random secrets of which only the SHA-256 is stored; expiring and revocable.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use super::sessions::SessionUser;
use crate::domain::UserId;

/// Stores a new token for `user_id`.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn create<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    user_id: UserId,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into api_tokens (api_token_id, token_hash, user_id, expires_at) values ($1, $2, $3, $4)
         returning api_token_id",
        Uuid::new_v4(),
        token_hash,
        user_id.0,
        expires_at
    )
    .fetch_one(db)
    .await
}

/// The user behind a token that exists, has not expired, is not revoked, and whose user is enabled; the token's id
/// is returned too (for the rate limit). Marks the token as used.
#[tracing::instrument(skip_all, err)]
pub async fn find<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
) -> sqlx::Result<Option<(Uuid, SessionUser)>> {
    let row = sqlx::query!(
        r#"with used as (
               update api_tokens set last_used_at = now()
               where token_hash = $1 and expires_at > now() and revoked_at is null
               returning api_token_id, user_id
           )
           select used.api_token_id, u.user_id as "user_id: UserId", u.username, u.name, u.locale,
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'admin') as "is_admin!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'super_user') as "is_super_user!"
           from used join users u on u.user_id = used.user_id
           where not u.disabled"#,
        token_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            r.api_token_id,
            SessionUser {
                session_id: r.api_token_id,
                user_id: r.user_id,
                username: r.username,
                name: r.name,
                locale: r.locale,
                is_admin: r.is_admin,
                is_super_user: r.is_super_user,
                last_seen_at: Utc::now(),
                ticket_sort: None,
            },
        )
    }))
}

/// Revokes a token; returns whether it was live.
pub async fn revoke<'c>(db: impl Db<'c>, token_hash: &[u8]) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update api_tokens set revoked_at = now() where token_hash = $1 and revoked_at is null",
        token_hash
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Revokes every live token of a user for good (password changed or reset, account disabled): enabling the account
/// again does not bring them back. Returns how many were live.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn revoke_for_user<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "update api_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
        user_id.0
    )
    .execute(db)
    .await?
    .rows_affected())
}
