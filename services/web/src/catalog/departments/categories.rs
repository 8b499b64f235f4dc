//! Adding, renaming and deleting the categories of a department: admins and super users only. Deleting is
//! refused, with the reason, while a ticket uses the category.

use axum::Form;
use axum::response::Response;
use flicket_core::domain::{CategoryId, DepartmentId};
use flicket_core::ops::OpError;
use flicket_core::ops::catalog as ops;

use super::answer;
use super::manage::NameForm;
use crate::admin::guard::StaffUser;
use crate::catalog::PageChange;
use crate::error::AppError;
use crate::extract::{Id, Ids};

/// Adds a category to a department.
pub async fn create_category(
    change: PageChange<StaffUser>,
    Id(id): Id<DepartmentId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::create_category(c, a, id, &form.name).await)
        .await;
    // The page of a department that does not exist.
    if let Err(OpError::Invalid(f)) = &outcome
        && f.field == "department_id"
    {
        return Err(AppError::NotFound);
    }
    let to = format!("/departments/{id}");
    answer(
        change,
        id,
        outcome,
        "category-new",
        (&to, "departments-saved"),
    )
    .await
}

/// Renames a category.
pub async fn rename_category(
    change: PageChange<StaffUser>,
    Ids(id, cid): Ids<DepartmentId, CategoryId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::rename_category(c, a, Some(id), cid, &form.name).await)
        .await;
    let (to, input) = (format!("/departments/{id}"), format!("category-{cid}"));
    answer(change, id, outcome, &input, (&to, "departments-saved")).await
}

/// Deletes a category unless a ticket uses it.
pub async fn delete_category(
    change: PageChange<StaffUser>,
    Ids(id, cid): Ids<DepartmentId, CategoryId>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::delete_category(c, a, Some(id), cid).await)
        .await;
    let to = format!("/departments/{id}");
    answer(
        change,
        id,
        outcome,
        "",
        (&to, "departments-deleted-category"),
    )
    .await
}
