//! Flicket's `users.json`: a JSON array of `{username, name, email, password}` where `password` is the stored hash
//! (bcrypt from Flicket, argon2id from us). Our export adds `job_title`, `locale` and `disabled`, which Flicket's
//! importer ignores; our import accepts files with or without them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::domain::{Email, JobTitle, PersonName, Username};
use crate::i18n::Locale;
use crate::repo::user_admin::{self, AccountFields, ExportRow, ImportRow, NewAccount};

/// One account in the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserRecord {
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// The password hash (never a password).
    pub password: String,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Locale code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Disabled account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

impl From<ExportRow> for UserRecord {
    fn from(r: ExportRow) -> Self {
        Self {
            username: r.username,
            name: r.name,
            email: r.email,
            password: r.password_hash,
            job_title: Some(r.job_title),
            locale: Some(r.locale),
            disabled: Some(r.disabled),
        }
    }
}

/// Every account as `users.json` text.
pub async fn export_json(conn: &mut PgConnection) -> anyhow::Result<String> {
    let rows = user_admin::export_all(&mut *conn).await?;
    let records: Vec<UserRecord> = rows.into_iter().map(UserRecord::from).collect();
    Ok(serde_json::to_string_pretty(&records)? + "\n")
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// User names created.
    pub created: Vec<String>,
    /// (user name or entry number, reason) of every entry not imported.
    pub skipped: Vec<(String, String)>,
}

/// A hash we can verify: bcrypt (`$2a$`, `$2b$`, `$2y$`) or argon2 in PHC form.
pub fn is_supported_hash(h: &str) -> bool {
    let bcrypt =
        (h.starts_with("$2a$") || h.starts_with("$2b$") || h.starts_with("$2y$")) && h.len() == 60;
    let argon2 = h.starts_with("$argon2") && h.len() <= 512;
    (bcrypt || argon2) && !h.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Checks one entry; `Err(reason)` says why it cannot be imported.
fn parse_entry(value: &serde_json::Value) -> Result<(UserRecord, AccountFields), String> {
    let record: UserRecord = serde_json::from_value(value.clone()).map_err(|e| {
        format!("not a user entry ({e}); username, name, email and password are required")
    })?;
    let username =
        Username::parse(&record.username).map_err(|e| format!("user name refused: {}", e.key))?;
    let name = PersonName::parse(&record.name).map_err(|e| format!("name refused: {}", e.key))?;
    let email = Email::parse(&record.email).map_err(|e| format!("email refused: {}", e.key))?;
    let job_title = JobTitle::parse(record.job_title.as_deref().unwrap_or_default())
        .map_err(|e| format!("job title refused: {}", e.key))?;
    let locale = match record.locale.as_deref() {
        None => Locale::En,
        Some(code) => Locale::from_code(code).ok_or_else(|| format!("unknown locale {code:?}"))?,
    };
    if !is_supported_hash(&record.password) {
        return Err("password is not a bcrypt or argon2 hash".into());
    }
    let fields = AccountFields {
        username,
        name,
        email,
        job_title,
        locale,
    };
    Ok((record, fields))
}

/// Imports `users.json` text in the caller's transaction. Never duplicates a user name or email (case-insensitive),
/// neither with existing accounts nor within the file; never grants a group.
pub async fn import_json(conn: &mut PgConnection, text: &str) -> anyhow::Result<ImportReport> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| anyhow::anyhow!("the file is not a JSON array of users: {e}"))?;
    let mut report = ImportReport::default();
    let mut seen_names = HashSet::new();
    let mut seen_emails = HashSet::new();
    for (i, value) in entries.iter().enumerate() {
        let label = value
            .get("username")
            .and_then(|u| u.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("entry {}", i + 1));
        let (record, fields) = match parse_entry(value) {
            Ok(v) => v,
            Err(reason) => {
                report.skipped.push((label, reason));
                continue;
            }
        };
        if !seen_names.insert(fields.username.as_str().to_lowercase())
            || !seen_emails.insert(fields.email.as_str().to_lowercase())
        {
            report
                .skipped
                .push((label, "user name or email appears twice in the file".into()));
            continue;
        }
        let row = ImportRow {
            account: NewAccount {
                fields: &fields,
                password_hash: &record.password,
            },
            disabled: record.disabled.unwrap_or(false),
        };
        match user_admin::import(&mut *conn, &row).await? {
            Some(_) => report.created.push(fields.username.as_str().to_owned()),
            None => report
                .skipped
                .push((label, "user name or email already exists".into())),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_we_can_verify() {
        assert!(is_supported_hash(&format!("$2b$12${}", "a".repeat(53))));
        assert!(is_supported_hash(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
        ));
        assert!(!is_supported_hash("plain text password"));
        assert!(!is_supported_hash("$2b$12$short"));
        assert!(!is_supported_hash("$argon2id$v=19$m=19456 t=2"));
    }

    #[test]
    fn entries_missing_a_key_are_refused_with_the_reason() {
        let v = serde_json::json!({ "username": "ada", "name": "Ada" });
        assert!(parse_entry(&v).unwrap_err().contains("required"));
        let v = serde_json::json!({
            "username": "ada lovelace", "name": "Ada", "email": "ada@example.com",
            "password": format!("$2b$12${}", "a".repeat(53)),
        });
        assert!(parse_entry(&v).unwrap_err().contains("user name"));
    }
}
