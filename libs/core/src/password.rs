//! Password hashing: argon2id for every new hash; bcrypt hashes exported from Flicket are still verified and are
//! re-hashed as argon2id by the caller at the next successful sign-in. All work runs on the blocking pool.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use secrecy::{ExposeSecret, SecretString};

/// Hashing failed (never a user error).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or an unusable hash).
    No,
    /// Right password, hash is current.
    Yes,
    /// Right password, but the hash is bcrypt or has weaker parameters: store a new one.
    YesRehash,
}

fn argon2() -> Argon2<'static> {
    // argon2id, m=19 MiB, t=2, p=1: OWASP's minimum, and the crate default.
    Argon2::default()
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_blocking(password: &str, stored: &str) -> Verified {
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verified::YesRehash,
            _ => Verified::No,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && parsed.params.get_decimal("m").unwrap_or(0) >= 19_456
        && parsed.params.get_decimal("t").unwrap_or(0) >= 2;
    if current {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

/// A hash that no password matches, verified for unknown users so that their sign-in takes as long as a real one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("flicket dummy password, never matches").unwrap_or_default())
}

/// Hashes a password with argon2id on the blocking pool.
pub async fn hash(password: &SecretString) -> Result<String, HashError> {
    let pw = password.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_blocking(pw.expose_secret())))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

/// Verifies a password against a stored hash, or against a dummy hash when there is no user (same cost either way).
pub async fn verify(password: &SecretString, stored: Option<String>) -> Verified {
    let pw = password.clone();
    let span = tracing::Span::current();
    let result = tokio::task::spawn_blocking(move || {
        span.in_scope(|| match stored {
            Some(stored) => verify_blocking(pw.expose_secret(), &stored),
            None => {
                let _ = verify_blocking(pw.expose_secret(), dummy_hash());
                Verified::No
            }
        })
    })
    .await;
    result.unwrap_or(Verified::No)
}

/// A random password for `setup` when none is given: 20 characters from an unambiguous alphabet (about 115 bits).
pub fn generate() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_round_trip_without_truncation() {
        let long: SecretString = "p".repeat(100).into();
        let h = hash(&long).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify(&long, Some(h.clone())).await, Verified::Yes);
        let almost: SecretString = "p".repeat(99).into();
        assert_eq!(verify(&almost, Some(h)).await, Verified::No);
    }

    #[tokio::test]
    async fn flicket_bcrypt_hashes_verify_and_ask_for_a_rehash() {
        let h = bcrypt::hash("Flicket1", 4).unwrap();
        assert_eq!(
            verify(&"Flicket1".into(), Some(h.clone())).await,
            Verified::YesRehash
        );
        assert_eq!(verify(&"flicket1".into(), Some(h)).await, Verified::No);
    }

    #[tokio::test]
    async fn unknown_user_and_garbage_hash_never_match() {
        assert_eq!(verify(&"x".into(), None).await, Verified::No);
        assert_eq!(
            verify(&"x".into(), Some("garbage".into())).await,
            Verified::No
        );
    }

    #[test]
    fn generated_passwords_differ() {
        assert_eq!(generate().len(), 20);
        assert_ne!(generate(), generate());
    }
}
