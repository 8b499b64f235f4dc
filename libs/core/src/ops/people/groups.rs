//! Groups and their members. `admin` and `super_user` are built in: they cannot be renamed or deleted, and the last
//! enabled admin cannot be removed from `admin`.

use serde_json::json;
use sqlx::PgConnection;

use super::{admins_only, last_admin, last_admin_refused, lock_admins};
use crate::domain::{GroupId, GroupName, LoginName, UserId};
use crate::ops::{self, Acting, Changed, Committed, OpError, OpResult, audit};
use crate::permissions::tickets::Refusal;
use crate::repo::groups::{self, GroupRow};
use crate::repo::users;

/// The unique constraint of group names.
const TAKEN: &[(&str, &str, &str)] = &[("groups_name_key", "name", "error-group-taken")];

impl Committed for GroupId {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

fn parse_name(typed: &str) -> OpResult<GroupName> {
    GroupName::parse(typed).map_err(|e| OpError::field("name", e.key))
}

/// The group `id`, or `NotFound`.
async fn group(conn: &mut PgConnection, id: GroupId) -> OpResult<GroupRow> {
    groups::find(&mut *conn, id).await?.ok_or(OpError::NotFound)
}

/// Why a group was not renamed or deleted: it does not exist, or it is built in.
async fn untouched(conn: &mut PgConnection, id: GroupId) -> OpError {
    match group(conn, id).await {
        Ok(_) => Refusal::Conflict("error-group-builtin").into(),
        Err(e) => e,
    }
}

/// Creates a group (audit `group.create`); a taken name is refused on `name`.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn create_group(
    conn: &mut PgConnection,
    acting: &Acting,
    typed_name: &str,
) -> OpResult<GroupId> {
    admins_only(acting)?;
    let name = parse_name(typed_name)?;
    lock_admins(conn, acting).await?;
    let id = groups::create(&mut *conn, &name)
        .await
        .map_err(|e| ops::unique_violation(e, TAKEN))?;
    let target = format!("group:{id} {}", name.as_str());
    audit::record(conn, acting, "group.create", &target, None).await?;
    Ok(id)
}

/// Renames a group that is not built in (audit `group.rename`, with the names before and after).
#[tracing::instrument(skip_all, fields(group.id = %id), err(level = "debug"))]
pub async fn rename_group(
    conn: &mut PgConnection,
    acting: &Acting,
    id: GroupId,
    typed_name: &str,
) -> OpResult<()> {
    admins_only(acting)?;
    let name = parse_name(typed_name)?;
    lock_admins(conn, acting).await?;
    let renamed = groups::rename(&mut *conn, id, &name)
        .await
        .map_err(|e| ops::unique_violation(e, TAKEN))?;
    let Some(old) = renamed else {
        return Err(untouched(conn, id).await);
    };
    let data = json!({ "before": old, "after": name.as_str() });
    audit::record(
        conn,
        acting,
        "group.rename",
        &format!("group:{id}"),
        Some(data),
    )
    .await?;
    Ok(())
}

/// Deletes a group that is not built in, with its memberships (audit `group.delete`).
#[tracing::instrument(skip_all, fields(group.id = %id), err(level = "debug"))]
pub async fn delete_group(conn: &mut PgConnection, acting: &Acting, id: GroupId) -> OpResult<()> {
    admins_only(acting)?;
    lock_admins(conn, acting).await?;
    let Some(name) = groups::delete(&mut *conn, id).await? else {
        return Err(untouched(conn, id).await);
    };
    let target = format!("group:{id} {name}");
    audit::record(conn, acting, "group.delete", &target, None).await?;
    Ok(())
}

/// Adds the account with this user name or email to a group (audit `group.add_member` when it was not a member);
/// an unknown account is refused on `username`.
#[tracing::instrument(skip_all, fields(group.id = %id), err(level = "debug"))]
pub async fn add_member(
    conn: &mut PgConnection,
    acting: &Acting,
    id: GroupId,
    typed_username: &str,
) -> OpResult<()> {
    admins_only(acting)?;
    let group = group(conn, id).await?;
    let login = LoginName::parse(typed_username).map_err(|e| OpError::field("username", e.key))?;
    let Some(user) = users::find_for_login(&mut *conn, login.as_str()).await? else {
        return Err(OpError::field("username", "error-user-not-found"));
    };
    lock_admins(conn, acting).await?;
    if groups::add_member(&mut *conn, id, user.user_id).await? {
        let target = format!("group:{id} {} user:{}", group.name, user.user_id);
        audit::record(conn, acting, "group.add_member", &target, None).await?;
    }
    Ok(())
}

/// Removes a member from a group (audit `group.remove_member` when it was one); never the last enabled admin from
/// `admin`.
#[tracing::instrument(skip_all, fields(group.id = %id, user.id = %user_id), err(level = "debug"))]
pub async fn remove_member(
    conn: &mut PgConnection,
    acting: &Acting,
    id: GroupId,
    user_id: UserId,
) -> OpResult<()> {
    admins_only(acting)?;
    let group = group(conn, id).await?;
    lock_admins(conn, acting).await?;
    if groups::is_admin_group(&mut *conn, id).await? && last_admin(conn, user_id).await? {
        return Err(last_admin_refused());
    }
    if groups::remove_member(&mut *conn, id, user_id).await? {
        let target = format!("group:{id} {} user:{user_id}", group.name);
        audit::record(conn, acting, "group.remove_member", &target, None).await?;
    }
    Ok(())
}
