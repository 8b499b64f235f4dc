//! The one password check of every front end: sign-in (the form, `/api/v1/tokens`, `/flicket-api/tokens`) and the
//! re-check of a signed-in person's current password (password or email change, ticket and reply deletion).
//!
//! All of them share one limiter, kept in PostgreSQL so that it holds across replicas: failures are counted per
//! account and per client address over a window. The account's counter is keyed on the account that was found
//! (`user:{id}`), whatever was typed to name it (user name or email, any case) and whichever front end was used;
//! only a name that matches no account is counted under the text typed (`typed:{text}`). Unknown names, wrong
//! passwords and disabled accounts get the same answer after the same work (a dummy argon2 verification when there
//! is no account), and the limit's answer is the same for all of them.

use secrecy::SecretString;
use sqlx::PgPool;

use crate::domain::UserId;
use crate::password::{self, Verified};
use crate::repo::{Db, login_attempts, users};

/// Failures allowed per account in the window.
pub const MAX_ACCOUNT_FAILURES: i64 = 10;
/// Failures allowed per client address in the window.
pub const MAX_IP_FAILURES: i64 = 50;
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Longest login (user name or email) looked up.
const MAX_LOGIN_LEN: usize = 254;
/// Longest password verified (argon2 has no limit of its own; this bounds the work).
const MAX_PASSWORD_LEN: usize = 1024;

/// The counter an attempt goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKey(String);

impl AttemptKey {
    /// The counter of an account that exists.
    pub fn account(user_id: UserId) -> Self {
        Self(format!("user:{}", user_id.0))
    }

    /// The counter of a name that matches no account: the text as typed, lower-cased, without control characters.
    pub fn typed(login: &str) -> Self {
        let text: String = login
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_control())
            .take(240)
            .collect();
        Self(format!("typed:{text}"))
    }

    /// The key as stored in `login_attempts.account_key`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An attempt that the limiter let through, to be recorded as a success (which restarts the account's count).
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The account signed in.
    pub user_id: UserId,
    key: AttemptKey,
    ip: String,
}

impl Accepted {
    /// Records the success, in the caller's transaction (with the session or token it creates).
    pub async fn record<'c>(&self, db: impl Db<'c>) -> sqlx::Result<()> {
        login_attempts::record(db, self.key.as_str(), &self.ip, true).await
    }
}

/// The outcome of a password check.
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    /// The password is right (and the account enabled).
    Accepted(T),
    /// Wrong password, unknown name or disabled account: one answer for all of them. The failure is recorded.
    Refused,
    /// Too many failures for this account or from this address: not checked, nothing recorded.
    Limited,
}

async fn limited<'c>(db: impl Db<'c>, key: &AttemptKey, ip: &str) -> sqlx::Result<bool> {
    let recent = login_attempts::recent_failures(db, key.as_str(), ip, WINDOW_SECS).await?;
    Ok(recent.account >= MAX_ACCOUNT_FAILURES || recent.ip >= MAX_IP_FAILURES)
}

async fn refuse(pool: &PgPool, key: &AttemptKey, ip: &str) -> sqlx::Result<()> {
    login_attempts::record(pool, key.as_str(), ip, false).await
}

/// Checks sign-in credentials (`login` is a user name or an email, as typed) under the limiter. On success the
/// caller records [`Accepted::record`] with the session or token it stores; a stored hash that is bcrypt or has
/// weaker parameters has been replaced by a current one already.
#[tracing::instrument(skip_all, err)]
pub async fn sign_in(
    pool: &PgPool,
    login: &str,
    password: SecretString,
    ip: &str,
) -> sqlx::Result<Outcome<Accepted>> {
    let login = login.trim();
    let plausible = !login.is_empty() && login.len() <= MAX_LOGIN_LEN && !login.contains('\0');
    let user = if plausible {
        users::find_for_login(pool, login).await?
    } else {
        None
    };
    let key = match &user {
        Some(u) => AttemptKey::account(u.user_id),
        None => AttemptKey::typed(login),
    };
    if limited(pool, &key, ip).await? {
        tracing::warn!(ip, "sign-in rate limited");
        return Ok(Outcome::Limited);
    }
    let usable_password = {
        let p = secrecy::ExposeSecret::expose_secret(&password);
        !p.is_empty() && p.len() <= MAX_PASSWORD_LEN
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = if usable_password {
        password::verify(&password, stored).await
    } else {
        // Same work as a wrong password: the dummy hash.
        let _ = password::verify(&SecretString::from(""), None).await;
        Verified::No
    };
    let user = match user {
        Some(u) if !u.disabled && verified != Verified::No => u,
        _ => {
            refuse(pool, &key, ip).await?;
            tracing::info!(ip, "sign-in failed");
            return Ok(Outcome::Refused);
        }
    };
    if verified == Verified::YesRehash {
        match password::hash(&password).await {
            Ok(h) => users::set_password_hash(pool, user.user_id, &h).await?,
            Err(e) => tracing::warn!(error = %e, "could not re-hash password"),
        }
    }
    Ok(Outcome::Accepted(Accepted {
        user_id: user.user_id,
        key,
        ip: ip.to_owned(),
    }))
}

/// Checks the current password of a signed-in person (`user_id`) before a sensitive change, under the same limiter
/// and counter as signing in to that account: guesses through a stolen session count with guesses at the sign-in
/// form. A right password is recorded as a success, as a sign-in is.
#[tracing::instrument(skip_all, fields(user.id = %user_id), err)]
pub async fn check_current_password(
    pool: &PgPool,
    user_id: UserId,
    raw: &str,
    ip: &str,
) -> sqlx::Result<Outcome<()>> {
    let key = AttemptKey::account(user_id);
    if limited(pool, &key, ip).await? {
        tracing::warn!(ip, "current password check rate limited");
        return Ok(Outcome::Limited);
    }
    let hash = users::password_hash(pool, user_id).await?;
    let usable = !raw.is_empty() && raw.len() <= MAX_PASSWORD_LEN;
    let current = SecretString::from(if usable { raw } else { "" });
    let verified = password::verify(&current, hash).await;
    if !usable || verified == Verified::No {
        refuse(pool, &key, ip).await?;
        tracing::info!(ip, "current password check failed");
        return Ok(Outcome::Refused);
    }
    login_attempts::record(pool, key.as_str(), ip, true).await?;
    Ok(Outcome::Accepted(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_typed_names_never_share_a_counter() {
        assert_eq!(AttemptKey::account(UserId(7)).as_str(), "user:7");
        assert_eq!(AttemptKey::typed(" Ada\u{0} ").as_str(), "typed:ada");
        assert_ne!(
            AttemptKey::typed("user:7").as_str(),
            AttemptKey::account(UserId(7)).as_str()
        );
        assert!(AttemptKey::typed(&"x".repeat(10_000)).as_str().len() <= 254);
    }
}
