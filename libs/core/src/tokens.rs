//! Random secrets (sessions, API tokens, reset links), their stored hashes, and keyed MACs (CSRF tokens).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// A new random secret of 256 bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, as stored in the database.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// HMAC-SHA256 of `message` under `key`, URL-safe base64.
pub fn mac(key: &[u8], message: &[u8]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    m.update(message);
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// Checks a MAC in constant time.
pub fn verify_mac(key: &[u8], message: &[u8], candidate: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(candidate) else {
        return false;
    };
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    m.update(message);
    m.verify_slice(&bytes).is_ok()
}

// HMAC accepts keys of any length, so `new_from_slice` cannot fail.
fn unreachable_hmac() -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(b"k").unwrap_or_else(|_| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_eq!(hash_token(&a).len(), 32);
    }

    #[test]
    fn macs_verify_only_with_the_same_key_and_message() {
        let t = mac(b"key", b"session-1");
        assert!(verify_mac(b"key", b"session-1", &t));
        assert!(!verify_mac(b"key", b"session-2", &t));
        assert!(!verify_mac(b"other", b"session-1", &t));
        assert!(!verify_mac(b"key", b"session-1", "not base64!"));
    }
}
