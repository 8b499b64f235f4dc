//! Values of people and groups: job titles and group names.

use super::text::{ParseError, clean_line, err, in_range};

/// A job title: up to 64 characters on one line (may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobTitle(String);

impl JobTitle {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean_line(raw)?;
        if !in_range(&s, 0, 64) {
            return Err(err("error-job-title-length"));
        }
        Ok(Self(s))
    }
    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group name: 3–64 characters on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = clean_line(raw)?;
        if !in_range(&s, 3, 64) {
            return Err(err("error-group-name-length"));
        }
        Ok(Self(s))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_titles_and_group_names() {
        assert_eq!(JobTitle::parse("  ").unwrap().as_str(), "");
        assert!(JobTitle::parse(&"x".repeat(65)).is_err());
        assert_eq!(JobTitle::parse("  Engineer ").unwrap().as_str(), "Engineer");
        assert!(JobTitle::parse("a\nb").is_err());
        assert!(GroupName::parse("ab").is_err());
        assert!(GroupName::parse("Support team").is_ok());
        assert!(GroupName::parse("bad\0name").is_err());
    }
}
