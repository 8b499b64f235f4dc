//! Attachments (security bar §1.2, §1.6): hostile names, extensions, size limits while streaming, downloads only
//! through the authorising handler as sandboxed attachments, removal while editing.

use flicket_core::domain::TicketId;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::*;

/// The stored rows of a ticket's attachments: (id, original name, stored name, size).
async fn rows(pool: &PgPool, id: TicketId) -> Vec<(uuid::Uuid, String, String, i64)> {
    attachment_rows(pool, id)
        .await
        .into_iter()
        .map(|(id, original, stored, size, _)| (id, original, stored, size))
        .collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn hostile_file_names_are_only_harmless_metadata(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let long = format!("{}.pdf", "n".repeat(296));
    let accepted: Vec<(&[u8], &str)> = vec![
        (b"../../etc/passwd.txt", "passwd.txt"),
        (b"..\\..\\win.ini.txt", "win.ini.txt"),
        (b"/abs/path.txt", "path.txt"),
        (b"a/../../b.txt", "b.txt"),
        (b"%2e%2e%2fx.txt", "%2e%2e%2fx.txt"),
        (b".htaccess.txt", "htaccess.txt"),
        (b"x\xe2\x80\xaegnp.txt", "xgnp.txt"),
        (b"CON.TXT", "CON.TXT"),
        (long.as_bytes(), ""),
    ];
    for (raw, expected) in accepted {
        let form = ticket_form("Hostile name", "A file with a hostile name").file(raw, b"content");
        let resp = a.post_ticket(form).await;
        let shown = String::from_utf8_lossy(raw).into_owned();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{shown}");
        let id = ticket_of(&resp);
        let stored = rows(&pool, id).await;
        assert_eq!(stored.len(), 1, "{shown}");
        let (_, original, stored_name, size) = &stored[0];
        assert!(
            is_random_name(stored_name),
            "{shown} stored as {stored_name}"
        );
        assert_eq!(*size, 7);
        if expected.is_empty() {
            assert_eq!(original.chars().count(), 200);
            assert!(original.ends_with(".pdf"));
        } else {
            assert_eq!(original, expected, "{shown}");
        }
    }
    // Everything is in the upload directory under random names, nothing escaped it.
    let files = t.stored_files();
    assert_eq!(files.len(), 9);
    assert!(files.iter().all(|f| is_random_name(f)));
    let parent = t.uploads.parent().unwrap();
    for escaped in ["etc/passwd.txt", "b.txt", "win.ini.txt", "passwd.txt"] {
        assert!(!parent.join(escaped).exists(), "{escaped}");
    }

    let refused: Vec<(&[u8], &str)> = vec![
        (b"../../etc/passwd", "This type of file is not allowed"),
        (b"", "This type of file is not allowed"),
        (b"evil.html", "This type of file is not allowed"),
        (b"evil.svg", "This type of file is not allowed"),
        (b"evil.png.exe", "This type of file is not allowed"),
        (b"\xff\xfe.txt", ""),
        (b"a\r\nb.txt", ""),
        (b"name\0.png", ""),
    ];
    for (raw, message) in refused {
        let form = ticket_form("Refused name", "A file that is refused").file(raw, b"content");
        let resp = a.post_ticket(form).await;
        let shown = String::from_utf8_lossy(raw).into_owned();
        assert!(
            resp.status().is_client_error() || resp.status() == StatusCode::SEE_OTHER,
            "{shown}: {}",
            resp.status()
        );
        let body = resp.text().await.unwrap();
        assert!(body.contains(message), "{shown}");
        if !message.is_empty() {
            assert!(
                body.contains("txt, log, pdf"),
                "{shown}: the allowed list is given"
            );
        }
    }
    let names: Vec<String> = sqlx::query_scalar("select original_name from attachments")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        names
            .iter()
            .all(|n| !n.chars().any(char::is_control) && !n.contains(['/', '\\'])),
        "{names:?}"
    );
    assert_eq!(t.temp_files(), 0);

    // An empty file input (what browsers send when nothing is chosen) is simply no attachment.
    let resp = a
        .post_ticket(ticket_form("No file", "Nothing chosen").file(b"", b""))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = scalar_i64(&pool, "select max(ticket_id) from tickets where $1 = $1", 0).await;
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from attachments where ticket_id = $1",
            id
        )
        .await,
        0
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn sizes_are_limited_while_streaming_with_a_clear_message(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    sqlx::query("update settings set max_upload_bytes = 1024, max_request_bytes = 2048, max_uploads_per_post = 3")
        .execute(&pool)
        .await
        .unwrap();
    let a = signed_in(&t, "ada").await;

    let form = ticket_form("Too big", "One file over the limit").file(b"big.txt", &[b'x'; 1025]);
    let resp = a.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("A file is too large: the limit is 1 KiB per file."),
        "{page}"
    );
    assert!(
        page.contains("value=\"Too big\""),
        "the form is shown again with what was typed"
    );

    let form = ticket_form("Too big together", "Three files over the total")
        .file(b"a.txt", &[b'a'; 800])
        .file(b"b.txt", &[b'b'; 800])
        .file(b"c.txt", &[b'c'; 800]);
    let resp = a.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("The files are too large together: the limit is 2 KiB in all.")
    );

    let form = ticket_form("Too many", "Four small files")
        .file(b"a.txt", b"a")
        .file(b"b.txt", b"b")
        .file(b"c.txt", b"c")
        .file(b"d.txt", b"d");
    let resp = a.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Too many files: at most 3 at a time.")
    );

    // A body far over the limit is refused without reading it all (the answer comes, nothing is kept).
    let form = ticket_form("Huge", "A large file").file(b"huge.txt", &vec![b'h'; 1024 * 1024]);
    let resp = a.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        scalar_i64(&pool, "select count(*) from tickets where $1 = $1", 0).await,
        0
    );
    assert!(
        t.stored_files().is_empty(),
        "no file kept: {:?}",
        t.stored_files()
    );
    assert_eq!(t.temp_files(), 0, "no partial file left");

    // Within the limits it works, and the page states them.
    let form = ticket_form("Fits", "Two files within limits")
        .file(b"a.txt", &[b'a'; 1024])
        .file(b"b.TXT", &[b'b'; 1000]);
    assert_eq!(a.post_ticket(form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.stored_files().len(), 2);
    let hint = a.get_text("/tickets/new").await;
    assert!(
        hint.contains("At most 3 files, 1 KiB per file and 2 KiB in all."),
        "{hint}"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn downloads_need_a_signed_in_user_and_arrive_as_sandboxed_attachments(pool: PgPool) {
    user(&pool, "ada").await;
    user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let pdf = b"%PDF-1.4 pretend".to_vec();
    let form = ticket_form("Report", "See the report").file("Rapport d’été.pdf".as_bytes(), &pdf);
    let id = ticket_of(&a.post_ticket(form).await);
    let (attachment, _, stored, _) = rows(&pool, id).await.remove(0);
    let url = format!("/attachments/{attachment}");
    let page = a.get_text(&format!("/tickets/{id}")).await;
    assert!(
        page.contains(&format!("href=\"{url}\"")),
        "linked from its post"
    );

    let b = signed_in(&t, "bob").await;
    let resp = b.get(&url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"Rapport d__t_.pdf\"; filename*=UTF-8''Rapport%20d%E2%80%99%C3%A9t%C3%A9.pdf"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
    assert_eq!(h["cache-control"], "private, no-store");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);

    // Not signed in: to the sign-in page, no bytes. Never under a static route, never by stored name.
    let anonymous = t.browser().await;
    let resp = anonymous.get(&url).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login"));
    for path in [
        format!("/static/{stored}"),
        format!("/attachments/{stored}"),
        "/attachments/..%2f..%2fetc%2fpasswd".into(),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // Markup allowed by an admin is still served as an inert download.
    sqlx::query("update settings set allowed_extensions = 'html, svg, txt'")
        .execute(&pool)
        .await
        .unwrap();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let form = ticket_form("Markup", "Some markup files")
        .file(b"x.svg", svg)
        .file(b"x.html", b"<script>alert(1)</script>");
    let id = ticket_of(&a.post_ticket(form).await);
    for (attachment, name, _, _) in rows(&pool, id).await {
        let resp = b.get(&format!("/attachments/{attachment}")).await;
        let h = resp.headers();
        assert_eq!(h["content-type"], "application/octet-stream", "{name}");
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;"),
            "{name}"
        );
        assert_eq!(
            h["content-security-policy"], "sandbox; default-src 'none'",
            "{name}"
        );
    }

    // A stored name with quotes and line breaks (e.g. from an import) cannot break the header.
    sqlx::query("update attachments set original_name = E'a\"b;c\\r\\nSet-Cookie: x=1.txt' where attachment_id = $1")
        .bind(attachment)
        .execute(&pool)
        .await
        .unwrap();
    let resp = b.get(&url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("set-cookie").is_none());
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"a_b_c__Set-Cookie_ x_1.txt\"; filename*="),
        "{disposition}"
    );

    // The file is gone with its ticket.
    sqlx::query("delete from tickets")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(b.get(&url).await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn attachments_can_be_removed_while_editing(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let form = ticket_form("Two files", "Has two files")
        .file(b"keep.txt", b"keep")
        .file(b"drop.txt", b"drop");
    let id = ticket_of(&a.post_ticket(form).await);
    let other = ticket_of(
        &a.post_ticket(ticket_form("Other", "Other file").file(b"o.txt", b"o"))
            .await,
    );
    let before = rows(&pool, id).await;
    let drop = before
        .iter()
        .find(|r| r.1 == "drop.txt")
        .unwrap()
        .0
        .to_string();
    let foreign = rows(&pool, other).await[0].0.to_string();
    let edit_page = a.get_text(&format!("/tickets/{id}/edit")).await;
    assert!(
        edit_page.contains(&format!("value=\"{drop}\"")) && edit_page.contains("Remove drop.txt")
    );

    let form = form_of(&[
        ("title", "Two files"),
        ("content", "Has one file now"),
        ("priority_id", "2"),
        ("remove", &drop),
        ("remove", &foreign),
        ("remove", "not-a-uuid"),
    ])
    .file(b"new.log", b"new");
    let page = format!("/tickets/{id}/edit");
    assert_eq!(
        a.post_multi(&page, &page, form).await.status(),
        StatusCode::SEE_OTHER
    );
    let names: Vec<String> = rows(&pool, id).await.into_iter().map(|r| r.1).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"keep.txt".to_owned()) && names.contains(&"new.log".to_owned()));
    assert_eq!(
        rows(&pool, other).await.len(),
        1,
        "another ticket's file cannot be removed from here"
    );
    assert_eq!(
        t.stored_files().len(),
        3,
        "the removed file is gone from disk"
    );
}
