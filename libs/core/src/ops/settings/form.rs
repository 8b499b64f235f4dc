//! The settings form: its fields as text, and their checking. Every field is checked here (the database CHECKs are
//! the last line), and the SMTP host goes through the SSRF guard. A wrong field is reported under its form name.

use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

use crate::domain::Email;
use crate::net_guard;
use crate::ops::{FieldError, Message};
use crate::repo::settings::{Settings, SettingsUpdate};

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

/// The write-only password field.
pub const PASSWORD_FIELD: &str = "smtp_password";

/// Every field of the form as text, by name: a ticked checkbox is `on`, an unticked one empty. The password is
/// never among them.
#[derive(Debug, Clone, Default)]
pub struct SettingsValues {
    /// Field name → value.
    pub values: Vec<(&'static str, String)>,
}

impl SettingsValues {
    /// The values of stored settings.
    pub fn of(s: &Settings) -> Self {
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

/// The settings form as submitted, unchecked.
#[derive(Debug)]
pub struct SettingsInput {
    /// Every field but the password, as typed.
    pub values: SettingsValues,
    /// A new SMTP password; empty keeps the stored one.
    pub smtp_password: SecretString,
    /// Remove the stored SMTP password (when no new one is given).
    pub clear_smtp_password: bool,
}

impl SettingsInput {
    /// Reads a submitted form: `get` gives a field's value (empty when absent), `ticked` whether a checkbox was sent.
    pub fn read<'f>(get: impl Fn(&str) -> &'f str, ticked: impl Fn(&str) -> bool) -> Self {
        let mut values: Vec<(&'static str, String)> = TEXT_FIELDS
            .iter()
            .map(|(name, _)| (*name, get(name).to_owned()))
            .collect();
        values.extend(FLAGS.iter().map(|f| (*f, flag(ticked(f)))));
        Self {
            values: SettingsValues { values },
            smtp_password: SecretString::from(get(PASSWORD_FIELD)),
            clear_smtp_password: ticked("clear_smtp_password"),
        }
    }

    /// The values to show back after an error: cut to a sane length, without the password.
    pub fn shown(&self) -> SettingsValues {
        let cut = |name: &str, v: &str| match TEXT_FIELDS.iter().find(|(n, _)| *n == name) {
            Some((_, max)) => v.chars().take(*max + 16).collect(),
            None => v.to_owned(),
        };
        SettingsValues {
            values: self
                .values
                .values
                .iter()
                .map(|(k, v)| (*k, cut(k, v)))
                .collect(),
        }
    }
}

/// What to do with the stored SMTP password.
#[derive(Debug)]
pub(super) enum NewPassword {
    /// Leave it (the field was left empty).
    Keep,
    /// Remove it.
    Clear,
    /// Store this one, encrypted.
    Set(SecretString),
}

/// A checked change of the settings: only [`SettingsChange::parse`] makes one.
#[derive(Debug)]
pub struct SettingsChange {
    pub(super) update: SettingsUpdate,
    pub(super) password: NewPassword,
}

/// The errors found so far, in form order.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push(FieldError {
            field,
            message: Message::new(key),
        });
    }

    /// An integer field within `min..=max`, or the error `key`.
    fn int<T: FromStr + PartialOrd>(
        &mut self,
        input: &SettingsValues,
        field: &'static str,
        (min, max): (T, T),
        key: &'static str,
    ) -> T {
        match input.get(field).trim().parse::<T>() {
            Ok(v) if v >= min && v <= max => v,
            _ => {
                self.add(field, key);
                min
            }
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

fn valid_extensions(list: &str) -> bool {
    list.len() <= 1024
        && list
            .split(',')
            .map(|e| e.trim().trim_start_matches('.'))
            .all(|e| !e.is_empty() && e.len() <= 16 && e.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl SettingsChange {
    /// Checks every field; returns the change, or the error of every field that is wrong, in form order.
    /// `allow_private` lets the SMTP host be an internal address (`FLICKET_SMTP_ALLOW_PRIVATE`).
    pub async fn parse(
        input: &SettingsInput,
        allow_private: bool,
    ) -> Result<Self, Vec<FieldError>> {
        let v = &input.values;
        let mut errors = Errors::default();
        let text = |name: &str| v.get(name).trim().to_owned();
        let application_title = text("application_title");
        let n = application_title.chars().count();
        if !(3..=32).contains(&n) || application_title.chars().any(char::is_control) {
            errors.add("application_title", "error-settings-title");
        }
        let base_url = crate::config::parse_base_url(v.get("base_url")).unwrap_or_else(|_| {
            errors.add("base_url", "error-base-url");
            String::new()
        });
        let page_size = errors.int(v, "page_size", (10, 200), "error-settings-page-size");
        let allowed_extensions = text("allowed_extensions");
        if !valid_extensions(&allowed_extensions) {
            errors.add("allowed_extensions", "error-settings-extensions");
        }
        let max_upload_bytes = errors.int(
            v,
            "max_upload_bytes",
            (1024, 1 << 30),
            "error-settings-upload",
        );
        let max_request_bytes = errors.int(
            v,
            "max_request_bytes",
            (1024, 1 << 32),
            "error-settings-request-bytes",
        );
        let max_uploads_per_post = errors.int(
            v,
            "max_uploads_per_post",
            (1, 100),
            "error-settings-uploads",
        );
        let csv_limit = errors.int(v, "csv_limit", (1, 1_000_000), "error-settings-csv");
        let smtp_port = errors.int(v, "smtp_port", (1, 65535), "error-smtp-port-range");
        let smtp_tls = text("smtp_tls");
        if !matches!(smtp_tls.as_str(), "none" | "starttls" | "tls") {
            errors.add("smtp_tls", "error-settings-tls");
        }
        let host = text("smtp_host");
        let smtp_host = if host.is_empty() {
            None
        } else {
            match net_guard::vet_smtp_host(&host, smtp_port as u16, allow_private).await {
                Ok(_) => Some(host.to_ascii_lowercase()),
                Err(e) => {
                    errors.add("smtp_host", e.key());
                    None
                }
            }
        };
        let username = text("smtp_username");
        if username.chars().count() > 255 || username.chars().any(char::is_control) {
            errors.add("smtp_username", "error-settings-smtp-username");
        }
        let smtp_username = (!username.is_empty()).then_some(username);
        // A fresh install's sender (`flicket@localhost`) is accepted as stored: saving the page must not require it.
        let mail_from = match Email::parse_sender(v.get("mail_from")) {
            Ok(e) => e.as_str().to_owned(),
            Err(_) => {
                errors.add("mail_from", "error-settings-mail-from");
                String::new()
            }
        };
        let digest_cron = text("digest_cron");
        if digest_cron.len() > 128 || !valid_cron(&digest_cron) {
            errors.add("digest_cron", "error-settings-cron");
        }
        let digest_timezone = text("digest_timezone");
        if chrono_tz::Tz::from_str(&digest_timezone).is_err() {
            errors.add("digest_timezone", "error-settings-timezone");
        }
        let typed = input.smtp_password.expose_secret();
        if typed.chars().count() > 255 || typed.contains('\0') {
            errors.add(PASSWORD_FIELD, "error-settings-smtp-password");
        }
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        let password = if !typed.is_empty() {
            NewPassword::Set(input.smtp_password.clone())
        } else if input.clear_smtp_password {
            NewPassword::Clear
        } else {
            NewPassword::Keep
        };
        let update = SettingsUpdate {
            application_title,
            base_url,
            page_size,
            allowed_extensions,
            max_upload_bytes,
            max_request_bytes,
            max_uploads_per_post,
            csv_limit,
            change_category: v.on("change_category"),
            change_category_restricted: v.on("change_category_restricted"),
            smtp_host,
            smtp_port,
            smtp_tls,
            smtp_username,
            mail_from,
            suppress_send: v.on("suppress_send"),
            digest_cron,
            digest_timezone,
            digest_enabled: v.on("digest_enabled"),
        };
        Ok(Self { update, password })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(fields: &[(&str, &str)]) -> SettingsInput {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .unwrap_or_default()
        };
        SettingsInput::read(get, |name| fields.iter().any(|(k, _)| *k == name))
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("application_title", "Help desk"),
            ("base_url", "https://help.example.com/"),
            ("page_size", "25"),
            ("allowed_extensions", "pdf, png"),
            ("max_upload_bytes", "2097152"),
            ("max_request_bytes", "30000000"),
            ("max_uploads_per_post", "5"),
            ("csv_limit", "500"),
            ("smtp_host", ""),
            ("smtp_port", "587"),
            ("smtp_tls", "starttls"),
            ("smtp_username", "mailer"),
            ("mail_from", "help@example.com"),
            ("digest_cron", "0 7 * * Mon"),
            ("digest_timezone", "Europe/Paris"),
            ("digest_enabled", "on"),
        ]
    }

    #[test]
    fn cron_expressions() {
        assert!(valid_cron("0 7 * * 1"));
        assert!(valid_cron("0 0 7 * * Mon"));
        assert!(!valid_cron("every monday"));
        assert!(!valid_cron("61 7 * * 1"));
        assert!(!valid_cron(""));
    }

    #[tokio::test]
    async fn a_good_form_is_one_change() {
        let change = SettingsChange::parse(&input(&good()), false).await.unwrap();
        assert_eq!(change.update.base_url, "https://help.example.com");
        assert_eq!(
            (change.update.page_size, change.update.smtp_port),
            (25, 587)
        );
        assert!(change.update.digest_enabled && !change.update.suppress_send);
        assert!(matches!(change.password, NewPassword::Keep));
    }

    #[tokio::test]
    async fn every_wrong_field_is_named_in_form_order() {
        let mut fields = good();
        fields[0] = ("application_title", "x");
        fields[2] = ("page_size", "5");
        fields[3] = ("allowed_extensions", "pdf; rm -rf");
        fields[14] = ("digest_timezone", "Mars/Olympus");
        let long = "p".repeat(256);
        fields.push(("smtp_password", &long));
        let errors = SettingsChange::parse(&input(&fields), false)
            .await
            .unwrap_err();
        let named: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.message.key)).collect();
        assert_eq!(
            named,
            [
                ("application_title", "error-settings-title"),
                ("page_size", "error-settings-page-size"),
                ("allowed_extensions", "error-settings-extensions"),
                ("digest_timezone", "error-settings-timezone"),
                ("smtp_password", "error-settings-smtp-password"),
            ]
        );
    }

    #[tokio::test]
    async fn an_internal_smtp_host_is_an_error_of_the_host_field() {
        let mut fields = good();
        fields[8] = ("smtp_host", "127.0.0.1");
        let errors = SettingsChange::parse(&input(&fields), false)
            .await
            .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "smtp_host");
        assert!(SettingsChange::parse(&input(&fields), true).await.is_ok());
    }

    #[tokio::test]
    async fn a_new_password_wins_over_clearing() {
        let mut fields = good();
        fields.push(("smtp_password", "s3cret"));
        fields.push(("clear_smtp_password", "on"));
        let change = SettingsChange::parse(&input(&fields), false).await.unwrap();
        assert!(matches!(change.password, NewPassword::Set(_)));
        fields.retain(|(k, _)| *k != "smtp_password");
        let change = SettingsChange::parse(&input(&fields), false).await.unwrap();
        assert!(matches!(change.password, NewPassword::Clear));
    }

    #[test]
    fn shown_values_are_cut_and_never_hold_the_password() {
        let title = "t".repeat(100);
        let mut fields = good();
        fields[0] = ("application_title", &title);
        fields.push(("smtp_password", "s3cret"));
        let shown = input(&fields).shown();
        assert_eq!(shown.get("application_title").len(), 48);
        assert!(shown.on("digest_enabled") && !shown.on("suppress_send"));
        assert!(!shown.values.iter().any(|(_, v)| v.contains("s3cret")));
    }
}
