//! The JSON API's writes in detail: ticket updates (edit history, category, close and reopen, all or nothing), the
//! edit history, account and department administration, and bad input (oversized, malformed, NUL bytes, unknown
//! fields) answered with JSON 4xx that change nothing.

use flicket_core::domain::{PostId, PriorityId, StatusId};
use flicket_core::tickets::ops::{self, EditPostInput};
use flicket_core::tickets::{Body, Hours};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_roles::{cast, count, delete, patch, ticket_title};
use crate::rest_tickets::{get, json_of, post, token_for};
use crate::tickets_support::*;

/// Sends a request head and chunks (chunked encoding when more than none) over a plain connection; returns the
/// status and the body of the answer.
async fn raw_http(app: &TestApp, head: &str, chunks: &[Vec<u8>]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    if !chunks.is_empty() {
        for c in chunks {
            s.write_all(format!("{:x}\r\n", c.len()).as_bytes())
                .await
                .unwrap();
            s.write_all(c).await.unwrap();
            s.write_all(b"\r\n").await.unwrap();
        }
        s.write_all(b"0\r\n\r\n").await.unwrap();
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn history_rows(pool: &PgPool) -> Vec<(Option<i64>, String)> {
    sqlx::query_as("select post_id, original_content from edit_history order by edit_id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_patch_edits_through_the_ui_operation_and_keeps_the_history(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let ta = token_for(&app, "ada").await;
    let path = format!("/api/v1/tickets/{t}");

    // The title alone: no history row (the text did not change), the editor recorded.
    let shown = json_of(
        patch(&app, &path, &ta, json!({"title": "Printer still on fire"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["title"], "Printer still on fire");
    assert_eq!(shown["content"], "Something does not work.");
    assert_eq!(shown["modified_by"], "ada Tester");
    assert!(history_rows(&pool).await.is_empty());

    // Text, priority and hours: one history row with the old text, one priority activity.
    let body = json!({"content": "It **really** burns.", "priority_id": 3, "hours": "2,5"});
    let shown = json_of(patch(&app, &path, &ta, body).await, StatusCode::OK).await;
    assert_eq!(
        (shown["priority_id"].as_i64(), shown["hours"].as_str()),
        (Some(3), Some("2.50"))
    );
    assert!(
        shown["content_html"]
            .as_str()
            .unwrap()
            .contains("<strong>really</strong>")
    );
    assert_eq!(
        history_rows(&pool).await,
        [(None, "Something does not work.".to_owned())]
    );
    assert_eq!(activity_kinds(&pool, t).await, ["opened", "priority"]);

    // A reply's edit (through the core operation, as the UI does) shows in the ticket's history too.
    let post = direct_reply(&pool, c.ada, t, "First version of the reply.", "0").await;
    let mut tx = pool.begin().await.unwrap();
    let input = EditPostInput {
        body: Body::parse("Second version of the reply.").unwrap(),
        status_id: StatusId(1),
        priority_id: PriorityId(3),
        hours: Hours::default(),
        remove: vec![],
        files: vec![],
        max_files: 10,
    };
    ops::edit_post(&mut tx, &actor(c.ada), PostId(post), &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tb = token_for(&app, "bob").await;
    let h = json_of(
        get(&app, &format!("{path}/history?per_page=1"), &tb).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(h["_meta"]["total_items"], 2);
    assert_eq!(h["_meta"]["total_pages"], 2);
    assert_eq!(h["items"][0]["post_id"], post);
    assert_eq!(h["items"][0]["content"], "First version of the reply.");
    assert_eq!(h["items"][0]["author"], "ada Tester");
    assert_eq!(h["items"][0]["edited_by"], "ada Tester");
    let second = json_of(
        get(&app, &format!("{path}/history?page=2&per_page=1"), &tb).await,
        StatusCode::OK,
    )
    .await;
    assert!(second["items"][0]["post_id"].is_null());
    assert!(
        second["_links"]["prev"]
            .as_str()
            .unwrap()
            .ends_with("/history?page=1&per_page=1")
    );
    assert_eq!(
        get(&app, "/api/v1/tickets/999999/history", &tb)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn status_and_category_changes_follow_the_workflow_rules(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let (ta, tb, tr) = (
        token_for(&app, "ada").await,
        token_for(&app, "bob").await,
        token_for(&app, "root").await,
    );
    let path = format!("/api/v1/tickets/{t}");

    // In Work is set by claim and assign, not by a PATCH.
    let err = json_of(
        patch(&app, &path, &ta, json!({"status_id": 3})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains("reply"), "{err}");
    let err = json_of(
        patch(&app, &path, &ta, json!({"status_id": 99})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["status_id"].is_string());

    // The category change is off by default: refused, and the rest of the PATCH with it.
    let err = json_of(
        patch(
            &app,
            &path,
            &ta,
            json!({"title": "Moved and renamed", "category_id": 8}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(err["error"], "Forbidden");
    assert_eq!(ticket_title(&pool, t).await, "Printer on fire");
    sqlx::query("update settings set change_category = true")
        .execute(&pool)
        .await
        .unwrap();
    let moved = json_of(
        patch(&app, &path, &tb, json!({"category_id": 8})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (moved["category"].as_str(), moved["department"].as_str()),
        (Some("Internet"), Some("IT"))
    );
    let err = json_of(
        patch(&app, &path, &ta, json!({"category_id": 999})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["category_id"].is_string());

    // Closing: the creator, the assignee or an admin. A closed ticket cannot be edited (409).
    let err = json_of(
        patch(&app, &path, &tb, json!({"status_id": 2})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(err["error"], "Forbidden");
    let closed = json_of(
        patch(
            &app,
            &path,
            &ta,
            json!({"title": "Fixed: printer", "status_id": 2}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (closed["status_kind"].as_str(), closed["title"].as_str()),
        (Some("closed"), Some("Fixed: printer"))
    );
    let err = json_of(
        patch(&app, &path, &ta, json!({"title": "Too late"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(err["message"], "This ticket is closed.");
    let err = json_of(
        patch(&app, &path, &ta, json!({"category_id": 7})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(err["error"], "Conflict");
    assert_eq!(ticket_title(&pool, t).await, "Fixed: printer");
    // Closing again is a no-op (same status); reopening by someone else is refused; an admin reopens and edits at once.
    assert_eq!(
        patch(&app, &path, &ta, json!({"status_id": 2}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        patch(&app, &path, &tb, json!({"status_id": 1}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let reopened = json_of(
        patch(
            &app,
            &path,
            &tr,
            json!({"status_id": 1, "title": "Printer on fire again"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (reopened["status_kind"].as_str(), reopened["title"].as_str()),
        (Some("open"), Some("Printer on fire again"))
    );
    assert_eq!(
        activity_kinds(&pool, t).await,
        ["opened", "department_category", "close", "reopened"]
    );
    // Ada, the only subscriber, closed it herself: only root's reopening notifies her.
    let kinds: Vec<String> = outbox_rows(&pool, t)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(kinds, ["reopen"]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn bad_ticket_input_gets_422_with_the_fields_and_changes_nothing(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let ta = token_for(&app, "ada").await;
    let path = format!("/api/v1/tickets/{t}");
    let long = "x".repeat(10_000);
    let err = json_of(
        patch(
            &app,
            &path,
            &ta,
            json!({"title": long, "content": "nul\u{0} byte", "hours": "-3"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["error"], "Unprocessable Entity");
    for f in ["title", "content", "hours"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
    let err = json_of(
        patch(&app, &path, &ta, json!({"title": "A\u{0}B title"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["title"].is_string());
    let err = json_of(
        patch(&app, &path, &ta, json!({"priority_id": 42})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["priority_id"].is_string());
    // Unknown fields and wrong types are refused, not ignored.
    let resp = patch(&app, &path, &ta, json!({"titel": "Typo"})).await;
    assert_eq!(
        json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["error"],
        "Unprocessable Entity"
    );
    let resp = patch(&app, &path, &ta, json!({"title": 12})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A 10k-character title on create, too.
    let resp = post(&app, "/api/v1/tickets", &ta,
        json!({"title": "y".repeat(10_000), "content": "Fine content", "category_id": 1, "priority_id": 2})).await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["title"].is_string());

    assert_eq!(ticket_title(&pool, t).await, "Printer on fire");
    assert!(history_rows(&pool).await.is_empty());
    assert_eq!(activity_kinds(&pool, t).await, ["opened"]);
    assert_eq!(count(&pool, "select count(*) from tickets").await, 1);
    for missing in ["/api/v1/tickets/999999", "/api/v1/tickets/abc"] {
        let resp = patch(&app, missing, &ta, json!({"title": "Nothing"})).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await["error"],
            "Not Found"
        );
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn malformed_and_oversized_bodies_get_json_errors_and_change_nothing(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let ta = token_for(&app, "ada").await;
    let raw = |method: Method, path: &str, content_type: &str, body: Vec<u8>| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&ta)
            .header("content-type", content_type.to_owned())
            .body(body)
    };
    let json_error = |status: StatusCode| {
        async move |resp: reqwest::Response| {
            assert_eq!(resp.status(), status);
            assert!(
                resp.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json"),
                "{status}"
            );
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"], status.canonical_reason().unwrap());
            assert!(!body["message"].as_str().unwrap().is_empty());
            body
        }
    };
    let ticket = format!("/api/v1/tickets/{t}");
    let (assign, subs, files) = (
        format!("{ticket}/assign"),
        format!("{ticket}/subscribers"),
        format!("{ticket}/attachments"),
    );
    let cases: Vec<(Method, &str, &str, Vec<u8>, StatusCode)> = vec![
        (
            Method::POST,
            "/api/v1/tickets",
            "application/json",
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PATCH,
            &ticket,
            "application/json",
            b"{\"title\": \"\xff\xfe bad\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PATCH,
            &ticket,
            "application/json",
            b"".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PATCH,
            &ticket,
            "text/plain",
            b"{\"title\": \"Plain\"}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Method::POST,
            &assign,
            "application/xml",
            b"<name/>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Method::POST,
            "/api/v1/tickets",
            "application/json",
            b"[1, 2]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            &subs,
            "application/json",
            b"{\"user_id\": \"x\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            &subs,
            "application/json",
            b"{oops".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            &files,
            "application/json",
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            &files,
            "multipart/form-data",
            b"--x\r\n".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            &ticket,
            "application/json",
            b"{}".to_vec(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, path, ct, body, status) in cases {
        let resp = raw(method.clone(), path, ct, body).send().await.unwrap();
        json_error(status)(resp).await;
    }
    // A malformed query string and a per_page that is not a number.
    let resp = get(&app, &format!("{ticket}/history?per_page=abc"), &ta).await;
    json_error(StatusCode::BAD_REQUEST)(resp).await;
    let resp = get(&app, &format!("{ticket}/activity?page=-x"), &ta).await;
    json_error(StatusCode::BAD_REQUEST)(resp).await;

    // Larger than axum's limit (2 MiB): refused on its Content-Length alone, before any of it is read.
    let head = |len: &str| {
        format!(
            "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ta}\r\n\
             Content-Type: application/json\r\n{len}Connection: close\r\n\r\n"
        )
    };
    let (status, body) = raw_http(&app, &head("Content-Length: 3145728\r\n"), &[]).await;
    assert_eq!(status, 413, "{body}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "Payload Too Large");
    assert!(err["message"].as_str().unwrap().contains("2 MiB"), "{err}");

    // Over the site's per-request limit when it is lower: the configured limit applies, with or without a length.
    sqlx::query("update settings set max_request_bytes = 2048")
        .execute(&pool)
        .await
        .unwrap();
    let body = json!({"title": "Fits the title", "content": "w".repeat(3000), "category_id": 1, "priority_id": 2});
    let err = json_error(StatusCode::PAYLOAD_TOO_LARGE)(
        post(&app, "/api/v1/tickets", &ta, body.clone()).await,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains("2 KiB"), "{err}");
    let chunks: Vec<Vec<u8>> = body
        .to_string()
        .into_bytes()
        .chunks(500)
        .map(<[u8]>::to_vec)
        .collect();
    let (status, text) = raw_http(&app, &head("Transfer-Encoding: chunked\r\n"), &chunks).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"error\":\"Payload Too Large\""), "{text}");
    let err = json_error(StatusCode::PAYLOAD_TOO_LARGE)(
        patch(&app, &ticket, &ta, json!({"content": "w".repeat(3000)})).await,
    )
    .await;
    assert_eq!(err["error"], "Payload Too Large");
    let small = json!({"title": "Small enough", "content": "Fits in 2 KiB.", "category_id": 1, "priority_id": 2});
    assert_eq!(
        post(&app, "/api/v1/tickets", &ta, small).await.status(),
        StatusCode::CREATED
    );

    assert_eq!(count(&pool, "select count(*) from tickets").await, 2);
    assert_eq!(ticket_title(&pool, t).await, "Printer on fire");
    assert_eq!(count(&pool, "select count(*) from subscriptions").await, 2);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn admins_create_and_change_accounts_under_the_ui_rules(pool: PgPool) {
    let c = cast(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let tr = token_for(&app, "root").await;
    let tb = token_for(&app, "bob").await;

    // Every bad field at once; a weak password; nothing created.
    let resp = post(
        &app,
        "/api/v1/users",
        &tr,
        json!({"username": "a b", "name": "", "email": "not-an-email",
        "locale": "de", "job_title": "x\u{0}", "password": "short"}),
    )
    .await;
    let err = json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    for f in ["username", "name", "email", "locale", "job_title"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
    let resp = post(
        &app,
        "/api/v1/users",
        &tr,
        json!({"username": "eve", "name": "Eve", "email": "eve@example.com",
        "password": "password"}),
    )
    .await;
    assert!(
        json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["password"].is_string()
    );
    let resp = post(
        &app,
        "/api/v1/users",
        &tr,
        json!({"username": "bob", "name": "Bob 2", "email": "bob2@example.com",
        "password": "a long enough password 42"}),
    )
    .await;
    assert!(
        json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["username"].is_string()
    );
    let resp = post(
        &app,
        "/api/v1/users",
        &tr,
        json!({"username": "eve", "name": "Eve", "email": "eve@example.com",
        "password": "a long enough password 42", "groups": ["no such group"]}),
    )
    .await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["groups"].is_string());
    assert_eq!(count(&pool, "select count(*) from users").await, 4);

    // Created with a role; the new account signs in with its password.
    let resp = post(
        &app,
        "/api/v1/users",
        &tr,
        json!({"username": "eve", "name": "Eve Example",
        "email": "eve@example.com", "job_title": "Auditor", "locale": "fr",
        "password": "a long enough password 42", "is_super_user": true}),
    )
    .await;
    let eve = json_of(resp, StatusCode::CREATED).await;
    assert_eq!(
        (eve["is_super_user"].as_bool(), eve["is_admin"].as_bool()),
        (Some(true), Some(false))
    );
    let eve_id = eve["id"].as_i64().unwrap();
    let locale: String = sqlx::query_scalar("select locale from users where user_id = $1")
        .bind(eve_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(locale, "fr");
    let resp = app
        .client
        .post(app.url("/api/v1/tokens"))
        .basic_auth("eve", Some("a long enough password 42"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);

    // Changes: fields, roles, a taken email (422), then disabled (which ends its tokens) and enabled again.
    let eve_path = format!("/api/v1/users/{eve_id}");
    let resp = patch(&app, &eve_path, &tr, json!({"email": "bob@example.com"})).await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["email"].is_string());
    let te = token_for(&app, "bob").await;
    let changed = json_of(
        patch(&app, &eve_path, &tr, json!({"name": "Eve Renamed", "is_admin": true, "is_super_user": false, "locale": "en"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            changed["name"].as_str(),
            changed["is_admin"].as_bool(),
            changed["is_super_user"].as_bool()
        ),
        (Some("Eve Renamed"), Some(true), Some(false))
    );
    let bob_path = format!("/api/v1/users/{}", c.bob.0);
    let disabled = json_of(
        patch(&app, &bob_path, &tr, json!({"disabled": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["disabled"], true);
    assert_eq!(
        get(&app, "/api/v1/tickets", &te).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/api/v1/tickets", &tb).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let enabled = json_of(
        patch(&app, &bob_path, &tr, json!({"disabled": false})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(enabled["disabled"], false);

    // An admin never disables themselves; the last enabled admin is never removed.
    let root_path = format!("/api/v1/users/{}", c.root.0);
    let err = json_of(
        patch(&app, &root_path, &tr, json!({"disabled": true})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        err["message"],
        "You cannot disable or delete your own account."
    );
    let resp = patch(&app, &eve_path, &tr, json!({"is_admin": false})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let err = json_of(
        patch(&app, &root_path, &tr, json!({"is_admin": false})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("no active administrator"),
        "{err}"
    );
    let err = json_of(
        patch(&app, &root_path, &tr, json!({"groups": []})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(err["error"], "Conflict");
    assert_eq!(
        count(&pool, "select count(*) from users where disabled").await,
        0
    );
    assert_eq!(count(&pool, "select count(*) from user_groups ug join groups g using (group_id) where g.name = 'admin'").await, 1);
    assert_eq!(
        patch(&app, "/api/v1/users/999999", &tr, json!({"name": "Nobody"}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by audit_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.update",
            "user.update",
            "user.disable",
            "user.update",
            "user.enable",
            "user.update"
        ]
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn departments_and_categories_keep_the_ui_rules(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Uses category 1").await;
    let app = spawn_app(pool.clone()).await;
    let ts = token_for(&app, "sam").await;
    let resp = post(&app, "/api/v1/departments", &ts, json!({"name": ""})).await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["name"].is_string());
    let resp = post(&app, "/api/v1/departments", &ts, json!({"name": "IT"})).await;
    let err = json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        err["fields"]["name"].as_str().unwrap().contains("already"),
        "{err}"
    );
    let resp = post(
        &app,
        "/api/v1/categories",
        &ts,
        json!({"department_id": 999_999, "name": "Orphan"}),
    )
    .await;
    assert!(
        json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["department_id"]
            .is_string()
    );
    let resp = post(
        &app,
        "/api/v1/categories",
        &ts,
        json!({"department_id": 3, "name": "Internet"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = patch(
        &app,
        "/api/v1/categories/7",
        &ts,
        json!({"name": "Internet"}),
    )
    .await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["name"].is_string());

    // In use by a ticket: 409 with the count, nothing deleted.
    let design: i64 =
        sqlx::query_scalar("select department_id from categories where category_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let err = json_of(
        delete(&app, &format!("/api/v1/departments/{design}"), &ts).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains('1'), "{err}");
    let err = json_of(
        delete(&app, "/api/v1/categories/1", &ts).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(err["error"], "Conflict");
    for (path, status) in [
        ("/api/v1/departments/999999", StatusCode::NOT_FOUND),
        ("/api/v1/categories/999999", StatusCode::NOT_FOUND),
        ("/api/v1/departments/x", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(delete(&app, path, &ts).await.status(), status, "{path}");
        assert_eq!(
            patch(&app, path, &ts, json!({"name": "Any"}))
                .await
                .status(),
            status,
            "{path}"
        );
    }
    assert_eq!(status_kind(&pool, t).await, "open");
    assert_eq!(
        count(
            &pool,
            "select count(*) from categories where category_id = 1"
        )
        .await,
        1
    );
    assert_eq!(count(&pool, "select count(*) from audit_log").await, 0);
    // The new endpoints are in the OpenAPI document.
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (path, method) in [
        ("/api/v1/tickets/{id}", "patch"),
        ("/api/v1/tickets/{id}/history", "get"),
        ("/api/v1/tickets/{id}/subscribers", "get"),
        ("/api/v1/tickets/{id}/subscribers", "post"),
        ("/api/v1/tickets/{id}/subscribers/{user_id}", "delete"),
        ("/api/v1/tickets/{id}/attachments", "post"),
        ("/api/v1/tickets/{id}/attachments", "get"),
        ("/api/v1/attachments/{id}", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/departments", "post"),
        ("/api/v1/departments/{id}", "patch"),
        ("/api/v1/departments/{id}", "delete"),
        ("/api/v1/categories", "post"),
        ("/api/v1/categories/{id}", "patch"),
        ("/api/v1/categories/{id}", "delete"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    let activity = &spec["paths"]["/api/v1/tickets/{id}/activity"]["get"]["responses"]["200"];
    assert!(activity.to_string().contains("Page_Activity"), "{activity}");
}

/// Disabling an account through `/api/v1/users/{id}` revokes its tokens (of both APIs) for good: enabling it again
/// brings none back.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn disabling_through_the_api_revokes_tokens_for_good(pool: PgPool) {
    use crate::rest_compat::{token_answers, tokens_of_both_apis};
    let c = cast(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let tr = token_for(&app, "root").await;
    let tokens = tokens_of_both_apis(&app, "bob").await;
    assert_eq!(token_answers(&app, &tokens).await, vec![StatusCode::OK; 4]);
    let bob_path = format!("/api/v1/users/{}", c.bob.0);
    let resp = patch(&app, &bob_path, &tr, json!({"disabled": true})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        token_answers(&app, &tokens).await,
        vec![StatusCode::UNAUTHORIZED; 4]
    );
    let resp = patch(&app, &bob_path, &tr, json!({"disabled": false})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        token_answers(&app, &tokens).await,
        vec![StatusCode::UNAUTHORIZED; 4],
        "enabling brings no token back"
    );
    let revoked: i64 = sqlx::query_scalar(
        "select count(*) from api_tokens where user_id = $1 and revoked_at is not null",
    )
    .bind(c.bob.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(revoked, 2);
}
