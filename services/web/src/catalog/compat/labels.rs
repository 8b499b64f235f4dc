//! Statuses and priorities in Flicket's API, in their order. Flicket paged statuses with `?page=` and priorities in
//! the path (`priorities/2/`); both are kept. (Flicket's status links pointed at the departments; these point at the
//! statuses.)

use axum::Json;
use axum::extract::{Query, State};
use flicket_core::domain::{PriorityId, StatusId};
use flicket_core::repo::catalog;
use flicket_core::repo::catalog_admin::LabelTable;

use super::{Label, LabelKind, PRIORITIES, STATUSES};
use crate::api::{ApiError, ApiUser};
use crate::api_compat::{Collection, PageNo, Paging, Params, Site, query_page};
use crate::extract::ApiId;
use crate::state::AppState;

/// One of them as `(id, name)`, if it exists.
async fn one(
    state: &AppState,
    kind: LabelKind,
    id: i64,
) -> Result<Option<(i64, String)>, ApiError> {
    Ok(match kind.table {
        LabelTable::Statuses => catalog::status(&state.pool, StatusId(id))
            .await?
            .map(|s| (s.status_id.0, s.name)),
        LabelTable::Priorities => catalog::priority(&state.pool, PriorityId(id))
            .await?
            .map(|p| (p.priority_id.0, p.name)),
    })
}

/// All of them as `(id, name)`, in their order.
async fn all(state: &AppState, kind: LabelKind) -> Result<Vec<(i64, String)>, ApiError> {
    Ok(match kind.table {
        LabelTable::Statuses => catalog::statuses(&state.pool)
            .await?
            .into_iter()
            .map(|s| (s.status_id.0, s.name))
            .collect(),
        LabelTable::Priorities => catalog::priorities(&state.pool)
            .await?
            .into_iter()
            .map(|p| (p.priority_id.0, p.name))
            .collect(),
    })
}

/// `GET /flicket-api/<status|priority>/<id>`.
async fn label(state: &AppState, kind: LabelKind, id: i64) -> Result<Json<Label>, ApiError> {
    let (id, name) = one(state, kind, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(state).await?;
    Ok(Json(Label::new(&site, kind, id, name)))
}

/// One page of them; `paging` says where the page number goes in the links.
async fn page(
    state: &AppState,
    kind: LabelKind,
    (page, paging): (i64, Paging<'static>),
    query: &Params,
) -> Result<Json<Collection<Label>>, ApiError> {
    let site = Site::load(state).await?;
    let at = site.window(page, query)?;
    let all = all(state, kind).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = at
        .slice(all)
        .into_iter()
        .map(|(id, name)| Label::new(&site, kind, id, name))
        .collect();
    Ok(Json(Collection::of(
        &site,
        paging,
        &[],
        (at, total),
        items,
    )?))
}

/// `GET /flicket-api/status/<id>`.
pub async fn status(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(id): ApiId<StatusId>,
) -> Result<Json<Label>, ApiError> {
    label(&state, STATUSES, id.0).await
}

/// `GET /flicket-api/statuses/?page=`.
pub async fn statuses(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Label>>, ApiError> {
    let at = (query_page(&query), Paging::Query(STATUSES.all_path));
    page(&state, STATUSES, at, &query).await
}

/// `GET /flicket-api/priority/<id>`.
pub async fn priority(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(id): ApiId<PriorityId>,
) -> Result<Json<Label>, ApiError> {
    label(&state, PRIORITIES, id.0).await
}

/// `GET /flicket-api/priorities/`.
pub async fn priorities(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Label>>, ApiError> {
    let at = (1, Paging::Path(PRIORITIES.all_path));
    page(&state, PRIORITIES, at, &query).await
}

/// `GET /flicket-api/priorities/<page>/`.
pub async fn priorities_page(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiId(PageNo(page_no)): ApiId<PageNo>,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Label>>, ApiError> {
    let at = (page_no, Paging::Path(PRIORITIES.all_path));
    page(&state, PRIORITIES, at, &query).await
}
