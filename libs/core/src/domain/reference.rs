//! Values of the reference data admins manage: department, category, status and priority names, and colours.

use super::text::{ParseError, clean_line, err, in_range};

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $key:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Parses user input.
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                let s = clean_line(raw)?;
                if !in_range(&s, $min, $max) {
                    return Err(err($key));
                }
                Ok(Self(s))
            }
            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A department name: 2–60 characters on one line.
    DepartmentName, 2, 60, "error-department-name-length"
);
name_type!(
    /// A category name: 2–60 characters on one line.
    CategoryName, 2, 60, "error-category-name-length"
);
name_type!(
    /// The name of a status or a priority: 1–32 characters on one line.
    LabelName, 1, 32, "error-label-name-length"
);

/// A colour as `#rrggbb` (what `<input type="color">` sends), stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colour(String);

impl Colour {
    /// Parses user input.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let ok =
            s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !ok {
            return Err(err("error-colour-invalid"));
        }
        Ok(Self(s.to_ascii_lowercase()))
    }
    /// The colour.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colours() {
        assert!(DepartmentName::parse("IT").is_ok());
        assert!(DepartmentName::parse("I").is_err());
        assert!(CategoryName::parse(&"é".repeat(60)).is_ok());
        assert!(CategoryName::parse(&"é".repeat(61)).is_err());
        assert!(LabelName::parse("").is_err());
        assert!(LabelName::parse("<b>x</b>").is_ok()); // escaped at output, stored as typed
        assert_eq!(Colour::parse("#A1B2C3").unwrap().as_str(), "#a1b2c3");
        for bad in ["red", "#12345", "#1234567", "#12345g", "url(x)"] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
    }
}
