//! Raising, replying to, editing and reading tickets through the pages.

use flicket_core::tickets::ops::{self};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_new_ticket_is_open_followed_by_its_creator_and_remembers_the_category(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let b = signed_in(&t, "ada").await;

    let form = b.get_text("/tickets/new").await;
    assert!(form.contains("Create a ticket") && form.contains("for=\"title\""));
    let resp = b
        .post_ticket(ticket_form_with(
            "Printer on fire",
            "It **really** is on fire.",
            &[("category_id", "3")],
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = ticket_of(&resp);

    assert_eq!(status_kind(&pool, id).await, "open");
    assert_eq!(subscriber_ids(&pool, id).await, vec![ada.0]);
    assert_eq!(activity_kinds(&pool, id).await, vec!["opened"]);
    assert_eq!(
        scalar_i64(
            &pool,
            "select total_posts::bigint from users where user_id = $1",
            ada.0
        )
        .await,
        1
    );
    let (hours, html): (String, String) =
        sqlx::query_as("select hours::text, content_html from tickets where ticket_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hours, "1.50");
    assert!(
        html.contains("<strong>really</strong>"),
        "rendered once, stored: {html}"
    );

    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("The ticket has been created."));
    assert!(page.contains("Printer on fire") && page.contains(&format!("#{}", id.padded())));
    assert!(page.contains("Ticket opened by ada Tester"));
    assert!(page.contains("<strong>really</strong>"));

    // The next ticket starts in the same category.
    let again = b.get_text("/tickets/new").await;
    assert!(
        again.contains("<option value=\"3\" selected>"),
        "category 3 preselected"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn bad_ticket_input_shows_the_form_again_and_never_a_server_error(pool: PgPool) {
    user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let b = signed_in(&t, "ada").await;
    let long_title = "x".repeat(10_000);
    let long_body = "y".repeat(10_001);
    let cases: Vec<(Multi, &str)> = vec![
        (
            ticket_form("ab", "Long enough body"),
            "The title must be 3 to 128 characters long.",
        ),
        (
            ticket_form(&long_title, "Long enough body"),
            "The title must be 3 to 128 characters long.",
        ),
        (
            ticket_form("Fine title", "tiny"),
            "The text must be 5 to 10,000 characters long.",
        ),
        (
            ticket_form("Fine title", &long_body),
            "The text must be 5 to 10,000 characters long.",
        ),
        (
            ticket_form("Nul\0title", "Long enough body"),
            "Control characters are not allowed.",
        ),
        (
            ticket_form("Fine title", "Body with \0 inside"),
            "Control characters are not allowed.",
        ),
        (
            ticket_form_with("Fine title", "Long enough body", &[("hours", "1.234")]),
            "at most two decimals",
        ),
        (
            ticket_form_with("Fine title", "Long enough body", &[("hours", "-1")]),
            "at most two decimals",
        ),
        (
            ticket_form_with(
                "Fine title",
                "Long enough body",
                &[("category_id", "999999")],
            ),
            "existing department",
        ),
        (
            ticket_form_with("Fine title", "Long enough body", &[("category_id", "abc")]),
            "existing department",
        ),
        (
            ticket_form_with("Fine title", "Long enough body", &[("priority_id", "99")]),
            "existing priority",
        ),
    ];
    for (i, (form, message)) in cases.into_iter().enumerate() {
        let resp = b.post_ticket(form).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "case {i}");
        let body = resp.text().await.unwrap();
        assert!(body.contains(message), "case {i}: {message}");
        assert!(body.contains("id=\"form-error\""), "case {i}");
    }
    // What was typed is kept.
    let resp = b.post_ticket(ticket_form("ab", "Keep <this> text")).await;
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Keep &#60;this&#62; text")
    );

    // Invalid UTF-8 in a field.
    let mut form = Multi::new();
    form.raw_text("title", b"Bad \xff\xfe title");
    let resp = b
        .post_ticket(form.text("content", "Long enough body"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("The form could not be read.")
    );

    // Not multipart at all.
    let resp = b
        .post_action("/tickets", "/tickets/new", &[("title", "Fine title")])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let count = scalar_i64(&pool, "select count(*) from tickets where $1 = $1", 0).await;
    assert_eq!(count, 0, "nothing was created");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_reply_changes_status_and_priority_subscribes_the_replier_and_notifies_the_others(
    pool: PgPool,
) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let carl = user(&pool, "carl").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let id = create_via_page(&a, "Broken link", "The link on the intranet is broken.").await;
    // Carl follows the ticket but is disabled: no email for him.
    sqlx::query("insert into subscriptions (ticket_id, user_id) values ($1, $2)")
        .bind(id.0)
        .bind(carl.0)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(carl.0)
        .execute(&pool)
        .await
        .unwrap();

    let b = signed_in(&t, "bob").await;
    let form = reply_form_with(
        "Looking at it *now*.",
        &[
            ("status_id", "3"),
            ("priority_id", "3"),
            ("hours", "0,5"),
            ("action", "reply"),
        ],
    );
    let resp = b.post_reply(id, form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let post_id = last_post(&pool, id).await;
    assert_eq!(location(&resp), format!("/posts/{post_id}"));

    assert_eq!(status_kind(&pool, id).await, "in_work");
    assert_eq!(
        activity_kinds(&pool, id).await,
        vec!["opened", "status", "priority"]
    );
    let anchored = scalar_i64(
        &pool,
        "select count(*) from activities where ticket_id = $1 and kind in ('status', 'priority') and post_id = \
         (select max(post_id) from posts)",
        id.0,
    )
    .await;
    assert_eq!(anchored, 2, "shown under the reply");
    assert_eq!(subscriber_ids(&pool, id).await, vec![ada.0, bob.0, carl.0]);
    assert_eq!(
        scalar_i64(
            &pool,
            "select total_posts::bigint from users where user_id = $1",
            bob.0
        )
        .await,
        1
    );
    assert_eq!(
        outbox_rows(&pool, id).await,
        vec![("reply".to_owned(), format!("reply:{post_id}:{ada}"), ada.0)],
        "one row per enabled subscriber other than the replier"
    );

    let page = b.get_text(&format!("/posts/{post_id}")).await; // redirect page, no body
    assert!(page.is_empty());
    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("Your reply has been posted."));
    assert!(page.contains("Reply #1") && page.contains("<em>now</em>"));
    assert!(page.contains("Ticket status changed to “In Work” by bob Tester"));
    assert!(page.contains("Ticket priority changed to “high” by bob Tester"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_reply_to_a_closed_ticket_reopens_it_and_closed_is_not_a_reply_status(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Closed soon").await;
    let mut tx = pool.begin().await.unwrap();
    ops::close(&mut tx, &actor(ada), id).await.unwrap();
    tx.commit().await.unwrap();
    let b = signed_in(&t, "bob").await;

    let form = reply_form_with("Still broken.", &[("status_id", "2")]);
    let resp = b.post_reply(id, form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("other than Closed"));

    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("This ticket is closed. A reply reopens it."));
    let resp = b.post_reply(id, reply_form("Still broken!")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_kind(&pool, id).await, "open");
    let kinds = activity_kinds(&pool, id).await;
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("reopened"),
        "{kinds:?}"
    );
    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("Ticket reopened by bob Tester"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn reply_and_close_is_only_for_those_who_may_close(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Close me").await;
    let b = signed_in(&t, "bob").await;
    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(!page.contains("reply-close-button"), "not offered to bob");
    let form = reply_form_with("Closing it myself", &[("action", "reply_close")]);
    let resp = b.post_reply(id, form).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(ticket_rows(&pool, "posts", id).await, 0);
    assert_eq!(status_kind(&pool, id).await, "open");

    let a = signed_in(&t, "ada").await;
    sqlx::query("insert into subscriptions (ticket_id, user_id) values ($1, $2)")
        .bind(id.0)
        .bind(bob.0)
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        a.get_text(&format!("/tickets/{id}"))
            .await
            .contains("reply-close-button")
    );
    let form = reply_form_with("Done, closing.", &[("action", "reply_close")]);
    let resp = a.post_reply(id, form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_kind(&pool, id).await, "closed");
    let kinds: Vec<String> = outbox_rows(&pool, id)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        kinds,
        vec!["reply", "close"],
        "bob hears of the reply and of the close"
    );
    assert!(
        a.get_text(&format!("/tickets/{id}"))
            .await
            .contains("Your reply has been posted and the ticket closed.")
    );
}
