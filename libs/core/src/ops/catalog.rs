//! The catalog: departments and their categories (managed by admins and super users), statuses and priorities
//! (managed by admins). Each operation checks permission, parses the typed text, writes the change and its audit
//! entry. A taken name is a field error on `name`; deleting anything a ticket still uses is a conflict that says how
//! many tickets use it.

mod labels;
#[cfg(test)]
mod tests;

pub use labels::{
    LabelRef, create_label, delete_label, may_manage_labels, move_label, update_label,
};

use serde_json::json;
use sqlx::PgConnection;

use super::{Acting, Changed, Committed, Message, OpError, OpResult, audit, unique_violation};
use crate::domain::{CategoryId, CategoryName, DepartmentId, DepartmentName};
use crate::permissions::{Actor, admin as rules};
use crate::repo::catalog_admin::{self as repo, Deleted};
use crate::repo::{self as db, catalog};

/// A department's name is unique, ignoring case.
const DEPARTMENT_TAKEN: (&str, &str, &str) =
    ("departments_name_key", "name", "error-department-taken");
/// A category's name is unique within its department, ignoring case.
const CATEGORY_TAKEN: (&str, &str, &str) = (
    "categories_department_name_key",
    "name",
    "error-category-taken",
);

/// A department just created.
#[derive(Debug, Clone)]
pub struct NewDepartment {
    /// Its id.
    pub id: DepartmentId,
    /// Its name, as stored.
    pub name: DepartmentName,
}

/// A category just created.
#[derive(Debug, Clone)]
pub struct NewCategory {
    /// Its id.
    pub id: CategoryId,
    /// Its department.
    pub department: DepartmentId,
    /// Its name, as stored.
    pub name: CategoryName,
}

impl Committed for NewDepartment {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

impl Committed for NewCategory {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// Whether `actor` may create, rename and delete departments and categories (admins and super users). The operations
/// check it; an adapter that must refuse before it reads a request's body asks it first.
pub fn may_manage_departments(actor: &Actor) -> OpResult<()> {
    if rules::can_manage_departments(actor) {
        Ok(())
    } else {
        tracing::warn!(user.id = %actor.user_id, "department change refused");
        Err(OpError::forbidden())
    }
}

fn department_name(typed: &str) -> OpResult<DepartmentName> {
    DepartmentName::parse(typed).map_err(|e| OpError::field("name", e.key))
}

fn category_name(typed: &str) -> OpResult<CategoryName> {
    CategoryName::parse(typed).map_err(|e| OpError::field("name", e.key))
}

/// What a refused delete says.
fn deleted(outcome: sqlx::Result<Deleted>, in_use: &'static str) -> OpResult<String> {
    match outcome {
        Ok(Deleted::Yes(name)) => Ok(name),
        Ok(Deleted::InUse(n)) => Err(OpError::Conflict(Message::with(in_use, "count", n))),
        Ok(Deleted::NotFound) => Err(OpError::NotFound),
        // A ticket filed under it after the count.
        Err(e) if db::is_foreign_key_violation(&e) => {
            Err(OpError::Conflict(Message::with(in_use, "count", 1)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates a department.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn create_department(
    conn: &mut PgConnection,
    acting: &Acting,
    typed_name: &str,
) -> OpResult<NewDepartment> {
    may_manage_departments(&acting.actor)?;
    let name = department_name(typed_name)?;
    let id = repo::create_department(&mut *conn, &name)
        .await
        .map_err(|e| unique_violation(e, &[DEPARTMENT_TAKEN]))?;
    let target = format!("department:{id} {}", name.as_str());
    audit::record(conn, acting, "department.create", &target, None).await?;
    Ok(NewDepartment { id, name })
}

/// Renames a department.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), department.id = %id))]
pub async fn rename_department(
    conn: &mut PgConnection,
    acting: &Acting,
    id: DepartmentId,
    typed_name: &str,
) -> OpResult<()> {
    may_manage_departments(&acting.actor)?;
    let name = department_name(typed_name)?;
    let old = repo::rename_department(&mut *conn, id, &name)
        .await
        .map_err(|e| unique_violation(e, &[DEPARTMENT_TAKEN]))?
        .ok_or(OpError::NotFound)?;
    let data = json!({ "before": old, "after": name.as_str() });
    let target = format!("department:{id}");
    audit::record(conn, acting, "department.rename", &target, Some(data)).await?;
    Ok(())
}

/// Deletes a department and its categories, unless a ticket uses one of them.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), department.id = %id))]
pub async fn delete_department(
    conn: &mut PgConnection,
    acting: &Acting,
    id: DepartmentId,
) -> OpResult<()> {
    may_manage_departments(&acting.actor)?;
    let outcome = repo::delete_department(conn, id).await;
    let name = deleted(outcome, "error-department-in-use")?;
    let target = format!("department:{id} {name}");
    audit::record(conn, acting, "department.delete", &target, None).await?;
    Ok(())
}

/// Adds a category to a department. A department that does not exist is a field error on `department_id`.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), department.id = %department))]
pub async fn create_category(
    conn: &mut PgConnection,
    acting: &Acting,
    department: DepartmentId,
    typed_name: &str,
) -> OpResult<NewCategory> {
    may_manage_departments(&acting.actor)?;
    let unknown = || OpError::field("department_id", "ticket-error-category");
    repo::department(&mut *conn, department)
        .await?
        .ok_or_else(unknown)?;
    let name = category_name(typed_name)?;
    let id = match repo::create_category(&mut *conn, department, &name).await {
        Ok(id) => id,
        // The department was deleted since.
        Err(e) if db::is_foreign_key_violation(&e) => return Err(unknown()),
        Err(e) => return Err(unique_violation(e, &[CATEGORY_TAKEN])),
    };
    let target = format!("category:{id} {} department:{department}", name.as_str());
    audit::record(conn, acting, "category.create", &target, None).await?;
    Ok(NewCategory {
        id,
        department,
        name,
    })
}

/// The department of a category: `within` when the caller names it (the category must then belong to it), else
/// the one it belongs to.
async fn department_of(
    conn: &mut PgConnection,
    within: Option<DepartmentId>,
    id: CategoryId,
) -> OpResult<DepartmentId> {
    match within {
        Some(d) => Ok(d),
        None => Ok(catalog::category(&mut *conn, id)
            .await?
            .ok_or(OpError::NotFound)?
            .department_id),
    }
}

/// Renames a category; `within` is the department the caller reached it through, if any (another department's
/// category is then not found).
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), category.id = %id))]
pub async fn rename_category(
    conn: &mut PgConnection,
    acting: &Acting,
    within: Option<DepartmentId>,
    id: CategoryId,
    typed_name: &str,
) -> OpResult<()> {
    may_manage_departments(&acting.actor)?;
    let department = department_of(conn, within, id).await?;
    let name = category_name(typed_name)?;
    let old = repo::rename_category(&mut *conn, department, id, &name)
        .await
        .map_err(|e| unique_violation(e, &[CATEGORY_TAKEN]))?
        .ok_or(OpError::NotFound)?;
    let data = json!({ "before": old, "after": name.as_str() });
    let target = format!("category:{id}");
    audit::record(conn, acting, "category.rename", &target, Some(data)).await?;
    Ok(())
}

/// Deletes a category unless a ticket uses it; `within` as for [`rename_category`].
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), category.id = %id))]
pub async fn delete_category(
    conn: &mut PgConnection,
    acting: &Acting,
    within: Option<DepartmentId>,
    id: CategoryId,
) -> OpResult<()> {
    may_manage_departments(&acting.actor)?;
    let department = department_of(conn, within, id).await?;
    let outcome = repo::delete_category(conn, department, id).await;
    let name = deleted(outcome, "error-category-in-use")?;
    let target = format!("category:{id} {name}");
    audit::record(conn, acting, "category.delete", &target, None).await?;
    Ok(())
}
