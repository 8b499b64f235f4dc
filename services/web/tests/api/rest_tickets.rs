//! The JSON API's ticket operations (read, create, reply, workflow) for users and admins, and the helpers of the API tests.

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::{activity_kinds, create_direct, outbox_rows, user};

pub async fn token_for(app: &TestApp, user: &str) -> String {
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

pub async fn get(app: &TestApp, path: &str, bearer: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

pub async fn post(app: &TestApp, path: &str, bearer: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn json_of(resp: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(resp.status(), status);
    resp.json().await.unwrap()
}

/// Every new endpoint, as (method, path).
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
    assert_eq!(activity["items"][0]["kind"], "opened");

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
