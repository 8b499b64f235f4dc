//! Writes on departments and categories, as on the `/departments` pages: admins and super users create, rename and
//! delete them; a name must be unique (within its department, for a category); deleting is refused (409) while a
//! ticket uses it. Each change has its audit entry in the same transaction.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{CategoryId, CategoryName, DepartmentId, DepartmentName};
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo;
use flicket_core::repo::catalog;
use flicket_core::repo::catalog_admin::{self, Deleted};
use flicket_core::repo::sessions::SessionUser;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::input::body;
use super::reference::{Category, Department};
use super::{ApiError, ApiUser, parse_id};
use crate::admin::audit::record;
use crate::admin::guard::ClientIp;
use crate::state::AppState;

/// A name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    /// 1 to 64 characters.
    name: String,
}

/// A new category.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    department_id: i64,
    /// 1 to 64 characters, unique within the department.
    name: String,
}

/// The caller, if an admin or a super user; 403 otherwise.
fn staff(user: &SessionUser) -> Result<(), ApiError> {
    if rules::can_manage_departments(&Actor::from(user)) {
        Ok(())
    } else {
        tracing::warn!(user.id = user.user_id.0, "API department change refused");
        Err(ApiError::forbidden())
    }
}

async fn department(state: &AppState, id: DepartmentId) -> Result<Department, ApiError> {
    let d = catalog_admin::department(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Department {
        id: d.department_id.0,
        name: d.name,
        categories: d.categories,
    })
}

async fn category(state: &AppState, id: CategoryId) -> Result<Category, ApiError> {
    let c = catalog::category(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Category {
        id: c.category_id.0,
        name: c.category,
        department_id: c.department_id.0,
        department: c.department,
    })
}

fn in_use(key: &str, n: i64) -> ApiError {
    ApiError::with_arg(StatusCode::CONFLICT, key, "count", &n.to_string())
}

fn created<T: serde::Serialize>(location: String, v: T) -> Response {
    (StatusCode::CREATED, [(header::LOCATION, location)], Json(v)).into_response()
}

/// Creates a department (admins and super users).
#[utoipa::path(post, path = "/api/v1/departments", tag = "reference", security(("bearer" = [])),
    request_body = NameBody,
    responses((status = 201, body = Department), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn create_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff(&user)?;
    let b = body(b)?;
    let name = DepartmentName::parse(&b.name).map_err(|e| ApiError::field("name", e.key))?;
    let mut tx = state.pool.begin().await?;
    let id = match catalog_admin::create_department(&mut *tx, &name).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(ApiError::field("name", "error-department-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    let target = format!("department:{id} {}", name.as_str());
    record(&mut tx, &user, &ip, "department.create", &target, None).await?;
    tx.commit().await?;
    Ok(created(
        format!("/api/v1/departments/{id}"),
        department(&state, id).await?,
    ))
}

/// Renames a department (admins and super users).
#[utoipa::path(patch, path = "/api/v1/departments/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")), request_body = NameBody,
    responses((status = 200, body = Department), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn rename_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    Path(id): Path<String>,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Json<Department>, ApiError> {
    staff(&user)?;
    let id: DepartmentId = parse_id(&id)?;
    let b = body(b)?;
    let name = DepartmentName::parse(&b.name).map_err(|e| ApiError::field("name", e.key))?;
    let mut tx = state.pool.begin().await?;
    let old = match catalog_admin::rename_department(&mut *tx, id, &name).await {
        Ok(Some(old)) => old,
        Ok(None) => return Err(ApiError::not_found()),
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(ApiError::field("name", "error-department-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "before": old, "after": name.as_str() });
    let target = format!("department:{id}");
    record(
        &mut tx,
        &user,
        &ip,
        "department.rename",
        &target,
        Some(data),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(department(&state, id).await?))
}

/// Deletes a department and its categories (admins and super users); 409 while a ticket uses one of them.
#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn delete_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    staff(&user)?;
    let id: DepartmentId = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    match catalog_admin::delete_department(&mut tx, id).await {
        Ok(Deleted::Yes(name)) => {
            let target = format!("department:{id} {name}");
            record(&mut tx, &user, &ip, "department.delete", &target, None).await?;
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Ok(Deleted::InUse(n)) => Err(in_use("error-department-in-use", n)),
        Ok(Deleted::NotFound) => Err(ApiError::not_found()),
        Err(e) if repo::is_foreign_key_violation(&e) => Err(in_use("error-department-in-use", 1)),
        Err(e) => Err(e.into()),
    }
}

/// Adds a category to a department (admins and super users).
#[utoipa::path(post, path = "/api/v1/categories", tag = "reference", security(("bearer" = [])),
    request_body = NewCategory,
    responses((status = 201, body = Category), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn create_category(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    b: Result<Json<NewCategory>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff(&user)?;
    let b = body(b)?;
    let dept = DepartmentId(b.department_id);
    let unknown = || ApiError::field("department_id", "ticket-error-category");
    catalog_admin::department(&state.pool, dept)
        .await?
        .ok_or_else(unknown)?;
    let name = CategoryName::parse(&b.name).map_err(|e| ApiError::field("name", e.key))?;
    let mut tx = state.pool.begin().await?;
    let id = match catalog_admin::create_category(&mut *tx, dept, &name).await {
        Ok(c) => c,
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(ApiError::field("name", "error-category-taken"));
        }
        Err(e) if repo::is_foreign_key_violation(&e) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    let target = format!("category:{id} {} department:{dept}", name.as_str());
    record(&mut tx, &user, &ip, "category.create", &target, None).await?;
    tx.commit().await?;
    Ok(created(
        format!("/api/v1/categories/{id}"),
        category(&state, id).await?,
    ))
}

/// Renames a category (admins and super users).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")), request_body = NameBody,
    responses((status = 200, body = Category), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn rename_category(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    Path(id): Path<String>,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Json<Category>, ApiError> {
    staff(&user)?;
    let id: CategoryId = parse_id(&id)?;
    let b = body(b)?;
    let current = category(&state, id).await?;
    let name = CategoryName::parse(&b.name).map_err(|e| ApiError::field("name", e.key))?;
    let dept = DepartmentId(current.department_id);
    let mut tx = state.pool.begin().await?;
    let old = match catalog_admin::rename_category(&mut *tx, dept, id, &name).await {
        Ok(Some(old)) => old,
        Ok(None) => return Err(ApiError::not_found()),
        Err(e) if repo::is_unique_violation(&e) => {
            return Err(ApiError::field("name", "error-category-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "before": old, "after": name.as_str() });
    let target = format!("category:{id}");
    record(&mut tx, &user, &ip, "category.rename", &target, Some(data)).await?;
    tx.commit().await?;
    Ok(Json(category(&state, id).await?))
}

/// Deletes a category (admins and super users); 409 while a ticket uses it.
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn delete_category(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    staff(&user)?;
    let id: CategoryId = parse_id(&id)?;
    let dept = DepartmentId(category(&state, id).await?.department_id);
    let mut tx = state.pool.begin().await?;
    match catalog_admin::delete_category(&mut tx, dept, id).await {
        Ok(Deleted::Yes(name)) => {
            let target = format!("category:{id} {name}");
            record(&mut tx, &user, &ip, "category.delete", &target, None).await?;
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Ok(Deleted::InUse(n)) => Err(in_use("error-category-in-use", n)),
        Ok(Deleted::NotFound) => Err(ApiError::not_found()),
        Err(e) if repo::is_foreign_key_violation(&e) => Err(in_use("error-category-in-use", 1)),
        Err(e) => Err(e.into()),
    }
}
