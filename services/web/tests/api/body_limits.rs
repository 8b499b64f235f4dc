//! A body whose declared `Content-Length` is larger than its route takes is answered 413 at once, on the form and
//! multipart routes of the pages as on the API, without waiting for the bytes (which would end in a 408).

use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// Sends the head of a request announcing `length` bytes and a few bytes of body, then reads the status line of
/// the answer (the connection stays open: the rest of the body never comes).
async fn status_for_declared(app: &TestApp, path: &str, content_type: &str, length: u64) -> u16 {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\
         Accept: text/html\r\n\r\n--b\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    // Bounded only so that a broken server cannot hang the suite; the assertion is on the status.
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while !buf.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "{path}: no answer");
    let line = String::from_utf8_lossy(&buf).into_owned();
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{path}: {line:?}"))
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_huge_declared_body_is_refused_at_once_on_every_kind_of_route(pool: PgPool) {
    let app = spawn_app(pool).await;
    const MULTIPART: &str = "multipart/form-data; boundary=b";
    const FORM: &str = "application/x-www-form-urlencoded";
    const JSON: &str = "application/json";
    let huge = 1_000_000_000_000;
    let cases = [
        ("/tickets", MULTIPART),
        ("/tickets/1/replies", MULTIPART),
        ("/tickets/1/edit", MULTIPART),
        ("/account/avatar", MULTIPART),
        ("/login", FORM),
        ("/admin/groups/1/members", FORM),
        ("/preview", FORM),
        ("/api/v1/tickets/1/attachments", MULTIPART),
        ("/api/v1/tickets", JSON),
        ("/flicket-api/tickets", JSON),
    ];
    let statuses = futures::future::join_all(
        cases
            .iter()
            .map(|(path, ct)| status_for_declared(&app, path, ct, huge)),
    )
    .await;
    for ((path, ct), status) in cases.iter().zip(statuses) {
        assert_eq!(status, 413, "{path} ({ct})");
    }
    // Just over the limits: a form over 256 KiB; a multipart body over the site's request limit (25 MiB by
    // default) plus the room its fields may take (1 MiB).
    assert_eq!(
        status_for_declared(&app, "/login", FORM, 256 * 1024 + 1).await,
        413
    );
    assert_eq!(
        status_for_declared(&app, "/tickets", MULTIPART, 26_214_400 + 1024 * 1024 + 1).await,
        413
    );
    // A body within the limits is read as usual (here: refused for its missing token, not for its size).
    let resp = app
        .client
        .post(app.url("/login"))
        .header("content-type", FORM)
        .body("username=ada&password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
