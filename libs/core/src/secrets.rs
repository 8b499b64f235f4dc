//! Encryption at rest of the SMTP password: XChaCha20-Poly1305 under a key derived from `FLICKET_SECRET_KEY`.
//!
//! The key never lives in the database, so a copy of the database alone does not reveal the password. Stored form:
//! the 24-byte random nonce, then the ciphertext and its 16-byte tag. The label is also the associated data, so a
//! value encrypted for another purpose with the same secret cannot be passed off as an SMTP password.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngExt;
use sha2::Sha256;

/// Fixed label of the derived key (changing it makes every stored password unreadable).
const LABEL: &[u8] = b"flicket smtp password v1";
const NONCE_LEN: usize = 24;

/// A stored password that cannot be decrypted (other secret key, or corrupted).
#[derive(Debug, thiserror::Error)]
#[error("the stored SMTP password cannot be decrypted (was FLICKET_SECRET_KEY changed?)")]
pub struct DecryptError;

/// HMAC-SHA256(secret, label): a 256-bit key bound to this one use of the secret.
fn derive_key(secret_key: &[u8]) -> Key {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(LABEL);
    let bytes: [u8; 32] = mac.finalize().into_bytes().into();
    Key::from(bytes)
}

/// Encrypts an SMTP password for the `settings.smtp_password_enc` column (nonce ‖ ciphertext ‖ tag).
pub fn encrypt_smtp_password(secret_key: &[u8], plain: &str) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(&derive_key(secret_key));
    let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
    let nonce = XNonce::from(nonce_bytes);
    let payload = Payload {
        msg: plain.as_bytes(),
        aad: LABEL,
    };
    // Encryption fails only for messages longer than 256 GiB; an empty result would then fail to decrypt (closed).
    match cipher.encrypt(&nonce, payload) {
        Ok(ct) => {
            let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
            out.extend_from_slice(&nonce_bytes);
            out.extend_from_slice(&ct);
            out
        }
        Err(_) => Vec::new(),
    }
}

/// Decrypts a value written by [`encrypt_smtp_password`] with the same secret key.
pub fn decrypt_smtp_password(secret_key: &[u8], stored: &[u8]) -> Result<String, DecryptError> {
    if stored.len() < NONCE_LEN + 16 {
        return Err(DecryptError);
    }
    let (nonce, ct) = stored.split_at(NONCE_LEN);
    let nonce_bytes: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError)?;
    let cipher = XChaCha20Poly1305::new(&derive_key(secret_key));
    let plain = cipher
        .decrypt(
            &XNonce::from(nonce_bytes),
            Payload {
                msg: ct,
                aad: LABEL,
            },
        )
        .map_err(|_| DecryptError)?;
    String::from_utf8(plain).map_err(|_| DecryptError)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a secret key of at least thirty-two bytes";

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let a = encrypt_smtp_password(KEY, "hunter2 smtp");
        let b = encrypt_smtp_password(KEY, "hunter2 smtp");
        assert_ne!(a, b, "random nonce");
        assert!(!a.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(decrypt_smtp_password(KEY, &a).unwrap(), "hunter2 smtp");
        assert_eq!(decrypt_smtp_password(KEY, &b).unwrap(), "hunter2 smtp");
    }

    #[test]
    fn another_key_or_a_changed_byte_fails_closed() {
        let mut ct = encrypt_smtp_password(KEY, "pw");
        assert!(decrypt_smtp_password(b"another secret key, also long enough", &ct).is_err());
        let last = ct.len() - 1;
        ct[last] ^= 1;
        assert!(decrypt_smtp_password(KEY, &ct).is_err());
        assert!(decrypt_smtp_password(KEY, b"short").is_err());
    }
}
