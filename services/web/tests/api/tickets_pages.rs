//! Reading tickets: reply pages, 404s, markdown preview and help, Flicket's old URLs, the list.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn replies_are_paginated_oldest_first(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    sqlx::query("update settings set page_size = 10")
        .execute(&pool)
        .await
        .unwrap();
    let id = create_direct(&pool, ada, "Many replies").await;
    for i in 1..=12 {
        direct_reply(&pool, ada, id, &format!("Reply text number {i:02}"), "0").await;
    }
    let a = signed_in(&t, "ada").await;
    let first = a.get_text(&format!("/tickets/{id}")).await;
    assert!(
        first.contains("Reply #1<")
            && first.contains("Reply #10<")
            && !first.contains("Reply #11<")
    );
    assert!(first.find("number 01").unwrap() < first.find("number 10").unwrap());
    assert!(
        first.contains("Ticket opened by"),
        "the body's activity is on page 1"
    );
    let second = a.get_text(&format!("/tickets/{id}?page=2")).await;
    assert!(
        second.contains("Reply #11<")
            && second.contains("number 12")
            && !second.contains("number 10")
    );
    assert!(!second.contains("Ticket opened by"));
    assert!(
        a.get_text(&format!("/tickets/{id}?page=99"))
            .await
            .contains("number 12")
    );
    assert!(
        a.get_text(&format!("/tickets/{id}?page=abc"))
            .await
            .contains("number 01")
    );
    // A reply's own link finds its page.
    let last = last_post(&pool, id).await;
    assert_eq!(
        location(&a.get(&format!("/posts/{last}")).await),
        format!("/tickets/{id}?page=2#post-{last}")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn unknown_ids_and_garbage_in_paths_are_404_pages(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    create_direct(&pool, ada, "The only ticket").await;
    let a = signed_in(&t, "ada").await;
    for path in [
        "/tickets/999999",
        "/tickets/abc",
        "/tickets/-1",
        "/tickets/99999999999999999999999",
        "/tickets/999999/edit",
        "/tickets/999999/history",
        "/posts/999999",
        "/posts/999999/edit",
        "/posts/abc/history",
        "/attachments/not-a-uuid",
        "/attachments/00000000-0000-0000-0000-000000000000",
        "/ticket_view/abc/",
    ] {
        let resp = a.get(path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            resp.text().await.unwrap().contains("Page not found"),
            "{path}"
        );
    }
    for path in [
        "/tickets/999999/claim",
        "/tickets/x/close",
        "/posts/999999/delete",
        "/tickets/1/subscribers/x/delete",
    ] {
        let resp = a.post_action(path, "/tickets", &[]).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn preview_and_markdown_help(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let token = a.csrf("/tickets/new").await;
    let preview = |content: String| {
        let a = &a;
        let token = token.clone();
        async move {
            a.client
                .post(a.url("/preview"))
                .header("x-csrf-token", token)
                .form(&[("content", content)])
                .send()
                .await
                .unwrap()
        }
    };
    let resp = preview("**b** <script>alert(1)</script>".into()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("<strong>b</strong>") && !html.contains("<script"),
        "{html}"
    );
    assert_eq!(
        preview("z".repeat(10_001)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let anonymous = t.browser().await;
    let token = anonymous.csrf("/login").await;
    let resp = anonymous
        .client
        .post(anonymous.url("/preview"))
        .header("x-csrf-token", token)
        .form(&[("content", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // Without JavaScript the form's Preview button shows the same preview and creates nothing.
    let form = ticket_form_with(
        "Preview only",
        "Some _emphasis_ here",
        &[("action", "preview")],
    );
    let resp = a.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("<em>emphasis</em>") && page.contains("value=\"Preview only\""));
    assert_eq!(
        scalar_i64(&pool, "select count(*) from tickets where $1 = $1", 0).await,
        0
    );

    let help = a.get_text("/help/markdown").await;
    assert!(
        help.contains("Markdown help")
            && help.contains("<table>")
            && help.contains("<strong>bold</strong>")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn flickets_old_urls_lead_to_the_new_pages_and_change_nothing(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Old links").await;
    let b = signed_in(&t, "bob").await;
    for (old, new) in [
        (format!("/ticket_view/{id}/"), format!("/tickets/{id}")),
        (format!("/ticket_view/{id}"), format!("/tickets/{id}")),
        (
            format!("/ticket_view/{id}/2/"),
            format!("/tickets/{id}?page=2"),
        ),
        ("/ticket_create/".to_owned(), "/tickets/new".to_owned()),
        (format!("/edit_ticket/{id}"), format!("/tickets/{id}/edit")),
        (
            format!("/history/topic/{id}/"),
            format!("/tickets/{id}/history"),
        ),
        ("/markdown_primer/".to_owned(), "/help/markdown".to_owned()),
        (format!("/ticket_claim/{id}/"), format!("/tickets/{id}")),
        (
            format!("/change_status/{id}/Closed/"),
            format!("/tickets/{id}"),
        ),
        (format!("/release/{id}/"), format!("/tickets/{id}")),
    ] {
        let resp = b.get(&old).await;
        assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(location(&resp), new, "{old}");
    }
    assert_eq!(
        status_kind(&pool, id).await,
        "open",
        "old GET links change nothing"
    );
    assert_eq!(assignee(&pool, id).await, None);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_field_of_the_ticket_pages_has_a_label(pool: PgPool) {
    create_user(&pool, "root", true, flicket_core::Locale::En).await;
    let root = scalar_i64(
        &pool,
        "select user_id from users where username = 'root' and $1 = $1",
        0,
    )
    .await;
    let t = spawn_ticket_app(pool.clone()).await;
    sqlx::query("update settings set change_category = true")
        .execute(&pool)
        .await
        .unwrap();
    let id = create_direct(&pool, flicket_core::domain::UserId(root), "Labelled").await;
    let post = direct_reply(
        &pool,
        flicket_core::domain::UserId(root),
        id,
        "A reply to edit",
        "0",
    )
    .await;
    let r = signed_in(&t, "root").await;
    for path in [
        "/tickets/new".to_owned(),
        format!("/tickets/{id}"),
        format!("/tickets/{id}/edit"),
        format!("/posts/{post}/edit"),
    ] {
        let page = r.get_text(&path).await;
        let mut fields = 0;
        for tag in page.split('<').filter(|t| {
            t.starts_with("input ") || t.starts_with("select ") || t.starts_with("textarea ")
        }) {
            if tag.contains("type=\"hidden\"") {
                continue;
            }
            let id = tag
                .split("id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default();
            assert!(!id.is_empty(), "{path}: a field without id: <{tag}");
            assert!(
                page.contains(&format!("for=\"{id}\"")),
                "{path}: no label for {id}"
            );
            fields += 1;
        }
        assert!(fields >= 4, "{path}: {fields} fields checked");
        for needle in ["http://", "https://", "//cdn", " style=", "<script>"] {
            assert!(!page.contains(needle), "{path}: {needle}");
        }
    }
}
