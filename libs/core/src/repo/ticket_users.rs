//! The user queries of the ticket pages: picking people, counters, the last chosen category, password checks.

use sqlx::PgConnection;

use super::Db;
use crate::domain::{CategoryId, UserId};

/// An enabled user that can be assigned or subscribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Id.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
}

/// An enabled user by user name (case-insensitive).
pub async fn enabled_by_username<'c>(
    db: impl Db<'c>,
    username: &str,
) -> sqlx::Result<Option<Person>> {
    sqlx::query_as!(
        Person,
        r#"select user_id as "user_id: UserId", username, name
           from users where lower(username) = lower($1) and not disabled"#,
        username
    )
    .fetch_optional(db)
    .await
}

/// Enabled users whose user name or name contains `filter` (case-insensitive), for the assign/subscribe
/// suggestions offered as one types: those whose user name starts with it first, then by user name; at most `limit`.
pub async fn suggest_people<'c>(
    db: impl Db<'c>,
    filter: &str,
    limit: i64,
) -> sqlx::Result<Vec<Person>> {
    let pattern = super::contains_pattern(filter);
    let prefix = super::prefix_pattern(filter);
    sqlx::query_as!(
        Person,
        r#"select user_id as "user_id: UserId", username, name
           from users
           where not disabled and (username ilike $1 or name ilike $1)
           order by username not ilike $2, lower(username)
           limit $3"#,
        pattern,
        prefix,
        limit
    )
    .fetch_all(db)
    .await
}

/// The category the user chose for their previous ticket.
pub async fn last_category<'c>(db: impl Db<'c>, id: UserId) -> sqlx::Result<Option<CategoryId>> {
    sqlx::query_scalar!(
        r#"select last_category_id as "c: CategoryId" from users where user_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
    .map(Option::flatten)
}

/// Remembers the category of a new ticket, to preselect it next time.
pub async fn set_last_category(
    conn: &mut PgConnection,
    id: UserId,
    category: CategoryId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set last_category_id = $2 where user_id = $1",
        id.0,
        category.0
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `delta` to a user's `total_posts` (never below zero).
pub async fn add_posts(conn: &mut PgConnection, id: UserId, delta: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set total_posts = greatest(0, total_posts + $2::bigint)::integer where user_id = $1",
        id.0,
        delta
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `delta` to a user's `total_assigned` (the number of tickets assigned to them now; never below zero).
pub async fn add_assigned(conn: &mut PgConnection, id: UserId, delta: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set total_assigned = greatest(0, total_assigned + $2::bigint)::integer where user_id = $1",
        id.0,
        delta
    )
    .execute(conn)
    .await?;
    Ok(())
}
