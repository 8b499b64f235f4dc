//! `/admin/statuses`: names, colours and order of statuses and priorities, and custom ones. What the product does
//! with a status or priority depends on its `kind`, never on its name, so these edits are safe.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::{Colour, LabelName};
use flicket_core::repo;
use flicket_core::repo::catalog_admin::{self as catalog, LabelDeleted, LabelRow, LabelTable};
use serde::Deserialize;

use super::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/statuses.html")]
struct LabelsPage<'a> {
    ctx: &'a PageCtx,
    sections: Vec<Section>,
    error: Option<String>,
}

/// One of the two tables on the page.
pub struct Section {
    /// `statuses` or `priorities` (the URL segment).
    pub which: &'static str,
    /// Translated heading.
    pub heading: String,
    /// Its rows.
    pub rows: Vec<LabelRow>,
}

/// The name and colour form.
#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
}

/// The move form.
#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

fn table(name: &str) -> Result<(LabelTable, &'static str), AppError> {
    match name {
        "statuses" => Ok((LabelTable::Statuses, "status")),
        "priorities" => Ok((LabelTable::Priorities, "priority")),
        _ => Err(AppError::NotFound),
    }
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let sections = vec![
        Section {
            which: "statuses",
            heading: ctx.t("admin-statuses-heading"),
            rows: catalog::labels(&state.pool, LabelTable::Statuses).await?,
        },
        Section {
            which: "priorities",
            heading: ctx.t("admin-priorities-heading"),
            rows: catalog::labels(&state.pool, LabelTable::Priorities).await?,
        },
    ];
    Ok((
        status,
        render(
            ctx,
            state,
            &LabelsPage {
                ctx,
                sections,
                error,
            },
        ),
    )
        .into_response())
}

fn done(state: &AppState, jar: CookieJar) -> Response {
    let jar = jar.add(flash_cookie(state, "success", "admin-labels-saved"));
    (jar, Redirect::to("/admin/statuses")).into_response()
}

fn parse(ctx: &PageCtx, form: &LabelForm) -> Result<(LabelName, Colour), String> {
    let name = LabelName::parse(&form.name).map_err(|e| ctx.t(e.key))?;
    let colour = Colour::parse(&form.colour).map_err(|e| ctx.t(e.key))?;
    Ok((name, colour))
}

/// Shows both lists.
pub async fn show(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    page(&state, &ctx, None, StatusCode::OK).await
}

/// Adds a custom status or priority.
pub async fn create(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(which): Path<String>,
    Form(form): Form<LabelForm>,
) -> Result<Response, AppError> {
    let (table, noun) = table(&which)?;
    let (name, colour) = match parse(&ctx, &form) {
        Ok(v) => v,
        Err(msg) => return page(&state, &ctx, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    let id = match catalog::create_label(&mut *tx, table, &name, &colour).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            return page(
                &state,
                &ctx,
                Some(ctx.t("error-label-taken")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "name": name.as_str(), "colour": colour.as_str() });
    let action = format!("{noun}.create");
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        &action,
        &format!("{noun}:{id}"),
        Some(data),
    )
    .await?;
    tx.commit().await?;
    Ok(done(&state, jar))
}

/// Renames and recolours one.
pub async fn update(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path((which, id)): Path<(String, i64)>,
    Form(form): Form<LabelForm>,
) -> Result<Response, AppError> {
    let (table, noun) = table(&which)?;
    let (name, colour) = match parse(&ctx, &form) {
        Ok(v) => v,
        Err(msg) => return page(&state, &ctx, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    let (old_name, old_colour) =
        match catalog::update_label(&mut *tx, table, id, &name, &colour).await {
            Ok(Some(old)) => old,
            Ok(None) => return Err(AppError::NotFound),
            Err(e) if repo::is_unique_violation(&e) => {
                drop(tx);
                return page(
                    &state,
                    &ctx,
                    Some(ctx.t("error-label-taken")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
    let data = serde_json::json!({
        "before": { "name": old_name, "colour": old_colour },
        "after": { "name": name.as_str(), "colour": colour.as_str() },
    });
    let action = format!("{noun}.update");
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        &action,
        &format!("{noun}:{id}"),
        Some(data),
    )
    .await?;
    tx.commit().await?;
    Ok(done(&state, jar))
}

/// Moves one up or down in the order.
pub async fn reorder(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    jar: CookieJar,
    Path((which, id)): Path<(String, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let (table, noun) = table(&which)?;
    let mut tx = state.pool.begin().await?;
    let mut order = catalog::lock_label_order(&mut tx, table).await?;
    let pos = order
        .iter()
        .position(|x| *x == id)
        .ok_or(AppError::NotFound)?;
    let other = match form.direction.as_str() {
        "up" if pos > 0 => pos - 1,
        "down" if pos + 1 < order.len() => pos + 1,
        "up" | "down" => return Ok(done(&state, jar)),
        _ => return Err(AppError::BadRequest("error-400-title")),
    };
    order.swap(pos, other);
    catalog::reorder_labels(&mut tx, table, &order).await?;
    let action = format!("{noun}.move");
    let data = serde_json::json!({ "direction": form.direction });
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        &action,
        &format!("{noun}:{id}"),
        Some(data),
    )
    .await?;
    tx.commit().await?;
    Ok(done(&state, jar))
}

/// Deletes a custom one that no ticket has.
pub async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path((which, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (table, noun) = table(&which)?;
    let mut tx = state.pool.begin().await?;
    let refused = |msg: String| page(&state, &ctx, Some(msg), StatusCode::CONFLICT);
    match catalog::delete_label(&mut tx, table, id).await {
        Ok(LabelDeleted::Yes(name)) => {
            let action = format!("{noun}.delete");
            let target = format!("{noun}:{id} {name}");
            super::audit::record(&mut tx, &admin, &ip, &action, &target, None).await?;
            tx.commit().await?;
            Ok(done(&state, jar))
        }
        Ok(LabelDeleted::BuiltIn) => refused(ctx.t("error-label-builtin")).await,
        Ok(LabelDeleted::InUse(n)) => {
            refused(ctx.t1("error-label-in-use", "count", &n.to_string())).await
        }
        Ok(LabelDeleted::NotFound) => Err(AppError::NotFound),
        Err(e) if repo::is_foreign_key_violation(&e) => {
            refused(ctx.t1("error-label-in-use", "count", "1")).await
        }
        Err(e) => Err(e.into()),
    }
}
