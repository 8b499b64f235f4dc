//! Managing the reference data: departments and their categories, statuses and priorities. Deleting anything still
//! used by a ticket is refused (the schema restricts it too); behaviour stays keyed on a status's or priority's
//! `kind`, so renaming or recolouring never changes what the product does.

use sqlx::PgConnection;

use super::Db;
use crate::domain::{CategoryId, CategoryName, DepartmentId, DepartmentName};

mod labels;
pub use labels::*;

/// A department with its usage.
#[derive(Debug, Clone)]
pub struct DepartmentRow {
    /// The id.
    pub department_id: DepartmentId,
    /// The name.
    pub name: String,
    /// Number of categories.
    pub categories: i64,
    /// Tickets filed under any of its categories.
    pub tickets: i64,
}

/// One page of departments, alphabetically.
pub async fn departments<'c>(
    db: impl Db<'c>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<DepartmentRow>> {
    sqlx::query_as!(
        DepartmentRow,
        r#"select d.department_id as "department_id: DepartmentId", d.name,
                  (select count(*) from categories c where c.department_id = d.department_id) as "categories!",
                  (select count(*) from tickets t join categories c using (category_id)
                   where c.department_id = d.department_id) as "tickets!"
           from departments d order by lower(d.name) limit $1 offset $2"#,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of departments.
pub async fn count_departments<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from departments"#)
        .fetch_one(db)
        .await
}

/// One department.
pub async fn department<'c>(
    db: impl Db<'c>,
    id: DepartmentId,
) -> sqlx::Result<Option<DepartmentRow>> {
    sqlx::query_as!(
        DepartmentRow,
        r#"select d.department_id as "department_id: DepartmentId", d.name,
                  (select count(*) from categories c where c.department_id = d.department_id) as "categories!",
                  (select count(*) from tickets t join categories c using (category_id)
                   where c.department_id = d.department_id) as "tickets!"
           from departments d where d.department_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// A category with its usage.
#[derive(Debug, Clone)]
pub struct CategoryRow {
    /// The id.
    pub category_id: CategoryId,
    /// Its department.
    pub department_id: DepartmentId,
    /// The name.
    pub name: String,
    /// Tickets filed under it.
    pub tickets: i64,
}

/// The categories of the given departments, by department then name.
pub async fn categories_of<'c>(
    db: impl Db<'c>,
    departments: &[DepartmentId],
) -> sqlx::Result<Vec<CategoryRow>> {
    let ids: Vec<i64> = departments.iter().map(|d| d.0).collect();
    sqlx::query_as!(
        CategoryRow,
        r#"select c.category_id as "category_id: CategoryId", c.department_id as "department_id: DepartmentId",
                  c.name, (select count(*) from tickets t where t.category_id = c.category_id) as "tickets!"
           from categories c where c.department_id = any($1)
           order by c.department_id, lower(c.name)"#,
        &ids
    )
    .fetch_all(db)
    .await
}

/// Creates a department; a taken name is a unique violation.
pub async fn create_department<'c>(
    db: impl Db<'c>,
    name: &DepartmentName,
) -> sqlx::Result<DepartmentId> {
    sqlx::query_scalar!(
        r#"insert into departments (name) values ($1) returning department_id as "department_id: DepartmentId""#,
        name.as_str()
    )
    .fetch_one(db)
    .await
}

/// Renames a department; returns the old name (`None`: no such department).
pub async fn rename_department<'c>(
    db: impl Db<'c>,
    id: DepartmentId,
    name: &DepartmentName,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update departments d set name = $2
           from (select name from departments where department_id = $1 for update) old
           where d.department_id = $1 returning old.name"#,
        id.0,
        name.as_str()
    )
    .fetch_optional(db)
    .await
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// Gone; its name.
    Yes(String),
    /// Refused: this many tickets use it.
    InUse(i64),
    /// No such row.
    NotFound,
}

/// Deletes a department and its categories, unless a ticket uses one of them.
pub async fn delete_department(conn: &mut PgConnection, id: DepartmentId) -> sqlx::Result<Deleted> {
    let Some(name) = sqlx::query_scalar!(
        "select name from departments where department_id = $1 for update",
        id.0
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Deleted::NotFound);
    };
    // Lock the categories so no ticket can be filed under one of them until we are done.
    let used = sqlx::query_scalar!(
        r#"with locked as (select category_id from categories where department_id = $1 for update)
           select count(*) as "n!" from tickets t join locked using (category_id)"#,
        id.0
    )
    .fetch_one(&mut *conn)
    .await?;
    if used > 0 {
        return Ok(Deleted::InUse(used));
    }
    sqlx::query!("delete from categories where department_id = $1", id.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("delete from departments where department_id = $1", id.0)
        .execute(&mut *conn)
        .await?;
    Ok(Deleted::Yes(name))
}

/// Adds a category to a department; a taken name (within the department) is a unique violation, and a missing
/// department a foreign-key violation.
pub async fn create_category<'c>(
    db: impl Db<'c>,
    department: DepartmentId,
    name: &CategoryName,
) -> sqlx::Result<CategoryId> {
    sqlx::query_scalar!(
        r#"insert into categories (department_id, name) values ($1, $2)
           returning category_id as "category_id: CategoryId""#,
        department.0,
        name.as_str()
    )
    .fetch_one(db)
    .await
}

/// Renames a category of a department; returns the old name.
pub async fn rename_category<'c>(
    db: impl Db<'c>,
    department: DepartmentId,
    id: CategoryId,
    name: &CategoryName,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update categories c set name = $3
           from (select name from categories where category_id = $2 for update) old
           where c.category_id = $2 and c.department_id = $1 returning old.name"#,
        department.0,
        id.0,
        name.as_str()
    )
    .fetch_optional(db)
    .await
}

/// Deletes a category of a department unless a ticket uses it.
pub async fn delete_category(
    conn: &mut PgConnection,
    department: DepartmentId,
    id: CategoryId,
) -> sqlx::Result<Deleted> {
    let Some(name) = sqlx::query_scalar!(
        "select name from categories where category_id = $1 and department_id = $2 for update",
        id.0,
        department.0
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Deleted::NotFound);
    };
    let used = sqlx::query_scalar!(
        r#"select count(*) as "n!" from tickets where category_id = $1"#,
        id.0
    )
    .fetch_one(&mut *conn)
    .await?;
    if used > 0 {
        return Ok(Deleted::InUse(used));
    }
    sqlx::query!("delete from categories where category_id = $1", id.0)
        .execute(&mut *conn)
        .await?;
    Ok(Deleted::Yes(name))
}
