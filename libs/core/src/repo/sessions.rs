//! Server-side sessions. The cookie holds a random token; the table holds its SHA-256.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use super::settings::SiteSettings;
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

/// A session found by [`find`]: its user, and the settings every page shows, read in the same statement.
#[derive(Debug, Clone)]
pub struct Found {
    /// The signed-in user.
    pub user: SessionUser,
    /// The site's settings (`None` only if the settings row is missing).
    pub site: Option<SiteSettings>,
}

struct FoundRow {
    session_id: Uuid,
    user_id: UserId,
    username: String,
    name: String,
    locale: String,
    is_admin: bool,
    is_super_user: bool,
    last_seen_at: DateTime<Utc>,
    ticket_sort: Option<String>,
    application_title: Option<String>,
    base_url: Option<String>,
    page_size: Option<i32>,
    csv_limit: Option<i32>,
}

/// The user behind a session token, if the session exists, has not expired, has been used within `idle_secs`, and
/// its user is not disabled; with the site's settings, so that a signed-in page needs no statement for them.
#[tracing::instrument(skip_all, err)]
pub async fn find<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    idle_secs: i64,
) -> sqlx::Result<Option<Found>> {
    let row = sqlx::query_as!(
        FoundRow,
        r#"select s.session_id, u.user_id as "user_id: UserId", u.username, u.name, u.locale,
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'admin') as "is_admin!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'super_user') as "is_super_user!",
                  s.last_seen_at, u.ticket_sort,
                  st.application_title as "application_title?", st.base_url as "base_url?",
                  st.page_size as "page_size?", st.csv_limit as "csv_limit?"
           from sessions s join users u using (user_id)
           left join settings st on st.settings_id = 1
           where s.token_hash = $1
             and s.expires_at > now()
             and s.last_seen_at > now() - make_interval(secs => $2)
             and not u.disabled"#,
        token_hash,
        idle_secs as f64
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let site = match (r.application_title, r.base_url, r.page_size, r.csv_limit) {
            (Some(application_title), Some(base_url), Some(page_size), Some(csv_limit)) => {
                Some(SiteSettings {
                    application_title,
                    base_url,
                    page_size,
                    csv_limit,
                })
            }
            _ => None,
        };
        Found {
            user: SessionUser {
                session_id: r.session_id,
                user_id: r.user_id,
                username: r.username,
                name: r.name,
                locale: r.locale,
                is_admin: r.is_admin,
                is_super_user: r.is_super_user,
                last_seen_at: r.last_seen_at,
                ticket_sort: r.ticket_sort,
            },
            site,
        }
    }))
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
