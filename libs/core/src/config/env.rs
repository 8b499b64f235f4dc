//! The `FLICKET_*` variables as read: a value, or the content of the file its `_FILE` twin names.

use std::collections::BTreeMap;

use super::ConfigError;

/// A value refused, with why.
pub(super) fn invalid(name: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The `FLICKET_*` variables of the process (or of a test).
pub(super) struct Env {
    pub(super) raw: BTreeMap<String, String>,
}

impl Env {
    /// The value of `name`, or the content of the file named by `name_FILE` (trailing newline removed).
    pub(super) fn get(&self, name: &str) -> Result<Option<String>, ConfigError> {
        let file_var = format!("{name}_FILE");
        match (self.raw.get(name), self.raw.get(&file_var)) {
            (Some(_), Some(_)) => Err(invalid(
                name,
                &format!("set either {name} or {file_var}, not both"),
            )),
            (Some(v), None) => Ok(Some(v.clone()).filter(|v| !v.is_empty())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|s| Some(s.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|source| ConfigError::File {
                    name: file_var,
                    path: path.clone(),
                    source,
                }),
            (None, None) => Ok(None),
        }
    }

    /// The value of `name` parsed, or `default` when unset.
    pub(super) fn parse<T: std::str::FromStr>(
        &self,
        name: &str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| invalid(name, &e.to_string())),
        }
    }
}
