//! The password policy of ASVS 6.2: 10–128 characters, not containing the user name or email, not one of the most
//! common passwords, and no composition rules.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::domain::{ParseError, PlainPassword};

/// The 10,000 most common passwords, most common first, one per line.
///
/// Source: the `passwords` frequency list of the `zxcvbn` crate 3.1.1 (MIT licence, Copyright (c) 2016 Joshua
/// Holmer; `src/frequency_lists.rs`), itself Dropbox's zxcvbn list built from Mark Burnett's / xato.net's 10 million
/// leaked passwords. The first 10,000 entries were kept unchanged. Most are shorter than the 10 characters the length
/// rule asks for already; the list still covers the longer ones people pick (`qwertyuiop`, `password123`…).
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Whether a password is on the common-passwords list (case-insensitively: the list is lower-case).
pub fn is_common_password(raw: &str) -> bool {
    COMMON.contains(raw.to_lowercase().as_str())
}

/// Checks a password chosen by a person for the account `username` / `email`; the error's key says why it was
/// refused.
pub fn parse_new_password(
    raw: &str,
    username: &str,
    email: &str,
) -> Result<PlainPassword, ParseError> {
    let password = PlainPassword::parse_new(raw, username, email)?;
    if is_common_password(raw) {
        return Err(ParseError {
            key: "error-password-common",
        });
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_at_least_3000_entries() {
        assert!(COMMON.len() >= 10_000 - 10, "{}", COMMON.len());
        assert!(is_common_password("password"));
    }

    #[test]
    fn common_long_passwords_are_refused_whatever_their_case() {
        for p in ["qwertyuiop", "Password123", "1q2w3e4r5t", "MANCHESTER"] {
            assert_eq!(
                parse_new_password(p, "ada", "ada@example.com")
                    .err()
                    .map(|e| e.key),
                Some("error-password-common"),
                "{p}"
            );
        }
    }

    #[test]
    fn other_rules_still_apply_and_good_passwords_pass() {
        assert_eq!(
            parse_new_password("short", "ada", "ada@example.com")
                .err()
                .map(|e| e.key),
            Some("error-password-length")
        );
        assert!(parse_new_password("correct horse battery", "ada", "ada@example.com").is_ok());
        // No composition rules: all lower-case letters and spaces is fine.
        assert!(parse_new_password("plain lower case words", "ada", "ada@example.com").is_ok());
    }
}
