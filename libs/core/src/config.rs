//! Typed configuration read from `FLICKET_*` environment variables.
//!
//! Every secret can also be given as `NAME_FILE` (a path whose content is the value, as Kubernetes mounts secrets).
//! Unknown `FLICKET_*` names are an error, so a typo is caught at start-up instead of silently ignored.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

mod env;
mod proxies;
#[cfg(test)]
mod tests;

use env::{Env, invalid};
pub use proxies::client_address;
use proxies::parse_networks;

/// Every variable name the services understand, with whether it is a secret (then `NAME_FILE` is accepted too).
pub const KNOWN_VARS: &[(&str, bool)] = &[
    ("FLICKET_DATABASE_URL", true),
    ("FLICKET_REDIS_URL", true),
    ("FLICKET_NATS_URL", true),
    ("FLICKET_EMAIL_QUEUE", false),
    ("FLICKET_LISTEN", false),
    ("FLICKET_MAILER_LISTEN", false),
    ("FLICKET_SCHEDULER_LISTEN", false),
    ("FLICKET_SECRET_KEY", true),
    ("FLICKET_BASE_URL", false),
    ("FLICKET_UPLOAD_DIR", false),
    ("FLICKET_LOG_FORMAT", false),
    ("FLICKET_DATABASE_MAX_CONNECTIONS", false),
    ("FLICKET_ADMIN_USERNAME", false),
    ("FLICKET_ADMIN_EMAIL", false),
    ("FLICKET_ADMIN_PASSWORD", true),
    ("FLICKET_SMTP_ALLOW_PRIVATE", false),
    ("FLICKET_TRUSTED_PROXIES", false),
];

/// Development secret used when `FLICKET_SECRET_KEY` is unset; refused for an https base URL.
const DEV_SECRET_KEY: &str = "flicket-development-secret-key-change-me-please!";

/// A configuration error, with the variable it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A `FLICKET_*` variable that no service knows.
    #[error("unknown configuration variable {0} (known: see README, «Configuration»)")]
    Unknown(String),
    /// A value that does not parse.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: String,
        /// Why it was refused.
        reason: String,
    },
    /// A `*_FILE` that cannot be read.
    #[error("{name}: cannot read {path}: {source}")]
    File {
        /// The variable.
        name: String,
        /// The path it named.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines with colours when on a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
    /// Pretty on a terminal, JSON otherwise.
    Auto,
}

/// The whole configuration shared by the three services.
#[derive(Clone)]
pub struct Config {
    /// PostgreSQL URL.
    pub database_url: SecretString,
    /// Largest size of the connection pool.
    pub database_max_connections: u32,
    /// Redis URL (job queue).
    pub redis_url: SecretString,
    /// NATS URL (events between replicas).
    pub nats_url: SecretString,
    /// Redis queue of email jobs (web and scheduler push, mailer consumes).
    pub email_queue: String,
    /// Address the web service listens on.
    pub listen: SocketAddr,
    /// Address the mailer's health and metrics endpoints listen on.
    pub mailer_listen: SocketAddr,
    /// Address the scheduler's health and metrics endpoints listen on.
    pub scheduler_listen: SocketAddr,
    /// Secret used for CSRF tokens and the encryption of stored SMTP passwords.
    pub secret_key: SecretString,
    /// Public URL of the site, without a trailing slash, when set in the environment (overrides the settings row).
    pub base_url: Option<String>,
    /// Where attachments and avatars are stored.
    pub upload_dir: PathBuf,
    /// Log format.
    pub log_format: LogFormat,
    /// Admin user name for `setup`.
    pub admin_username: Option<String>,
    /// Admin email for `setup`.
    pub admin_email: Option<String>,
    /// Admin password for `setup`.
    pub admin_password: Option<SecretString>,
    /// Whether the SMTP host may be a loopback/private address and the port any port (a development mail sink).
    /// Off by default: in production the SSRF guard refuses internal addresses.
    pub smtp_allow_private: bool,
    /// The reverse proxies (an ingress controller, a load balancer) whose `X-Forwarded-For` is believed, as networks.
    /// Empty by default: the client is the peer of the connection.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &redact_url(self.database_url.expose_secret()),
            )
            .field("database_max_connections", &self.database_max_connections)
            .field("redis_url", &redact_url(self.redis_url.expose_secret()))
            .field("nats_url", &redact_url(self.nats_url.expose_secret()))
            .field("email_queue", &self.email_queue)
            .field("listen", &self.listen)
            .field("mailer_listen", &self.mailer_listen)
            .field("scheduler_listen", &self.scheduler_listen)
            .field("secret_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("upload_dir", &self.upload_dir)
            .field("log_format", &self.log_format)
            .field("admin_username", &self.admin_username)
            .field("admin_email", &self.admin_email)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "[redacted]"),
            )
            .field("smtp_allow_private", &self.smtp_allow_private)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// Replaces the password of a URL such as `postgres://user:pw@host/db` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((creds, host)) => {
            let user = creds.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables (the environment in production, a list in tests).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let raw: BTreeMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("FLICKET_"))
            .collect();
        for name in raw.keys() {
            let known = KNOWN_VARS.iter().any(|(known, secret)| {
                name == known || (*secret && name.strip_suffix("_FILE") == Some(known))
            });
            if !known {
                return Err(ConfigError::Unknown(name.clone()));
            }
        }
        let env = Env { raw };
        let secret_key = env
            .get("FLICKET_SECRET_KEY")?
            .unwrap_or_else(|| DEV_SECRET_KEY.to_owned());
        if secret_key.len() < 32 {
            return Err(invalid(
                "FLICKET_SECRET_KEY",
                "must be at least 32 characters",
            ));
        }
        let base_url = env
            .get("FLICKET_BASE_URL")?
            .map(|u| parse_base_url(&u))
            .transpose()?;
        if secret_key == DEV_SECRET_KEY
            && base_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
        {
            return Err(invalid(
                "FLICKET_SECRET_KEY",
                "must be set when the base URL is https",
            ));
        }
        let database_url = env
            .get("FLICKET_DATABASE_URL")?
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/flicket".to_owned());
        Ok(Self {
            email_queue: match env.get("FLICKET_EMAIL_QUEUE")? {
                None => crate::jobs::default_email_queue(&database_url),
                Some(q) if q.len() <= 128 && !q.contains(char::is_whitespace) => q,
                Some(_) => {
                    return Err(invalid(
                        "FLICKET_EMAIL_QUEUE",
                        "must be at most 128 characters without spaces",
                    ));
                }
            },
            database_url: database_url.into(),
            database_max_connections: env.parse("FLICKET_DATABASE_MAX_CONNECTIONS", 10)?,
            redis_url: env
                .get("FLICKET_REDIS_URL")?
                .unwrap_or_else(|| "redis://127.0.0.1:6379/0".to_owned())
                .into(),
            nats_url: env
                .get("FLICKET_NATS_URL")?
                .unwrap_or_else(|| "nats://127.0.0.1:4222".to_owned())
                .into(),
            listen: env.parse("FLICKET_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            mailer_listen: env.parse(
                "FLICKET_MAILER_LISTEN",
                SocketAddr::from(([127, 0, 0, 1], 8081)),
            )?,
            scheduler_listen: env.parse(
                "FLICKET_SCHEDULER_LISTEN",
                SocketAddr::from(([127, 0, 0, 1], 8082)),
            )?,
            secret_key: secret_key.into(),
            base_url,
            upload_dir: env
                .get("FLICKET_UPLOAD_DIR")?
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("data/uploads")),
            log_format: match env.get("FLICKET_LOG_FORMAT")?.as_deref() {
                None | Some("auto") => LogFormat::Auto,
                Some("pretty") | Some("text") => LogFormat::Pretty,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(invalid(
                        "FLICKET_LOG_FORMAT",
                        &format!("{other:?} is not one of auto, pretty, json"),
                    ));
                }
            },
            admin_username: env.get("FLICKET_ADMIN_USERNAME")?,
            admin_email: env.get("FLICKET_ADMIN_EMAIL")?,
            admin_password: env.get("FLICKET_ADMIN_PASSWORD")?.map(SecretString::from),
            smtp_allow_private: env.parse("FLICKET_SMTP_ALLOW_PRIVATE", false)?,
            trusted_proxies: env
                .get("FLICKET_TRUSTED_PROXIES")?
                .map(|v| parse_networks(&v))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// The secret key as bytes (for HMAC and key derivation).
    pub fn secret_key_bytes(&self) -> &[u8] {
        self.secret_key.expose_secret().as_bytes()
    }
}

/// Checks a base URL (`http://` or `https://`, no query) and removes a trailing slash.
pub fn parse_base_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.contains(['?', '#', ' ', '\n', '\r']);
    if ok {
        Ok(url.to_owned())
    } else {
        Err(invalid(
            "FLICKET_BASE_URL",
            "must be an http:// or https:// URL without query",
        ))
    }
}
