//! Raising, replying to, editing and reading tickets through the pages.

use flicket_core::Locale;
use flicket_core::domain::{PriorityId, StatusId, TicketId};
use flicket_core::tickets::ops::{self, ReplyInput};
use flicket_core::tickets::{Body, Hours};
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
        .post_multi(
            "/tickets",
            "/tickets/new",
            ticket_form_with(
                "Printer on fire",
                "It **really** is on fire.",
                &[("category_id", "3")],
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = TicketId(
        location(&resp)
            .trim_start_matches("/tickets/")
            .parse()
            .unwrap(),
    );

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
        let resp = b.post_multi("/tickets", "/tickets/new", form).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "case {i}");
        let body = resp.text().await.unwrap();
        assert!(body.contains(message), "case {i}: {message}");
        assert!(body.contains("id=\"form-error\""), "case {i}");
    }
    // What was typed is kept.
    let resp = b
        .post_multi(
            "/tickets",
            "/tickets/new",
            ticket_form("ab", "Keep <this> text"),
        )
        .await;
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
        .post_multi(
            "/tickets",
            "/tickets/new",
            form.text("content", "Long enough body"),
        )
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
    let resp = b
        .post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let post_id = scalar_i64(
        &pool,
        "select max(post_id) from posts where ticket_id = $1",
        id.0,
    )
    .await;
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
    let resp = b
        .post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("other than Closed"));

    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("This ticket is closed. A reply reopens it."));
    let resp = b
        .post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            reply_form("Still broken!"),
        )
        .await;
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
    let resp = b
        .post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from posts where ticket_id = $1",
            id.0
        )
        .await,
        0
    );
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
    let resp = a
        .post_multi(
            &format!("/tickets/{id}/replies"),
            &format!("/tickets/{id}"),
            form,
        )
        .await;
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

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn edits_keep_the_previous_text_and_are_refused_while_closed(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let id = create_via_page(&a, "Typo in title", "First *version* of the text.").await;

    let edit = a.get_text(&format!("/tickets/{id}/edit")).await;
    assert!(
        edit.contains("First *version* of the text.") && edit.contains("value=\"Typo in title\"")
    );
    let form = Multi::new()
        .text("title", "Fixed title")
        .text("content", "Second version.")
        .text("priority_id", "3")
        .text("hours", "2");
    let resp = a
        .post_multi(
            &format!("/tickets/{id}/edit"),
            &format!("/tickets/{id}/edit"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let history = a.get_text(&format!("/tickets/{id}/history")).await;
    assert!(history.contains("ada Tester originally wrote"), "{history}");
    assert!(history.contains("First <em>version</em> of the text."));
    let page = a.get_text(&format!("/tickets/{id}")).await;
    assert!(page.contains("Fixed title") && page.contains("Second version."));
    assert!(
        page.contains("Modified by ada Tester on")
            && page.contains(&format!("/tickets/{id}/history"))
    );
    assert!(page.contains("Ticket priority changed to “high” by ada Tester"));

    // Saving the same text again writes no history.
    let same = Multi::new()
        .text("title", "Fixed title")
        .text("content", "Second version.")
        .text("priority_id", "3")
        .text("hours", "2");
    a.post_multi(
        &format!("/tickets/{id}/edit"),
        &format!("/tickets/{id}/edit"),
        same,
    )
    .await;
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from edit_history where ticket_id = $1",
            id.0
        )
        .await,
        1
    );

    // A reply, edited by its author.
    let b = signed_in(&t, "bob").await;
    b.post_multi(
        &format!("/tickets/{id}/replies"),
        &format!("/tickets/{id}"),
        reply_form("Reply, first draft."),
    )
    .await;
    let post_id = scalar_i64(
        &pool,
        "select max(post_id) from posts where ticket_id = $1",
        id.0,
    )
    .await;
    let form = reply_form("Reply, second draft.");
    let resp = b
        .post_multi(
            &format!("/posts/{post_id}/edit"),
            &format!("/posts/{post_id}/edit"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let history = b.get_text(&format!("/posts/{post_id}/history")).await;
    assert!(
        history.contains("bob Tester originally wrote") && history.contains("Reply, first draft.")
    );
    assert!(
        b.get_text(&format!("/tickets/{id}"))
            .await
            .contains("Reply, second draft.")
    );

    // Closed: no edits, a clear message, nothing changed.
    let mut tx = pool.begin().await.unwrap();
    ops::close(&mut tx, &actor(ada), id).await.unwrap();
    tx.commit().await.unwrap();
    let resp = a.get(&format!("/tickets/{id}/edit")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        a.get_text(&location(&resp))
            .await
            .contains("This ticket is closed.")
    );
    let form = Multi::new()
        .text("title", "Sneaky")
        .text("content", "Changed after close")
        .text("priority_id", "1");
    let resp = a
        .post_multi(
            &format!("/tickets/{id}/edit"),
            &format!("/tickets/{id}"),
            form,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let title: String = sqlx::query_scalar("select title from tickets where ticket_id = $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(title, "Fixed title");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn quote_prefills_the_reply_box_and_total_hours_add_up(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Hours and quotes").await; // 1 hour
    let other = create_direct(&pool, ada, "Another ticket").await;
    let post = direct_reply(&pool, bob, id, "Line one\n\nLine two", "0.25").await;
    direct_reply(&pool, bob, id, "More work", "2.5").await;
    let foreign = direct_reply(&pool, bob, other, "Elsewhere", "0").await;
    let b = signed_in(&t, "bob").await;

    let page = b.get_text(&format!("/tickets/{id}")).await;
    assert!(
        page.contains("id=\"ticket-total-hours\">3.75<"),
        "1 + 0.25 + 2.5"
    );
    let quoted = b.get_text(&format!("/tickets/{id}?quote=ticket")).await;
    assert!(quoted.contains("&#62; ada Tester wrote on "), "{quoted}");
    assert!(quoted.contains("&#62; Something does not work."));
    let quoted = b.get_text(&format!("/tickets/{id}?quote={post}")).await;
    assert!(quoted.contains("&#62; bob Tester wrote on "));
    assert!(quoted.contains("&#62; Line one\n&#62;\n&#62; Line two"));
    let foreign_quote = b.get_text(&format!("/tickets/{id}?quote={foreign}")).await;
    assert!(
        !foreign_quote.contains("Elsewhere"),
        "only posts of this ticket can be quoted"
    );
    assert_eq!(
        b.get(&format!("/tickets/{id}?quote=%00")).await.status(),
        StatusCode::OK
    );
}

pub async fn direct_reply(
    pool: &PgPool,
    author: flicket_core::domain::UserId,
    id: TicketId,
    text: &str,
    hours: &str,
) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let input = ReplyInput {
        body: Body::parse(text).unwrap(),
        status_id: StatusId(1),
        priority_id: PriorityId(2),
        hours: Hours::parse(hours).unwrap(),
        files: vec![],
        and_close: false,
    };
    let (post, _) = ops::reply(&mut tx, &actor(author), id, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    post.0
}

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
    let last = scalar_i64(
        &pool,
        "select max(post_id) from posts where ticket_id = $1",
        id.0,
    )
    .await;
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
    let resp = a.post_multi("/tickets", "/tickets/new", form).await;
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
async fn the_ticket_list_shows_the_newest_first(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    create_direct(&pool, ada, "Older ticket").await;
    create_direct(&pool, ada, "Newer ticket").await;
    let a = signed_in(&t, "ada").await;
    let list = a.get_text("/tickets").await;
    let (older, newer) = (
        list.find("Older ticket").unwrap(),
        list.find("Newer ticket").unwrap(),
    );
    assert!(newer < older);
    assert!(list.contains("Not assigned") && list.contains("Open") && list.contains("medium"));
    let anonymous = t.browser().await;
    assert_eq!(
        location(&anonymous.get("/tickets").await),
        "/login?next=/tickets"
    );
    let _ = Locale::En;
}
