//! Flicket's core: domain types and rules, the repository layer (all SQL), password hashing, i18n, configuration
//! and telemetry. No HTTP and no SMTP: the services own those.

pub mod accounts;
pub mod config;
pub mod connect;
pub mod crypto;
pub mod db;
pub mod digest;
pub mod domain;
pub mod events;
pub mod i18n;
pub mod jobs;
pub mod markdown;
pub mod net_guard;
pub mod ops;
pub mod outbox_message;
pub mod password;
pub mod permissions;
#[cfg(feature = "test-support")]
pub mod private_servers;
pub mod queue;
pub mod repo;
pub mod search;
pub mod setup;
pub mod shutdown;
#[cfg(feature = "test-support")]
pub mod smtp_sink;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tickets;
pub mod tokens;

pub use config::Config;
pub use i18n::Locale;
