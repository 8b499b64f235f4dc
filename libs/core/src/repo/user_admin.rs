//! What admins do to accounts: edit, disable, delete, the last-admin rule, and the JSON export/import and counters
//! of the command line.

use sqlx::PgConnection;

use super::Db;
use crate::domain::{Email, JobTitle, PersonName, UserId, Username};
use crate::i18n::Locale;

/// An account's fields, checked: everything an admin may change on an account (besides groups and the disabled
/// flag).
#[derive(Debug, Clone)]
pub struct AccountFields {
    /// User name (unique).
    pub username: Username,
    /// Display name.
    pub name: PersonName,
    /// Email (unique).
    pub email: Email,
    /// Job title.
    pub job_title: JobTitle,
    /// Language (Flicket displayed it and forgot to save it).
    pub locale: Locale,
}

/// A new account created by an admin, or imported.
pub struct NewAccount<'a> {
    /// Its fields.
    pub fields: &'a AccountFields,
    /// Password hash: argon2id of the initial password, or a checked argon2id or bcrypt hash from an export.
    pub password_hash: &'a str,
}

/// Creates an account; a taken user name or email is a unique violation (`users_username_key`, `users_email_key`).
/// Errors are traced at DEBUG: a violation is the client's mistake, which the caller reports (see [`crate::ops`]).
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create<'c>(db: impl Db<'c>, a: &NewAccount<'_>) -> sqlx::Result<UserId> {
    sqlx::query_scalar!(
        r#"insert into users (username, name, email, job_title, locale, password_hash)
           values ($1, $2, $3, $4, $5, $6)
           returning user_id as "user_id: UserId""#,
        a.fields.username.as_str(),
        a.fields.name.as_str(),
        a.fields.email.as_str(),
        a.fields.job_title.as_str(),
        a.fields.locale.code(),
        a.password_hash
    )
    .fetch_one(db)
    .await
}

/// Saves an admin's edit of an account; a new email invalidates pending reset links. Unique violations
/// (`users_username_key`, `users_email_key`) are the caller's to report (so errors are traced at DEBUG only).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err(level = "debug"))]
pub async fn update(
    conn: &mut PgConnection,
    user_id: UserId,
    u: &AccountFields,
) -> sqlx::Result<bool> {
    let changed = sqlx::query_scalar!(
        r#"update users u set username = $2, name = $3, email = $4, job_title = $5, locale = $6
           from (select email from users where user_id = $1 for update) old
           where u.user_id = $1
           returning lower(old.email) <> lower(u.email) as "email_changed!""#,
        user_id.0,
        u.username.as_str(),
        u.name.as_str(),
        u.email.as_str(),
        u.job_title.as_str(),
        u.locale.code()
    )
    .fetch_optional(&mut *conn)
    .await?;
    match changed {
        None => Ok(false),
        Some(email_changed) => {
            if email_changed {
                super::password_resets::invalidate_for_user(&mut *conn, user_id).await?;
            }
            Ok(true)
        }
    }
}

/// Serialises every change that could leave the site without an admin: it locks the `admin` group's row until the
/// transaction ends, so two admins demoting, disabling or deleting each other at once cannot both succeed. Call it
/// before [`other_enabled_admins`].
pub async fn lock_admin_set(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("select group_id from groups where name = 'admin' for update")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(())
}

/// Enabled members of `admin` other than `user_id` (read after [`lock_admin_set`], so it is current).
pub async fn other_enabled_admins(conn: &mut PgConnection, user_id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from users u
           join user_groups ug using (user_id) join groups g using (group_id)
           where g.name = 'admin' and not u.disabled and u.user_id <> $1"#,
        user_id.0
    )
    .fetch_one(&mut *conn)
    .await
}

/// Whether the user is an enabled admin (whose loss the last-admin rule guards against).
pub async fn is_enabled_admin(conn: &mut PgConnection, user_id: UserId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from users u
             join user_groups ug using (user_id) join groups g using (group_id)
             where g.name = 'admin' and not u.disabled and u.user_id = $1) as "e!""#,
        user_id.0
    )
    .fetch_one(&mut *conn)
    .await
}

/// Rows that keep an account from being deleted (the schema restricts their deletion; nothing is orphaned).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ownership {
    /// Tickets raised.
    pub tickets: i64,
    /// Replies written.
    pub posts: i64,
    /// Files uploaded.
    pub attachments: i64,
}

impl Ownership {
    /// Whether anything is owned.
    pub fn any(&self) -> bool {
        self.tickets + self.posts + self.attachments > 0
    }
}

/// Counts what a user owns.
pub async fn ownership<'c>(db: impl Db<'c>, user_id: UserId) -> sqlx::Result<Ownership> {
    let row = sqlx::query!(
        r#"select (select count(*) from tickets where creator_id = $1) as "tickets!",
                  (select count(*) from posts where author_id = $1) as "posts!",
                  (select count(*) from attachments where uploader_id = $1) as "attachments!""#,
        user_id.0
    )
    .fetch_one(db)
    .await?;
    Ok(Ownership {
        tickets: row.tickets,
        posts: row.posts,
        attachments: row.attachments,
    })
}

/// Deletes an account (sessions, memberships, subscriptions and reset links go with it). A foreign-key violation
/// means it came to own something meanwhile: the caller refuses as for [`ownership`] (so errors are traced at DEBUG
/// only).
#[tracing::instrument(skip_all, fields(user.id = %user_id), err(level = "debug"))]
pub async fn delete(conn: &mut PgConnection, user_id: UserId) -> sqlx::Result<bool> {
    Ok(
        sqlx::query!("delete from users where user_id = $1", user_id.0)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// One account as exported (Flicket's `users.json` keys, plus what Flicket did not have).
#[derive(Debug, Clone)]
pub struct ExportRow {
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// argon2id or bcrypt hash.
    pub password_hash: String,
    /// Job title.
    pub job_title: String,
    /// Locale code.
    pub locale: String,
    /// Disabled account.
    pub disabled: bool,
}

/// Every account, by user name.
pub async fn export_all<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<ExportRow>> {
    sqlx::query_as!(
        ExportRow,
        "select username, name, email, password_hash, job_title, locale, disabled
         from users order by lower(username)"
    )
    .fetch_all(db)
    .await
}

/// An account read from an export, already parsed.
pub struct ImportRow<'a> {
    /// Its fields and its checked argon2id or bcrypt hash.
    pub account: NewAccount<'a>,
    /// Disabled account.
    pub disabled: bool,
}

/// Inserts an imported account unless its user name or email is taken; `None` when it was skipped.
pub async fn import<'c>(db: impl Db<'c>, row: &ImportRow<'_>) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar!(
        r#"insert into users (username, name, email, password_hash, job_title, locale, disabled)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict do nothing
           returning user_id as "user_id: UserId""#,
        row.account.fields.username.as_str(),
        row.account.fields.name.as_str(),
        row.account.fields.email.as_str(),
        row.account.password_hash,
        row.account.fields.job_title.as_str(),
        row.account.fields.locale.code(),
        row.disabled
    )
    .fetch_optional(db)
    .await
}

/// A counter that `recount` corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterFix {
    /// Whose counters.
    pub username: String,
    /// Stored tickets + replies before.
    pub posts_before: i32,
    /// Computed tickets + replies.
    pub posts_after: i32,
    /// Stored assigned tickets before.
    pub assigned_before: i32,
    /// Computed assigned tickets.
    pub assigned_after: i32,
}

/// Recomputes every user's `total_posts` (tickets raised + replies) and `total_assigned` (tickets assigned now);
/// returns the rows that changed.
#[tracing::instrument(skip_all, err)]
pub async fn recount<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<CounterFix>> {
    sqlx::query_as!(
        CounterFix,
        r#"with fresh as (
               select u.user_id, u.total_posts as posts_before, u.total_assigned as assigned_before,
                      ((select count(*) from tickets t where t.creator_id = u.user_id)
                       + (select count(*) from posts p where p.author_id = u.user_id))::int as posts_after,
                      (select count(*) from tickets t where t.assignee_id = u.user_id)::int as assigned_after
               from users u
           )
           update users u set total_posts = f.posts_after, total_assigned = f.assigned_after
           from fresh f
           where u.user_id = f.user_id
             and (u.total_posts <> f.posts_after or u.total_assigned <> f.assigned_after)
           returning u.username, f.posts_before, f.posts_after as "posts_after!",
                     f.assigned_before, f.assigned_after as "assigned_after!""#
    )
    .fetch_all(db)
    .await
}
