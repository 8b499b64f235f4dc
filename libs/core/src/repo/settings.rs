//! The single settings row.

use sqlx::PgConnection;

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
    /// Most rows in a CSV export.
    pub csv_limit: i32,
}

/// Loads the settings shown on every page.
#[tracing::instrument(skip_all, err)]
pub async fn site<'c>(db: impl Db<'c>) -> sqlx::Result<SiteSettings> {
    sqlx::query_as!(
        SiteSettings,
        "select application_title, base_url, page_size, csv_limit from settings where settings_id = 1"
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
    /// Largest total of the files of one ticket, reply or edit, in bytes.
    pub max_request_bytes: i64,
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
        extension_list(&self.allowed_extensions)
    }
}

/// The extensions of a comma-separated `allowed_extensions` setting, lower-cased, without dots or blanks.
pub(crate) fn extension_list(allowed_extensions: &str) -> Vec<String> {
    allowed_extensions
        .split(',')
        .map(|e| e.trim().trim_start_matches('.').to_lowercase())
        .filter(|e| !e.is_empty())
        .collect()
}

/// Loads every setting.
#[tracing::instrument(skip_all, err)]
pub async fn load<'c>(db: impl Db<'c>) -> sqlx::Result<Settings> {
    sqlx::query_as!(
        Settings,
        r#"select application_title, base_url, page_size, allowed_extensions, max_upload_bytes,
                  max_request_bytes, max_uploads_per_post, csv_limit, change_category, change_category_restricted,
                  smtp_host, smtp_port, smtp_tls, smtp_username,
                  smtp_password_enc is not null as "smtp_password_set!",
                  mail_from, suppress_send, digest_cron, digest_timezone, digest_enabled
           from settings where settings_id = 1"#
    )
    .fetch_one(db)
    .await
}

/// A new value for every editable setting (the SMTP password is handled apart: it is write-only).
#[derive(Debug, Clone)]
pub struct SettingsUpdate {
    /// Shown in the header and the page title (3–32 characters).
    pub application_title: String,
    /// Public URL, no trailing slash.
    pub base_url: String,
    /// Rows per page (10–200).
    pub page_size: i32,
    /// Comma-separated allowed extensions.
    pub allowed_extensions: String,
    /// Largest attachment in bytes.
    pub max_upload_bytes: i64,
    /// Largest total of the files of one request, in bytes.
    pub max_request_bytes: i64,
    /// Most attachments per ticket or reply.
    pub max_uploads_per_post: i32,
    /// Most rows in a CSV export.
    pub csv_limit: i32,
    /// Department/category of a ticket can be changed.
    pub change_category: bool,
    /// Only admins and super users may change it.
    pub change_category_restricted: bool,
    /// SMTP host, already vetted by the SSRF guard.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: i32,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    /// SMTP user name.
    pub smtp_username: Option<String>,
    /// From address.
    pub mail_from: String,
    /// Record emails as suppressed instead of sending them.
    pub suppress_send: bool,
    /// Digest schedule (cron expression).
    pub digest_cron: String,
    /// Time zone of the schedule.
    pub digest_timezone: String,
    /// Whether digests are sent.
    pub digest_enabled: bool,
}

/// What to do with the stored SMTP password.
#[derive(Debug, Clone)]
pub enum SmtpPassword {
    /// Leave it as it is (the form field was left empty).
    Keep,
    /// Remove it.
    Clear,
    /// Store this ciphertext (from `crypto::encrypt`).
    Set(Vec<u8>),
}

/// Locks the settings row and returns its current values (the "before" of the audit entry).
pub async fn load_for_update(conn: &mut PgConnection) -> sqlx::Result<Settings> {
    sqlx::query_as!(
        Settings,
        r#"select application_title, base_url, page_size, allowed_extensions, max_upload_bytes,
                  max_request_bytes, max_uploads_per_post, csv_limit, change_category, change_category_restricted,
                  smtp_host, smtp_port, smtp_tls, smtp_username,
                  smtp_password_enc is not null as "smtp_password_set!",
                  mail_from, suppress_send, digest_cron, digest_timezone, digest_enabled
           from settings where settings_id = 1 for update"#
    )
    .fetch_one(&mut *conn)
    .await
}

/// Saves every setting.
#[tracing::instrument(skip_all, err)]
pub async fn update(
    conn: &mut PgConnection,
    s: &SettingsUpdate,
    password: &SmtpPassword,
) -> sqlx::Result<()> {
    let (keep, new_password): (bool, Option<&[u8]>) = match password {
        SmtpPassword::Keep => (true, None),
        SmtpPassword::Clear => (false, None),
        SmtpPassword::Set(ct) => (false, Some(ct.as_slice())),
    };
    sqlx::query!(
        "update settings set
            application_title = $1, base_url = $2, page_size = $3, allowed_extensions = $4,
            max_upload_bytes = $5, max_uploads_per_post = $6, csv_limit = $7, change_category = $8,
            change_category_restricted = $9, smtp_host = $10, smtp_port = $11, smtp_tls = $12,
            smtp_username = $13, mail_from = $14, suppress_send = $15, digest_cron = $16,
            digest_timezone = $17, digest_enabled = $18,
            smtp_password_enc = case when $19 then smtp_password_enc else $20 end,
            max_request_bytes = $21
         where settings_id = 1",
        s.application_title,
        s.base_url,
        s.page_size,
        s.allowed_extensions,
        s.max_upload_bytes,
        s.max_uploads_per_post,
        s.csv_limit,
        s.change_category,
        s.change_category_restricted,
        s.smtp_host,
        s.smtp_port,
        s.smtp_tls,
        s.smtp_username,
        s.mail_from,
        s.suppress_send,
        s.digest_cron,
        s.digest_timezone,
        s.digest_enabled,
        keep,
        new_password,
        s.max_request_bytes,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored (encrypted) SMTP password, if any.
pub async fn smtp_password_enc<'c>(db: impl Db<'c>) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!("select smtp_password_enc from settings where settings_id = 1")
        .fetch_one(db)
        .await
}

/// Where a test email stands, as far as the admin needs to know.
#[derive(Debug, Clone)]
pub struct TestEmailStatus {
    /// Recipient address.
    pub recipient: String,
    /// When it was requested.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The mailer's state (`sending`, `sent`, `failed`, `suppressed`), none while it has not picked it up.
    pub state: Option<String>,
}

/// The status of the test email of outbox row `outbox_id` (never the server's error text, which can leak banners).
pub async fn test_email_status<'c>(
    db: impl Db<'c>,
    outbox_id: i64,
) -> sqlx::Result<Option<TestEmailStatus>> {
    sqlx::query_as!(
        TestEmailStatus,
        r#"select coalesce(o.recipient_email, '') as "recipient!", o.created_at, d.state as "state?"
           from outbox o left join email_deliveries d on d.idempotency_key = o.idempotency_key
           where o.outbox_id = $1 and o.kind = 'test_email'"#,
        outbox_id
    )
    .fetch_optional(db)
    .await
}
