//! API bearer tokens (`/api/v1/tokens`, `/flicket-api/tokens`): issued for sign-in credentials under the sign-in
//! limiter, random secrets of which only the hash is stored ([`crate::tokens`]), revoked by whoever holds one.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::{PgConnection, PgPool};

use super::{OpError, OpResult};
use crate::accounts::sign_in::{self, Outcome};
use crate::repo::api_tokens;
use crate::tokens;

/// How long a token lives, in hours.
pub const LIFETIME_HOURS: i64 = 10;

/// A new token.
#[derive(Debug)]
pub struct NewToken {
    /// The secret, to send as `Authorization: Bearer <token>`; shown once, only its hash is stored.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Exchanges sign-in credentials (a user name or an email, and a password) for a new token, under the check and
/// limiter of the sign-in form: one counter per account, whichever way it is named and whichever front end is used.
///
/// Takes the pool, not a transaction: the check records a refusal at once, so that it counts whatever happens
/// next; the token is then stored with the recorded success in one transaction.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(
    pool: &PgPool,
    login: &str,
    password: SecretString,
    ip: &str,
) -> OpResult<Outcome<NewToken>> {
    let accepted = match sign_in::sign_in(pool, login, password, ip).await? {
        Outcome::Accepted(a) => a,
        Outcome::Refused => return Ok(Outcome::Refused),
        Outcome::Limited => return Ok(Outcome::Limited),
    };
    let token = tokens::random_token();
    let expires_at = Utc::now() + chrono::Duration::hours(LIFETIME_HOURS);
    let mut tx = pool.begin().await?;
    api_tokens::create(
        &mut *tx,
        &tokens::hash_token(&token),
        accepted.user_id,
        expires_at,
    )
    .await?;
    accepted.record(&mut *tx).await?;
    tx.commit().await?;
    Ok(Outcome::Accepted(NewToken { token, expires_at }))
}

/// Revokes the token whose secret is `token` (its holder signing out); [`OpError::NotFound`] when no live token
/// has that secret (unknown, or revoked already).
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn revoke(conn: &mut PgConnection, token: &str) -> OpResult<()> {
    if api_tokens::revoke(conn, &tokens::hash_token(token)).await? {
        Ok(())
    } else {
        Err(OpError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PersonName, Username};
    use crate::repo::users;

    async fn user(pool: &PgPool, password: &str) -> crate::domain::UserId {
        let hash = crate::password::hash(&SecretString::from(password))
            .await
            .unwrap();
        users::create(
            pool,
            &users::NewUser {
                username: &Username::parse("ada").unwrap(),
                name: &PersonName::parse("Ada").unwrap(),
                email: &Email::parse("ada@example.com").unwrap(),
                password_hash: &hash,
                locale: crate::Locale::En,
            },
        )
        .await
        .unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_token_for_right_credentials_only_and_revoked_once(pool: PgPool) {
        let id = user(&pool, "a long enough password").await;
        let wrong = create(&pool, "ada", "nope".into(), "192.0.2.1")
            .await
            .unwrap();
        assert!(matches!(wrong, Outcome::Refused));
        let Outcome::Accepted(new) = create(
            &pool,
            "ADA@example.com",
            "a long enough password".into(),
            "192.0.2.1",
        )
        .await
        .unwrap() else {
            panic!("refused")
        };
        assert!(new.expires_at > Utc::now() + chrono::Duration::hours(LIFETIME_HOURS - 1));
        let (_, holder) = api_tokens::find(&pool, &tokens::hash_token(&new.token))
            .await
            .unwrap()
            .expect("stored under its hash");
        assert_eq!(holder.user_id, id);

        let mut conn = pool.acquire().await.unwrap();
        revoke(&mut conn, &new.token).await.unwrap();
        assert!(matches!(
            revoke(&mut conn, &new.token).await,
            Err(OpError::NotFound)
        ));
        assert!(
            api_tokens::find(&pool, &tokens::hash_token(&new.token))
                .await
                .unwrap()
                .is_none()
        );
    }
}
