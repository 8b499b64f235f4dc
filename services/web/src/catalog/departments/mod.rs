//! `/departments`: the departments and their categories. Every signed-in user sees them; admins and super users
//! create, rename and delete them (checked on the server: Flicket let anyone do it). `/admin/departments` shows the
//! same page inside the admin area.

pub mod categories;
pub mod manage;

use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use flicket_core::domain::DepartmentId;
use flicket_core::ops::OpResult;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::catalog_admin::{self as catalog, CategoryRow, DepartmentRow};
use serde::Deserialize;

use super::{Notice, PageChange};
use crate::admin::guard::{AdminUser, StaffUser};
use crate::admin::pager::Pager;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// A department with its categories.
pub struct DepartmentView {
    /// The department.
    pub d: DepartmentRow,
    /// Its categories.
    pub categories: Vec<CategoryRow>,
}

#[derive(Template)]
#[template(path = "departments/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    departments: Vec<DepartmentView>,
    pager: Pager,
    can_manage: bool,
    name: String,
    notice: Notice,
}

#[derive(Template)]
#[template(path = "departments/show.html")]
struct ShowPage<'a> {
    ctx: &'a PageCtx,
    view: DepartmentView,
    can_manage: bool,
    notice: Notice,
}

/// Query of the list.
#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

async fn with_categories(
    state: &AppState,
    rows: Vec<DepartmentRow>,
) -> Result<Vec<DepartmentView>, AppError> {
    let ids: Vec<DepartmentId> = rows.iter().map(|d| d.department_id).collect();
    let mut categories = catalog::categories_of(&state.pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let (mine, rest) = categories
                .drain(..)
                .partition(|c: &CategoryRow| c.department_id == d.department_id);
            categories = rest;
            DepartmentView {
                d,
                categories: mine,
            }
        })
        .collect())
}

/// The list; `name` is what was typed in the new department's form.
async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    page: Option<i64>,
    can_manage: bool,
    name: String,
    notice: Notice,
) -> Result<Response, AppError> {
    let per_page = i64::from(ctx.site(state).await?.page_size);
    let total = catalog::count_departments(&state.pool).await?;
    let pager = Pager::new(page, total, per_page, String::new());
    let rows = catalog::departments(&state.pool, pager.per_page, pager.offset()).await?;
    let departments = with_categories(state, rows).await?;
    let status = notice.status;
    let page = ListPage {
        ctx,
        departments,
        pager,
        can_manage,
        name,
        notice,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    id: DepartmentId,
    can_manage: bool,
    notice: Notice,
) -> Result<Response, AppError> {
    let d = catalog::department(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut views = with_categories(state, vec![d]).await?;
    let view = views.pop().ok_or(AppError::NotFound)?;
    let status = notice.status;
    let page = ShowPage {
        ctx,
        view,
        can_manage,
        notice,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

/// After a change made from a department's page: on to `to` with `done` flashed, or the department's page again
/// with what was refused (a field's message under the input `input`).
async fn answer<T>(
    change: PageChange<StaffUser>,
    id: DepartmentId,
    outcome: OpResult<T>,
    input: &str,
    done: (&str, &str),
) -> Result<Response, AppError> {
    let again = async |state: &AppState, ctx: &PageCtx, notice| {
        show_page(state, ctx, id, true, notice).await
    };
    change
        .answer(outcome, done, |_| input.to_owned(), again)
        .await
}

/// Whether the signed-in viewer may manage the departments (the forms are shown only to them); a visitor who is
/// not signed in is sent to the sign-in page.
pub struct Viewer {
    can_manage: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        let can_manage = rules::can_manage_departments(&Actor::from(&user));
        Ok(Self { can_manage })
    }
}

/// The departments with their categories.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (page, manage) = (q.page, viewer.can_manage);
    list_page(&state, &ctx, page, manage, String::new(), Notice::none()).await
}

/// The same list in the admin area.
pub async fn admin_list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &ctx, q.page, true, String::new(), Notice::none()).await
}

/// One department and its categories.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    ctx: PageCtx,
    Id(id): Id<DepartmentId>,
) -> Result<Response, AppError> {
    show_page(&state, &ctx, id, viewer.can_manage, Notice::none()).await
}
