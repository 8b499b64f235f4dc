//! `GET /admin/audit`: the audit log, newest first (admins only). The entries are written by the operations of
//! `flicket_core::ops` ([`flicket_core::ops::audit::record`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use flicket_core::repo::audit::{self, Entry};
use serde::Deserialize;

use crate::admin::guard::AdminUser;
use crate::admin::pager::Pager;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// An entry as shown.
pub struct Row {
    /// When, formatted.
    pub when: String,
    /// Who.
    pub actor: String,
    /// Translated action.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details as pretty JSON.
    pub data: String,
    /// Client address.
    pub ip: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<Row>,
    pager: Pager,
}

/// Query of the audit page.
#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
}

fn row(ctx: &PageCtx, e: Entry) -> Row {
    let key = format!("audit-{}", e.action.replace(['.', '_'], "-"));
    let action = if ctx.locale.has(&key) {
        ctx.t(&key)
    } else {
        e.action.clone()
    };
    Row {
        when: e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        actor: e.actor.unwrap_or_else(|| "—".into()),
        action,
        target: e.target,
        data: e
            .data
            .map(|d| serde_json::to_string_pretty(&d).unwrap_or_default())
            .unwrap_or_default(),
        ip: e.ip.unwrap_or_default(),
    }
}

/// Lists the audit log, newest first.
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let total = audit::count(&state.pool).await?;
    let pager = Pager::new(q.page, total, 50, String::new());
    let entries = audit::list(&state.pool, pager.per_page, pager.offset()).await?;
    let rows = entries.into_iter().map(|e| row(&ctx, e)).collect();
    Ok(render(
        &ctx,
        &state,
        &AuditPage {
            ctx: &ctx,
            rows,
            pager,
        },
    ))
}
