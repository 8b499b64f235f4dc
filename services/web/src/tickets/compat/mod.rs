//! The tickets under Flicket's `/flicket-api/` ([`crate::api_compat`] has its conventions): `ticket/<id>`,
//! `tickets/[<page>/]`, `POST tickets`, `post/<id>`, `posts/<ticket_id>/[<page>/]`, and what hangs off tickets
//! ([`records`]).

mod records;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flicket_core::Locale;
use flicket_core::domain::{CategoryId, PostId, PriorityId, TicketId, Title};
use flicket_core::repo::compat::{self, TicketRow};
use flicket_core::repo::posts::{self, PostView};
use flicket_core::repo::tickets;
use flicket_core::tickets::ops::{self, NewTicketInput, OpError};
use flicket_core::tickets::{Body, Hours};
use serde::Serialize;
use serde_json::Value;

use super::reads::{post_view, post_with_facts};
use crate::api::{ApiError, ApiUser};
use crate::api_compat::{
    Collection, PageNo, Paging, Params, Site, actor, add_slash, bad_request, date, keep_visible,
    visible,
};
use crate::extract::{ApiId, ApiIds};
use crate::run::run;
use crate::state::AppState;

/// The routes (mounted with the rest of `/flicket-api/`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/flicket-api/ticket/{id}", get(ticket))
        .route("/flicket-api/tickets", get(add_slash).post(create))
        .route("/flicket-api/tickets/", get(list))
        .route("/flicket-api/tickets/{page}", get(add_slash))
        .route("/flicket-api/tickets/{page}/", get(list_page))
        .route("/flicket-api/post/{id}", get(post))
        .route("/flicket-api/posts/{ticket_id}", get(add_slash))
        .route("/flicket-api/posts/{ticket_id}/", get(posts))
        .route("/flicket-api/posts/{ticket_id}/{page}", get(add_slash))
        .route("/flicket-api/posts/{ticket_id}/{page}/", get(posts_page))
        .merge(records::routes())
}

/// A ticket's `links`.
#[derive(Serialize)]
struct TicketLinks {
    #[serde(rename = "self")]
    this: String,
    assigned: Option<String>,
    priority: String,
    /// Sic: Flicket's name for the creator's link.
    started_ny: String,
    modified_by: Option<String>,
    category: String,
    status: String,
    subscribers: String,
    tickets: String,
    histories: String,
}

/// A ticket.
#[derive(Serialize)]
pub struct Ticket {
    id: i64,
    assigned_id: Option<i64>,
    category_id: i64,
    /// Markdown source.
    content: String,
    date_added: String,
    date_modified: Option<String>,
    modified_id: Option<i64>,
    started_id: i64,
    status_id: i64,
    title: String,
    ticket_priority_id: i64,
    links: TicketLinks,
}

impl Ticket {
    fn new(site: &Site, t: TicketRow) -> Self {
        let id = t.ticket_id.0;
        Ticket {
            id,
            assigned_id: t.assignee_id.map(|u| u.0),
            category_id: t.category_id.0,
            content: t.content,
            date_added: date(t.created_at),
            date_modified: t.modified_at.map(date),
            modified_id: t.modified_by_id.map(|u| u.0),
            started_id: t.creator_id.0,
            status_id: t.status_id.0,
            title: t.title,
            ticket_priority_id: t.priority_id.0,
            links: TicketLinks {
                this: site.url(&format!("ticket/{id}")),
                assigned: t.assignee_id.map(|u| site.url(&format!("user/{u}"))),
                priority: site.url(&format!("priority/{}", t.priority_id)),
                started_ny: site.url(&format!("user/{}", t.creator_id)),
                modified_by: t.modified_by_id.map(|u| site.url(&format!("user/{u}"))),
                category: site.url(&format!("category/{}", t.category_id)),
                status: site.url(&format!("status/{}", t.status_id)),
                subscribers: site.url(&format!("subscriptions/{id}/")),
                tickets: site.url("tickets/"),
                histories: site.url(&format!("histories/?topic_id={id}")),
            },
        }
    }
}

/// `GET /flicket-api/ticket/<id>`.
async fn ticket(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<TicketId>,
) -> Result<Json<Ticket>, ApiError> {
    let t = compat::ticket(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    visible(&actor(&user), &t.facts())?;
    let site = Site::load(&state).await?;
    Ok(Json(Ticket::new(&site, t)))
}

/// `GET /flicket-api/tickets/`.
async fn list(
    state: State<AppState>,
    user: ApiUser,
    query: Query<Params>,
) -> Result<Json<Collection<Ticket>>, ApiError> {
    tickets_page(state, user, 1, query).await
}

/// `GET /flicket-api/tickets/<page>/`.
async fn list_page(
    state: State<AppState>,
    user: ApiUser,
    ApiId(PageNo(page)): ApiId<PageNo>,
    query: Query<Params>,
) -> Result<Json<Collection<Ticket>>, ApiError> {
    tickets_page(state, user, page, query).await
}

/// Every ticket the user may see, by id.
async fn tickets_page(
    State(state): State<AppState>,
    user: ApiUser,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Ticket>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(page, &query)?;
    let total = tickets::count(&state.pool).await?;
    let rows = compat::tickets(&state.pool, at.per_page, at.offset()).await?;
    let actor = actor(&user);
    let rows = keep_visible(&state, &actor, rows, |t| t.ticket_id).await?;
    let items = rows.into_iter().map(|t| Ticket::new(&site, t)).collect();
    Ok(Json(Collection::of(
        &site,
        Paging::Path("tickets/"),
        &[],
        (at, total),
        items,
    )?))
}

const MISSING: &str = "Must include title, content, category_id and ticket_priority_id.";
const NOT_INTEGERS: &str = "ticket_priority_id and category_id must be integers.";

/// `POST /flicket-api/tickets` with `{title, content, category_id, ticket_priority_id}`: raises the ticket through
/// the same operation as the UI (validation, the creator subscribed, the activity written), status Open.
#[tracing::instrument(skip_all, fields(user.id = %user.0.user_id))]
async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    // As Flicket's `request.get_json() or {}`: a body that is not a JSON object has none of the fields.
    let data = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (Some(title), Some(content), Some(category), Some(priority)) = (
        data.get("title"),
        data.get("content"),
        data.get("category_id"),
        data.get("ticket_priority_id"),
    ) else {
        return Err(bad_request(MISSING));
    };
    let (Some(category), Some(priority)) = (category.as_i64(), priority.as_i64()) else {
        return Err(bad_request(NOT_INTEGERS));
    };
    let (Some(title), Some(content)) = (title.as_str(), content.as_str()) else {
        return Err(bad_request("title and content must be strings."));
    };
    let title = Title::parse(title).map_err(|e| field_error("title", e.key))?;
    let body = Body::parse(content).map_err(|e| field_error("content", e.key))?;
    let input = NewTicketInput {
        title,
        body,
        priority_id: PriorityId(priority),
        category_id: CategoryId(category),
        hours: Hours::default(),
        files: vec![],
    };
    let actor = actor(&user);
    let id = run(&state, async |c| ops::create(c, &actor, &input).await)
        .await
        .map_err(|e| match e {
            OpError::Invalid(f) => match f.field {
                "category_id" => bad_request("not a valid category_id"),
                "priority_id" => bad_request("not a valid ticket_priority_id"),
                _ => bad_request(&Locale::En.t(f.message.key)),
            },
            e => e.into(),
        })?;
    let site = Site::load(&state).await?;
    let t = compat::ticket(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ticket = Ticket::new(&site, t);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, ticket.links.this.clone())],
        Json(ticket),
    )
        .into_response())
}

/// A 400 naming the field and saying what is wrong with it.
fn field_error(field: &str, key: &str) -> ApiError {
    bad_request(&format!("{field}: {}", Locale::En.t(key)))
}

/// A reply's `links`.
#[derive(Serialize)]
struct PostLinks {
    #[serde(rename = "self")]
    this: String,
    created_by: String,
    posts: String,
}

/// A reply.
#[derive(Serialize)]
pub struct Post {
    id: i64,
    content: String,
    /// Sic: Flicket's name for the date the reply was posted.
    data_added: String,
    date_modified: Option<String>,
    ticket_id: i64,
    user_id: i64,
    links: PostLinks,
}

impl Post {
    fn new(site: &Site, ticket_id: TicketId, p: PostView) -> Self {
        Post {
            id: p.post_id.0,
            content: p.content,
            data_added: date(p.created_at),
            date_modified: p.last_edit_at.map(date),
            ticket_id: ticket_id.0,
            user_id: p.author_id.0,
            links: PostLinks {
                this: site.url(&format!("post/{}", p.post_id)),
                created_by: site.url(&format!("user/{}", p.author_id)),
                posts: site.url(&format!("posts/{ticket_id}/")),
            },
        }
    }
}

/// `GET /flicket-api/post/<id>`.
async fn post(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<PostId>,
) -> Result<Json<Post>, ApiError> {
    let (p, facts) = post_with_facts(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    visible(&actor(&user), &facts)?;
    let view = post_view(&state.pool, p.ticket_id, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = Site::load(&state).await?;
    Ok(Json(Post::new(&site, p.ticket_id, view)))
}

/// `GET /flicket-api/posts/<ticket_id>/`.
async fn posts(
    state: State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<TicketId>,
    query: Query<Params>,
) -> Result<Json<Collection<Post>>, ApiError> {
    posts_of(state, user, id, 1, query).await
}

/// `GET /flicket-api/posts/<ticket_id>/<page>/`.
async fn posts_page(
    state: State<AppState>,
    user: ApiUser,
    ApiIds(id, PageNo(page)): ApiIds<TicketId, PageNo>,
    query: Query<Params>,
) -> Result<Json<Collection<Post>>, ApiError> {
    posts_of(state, user, id, page, query).await
}

/// A ticket's replies, oldest first. Flicket filtered the replies by ticket id, so an unknown ticket has none: its
/// first page is empty, not a 404 (and so is that of a ticket the user may not see, which cannot be told apart).
async fn posts_of(
    State(state): State<AppState>,
    user: ApiUser,
    id: TicketId,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Post>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(page, &query)?;
    let shown = tickets::view(&state.pool, id)
        .await?
        .filter(|t| visible(&actor(&user), &t.facts()).is_ok());
    let (rows, total) = match shown {
        Some(t) => (
            posts::page(&state.pool, id, at.per_page, at.offset()).await?,
            t.reply_count,
        ),
        None => (vec![], 0),
    };
    let items = rows.into_iter().map(|p| Post::new(&site, id, p)).collect();
    let path = format!("posts/{id}/");
    Ok(Json(Collection::of(
        &site,
        Paging::Path(&path),
        &[],
        (at, total),
        items,
    )?))
}
