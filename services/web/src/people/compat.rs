//! People: `user/<id>` and `users/?name=`. Email addresses are shown to admins and super users (and to a person for
//! their own account), as in `/api/v1/users`; to everyone else `email` is null.

use axum::Json;
use axum::extract::{Query, State};
use flicket_core::domain::UserId;
use flicket_core::permissions::admin::can_see_emails;
use flicket_core::repo::{compat, users};
use serde::Serialize;

use crate::api::{ApiError, ApiUser};
use crate::api_compat::{Collection, Paging, Params, ParamsExt as _, Site, actor, query_page};
use crate::extract::ApiId;
use crate::state::AppState;

/// A user's `links`.
#[derive(Serialize)]
struct UserLinks {
    #[serde(rename = "self")]
    this: String,
    users: String,
}

/// A person.
#[derive(Serialize)]
pub struct User {
    id: i64,
    /// Absolute URL of the avatar (a default image when there is none).
    avatar: String,
    email: Option<String>,
    /// `unknown` when empty, as in Flicket.
    job_title: String,
    name: String,
    username: String,
    /// Tickets raised plus replies written.
    total_posts: i64,
    links: UserLinks,
}

/// The facts of a user shown here.
struct Shown {
    id: UserId,
    has_avatar: bool,
    email: Option<String>,
    job_title: String,
    name: String,
    username: String,
    posts: i64,
}

impl User {
    fn new(site: &Site, u: Shown) -> Self {
        let avatar = if u.has_avatar {
            format!("{}/users/{}/avatar", site.base, u.id)
        } else {
            format!("{}/static/favicon.svg", site.base)
        };
        User {
            id: u.id.0,
            avatar,
            email: u.email,
            job_title: if u.job_title.trim().is_empty() {
                "unknown".to_owned()
            } else {
                u.job_title
            },
            name: u.name,
            username: u.username,
            total_posts: u.posts,
            links: UserLinks {
                this: site.url(&format!("user/{}", u.id)),
                users: site.url("users/"),
            },
        }
    }
}

/// `GET /flicket-api/user/<id>`.
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId<UserId>,
) -> Result<Json<User>, ApiError> {
    let p = users::profile(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let show_email = can_see_emails(&actor(&user)) || p.user_id == user.0.user_id;
    let site = Site::load(&state).await?;
    let shown = Shown {
        id: p.user_id,
        has_avatar: p.avatar.is_some(),
        email: show_email.then_some(p.email),
        job_title: p.job_title,
        name: p.name,
        username: p.username,
        posts: p.posts,
    };
    Ok(Json(User::new(&site, shown)))
}

/// `GET /flicket-api/users/?name=&page=`: every user, by id, as Flicket listed them (`FlicketUser.query`, no
/// order). `name` filters as Flicket's `FlicketUser.name.ilike('%{name}%')` did: on the display name only (not the
/// user name), ignoring case, and with `%` and `_` in it working as `LIKE` wildcards, as they did there.
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<User>>, ApiError> {
    let show_emails = can_see_emails(&actor(&user));
    let name = query.text("name");
    let like = name.as_ref().map(|n| format!("%{n}%"));
    let site = Site::load(&state).await?;
    let at = site.window(query_page(&query), &query)?;
    let total = compat::count_users(&state.pool, like.as_deref()).await?;
    let rows = compat::users(&state.pool, like.as_deref(), at.per_page, at.offset()).await?;
    let items = rows
        .into_iter()
        .map(|u| {
            let show = show_emails || u.user_id == user.0.user_id;
            let shown = Shown {
                id: u.user_id,
                has_avatar: u.has_avatar,
                email: show.then_some(u.email),
                job_title: u.job_title,
                name: u.name,
                username: u.username,
                posts: u.posts,
            };
            User::new(&site, shown)
        })
        .collect();
    let filters: Vec<(&str, String)> = name.map(|n| ("name", n)).into_iter().collect();
    Ok(Json(Collection::of(
        &site,
        Paging::Query("users/"),
        &filters,
        (at, total),
        items,
    )?))
}
