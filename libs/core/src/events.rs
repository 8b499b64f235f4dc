//! The NATS subjects the services share. A subject is spelled here once; publishers and subscribers use these names.

/// Published by the web after the settings are saved (payload `{}`); the mailer re-reads its mail settings.
pub const CONFIG_CHANGED_SUBJECT: &str = "flicket.config.changed";
