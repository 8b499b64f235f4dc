//! Reference data: departments, categories, statuses and priorities (readable by every signed-in user, as the
//! UI's forms show them).

use axum::Json;
use axum::extract::{Query, State};
use flicket_core::repo::catalog::{self, CategoryOption};
use flicket_core::repo::catalog_admin::{self, DepartmentRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser, site};
use crate::state::AppState;

/// A department.
#[derive(Serialize, ToSchema)]
pub struct Department {
    id: i64,
    name: String,
    /// Number of categories.
    categories: i64,
}

/// A category of a department.
#[derive(Serialize, ToSchema)]
pub struct Category {
    id: i64,
    name: String,
    department_id: i64,
    department: String,
}

impl From<DepartmentRow> for Department {
    fn from(d: DepartmentRow) -> Self {
        Department {
            id: d.department_id.0,
            name: d.name,
            categories: d.categories,
        }
    }
}

impl From<CategoryOption> for Category {
    fn from(c: CategoryOption) -> Self {
        Category {
            id: c.category_id.0,
            name: c.category,
            department_id: c.department_id.0,
            department: c.department,
        }
    }
}

/// A status or a priority.
#[derive(Serialize, ToSchema)]
pub struct Label {
    id: i64,
    name: String,
    /// What the product does with it (`open`, `in_work`, `closed`; `low`, `medium`, `high`), whatever its name.
    kind: String,
    colour: String,
}

impl Label {
    fn new(id: i64, name: String, kind: String, colour: String) -> Self {
        Label {
            id,
            name,
            kind,
            colour,
        }
    }
}

/// `?department_id=`.
#[derive(Deserialize, IntoParams)]
pub struct CategoryFilter {
    /// Only the categories of this department.
    department_id: Option<i64>,
}

/// Departments, by name.
#[utoipa::path(get, path = "/api/v1/departments", tag = "reference", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<Department>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn departments(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Department>>, ApiError> {
    let (base, default) = site(&state).await?;
    let (page, per_page) = paging.resolve(default);
    let total = catalog_admin::count_departments(&state.pool).await?;
    let rows = catalog_admin::departments(&state.pool, per_page, (page - 1) * per_page).await?;
    let items = rows.into_iter().map(Department::from).collect();
    let url = |p: i64| format!("{base}/api/v1/departments?page={p}&per_page={per_page}");
    Ok(Json(Page::new(items, page, per_page, total, url)))
}

/// Categories, by department then name.
#[utoipa::path(get, path = "/api/v1/categories", tag = "reference", security(("bearer" = [])),
    params(CategoryFilter, PageParams),
    responses((status = 200, body = Page<Category>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(filter): Query<CategoryFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Category>>, ApiError> {
    let (base, default) = site(&state).await?;
    let (page, per_page) = paging.resolve(default);
    let all: Vec<Category> = catalog::categories(&state.pool)
        .await?
        .into_iter()
        .filter(|c| filter.department_id.is_none_or(|d| c.department_id.0 == d))
        .map(Category::from)
        .collect();
    let dept = filter
        .department_id
        .map(|d| format!("department_id={d}&"))
        .unwrap_or_default();
    let url = |p: i64| format!("{base}/api/v1/categories?{dept}page={p}&per_page={per_page}");
    Ok(Json(Page::slice(all, page, per_page, url)))
}

/// Statuses, in their order.
#[utoipa::path(get, path = "/api/v1/statuses", tag = "reference", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<Label>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn statuses(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Label>>, ApiError> {
    let all = catalog::statuses(&state.pool)
        .await?
        .into_iter()
        .map(|s| Label::new(s.status_id.0, s.name, s.kind, s.colour))
        .collect();
    label_page(&state, &paging, "statuses", all).await
}

/// Priorities, in their order.
#[utoipa::path(get, path = "/api/v1/priorities", tag = "reference", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<Label>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn priorities(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Label>>, ApiError> {
    let all = catalog::priorities(&state.pool)
        .await?
        .into_iter()
        .map(|p| Label::new(p.priority_id.0, p.name, p.kind, p.colour))
        .collect();
    label_page(&state, &paging, "priorities", all).await
}

/// One page of statuses or priorities, with links to `/api/v1/{collection}`.
async fn label_page(
    state: &AppState,
    paging: &PageParams,
    collection: &str,
    all: Vec<Label>,
) -> Result<Json<Page<Label>>, ApiError> {
    let (base, default) = site(state).await?;
    let (page, per_page) = paging.resolve(default);
    let url = |p: i64| format!("{base}/api/v1/{collection}?page={p}&per_page={per_page}");
    Ok(Json(Page::slice(all, page, per_page, url)))
}
