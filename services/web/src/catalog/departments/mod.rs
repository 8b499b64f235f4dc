//! `/departments`: the departments and their categories. Every signed-in user sees them; admins and super users
//! create, rename and delete them (checked on the server: Flicket let anyone do it). `/admin/departments` shows the
//! same page inside the admin area.

mod categories;
mod manage;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flicket_core::domain::DepartmentId;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::catalog_admin::{self as catalog, CategoryRow, DepartmentRow};
use serde::Deserialize;

use crate::admin::guard::AdminUser;
use crate::admin::pager::Pager;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// The department routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/departments", get(list).post(manage::create_department))
        .route("/departments/{id}", get(show))
        .route("/departments/{id}/rename", post(manage::rename_department))
        .route("/departments/{id}/delete", post(manage::delete_department))
        .route(
            "/departments/{id}/categories",
            post(categories::create_category),
        )
        .route(
            "/departments/{id}/categories/{category}/rename",
            post(categories::rename_category),
        )
        .route(
            "/departments/{id}/categories/{category}/delete",
            post(categories::delete_category),
        )
}

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
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "departments/show.html")]
struct ShowPage<'a> {
    ctx: &'a PageCtx,
    view: DepartmentView,
    can_manage: bool,
    error: Option<String>,
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

pub(crate) async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    page: Option<i64>,
    can_manage: bool,
    name: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let per_page = i64::from(ctx.site(state).await?.page_size);
    let total = catalog::count_departments(&state.pool).await?;
    let pager = Pager::new(page, total, per_page, String::new());
    let rows = catalog::departments(&state.pool, pager.per_page, pager.offset()).await?;
    let departments = with_categories(state, rows).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        ctx,
        departments,
        pager,
        can_manage,
        name,
        error,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

pub(crate) async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    id: DepartmentId,
    can_manage: bool,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let d = catalog::department(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut views = with_categories(state, vec![d]).await?;
    let view = views.pop().ok_or(AppError::NotFound)?;
    Ok((
        status,
        render(
            ctx,
            state,
            &ShowPage {
                ctx,
                view,
                can_manage,
                error,
            },
        ),
    )
        .into_response())
}

/// The departments with their categories.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let can_manage = rules::can_manage_departments(&Actor::from(&user));
    list_page(&state, &ctx, q.page, can_manage, String::new(), None).await
}

/// The same list in the admin area.
pub async fn admin_list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &ctx, q.page, true, String::new(), None).await
}

/// One department and its categories.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let can_manage = rules::can_manage_departments(&Actor::from(&user));
    show_page(
        &state,
        &ctx,
        DepartmentId(id),
        can_manage,
        None,
        StatusCode::OK,
    )
    .await
}
