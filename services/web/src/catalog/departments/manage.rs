//! Creating, renaming and deleting departments: admins and super users only. Deleting is refused, with the reason,
//! while a ticket uses one of the department's categories.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::{DepartmentId, DepartmentName};
use flicket_core::repo;
use flicket_core::repo::catalog_admin::{self as catalog, Deleted};
use serde::Deserialize;

use super::{list_page, show_page};
use crate::admin::audit::record;
use crate::admin::guard::{ClientIp, StaffUser};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie};
use crate::state::AppState;

/// The name form.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub(super) name: String,
}

pub(super) fn to(state: &AppState, jar: CookieJar, path: &str, key: &str) -> Response {
    let jar = jar.add(flash_cookie(state, "success", key));
    (jar, Redirect::to(path)).into_response()
}

pub(super) async fn refuse(
    state: &AppState,
    ctx: &PageCtx,
    id: DepartmentId,
    msg: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    show_page(state, ctx, id, true, Some(msg), status).await
}

/// Creates a department.
pub async fn create_department(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let typed: String = form.name.chars().take(100).collect();
    let name = match DepartmentName::parse(&form.name) {
        Ok(n) => n,
        Err(e) => return list_page(&state, &ctx, None, true, typed, Some(ctx.t(e.key))).await,
    };
    let mut tx = state.pool.begin().await?;
    let id = match catalog::create_department(&mut *tx, &name).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            return list_page(
                &state,
                &ctx,
                None,
                true,
                typed,
                Some(ctx.t("error-department-taken")),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &mut tx,
        &staff,
        &ip,
        "department.create",
        &format!("department:{id} {}", name.as_str()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(to(
        &state,
        jar,
        &format!("/departments/{id}"),
        "departments-created",
    ))
}

/// Renames a department.
pub async fn rename_department(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let id = DepartmentId(id);
    let name = match DepartmentName::parse(&form.name) {
        Ok(n) => n,
        Err(e) => {
            return refuse(
                &state,
                &ctx,
                id,
                ctx.t(e.key),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let old = match catalog::rename_department(&mut *tx, id, &name).await {
        Ok(Some(old)) => old,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            let msg = ctx.t("error-department-taken");
            return refuse(&state, &ctx, id, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "before": old, "after": name.as_str() });
    record(
        &mut tx,
        &staff,
        &ip,
        "department.rename",
        &format!("department:{id}"),
        Some(data),
    )
    .await?;
    tx.commit().await?;
    Ok(to(
        &state,
        jar,
        &format!("/departments/{id}"),
        "departments-saved",
    ))
}

/// Deletes a department and its categories, unless a ticket uses one of them.
pub async fn delete_department(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = DepartmentId(id);
    let mut tx = state.pool.begin().await?;
    match catalog::delete_department(&mut tx, id).await {
        Ok(Deleted::Yes(name)) => {
            record(
                &mut tx,
                &staff,
                &ip,
                "department.delete",
                &format!("department:{id} {name}"),
                None,
            )
            .await?;
            tx.commit().await?;
            Ok(to(&state, jar, "/departments", "departments-deleted"))
        }
        Ok(Deleted::InUse(n)) => {
            drop(tx);
            let msg = ctx.t1("error-department-in-use", "count", &n.to_string());
            refuse(&state, &ctx, id, msg, StatusCode::CONFLICT).await
        }
        Ok(Deleted::NotFound) => Err(AppError::NotFound),
        Err(e) if repo::is_foreign_key_violation(&e) => {
            drop(tx);
            let msg = ctx.t1("error-department-in-use", "count", "1");
            refuse(&state, &ctx, id, msg, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
