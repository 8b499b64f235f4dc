//! The JSON API's ticket operations, reference data and directory, for every role.

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::{activity_kinds, add_group, create_direct, outbox_rows, user};

async fn token_for(app: &TestApp, user: &str) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/tokens"))
        .basic_auth(user, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(app: &TestApp, path: &str, bearer: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, path: &str, bearer: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn json_of(resp: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(resp.status(), status);
    resp.json().await.unwrap()
}

/// Every new endpoint, as (method, path).
fn endpoints(t: i64) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&str, String)> = [
        "/api/v1/departments",
        "/api/v1/categories",
        "/api/v1/statuses",
        "/api/v1/priorities",
        "/api/v1/users",
        "/api/v1/users/1",
    ]
    .iter()
    .map(|p| ("GET", (*p).to_owned()))
    .collect();
    for p in ["", "/posts", "/activity"] {
        v.push(("GET", format!("/api/v1/tickets/{t}{p}")));
    }
    v.push(("POST", "/api/v1/tickets".to_owned()));
    for p in ["replies", "claim", "release", "close", "reopen", "assign"] {
        v.push(("POST", format!("/api/v1/tickets/{t}/{p}")));
    }
    v
}

async fn call(app: &TestApp, method: &str, path: &str, bearer: Option<&str>) -> StatusCode {
    let req = if method == "GET" {
        app.client.get(app.url(path))
    } else {
        app.client.post(app.url(path)).json(&json!({}))
    };
    let req = match bearer {
        Some(b) => req.bearer_auth(b),
        None => req,
    };
    req.send().await.unwrap().status()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn anonymous_expired_and_disabled_tokens_get_401_everywhere(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    user(&pool, "bob").await;
    let t = create_direct(&pool, ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let expired = token_for(&app, "ada").await;
    sqlx::query("update api_tokens set expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let disabled = token_for(&app, "bob").await;
    let bob = sqlx::query_scalar::<_, i64>("select user_id from users where username = 'bob'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    flicket_core::repo::users::set_disabled(&mut conn, flicket_core::domain::UserId(bob), true)
        .await
        .unwrap();
    for (method, path) in endpoints(t.0) {
        for bearer in [None, Some(expired.as_str()), Some(disabled.as_str())] {
            let status = call(&app, method, &path, bearer).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
    // Nothing was changed by the refused calls.
    assert_eq!(activity_kinds(&pool, t).await, ["opened"]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_user_creates_reads_and_lists_posts_of_a_ticket(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = token_for(&app, "ada").await;
    let body = json!({"title": "Printer on fire", "content": "It **burns**.",
                      "category_id": 1, "priority_id": 2, "hours": 1.5});
    let resp = post(&app, "/api/v1/tickets", &t, body).await;
    let location = location(&resp);
    let created = json_of(resp, StatusCode::CREATED).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/tickets/{id}"));
    assert_eq!(created["status_kind"], "open");
    assert_eq!(created["creator"], "ada Tester");
    assert_eq!(created["hours"], "1.50");
    assert!(
        created["content_html"]
            .as_str()
            .unwrap()
            .contains("<strong>burns</strong>")
    );
    let shown = json_of(get(&app, &location, &t).await, StatusCode::OK).await;
    assert_eq!(shown["title"], "Printer on fire");
    assert!(!shown["department"].as_str().unwrap().is_empty());

    let reply = post(
        &app,
        &format!("{location}/replies"),
        &t,
        json!({"content": "Still burning."}),
    )
    .await;
    let reply = json_of(reply, StatusCode::CREATED).await;
    assert_eq!(reply["author"], "ada Tester");
    let posts = json_of(
        get(&app, &format!("{location}/posts?per_page=1"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(posts["items"][0]["content"], "Still burning.");
    assert_eq!(posts["_meta"]["total_items"], 1);
    let activity = json_of(
        get(&app, &format!("{location}/activity"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(activity[0]["kind"], "opened");

    for missing in [
        "/api/v1/tickets/999999",
        "/api/v1/tickets/abc",
        "/api/v1/tickets/999999/posts",
    ] {
        let resp = get(&app, missing, &t).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await["error"],
            "Not Found"
        );
    }
    let resp = post(&app, "/api/v1/tickets/999999/close", &t, json!({})).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn invalid_input_gets_422_with_the_fields(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = token_for(&app, "ada").await;
    let long = "x".repeat(10_000);
    let resp = post(&app, "/api/v1/tickets", &t,
        json!({"title": long, "content": "ok\u{0}", "category_id": 1, "priority_id": 2, "hours": "-1"})).await;
    let err = json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    for f in ["title", "content", "hours"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
    let resp = post(&app, "/api/v1/tickets", &t,
        json!({"title": "Fine title", "content": "Fine content", "category_id": 999, "priority_id": 2})).await;
    let err = json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(err["fields"]["category_id"].is_string());
    let resp = post(&app, "/api/v1/tickets", &t, json!({"title": "No content"})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = app
        .client
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let n: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_workflow_follows_the_ui_rules(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    user(&pool, "bob").await;
    let root = create_user(&pool, "root", true, Locale::En).await;
    let id = create_direct(&pool, ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let (ta, tb, tr) = (
        token_for(&app, "ada").await,
        token_for(&app, "bob").await,
        token_for(&app, "root").await,
    );
    let path = |a: &str| format!("/api/v1/tickets/{id}/{a}");

    // Someone else's ticket: bob may not close it, the creator may.
    assert_eq!(
        post(&app, &path("close"), &tb, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let closed = json_of(
        post(&app, &path("close"), &ta, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status_kind"], "closed");
    let again = json_of(
        post(&app, &path("close"), &ta, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["error"], "Conflict");
    assert_eq!(
        post(&app, &path("reopen"), &tb, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&app, &path("claim"), &tb, json!({})).await.status(),
        StatusCode::CONFLICT
    );
    let reopened = json_of(
        post(&app, &path("reopen"), &tr, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reopened["status_kind"], "open");

    let claimed = json_of(
        post(&app, &path("claim"), &tb, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            claimed["assignee"].as_str(),
            claimed["status_kind"].as_str()
        ),
        (Some("bob Tester"), Some("in_work"))
    );
    assert_eq!(
        post(&app, &path("release"), &ta, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let released = json_of(
        post(&app, &path("release"), &tb, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(released["assignee"].is_null());

    let by_id = json_of(
        post(&app, &path("assign"), &ta, json!({"user_id": root.0})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_id["assignee"], "root Tester");
    let by_name = json_of(
        post(&app, &path("assign"), &ta, json!({"username": "bob"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_name["assignee"], "bob Tester");
    let same = post(&app, &path("assign"), &ta, json!({"username": "bob"})).await;
    assert_eq!(same.status(), StatusCode::CONFLICT);
    for body in [
        json!({"username": "nobody"}),
        json!({"user_id": 999_999}),
        json!({}),
    ] {
        let err = json_of(
            post(&app, &path("assign"), &ta, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(err["fields"].is_object());
    }
    let kinds = activity_kinds(&pool, id).await;
    assert_eq!(
        kinds,
        [
            "opened", "close", "reopened", "claim", "release", "assign", "assign"
        ]
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_reply_notifies_the_other_subscribers_like_the_ui(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let id = create_direct(&pool, ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let tb = token_for(&app, "bob").await;
    let priorities = json_of(get(&app, "/api/v1/priorities", &tb).await, StatusCode::OK).await;
    let high = priorities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "high")
        .unwrap()["id"]
        .clone();
    let reply = post(
        &app,
        &format!("/api/v1/tickets/{id}/replies"),
        &tb,
        json!({"content": "Have you tried water?", "priority_id": high, "hours": "0,5"}),
    )
    .await;
    let reply = json_of(reply, StatusCode::CREATED).await;
    assert_eq!(reply["hours"], "0.50");
    let rows = outbox_rows(&pool, id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].0.as_str(), rows[0].2), ("reply", ada.0));
    assert_eq!(activity_kinds(&pool, id).await, ["opened", "priority"]);
    let subscribed: bool = sqlx::query_scalar(
        "select exists(select 1 from subscriptions where ticket_id = $1 and user_id = $2)",
    )
    .bind(id.0)
    .bind(bob.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(subscribed);
    let bad = post(
        &app,
        &format!("/api/v1/tickets/{id}/replies"),
        &tb,
        json!({"content": "no"}),
    )
    .await;
    assert!(json_of(bad, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["content"].is_string());
    let closed_status = post(
        &app,
        &format!("/api/v1/tickets/{id}/replies"),
        &tb,
        json!({"content": "Closing by reply", "status_id": 999}),
    )
    .await;
    assert!(
        json_of(closed_status, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["status_id"]
            .is_string()
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn reference_data_is_paginated_with_the_envelope(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = token_for(&app, "ada").await;
    for path in [
        "/api/v1/departments",
        "/api/v1/categories",
        "/api/v1/statuses",
        "/api/v1/priorities",
    ] {
        let body = json_of(
            get(&app, &format!("{path}?per_page=1"), &t).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["items"].as_array().unwrap().len(), 1, "{path}");
        assert_eq!(body["_meta"]["per_page"], 1);
        assert!(
            body["_meta"]["total_items"].as_i64().unwrap() >= 2,
            "{path}: {body}"
        );
        assert!(body["_links"]["next"].as_str().unwrap().contains("page=2"));
        let capped = json_of(
            get(&app, &format!("{path}?per_page=5000"), &t).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(capped["_meta"]["per_page"], 100);
    }
    let all = json_of(
        get(&app, "/api/v1/categories?per_page=100", &t).await,
        StatusCode::OK,
    )
    .await;
    let dept = all["items"][0]["department_id"].as_i64().unwrap();
    let some = json_of(
        get(
            &app,
            &format!("/api/v1/categories?department_id={dept}&per_page=100"),
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = some["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|c| c["department_id"] == dept));
    let statuses = json_of(get(&app, "/api/v1/statuses", &t).await, StatusCode::OK).await;
    assert!(
        statuses["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "closed")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn emails_in_the_directory_are_for_admins_and_super_users(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let sam = user(&pool, "sam").await;
    add_group(&pool, sam, "super_user").await;
    create_user(&pool, "root", true, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let ta = token_for(&app, "ada").await;
    let list = json_of(
        get(&app, "/api/v1/users?per_page=100", &ta).await,
        StatusCode::OK,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for u in items {
        assert_eq!(u["email"].is_string(), u["username"] == "ada", "{u}");
    }
    let me = json_of(
        get(&app, &format!("/api/v1/users/{}", ada.0), &ta).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["email"], "ada@example.com");
    let other = json_of(
        get(&app, &format!("/api/v1/users/{}", sam.0), &ta).await,
        StatusCode::OK,
    )
    .await;
    assert!(other.get("email").is_none() && other["is_super_user"] == true);
    // Searching by email would reveal addresses: not for regular users.
    let by_email = json_of(
        get(&app, "/api/v1/users?q=root@example", &ta).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_email["_meta"]["total_items"], 0);
    for staff in ["sam", "root"] {
        let t = token_for(&app, staff).await;
        let list = json_of(
            get(&app, "/api/v1/users?q=root@example", &t).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["items"][0]["email"], "root@example.com", "{staff}");
        let one = json_of(
            get(&app, &format!("/api/v1/users/{}", ada.0), &t).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(one["email"], "ada@example.com");
    }
    assert_eq!(
        get(&app, "/api/v1/users/999999", &ta).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/v1/users/x", &ta).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_new_paths_are_in_the_openapi_document(pool: PgPool) {
    let app = spawn_app(pool).await;
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (method, path) in endpoints(0) {
        let path = path
            .replace("/0", "/{id}")
            .replace("/users/1", "/users/{id}");
        let op = &spec["paths"][&path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path}");
    }
}
