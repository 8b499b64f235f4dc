//! Adding, renaming and deleting the categories of a department: admins and super users only. Deleting is
//! refused, with the reason, while a ticket uses the category.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{CategoryId, DepartmentId};
use flicket_core::ops::OpError;
use flicket_core::ops::catalog as ops;

use super::answer;
use super::manage::NameForm;
use crate::admin::guard::{ClientIp, StaffUser};
use crate::catalog::acting;
use crate::error::AppError;
use crate::extract::{Id, Ids};
use crate::pages::PageCtx;
use crate::run::run;
use crate::state::AppState;

/// Adds a category to a department.
pub async fn create_category(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<DepartmentId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let acting = acting(&user, ip);
    let outcome = run(&state, async |c| {
        ops::create_category(c, &acting, id, &form.name).await
    })
    .await;
    // The page of a department that does not exist.
    if let Err(OpError::Invalid(f)) = &outcome
        && f.field == "department_id"
    {
        return Err(AppError::NotFound);
    }
    let to = format!("/departments/{id}");
    answer(
        (&state, &ctx, jar),
        id,
        outcome,
        "category-new",
        (&to, "departments-saved"),
    )
    .await
}

/// Renames a category.
pub async fn rename_category(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Ids(id, cid): Ids<DepartmentId, CategoryId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let acting = acting(&user, ip);
    let outcome = run(&state, async |c| {
        ops::rename_category(c, &acting, Some(id), cid, &form.name).await
    })
    .await;
    let (to, input) = (format!("/departments/{id}"), format!("category-{cid}"));
    answer(
        (&state, &ctx, jar),
        id,
        outcome,
        &input,
        (&to, "departments-saved"),
    )
    .await
}

/// Deletes a category unless a ticket uses it.
pub async fn delete_category(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Ids(id, cid): Ids<DepartmentId, CategoryId>,
) -> Result<Response, AppError> {
    let acting = acting(&user, ip);
    let outcome = run(&state, async |c| {
        ops::delete_category(c, &acting, Some(id), cid).await
    })
    .await;
    let (to, input) = (format!("/departments/{id}"), format!("category-{cid}"));
    let done = (to.as_str(), "departments-deleted-category");
    answer((&state, &ctx, jar), id, outcome, &input, done).await
}
