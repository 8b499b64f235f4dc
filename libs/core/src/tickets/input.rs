//! Validated input of the ticket forms: markdown bodies and hours.

use crate::domain::ParseError;

fn err(key: &'static str) -> ParseError {
    ParseError { key }
}

/// A markdown body of a ticket or a reply: 5–10,000 characters; NUL and control characters other than tab and line
/// breaks are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(String);

impl Body {
    /// Shortest body, in characters.
    pub const MIN: usize = 5;
    /// Longest body, in characters.
    pub const MAX: usize = 10_000;

    /// Parses user input (line endings are normalised to `\n`; surrounding blank space is trimmed).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(err("error-control-characters"));
        }
        let text = raw.replace("\r\n", "\n").replace('\r', "\n");
        let text = text.trim();
        let n = text.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&n) {
            return Err(err("ticket-error-body-length"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The markdown source.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hours worked, 0 to 99,999.99 with at most two decimals, stored as hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Hours(i64);

impl Hours {
    /// Largest value, in hundredths.
    const MAX_CENTS: i64 = 9_999_999;

    /// Parses `""` (zero), `"2"`, `"1.5"`, `"0,25"` (French decimal comma).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(Self(0));
        }
        let s = s.replace(',', ".");
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty())
            || !digits(whole)
            || !digits(frac)
            || frac.len() > 2
            || whole.len() > 5
        {
            return Err(err("ticket-error-hours"));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err("ticket-error-hours"))?
        };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| err("ticket-error-hours"))? * 10,
            _ => frac.parse().map_err(|_| err("ticket-error-hours"))?,
        };
        let cents = whole * 100 + frac;
        if cents > Self::MAX_CENTS {
            return Err(err("ticket-error-hours"));
        }
        Ok(Self(cents))
    }

    /// From stored hundredths (values read from the database).
    pub fn from_cents(cents: i64) -> Self {
        Self(cents.max(0))
    }

    /// Hundredths of an hour.
    pub fn cents(self) -> i64 {
        self.0
    }

    /// As typed in a form field: `1.5` → `"1.50"`, zero → `"0"`.
    pub fn display(self) -> String {
        if self.0 == 0 {
            "0".to_owned()
        } else {
            format!("{}.{:02}", self.0 / 100, self.0 % 100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_length_limits_in_characters() {
        assert!(Body::parse("hello").is_ok());
        assert_eq!(
            Body::parse("  hi  ").unwrap_err().key,
            "ticket-error-body-length"
        );
        assert!(Body::parse(&"é".repeat(10_000)).is_ok());
        assert!(Body::parse(&"é".repeat(10_001)).is_err());
        assert_eq!(
            Body::parse("abc\0def").unwrap_err().key,
            "error-control-characters"
        );
        assert_eq!(Body::parse("line\r\nline").unwrap().as_str(), "line\nline");
    }

    #[test]
    fn hours_take_two_decimals_at_most() {
        assert_eq!(Hours::parse("").unwrap().cents(), 0);
        assert_eq!(Hours::parse("2").unwrap().cents(), 200);
        assert_eq!(Hours::parse("1.5").unwrap().cents(), 150);
        assert_eq!(Hours::parse("0,25").unwrap().cents(), 25);
        assert_eq!(Hours::parse(".5").unwrap().cents(), 50);
        assert_eq!(Hours::parse("99999.99").unwrap().cents(), 9_999_999);
        for bad in [
            "-1", "1.234", "abc", "1e3", "100000", ".", "1.2.3", "NaN", "\0",
        ] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Hours::from_cents(150).display(), "1.50");
        assert_eq!(Hours::from_cents(0).display(), "0");
    }
}
