//! People as the admin area manages them: accounts ([`users`]: create, change, disable, enable, delete, send a
//! password-reset link) and groups ([`groups`]: create, rename, delete, add and remove members). Admins only; every
//! change that could leave the site without an enabled admin runs under the admin-set lock and the last-admin rule,
//! and writes its audit entry.

pub mod groups;
pub mod users;

#[cfg(test)]
mod tests;

use sqlx::PgConnection;

use super::{Acting, OpError, OpResult};
use crate::domain::UserId;
use crate::permissions::admin::can_administer;
use crate::permissions::tickets::Refusal;
use crate::repo::user_admin;

/// The acting user may administer (checked on their session's rights, before anything is read).
fn admins_only(acting: &Acting) -> OpResult<()> {
    if can_administer(&acting.actor) {
        Ok(())
    } else {
        tracing::warn!(user.id = acting.user_id().0, "admin action refused");
        Err(OpError::forbidden())
    }
}

/// Locks the admin set (see [`user_admin::lock_admin_set`]) and checks, under that lock, that the acting user is
/// still an enabled admin: their session was checked when the request arrived, and another admin may have demoted
/// or disabled them since.
async fn lock_admins(conn: &mut PgConnection, acting: &Acting) -> OpResult<()> {
    user_admin::lock_admin_set(&mut *conn).await?;
    if !user_admin::is_enabled_admin(&mut *conn, acting.user_id()).await? {
        tracing::warn!(
            user.id = acting.user_id().0,
            "admin action refused: no longer an admin"
        );
        return Err(OpError::forbidden());
    }
    Ok(())
}

/// Whether `id` is the last enabled admin (read under [`lock_admins`], so it is current).
async fn last_admin(conn: &mut PgConnection, id: UserId) -> OpResult<bool> {
    Ok(user_admin::is_enabled_admin(&mut *conn, id).await?
        && user_admin::other_enabled_admins(&mut *conn, id).await? == 0)
}

/// The refusal to leave the site without an enabled admin.
fn last_admin_refused() -> OpError {
    Refusal::Conflict("error-last-admin").into()
}
