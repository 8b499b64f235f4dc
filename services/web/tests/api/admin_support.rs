//! Helpers of the people and admin tests: signed-in clients per role, direct inserts of what other areas own.

use flicket_core::Locale;
use flicket_core::domain::UserId;
use flicket_core::repo;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

/// Who is making the request in a role × route check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Anonymous,
    User,
    SuperUser,
    Admin,
    /// Signed in, then disabled behind the session's back (its session row survives).
    Disabled,
}

pub const ROLES: [Role; 5] = [
    Role::Anonymous,
    Role::User,
    Role::SuperUser,
    Role::Admin,
    Role::Disabled,
];

/// A running app with a client signed in as `username` (created with `PASSWORD`) in the given role.
pub async fn app_as(pool: &PgPool, role: Role, username: &str) -> TestApp {
    let app = spawn_app(pool.clone()).await;
    if role == Role::Anonymous {
        return app;
    }
    let id = create_user(
        pool,
        username,
        matches!(role, Role::Admin | Role::Disabled),
        Locale::En,
    )
    .await;
    if role == Role::SuperUser {
        repo::users::add_to_group(pool, id, "super_user")
            .await
            .unwrap();
    }
    let resp = app.login(username, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
    if role == Role::Disabled {
        sqlx::query("update users set disabled = true where user_id = $1")
            .bind(id.0)
            .execute(pool)
            .await
            .unwrap();
    }
    app
}

/// A signed-in admin's app.
pub async fn admin_app(pool: &PgPool) -> TestApp {
    app_as(pool, Role::Admin, "root").await
}

/// The id of a user by name.
pub async fn user_id(pool: &PgPool, username: &str) -> UserId {
    UserId(
        sqlx::query_scalar("select user_id from users where username = $1")
            .bind(username)
            .fetch_one(pool)
            .await
            .unwrap(),
    )
}

/// Posts a form with the CSRF token of this client (read from a page every client may see).
pub async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.csrf("/password-reset").await;
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
    form.extend_from_slice(fields);
    app.post_form(path, &form).await
}

/// A ticket raised by `creator` in the first category (tickets belong to another area: inserted directly).
pub async fn insert_ticket(pool: &PgPool, creator: UserId, category: Option<i64>) -> i64 {
    sqlx::query_scalar(
        "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
         values ('A ticket', 'Some content here',
                 $1, coalesce($2, (select min(category_id) from categories)),
                 (select status_id from statuses where kind = 'open'),
                 (select priority_id from priorities where kind = 'low'))
         returning ticket_id",
    )
    .bind(creator.0)
    .bind(category)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Number of audit rows with this action.
pub async fn audit_count(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Whether a user is an enabled member of `admin`.
pub async fn is_admin(pool: &PgPool, id: UserId) -> bool {
    sqlx::query_scalar(
        "select exists(select 1 from user_groups ug join groups g using (group_id) join users u using (user_id)
                       where g.name = 'admin' and ug.user_id = $1 and not u.disabled)",
    )
    .bind(id.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The settings form's fields (without the tick boxes, which each test adds when it wants them on).
pub fn settings_fields<'a>(
    title: &'a str,
    smtp_host: &'a str,
    smtp_port: &'a str,
    smtp_username: &'a str,
    smtp_password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("application_title", title),
        ("base_url", "https://help.example.com/"),
        ("page_size", "25"),
        ("allowed_extensions", "pdf, png, txt"),
        ("max_upload_bytes", "2097152"),
        ("max_request_bytes", "30000000"),
        ("max_uploads_per_post", "5"),
        ("csv_limit", "500"),
        ("smtp_host", smtp_host),
        ("smtp_port", smtp_port),
        ("smtp_tls", "starttls"),
        ("smtp_username", smtp_username),
        ("smtp_password", smtp_password),
        ("mail_from", "help@example.com"),
        ("digest_cron", "0 7 * * Mon"),
        ("digest_timezone", "Europe/Paris"),
    ]
}
