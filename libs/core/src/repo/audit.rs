//! The audit log of administrative actions: who did what to which user, group, department or setting, and when.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Db;
use crate::domain::UserId;

/// A new entry.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Who (none for the command line).
    pub actor_id: Option<UserId>,
    /// What, as a stable code such as `user.disable` (translated on the page).
    pub action: &'a str,
    /// On what, e.g. `user:42 ada` (at most 256 characters are kept).
    pub target: &'a str,
    /// Details: before/after values, secrets already masked.
    pub data: Option<Value>,
    /// The client address.
    pub ip: Option<&'a str>,
}

/// Records an entry, in the transaction of the change it describes.
#[tracing::instrument(skip_all, fields(action = entry.action), err)]
pub async fn record<'c>(db: impl Db<'c>, entry: &NewEntry<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into audit_log (actor_id, action, target, data, ip)
         values ($1, left($2, 64), left($3, 256), $4, left($5, 64))",
        entry.actor_id.map(|u| u.0),
        entry.action,
        entry.target,
        entry.data,
        entry.ip
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An entry as the audit page shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The id.
    pub audit_id: i64,
    /// Who, by user name (none if the account was deleted or for the command line).
    pub actor: Option<String>,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    pub data: Option<Value>,
    /// Client address.
    pub ip: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One page of entries, newest first.
pub async fn list<'c>(db: impl Db<'c>, limit: i64, offset: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as!(
        Entry,
        r#"select a.audit_id, u.username as "actor?", a.action, a.target, a.data, a.ip, a.created_at
           from audit_log a left join users u on u.user_id = a.actor_id
           order by a.created_at desc, a.audit_id desc
           limit $1 offset $2"#,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of entries.
pub async fn count<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from audit_log"#)
        .fetch_one(db)
        .await
}
