//! Departments, categories and department/category pairs in Flicket's API: read with any token, created by admins
//! and super users through the catalog's operations, refused with Flicket's 400 messages.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::Locale;
use flicket_core::domain::{CategoryId, DepartmentId};
use flicket_core::ops::OpError;
use flicket_core::ops::catalog as ops;
use flicket_core::repo::catalog::{self, CategoryOption};
use flicket_core::repo::catalog_admin;
use serde::Serialize;
use serde_json::Value;

use super::{Category, Department, DepartmentCategory};
use crate::api::{ApiError, ApiUser};
use crate::api_compat::{
    Collection, Paging, Params, ParamsExt as _, Site, bad_request, int_filter, query_page,
};
use crate::catalog::ApiChange;
use crate::extract::ApiId;
use crate::run::run;
use crate::state::AppState;

/// `GET /flicket-api/department/<id>`.
pub async fn department(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(id): ApiId<DepartmentId>,
) -> Result<Json<Department>, ApiError> {
    let d = catalog_admin::department(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(Department::new(&site, d.department_id, d.name)))
}

/// `GET /flicket-api/departments/?page=`: alphabetically.
pub async fn departments(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Department>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(query_page(&query), &query)?;
    let total = catalog_admin::count_departments(&state.pool).await?;
    let rows = catalog_admin::departments(&state.pool, at.per_page, at.offset()).await?;
    let items = rows
        .into_iter()
        .map(|d| Department::new(&site, d.department_id, d.name))
        .collect();
    Ok(Json(Collection::of(
        &site,
        Paging::Query("departments/"),
        &[],
        (at, total),
        items,
    )?))
}

/// A JSON object body; anything else has none of the fields (Flicket's `request.get_json() or {}`).
fn object(body: &[u8]) -> serde_json::Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// An operation's refusal as Flicket answered it: a 400 with Flicket's words for a taken name (`taken`) or a
/// department that does not exist, else with the operation's message; anything else as `/api/v1` answers it.
fn refused(e: OpError, taken: &str) -> ApiError {
    match e {
        OpError::Invalid(f) => match (f.field, f.message.key) {
            (_, "error-department-taken" | "error-category-taken") => bad_request(taken),
            ("department_id", _) => bad_request("not a valid department_id"),
            _ => bad_request(&Locale::En.say(&f.message)),
        },
        e => e.into(),
    }
}

/// `POST /flicket-api/departments` with `{department}`: admins and super users only.
pub async fn create_department(
    ApiChange { state, acting }: ApiChange,
    body: Bytes,
) -> Result<Response, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let data = object(&body);
    let Some(name) = data.get("department").and_then(Value::as_str) else {
        return Err(bad_request("Must include department name."));
    };
    let new = run(&state, async |c| {
        ops::create_department(c, &acting, name).await
    })
    .await
    .map_err(|e| refused(e, "Department already created."))?;
    let site = Site::load(&state).await?;
    let d = Department::new(&site, new.id, new.name.as_str().to_owned());
    Ok(created(d.links.this.clone(), d))
}

/// 201 with `Location` and the resource.
fn created<T: Serialize>(location: String, body: T) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

/// `GET /flicket-api/category/<id>`.
pub async fn category(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(id): ApiId<CategoryId>,
) -> Result<Json<Category>, ApiError> {
    one_category(&state, id, Category::new).await
}

/// `GET /flicket-api/categories/?department_id=&department=&page=`: alphabetically; `department` is the exact
/// department name.
pub async fn categories(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Category>>, ApiError> {
    let department_id = int_filter(&query, "department_id")?;
    let department = query.text("department");
    let mut all: Vec<CategoryOption> = catalog::categories(&state.pool)
        .await?
        .into_iter()
        .filter(|c| department_id.is_none_or(|d| c.department_id.0 == d))
        .filter(|c| department.as_ref().is_none_or(|d| &c.department == d))
        .collect();
    all.sort_by_key(|c| c.category.to_lowercase());
    let kept = [
        ("department_id", department_id.map(|d| d.to_string())),
        ("department", department),
    ];
    let page = (&query, "categories/", kept);
    category_page(&state, page, all, Category::new).await
}

/// `POST /flicket-api/categories` with `{category, department_id}`: admins and super users only.
pub async fn create_category(
    ApiChange { state, acting }: ApiChange,
    body: Bytes,
) -> Result<Response, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let data = object(&body);
    let (Some(name), Some(department)) = (data.get("category"), data.get("department_id")) else {
        return Err(bad_request("Must include category name and department_id"));
    };
    let Some(department) = department.as_i64().map(DepartmentId) else {
        return Err(bad_request("department_id must be an integer."));
    };
    let Some(name) = name.as_str() else {
        return Err(bad_request("Must include category name and department_id"));
    };
    let new = run(&state, async |c| {
        ops::create_category(c, &acting, department, name).await
    })
    .await
    .map_err(|e| refused(e, "Category within department already exists."))?;
    let c = catalog::category(&state.pool, new.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    let c = Category::new(&site, c);
    Ok(created(c.links.this.clone(), c))
}

/// `GET /flicket-api/department_category/<category_id>`.
pub async fn department_category(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(id): ApiId<CategoryId>,
) -> Result<Json<DepartmentCategory>, ApiError> {
    one_category(&state, id, DepartmentCategory::new).await
}

/// `GET /flicket-api/department_categories/?department_category=&department_id=&department=&page=`: by
/// "Department / Category" ignoring case, as Flicket's `ORDER BY concat(department, ' / ', category)` came out
/// under the collation of its usual databases (see the test
/// `department_categories_sort_ignoring_case_as_flickets_databases_collate`); `department_category` matches any
/// part of it, `department` the end of the department's name (both ignoring case).
pub async fn department_categories(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<DepartmentCategory>>, ApiError> {
    let part = query.text("department_category");
    let department_id = int_filter(&query, "department_id")?;
    let department = query.text("department");
    let (part_lc, department_lc) = (
        part.as_ref().map(|p| p.to_lowercase()),
        department.as_ref().map(|d| d.to_lowercase()),
    );
    let mut all: Vec<CategoryOption> = catalog::categories(&state.pool)
        .await?
        .into_iter()
        .filter(|c| {
            part_lc
                .as_ref()
                .is_none_or(|p| c.label().to_lowercase().contains(p.as_str()))
        })
        .filter(|c| department_id.is_none_or(|d| c.department_id.0 == d))
        .filter(|c| {
            department_lc
                .as_ref()
                .is_none_or(|d| c.department.to_lowercase().ends_with(d.as_str()))
        })
        .collect();
    all.sort_by_cached_key(|c| (c.label().to_lowercase(), c.category_id.0));
    let kept = [
        ("department_category", part),
        ("department_id", department_id.map(|d| d.to_string())),
        ("department", department),
    ];
    let page = (&query, "department_categories/", kept);
    category_page(&state, page, all, DepartmentCategory::new).await
}

/// One category, shown by `show`.
async fn one_category<T>(
    state: &AppState,
    id: CategoryId,
    show: fn(&Site, CategoryOption) -> T,
) -> Result<Json<T>, ApiError> {
    let c = catalog::category(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(state).await?;
    Ok(Json(show(&site, c)))
}

/// The page `?page=` of categories (all of them, filtered and in order), each shown by `show`, with links to the
/// collection at `path` keeping the filters given in `kept`.
async fn category_page<T, const N: usize>(
    state: &AppState,
    (query, path, kept): (&Params, &'static str, [(&str, Option<String>); N]),
    all: Vec<CategoryOption>,
    show: fn(&Site, CategoryOption) -> T,
) -> Result<Json<Collection<T>>, ApiError> {
    let site = Site::load(state).await?;
    let at = site.window(query_page(query), query)?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = at.slice(all).into_iter().map(|c| show(&site, c)).collect();
    let filters: Vec<(&str, String)> = kept
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    Ok(Json(Collection::of(
        &site,
        Paging::Query(path),
        &filters,
        (at, total),
        items,
    )?))
}
