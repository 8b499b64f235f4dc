//! The single settings row.

use super::Db;

/// The settings every page needs.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// Shown in the header and the page title.
    pub application_title: String,
    /// Public URL, no trailing slash.
    pub base_url: String,
    /// Rows per page in lists.
    pub page_size: i32,
}

/// Loads the settings shown on every page.
#[tracing::instrument(skip_all, err)]
pub async fn site<'c>(db: impl Db<'c>) -> sqlx::Result<SiteSettings> {
    sqlx::query_as!(
        SiteSettings,
        "select application_title, base_url, page_size from settings where settings_id = 1"
    )
    .fetch_one(db)
    .await
}

/// Sets the public base URL; returns whether it changed.
pub async fn set_base_url<'c>(db: impl Db<'c>, base_url: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update settings set base_url = $1 where settings_id = 1 and base_url <> $1",
        base_url
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Every setting except the SMTP password (which is write-only and read only by the mailer).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Shown in the header and the page title.
    pub application_title: String,
    /// Public URL, no trailing slash.
    pub base_url: String,
    /// Rows per page in lists.
    pub page_size: i32,
    /// Comma-separated list of allowed attachment extensions.
    pub allowed_extensions: String,
    /// Largest attachment, in bytes.
    pub max_upload_bytes: i64,
    /// Most attachments on one ticket or reply.
    pub max_uploads_per_post: i32,
    /// Most rows in a CSV export.
    pub csv_limit: i32,
    /// Whether the department/category of a ticket can be changed.
    pub change_category: bool,
    /// Whether only admins and super users may change it.
    pub change_category_restricted: bool,
    /// SMTP host (none: nothing can be sent).
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: i32,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    /// SMTP user name.
    pub smtp_username: Option<String>,
    /// Whether an SMTP password is stored.
    pub smtp_password_set: bool,
    /// From address.
    pub mail_from: String,
    /// Record emails as suppressed instead of sending them.
    pub suppress_send: bool,
    /// Digest schedule (cron expression).
    pub digest_cron: String,
    /// Time zone of the digest schedule.
    pub digest_timezone: String,
    /// Whether digests are sent at all.
    pub digest_enabled: bool,
}

impl Settings {
    /// The allowed extensions, lower-cased, without dots or blanks.
    pub fn extensions(&self) -> Vec<String> {
        self.allowed_extensions
            .split(',')
            .map(|e| e.trim().trim_start_matches('.').to_lowercase())
            .filter(|e| !e.is_empty())
            .collect()
    }
}

/// Loads every setting.
#[tracing::instrument(skip_all, err)]
pub async fn load<'c>(db: impl Db<'c>) -> sqlx::Result<Settings> {
    sqlx::query_as!(
        Settings,
        r#"select application_title, base_url, page_size, allowed_extensions, max_upload_bytes,
                  max_uploads_per_post, csv_limit, change_category, change_category_restricted,
                  smtp_host, smtp_port, smtp_tls, smtp_username,
                  smtp_password_enc is not null as "smtp_password_set!",
                  mail_from, suppress_send, digest_cron, digest_timezone, digest_enabled
           from settings where settings_id = 1"#
    )
    .fetch_one(db)
    .await
}
