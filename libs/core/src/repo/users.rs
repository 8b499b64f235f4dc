//! Users and their group memberships.

use sqlx::PgConnection;

use super::Db;
use crate::domain::{Email, PersonName, UserId, Username};
use crate::i18n::Locale;

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct LoginUser {
    /// The id.
    pub user_id: UserId,
    /// The stored password hash (argon2id, or bcrypt from a Flicket export).
    pub password_hash: String,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
}

/// Finds an account by user name or email, case-insensitively.
#[tracing::instrument(skip_all, err)]
pub async fn find_for_login<'c>(db: impl Db<'c>, login: &str) -> sqlx::Result<Option<LoginUser>> {
    sqlx::query_as!(
        LoginUser,
        r#"select user_id as "user_id: UserId", password_hash, disabled
           from users
           where lower(username) = lower($1) or lower(email) = lower($1)
           order by (lower(username) = lower($1)) desc
           limit 1"#,
        login
    )
    .fetch_optional(db)
    .await
}

/// Stores a new password hash (re-hash after sign-in, or a password change).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn set_password_hash<'c>(
    db: impl Db<'c>,
    user_id: UserId,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set password_hash = $2 where user_id = $1",
        user_id.0,
        hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A new account.
pub struct NewUser<'a> {
    /// User name.
    pub username: &'a Username,
    /// Display name.
    pub name: &'a PersonName,
    /// Email.
    pub email: &'a Email,
    /// argon2id hash.
    pub password_hash: &'a str,
    /// Preferred language.
    pub locale: Locale,
}

/// Creates an account.
#[tracing::instrument(skip_all, err)]
pub async fn create<'c>(db: impl Db<'c>, user: &NewUser<'_>) -> sqlx::Result<UserId> {
    sqlx::query_scalar!(
        r#"insert into users (username, name, email, password_hash, locale)
           values ($1, $2, $3, $4, $5)
           returning user_id as "user_id: UserId""#,
        user.username.as_str(),
        user.name.as_str(),
        user.email.as_str(),
        user.password_hash,
        user.locale.code(),
    )
    .fetch_one(db)
    .await
}

/// Whether a user name or an email is already taken (case-insensitively).
pub async fn exists<'c>(db: impl Db<'c>, username: &str, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from users where lower(username) = lower($1) or lower(email) = lower($2)) as "e!""#,
        username,
        email
    )
    .fetch_one(db)
    .await
}

/// Adds a user to a group by name; nothing happens when the membership exists.
#[tracing::instrument(skip_all, fields(user.id = %user_id, group), err)]
pub async fn add_to_group<'c>(db: impl Db<'c>, user_id: UserId, group: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into user_groups (user_id, group_id)
         select $1, group_id from groups where lower(name) = lower($2)
         on conflict do nothing",
        user_id.0,
        group
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether any enabled member of the `admin` group exists.
pub async fn any_admin<'c>(db: impl Db<'c>) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(
             select 1 from users u
             join user_groups ug using (user_id)
             join groups g using (group_id)
             where g.name = 'admin' and not u.disabled) as "e!""#
    )
    .fetch_one(db)
    .await
}

/// Sets a user's language.
pub async fn set_locale<'c>(db: impl Db<'c>, user_id: UserId, locale: Locale) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set locale = $2 where user_id = $1",
        user_id.0,
        locale.code()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Disables or enables an account; disabling also ends every session of that user, in the same transaction.
#[tracing::instrument(skip_all, fields(user.id = %user_id, disabled), err)]
pub async fn set_disabled(
    conn: &mut PgConnection,
    user_id: UserId,
    disabled: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set disabled = $2 where user_id = $1",
        user_id.0,
        disabled
    )
    .execute(&mut *conn)
    .await?;
    if disabled {
        super::sessions::delete_for_user(&mut *conn, user_id).await?;
    }
    Ok(())
}
