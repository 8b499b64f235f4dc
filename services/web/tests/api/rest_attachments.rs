//! Attachments through the JSON API: the UI's limits, name cleaning and permission checks, hostile names, oversized
//! uploads answered with JSON (nothing stored), and downloads with a safe `Content-Disposition`.

use flicket_core::domain::TicketId;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::rest_roles::{cast, count, patch, upload};
use crate::rest_tickets::{get, json_of, token_for};
use crate::tickets_support::*;

/// The stored rows of a ticket's attachments: (original name, stored name, size, post).
async fn rows(pool: &PgPool, id: TicketId) -> Vec<(String, String, i64, Option<i64>)> {
    attachment_rows(pool, id)
        .await
        .into_iter()
        .map(|(_, original, stored, size, post)| (original, stored, size, post))
        .collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn uploads_are_stored_listed_and_downloaded_as_in_the_ui(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let reply = direct_reply(&pool, c.bob, t, "A reply with a log to come.", "0").await;
    let app = spawn_ticket_app(pool.clone()).await;
    let (ta, tb) = (token_for(&app, "ada").await, token_for(&app, "bob").await);
    let path = format!("/api/v1/tickets/{t}/attachments");

    let form = Multi::new()
        .file(b"report.pdf", b"%PDF-1.4 not really")
        .file(b"photo.PNG", b"\x89PNG");
    let items = json_of(
        upload(&app, &path, Some(&ta), form).await,
        StatusCode::CREATED,
    )
    .await;
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["post_id"].is_null()));
    // The reply's author attaches to the reply.
    let form = Multi::new().file(b"server.log", b"line 1\nline 2\n");
    let on_reply = json_of(
        upload(&app, &format!("{path}?post_id={reply}"), Some(&tb), form).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(on_reply[0]["post_id"], reply);
    assert_eq!(on_reply[0]["size_bytes"], 14);

    let stored = rows(&pool, t).await;
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|(_, s, _, _)| is_random_name(s)));
    assert_eq!(app.stored_files().len(), 3);
    assert_eq!(app.temp_files(), 0);

    let list = json_of(
        get(&app, &format!("{path}?per_page=2"), &tb).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["_meta"]["total_items"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(
        list["_links"]["next"]
            .as_str()
            .unwrap()
            .contains("/attachments?page=2&per_page=2")
    );

    let url = on_reply[0]["url"].as_str().unwrap();
    let resp = get(&app, url, &ta).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"server.log\"; filename*=UTF-8''server.log"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "text/plain; charset=utf-8");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"line 1\nline 2\n");

    // Unknown ids and malformed ids are 404 in JSON; no session cookie ever replaces the token.
    for missing in [
        "/api/v1/attachments/00000000-0000-0000-0000-000000000000",
        "/api/v1/attachments/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/attachments/x",
    ] {
        let resp = get(&app, missing, &ta).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    let resp = get(
        &app,
        "/api/v1/attachments/00000000-0000-0000-0000-000000000000",
        &ta,
    )
    .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "Not Found");
    assert_eq!(app.get(url).await.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn hostile_names_are_cleaned_or_refused_and_never_escape(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let app = spawn_ticket_app(pool.clone()).await;
    let ta = token_for(&app, "ada").await;
    let path = format!("/api/v1/tickets/{t}/attachments");
    sqlx::query("update settings set max_uploads_per_post = 50")
        .execute(&pool)
        .await
        .unwrap();

    let accepted: Vec<(&[u8], &str)> = vec![
        (b"../../etc/passwd.txt", "passwd.txt"),
        (b"..\\..\\win.ini.txt", "win.ini.txt"),
        (b"/abs/path.txt", "path.txt"),
        (b"x\xe2\x80\xaegnp.txt", "xgnp.txt"),
        (b"quote\\\"d;name=evil.txt", "quote\"d;name=evil.txt"),
    ];
    for (raw, expected) in &accepted {
        let resp = upload(&app, &path, Some(&ta), Multi::new().file(raw, b"content")).await;
        let shown = String::from_utf8_lossy(raw).into_owned();
        let items = json_of(resp, StatusCode::CREATED).await;
        assert_eq!(items[0]["name"], *expected, "{shown}");
        // The download header keeps the name inside its quotes, whatever it holds.
        let file = get(&app, items[0]["url"].as_str().unwrap(), &ta).await;
        let disposition = file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        assert_eq!(disposition.matches('"').count(), 2, "{disposition}");
        assert!(
            !disposition.contains(['\r', '\n', '/', '\\']),
            "{disposition}"
        );
    }
    let refused: Vec<&[u8]> = vec![
        b"../../etc/passwd",
        b"evil.html",
        b"evil.png.exe",
        b"a\r\nb.txt",
        b"\xff\xfe.txt",
        b"",
    ];
    for raw in refused {
        let resp = upload(&app, &path, Some(&ta), Multi::new().file(raw, b"content")).await;
        let shown = String::from_utf8_lossy(raw).into_owned();
        assert!(
            resp.status().is_client_error(),
            "{shown}: {}",
            resp.status()
        );
        let err: Value = resp.json().await.unwrap();
        assert!(
            err["error"].is_string() && err["message"].is_string(),
            "{shown}: {err}"
        );
    }
    let names: Vec<String> = rows(&pool, t).await.into_iter().map(|r| r.0).collect();
    assert_eq!(names.len(), accepted.len(), "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| !n.chars().any(char::is_control) && !n.contains(['/', '\\']))
    );
    assert_eq!(app.stored_files().len(), accepted.len());
    assert!(app.stored_files().iter().all(|f| is_random_name(f)));
    let parent = app.uploads.parent().unwrap();
    for escaped in ["etc/passwd.txt", "passwd.txt", "win.ini.txt", "path.txt"] {
        assert!(!parent.join(escaped).exists(), "{escaped}");
    }
    assert_eq!(app.temp_files(), 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn limits_and_refusals_store_nothing(pool: PgPool) {
    let c = cast(&pool).await;
    let t = create_direct(&pool, c.ada, "Printer on fire").await;
    let other = create_direct(&pool, c.bob, "Another ticket").await;
    let elsewhere = direct_reply(&pool, c.ada, other, "A reply on another ticket.", "0").await;
    let app = spawn_ticket_app(pool.clone()).await;
    let (ta, tb) = (token_for(&app, "ada").await, token_for(&app, "bob").await);
    let path = format!("/api/v1/tickets/{t}/attachments");
    sqlx::query("update settings set max_upload_bytes = 1024, max_request_bytes = 2048, max_uploads_per_post = 3")
        .execute(&pool)
        .await
        .unwrap();

    let big = vec![b'a'; 1500];
    let err = json_of(
        upload(&app, &path, Some(&ta), Multi::new().file(b"big.txt", &big)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(err["error"], "Payload Too Large");
    assert!(err["message"].as_str().unwrap().contains("1 KiB"), "{err}");
    let parts = Multi::new()
        .file(b"a.txt", &big[..1000])
        .file(b"b.txt", &big[..1000])
        .file(b"c.txt", &big[..1000]);
    let err = json_of(
        upload(&app, &path, Some(&ta), parts).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains("2 KiB"), "{err}");
    let four = Multi::new()
        .file(b"a.txt", b"1")
        .file(b"b.txt", b"2")
        .file(b"c.txt", b"3")
        .file(b"d.txt", b"4");
    let err = json_of(
        upload(&app, &path, Some(&ta), four).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        err["fields"]["files"]
            .as_str()
            .unwrap()
            .contains("at most 3"),
        "{err}"
    );
    let err = json_of(
        upload(
            &app,
            &path,
            Some(&ta),
            Multi::new().text("note", "no file here"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["files"].is_string());

    // Not the creator: 403 before anything is read. Someone else's reply, or a reply of another ticket: refused.
    let resp = upload(&app, &path, Some(&tb), Multi::new().file(b"x.txt", b"x")).await;
    assert_eq!(
        json_of(resp, StatusCode::FORBIDDEN).await["error"],
        "Forbidden"
    );
    let resp = upload(
        &app,
        &format!("{path}?post_id={elsewhere}"),
        Some(&ta),
        Multi::new().file(b"x.txt", b"x"),
    )
    .await;
    assert!(json_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await["fields"]["post_id"].is_string());
    let resp = upload(
        &app,
        "/api/v1/tickets/999999/attachments",
        Some(&ta),
        Multi::new().file(b"x.txt", b"x"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Three files fit; a fourth is one too many for the ticket body (the op's count of what is kept).
    let three = Multi::new()
        .file(b"a.txt", b"1")
        .file(b"b.txt", b"2")
        .file(b"c.txt", b"3");
    assert_eq!(
        upload(&app, &path, Some(&ta), three).await.status(),
        StatusCode::CREATED
    );
    let err = json_of(
        upload(&app, &path, Some(&ta), Multi::new().file(b"d.txt", b"4")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["files"].is_string());
    assert_eq!(rows(&pool, t).await.len(), 3);
    assert_eq!(app.stored_files().len(), 3);

    // A closed ticket takes no more files (409), even from its creator.
    let closed = patch(
        &app,
        &format!("/api/v1/tickets/{t}"),
        &ta,
        serde_json::json!({"status_id": 2}),
    )
    .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let resp = upload(&app, &path, Some(&ta), Multi::new().file(b"late.txt", b"x")).await;
    assert_eq!(
        json_of(resp, StatusCode::CONFLICT).await["message"],
        "This ticket is closed."
    );

    assert_eq!(count(&pool, "select count(*) from attachments").await, 3);
    assert_eq!(app.stored_files().len(), 3);
    assert_eq!(app.temp_files(), 0);
}
