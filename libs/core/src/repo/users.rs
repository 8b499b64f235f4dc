//! Users and their group memberships.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Db;
use crate::domain::{Email, JobTitle, PersonName, UserId, Username};
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

/// Disables or enables an account; disabling also ends every session of that user and revokes every API token for
/// good (enabling it again brings none back), in the same transaction. Every path that disables an account (admin
/// page, `/api/v1`) goes through here.
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
        super::api_tokens::revoke_for_user(&mut *conn, user_id).await?;
    }
    Ok(())
}

/// One user as the directory and the admin list show them.
#[derive(Debug, Clone)]
pub struct DirectoryEntry {
    /// The id.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email (only shown to admins and super users).
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Whether an avatar was uploaded.
    pub has_avatar: bool,
    /// Tickets raised plus replies written.
    pub posts: i64,
    /// Tickets currently assigned.
    pub assigned: i64,
    /// Member of `admin`.
    pub is_admin: bool,
    /// Member of `super_user`.
    pub is_super_user: bool,
    /// Disabled account.
    pub disabled: bool,
}

/// Users whose user name or name (and email when `match_email`) contains `filter`, by user name, one page.
#[tracing::instrument(skip_all, err)]
pub async fn search<'c>(
    db: impl Db<'c>,
    filter: &str,
    match_email: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<DirectoryEntry>> {
    let pattern = super::contains_pattern(filter);
    sqlx::query_as!(
        DirectoryEntry,
        r#"select u.user_id as "user_id: UserId", u.username, u.name, u.email, u.job_title,
                  u.avatar is not null as "has_avatar!",
                  ((select count(*) from tickets t where t.creator_id = u.user_id)
                   + (select count(*) from posts p where p.author_id = u.user_id)) as "posts!",
                  (select count(*) from tickets t where t.assignee_id = u.user_id) as "assigned!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'admin') as "is_admin!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'super_user') as "is_super_user!",
                  u.disabled
           from users u
           where u.username ilike $1 or u.name ilike $1 or ($2 and u.email ilike $1)
           order by lower(u.username)
           limit $3 offset $4"#,
        pattern,
        match_email,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// How many users [`search`] finds in total.
pub async fn count_search<'c>(
    db: impl Db<'c>,
    filter: &str,
    match_email: bool,
) -> sqlx::Result<i64> {
    let pattern = super::contains_pattern(filter);
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from users u
           where u.username ilike $1 or u.name ilike $1 or ($2 and u.email ilike $1)"#,
        pattern,
        match_email
    )
    .fetch_one(db)
    .await
}

/// A user's profile and account settings.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The id.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Stored avatar file name, if any.
    pub avatar: Option<String>,
    /// Stored locale code.
    pub locale: String,
    /// Disabled account.
    pub disabled: bool,
    /// Does not want the outstanding-tickets digest.
    pub digest_opt_out: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// Tickets raised plus replies written.
    pub posts: i64,
    /// Tickets currently assigned.
    pub assigned: i64,
    /// Member of `admin`.
    pub is_admin: bool,
    /// Member of `super_user`.
    pub is_super_user: bool,
}

/// Loads one user's profile.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn profile<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<Option<Profile>> {
    sqlx::query_as!(
        Profile,
        r#"select u.user_id as "user_id: UserId", u.username, u.name, u.email, u.job_title, u.avatar, u.locale,
                  u.disabled, u.digest_opt_out, u.created_at,
                  ((select count(*) from tickets t where t.creator_id = u.user_id)
                   + (select count(*) from posts p where p.author_id = u.user_id)) as "posts!",
                  (select count(*) from tickets t where t.assignee_id = u.user_id) as "assigned!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'admin') as "is_admin!",
                  exists(select 1 from user_groups ug join groups g using (group_id)
                         where ug.user_id = u.user_id and g.name = 'super_user') as "is_super_user!"
           from users u where u.user_id = $1"#,
        user_id.0
    )
    .fetch_optional(db)
    .await
}

/// What a person may change on their own account.
pub struct AccountUpdate<'a> {
    /// Display name.
    pub name: &'a PersonName,
    /// Email (unique).
    pub email: &'a Email,
    /// Job title.
    pub job_title: &'a JobTitle,
    /// Language.
    pub locale: Locale,
    /// Opt out of the digest.
    pub digest_opt_out: bool,
}

/// Saves a person's own account settings. A new email invalidates every pending password-reset link, since a link
/// belongs to the address it was sent to. A taken email is a unique violation (`users_email_key`), the caller's to
/// report (so errors are traced at DEBUG only).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err(level = "debug"))]
pub async fn update_account(
    conn: &mut PgConnection,
    user_id: UserId,
    update: &AccountUpdate<'_>,
) -> sqlx::Result<()> {
    let email_changed = sqlx::query_scalar!(
        r#"update users u set name = $2, email = $3, job_title = $4, locale = $5, digest_opt_out = $6
           from (select email from users where user_id = $1 for update) old
           where u.user_id = $1
           returning lower(old.email) <> lower(u.email) as "changed!""#,
        user_id.0,
        update.name.as_str(),
        update.email.as_str(),
        update.job_title.as_str(),
        update.locale.code(),
        update.digest_opt_out
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(false);
    if email_changed {
        super::password_resets::invalidate_for_user(&mut *conn, user_id).await?;
    }
    Ok(())
}

/// Sets or clears the stored avatar file name; returns the previous one (to delete its file after commit).
pub async fn set_avatar<'c>(
    db: impl Db<'c>,
    user_id: UserId,
    avatar: Option<&str>,
) -> sqlx::Result<Option<String>> {
    let previous = sqlx::query_scalar!(
        r#"update users u set avatar = $2
           from (select avatar from users where user_id = $1 for update) old
           where u.user_id = $1
           returning old.avatar"#,
        user_id.0,
        avatar
    )
    .fetch_optional(db)
    .await?;
    Ok(previous.flatten())
}

/// The stored password hash of a user (for "current password" checks).
pub async fn password_hash<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select password_hash from users where user_id = $1",
        user_id.0
    )
    .fetch_optional(db)
    .await
}

/// An enabled account with this email (case-insensitively), for the password-reset request.
pub async fn find_enabled_by_email<'c>(
    db: impl Db<'c>,
    email: &str,
) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar!(
        r#"select user_id as "user_id: UserId" from users where lower(email) = lower($1) and not disabled"#,
        email
    )
    .fetch_optional(db)
    .await
}
