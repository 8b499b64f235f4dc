//! Writes on departments and categories, as on the `/departments` pages: admins and super users create, rename and
//! delete them; a name must be unique (within its department, for a category); deleting is refused (409) while a
//! ticket uses it. Each change has its audit entry in the same transaction.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{CategoryId, DepartmentId};
use flicket_core::ops::catalog as ops;
use flicket_core::repo::catalog;
use flicket_core::repo::catalog_admin;
use serde::Deserialize;
use utoipa::ToSchema;

use super::reference::{Category, Department};
use crate::api::ApiError;
use crate::api::error::ApiErrorBody;
use crate::catalog::ApiChange;
use crate::extract::ApiId;
use crate::run::run;
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

/// The body, or the API's answer to a malformed one.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|r| ApiError::from_json(&r))
}

async fn department(state: &AppState, id: DepartmentId) -> Result<Department, ApiError> {
    let d = catalog_admin::department(&state.pool, id).await?;
    Ok(d.ok_or_else(ApiError::not_found)?.into())
}

async fn category(state: &AppState, id: CategoryId) -> Result<Category, ApiError> {
    let c = catalog::category(&state.pool, id).await?;
    Ok(c.ok_or_else(ApiError::not_found)?.into())
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
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn create_department(
    ApiChange { state, acting }: ApiChange,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let b = body(b)?;
    let d = run(&state, async |c| {
        ops::create_department(c, &acting, &b.name).await
    })
    .await?;
    let location = format!("/api/v1/departments/{}", d.id);
    Ok(created(location, department(&state, d.id).await?))
}

/// Renames a department (admins and super users).
#[utoipa::path(patch, path = "/api/v1/departments/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")), request_body = NameBody,
    responses((status = 200, body = Department), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn rename_department(
    ApiChange { state, acting }: ApiChange,
    ApiId(id): ApiId<DepartmentId>,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Json<Department>, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let b = body(b)?;
    run(&state, async |c| {
        ops::rename_department(c, &acting, id, &b.name).await
    })
    .await?;
    Ok(Json(department(&state, id).await?))
}

/// Deletes a department and its categories (admins and super users); 409 while a ticket uses one of them.
#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn delete_department(
    ApiChange { state, acting }: ApiChange,
    ApiId(id): ApiId<DepartmentId>,
) -> Result<StatusCode, ApiError> {
    run(&state, async |c| {
        ops::delete_department(c, &acting, id).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a category to a department (admins and super users).
#[utoipa::path(post, path = "/api/v1/categories", tag = "reference", security(("bearer" = [])),
    request_body = NewCategory,
    responses((status = 201, body = Category), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn create_category(
    ApiChange { state, acting }: ApiChange,
    b: Result<Json<NewCategory>, JsonRejection>,
) -> Result<Response, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let b = body(b)?;
    let department = DepartmentId(b.department_id);
    let new = run(&state, async |c| {
        ops::create_category(c, &acting, department, &b.name).await
    })
    .await?;
    let location = format!("/api/v1/categories/{}", new.id);
    Ok(created(location, category(&state, new.id).await?))
}

/// Renames a category (admins and super users).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")), request_body = NameBody,
    responses((status = 200, body = Category), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn rename_category(
    ApiChange { state, acting }: ApiChange,
    ApiId(id): ApiId<CategoryId>,
    b: Result<Json<NameBody>, JsonRejection>,
) -> Result<Json<Category>, ApiError> {
    ops::may_manage_departments(&acting.actor)?;
    let b = body(b)?;
    run(&state, async |c| {
        ops::rename_category(c, &acting, None, id, &b.name).await
    })
    .await?;
    Ok(Json(category(&state, id).await?))
}

/// Deletes a category (admins and super users); 409 while a ticket uses it.
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "reference", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn delete_category(
    ApiChange { state, acting }: ApiChange,
    ApiId(id): ApiId<CategoryId>,
) -> Result<StatusCode, ApiError> {
    run(&state, async |c| {
        ops::delete_category(c, &acting, None, id).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
