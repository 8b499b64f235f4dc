//! Role × route matrix: every admin route and every department-management route, for an anonymous visitor, a user,
//! a super user, an admin, and a user disabled while signed in. Checked on the server, whatever the page shows.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

/// Every route of the admin area, with placeholders for ids.
const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/disable"),
    ("POST", "/admin/users/{user}/enable"),
    ("POST", "/admin/users/{user}/reset-password"),
    ("POST", "/admin/users/{user}/delete"),
    ("GET", "/admin/groups"),
    ("POST", "/admin/groups"),
    ("GET", "/admin/groups/{group}"),
    ("POST", "/admin/groups/{group}/rename"),
    ("POST", "/admin/groups/{group}/members"),
    ("POST", "/admin/groups/{group}/members/{user}/remove"),
    ("POST", "/admin/groups/{group}/delete"),
    ("GET", "/admin/departments"),
    ("GET", "/admin/statuses"),
    ("POST", "/admin/statuses/statuses"),
    ("POST", "/admin/statuses/priorities/{priority}"),
    ("POST", "/admin/statuses/statuses/{status}/move"),
    ("POST", "/admin/statuses/statuses/{status}/delete"),
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
    ("POST", "/admin/settings/test-email"),
    ("GET", "/admin/settings/test-email/{outbox}"),
    ("GET", "/admin/audit"),
    // Not a real page: the admin router refuses it before any handler (deny by default), then 404s for admins.
    ("GET", "/admin/no-such-page"),
];

/// Department and category management: admins and super users.
const STAFF_ROUTES: &[(&str, &str)] = &[
    ("POST", "/departments"),
    ("POST", "/departments/{department}/rename"),
    ("POST", "/departments/{department}/categories"),
    (
        "POST",
        "/departments/{department}/categories/{category}/rename",
    ),
    (
        "POST",
        "/departments/{department}/categories/{category}/delete",
    ),
    ("POST", "/departments/{department}/delete"),
];

struct Ids {
    user: i64,
    group: i64,
    status: i64,
    priority: i64,
    outbox: i64,
    department: i64,
    category: i64,
}

async fn fixtures(pool: &PgPool) -> Ids {
    let q = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    Ids {
        user: create_user(pool, "target", false, flicket_core::Locale::En).await.0,
        group: q("insert into groups (name) values ('Support') returning group_id").await,
        status: q("insert into statuses (kind, name, position) values ('custom', 'Parked', 9) returning status_id").await,
        priority: q("select priority_id from priorities where kind = 'low'").await,
        outbox: q("insert into outbox (idempotency_key, kind, recipient_email) values ('test_email:m', 'test_email', 'a@example.com') returning outbox_id").await,
        department: q("insert into departments (name) values ('Matrix') returning department_id").await,
        category: q("insert into categories (department_id, name) select department_id, 'Cells' from departments where name = 'Matrix' returning category_id").await,
    }
}

fn fill(path: &str, ids: &Ids) -> String {
    path.replace("{user}", &ids.user.to_string())
        .replace("{group}", &ids.group.to_string())
        .replace("{status}", &ids.status.to_string())
        .replace("{priority}", &ids.priority.to_string())
        .replace("{outbox}", &ids.outbox.to_string())
        .replace("{department}", &ids.department.to_string())
        .replace("{category}", &ids.category.to_string())
}

async fn request(app: &TestApp, method: &str, path: &str) -> reqwest::Response {
    match method {
        "GET" => app.get(path).await,
        _ => post(app, path, &[("name", "Renamed"), ("direction", "up")]).await,
    }
}

/// What a role must get: `Login` (sent to sign in), `Forbidden`, or `Allowed` (anything else but those two).
#[derive(Debug, PartialEq)]
enum Outcome {
    Login,
    Forbidden,
    Allowed,
}

fn outcome(resp: &reqwest::Response) -> Outcome {
    let loc = location(resp);
    if resp.status() == StatusCode::SEE_OTHER && loc.starts_with("/login") {
        Outcome::Login
    } else if resp.status() == StatusCode::FORBIDDEN {
        Outcome::Forbidden
    } else {
        assert!(
            resp.status() != StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            resp.url()
        );
        Outcome::Allowed
    }
}

async fn check(pool: &PgPool, routes: &[(&str, &str)], allowed: &[Role]) {
    let ids = fixtures(pool).await;
    for (i, role) in ROLES.iter().enumerate() {
        let app = app_as(pool, *role, &format!("who{i}")).await;
        for (method, path) in routes {
            let path = fill(path, &ids);
            let resp = request(&app, method, &path).await;
            let expected = match role {
                Role::Anonymous | Role::Disabled => Outcome::Login,
                r if allowed.contains(r) => Outcome::Allowed,
                _ => Outcome::Forbidden,
            };
            assert_eq!(outcome(&resp), expected, "{role:?} {method} {path}");
        }
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn only_admins_reach_the_admin_area(pool: PgPool) {
    check(&pool, ADMIN_ROUTES, &[Role::Admin]).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn only_admins_and_super_users_manage_departments(pool: PgPool) {
    check(&pool, STAFF_ROUTES, &[Role::Admin, Role::SuperUser]).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_admin_link_shows_for_admins_only(pool: PgPool) {
    let user = app_as(&pool, Role::User, "plain").await;
    assert!(!user.get_text("/").await.contains("href=\"/admin\""));
    let admin = admin_app(&pool).await;
    assert!(admin.get_text("/").await.contains("href=\"/admin\""));
    assert!(
        admin
            .get_text("/admin")
            .await
            .contains("href=\"/admin/settings\"")
    );
}
