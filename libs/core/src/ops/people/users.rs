//! Accounts as admins manage them: create one (with an initial password the policy accepts), change its fields,
//! groups and state, disable or enable it, delete it, or send it a password-reset link. An admin never sets or sees
//! another person's password after creation (ASVS 6.4.6), never disables or deletes their own account, and never
//! leaves the site without an enabled admin.

use serde_json::json;
use sqlx::{Acquire, PgConnection};

use super::{admins_only, last_admin, last_admin_refused, lock_admins};
use crate::accounts::{self, password_reset};
use crate::domain::{
    Email, GroupId, JobTitle, ParseError, PersonName, PlainPassword, UserId, Username,
};
use crate::i18n::Locale;
use crate::ops::{self, Acting, Changed, Committed, FieldError, Message, OpError, OpResult, audit};
use crate::password;
use crate::permissions::admin::can_remove_account;
use crate::permissions::tickets::Refusal;
use crate::repo::groups::{self, GroupRow};
use crate::repo::{self, user_admin, users};

/// The unique constraints of accounts, with the field each one concerns.
const TAKEN: &[(&str, &str, &str)] = &[
    ("users_username_key", "username", "error-username-taken"),
    ("users_email_key", "email", "error-email-taken"),
];

/// An account's fields as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountInput<'a> {
    /// User name.
    pub username: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Job title (may be empty).
    pub job_title: &'a str,
    /// Locale code (`en`, `fr`).
    pub locale: &'a str,
}

pub use crate::repo::user_admin::AccountFields;

/// The problems of every field, in the order of the form.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn take<T>(&mut self, field: &'static str, r: Result<T, ParseError>) -> Option<T> {
        r.map_err(|e| {
            self.0.push(FieldError {
                field,
                message: Message::new(e.key),
            });
        })
        .ok()
    }
}

/// Checks an account's typed fields (`username`, `name`, `email`, `job_title`, `locale`); on error, every field that
/// is wrong (the forms and the API show them all at once).
pub fn check_account(input: &AccountInput<'_>) -> Result<AccountFields, Vec<FieldError>> {
    let mut problems = Problems::default();
    let username = problems.take("username", Username::parse(input.username));
    let name = problems.take("name", PersonName::parse(input.name));
    let email = problems.take("email", Email::parse(input.email));
    let job_title = problems.take("job_title", JobTitle::parse(input.job_title));
    let locale = problems.take(
        "locale",
        Locale::from_code(input.locale).ok_or(ParseError {
            key: "error-locale-invalid",
        }),
    );
    match (username, name, email, job_title, locale) {
        (Some(username), Some(name), Some(email), Some(job_title), Some(locale)) => {
            Ok(AccountFields {
                username,
                name,
                email,
                job_title,
                locale,
            })
        }
        _ => Err(problems.0),
    }
}

/// A new account, checked by [`check_new_account`].
pub struct NewAccount {
    fields: AccountFields,
    password: PlainPassword,
}

/// Checks a new account: its fields as [`check_account`], then, once they are right, its initial password against
/// the password policy (`password`; it must not contain the user name or the email).
pub fn check_new_account(
    input: &AccountInput<'_>,
    password: &str,
) -> Result<NewAccount, Vec<FieldError>> {
    let fields = check_account(input)?;
    let password =
        accounts::parse_new_password(password, fields.username.as_str(), fields.email.as_str())
            .map_err(|e| {
                vec![FieldError {
                    field: "password",
                    message: Message::new(e.key),
                }]
            })?;
    Ok(NewAccount { fields, password })
}

/// The groups an account is to belong to.
#[derive(Debug, Clone, Copy)]
pub enum Memberships<'a> {
    /// Exactly these (the boxes of the user form); ids of no group are ignored.
    Exactly(&'a [GroupId]),
    /// The groups of these names (`None`: the current ones; a name of no group is refused on `groups`), then the
    /// `admin` and `super_user` roles set or unset on top (the API).
    Named {
        /// Group names.
        names: Option<&'a [String]>,
        /// Member of `admin`, or unchanged.
        is_admin: Option<bool>,
        /// Member of `super_user`, or unchanged.
        is_super_user: Option<bool>,
    },
}

impl Memberships<'_> {
    fn resolve(self, all: &[GroupRow], current: &[GroupId]) -> OpResult<Vec<GroupId>> {
        let (names, is_admin, is_super_user) = match self {
            Memberships::Exactly(ids) => return Ok(ids.to_vec()),
            Memberships::Named {
                names,
                is_admin,
                is_super_user,
            } => (names, is_admin, is_super_user),
        };
        let mut ids: Vec<GroupId> = match names {
            None => current.to_vec(),
            Some(names) => names
                .iter()
                .map(|n| {
                    all.iter()
                        .find(|g| g.name == *n)
                        .map(|g| g.group_id)
                        .ok_or_else(|| OpError::field("groups", "api-error-unknown-group"))
                })
                .collect::<OpResult<_>>()?,
        };
        for (name, on) in [("admin", is_admin), ("super_user", is_super_user)] {
            let (Some(on), Some(g)) = (on, all.iter().find(|g| g.name == name)) else {
                continue;
            };
            ids.retain(|id| *id != g.group_id);
            if on {
                ids.push(g.group_id);
            }
        }
        ids.sort_by_key(|g| g.0);
        ids.dedup();
        Ok(ids)
    }
}

impl Committed for UserId {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// Hashing never fails for a person's input; if it does, it is a server error, reported like a database error (a
/// value that could not be made to store).
async fn hash(new: &PlainPassword) -> OpResult<String> {
    password::hash(new.secret())
        .await
        .map_err(|e| OpError::Db(sqlx::Error::Encode(Box::new(e))))
}

/// Creates an account with its groups (audit `user.create`). The password is hashed (the slow part) before the
/// admin set is locked. A taken user name or email is refused on its field.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn create_user(
    conn: &mut PgConnection,
    acting: &Acting,
    new: &NewAccount,
    memberships: Memberships<'_>,
) -> OpResult<UserId> {
    admins_only(acting)?;
    let hash = hash(&new.password).await?;
    lock_admins(conn, acting).await?;
    let all = groups::list(&mut *conn).await?;
    let wanted = memberships.resolve(&all, &[])?;
    let f = &new.fields;
    let account = user_admin::NewAccount {
        fields: f,
        password_hash: &hash,
    };
    let id = user_admin::create(&mut *conn, &account)
        .await
        .map_err(|e| ops::unique_violation(e, TAKEN))?;
    groups::set_for_user(conn, id, &wanted).await?;
    let data = json!({
        "username": f.username.as_str(), "name": f.name.as_str(), "email": f.email.as_str(),
        "job_title": f.job_title.as_str(), "locale": f.locale.code(),
        "groups": groups::of_user(&mut *conn, id).await?,
    });
    let target = format!("user:{id} {}", f.username.as_str());
    audit::record(conn, acting, "user.create", &target, Some(data)).await?;
    tracing::info!(user.id = id.0, "account created by an admin");
    Ok(id)
}

/// Saves an account's fields and groups (audit `user.update`, with the values before and after), and disables or
/// enables it when `disabled` says so and it is not so already (audit `user.disable` / `user.enable`). Refused:
/// disabling one's own account, and removing the last enabled admin from `admin` or disabling them.
#[tracing::instrument(skip_all, fields(user.id = %id), err(level = "debug"))]
pub async fn update_user(
    conn: &mut PgConnection,
    acting: &Acting,
    id: UserId,
    fields: &AccountFields,
    memberships: Memberships<'_>,
    disabled: Option<bool>,
) -> OpResult<()> {
    admins_only(acting)?;
    let before = users::profile(&mut *conn, id)
        .await?
        .ok_or(OpError::NotFound)?;
    let disable = disabled.filter(|d| *d != before.disabled);
    if disable == Some(true) {
        removable(acting, id)?;
    }
    lock_admins(conn, acting).await?;
    let all = groups::list(&mut *conn).await?;
    let groups_before = groups::of_user(&mut *conn, id).await?;
    let wanted = memberships.resolve(&all, &groups_before)?;
    let admin_group = all.iter().find(|g| g.name == "admin").map(|g| g.group_id);
    let loses_admin =
        admin_group.is_some_and(|g| groups_before.contains(&g) && !wanted.contains(&g));
    if loses_admin && last_admin(conn, id).await? {
        return Err(last_admin_refused());
    }
    let f = fields;
    if !user_admin::update(conn, id, f)
        .await
        .map_err(|e| ops::unique_violation(e, TAKEN))?
    {
        return Err(OpError::NotFound);
    }
    groups::set_for_user(conn, id, &wanted).await?;
    let groups_after = groups::of_user(&mut *conn, id).await?;
    let data = json!({
        "before": { "username": before.username, "name": before.name, "email": before.email,
                    "job_title": before.job_title, "locale": before.locale, "groups": groups_before },
        "after": { "username": f.username.as_str(), "name": f.name.as_str(), "email": f.email.as_str(),
                   "job_title": f.job_title.as_str(), "locale": f.locale.code(), "groups": groups_after },
    });
    let label = format!("user:{id} {}", f.username.as_str());
    audit::record(conn, acting, "user.update", &label, Some(data)).await?;
    if let Some(disabled) = disable {
        switch(conn, acting, id, &label, disabled).await?;
    }
    Ok(())
}

/// Whether the acting admin may disable or delete `id`: not their own account.
fn removable(acting: &Acting, id: UserId) -> OpResult<()> {
    admins_only(acting)?;
    if can_remove_account(&acting.actor, id) {
        Ok(())
    } else {
        Err(Refusal::Conflict("error-cannot-remove-self").into())
    }
}

/// Disables (never the last enabled admin; sessions and API tokens end) or enables an account, under the admin-set
/// lock, with its audit entry.
async fn switch(
    conn: &mut PgConnection,
    acting: &Acting,
    id: UserId,
    label: &str,
    disabled: bool,
) -> OpResult<()> {
    if disabled && last_admin(conn, id).await? {
        return Err(last_admin_refused());
    }
    users::set_disabled(conn, id, disabled).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(conn, acting, action, label, None).await?;
    Ok(())
}

/// The account `id`, or `NotFound`.
async fn target(conn: &mut PgConnection, id: UserId) -> OpResult<users::Profile> {
    users::profile(&mut *conn, id)
        .await?
        .ok_or(OpError::NotFound)
}

/// [`switch`] for an account found under the admin-set lock (the caller has checked the permission).
async fn switch_user(
    conn: &mut PgConnection,
    acting: &Acting,
    id: UserId,
    disabled: bool,
) -> OpResult<()> {
    lock_admins(conn, acting).await?;
    let user = target(conn, id).await?;
    let label = format!("user:{id} {}", user.username);
    switch(conn, acting, id, &label, disabled).await
}

/// Disables an account and ends its sessions and API tokens (audit `user.disable`). Not one's own account, and
/// never the last enabled admin.
#[tracing::instrument(skip_all, fields(user.id = %id), err(level = "debug"))]
pub async fn disable_user(conn: &mut PgConnection, acting: &Acting, id: UserId) -> OpResult<()> {
    removable(acting, id)?;
    switch_user(conn, acting, id, true).await
}

/// Enables an account again (audit `user.enable`); its former sessions and tokens stay ended.
#[tracing::instrument(skip_all, fields(user.id = %id), err(level = "debug"))]
pub async fn enable_user(conn: &mut PgConnection, acting: &Acting, id: UserId) -> OpResult<()> {
    admins_only(acting)?;
    switch_user(conn, acting, id, false).await
}

/// A deleted account's avatar file, which the caller deletes once the deletion is committed (avatars are not the
/// attachments [`Changed`] lists).
#[derive(Debug, Default)]
pub struct Deleted {
    /// The stored name of its avatar, if it had one.
    pub avatar: Option<String>,
}

impl Committed for Deleted {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// The refusal to delete an account that owns something, with what it owns.
fn owns(owned: user_admin::Ownership) -> OpError {
    OpError::Conflict(Message {
        key: "error-user-owns-content",
        args: vec![
            ("tickets", owned.tickets.to_string()),
            ("posts", owned.posts.to_string()),
            ("attachments", owned.attachments.to_string()),
        ],
    })
}

/// Deletes an account that owns no ticket, reply or attachment (audit `user.delete`, with its names); otherwise a
/// conflict saying what it owns (disabling it is the way out). Not one's own account, and never the last enabled
/// admin.
#[tracing::instrument(skip_all, fields(user.id = %id), err(level = "debug"))]
pub async fn delete_user(
    conn: &mut PgConnection,
    acting: &Acting,
    id: UserId,
) -> OpResult<Deleted> {
    removable(acting, id)?;
    lock_admins(conn, acting).await?;
    let user = target(conn, id).await?;
    if last_admin(conn, id).await? {
        return Err(last_admin_refused());
    }
    let owned = user_admin::ownership(&mut *conn, id).await?;
    if owned.any() {
        return Err(owns(owned));
    }
    let label = format!("user:{id} {}", user.username);
    let data = json!({ "username": user.username, "name": user.name, "email": user.email });
    audit::record(conn, acting, "user.delete", &label, Some(data)).await?;
    // In a savepoint: if it came to own something since the count, the foreign-key violation leaves the transaction
    // usable to count again for the same refusal.
    let mut deletion = conn.begin().await?;
    match user_admin::delete(&mut deletion, id).await {
        Ok(_) => deletion.commit().await?,
        Err(e) if repo::is_foreign_key_violation(&e) => {
            deletion.rollback().await?;
            return Err(owns(user_admin::ownership(&mut *conn, id).await?));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Deleted {
        avatar: user.avatar,
    })
}

/// Issues a password-reset link for an enabled account and its email (audit `user.reset_link`); returns the outbox
/// rows to relay. The admin never learns the new password.
#[tracing::instrument(skip_all, fields(user.id = %id), err(level = "debug"))]
pub async fn send_reset(
    conn: &mut PgConnection,
    acting: &Acting,
    secret_key: &[u8],
    id: UserId,
) -> OpResult<Vec<i64>> {
    admins_only(acting)?;
    let user = target(conn, id).await?;
    if user.disabled {
        return Err(Refusal::Conflict("error-reset-disabled-user").into());
    }
    let outbox_id = password_reset::issue(conn, secret_key, id)
        .await
        .map_err(|e| match e {
            password_reset::IssueError::Db(e) => OpError::Db(e),
            // A key that cannot encrypt is the server's fault, reported like a value that could not be stored.
            password_reset::IssueError::Crypto(e) => OpError::Db(sqlx::Error::Encode(Box::new(e))),
        })?;
    let label = format!("user:{id} {}", user.username);
    audit::record(conn, acting, "user.reset_link", &label, None).await?;
    Ok(outbox_id.into_iter().collect())
}
