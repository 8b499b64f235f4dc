//! Stored XSS (security bar §1.1): every payload renders inert in ticket bodies, replies, history and previews, and
//! every plain-text sink (titles, names, statuses, categories, file names, activity sentences) is escaped.

use flicket_core::markdown::{XSS_PAYLOADS, find_active_content};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::tickets_support::*;

/// The page may hold exactly one script element: the site's own file.
fn assert_only_own_script(page: &str, what: &str) {
    assert_eq!(
        page.matches("<script").count(),
        1,
        "{what}: a script element appeared"
    );
    let own = page
        .split("<script src=\"/static/flicket-tickets.js?v=")
        .nth(1)
        .and_then(|rest| rest.split_once("\" defer></script>"))
        .is_some_and(|(version, _)| {
            version.len() == 16 && version.bytes().all(|b| b.is_ascii_hexdigit())
        });
    assert!(own, "{what}");
}

async fn stored_html(pool: &PgPool, sql: &'static str, id: i64) -> String {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_payload_renders_inert_in_bodies_replies_history_and_preview(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let token = a.csrf("/tickets/new").await;
    for (i, payload) in XSS_PAYLOADS.iter().enumerate() {
        let id = create_via_page(&a, &format!("Payload {i}"), payload).await;
        let page = format!("/tickets/{id}");
        a.post_multi(&format!("{page}/replies"), &page, reply_form(payload))
            .await;
        let edit = form_of(&[
            ("title", "Edited"),
            ("content", "Harmless now"),
            ("priority_id", "2"),
        ]);
        assert_eq!(
            a.post_multi(&format!("{page}/edit"), &page, edit)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );

        let html = stored_html(
            &pool,
            "select original_html from edit_history where ticket_id = $1",
            id.0,
        )
        .await;
        let reply = stored_html(
            &pool,
            "select content_html from posts where ticket_id = $1",
            id.0,
        )
        .await;
        for (what, fragment) in [("history", &html), ("reply", &reply)] {
            assert_eq!(
                find_active_content(fragment),
                None,
                "payload {i} in the {what}: {fragment}"
            );
        }
        let view = a.get_text(&page).await;
        assert!(
            view.contains(&reply),
            "payload {i}: the page shows the stored, sanitised reply"
        );
        assert_only_own_script(&view, &format!("payload {i}, ticket page"));
        let history = a.get_text(&format!("{page}/history")).await;
        assert!(
            history.contains(&html),
            "payload {i}: history shows the sanitised text"
        );
        assert_eq!(
            history.matches("<script").count(),
            0,
            "payload {i}, history page"
        );
        // Quoting puts the source in the text area, escaped.
        let post: i64 = sqlx::query_scalar("select post_id from posts where ticket_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
        let quoted = a.get_text(&format!("{page}?quote={post}")).await;
        assert_only_own_script(&quoted, &format!("payload {i}, quote"));

        let preview = a
            .client
            .post(a.url("/preview"))
            .header("x-csrf-token", &token)
            .form(&[("content", payload)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            find_active_content(&preview),
            None,
            "payload {i}, preview: {preview}"
        );
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn plain_text_everywhere_is_escaped(pool: PgPool) {
    const EVIL: &str = "\"><img src=x onerror=alert(1)>";
    const ESCAPED: &str = "&#34;&#62;&#60;img src=x onerror=alert(1)&#62;";
    let ada = user(&pool, "ada").await;
    let eve = user(&pool, "eve").await;
    for sql in [
        "update users set name = '\"><img src=x onerror=alert(1)>', job_title = '\"><img src=x onerror=alert(1)>' \
         where username = 'eve'",
        "update statuses set name = '\"><img src=x onerror=alert(1)>' where kind = 'awaiting_information'",
        "update priorities set name = '{{7*7}}<img src=x>' where kind = 'high'",
        "insert into departments (name) values ('\"><img src=x onerror=alert(1)>')",
        "insert into categories (department_id, name)
         select department_id, '<script>alert(1)</script>' from departments where name like '%img%'",
        "update settings set change_category = true",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let evil_category: i64 =
        sqlx::query_scalar("select category_id from categories where name like '<script%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let t = spawn_ticket_app(pool.clone()).await;
    let e = signed_in(&t, "eve").await;
    let form = ticket_form_with(EVIL, "Look at my title", &[("priority_id", "3")])
        .file(b"><img src=x onerror=alert(1)>.txt", b"x");
    let resp = e.post_ticket(form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = ticket_of(&resp);
    let page = format!("/tickets/{id}");
    e.post_action(&format!("{page}/claim"), &page, &[]).await;
    e.post_multi(
        &format!("{page}/replies"),
        &page,
        reply_form_with("Status change", &[("status_id", "4")]),
    )
    .await;
    e.post_action(
        &format!("{page}/category"),
        &page,
        &[("category_id", &evil_category.to_string())],
    )
    .await;
    e.post_action(
        &format!("{page}/subscribers"),
        &page,
        &[("username", "ada")],
    )
    .await;
    let _ = (ada, eve);

    for path in [
        page.clone(),
        "/tickets".to_owned(),
        format!("{page}/edit"),
        format!("{page}?quote=ticket"),
    ] {
        let html = e.get_text(&path).await;
        assert!(!html.contains("<img src=x"), "{path}: raw markup");
        assert!(!html.contains("<script>alert"), "{path}: raw script");
        assert!(html.contains(ESCAPED), "{path}: escaped text shown");
    }
    let a = signed_in(&t, "ada").await;
    let view = a.get_text(&page).await;
    assert!(
        view.contains("&#62;&#60;img src=x onerror=alert(1)&#62;.txt"),
        "file name escaped in its tooltip"
    );
    assert!(
        view.contains("{{7*7}}"),
        "no template evaluation of user text"
    );
    assert!(view.contains(&format!(
        "Ticket moved to “{ESCAPED} / &#60;script&#62;alert(1)&#60;/script&#62;”"
    )));
    assert!(view.contains(&format!(
        "Ticket status changed to “{ESCAPED}” by {ESCAPED}"
    )));
    assert!(view.contains(&format!("ada Tester subscribed to the ticket by {ESCAPED}")));
    assert_only_own_script(&view, "ticket page");
}
