//! Reference data: departments, categories, department/category pairs, statuses and priorities, readable with any
//! token; departments and categories are created only by admins and super users, as on the admin pages.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::Locale;
use flicket_core::domain::{
    CategoryId, CategoryName, DepartmentId, DepartmentName, PriorityId, StatusId,
};
use flicket_core::permissions::admin::can_manage_departments;
use flicket_core::repo::catalog::{self, CategoryOption};
use flicket_core::repo::{self, catalog_admin};
use serde::Serialize;
use serde_json::Value;

use super::{
    Collection, Paging, Params, ParamsExt as _, Site, actor, bad_request, int_filter, offset,
    path_id, path_page, query_page, slice,
};
use crate::admin::audit::record;
use crate::admin::guard::ClientIp;
use crate::api::{ApiError, ApiUser};
use crate::state::AppState;

/// `{self, <collection>}`.
#[derive(Serialize)]
struct SelfLinks {
    #[serde(rename = "self")]
    this: String,
    #[serde(flatten)]
    collection: std::collections::BTreeMap<&'static str, String>,
}

impl SelfLinks {
    fn new(site: &Site, this: String, collections: &[(&'static str, String)]) -> Self {
        SelfLinks {
            this: site.url(&this),
            collection: collections
                .iter()
                .map(|(k, path)| (*k, site.url(path)))
                .collect(),
        }
    }
}

/// A department.
#[derive(Serialize)]
pub struct Department {
    id: i64,
    department: String,
    links: SelfLinks,
}

impl Department {
    fn new(site: &Site, id: DepartmentId, name: String) -> Self {
        Department {
            id: id.0,
            department: name,
            links: SelfLinks::new(
                site,
                format!("department/{id}"),
                &[("departments", "departments/".into())],
            ),
        }
    }
}

/// A category with its department's name.
#[derive(Serialize)]
pub struct Category {
    id: i64,
    category: String,
    department: String,
    links: SelfLinks,
}

impl Category {
    fn new(site: &Site, c: CategoryOption) -> Self {
        Category {
            id: c.category_id.0,
            category: c.category,
            department: c.department,
            links: SelfLinks::new(
                site,
                format!("category/{}", c.category_id),
                &[
                    ("categories", "categories/".into()),
                    ("department", format!("department/{}", c.department_id)),
                ],
            ),
        }
    }
}

/// A category and its department side by side (`"Design / ECN"`).
#[derive(Serialize)]
pub struct DepartmentCategory {
    department_category: String,
    category_id: i64,
    category: String,
    department_id: i64,
    department: String,
    links: SelfLinks,
}

impl DepartmentCategory {
    fn new(site: &Site, c: CategoryOption) -> Self {
        DepartmentCategory {
            department_category: c.label(),
            category_id: c.category_id.0,
            department_id: c.department_id.0,
            links: SelfLinks::new(
                site,
                format!("department_category/{}", c.category_id),
                &[
                    ("department_categories", "department_categories/".into()),
                    ("department", format!("department/{}", c.department_id)),
                    ("category", format!("category/{}", c.category_id)),
                ],
            ),
            category: c.category,
            department: c.department,
        }
    }
}

/// A status.
#[derive(Serialize)]
pub struct Status {
    id: i64,
    status: String,
    links: SelfLinks,
}

impl Status {
    fn new(site: &Site, s: catalog::Status) -> Self {
        Status {
            id: s.status_id.0,
            status: s.name,
            links: SelfLinks::new(
                site,
                format!("status/{}", s.status_id),
                &[("statuses", "statuses/".into())],
            ),
        }
    }
}

/// A priority.
#[derive(Serialize)]
pub struct Priority {
    id: i64,
    priority: String,
    links: SelfLinks,
}

impl Priority {
    fn new(site: &Site, p: catalog::Priority) -> Self {
        Priority {
            id: p.priority_id.0,
            priority: p.name,
            links: SelfLinks::new(
                site,
                format!("priority/{}", p.priority_id),
                &[("priorities", "priorities/".into())],
            ),
        }
    }
}

/// `GET /flicket-api/department/<id>`.
pub async fn department(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Department>, ApiError> {
    let d = catalog_admin::department(&state.pool, DepartmentId(path_id(&id)?))
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
    let (page, per_page) = (query_page(&query), site.per_page(&query));
    let total = catalog_admin::count_departments(&state.pool).await?;
    let rows = catalog_admin::departments(&state.pool, per_page, offset(page, per_page)).await?;
    let items = rows
        .into_iter()
        .map(|d| Department::new(&site, d.department_id, d.name))
        .collect();
    Ok(Json(Collection::new(
        &site,
        Paging::Query("departments/"),
        &[],
        (page, per_page, total),
        items,
    )))
}

/// A JSON object body; anything else has none of the fields (Flicket's `request.get_json() or {}`).
fn object(body: &[u8]) -> serde_json::Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// A 400 with a domain error's text.
fn invalid(key: &str) -> ApiError {
    bad_request(&Locale::En.t(key))
}

/// `POST /flicket-api/departments` with `{department}`: admins and super users only.
pub async fn create_department(
    State(state): State<AppState>,
    user: ApiUser,
    ip: ClientIp,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !can_manage_departments(&actor(&user)) {
        return Err(ApiError::forbidden());
    }
    let data = object(&body);
    let Some(name) = data.get("department").and_then(Value::as_str) else {
        return Err(bad_request("Must include department name."));
    };
    let name = DepartmentName::parse(name).map_err(|e| invalid(e.key))?;
    let mut tx = state.pool.begin().await?;
    let id = match catalog_admin::create_department(&mut *tx, &name).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(bad_request("Department already created."));
        }
        Err(e) => return Err(e.into()),
    };
    let target = format!("department:{id} {}", name.as_str());
    record(&mut tx, &user, &ip, "department.create", &target, None).await?;
    tx.commit().await?;
    let site = Site::load(&state).await?;
    let d = Department::new(&site, id, name.as_str().to_owned());
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
    Path(id): Path<String>,
) -> Result<Json<Category>, ApiError> {
    let c = catalog::category(&state.pool, CategoryId(path_id(&id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(Category::new(&site, c)))
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
    let site = Site::load(&state).await?;
    let (page, per_page) = (query_page(&query), site.per_page(&query));
    let (rows, counts) = slice(all, page, per_page);
    let items = rows.into_iter().map(|c| Category::new(&site, c)).collect();
    let mut filters = vec![];
    if let Some(d) = department_id {
        filters.push(("department_id", d.to_string()));
    }
    if let Some(d) = department {
        filters.push(("department", d));
    }
    Ok(Json(Collection::new(
        &site,
        Paging::Query("categories/"),
        &filters,
        counts,
        items,
    )))
}

/// `POST /flicket-api/categories` with `{category, department_id}`: admins and super users only.
pub async fn create_category(
    State(state): State<AppState>,
    user: ApiUser,
    ip: ClientIp,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !can_manage_departments(&actor(&user)) {
        return Err(ApiError::forbidden());
    }
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
    let name = CategoryName::parse(name).map_err(|e| invalid(e.key))?;
    let mut tx = state.pool.begin().await?;
    let id = match catalog_admin::create_category(&mut *tx, department, &name).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(bad_request("Category within department already exists."));
        }
        Err(e) if repo::is_foreign_key_violation(&e) => {
            return Err(bad_request("not a valid department_id"));
        }
        Err(e) => return Err(e.into()),
    };
    let target = format!("category:{id} {} department:{department}", name.as_str());
    record(&mut tx, &user, &ip, "category.create", &target, None).await?;
    tx.commit().await?;
    let c = catalog::category(&state.pool, id)
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
    Path(id): Path<String>,
) -> Result<Json<DepartmentCategory>, ApiError> {
    let c = catalog::category(&state.pool, CategoryId(path_id(&id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(DepartmentCategory::new(&site, c)))
}

/// `GET /flicket-api/department_categories/?department_category=&department_id=&department=&page=`: by
/// "Department / Category"; `department_category` matches any part of it, `department` the end of the department's
/// name (both ignoring case).
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
    all.sort_by_key(CategoryOption::label);
    let site = Site::load(&state).await?;
    let (page, per_page) = (query_page(&query), site.per_page(&query));
    let (rows, counts) = slice(all, page, per_page);
    let items = rows
        .into_iter()
        .map(|c| DepartmentCategory::new(&site, c))
        .collect();
    let mut filters = vec![];
    if let Some(p) = part {
        filters.push(("department_category", p));
    }
    if let Some(d) = department_id {
        filters.push(("department_id", d.to_string()));
    }
    if let Some(d) = department {
        filters.push(("department", d));
    }
    Ok(Json(Collection::new(
        &site,
        Paging::Query("department_categories/"),
        &filters,
        counts,
        items,
    )))
}

/// `GET /flicket-api/status/<id>`.
pub async fn status(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Status>, ApiError> {
    let s = catalog::status(&state.pool, StatusId(path_id(&id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(Status::new(&site, s)))
}

/// `GET /flicket-api/statuses/?page=`: in their order. (Flicket's links pointed at the departments; these point
/// at the statuses.)
pub async fn statuses(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Status>>, ApiError> {
    let site = Site::load(&state).await?;
    let (page, per_page) = (query_page(&query), site.per_page(&query));
    let (rows, counts) = slice(catalog::statuses(&state.pool).await?, page, per_page);
    let items = rows.into_iter().map(|s| Status::new(&site, s)).collect();
    Ok(Json(Collection::new(
        &site,
        Paging::Query("statuses/"),
        &[],
        counts,
        items,
    )))
}

/// `GET /flicket-api/priority/<id>`.
pub async fn priority(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Priority>, ApiError> {
    let p = catalog::priority(&state.pool, PriorityId(path_id(&id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(Priority::new(&site, p)))
}

/// `GET /flicket-api/priorities/`.
pub async fn priorities(
    state: State<AppState>,
    user: ApiUser,
    query: Query<Params>,
) -> Result<Json<Collection<Priority>>, ApiError> {
    priorities_at(state, user, 1, query).await
}

/// `GET /flicket-api/priorities/<page>/`.
pub async fn priorities_page(
    state: State<AppState>,
    user: ApiUser,
    Path(page): Path<String>,
    query: Query<Params>,
) -> Result<Json<Collection<Priority>>, ApiError> {
    priorities_at(state, user, path_page(&page)?, query).await
}

/// Priorities in their order.
async fn priorities_at(
    State(state): State<AppState>,
    _user: ApiUser,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Priority>>, ApiError> {
    let site = Site::load(&state).await?;
    let per_page = site.per_page(&query);
    let (rows, counts) = slice(catalog::priorities(&state.pool).await?, page, per_page);
    let items = rows.into_iter().map(|p| Priority::new(&site, p)).collect();
    Ok(Json(Collection::new(
        &site,
        Paging::Path("priorities/"),
        &[],
        counts,
        items,
    )))
}
