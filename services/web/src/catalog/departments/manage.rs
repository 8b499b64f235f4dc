//! Creating, renaming and deleting departments: admins and super users only. Deleting is refused, with the reason,
//! while a ticket uses one of the department's categories.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::DepartmentId;
use flicket_core::ops::catalog as ops;
use serde::Deserialize;

use super::{answer, flashed, list_page};
use crate::admin::guard::{ClientIp, StaffUser};
use crate::catalog::{Notice, acting};
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::PageCtx;
use crate::run::run;
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
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let acting = acting(&user, ip);
    match run(&state, async |c| {
        ops::create_department(c, &acting, &form.name).await
    })
    .await
    {
        Ok(d) => {
            let to = format!("/departments/{}", d.id);
            Ok(flashed(&state, jar, &to, "departments-created"))
        }
        Err(e) => {
            let notice = Notice::of(&ctx, e, |_| NAME_INPUT.to_owned())?;
            let typed = form.name.chars().take(100).collect();
            list_page(&state, &ctx, None, true, typed, notice).await
        }
    }
}

/// Renames a department.
pub async fn rename_department(
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
        ops::rename_department(c, &acting, id, &form.name).await
    })
    .await;
    let to = format!("/departments/{id}");
    answer(
        (&state, &ctx, jar),
        id,
        outcome,
        NAME_INPUT,
        (&to, "departments-saved"),
    )
    .await
}

/// Deletes a department and its categories, unless a ticket uses one of them.
pub async fn delete_department(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<DepartmentId>,
) -> Result<Response, AppError> {
    let acting = acting(&user, ip);
    let outcome = run(&state, async |c| {
        ops::delete_department(c, &acting, id).await
    })
    .await;
    let done = ("/departments", "departments-deleted");
    answer((&state, &ctx, jar), id, outcome, NAME_INPUT, done).await
}
