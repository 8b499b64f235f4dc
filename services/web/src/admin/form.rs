//! Reading `application/x-www-form-urlencoded` bodies with repeated keys (checkbox lists such as `group=1&group=3`),
//! which `axum::Form` cannot express.

use axum::body::Bytes;

/// The fields of a submitted form, in order.
pub struct FormPairs(Vec<(String, String)>);

impl FormPairs {
    /// Parses a body; invalid UTF-8 is replaced (then refused by the domain parsers as needed).
    pub fn parse(body: &Bytes) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}
