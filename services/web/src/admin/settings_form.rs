//! Parsing and checking the settings form. Every field is checked here (the database CHECKs are the last line),
//! and the SMTP host goes through the SSRF guard.

use std::str::FromStr;

use flicket_core::domain::Email;
use flicket_core::net_guard;
use flicket_core::repo::settings::{Settings, SettingsUpdate};

use super::form::FormPairs;
use crate::pages::PageCtx;

/// The form's values as typed (what the page shows back after an error).
pub struct Typed {
    /// Field name → value.
    pub values: Vec<(&'static str, String)>,
}

/// Text fields and their longest accepted input, in form order.
pub const TEXT_FIELDS: &[(&str, usize)] = &[
    ("application_title", 32),
    ("base_url", 256),
    ("page_size", 8),
    ("allowed_extensions", 1024),
    ("max_upload_bytes", 16),
    ("max_request_bytes", 16),
    ("max_uploads_per_post", 8),
    ("csv_limit", 16),
    ("smtp_host", 255),
    ("smtp_port", 8),
    ("smtp_tls", 16),
    ("smtp_username", 255),
    ("mail_from", 254),
    ("digest_cron", 128),
    ("digest_timezone", 64),
];

/// Checkbox fields.
pub const FLAGS: &[&str] = &[
    "change_category",
    "change_category_restricted",
    "suppress_send",
    "digest_enabled",
];

impl Typed {
    /// The values of stored settings.
    pub fn from_settings(s: &Settings) -> Self {
        let values = vec![
            ("application_title", s.application_title.clone()),
            ("base_url", s.base_url.clone()),
            ("page_size", s.page_size.to_string()),
            ("allowed_extensions", s.allowed_extensions.clone()),
            ("max_upload_bytes", s.max_upload_bytes.to_string()),
            ("max_request_bytes", s.max_request_bytes.to_string()),
            ("max_uploads_per_post", s.max_uploads_per_post.to_string()),
            ("csv_limit", s.csv_limit.to_string()),
            ("smtp_host", s.smtp_host.clone().unwrap_or_default()),
            ("smtp_port", s.smtp_port.to_string()),
            ("smtp_tls", s.smtp_tls.clone()),
            ("smtp_username", s.smtp_username.clone().unwrap_or_default()),
            ("mail_from", s.mail_from.clone()),
            ("digest_cron", s.digest_cron.clone()),
            ("digest_timezone", s.digest_timezone.clone()),
            ("change_category", flag(s.change_category)),
            (
                "change_category_restricted",
                flag(s.change_category_restricted),
            ),
            ("suppress_send", flag(s.suppress_send)),
            ("digest_enabled", flag(s.digest_enabled)),
        ];
        Self { values }
    }

    /// The values of a submitted form (cut to a sane length; the password is never kept).
    pub fn from_form(form: &FormPairs) -> Self {
        let mut values: Vec<(&'static str, String)> = TEXT_FIELDS
            .iter()
            .map(|(name, max)| (*name, form.get(name).chars().take(*max + 16).collect()))
            .collect();
        values.extend(FLAGS.iter().map(|f| (*f, flag(form.checked(f)))));
        Self { values }
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Whether a checkbox is ticked.
    pub fn on(&self, name: &str) -> bool {
        self.get(name) == "on"
    }
}

fn flag(b: bool) -> String {
    if b { "on".into() } else { String::new() }
}

fn int<T: FromStr + PartialOrd>(
    ctx: &PageCtx,
    errors: &mut Vec<String>,
    raw: &str,
    min: T,
    max: T,
    key: &str,
) -> T {
    match raw.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => v,
        _ => {
            errors.push(ctx.t(key));
            min
        }
    }
}

/// A cron expression the scheduler accepts: five fields (minute hour day month weekday) or six with seconds.
pub fn valid_cron(expr: &str) -> bool {
    let fields = expr.split_whitespace().count();
    let full = match fields {
        5 => format!("0 {expr}"),
        6 => expr.to_owned(),
        _ => return false,
    };
    cron::Schedule::from_str(&full).is_ok()
}

/// Checks every field; returns the update, or the messages of every field that is wrong.
pub async fn parse(
    ctx: &PageCtx,
    form: &FormPairs,
    allow_private: bool,
) -> Result<SettingsUpdate, Vec<String>> {
    let mut errors = vec![];
    let text = |name: &str| form.get(name).trim().to_owned();
    let application_title = text("application_title");
    let n = application_title.chars().count();
    if !(3..=32).contains(&n) || application_title.chars().any(char::is_control) {
        errors.push(ctx.t("error-settings-title"));
    }
    let base_url =
        flicket_core::config::parse_base_url(form.get("base_url")).unwrap_or_else(|_| {
            errors.push(ctx.t("error-base-url"));
            String::new()
        });
    let page_size = int(
        ctx,
        &mut errors,
        form.get("page_size"),
        10,
        200,
        "error-settings-page-size",
    );
    let allowed_extensions = text("allowed_extensions");
    let ext_ok = allowed_extensions.len() <= 1024
        && allowed_extensions
            .split(',')
            .map(|e| e.trim().trim_start_matches('.'))
            .all(|e| {
                !e.is_empty() && e.len() <= 16 && e.chars().all(|c| c.is_ascii_alphanumeric())
            });
    if !ext_ok {
        errors.push(ctx.t("error-settings-extensions"));
    }
    let max_upload_bytes = int(
        ctx,
        &mut errors,
        form.get("max_upload_bytes"),
        1024,
        1 << 30,
        "error-settings-upload",
    );
    let max_request_bytes = int(
        ctx,
        &mut errors,
        form.get("max_request_bytes"),
        1024,
        1 << 32,
        "error-settings-request-bytes",
    );
    let max_uploads_per_post = int(
        ctx,
        &mut errors,
        form.get("max_uploads_per_post"),
        1,
        100,
        "error-settings-uploads",
    );
    let csv_limit = int(
        ctx,
        &mut errors,
        form.get("csv_limit"),
        1,
        1_000_000,
        "error-settings-csv",
    );
    let smtp_port = int(
        ctx,
        &mut errors,
        form.get("smtp_port"),
        1,
        65535,
        "error-smtp-port-range",
    );
    let smtp_tls = text("smtp_tls");
    if !matches!(smtp_tls.as_str(), "none" | "starttls" | "tls") {
        errors.push(ctx.t("error-settings-tls"));
    }
    let host = text("smtp_host");
    let smtp_host = if host.is_empty() {
        None
    } else {
        match net_guard::vet_smtp_host(&host, smtp_port as u16, allow_private).await {
            Ok(_) => Some(host.to_ascii_lowercase()),
            Err(e) => {
                errors.push(ctx.t(e.key()));
                None
            }
        }
    };
    let username = text("smtp_username");
    if username.chars().count() > 255 || username.chars().any(char::is_control) {
        errors.push(ctx.t("error-settings-smtp-username"));
    }
    let smtp_username = (!username.is_empty()).then_some(username);
    // A fresh install's sender (`flicket@localhost`) is accepted as stored: saving the page must not require it.
    let mail_from = match Email::parse_sender(form.get("mail_from")) {
        Ok(e) => e.as_str().to_owned(),
        Err(_) => {
            errors.push(ctx.t("error-settings-mail-from"));
            String::new()
        }
    };
    let digest_cron = text("digest_cron");
    if digest_cron.len() > 128 || !valid_cron(&digest_cron) {
        errors.push(ctx.t("error-settings-cron"));
    }
    let digest_timezone = text("digest_timezone");
    if chrono_tz::Tz::from_str(&digest_timezone).is_err() {
        errors.push(ctx.t("error-settings-timezone"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SettingsUpdate {
        application_title,
        base_url,
        page_size,
        allowed_extensions,
        max_upload_bytes,
        max_request_bytes,
        max_uploads_per_post,
        csv_limit,
        change_category: form.checked("change_category"),
        change_category_restricted: form.checked("change_category_restricted"),
        smtp_host,
        smtp_port,
        smtp_tls,
        smtp_username,
        mail_from,
        suppress_send: form.checked("suppress_send"),
        digest_cron,
        digest_timezone,
        digest_enabled: form.checked("digest_enabled"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_expressions() {
        assert!(valid_cron("0 7 * * 1"));
        assert!(valid_cron("0 0 7 * * Mon"));
        assert!(!valid_cron("every monday"));
        assert!(!valid_cron("61 7 * * 1"));
        assert!(!valid_cron(""));
    }
}
