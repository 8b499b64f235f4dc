//! `GET /tickets.csv`: the list's rows as CSV, streamed in constant memory up to the configured limit. When the
//! client goes away the body stream is dropped, which drops the query.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use flicket_core::repo::settings;
use flicket_core::repo::ticket_list::{self, ListRow};
use futures::StreamExt;
use tracing::Instrument;

use super::ListQuery;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

const HEADER: [&str; 10] = [
    "Ticket_ID",
    "Priority",
    "Title",
    "Submitted By",
    "Date",
    "Replies",
    "Category",
    "Status",
    "Assigned",
    "URL",
];

fn line(fields: &[&str]) -> Bytes {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(256));
    // Writing to a Vec cannot fail; an error would only lose this line.
    let _ = w.write_record(fields);
    Bytes::from(w.into_inner().unwrap_or_default())
}

/// A cell a spreadsheet would take for a formula (OWASP "CSV injection": a first character among `=`, `+`, `-`,
/// `@`, tab and carriage return) gets a leading `'`, so that it is shown as the text that was typed.
fn as_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn row_line(r: &ListRow, base_url: &str, not_assigned: &str) -> Bytes {
    let id = format!("{:05}", r.ticket_id);
    let replies = r.reply_count.to_string();
    let date = r.created_at.format("%Y-%m-%d").to_string();
    let category = format!("{} - {}", r.department, r.category);
    let url = format!("{base_url}/tickets/{}", r.ticket_id);
    // Every cell that holds text people typed (titles, names, the admin's lists) is neutralised.
    line(&[
        &id,
        &as_text(&r.priority),
        &as_text(&r.title),
        &as_text(&r.creator),
        &date,
        &replies,
        &as_text(&category),
        &as_text(&r.status),
        &as_text(r.assignee.as_deref().unwrap_or(not_assigned)),
        &url,
    ])
}

/// Streams the CSV.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let site = settings::load(&state.pool).await?;
    let filter = q.resolve(&state.pool).await?.filter;
    let sort = q.chosen_sort(&user);
    let base_url = state.config.base_url.clone().unwrap_or(site.base_url);
    let limit = i64::from(site.csv_limit);
    let locale = flicket_core::Locale::from_code(&user.locale).unwrap_or_default();
    let not_assigned = locale.t("csv-not-assigned");
    let viewer = user.user_id;
    let body = async_stream(state, viewer, filter, sort, limit, base_url, not_assigned);
    let name = chrono::Utc::now()
        .format("%Y%m%d-%H%M%S-tickets.csv")
        .to_string();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

fn async_stream(
    state: AppState,
    viewer: flicket_core::domain::UserId,
    filter: ticket_list::TicketFilter,
    sort: String,
    limit: i64,
    base_url: String,
    not_assigned: String,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let span = tracing::Span::current();
    tokio::spawn(
        async move {
            if tx.send(Ok(line(&HEADER))).await.is_err() {
                return;
            }
            let catalog = match ticket_list::catalog(&state.pool, &state.catalog).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let mut db = match ticket_list::read_transaction(&state.pool, &filter).await {
                Ok(db) => db,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let mut rows = ticket_list::stream(&mut *db, viewer, &filter, &sort, limit, &catalog);
            while let Some(row) = rows.next().await {
                let item = match row {
                    Ok(r) => Ok(row_line(&r, &base_url, &not_assigned)),
                    Err(e) => {
                        tracing::error!(error = %e, "CSV export failed midway");
                        Err(std::io::Error::other("export failed"))
                    }
                };
                let failed = item.is_err();
                // A closed channel means the client went away: stop reading rows.
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        }
        .instrument(span),
    );
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::as_text;

    #[test]
    fn formulas_are_written_as_text() {
        for (typed, written) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            ("Printer", "Printer"),
            ("", ""),
        ] {
            assert_eq!(as_text(typed), written, "{typed:?}");
        }
    }
}
