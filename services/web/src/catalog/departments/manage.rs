//! Creating, renaming and deleting departments: admins and super users only. Deleting is refused, with the reason,
//! while a ticket uses one of the department's categories.

use axum::Form;
use axum::response::Response;
use flicket_core::domain::DepartmentId;
use flicket_core::ops::catalog as ops;
use serde::Deserialize;

use super::{answer, list_page};
use crate::admin::guard::StaffUser;
use crate::catalog::PageChange;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::PageCtx;
use crate::state::AppState;

/// The name form.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub(super) name: String,
}

/// The input of a department's name, on the list and on its page.
const NAME_INPUT: &str = "department-name";

/// Creates a department.
pub async fn create_department(
    change: PageChange<StaffUser>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::create_department(c, a, &form.name).await)
        .await;
    let to = outcome
        .as_ref()
        .map_or(String::new(), |d| format!("/departments/{}", d.id));
    let typed: String = form.name.chars().take(100).collect();
    let again = async |state: &AppState, ctx: &PageCtx, notice| {
        list_page(state, ctx, None, true, typed, notice).await
    };
    let input = |_: &str| NAME_INPUT.to_owned();
    change
        .answer(outcome, (&to, "departments-created"), input, again)
        .await
}

/// Renames a department.
pub async fn rename_department(
    change: PageChange<StaffUser>,
    Id(id): Id<DepartmentId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::rename_department(c, a, id, &form.name).await)
        .await;
    let to = format!("/departments/{id}");
    answer(change, id, outcome, NAME_INPUT, (&to, "departments-saved")).await
}

/// Deletes a department and its categories, unless a ticket uses one of them.
pub async fn delete_department(
    change: PageChange<StaffUser>,
    Id(id): Id<DepartmentId>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::delete_department(c, a, id).await)
        .await;
    let done = ("/departments", "departments-deleted");
    answer(change, id, outcome, NAME_INPUT, done).await
}
