//! Password-reset links: issuing one (asked for by the person on the reset form, or sent by an admin), written with
//! its outbox row in the caller's transaction.
//!
//! The raw token exists only in the email: the outbox row carries it encrypted with `FLICKET_SECRET_KEY`, and only
//! its SHA-256 is stored in `password_resets`.

use sqlx::{PgConnection, PgPool};

use crate::domain::{Email, UserId};
use crate::outbox_message::OutboxMessage;
use crate::repo::outbox::{self, NewOutbox};
use crate::repo::{password_resets, users};
use crate::tokens;

/// At most this many links per account per hour (no mail bombing through the form).
pub const MAX_PER_HOUR: i64 = 3;

/// Issuing a link failed (never the requester's fault).
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The token could not be encrypted for the outbox.
    #[error("cannot encrypt the reset token: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// Creates a link for `user_id` and its outbox row, in the caller's transaction; returns the outbox id to hand to
/// the relay after commit (`None` if the row already existed, which cannot happen with a fresh id).
pub async fn issue(
    conn: &mut PgConnection,
    secret_key: &[u8],
    user_id: UserId,
) -> Result<Option<i64>, IssueError> {
    let token = tokens::random_token();
    let token_enc = crate::crypto::encrypt_to_string(secret_key, &token)?;
    let reset_id =
        password_resets::create(&mut *conn, user_id, &tokens::hash_token(&token)).await?;
    let row = NewOutbox {
        idempotency_key: format!("password_reset:{reset_id}"),
        recipient_id: Some(user_id),
        recipient_email: None,
        ticket_id: None,
        message: OutboxMessage::PasswordReset {
            token_enc,
            expires_minutes: password_resets::TTL_SECS / 60,
        },
    };
    Ok(outbox::insert(&mut *conn, &row).await?)
}

/// What a request for a link typed on the reset form did (for the log; the person is told the same in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A link was issued; the outbox row is to be handed to the relay.
    Issued(Option<i64>),
    /// The account had too many links this hour.
    Capped,
    /// No enabled account has this address.
    NoAccount,
}

/// Issues a link for the enabled account with this address, if there is one and it is under its hourly cap, in one
/// transaction. The web runs this after it has answered, so that the answer does not depend on the address.
#[tracing::instrument(skip_all, err)]
pub async fn request(
    pool: &PgPool,
    secret_key: &[u8],
    email: &Email,
) -> Result<Requested, IssueError> {
    let Some(user_id) = users::find_enabled_by_email(pool, email.as_str()).await? else {
        return Ok(Requested::NoAccount);
    };
    if password_resets::recent_count(pool, user_id, 3600).await? >= MAX_PER_HOUR {
        tracing::warn!(user.id = user_id.0, "password reset rate limited");
        return Ok(Requested::Capped);
    }
    let mut tx = pool.begin().await?;
    let outbox_id = issue(&mut tx, secret_key, user_id).await?;
    tx.commit().await?;
    tracing::info!(user.id = user_id.0, "password reset link issued");
    Ok(Requested::Issued(outbox_id))
}
