//! Encryption of secrets stored in the database (the SMTP password, a reset token inside an outbox payload).
//!
//! ChaCha20-Poly1305 with a random 96-bit nonce; the key is derived from `FLICKET_SECRET_KEY` with HKDF-SHA256 and a
//! fixed label, so rotating the secret key makes stored secrets unreadable (the admin enters them again) rather than
//! silently wrong. Layout: `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom, SystemRandom};

const VERSION: u8 = 1;
const SALT: &[u8] = b"flicket";
const LABEL: &[u8] = b"flicket stored-secret encryption v1";

/// Why a secret could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The blob is not ours, was tampered with, or was encrypted with another secret key.
    #[error("the stored secret cannot be decrypted (was FLICKET_SECRET_KEY changed?)")]
    Undecryptable,
    /// The system random generator failed.
    #[error("no randomness available")]
    Random,
}

fn key(secret_key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    let prk = Salt::new(HKDF_SHA256, SALT).extract(secret_key);
    let okm = prk
        .expand(&[LABEL], &CHACHA20_POLY1305)
        .map_err(|_| CryptoError::Undecryptable)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

/// Encrypts `plaintext` with a key derived from the secret key (`Config::secret_key_bytes`).
pub fn encrypt(secret_key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CryptoError::Random)?;
    let mut sealed = plaintext.to_vec();
    key(secret_key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from([VERSION]),
            &mut sealed,
        )
        .map_err(|_| CryptoError::Undecryptable)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`encrypt`] produced with the same secret key.
pub fn decrypt(secret_key: &[u8], blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (&version, rest) = blob.split_first().ok_or(CryptoError::Undecryptable)?;
    if version != VERSION || rest.len() < NONCE_LEN {
        return Err(CryptoError::Undecryptable);
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Undecryptable)?;
    let mut buf = sealed.to_vec();
    let plain = key(secret_key)?
        .open_in_place(nonce, Aad::from([VERSION]), &mut buf)
        .map_err(|_| CryptoError::Undecryptable)?;
    Ok(plain.to_vec())
}

/// Encrypts a UTF-8 secret and encodes it as URL-safe base64 (for JSON payloads).
pub fn encrypt_to_string(secret_key: &[u8], plaintext: &str) -> Result<String, CryptoError> {
    use base64::Engine as _;
    let blob = encrypt(secret_key, plaintext.as_bytes())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(blob))
}

/// Reverses [`encrypt_to_string`].
pub fn decrypt_string(secret_key: &[u8], encoded: &str) -> Result<String, CryptoError> {
    use base64::Engine as _;
    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| CryptoError::Undecryptable)?;
    String::from_utf8(decrypt(secret_key, &blob)?).map_err(|_| CryptoError::Undecryptable)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a-secret-key-that-is-long-enough-for-flicket";

    #[test]
    fn round_trips_and_uses_a_fresh_nonce_each_time() {
        let a = encrypt(KEY, b"hunter2").unwrap();
        let b = encrypt(KEY, b"hunter2").unwrap();
        assert_ne!(a, b, "same plaintext must not give the same blob");
        assert_eq!(decrypt(KEY, &a).unwrap(), b"hunter2");
        assert_eq!(decrypt(KEY, &b).unwrap(), b"hunter2");
        assert!(!a.windows(7).any(|w| w == b"hunter2"));
    }

    #[test]
    fn another_key_or_a_tampered_blob_is_refused() {
        let mut blob = encrypt(KEY, b"hunter2").unwrap();
        assert_eq!(
            decrypt(b"another-secret-key-that-is-long-enough", &blob),
            Err(CryptoError::Undecryptable)
        );
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert_eq!(decrypt(KEY, &blob), Err(CryptoError::Undecryptable));
        assert_eq!(decrypt(KEY, &[]), Err(CryptoError::Undecryptable));
        assert_eq!(decrypt(KEY, &[1, 2, 3]), Err(CryptoError::Undecryptable));
    }

    #[test]
    fn strings_round_trip_through_base64() {
        let s = encrypt_to_string(KEY, "tök€n").unwrap();
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(decrypt_string(KEY, &s).unwrap(), "tök€n");
        assert!(decrypt_string(KEY, "not base64!").is_err());
    }
}
