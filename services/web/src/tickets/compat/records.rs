//! What hangs off tickets: subscriptions, uploads (attachments), edit histories and actions (activity). Each is shown
//! only when its ticket may be seen.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use flicket_core::domain::{PostId, TicketId};
use flicket_core::repo::compat::{self, ActionRow, HistoryRow, SubscriptionRow, UploadRow};
use flicket_core::repo::tickets;
use serde::Serialize;
use serde_json::Value;

use crate::api::{ApiError, ApiUser};
use crate::api_compat::{
    Collection, PageNo, Paging, Params, Site, actor, add_slash, date, int_filter, keep_visible,
    query_page, visible,
};
use crate::extract::{ApiId, ApiIds};
use crate::state::AppState;

/// The routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/flicket-api/subscription/{id}", get(subscription))
        .route("/flicket-api/subscriptions", get(add_slash))
        .route("/flicket-api/subscriptions/", get(subscriptions))
        .route("/flicket-api/subscriptions/{ticket_id}", get(add_slash))
        .route(
            "/flicket-api/subscriptions/{ticket_id}/",
            get(ticket_subscriptions),
        )
        .route(
            "/flicket-api/subscriptions/{ticket_id}/{page}",
            get(add_slash),
        )
        .route(
            "/flicket-api/subscriptions/{ticket_id}/{page}/",
            get(ticket_subscriptions_page),
        )
        .route("/flicket-api/upload/{id}", get(upload))
        .route("/flicket-api/uploads", get(add_slash))
        .route("/flicket-api/uploads/", get(uploads))
        .route("/flicket-api/uploads/{page}", get(add_slash))
        .route("/flicket-api/uploads/{page}/", get(uploads_page))
        .route("/flicket-api/history/{id}", get(history))
        .route("/flicket-api/histories", get(add_slash))
        .route("/flicket-api/histories/", get(histories))
        .route("/flicket-api/histories/{page}", get(add_slash))
        .route("/flicket-api/histories/{page}/", get(histories_page))
        .route("/flicket-api/action/{id}", get(action))
        .route("/flicket-api/actions/{ticket_id}", get(actions))
}

/// 404 unless the ticket exists and the user may see it.
async fn check_ticket(state: &AppState, user: &ApiUser, id: TicketId) -> Result<(), ApiError> {
    let facts = tickets::facts(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    visible(&actor(user), &facts)
}

/// Whether the ticket exists and the user may see it. A list under a ticket (its subscriptions, its actions) was a
/// filter by ticket id in Flicket, so under an unknown ticket it is empty rather than a 404; a ticket the user may
/// not see lists nothing either, so that the two cannot be told apart.
async fn ticket_shown(state: &AppState, user: &ApiUser, id: TicketId) -> Result<bool, ApiError> {
    let facts = tickets::facts(&state.pool, id).await?;
    Ok(facts.is_some_and(|f| visible(&actor(user), &f).is_ok()))
}

/// A subscription's `links`.
#[derive(Serialize)]
struct SubscriptionLinks {
    #[serde(rename = "self")]
    this: String,
    subscriptions: String,
    ticket: String,
    user: String,
}

/// A subscription.
#[derive(Serialize)]
pub struct Subscription {
    id: i64,
    ticket_id: i64,
    user_id: i64,
    /// The subscriber's name.
    user_def: String,
    links: SubscriptionLinks,
}

impl Subscription {
    fn new(site: &Site, s: SubscriptionRow) -> Self {
        Subscription {
            id: s.subscription_id,
            ticket_id: s.ticket_id.0,
            user_id: s.user_id.0,
            user_def: s.name,
            links: SubscriptionLinks {
                this: site.url(&format!("subscription/{}", s.subscription_id)),
                subscriptions: site.url("subscriptions/"),
                ticket: site.url(&format!("ticket/{}", s.ticket_id)),
                user: site.url(&format!("user/{}", s.user_id)),
            },
        }
    }
}

/// `GET /flicket-api/subscription/<id>`.
async fn subscription(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<i64>,
) -> Result<Json<Subscription>, ApiError> {
    let s = compat::subscription(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_ticket(&state, &user, s.ticket_id).await?;
    let site = Site::load(&state).await?;
    Ok(Json(Subscription::new(&site, s)))
}

/// `GET /flicket-api/subscriptions/?page=`: of every ticket (Flicket linked its pages this way but ignored
/// `page`; here it works).
async fn subscriptions(
    state: State<AppState>,
    user: ApiUser,
    query: Query<Params>,
) -> Result<Json<Collection<Subscription>>, ApiError> {
    let page = query_page(&query.0);
    subscriptions_of(state, user, None, page, query).await
}

/// `GET /flicket-api/subscriptions/<ticket_id>/`.
async fn ticket_subscriptions(
    state: State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<TicketId>,
    query: Query<Params>,
) -> Result<Json<Collection<Subscription>>, ApiError> {
    subscriptions_of(state, user, Some(id), 1, query).await
}

/// `GET /flicket-api/subscriptions/<ticket_id>/<page>/`.
async fn ticket_subscriptions_page(
    state: State<AppState>,
    user: ApiUser,
    ApiIds(id, PageNo(page)): ApiIds<TicketId, PageNo>,
    query: Query<Params>,
) -> Result<Json<Collection<Subscription>>, ApiError> {
    subscriptions_of(state, user, Some(id), page, query).await
}

/// Subscriptions by id, of one ticket (none under a ticket unknown or not shown, see [`ticket_shown`]) or of all.
async fn subscriptions_of(
    State(state): State<AppState>,
    user: ApiUser,
    ticket: Option<TicketId>,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Subscription>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(page, &query)?;
    let listed = match ticket {
        Some(t) => ticket_shown(&state, &user, t).await?,
        None => true,
    };
    let (rows, total) = if listed {
        (
            compat::subscriptions(&state.pool, ticket, at.per_page, at.offset()).await?,
            compat::count_subscriptions(&state.pool, ticket).await?,
        )
    } else {
        (vec![], 0)
    };
    let rows = keep_visible(&state, &actor(&user), rows, |s| s.ticket_id).await?;
    let items = rows
        .into_iter()
        .map(|s| Subscription::new(&site, s))
        .collect();
    let path = ticket.map(|t| format!("subscriptions/{t}/"));
    let paging = match &path {
        Some(p) => Paging::Path(p),
        None => Paging::Query("subscriptions/"),
    };
    Ok(Json(Collection::of(
        &site,
        paging,
        &[],
        (at, total),
        items,
    )?))
}

/// An upload's `links`.
#[derive(Serialize)]
struct UploadLinks {
    #[serde(rename = "self")]
    this: String,
    post: Option<String>,
    ticket: Option<String>,
    uploads: String,
}

/// An attachment. Files are stored under names the server chose and are reached only through the authorising
/// download (`image`), so `filename` is the original name too.
#[derive(Serialize)]
pub struct Upload {
    /// The attachment's stable integer number (`upload_id`), as Flicket's integer upload ids: an imported
    /// attachment keeps its Flicket id. (The UI's download links use the attachment's UUID, `image` here.)
    id: i64,
    filename: String,
    /// The download URL.
    image: String,
    original_filename: String,
    /// The reply it belongs to.
    post_id: Option<i64>,
    /// The ticket, when it belongs to the ticket's body.
    topic_id: Option<i64>,
    links: UploadLinks,
}

impl Upload {
    fn new(site: &Site, u: UploadRow) -> Self {
        let topic = u.post_id.is_none().then_some(u.ticket_id);
        Upload {
            id: u.upload_id,
            filename: u.original_name.clone(),
            image: format!("{}/attachments/{}", site.base, u.attachment_id),
            original_filename: u.original_name,
            post_id: u.post_id.map(|p| p.0),
            topic_id: topic.map(|t| t.0),
            links: UploadLinks {
                this: site.url(&format!("upload/{}", u.upload_id)),
                post: u.post_id.map(|p| site.url(&format!("post/{p}"))),
                ticket: topic.map(|t| site.url(&format!("ticket/{t}"))),
                uploads: site.url("uploads/"),
            },
        }
    }
}

/// `GET /flicket-api/upload/<id>`, by the attachment's integer number (anything else in the path, a UUID included,
/// is a 404 as Flicket's `<int:id>`).
async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<i64>,
) -> Result<Json<Upload>, ApiError> {
    let u = compat::upload(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_ticket(&state, &user, u.ticket_id).await?;
    let site = Site::load(&state).await?;
    Ok(Json(Upload::new(&site, u)))
}

/// `GET /flicket-api/uploads/`.
async fn uploads(
    state: State<AppState>,
    user: ApiUser,
    query: Query<Params>,
) -> Result<Json<Collection<Upload>>, ApiError> {
    uploads_at(state, user, 1, query).await
}

/// `GET /flicket-api/uploads/<page>/`.
async fn uploads_page(
    state: State<AppState>,
    user: ApiUser,
    ApiId(PageNo(page)): ApiId<PageNo>,
    query: Query<Params>,
) -> Result<Json<Collection<Upload>>, ApiError> {
    uploads_at(state, user, page, query).await
}

/// Every attachment of the tickets the user may see, by number.
async fn uploads_at(
    State(state): State<AppState>,
    user: ApiUser,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Upload>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(page, &query)?;
    let total = compat::count_uploads(&state.pool).await?;
    let rows = compat::uploads(&state.pool, at.per_page, at.offset()).await?;
    let rows = keep_visible(&state, &actor(&user), rows, |u| u.ticket_id).await?;
    let items = rows.into_iter().map(|u| Upload::new(&site, u)).collect();
    Ok(Json(Collection::of(
        &site,
        Paging::Path("uploads/"),
        &[],
        (at, total),
        items,
    )?))
}

/// A history's `links`.
#[derive(Serialize)]
struct HistoryLinks {
    #[serde(rename = "self")]
    this: String,
    histories: String,
    post: Option<String>,
    ticket: Option<String>,
    user: Option<String>,
}

/// A previous version of a ticket's body (`topic_id`) or of a reply (`post_id`).
#[derive(Serialize)]
pub struct History {
    id: i64,
    /// When it was replaced.
    date_modified: String,
    original_content: String,
    post_id: Option<i64>,
    topic_id: Option<i64>,
    /// Who had written it.
    user_id: Option<i64>,
    links: HistoryLinks,
}

impl History {
    fn new(site: &Site, h: HistoryRow) -> Self {
        let topic = h.post_id.is_none().then_some(h.ticket_id);
        History {
            id: h.edit_id,
            date_modified: date(h.edited_at),
            original_content: h.original_content,
            post_id: h.post_id.map(|p| p.0),
            topic_id: topic.map(|t| t.0),
            user_id: h.author_id.map(|u| u.0),
            links: HistoryLinks {
                this: site.url(&format!("history/{}", h.edit_id)),
                histories: site.url("histories/"),
                post: h.post_id.map(|p| site.url(&format!("post/{p}"))),
                ticket: topic.map(|t| site.url(&format!("ticket/{t}"))),
                user: h.author_id.map(|u| site.url(&format!("user/{u}"))),
            },
        }
    }
}

/// `GET /flicket-api/history/<id>`.
async fn history(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<i64>,
) -> Result<Json<History>, ApiError> {
    let h = compat::history(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_ticket(&state, &user, h.ticket_id).await?;
    let site = Site::load(&state).await?;
    Ok(Json(History::new(&site, h)))
}

/// `GET /flicket-api/histories/?topic_id=&post_id=`.
async fn histories(
    state: State<AppState>,
    user: ApiUser,
    query: Query<Params>,
) -> Result<Json<Collection<History>>, ApiError> {
    histories_at(state, user, 1, query).await
}

/// `GET /flicket-api/histories/<page>/?topic_id=&post_id=`.
async fn histories_page(
    state: State<AppState>,
    user: ApiUser,
    ApiId(PageNo(page)): ApiId<PageNo>,
    query: Query<Params>,
) -> Result<Json<Collection<History>>, ApiError> {
    histories_at(state, user, page, query).await
}

/// Previous versions by id: of a ticket's body (`topic_id`), of a reply (`post_id`), or all.
async fn histories_at(
    State(state): State<AppState>,
    user: ApiUser,
    page: i64,
    Query(query): Query<Params>,
) -> Result<Json<Collection<History>>, ApiError> {
    let topic = int_filter(&query, "topic_id")?.map(TicketId);
    let post = int_filter(&query, "post_id")?.map(PostId);
    let site = Site::load(&state).await?;
    let at = site.window(page, &query)?;
    let total = compat::count_histories(&state.pool, topic, post).await?;
    let rows = compat::histories(&state.pool, topic, post, at.per_page, at.offset()).await?;
    let rows = keep_visible(&state, &actor(&user), rows, |h| h.ticket_id).await?;
    let items = rows.into_iter().map(|h| History::new(&site, h)).collect();
    let mut filters = vec![];
    if let Some(t) = topic {
        filters.push(("topic_id", t.to_string()));
    }
    if let Some(p) = post {
        filters.push(("post_id", p.to_string()));
    }
    Ok(Json(Collection::of(
        &site,
        Paging::Path("histories/"),
        &filters,
        (at, total),
        items,
    )?))
}

/// An action's `links`.
#[derive(Serialize)]
struct ActionLinks {
    #[serde(rename = "self")]
    this: String,
    actions: String,
}

/// A line of a ticket's activity.
#[derive(Serialize)]
pub struct Action {
    id: i64,
    ticket_id: i64,
    /// Shown after this reply (null: after the ticket's body).
    post_id: Option<i64>,
    /// `claim`, `assign`, `release`, `close`, `status`, `priority`, `department_category`, `subscribe`, …
    action: String,
    data: Option<Value>,
    /// Who did it.
    user_id: Option<i64>,
    /// Whom it was about.
    recipient_id: Option<i64>,
    date: String,
    links: ActionLinks,
}

impl Action {
    fn new(site: &Site, a: ActionRow) -> Self {
        Action {
            id: a.activity_id,
            ticket_id: a.ticket_id.0,
            post_id: a.post_id.map(|p| p.0),
            action: a.kind,
            data: a.data,
            user_id: a.actor_id.map(|u| u.0),
            recipient_id: a.recipient_id.map(|u| u.0),
            date: date(a.created_at),
            links: ActionLinks {
                this: site.url(&format!("action/{}", a.activity_id)),
                actions: site.url(&format!("actions/{}", a.ticket_id)),
            },
        }
    }
}

/// `GET /flicket-api/action/<id>`.
async fn action(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<i64>,
) -> Result<Json<Action>, ApiError> {
    let a = compat::action(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_ticket(&state, &user, a.ticket_id).await?;
    let site = Site::load(&state).await?;
    Ok(Json(Action::new(&site, a)))
}

/// `GET /flicket-api/actions/<ticket_id>?page=`: oldest first; none under a ticket unknown or not shown (see
/// [`ticket_shown`]).
async fn actions(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<TicketId>,
    Query(query): Query<Params>,
) -> Result<Json<Collection<Action>>, ApiError> {
    let site = Site::load(&state).await?;
    let at = site.window(query_page(&query), &query)?;
    let (rows, total) = if ticket_shown(&state, &user, id).await? {
        (
            compat::actions(&state.pool, id, at.per_page, at.offset()).await?,
            compat::count_actions(&state.pool, id).await?,
        )
    } else {
        (vec![], 0)
    };
    let items = rows.into_iter().map(|a| Action::new(&site, a)).collect();
    let path = format!("actions/{id}");
    Ok(Json(Collection::of(
        &site,
        Paging::Query(&path),
        &[],
        (at, total),
        items,
    )?))
}
