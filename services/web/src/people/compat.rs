//! People: `user/<id>` and `users/?name=`. Email addresses are shown to admins and super users (and to a person for
//! their own account), as in `/api/v1/users`; to everyone else `email` is null.

use axum::Json;
use axum::extract::{Query, State};
use flicket_core::domain::UserId;
use flicket_core::permissions::admin::can_see_emails;
use flicket_core::repo::users;
use serde::Serialize;

use crate::api::{ApiError, ApiUser};
use crate::api_compat::{
    Collection, Paging, Params, ParamsExt as _, Site, actor, offset, query_page,
};
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

/// `GET /flicket-api/users/?name=&page=`: the directory, by user name (`name` matches part of the name or the
/// user name, as the directory's search).
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<Params>,
) -> Result<Json<Collection<User>>, ApiError> {
    let show_emails = can_see_emails(&actor(&user));
    let name = query.text("name").unwrap_or_default();
    let site = Site::load(&state).await?;
    let (page, per_page) = (query_page(&query), site.per_page(&query));
    let total = users::count_search(&state.pool, &name, false).await?;
    let rows = users::search(&state.pool, &name, false, per_page, offset(page, per_page)).await?;
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
    let filters: Vec<(&str, String)> = if name.is_empty() {
        vec![]
    } else {
        vec![("name", name)]
    };
    Ok(Json(Collection::of(
        &site,
        Paging::Query("users/"),
        &filters,
        (page, per_page, total),
        items,
    )))
}
