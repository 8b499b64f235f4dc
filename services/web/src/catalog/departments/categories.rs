//! Adding, renaming and deleting the categories of a department: admins and super users only. Deleting is
//! refused, with the reason, while a ticket uses the category.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{CategoryId, CategoryName, DepartmentId};
use flicket_core::repo;
use flicket_core::repo::catalog_admin::{self as catalog, Deleted};

use super::manage::{NameForm, refuse, to};
use crate::admin::audit::record;
use crate::admin::guard::{ClientIp, StaffUser};
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;

/// Adds a category to a department.
pub async fn create_category(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let id = DepartmentId(id);
    catalog::department(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = match CategoryName::parse(&form.name) {
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
    let cid = match catalog::create_category(&mut *tx, id, &name).await {
        Ok(c) => c,
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            let msg = ctx.t("error-category-taken");
            return refuse(&state, &ctx, id, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) if repo::is_foreign_key_violation(&e) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let target = format!("category:{cid} {} department:{id}", name.as_str());
    record(&mut tx, &staff, &ip, "category.create", &target, None).await?;
    tx.commit().await?;
    Ok(to(
        &state,
        jar,
        &format!("/departments/{id}"),
        "departments-saved",
    ))
}

/// Renames a category.
pub async fn rename_category(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path((id, cid)): Path<(i64, i64)>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let (id, cid) = (DepartmentId(id), CategoryId(cid));
    let name = match CategoryName::parse(&form.name) {
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
    let old = match catalog::rename_category(&mut *tx, id, cid, &name).await {
        Ok(Some(old)) => old,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            let msg = ctx.t("error-category-taken");
            return refuse(&state, &ctx, id, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "before": old, "after": name.as_str() });
    record(
        &mut tx,
        &staff,
        &ip,
        "category.rename",
        &format!("category:{cid}"),
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

/// Deletes a category unless a ticket uses it.
pub async fn delete_category(
    State(state): State<AppState>,
    staff: StaffUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path((id, cid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (id, cid) = (DepartmentId(id), CategoryId(cid));
    let mut tx = state.pool.begin().await?;
    match catalog::delete_category(&mut tx, id, cid).await {
        Ok(Deleted::Yes(name)) => {
            record(
                &mut tx,
                &staff,
                &ip,
                "category.delete",
                &format!("category:{cid} {name}"),
                None,
            )
            .await?;
            tx.commit().await?;
            Ok(to(
                &state,
                jar,
                &format!("/departments/{id}"),
                "departments-deleted-category",
            ))
        }
        Ok(Deleted::InUse(n)) => {
            drop(tx);
            let msg = ctx.t1("error-category-in-use", "count", &n.to_string());
            refuse(&state, &ctx, id, msg, StatusCode::CONFLICT).await
        }
        Ok(Deleted::NotFound) => Err(AppError::NotFound),
        Err(e) if repo::is_foreign_key_violation(&e) => {
            drop(tx);
            let msg = ctx.t1("error-category-in-use", "count", "1");
            refuse(&state, &ctx, id, msg, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
