//! What the ticket tests share: an app with its own upload directory, signed-in clients, hand-built multipart
//! bodies (so hostile file names can be sent byte for byte), and direct looks at the database.

use std::path::PathBuf;

use flicket_core::domain::{CategoryId, PriorityId, StatusId, TicketId, Title, UserId};
use flicket_core::permissions::Actor;
use flicket_core::tickets::ops::{self, NewTicketInput, ReplyInput};
use flicket_core::tickets::{Body, Hours};
use flicket_core::{Config, Locale};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

/// An app whose uploads go to a fresh directory (removed on drop).
pub struct TicketApp {
    pub app: TestApp,
    pub uploads: PathBuf,
    pub pool: PgPool,
}

impl Drop for TicketApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.uploads);
    }
}

impl std::ops::Deref for TicketApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

fn config(uploads: &std::path::Path) -> Config {
    let vars = [
        ("FLICKET_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "FLICKET_UPLOAD_DIR".to_owned(),
            uploads.display().to_string(),
        ),
        (
            "FLICKET_EMAIL_QUEUE".to_owned(),
            "flicket:test:web-email".to_owned(),
        ),
    ];
    Config::from_vars(vars).unwrap()
}

pub async fn spawn_ticket_app(pool: PgPool) -> TicketApp {
    let uploads =
        std::env::temp_dir().join(format!("flicket-uploads-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&uploads).unwrap();
    let app = spawn_app_with(pool.clone(), config(&uploads)).await;
    TicketApp { app, uploads, pool }
}

impl TicketApp {
    /// Another browser (own cookies) on a second web replica sharing the database and the upload directory.
    pub async fn browser(&self) -> TestApp {
        spawn_app_with(self.pool.clone(), config(&self.uploads)).await
    }

    /// Files in the upload directory (not counting the temporary folder).
    pub fn stored_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.uploads)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Files left in the temporary folder.
    pub fn temp_files(&self) -> usize {
        std::fs::read_dir(self.uploads.join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

/// A signed-in client for `username` (created with [`create_user`] beforehand).
pub async fn signed_in(t: &TicketApp, username: &str) -> TestApp {
    let b = t.browser().await;
    assert_eq!(
        b.login(username, PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "{username} signs in"
    );
    b
}

/// A `multipart/form-data` body built byte by byte.
pub struct Multi {
    boundary: String,
    body: Vec<u8>,
}

impl Multi {
    pub fn new() -> Self {
        Self {
            boundary: "----flicket-test-boundary-7d1c".into(),
            body: vec![],
        }
    }

    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.raw_text(name, value.as_bytes());
        self
    }

    pub fn raw_text(&mut self, name: &str, value: &[u8]) {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(value);
        self.body.extend_from_slice(b"\r\n");
    }

    /// A file part; the name is sent exactly as given (it may hold quotes escaped by the caller, or invalid UTF-8).
    pub fn file(mut self, filename: &[u8], content: &[u8]) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(filename);
        self.body
            .extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        self.body.extend_from_slice(content);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The same form with a first part holding the CSRF token.
    pub fn with_token_first(self, token: &str) -> Self {
        let mut first = Multi::new().text("csrf_token", token);
        first.body.extend_from_slice(&self.body);
        first
    }

    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

impl TestApp {
    /// Posts a multipart form to `path` with the CSRF token of `token_page` in its first part, as the pages do.
    pub async fn post_multi(&self, path: &str, token_page: &str, form: Multi) -> reqwest::Response {
        let token = self.csrf(token_page).await;
        let (content_type, body) = form.with_token_first(&token).finish();
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Posts an urlencoded form with the CSRF token of `token_page`.
    pub async fn post_action(
        &self,
        path: &str,
        token_page: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(token_page).await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post_form(path, &form).await
    }

    /// Posts the new-ticket form.
    pub async fn post_ticket(&self, form: Multi) -> reqwest::Response {
        self.post_multi("/tickets", "/tickets/new", form).await
    }

    /// Posts the reply form of the ticket `id`.
    pub async fn post_reply(&self, id: TicketId, form: Multi) -> reqwest::Response {
        self.post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            form,
        )
        .await
    }

    /// Posts an action form (as `post_action`) and returns the page its redirect leads to (as `flash_after`).
    pub async fn post_flash(
        &self,
        path: &str,
        token_page: &str,
        fields: &[(&str, &str)],
    ) -> String {
        flash_after(self, self.post_action(path, token_page, fields).await).await
    }
}

/// A form of the given fields, in order.
pub fn form_of(fields: &[(&str, &str)]) -> Multi {
    fields.iter().fold(Multi::new(), |m, (k, v)| m.text(k, v))
}

fn with(defaults: &[(&str, &str)], overrides: &[(&str, &str)]) -> Multi {
    let mut fields: Vec<(&str, &str)> = defaults
        .iter()
        .map(|(k, v)| {
            (
                *k,
                overrides
                    .iter()
                    .find(|(o, _)| o == k)
                    .map(|(_, v)| *v)
                    .unwrap_or(v),
            )
        })
        .collect();
    fields.extend(
        overrides
            .iter()
            .filter(|(o, _)| !defaults.iter().any(|(k, _)| k == o)),
    );
    form_of(&fields)
}

/// The create form with valid values, some replaced or added.
pub fn ticket_form_with(title: &str, body: &str, overrides: &[(&str, &str)]) -> Multi {
    let defaults = [
        ("title", title),
        ("content", body),
        ("priority_id", "2"),
        ("category_id", "1"),
        ("hours", "1.5"),
    ];
    with(&defaults, overrides)
}

/// The create form with valid values.
pub fn ticket_form(title: &str, body: &str) -> Multi {
    ticket_form_with(title, body, &[])
}

/// The reply form keeping status Open and priority medium, some values replaced or added.
pub fn reply_form_with(body: &str, overrides: &[(&str, &str)]) -> Multi {
    let defaults = [
        ("content", body),
        ("status_id", "1"),
        ("priority_id", "2"),
        ("hours", "0.25"),
    ];
    with(&defaults, overrides)
}

/// The reply form keeping status Open and priority medium.
pub fn reply_form(body: &str) -> Multi {
    reply_form_with(body, &[])
}

/// Creates a ticket through the page; returns its id.
pub async fn create_via_page(b: &TestApp, title: &str, body: &str) -> TicketId {
    let resp = b.post_ticket(ticket_form(title, body)).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{}",
        resp.text().await.unwrap()
    );
    ticket_of(&resp)
}

/// The ticket a new-ticket form's redirect leads to.
pub fn ticket_of(resp: &reqwest::Response) -> TicketId {
    TicketId(
        location(resp)
            .trim_start_matches("/tickets/")
            .parse()
            .unwrap(),
    )
}

/// The latest post of the ticket `id`.
pub async fn last_post(pool: &PgPool, id: TicketId) -> i64 {
    scalar_i64(
        pool,
        "select max(post_id) from posts where ticket_id = $1",
        id.0,
    )
    .await
}

/// Creates a ticket directly with the core operation (fast set-up for the matrix).
pub async fn create_direct(pool: &PgPool, creator: UserId, title: &str) -> TicketId {
    let mut tx = pool.begin().await.unwrap();
    let actor = Actor {
        user_id: creator,
        is_admin: false,
        is_super_user: false,
    };
    let input = NewTicketInput {
        title: Title::parse(title).unwrap(),
        body: Body::parse("Something does not work.").unwrap(),
        priority_id: PriorityId(2),
        category_id: CategoryId(1),
        hours: Hours::parse("1").unwrap(),
        files: vec![],
    };
    let id = ops::create(&mut tx, &actor, &input).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub fn actor(user_id: UserId) -> Actor {
    Actor {
        user_id,
        is_admin: false,
        is_super_user: false,
    }
}

pub async fn user(pool: &PgPool, name: &str) -> UserId {
    create_user(pool, name, false, Locale::En).await
}

pub async fn add_group(pool: &PgPool, id: UserId, group: &str) {
    flicket_core::repo::users::add_to_group(pool, id, group)
        .await
        .unwrap();
}

pub async fn scalar_i64(pool: &PgPool, sql: &'static str, id: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

pub async fn status_kind(pool: &PgPool, id: TicketId) -> String {
    sqlx::query_scalar(
        "select s.kind from tickets t join statuses s using (status_id) where ticket_id = $1",
    )
    .bind(id.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn assignee(pool: &PgPool, id: TicketId) -> Option<i64> {
    sqlx::query_scalar("select assignee_id from tickets where ticket_id = $1")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .unwrap()
}

pub async fn activity_kinds(pool: &PgPool, id: TicketId) -> Vec<String> {
    sqlx::query_scalar("select kind from activities where ticket_id = $1 order by activity_id")
        .bind(id.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

pub async fn subscriber_ids(pool: &PgPool, id: TicketId) -> Vec<i64> {
    sqlx::query_scalar("select user_id from subscriptions where ticket_id = $1 order by user_id")
        .bind(id.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Outbox rows of a ticket as (kind, key, recipient), oldest first.
pub async fn outbox_rows(pool: &PgPool, id: TicketId) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "select kind, idempotency_key, recipient_id from outbox where ticket_id = $1 order by outbox_id",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Every user's counters compared with a recount: (user, total_posts, recount, total_assigned, recount).
pub async fn counters_drift(pool: &PgPool) -> Vec<(i64, i32, i64, i32, i64)> {
    sqlx::query_as(
        "select * from (
            select u.user_id, u.total_posts,
                   (select count(*) from tickets where creator_id = u.user_id)
                     + (select count(*) from posts where author_id = u.user_id) as posts,
                   u.total_assigned,
                   (select count(*) from tickets where assignee_id = u.user_id) as assigned
            from users u) c
         where total_posts <> posts or total_assigned <> assigned",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Adds a reply directly with the core operation; returns its id.
pub async fn direct_reply(
    pool: &PgPool,
    author: flicket_core::domain::UserId,
    id: TicketId,
    text: &str,
    hours: &str,
) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let input = ReplyInput {
        body: Body::parse(text).unwrap(),
        status_id: StatusId(1),
        priority_id: PriorityId(2),
        hours: Hours::parse(hours).unwrap(),
        files: vec![],
        and_close: false,
    };
    let (post, _) = ops::reply(&mut tx, &actor(author), id, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    post.0
}

/// Follows the redirect after a change (through `/posts/{id}` when there is one) and returns the page.
pub async fn flash_after(b: &TestApp, resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mut next = b.get(&location(&resp)).await;
    while next.status().is_redirection() {
        next = b.get(&location(&next)).await;
    }
    next.text().await.unwrap()
}

/// How many rows of `table` belong to the ticket `id`.
pub async fn ticket_rows(pool: &PgPool, table: &str, id: TicketId) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("select count(*) from {table} where ticket_id = $1"));
    sqlx::query_scalar(sql)
        .bind(id.0)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The stored rows of a ticket's attachments: (id, original name, stored name, size, post), oldest first.
pub async fn attachment_rows(
    pool: &PgPool,
    id: TicketId,
) -> Vec<(uuid::Uuid, String, String, i64, Option<i64>)> {
    sqlx::query_as(
        "select attachment_id, original_name, stored_name, size_bytes, post_id from attachments
         where ticket_id = $1 order by created_at, original_name",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Whether a stored file name is one of the random names uploads are stored under.
pub fn is_random_name(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}
