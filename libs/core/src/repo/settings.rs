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
