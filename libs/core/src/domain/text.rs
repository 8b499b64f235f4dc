//! Validated text values: lengths counted in characters, no NUL, no control characters where they make no sense.

use secrecy::SecretString;

/// Why a value was refused; `key` is the fluent message id shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}")]
pub struct ParseError {
    /// Fluent message id, e.g. `error-username-length`.
    pub key: &'static str,
}

pub(crate) fn err(key: &'static str) -> ParseError {
    ParseError { key }
}

/// Trims, refuses NUL and other control characters (tabs and newlines allowed only when `multiline`).
fn clean(raw: &str, multiline: bool) -> Result<String, ParseError> {
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if raw.chars().any(bad) {
        return Err(err("error-control-characters"));
    }
    Ok(raw.trim().to_owned())
}

/// One line of text: trimmed, no control characters.
pub(crate) fn clean_line(raw: &str) -> Result<String, ParseError> {
    clean(raw, false)
}

pub(crate) fn in_range(s: &str, min: usize, max: usize) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n)
}

/// A user name: 3–32 characters of letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean(raw, false)?;
        if !in_range(&s, 3, 32) {
            return Err(err("error-username-length"));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(err("error-username-characters"));
        }
        Ok(Self(s))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address: one `@`, a dotted domain, at most 254 characters, no spaces or controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean(raw, false)?;
        if !in_range(&s, 3, 254) {
            return Err(err("error-email-invalid"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(err("error-email-invalid"));
        };
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && domain.split('.').all(|label| !label.is_empty())
            && domain.contains('.');
        let chars_ok = !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'));
        if local.is_empty() || !domain_ok || !chars_ok {
            return Err(err("error-email-invalid"));
        }
        Ok(Self(s))
    }
    /// Parses the sender address of the site's emails: an address [`Email::parse`] takes, or one whose domain is
    /// a single host name (`flicket@localhost`, the sender of a fresh install, or a relay's internal name).
    pub fn parse_sender(raw: &str) -> Result<Self, ParseError> {
        if let Ok(e) = Self::parse(raw) {
            return Ok(e);
        }
        let s = clean(raw, false)?;
        let Some((local, host)) = s.split_once('@') else {
            return Err(err("error-email-invalid"));
        };
        let host_ok = (1..=63).contains(&host.len())
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !host.starts_with('-')
            && !host.ends_with('-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';' | '@'));
        if host_ok && local_ok {
            Ok(Self(s))
        } else {
            Err(err("error-email-invalid"))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user name or an email address as typed to find an account (sign-in, adding a member): trimmed, 1–254
/// characters, no control characters (PostgreSQL cannot even compare a NUL). Says nothing about whether the account
/// exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginName(String);

impl LoginName {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean(raw, false)?;
        if !in_range(&s, 1, 254) {
            return Err(err("error-user-not-found"));
        }
        Ok(Self(s))
    }
    /// The name or address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–60 characters, no control characters (so it can never break an email header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean(raw, false)?;
        if !in_range(&s, 1, 60) {
            return Err(err("error-name-length"));
        }
        Ok(Self(s))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A ticket title: 3–128 characters on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean(raw, false)?;
        if !in_range(&s, 3, 128) {
            return Err(err("error-title-length"));
        }
        Ok(Self(s))
    }
    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters, not containing the user name or the email's local part. No composition rules.
pub struct PlainPassword(SecretString);

impl PlainPassword {
    /// Checks a password chosen by a person.
    pub fn parse_new(raw: &str, username: &str, email: &str) -> Result<Self, ParseError> {
        if raw.contains('\0') {
            return Err(err("error-control-characters"));
        }
        if !in_range(raw, 10, 128) {
            return Err(err("error-password-length"));
        }
        let lower = raw.to_lowercase();
        let local = email.split('@').next().unwrap_or_default().to_lowercase();
        let contains = |part: &str| part.chars().count() >= 3 && lower.contains(part);
        if contains(&username.to_lowercase()) || contains(&local) || contains(&email.to_lowercase())
        {
            return Err(err("error-password-contains-identity"));
        }
        Ok(Self(raw.into()))
    }
    /// The secret.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse(" ada_l ").is_ok());
        assert_eq!(
            Username::parse("ab").unwrap_err().key,
            "error-username-length"
        );
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("ada lovelace").is_err());
        assert!(Username::parse("ada\0").is_err());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("ada@example.com").is_ok());
        for bad in [
            "ada",
            "ada@",
            "@x.io",
            "a@b",
            "a b@x.io",
            "a@x..io",
            "a@b@c.io",
            "a\r\n@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn login_names_refuse_nul_and_emptiness() {
        assert_eq!(LoginName::parse(" ada ").unwrap().as_str(), "ada");
        assert_eq!(
            LoginName::parse("ada@example.com").unwrap().as_str(),
            "ada@example.com"
        );
        assert_eq!(
            LoginName::parse("a\0b").unwrap_err().key,
            "error-control-characters"
        );
        assert!(LoginName::parse("  ").is_err());
        assert!(LoginName::parse(&"a".repeat(255)).is_err());
    }

    #[test]
    fn senders_may_use_a_single_host_name() {
        assert!(Email::parse("flicket@localhost").is_err());
        assert_eq!(
            Email::parse_sender("flicket@localhost").unwrap().as_str(),
            "flicket@localhost"
        );
        assert!(Email::parse_sender("help@example.com").is_ok());
        for bad in [
            "flicket@",
            "@localhost",
            "a b@localhost",
            "flicket@-x",
            "flicket@local_host",
            "x@localhost\r\nBcc: y@z.io",
            "<x>@localhost",
        ] {
            assert!(Email::parse_sender(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_refuse_header_injection() {
        assert!(PersonName::parse("Ada\r\nBcc: x@y.z").is_err());
        assert!(PersonName::parse("Ada Lovelace").is_ok());
    }

    #[test]
    fn titles_count_characters_not_bytes() {
        assert!(Title::parse(&"é".repeat(128)).is_ok());
        assert!(Title::parse(&"é".repeat(129)).is_err());
        assert!(Title::parse(&"x".repeat(10_000)).is_err());
        assert!(Title::parse("ab").is_err());
    }

    #[test]
    fn passwords_have_length_and_identity_rules_only() {
        assert!(PlainPassword::parse_new("correcthorse", "ada", "ada@example.com").is_ok());
        assert!(PlainPassword::parse_new("short", "ada", "ada@example.com").is_err());
        assert!(PlainPassword::parse_new(&"x".repeat(129), "ada", "ada@example.com").is_err());
        assert!(PlainPassword::parse_new("my-ada-password", "ada", "z@example.com").is_err());
        assert!(PlainPassword::parse_new("lovelace-rules", "ada", "lovelace@example.com").is_err());
    }
}
