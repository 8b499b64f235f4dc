//! `GET /`: open high-priority tickets, the user's open tickets, and per-department counts by status drawn as
//! server-rendered SVG (no JavaScript chart library).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use flicket_core::repo::ticket_list::{self, DepartmentStatusCount, Scope, TicketFilter};

use super::page::Row;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// How many tickets each dashboard list shows.
const LIST_SIZE: i64 = 10;
/// Width of the chart area, in SVG units.
const CHART_WIDTH: f64 = 600.0;

/// One segment of a department's bar.
pub struct Segment {
    pub x: String,
    pub width: String,
    pub colour: String,
    pub label: String,
}

/// One department's bar.
pub struct Bar {
    pub department: String,
    pub total: i64,
    pub segments: Vec<Segment>,
    pub summary: String,
}

fn bars(counts: Vec<DepartmentStatusCount>) -> Vec<Bar> {
    let mut out: Vec<Bar> = Vec::new();
    for c in counts {
        let label = format!("{} {}", c.status, c.count);
        match out.last_mut() {
            Some(bar) if bar.department == c.department => {
                bar.total += c.count;
                bar.segments.push(Segment {
                    x: String::new(),
                    width: c.count.to_string(),
                    colour: c.colour,
                    label,
                });
            }
            _ => out.push(Bar {
                department: c.department,
                total: c.count,
                segments: vec![Segment {
                    x: String::new(),
                    width: c.count.to_string(),
                    colour: c.colour,
                    label,
                }],
                summary: String::new(),
            }),
        }
    }
    let max = out.iter().map(|b| b.total).max().unwrap_or(1).max(1) as f64;
    for bar in &mut out {
        let mut x = 0.0;
        for s in &mut bar.segments {
            let count: f64 = s.width.parse().unwrap_or(0.0);
            let w = count / max * CHART_WIDTH;
            s.x = format!("{x:.1}");
            s.width = format!("{w:.1}");
            x += w;
        }
        bar.summary = bar
            .segments
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(", ");
    }
    out
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    ctx: &'a PageCtx,
    welcome: String,
    high: Vec<Row>,
    mine: Vec<Row>,
    bars: Vec<Bar>,
}

/// The dashboard (anonymous visitors are sent to `/login`).
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let welcome = ctx.t1("dashboard-welcome", "name", &user.name);
    let catalog = ticket_list::catalog(&state.pool, &state.catalog).await?;
    let high_filter = TicketFilter {
        status: catalog.status_of_kind("open"),
        priority: catalog.priority_of_kind("high"),
        ..TicketFilter::default()
    };
    let high = ticket_list::rows(
        &state.pool,
        user.user_id,
        &high_filter,
        "last_updated_desc",
        LIST_SIZE,
        &catalog,
    )
    .await?;
    let mine_filter = TicketFilter {
        scope: Scope::Mine,
        ..TicketFilter::default()
    };
    let mine = ticket_list::rows(
        &state.pool,
        user.user_id,
        &mine_filter,
        "last_updated_desc",
        LIST_SIZE,
        &catalog,
    )
    .await?;
    let counts = catalog.counts_by_department();
    let page = DashboardPage {
        ctx: &ctx,
        welcome,
        high: high.into_iter().map(Row::from).collect(),
        mine: mine.into_iter().map(Row::from).collect(),
        bars: bars(counts),
    };
    Ok(render(&ctx, &state, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_department() {
        let c = |d: &str, s: &str, n| DepartmentStatusCount {
            department: d.into(),
            status: s.into(),
            colour: "#000000".into(),
            count: n,
        };
        let b = bars(vec![
            c("IT", "Open", 3),
            c("IT", "Closed", 1),
            c("HR", "Open", 2),
        ]);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].total, 4);
        assert_eq!(b[0].segments[0].width, "450.0");
        assert_eq!(b[0].segments[1].x, "450.0");
        assert_eq!(b[1].segments[0].width, "300.0");
        assert_eq!(b[0].summary, "Open 3, Closed 1");
    }
}
