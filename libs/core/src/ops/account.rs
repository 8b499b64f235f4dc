//! A person's own account: the profile (name, email, job title, language, digest), the avatar, the password change,
//! and the password reset of someone who cannot sign in (asking for a link, then setting a new password with it).
//!
//! The profile, password change and reset take the pool rather than a transaction: a "current password" is checked
//! first under the sign-in limiter ([`sign_in::check_current_password`]), whose failures must stay recorded whatever
//! happens next, and a new password is hashed (argon2, the slow part) before any transaction is open; the change then
//! runs in a transaction of its own. The avatar operations take the caller's transaction, as the others do.
//!
//! The limiter's refusal is a field error on `current_password` with the id [`LIMITED`]; the front ends answer it
//! with sign-in's status (429), see [`is_limited`].

use sqlx::PgPool;
use uuid::Uuid;

use super::{Acting, FieldError, Message, OpError, OpResult};
use crate::accounts::credentials::{self, Ended};
use crate::accounts::sign_in::{self, Outcome};
use crate::domain::{Email, JobTitle, PersonName, PlainPassword};
use crate::i18n::Locale;
use crate::repo::password_resets::{self, ResetTarget};
use crate::repo::users::{self, AccountUpdate};
use crate::{accounts, password, tokens};

mod avatar;

pub use avatar::{
    Replaced, avatar_dir, avatar_file, avatar_name_ok, avatar_type, new_avatar_name, remove_avatar,
    remove_avatar_file, set_avatar,
};

pub use crate::accounts::password_reset::{IssueError, Requested, request as request_reset};

/// The message of a current-password check refused by the sign-in limiter (answered with sign-in's 429).
pub const LIMITED: &str = "login-rate-limited";

/// Largest avatar accepted, in bytes.
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;

/// Whether the error is the sign-in limiter's refusal (too many failed password attempts).
pub fn is_limited(e: &OpError) -> bool {
    e.field_error().is_some_and(|f| f.message.key == LIMITED)
}

/// Re-checks the current password of the acting person under the sign-in limiter (the same counter as signing in
/// to the account): `current_password` is wrong, or [`LIMITED`].
async fn check_current_password(pool: &PgPool, acting: &Acting, raw: &str) -> OpResult<()> {
    let ip = acting.ip.as_deref().unwrap_or_default();
    match sign_in::check_current_password(pool, acting.user_id(), raw, ip).await? {
        Outcome::Accepted(()) => Ok(()),
        Outcome::Refused => Err(OpError::field("current_password", "error-current-password")),
        Outcome::Limited => Err(OpError::field("current_password", LIMITED)),
    }
}

/// The profile form, as typed (and shown again with its messages).
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Locale code.
    pub locale: String,
    /// Does not want the digest.
    pub digest_opt_out: bool,
}

/// A checked profile, ready for [`update_profile`].
#[derive(Debug, Clone)]
pub struct ProfileChange {
    name: PersonName,
    email: Email,
    job_title: JobTitle,
    locale: Locale,
    digest_opt_out: bool,
}

/// Checks the typed profile; on error, every field that is wrong (the form shows them all at once).
pub fn check_profile(input: &ProfileInput) -> Result<ProfileChange, Vec<FieldError>> {
    let mut errors = vec![];
    let mut check = |field, r: Result<(), &'static str>| {
        if let Err(key) = r {
            errors.push(FieldError {
                field,
                message: Message::new(key),
            });
        }
    };
    let name = PersonName::parse(&input.name);
    check("name", name.as_ref().map(|_| ()).map_err(|e| e.key));
    let email = Email::parse(&input.email);
    check("email", email.as_ref().map(|_| ()).map_err(|e| e.key));
    let job_title = JobTitle::parse(&input.job_title);
    check(
        "job_title",
        job_title.as_ref().map(|_| ()).map_err(|e| e.key),
    );
    let locale = Locale::from_code(&input.locale);
    check("locale", locale.map(|_| ()).ok_or("error-locale-invalid"));
    match (name, email, job_title, locale) {
        (Ok(name), Ok(email), Ok(job_title), Some(locale)) => Ok(ProfileChange {
            name,
            email,
            job_title,
            locale,
            digest_opt_out: input.digest_opt_out,
        }),
        _ => Err(errors),
    }
}

/// Saves the acting person's profile. A new email needs the current password (ASVS 7.5.1) and must be free
/// (`email`); it makes every pending reset link useless.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn update_profile(
    pool: &PgPool,
    acting: &Acting,
    change: &ProfileChange,
    current_password: &str,
) -> OpResult<()> {
    let user_id = acting.user_id();
    let stored = users::profile(pool, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    if !stored.email.eq_ignore_ascii_case(change.email.as_str()) {
        check_current_password(pool, acting, current_password).await?;
    }
    let update = AccountUpdate {
        name: &change.name,
        email: &change.email,
        job_title: &change.job_title,
        locale: change.locale,
        digest_opt_out: change.digest_opt_out,
    };
    let mut tx = pool.begin().await?;
    users::update_account(&mut tx, user_id, &update)
        .await
        .map_err(|e| {
            super::unique_violation(e, &[("users_email_key", "email", "error-email-taken")])
        })?;
    tx.commit().await?;
    Ok(())
}

/// A new password as typed twice.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewPassword<'a> {
    /// The password.
    pub new_password: &'a str,
    /// The same again.
    pub new_password_confirm: &'a str,
}

impl NewPassword<'_> {
    /// Checks it against the password policy for the account `username` / `email` (`new_password`), then that both
    /// are the same (`new_password_confirm`).
    pub fn check(&self, username: &str, email: &str) -> OpResult<PlainPassword> {
        let new = accounts::parse_new_password(self.new_password, username, email)
            .map_err(|e| OpError::field("new_password", e.key))?;
        if self.new_password != self.new_password_confirm {
            return Err(OpError::field(
                "new_password_confirm",
                "error-password-mismatch",
            ));
        }
        Ok(new)
    }
}

/// Hashes a new password (argon2id). Hashing never fails for a person's input; if it does, it is a server error,
/// reported as one like a database error (a value that could not be made to store).
async fn hash(new: &PlainPassword) -> OpResult<String> {
    password::hash(new.secret())
        .await
        .map_err(|e| OpError::Db(sqlx::Error::Encode(Box::new(e))))
}

/// Changes the acting person's password: the current one is required (under the sign-in limiter), the new one
/// follows the policy. Every API token is revoked and every session signed out but `keep` (the one that asked).
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn change_password(
    pool: &PgPool,
    acting: &Acting,
    keep: Uuid,
    current_password: &str,
    new: &NewPassword<'_>,
) -> OpResult<Ended> {
    let user_id = acting.user_id();
    check_current_password(pool, acting, current_password).await?;
    let profile = users::profile(pool, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let new_hash = hash(&new.check(&profile.username, &profile.email)?).await?;
    let mut tx = pool.begin().await?;
    let ended = credentials::set_password(&mut tx, user_id, &new_hash, Some(keep)).await?;
    tx.commit().await?;
    tracing::info!(
        user.id = user_id.0,
        other_sessions_ended = ended.sessions,
        api_tokens_revoked = ended.api_tokens,
        "password changed"
    );
    Ok(ended)
}

/// The address typed on the reset form (`email`). The link itself is issued by [`request_reset`], after the
/// answer, so that the answer does not depend on the address.
pub fn reset_request_email(raw: &str) -> OpResult<Email> {
    Email::parse(raw).map_err(|_| OpError::field("email", "error-email-invalid"))
}

/// Whether a token has the shape of ours (43 URL-safe characters): anything else is not looked up.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The account of a usable reset link (unused, unexpired, enabled account); `NotFound` otherwise.
pub async fn reset_link(pool: &PgPool, token: &str) -> OpResult<ResetTarget> {
    if !plausible(token) {
        return Err(OpError::NotFound);
    }
    password_resets::find_valid(pool, &tokens::hash_token(token))
        .await?
        .ok_or(OpError::NotFound)
}

/// Sets a new password with a reset link and uses the link up: every session is signed out and every API token
/// revoked. `NotFound` when the link cannot be used (also when another use of it won just before).
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn consume_reset(pool: &PgPool, token: &str, new: &NewPassword<'_>) -> OpResult<Ended> {
    let target = reset_link(pool, token).await?;
    let new_hash = hash(&new.check(&target.username, &target.email)?).await?;
    let mut tx = pool.begin().await?;
    // Checked again, atomically: of two uses of one link, only one sets a password.
    let user_id = password_resets::consume(&mut tx, &tokens::hash_token(token))
        .await?
        .ok_or(OpError::NotFound)?;
    let ended = credentials::set_password(&mut tx, user_id, &new_hash, None).await?;
    tx.commit().await?;
    tracing::info!(
        user.id = user_id.0,
        api_tokens_revoked = ended.api_tokens,
        "password reset completed; every session ended"
    );
    Ok(ended)
}

/// A new session after an accepted sign-in: its row and the sign-in's success recorded together; returns the raw
/// session token (only its hash is stored), which the web puts in the session cookie.
pub async fn open_session(
    pool: &PgPool,
    accepted: &sign_in::Accepted,
    ip: &str,
    user_agent: &str,
    lifetime: chrono::Duration,
) -> sqlx::Result<String> {
    let token = tokens::random_token();
    let mut tx = pool.begin().await?;
    crate::repo::sessions::create(
        &mut *tx,
        &tokens::hash_token(&token),
        accepted.user_id,
        chrono::Utc::now() + lifetime,
        ip,
        user_agent,
    )
    .await?;
    accepted.record(&mut *tx).await?;
    tx.commit().await?;
    Ok(token)
}

/// Signs out: deletes the session whose raw token the cookie held (nothing when it is unknown).
pub async fn close_session(pool: &PgPool, raw_token: &str) -> sqlx::Result<()> {
    crate::repo::sessions::delete(pool, &tokens::hash_token(raw_token)).await
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn fields(r: Result<ProfileChange, Vec<FieldError>>) -> Vec<(&'static str, &'static str)> {
        r.unwrap_err()
            .into_iter()
            .map(|f| (f.field, f.message.key))
            .collect()
    }

    fn field(e: OpError) -> (&'static str, &'static str) {
        let f = e.field_error().expect("a field error");
        (f.field, f.message.key)
    }

    #[test]
    fn every_wrong_profile_field_is_named() {
        let good = ProfileInput {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            job_title: "Analyst".into(),
            locale: "fr".into(),
            digest_opt_out: true,
        };
        assert!(check_profile(&good).is_ok());
        let bad = ProfileInput {
            name: "".into(),
            email: "not-an-address".into(),
            job_title: "x".repeat(65),
            locale: "de".into(),
            digest_opt_out: false,
        };
        assert_eq!(
            fields(check_profile(&bad)),
            vec![
                ("name", "error-name-length"),
                ("email", "error-email-invalid"),
                ("job_title", "error-job-title-length"),
                ("locale", "error-locale-invalid"),
            ]
        );
        let one = ProfileInput {
            email: "ada@".into(),
            ..good
        };
        assert_eq!(
            fields(check_profile(&one)),
            vec![("email", "error-email-invalid")]
        );
    }

    #[test]
    fn a_new_password_is_checked_then_compared() {
        let new = |new_password, new_password_confirm| NewPassword {
            new_password,
            new_password_confirm,
        };
        let check = |p: NewPassword<'_>| p.check("ada", "ada@example.com").map(|_| ());
        assert_eq!(
            field(check(new("qwertyuiop", "qwertyuiop")).unwrap_err()),
            ("new_password", "error-password-common")
        );
        assert_eq!(
            field(check(new("ada-and-more-ada", "ada-and-more-ada")).unwrap_err()),
            ("new_password", "error-password-contains-identity")
        );
        assert_eq!(
            field(check(new("short", "other")).unwrap_err()),
            ("new_password", "error-password-length"),
            "the policy first"
        );
        assert_eq!(
            field(check(new("a brand new passphrase", "another one")).unwrap_err()),
            ("new_password_confirm", "error-password-mismatch")
        );
        assert!(check(new("a brand new passphrase", "a brand new passphrase")).is_ok());
    }

    #[test]
    fn the_reset_form_names_its_email_field() {
        assert_eq!(
            field(reset_request_email("nobody").unwrap_err()),
            ("email", "error-email-invalid")
        );
        assert_eq!(
            field(reset_request_email("a\u{0}@example.com").unwrap_err()),
            ("email", "error-email-invalid")
        );
        assert!(reset_request_email("ada@example.com").is_ok());
        assert!(plausible(&"A".repeat(43)) && !plausible("..%2F..%2Fetc") && !plausible(""));
    }

    #[test]
    fn the_limiter_refusal_is_told_apart() {
        assert!(is_limited(&OpError::field("current_password", LIMITED)));
        assert!(!is_limited(&OpError::field(
            "current_password",
            "error-current-password"
        )));
        assert!(!is_limited(&OpError::NotFound));
    }

    #[test]
    fn only_the_four_image_formats_pass() {
        assert_eq!(
            avatar_type(b"\x89PNG\r\n\x1a\nrest").map(|t| t.0),
            Some("png")
        );
        assert_eq!(
            avatar_type(&[0xff, 0xd8, 0xff, 0xe0]).map(|t| t.0),
            Some("jpg")
        );
        assert_eq!(avatar_type(b"GIF89a..").map(|t| t.0), Some("gif"));
        assert_eq!(
            avatar_type(b"RIFF\0\0\0\0WEBPVP8 ").map(|t| t.0),
            Some("webp")
        );
        assert_eq!(
            avatar_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(avatar_type(b"<html><script>"), None);
        assert!(!avatar_name_ok("../etc/passwd") && avatar_name_ok("0b9e-1.png"));
        let dir = Path::new("/uploads");
        assert_eq!(avatar_file(dir, "../etc/passwd"), None);
        assert_eq!(
            avatar_file(dir, "0b9e-1.png"),
            Some(PathBuf::from("/uploads/avatars/0b9e-1.png"))
        );
    }

    #[test]
    fn an_avatar_is_named_by_its_type_or_refused_on_its_field() {
        let name = new_avatar_name(b"GIF89a..").unwrap();
        assert!(name.ends_with(".gif") && avatar_name_ok(&name), "{name}");
        assert_eq!(
            field(new_avatar_name(b"<svg/>").unwrap_err()),
            ("avatar", "error-avatar-type")
        );
        let big = [b"GIF89a".as_slice(), &vec![0; MAX_AVATAR_BYTES]].concat();
        assert_eq!(
            field(new_avatar_name(&big).unwrap_err()),
            ("avatar", "error-avatar-size")
        );
    }
}
