//! The JSON API's new endpoints for every role: anonymous, expired and disabled tokens get 401 and change nothing;
//! users, super users and admins get what the UI gives them. The existing ticket endpoints driven by a super user.

use flicket_core::Locale;
use flicket_core::domain::{TicketId, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_tickets::{get, json_of, post, token_for};
use crate::tickets_support::*;

/// Any request with an optional bearer token and an optional JSON body.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

pub async fn patch(app: &TestApp, path: &str, bearer: &str, body: Value) -> reqwest::Response {
    send(app, Method::PATCH, path, Some(bearer), Some(body)).await
}

pub async fn delete(app: &TestApp, path: &str, bearer: &str) -> reqwest::Response {
    send(app, Method::DELETE, path, Some(bearer), None).await
}

/// Posts a multipart body (built byte by byte) with a bearer token.
pub async fn upload(
    app: &TestApp,
    path: &str,
    bearer: Option<&str>,
    form: Multi,
) -> reqwest::Response {
    let (content_type, body) = form.finish();
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    req.send().await.unwrap()
}

pub async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap()
}

pub async fn ticket_title(pool: &PgPool, id: TicketId) -> String {
    sqlx::query_scalar("select title from tickets where ticket_id = $1")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The people of the matrix: ada (creator), bob (user), sam (super user), root (admin).
pub struct Cast {
    pub ada: UserId,
    pub bob: UserId,
    pub sam: UserId,
    pub root: UserId,
}

pub async fn cast(pool: &PgPool) -> Cast {
    let ada = user(pool, "ada").await;
    let bob = user(pool, "bob").await;
    let sam = user(pool, "sam").await;
    add_group(pool, sam, "super_user").await;
    let root = create_user(pool, "root", true, Locale::En).await;
    Cast {
        ada,
        bob,
        sam,
        root,
    }
}

/// Every new endpoint as (method, path, body), for a ticket, a reply, a user, a department and a category.
fn new_endpoints(
    t: i64,
    post_id: i64,
    uid: i64,
    dept: i64,
    cat: i64,
) -> Vec<(Method, String, Option<Value>)> {
    let tk = |p: &str| format!("/api/v1/tickets/{t}{p}");
    vec![
        (
            Method::PATCH,
            tk(""),
            Some(json!({"title": "Changed title"})),
        ),
        (Method::GET, tk("/history"), None),
        (Method::GET, tk("/activity"), None),
        (Method::GET, tk("/subscribers"), None),
        (Method::POST, tk("/subscribers"), Some(json!({}))),
        (Method::DELETE, tk(&format!("/subscribers/{uid}")), None),
        (Method::GET, tk("/attachments"), None),
        (
            Method::POST,
            tk(&format!("/attachments?post_id={post_id}")),
            None,
        ),
        (
            Method::GET,
            "/api/v1/attachments/00000000-0000-0000-0000-000000000000".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"username": "eve", "name": "Eve", "email": "eve@example.com",
                        "password": "a long enough password 42"}),
            ),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{uid}"),
            Some(json!({"name": "Renamed"})),
        ),
        (
            Method::POST,
            "/api/v1/departments".into(),
            Some(json!({"name": "Legal"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/departments/{dept}"),
            Some(json!({"name": "Renamed"})),
        ),
        (Method::DELETE, format!("/api/v1/departments/{dept}"), None),
        (
            Method::POST,
            "/api/v1/categories".into(),
            Some(json!({"department_id": dept, "name": "Contracts"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/categories/{cat}"),
            Some(json!({"name": "Renamed"})),
        ),
        (Method::DELETE, format!("/api/v1/categories/{cat}"), None),
    ]
}

/// A snapshot of everything the endpoints could change.
async fn state_of(pool: &PgPool) -> Vec<i64> {
    let mut v = vec![];
    for sql in [
        "select count(*) from activities",
        "select count(*) from edit_history",
        "select count(*) from subscriptions",
        "select count(*) from attachments",
        "select count(*) from users",
        "select count(*) from users where disabled",
        "select count(*) from departments",
        "select count(*) from categories",
        "select count(*) from audit_log",
        "select count(*) from tickets where title = 'Changed title'",
        "select count(*) from users where name = 'Renamed'",
        "select count(*) from departments where name = 'Renamed'",
        "select count(*) from categories where name = 'Renamed'",
    ] {
        v.push(count(pool, sql).await);
    }
    v
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn anonymous_expired_and_disabled_tokens_get_401_and_change_nothing(pool: PgPool) {
    let c = cast(&pool).await;
    let dave = user(&pool, "dave").await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let post_id = direct_reply(&pool, c.ada, t, "A reply to edit.", "0").await;
    let dept: i64 = sqlx::query_scalar(
        "insert into departments (name) values ('Empty') returning department_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let cat: i64 = sqlx::query_scalar(
        "insert into categories (department_id, name) values ($1, 'Unused') returning category_id",
    )
    .bind(dept)
    .fetch_one(&pool)
    .await
    .unwrap();
    let app = spawn_ticket_app(pool.clone()).await;
    let expired = token_for(&app, "ada").await;
    sqlx::query("update api_tokens set expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    // Dave is an admin whose account is disabled: the strongest token there is, and still refused.
    add_group(&pool, dave, "admin").await;
    let disabled = token_for(&app, "dave").await;
    let mut conn = pool.acquire().await.unwrap();
    flicket_core::repo::users::set_disabled(&mut conn, dave, true)
        .await
        .unwrap();
    let before = state_of(&pool).await;
    for (method, path, body) in new_endpoints(t.0, post_id, c.bob.0, dept, cat) {
        for bearer in [None, Some(expired.as_str()), Some(disabled.as_str())] {
            let resp = if path.contains("/attachments?") {
                let form = Multi::new().file(b"notes.txt", b"hello");
                upload(&app, &path, bearer, form).await
            } else {
                send(&app, method.clone(), &path, bearer, body.clone()).await
            };
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(resp.headers()["www-authenticate"], "Bearer");
            let err: Value = resp.json().await.unwrap();
            assert_eq!(err["error"], "Unauthorized", "{method} {path}");
        }
    }
    assert_eq!(state_of(&pool).await, before);
    assert!(app.stored_files().is_empty());
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn ticket_edits_history_and_attachments_follow_the_ui_roles(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_ticket_app(pool.clone()).await;
    let tok = |n: &'static str| {
        let app = &app;
        async move { token_for(app, n).await }
    };
    let (ta, tb, ts, tr) = (
        tok("ada").await,
        tok("bob").await,
        tok("sam").await,
        tok("root").await,
    );
    let path = format!("/api/v1/tickets/{t}");

    // Editing the ticket: its creator or an admin (a super user is not enough, as in the UI).
    for (token, who) in [(&tb, "bob"), (&ts, "sam")] {
        let resp = patch(&app, &path, token, json!({"title": format!("By {who}")})).await;
        assert_eq!(
            json_of(resp, StatusCode::FORBIDDEN).await["error"],
            "Forbidden"
        );
        assert_eq!(ticket_title(&pool, t).await, "Printer on fire");
    }
    for (token, title) in [(&ta, "Edited by ada"), (&tr, "Edited by root")] {
        let resp = patch(
            &app,
            &path,
            token,
            json!({"title": title, "content": format!("{title}: the text.")}),
        )
        .await;
        assert_eq!(json_of(resp, StatusCode::OK).await["title"], title);
        assert_eq!(ticket_title(&pool, t).await, title);
    }
    // Every role may read the edit history (two edits of the body).
    for token in [&ta, &tb, &ts, &tr] {
        let h = json_of(
            get(&app, &format!("{path}/history"), token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(h["_meta"]["total_items"], 2);
        assert_eq!(h["items"][0]["content"], "Edited by ada: the text.");
        assert_eq!(h["items"][1]["content"], "Something does not work.");
        let a = json_of(
            get(&app, &format!("{path}/activity"), token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(a["items"][0]["kind"], "opened");
    }

    // Attachments on the body: the same people as editing.
    let form = || Multi::new().file(b"notes.txt", b"hello");
    for token in [&tb, &ts] {
        let resp = upload(&app, &format!("{path}/attachments"), Some(token), form()).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    }
    assert!(app.stored_files().is_empty());
    for token in [&ta, &tr] {
        let resp = upload(&app, &format!("{path}/attachments"), Some(token), form()).await;
        let items = json_of(resp, StatusCode::CREATED).await;
        assert_eq!(items[0]["name"], "notes.txt");
    }
    assert_eq!(app.stored_files().len(), 2);
    // Everyone who may see the ticket lists and downloads them.
    for token in [&ta, &tb, &ts, &tr] {
        let list = json_of(
            get(&app, &format!("{path}/attachments"), token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["_meta"]["total_items"], 2);
        let url = list["items"][0]["url"].as_str().unwrap();
        let file = get(&app, url, token).await;
        assert_eq!(file.status(), StatusCode::OK);
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"hello");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn subscribers_follow_the_ui_roles(pool: PgPool) {
    let c = cast(&pool).await;
    let carl = user(&pool, "carl").await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let (tb, ts, tr) = (
        token_for(&app, "bob").await,
        token_for(&app, "sam").await,
        token_for(&app, "root").await,
    );
    let path = format!("/api/v1/tickets/{t}/subscribers");
    assert_eq!(subscriber_ids(&pool, t).await, [c.ada.0]);

    // Anyone subscribes themselves (no body) or anyone enabled, by id or by name.
    let page = json_of(
        send(&app, Method::POST, &path, Some(&tb), None).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(page["_meta"]["total_items"], 2);
    let resp = post(&app, &path, &tb, json!({"user_id": carl.0})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = post(&app, &path, &ts, json!({"username": "root"})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = send(&app, Method::POST, &path, Some(&ts), Some(Value::Null)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let again = json_of(
        post(&app, &path, &tb, json!({"user_id": carl.0})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["message"], "This user is already subscribed.");
    assert_eq!(
        subscriber_ids(&pool, t).await,
        [c.ada.0, c.bob.0, c.sam.0, c.root.0, carl.0]
    );

    // Unsubscribing someone else: super users and admins only; oneself: anyone.
    let carl_path = format!("{path}/{}", carl.0);
    assert_eq!(
        delete(&app, &carl_path, &tb).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&app, &carl_path, &ts).await.status(),
        StatusCode::NO_CONTENT
    );
    let gone = json_of(delete(&app, &carl_path, &tr).await, StatusCode::CONFLICT).await;
    assert_eq!(gone["message"], "This user is not subscribed.");
    assert_eq!(
        delete(&app, &format!("{path}/{}", c.ada.0), &tr)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&app, &format!("{path}/{}", c.bob.0), &tb)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(subscriber_ids(&pool, t).await, [c.sam.0, c.root.0]);

    // An admin subscribes someone back.
    let page = json_of(
        post(&app, &path, &tr, json!({"user_id": carl.0})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(page["_meta"]["total_items"], 3);
    assert_eq!(subscriber_ids(&pool, t).await, [c.sam.0, c.root.0, carl.0]);
    let list = json_of(
        get(&app, &format!("{path}?per_page=1"), &tb).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["username"], "carl");
    assert_eq!(list["_meta"]["total_pages"], 3);
    let kinds = activity_kinds(&pool, t).await;
    assert_eq!(
        kinds,
        [
            "opened",
            "subscribe",
            "subscribe",
            "subscribe",
            "subscribe",
            "unsubscribe",
            "unsubscribe",
            "unsubscribe",
            "subscribe"
        ]
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn account_writes_are_for_admins_only(pool: PgPool) {
    let c = cast(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let (tb, ts, tr) = (
        token_for(&app, "bob").await,
        token_for(&app, "sam").await,
        token_for(&app, "root").await,
    );
    let new = |name: &str| {
        json!({"username": name, "name": "Eve Example", "email": format!("{name}@example.com"),
               "password": "a long enough password 42"})
    };
    for token in [&tb, &ts] {
        let resp = post(&app, "/api/v1/users", token, new("eve")).await;
        assert_eq!(
            json_of(resp, StatusCode::FORBIDDEN).await["error"],
            "Forbidden"
        );
        let resp = patch(
            &app,
            &format!("/api/v1/users/{}", c.ada.0),
            token,
            json!({"name": "Hacked"}),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        // Not even on their own account (that is `/account`'s job) nor to promote themselves.
        let me = if token == &tb { c.bob } else { c.sam };
        let resp = patch(
            &app,
            &format!("/api/v1/users/{}", me.0),
            token,
            json!({"is_admin": true}),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(count(&pool, "select count(*) from users").await, 4);
    assert_eq!(
        count(&pool, "select count(*) from users where name = 'Hacked'").await,
        0
    );
    assert_eq!(count(&pool, "select count(*) from user_groups ug join groups g using (group_id) where g.name = 'admin'").await, 1);
    assert_eq!(count(&pool, "select count(*) from audit_log").await, 0);

    let resp = post(&app, "/api/v1/users", &tr, new("eve")).await;
    let loc = location(&resp);
    let eve = json_of(resp, StatusCode::CREATED).await;
    assert_eq!(loc, format!("/api/v1/users/{}", eve["id"]));
    assert_eq!(eve["email"], "eve@example.com");
    let resp = patch(
        &app,
        &loc,
        &tr,
        json!({"job_title": "Auditor", "is_super_user": true}),
    )
    .await;
    let eve = json_of(resp, StatusCode::OK).await;
    assert_eq!(
        (eve["job_title"].as_str(), eve["is_super_user"].as_bool()),
        (Some("Auditor"), Some(true))
    );
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["user.create", "user.update"]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn departments_and_categories_are_managed_by_admins_and_super_users(pool: PgPool) {
    cast(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let (tb, ts, tr) = (
        token_for(&app, "bob").await,
        token_for(&app, "sam").await,
        token_for(&app, "root").await,
    );
    let depts = count(&pool, "select count(*) from departments").await;
    let resp = post(&app, "/api/v1/departments", &tb, json!({"name": "Legal"})).await;
    assert_eq!(
        json_of(resp, StatusCode::FORBIDDEN).await["error"],
        "Forbidden"
    );
    assert_eq!(
        patch(&app, "/api/v1/departments/1", &tb, json!({"name": "X"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&app, "/api/v1/departments/1", &tb).await.status(),
        StatusCode::FORBIDDEN
    );
    let resp = post(
        &app,
        "/api/v1/categories",
        &tb,
        json!({"department_id": 1, "name": "X"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        patch(&app, "/api/v1/categories/1", &tb, json!({"name": "X"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&app, "/api/v1/categories/1", &tb).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        count(&pool, "select count(*) from departments").await,
        depts
    );

    for (token, name) in [(&ts, "Legal"), (&tr, "Facilities")] {
        let resp = post(&app, "/api/v1/departments", token, json!({"name": name})).await;
        let d = json_of(resp, StatusCode::CREATED).await;
        assert_eq!(
            (d["name"].as_str(), d["categories"].as_i64()),
            (Some(name), Some(0))
        );
        let id = d["id"].as_i64().unwrap();
        let resp = post(
            &app,
            "/api/v1/categories",
            token,
            json!({"department_id": id, "name": "General"}),
        )
        .await;
        let cat = json_of(resp, StatusCode::CREATED).await;
        assert_eq!(cat["department"], name);
        let cid = cat["id"].as_i64().unwrap();
        let resp = patch(
            &app,
            &format!("/api/v1/categories/{cid}"),
            token,
            json!({"name": "Other"}),
        )
        .await;
        assert_eq!(json_of(resp, StatusCode::OK).await["name"], "Other");
        let resp = patch(
            &app,
            &format!("/api/v1/departments/{id}"),
            token,
            json!({"name": format!("{name} dept")}),
        )
        .await;
        assert_eq!(json_of(resp, StatusCode::OK).await["categories"], 1);
        assert_eq!(
            delete(&app, &format!("/api/v1/categories/{cid}"), token)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            delete(&app, &format!("/api/v1/departments/{id}"), token)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        count(&pool, "select count(*) from departments").await,
        depts
    );
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by audit_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let one = [
        "department.create",
        "category.create",
        "category.rename",
        "department.rename",
        "category.delete",
        "department.delete",
    ];
    assert_eq!(actions, [one, one].concat());
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_super_user_drives_the_ticket_endpoints_like_a_user(pool: PgPool) {
    let c = cast(&pool).await;
    let theirs = create_direct(&pool, c.ada, "Someone else's ticket").await;
    let app = spawn_app(pool.clone()).await;
    let ts = token_for(&app, "sam").await;
    let tr = token_for(&app, "root").await;

    let body = json!({"title": "Raised by a super user", "content": "Some content here.",
                      "category_id": 1, "priority_id": 2});
    let created = json_of(
        post(&app, "/api/v1/tickets", &ts, body).await,
        StatusCode::CREATED,
    )
    .await;
    let own = created["id"].as_i64().unwrap();
    assert_eq!(created["creator"], "sam Tester");
    let list = json_of(
        get(&app, "/api/v1/tickets?scope=created", &ts).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["_meta"]["total_items"], 1);
    assert_eq!(list["items"][0]["id"], own);
    let all = json_of(get(&app, "/api/v1/tickets", &ts).await, StatusCode::OK).await;
    assert_eq!(all["_meta"]["total_items"], 2);
    let shown = json_of(
        get(&app, &format!("/api/v1/tickets/{theirs}"), &ts).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["creator"], "ada Tester");

    let p = |a: &str| format!("/api/v1/tickets/{theirs}/{a}");
    let reply = post(
        &app,
        &p("replies"),
        &ts,
        json!({"content": "Looking into it."}),
    )
    .await;
    assert_eq!(
        json_of(reply, StatusCode::CREATED).await["author"],
        "sam Tester"
    );
    // Not the creator, the assignee nor an admin: may not close or release.
    assert_eq!(
        post(&app, &p("close"), &ts, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let claimed = json_of(
        post(&app, &p("claim"), &ts, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(claimed["assignee"], "sam Tester");
    let released = json_of(
        post(&app, &p("release"), &ts, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(released["assignee"].is_null());
    let assigned = json_of(
        post(&app, &p("assign"), &ts, json!({"username": "sam"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(assigned["status_kind"], "in_work");
    // As the assignee now, closing is allowed; reopening is not (closing unassigns).
    let closed = json_of(
        post(&app, &p("close"), &ts, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status_kind"], "closed");
    assert_eq!(
        post(&app, &p("reopen"), &ts, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(status_kind(&pool, theirs).await, "closed");
    let reopened = json_of(
        post(&app, &p("reopen"), &tr, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reopened["status_kind"], "open");

    let posts = json_of(get(&app, &p("posts"), &ts).await, StatusCode::OK).await;
    assert_eq!(posts["items"][0]["content"], "Looking into it.");
    let activity = json_of(
        get(&app, &format!("{}?per_page=3", p("activity")), &ts).await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<&str> = activity["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "claim", "release"]);
    assert_eq!(activity["_meta"]["total_items"], 6);
    assert!(
        activity["_links"]["next"]
            .as_str()
            .unwrap()
            .contains("/activity?page=2&per_page=3")
    );
    assert_eq!(
        activity_kinds(&pool, theirs).await,
        ["opened", "claim", "release", "assign", "close", "reopened"]
    );
}
