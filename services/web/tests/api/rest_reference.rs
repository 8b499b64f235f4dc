//! The JSON API's reference data and directory, and the 401s and OpenAPI entries of every new endpoint.

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_tickets::{get, json_of, token_for};
use crate::tickets_support::{activity_kinds, add_group, create_direct, user};

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

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_taken_department_name_is_reported_on_its_field(pool: PgPool) {
    create_user(&pool, "root", true, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = token_for(&app, "root").await;
    let resp =
        crate::rest_tickets::post(&app, "/api/v1/departments", &t, json!({"name": "it"})).await;
    let err = json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        err["fields"],
        json!({"name": "A department with this name exists already."}),
        "{err}"
    );
}
