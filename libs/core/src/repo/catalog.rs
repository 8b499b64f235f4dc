//! Reference data read by the ticket pages: departments/categories, statuses, priorities, upload limits.

use super::Db;
use crate::domain::{CategoryId, DepartmentId, PriorityId, StatusId};

/// A category with its department, as offered in the "Department / Category" choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryOption {
    /// The category.
    pub category_id: CategoryId,
    /// Its name.
    pub category: String,
    /// Its department.
    pub department_id: DepartmentId,
    /// The department's name.
    pub department: String,
}

impl CategoryOption {
    /// "Department / Category".
    pub fn label(&self) -> String {
        format!("{} / {}", self.department, self.category)
    }
}

/// Every category, sorted by department then category.
#[tracing::instrument(skip_all, err)]
pub async fn categories<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<CategoryOption>> {
    sqlx::query_as!(
        CategoryOption,
        r#"select c.category_id as "category_id: CategoryId", c.name as category,
                  d.department_id as "department_id: DepartmentId", d.name as department
           from categories c join departments d using (department_id)
           order by lower(d.name), lower(c.name)"#
    )
    .fetch_all(db)
    .await
}

/// One category with its department.
pub async fn category<'c>(db: impl Db<'c>, id: CategoryId) -> sqlx::Result<Option<CategoryOption>> {
    sqlx::query_as!(
        CategoryOption,
        r#"select c.category_id as "category_id: CategoryId", c.name as category,
                  d.department_id as "department_id: DepartmentId", d.name as department
           from categories c join departments d using (department_id)
           where c.category_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// A status; behaviour is keyed on `kind` (`open`, `closed`, `in_work`, `awaiting_information`, `custom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Its id.
    pub status_id: StatusId,
    /// What it means to the rules.
    pub kind: String,
    /// Displayed name.
    pub name: String,
    /// Badge colour (`#rrggbb`).
    pub colour: String,
}

impl Status {
    /// Whether this is the closed status.
    pub fn is_closed(&self) -> bool {
        self.kind == "closed"
    }
}

/// Every status, in display order.
#[tracing::instrument(skip_all, err)]
pub async fn statuses<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<Status>> {
    sqlx::query_as!(
        Status,
        r#"select status_id as "status_id: StatusId", kind, name, colour
           from statuses order by position, status_id"#
    )
    .fetch_all(db)
    .await
}

/// One status by id.
pub async fn status<'c>(db: impl Db<'c>, id: StatusId) -> sqlx::Result<Option<Status>> {
    sqlx::query_as!(
        Status,
        r#"select status_id as "status_id: StatusId", kind, name, colour
           from statuses where status_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// The built-in status of a kind (`open`, `closed`, `in_work`); the seed data guarantees one of each.
pub async fn status_of_kind<'c>(db: impl Db<'c>, kind: &str) -> sqlx::Result<Status> {
    sqlx::query_as!(
        Status,
        r#"select status_id as "status_id: StatusId", kind, name, colour
           from statuses where kind = $1 order by status_id limit 1"#,
        kind
    )
    .fetch_one(db)
    .await
}

/// A priority (`low`, `medium`, `high`, `custom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priority {
    /// Its id.
    pub priority_id: PriorityId,
    /// What it means to the rules.
    pub kind: String,
    /// Displayed name.
    pub name: String,
    /// Badge colour (`#rrggbb`).
    pub colour: String,
}

/// Every priority, in display order.
#[tracing::instrument(skip_all, err)]
pub async fn priorities<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<Priority>> {
    sqlx::query_as!(
        Priority,
        r#"select priority_id as "priority_id: PriorityId", kind, name, colour
           from priorities order by position, priority_id"#
    )
    .fetch_all(db)
    .await
}

/// One priority by id.
pub async fn priority<'c>(db: impl Db<'c>, id: PriorityId) -> sqlx::Result<Option<Priority>> {
    sqlx::query_as!(
        Priority,
        r#"select priority_id as "priority_id: PriorityId", kind, name, colour
           from priorities where priority_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// The settings that govern uploads and the ticket page.
#[derive(Debug, Clone)]
pub struct TicketSettings {
    /// Replies per page.
    pub page_size: i32,
    /// Comma-separated allowed extensions.
    pub allowed_extensions: String,
    /// Largest file, in bytes.
    pub max_upload_bytes: i64,
    /// Largest total of the files of one request, in bytes.
    pub max_request_bytes: i64,
    /// Most files on one ticket body or reply.
    pub max_uploads_per_post: i32,
    /// Category changes are possible.
    pub change_category: bool,
    /// ...for admins and super users only.
    pub change_category_restricted: bool,
}

impl TicketSettings {
    /// The allowed extensions, lower-cased, without dots or blanks.
    pub fn extensions(&self) -> Vec<String> {
        super::settings::extension_list(&self.allowed_extensions)
    }
}

/// Loads the ticket-related settings.
#[tracing::instrument(skip_all, err)]
pub async fn ticket_settings<'c>(db: impl Db<'c>) -> sqlx::Result<TicketSettings> {
    sqlx::query_as!(
        TicketSettings,
        "select page_size, allowed_extensions, max_upload_bytes, max_request_bytes, max_uploads_per_post,
                change_category, change_category_restricted
         from settings where settings_id = 1"
    )
    .fetch_one(db)
    .await
}
