//! `/admin/statuses`: names, colours and order of statuses and priorities, and custom ones. What the product does
//! with a status or priority depends on its `kind`, never on its name, so these edits are safe.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use flicket_core::ops::catalog::{self as ops, LabelRef};
use flicket_core::ops::{OpError, OpResult};
use flicket_core::repo::catalog_admin::{self as catalog, LabelRow, LabelTable};
use serde::Deserialize;

use super::{Notice, PageChange};
use crate::admin::guard::AdminUser;
use crate::error::AppError;
use crate::extract::{Id, Ids};
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/statuses.html")]
struct LabelsPage<'a> {
    ctx: &'a PageCtx,
    sections: Vec<Section>,
    notice: Notice,
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

async fn page(state: &AppState, ctx: &PageCtx, notice: Notice) -> Result<Response, AppError> {
    let mut sections = vec![];
    for (table, heading) in [
        (LabelTable::Statuses, "admin-statuses-heading"),
        (LabelTable::Priorities, "admin-priorities-heading"),
    ] {
        sections.push(Section {
            which: table.segment(),
            heading: ctx.t(heading),
            rows: catalog::labels(&state.pool, table).await?,
        });
    }
    let status = notice.status;
    let page = LabelsPage {
        ctx,
        sections,
        notice,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

/// Back to the page with "Saved." flashed, or the page again with what was refused (a field's message under the
/// input `input(field)`).
async fn answer<T>(
    change: PageChange<AdminUser>,
    outcome: OpResult<T>,
    input: impl Fn(&str) -> String,
) -> Result<Response, AppError> {
    let done = ("/admin/statuses", "admin-labels-saved");
    change.answer(outcome, done, input, page).await
}

/// Shows both lists.
pub async fn show(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    page(&state, &ctx, Notice::none()).await
}

/// Adds a custom status or priority.
pub async fn create(
    change: PageChange<AdminUser>,
    Id(table): Id<LabelTable>,
    Form(form): Form<LabelForm>,
) -> Result<Response, AppError> {
    let outcome = change
        .run(async |c, a| ops::create_label(c, a, table, &form.name, &form.colour).await)
        .await;
    let input = |field: &str| format!("{}-new-{field}", table.segment());
    answer(change, outcome, input).await
}

/// Renames and recolours one.
pub async fn update(
    change: PageChange<AdminUser>,
    Ids(table, id): Ids<LabelTable, i64>,
    Form(form): Form<LabelForm>,
) -> Result<Response, AppError> {
    let label = LabelRef { table, id };
    let outcome = change
        .run(async |c, a| ops::update_label(c, a, label, &form.name, &form.colour).await)
        .await;
    let input = |field: &str| format!("{}-{field}-{id}", table.segment());
    answer(change, outcome, input).await
}

/// Moves one up or down in the order.
pub async fn reorder(
    change: PageChange<AdminUser>,
    Ids(table, id): Ids<LabelTable, i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let label = LabelRef { table, id };
    let direction = form.direction.as_str();
    match change
        .run(async |c, a| ops::move_label(c, a, label, direction).await)
        .await
    {
        // Not a button of the page.
        Err(OpError::Invalid(_)) => Err(AppError::BadRequest("error-400-title")),
        outcome => answer(change, outcome, |_| String::new()).await,
    }
}

/// Deletes a custom one that no ticket has.
pub async fn delete(
    change: PageChange<AdminUser>,
    Ids(table, id): Ids<LabelTable, i64>,
) -> Result<Response, AppError> {
    let label = LabelRef { table, id };
    let outcome = change
        .run(async |c, a| ops::delete_label(c, a, label).await)
        .await;
    answer(change, outcome, |_| String::new()).await
}
