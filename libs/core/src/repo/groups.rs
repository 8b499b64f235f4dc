//! Groups and memberships. Only `admin` and `super_user` (built in) grant anything; other groups are labels.

use sqlx::PgConnection;

use super::Db;
use crate::domain::{GroupId, GroupName, UserId};

/// A group with its number of members.
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// The id.
    pub group_id: GroupId,
    /// The name.
    pub name: String,
    /// `admin` and `super_user`: cannot be renamed or deleted.
    pub builtin: bool,
    /// Members.
    pub members: i64,
}

/// Every group, built-in ones first.
pub async fn list<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as!(
        GroupRow,
        r#"select g.group_id as "group_id: GroupId", g.name, g.builtin,
                  (select count(*) from user_groups ug where ug.group_id = g.group_id) as "members!"
           from groups g order by g.builtin desc, lower(g.name)"#
    )
    .fetch_all(db)
    .await
}

/// One group.
pub async fn find<'c>(db: impl Db<'c>, group_id: GroupId) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as!(
        GroupRow,
        r#"select g.group_id as "group_id: GroupId", g.name, g.builtin,
                  (select count(*) from user_groups ug where ug.group_id = g.group_id) as "members!"
           from groups g where g.group_id = $1"#,
        group_id.0
    )
    .fetch_optional(db)
    .await
}

/// Creates a group; a taken name is a unique violation (`groups_name_key`).
pub async fn create<'c>(db: impl Db<'c>, name: &GroupName) -> sqlx::Result<GroupId> {
    sqlx::query_scalar!(
        r#"insert into groups (name) values ($1) returning group_id as "group_id: GroupId""#,
        name.as_str()
    )
    .fetch_one(db)
    .await
}

/// Renames a group that is not built in; returns the old name, or `None` when nothing was renamed.
pub async fn rename<'c>(
    db: impl Db<'c>,
    group_id: GroupId,
    name: &GroupName,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update groups g set name = $2
           from (select name from groups where group_id = $1 for update) old
           where g.group_id = $1 and not g.builtin
           returning old.name"#,
        group_id.0,
        name.as_str()
    )
    .fetch_optional(db)
    .await
}

/// Deletes a group that is not built in (memberships go with it); returns its name.
pub async fn delete<'c>(db: impl Db<'c>, group_id: GroupId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "delete from groups where group_id = $1 and not builtin returning name",
        group_id.0
    )
    .fetch_optional(db)
    .await
}

/// A member of a group.
#[derive(Debug, Clone)]
pub struct Member {
    /// The user.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Disabled account.
    pub disabled: bool,
}

/// The members of a group, by user name.
pub async fn members<'c>(db: impl Db<'c>, group_id: GroupId) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as!(
        Member,
        r#"select u.user_id as "user_id: UserId", u.username, u.name, u.disabled
           from user_groups ug join users u using (user_id)
           where ug.group_id = $1 order by lower(u.username)"#,
        group_id.0
    )
    .fetch_all(db)
    .await
}

/// Adds a member; returns whether the membership is new.
pub async fn add_member<'c>(
    db: impl Db<'c>,
    group_id: GroupId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "insert into user_groups (user_id, group_id) values ($1, $2) on conflict do nothing",
        user_id.0,
        group_id.0
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Removes a member; returns whether there was such a membership.
pub async fn remove_member<'c>(
    db: impl Db<'c>,
    group_id: GroupId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "delete from user_groups where user_id = $1 and group_id = $2",
        user_id.0,
        group_id.0
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// The groups a user belongs to.
pub async fn of_user<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<Vec<GroupId>> {
    sqlx::query_scalar!(
        r#"select group_id as "group_id: GroupId" from user_groups where user_id = $1 order by group_id"#,
        user_id.0
    )
    .fetch_all(db)
    .await
}

/// Replaces a user's memberships with exactly `groups` (unknown ids are ignored).
pub async fn set_for_user(
    conn: &mut PgConnection,
    user_id: UserId,
    groups: &[GroupId],
) -> sqlx::Result<()> {
    let ids: Vec<i64> = groups.iter().map(|g| g.0).collect();
    sqlx::query!(
        "delete from user_groups where user_id = $1 and not (group_id = any($2))",
        user_id.0,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into user_groups (user_id, group_id)
         select $1, group_id from groups where group_id = any($2)
         on conflict do nothing",
        user_id.0,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether a group is the `admin` group.
pub async fn is_admin_group<'c>(db: impl Db<'c>, group_id: GroupId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from groups where group_id = $1 and name = 'admin') as "e!""#,
        group_id.0
    )
    .fetch_one(db)
    .await
}
