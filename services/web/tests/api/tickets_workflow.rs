//! Claim, assign, release, close, reopen, category, subscriptions and deletions: each change with its activity and
//! its outbox rows in one transaction, and the counters kept right.

use flicket_core::domain::TicketId;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets::direct_reply;
use crate::tickets_support::*;

async fn last_activity(pool: &PgPool, id: TicketId) -> (i64, String, Option<i64>) {
    sqlx::query_as(
        "select activity_id, kind, recipient_id from activities where ticket_id = $1 order by activity_id desc limit 1",
    )
    .bind(id.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Outbox rows written since `after` (an outbox id), as (kind, key, recipient).
async fn new_outbox(pool: &PgPool, id: TicketId, after: usize) -> Vec<(String, String, i64)> {
    outbox_rows(pool, id)
        .await
        .into_iter()
        .skip(after)
        .collect()
}

/// Follows the redirect after a change (through `/posts/{id}` when there is one) and returns the page.
async fn flash_after(b: &TestApp, resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mut next = b.get(&location(&resp)).await;
    while next.status().is_redirection() {
        next = b.get(&location(&next)).await;
    }
    next.text().await.unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn each_workflow_step_writes_its_activity_and_one_outbox_row_per_other_subscriber(
    pool: PgPool,
) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let carl = user(&pool, "carl").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Workflow").await;
    let page = format!("/tickets/{id}");
    let (a, b, c) = (
        signed_in(&t, "ada").await,
        signed_in(&t, "bob").await,
        signed_in(&t, "carl").await,
    );

    // Bob claims: In Work, assigned and subscribed; Ada (the only other subscriber) is told.
    let text = flash_after(
        &b,
        b.post_action(&format!("{page}/claim"), &page, &[]).await,
    )
    .await;
    assert!(
        text.contains("You have claimed the ticket.")
            && text.contains("Ticket claimed by bob Tester")
    );
    assert_eq!(
        (status_kind(&pool, id).await, assignee(&pool, id).await),
        ("in_work".into(), Some(bob.0))
    );
    assert_eq!(subscriber_ids(&pool, id).await, vec![ada.0, bob.0]);
    let (act, kind, _) = last_activity(&pool, id).await;
    assert_eq!(kind, "claim");
    assert_eq!(
        new_outbox(&pool, id, 0).await,
        vec![("claim".into(), format!("claim:{act}:{ada}"), ada.0)]
    );

    // Bob assigns to Carl: Carl subscribed and told, Ada told, Bob (the actor) not.
    let text = flash_after(
        &b,
        b.post_action(&format!("{page}/assign"), &page, &[("username", " CARL ")])
            .await,
    )
    .await;
    assert!(text.contains("Ticket assigned to carl Tester by bob Tester"));
    assert_eq!(assignee(&pool, id).await, Some(carl.0));
    let (act, kind, recipient) = last_activity(&pool, id).await;
    assert_eq!((kind.as_str(), recipient), ("assign", Some(carl.0)));
    assert_eq!(
        new_outbox(&pool, id, 1).await,
        vec![
            ("assign".into(), format!("assign:{act}:{ada}"), ada.0),
            ("assign".into(), format!("assign:{act}:{carl}"), carl.0),
        ]
    );
    let payload: serde_json::Value =
        sqlx::query_scalar("select payload from outbox where idempotency_key = $1")
            .bind(format!("assign:{act}:{carl}"))
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(payload["activity_id"], act);
    assert_eq!(payload["actor_id"], bob.0);
    assert_eq!(payload["assignee_id"], carl.0);

    // Carl releases: Open again, nobody assigned.
    let text = flash_after(
        &c,
        c.post_action(&format!("{page}/release"), &page, &[]).await,
    )
    .await;
    assert!(text.contains("Ticket released by carl Tester"));
    assert_eq!(
        (status_kind(&pool, id).await, assignee(&pool, id).await),
        ("open".into(), None)
    );
    let (act, _, _) = last_activity(&pool, id).await;
    let keys: Vec<String> = new_outbox(&pool, id, 3)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(
        keys,
        vec![
            format!("release:{act}:{ada}"),
            format!("release:{act}:{bob}")
        ]
    );

    // Ada closes, then reopens.
    a.post_action(&format!("{page}/assign"), &page, &[("username", "bob")])
        .await;
    let text = flash_after(
        &a,
        a.post_action(&format!("{page}/close"), &page, &[]).await,
    )
    .await;
    assert!(
        text.contains("The ticket has been closed.")
            && text.contains("Ticket closed by ada Tester")
    );
    assert_eq!(
        (status_kind(&pool, id).await, assignee(&pool, id).await),
        ("closed".into(), None)
    );
    let closed_at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select closed_at from tickets where ticket_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(closed_at.is_some());
    let (act, _, _) = last_activity(&pool, id).await;
    let keys: Vec<String> = new_outbox(&pool, id, 7)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(
        keys,
        vec![format!("close:{act}:{bob}"), format!("close:{act}:{carl}")]
    );
    let text = flash_after(
        &a,
        a.post_action(&format!("{page}/reopen"), &page, &[]).await,
    )
    .await;
    assert!(text.contains("Ticket reopened by ada Tester"));
    assert_eq!(status_kind(&pool, id).await, "open");
    let (act, _, _) = last_activity(&pool, id).await;
    let keys: Vec<String> = new_outbox(&pool, id, 9)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(
        keys,
        vec![
            format!("reopen:{act}:{bob}"),
            format!("reopen:{act}:{carl}")
        ]
    );

    assert_eq!(
        activity_kinds(&pool, id).await,
        vec![
            "opened", "claim", "assign", "release", "assign", "close", "reopened"
        ]
    );
    assert!(
        counters_drift(&pool).await.is_empty(),
        "total_assigned follows every move"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn impossible_steps_get_a_clear_message_and_change_nothing(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let carl = user(&pool, "carl").await;
    let admin = create_user(&pool, "root", true, flicket_core::Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Conflicts").await;
    let page = format!("/tickets/{id}");
    let (a, r) = (signed_in(&t, "ada").await, signed_in(&t, "root").await);
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(carl.0)
        .execute(&pool)
        .await
        .unwrap();

    let cases: Vec<(&TestApp, String, Vec<(&str, &str)>, &str)> = vec![
        (
            &r,
            format!("{page}/release"),
            vec![],
            "This ticket is not assigned to anyone.",
        ),
        (
            &a,
            format!("{page}/reopen"),
            vec![],
            "This ticket is not closed.",
        ),
        (
            &a,
            format!("{page}/assign"),
            vec![("username", "nobody")],
            "There is no active user with this user name.",
        ),
        (
            &a,
            format!("{page}/assign"),
            vec![("username", "carl")],
            "There is no active user with this user name.",
        ),
        (
            &a,
            format!("{page}/assign"),
            vec![("username", "x\0y")],
            "There is no active user with this user name.",
        ),
        (
            &a,
            format!("{page}/subscribers"),
            vec![("username", "ada")],
            "This user is already subscribed.",
        ),
        (
            &r,
            format!("{page}/subscribers/{admin}/delete"),
            vec![],
            "This user is not subscribed.",
        ),
    ];
    for (who, path, fields, message) in cases {
        let text = flash_after(who, who.post_action(&path, &page, &fields).await).await;
        assert!(text.contains(message), "{path}: {message}");
    }
    a.post_action(&format!("{page}/claim"), &page, &[]).await;
    let text = flash_after(
        &a,
        a.post_action(&format!("{page}/claim"), &page, &[]).await,
    )
    .await;
    assert!(text.contains("This ticket is already assigned to you."));
    let text = flash_after(
        &r,
        r.post_action(&format!("{page}/assign"), &page, &[("username", "ada")])
            .await,
    )
    .await;
    assert!(text.contains("This ticket is already assigned to this user."));
    a.post_action(&format!("{page}/close"), &page, &[]).await;
    for step in ["claim", "close"] {
        let text = flash_after(
            &a,
            a.post_action(&format!("{page}/{step}"), &page, &[]).await,
        )
        .await;
        assert!(text.contains("This ticket is closed."), "{step}");
    }
    let text = flash_after(
        &r,
        r.post_action(&format!("{page}/assign"), &page, &[("username", "ada")])
            .await,
    )
    .await;
    assert!(text.contains("This ticket is closed."));
    assert_eq!(
        activity_kinds(&pool, id).await,
        vec!["opened", "claim", "close"]
    );
    assert_eq!(
        outbox_rows(&pool, id).await.len(),
        0,
        "ada was alone: nobody to tell"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn category_changes_follow_the_settings(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let sup = user(&pool, "sue").await;
    add_group(&pool, sup, "super_user").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Wrong category").await;
    let page = format!("/tickets/{id}");
    let a = signed_in(&t, "ada").await;
    let it_internet: i64 = sqlx::query_scalar(
        "select category_id from categories c join departments d using (department_id)
         where d.name = 'IT' and c.name = 'Internet'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let target = it_internet.to_string();

    // Off by default: no control, and the route does not exist.
    assert!(!a.get_text(&page).await.contains("new-category"));
    let resp = a
        .post_action(
            &format!("{page}/category"),
            &page,
            &[("category_id", &target)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    sqlx::query("update settings set change_category = true")
        .execute(&pool)
        .await
        .unwrap();
    assert!(a.get_text(&page).await.contains("new-category"));
    let text = flash_after(
        &a,
        a.post_action(
            &format!("{page}/category"),
            &page,
            &[("category_id", &target)],
        )
        .await,
    )
    .await;
    assert!(
        text.contains("Ticket moved to “IT / Internet” by ada Tester"),
        "{text}"
    );
    assert!(text.contains("id=\"ticket-category\">IT / Internet<"));
    let data: serde_json::Value = sqlx::query_scalar(
        "select data from activities where ticket_id = $1 and kind = 'department_category'",
    )
    .bind(id.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(data["department"], "IT");
    assert_eq!(data["category"], "Internet");
    assert_eq!(data["category_id"], it_internet);
    let text = flash_after(
        &a,
        a.post_action(
            &format!("{page}/category"),
            &page,
            &[("category_id", &target)],
        )
        .await,
    )
    .await;
    assert!(text.contains("already in this department"));
    let text = flash_after(
        &a,
        a.post_action(
            &format!("{page}/category"),
            &page,
            &[("category_id", "424242")],
        )
        .await,
    )
    .await;
    assert!(text.contains("Please choose an existing department / category."));

    // Restricted to admins and super users.
    sqlx::query("update settings set change_category_restricted = true")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!a.get_text(&page).await.contains("new-category"));
    let resp = a
        .post_action(&format!("{page}/category"), &page, &[("category_id", "1")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let s = signed_in(&t, "sue").await;
    let resp = s
        .post_action(&format!("{page}/category"), &page, &[("category_id", "1")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        scalar_i64(
            &pool,
            "select category_id from tickets where ticket_id = $1",
            id.0
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn anyone_subscribes_anyone_and_unsubscribing_others_is_for_staff(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let carl = user(&pool, "carl").await;
    let sup = user(&pool, "sue").await;
    add_group(&pool, sup, "super_user").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Followers").await;
    let page = format!("/tickets/{id}");
    let (b, c, s) = (
        signed_in(&t, "bob").await,
        signed_in(&t, "carl").await,
        signed_in(&t, "sue").await,
    );

    let text = flash_after(
        &b,
        b.post_action(
            &format!("{page}/subscribers"),
            &page,
            &[("username", "carl")],
        )
        .await,
    )
    .await;
    assert!(text.contains("carl Tester subscribed to the ticket by bob Tester"));
    assert_eq!(subscriber_ids(&pool, id).await, vec![ada.0, carl.0]);
    // The list is on the page, by name; bob may remove nobody, so no button.
    assert!(text.contains("<datalist id=\"people\">") && text.contains("<option value=\"carl\">"));
    assert!(!text.contains(&format!("/subscribers/{carl}/delete")));

    let resp = b
        .post_action(&format!("{page}/subscribers/{carl}/delete"), &page, &[])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let own = c.get_text(&page).await;
    assert!(
        own.contains(&format!("/subscribers/{carl}/delete"))
            && !own.contains(&format!("/subscribers/{ada}/delete"))
    );
    let text = flash_after(
        &c,
        c.post_action(&format!("{page}/subscribers/{carl}/delete"), &page, &[])
            .await,
    )
    .await;
    assert!(text.contains("carl Tester unsubscribed from the ticket by carl Tester"));
    let text = flash_after(
        &s,
        s.post_action(&format!("{page}/subscribers/{ada}/delete"), &page, &[])
            .await,
    )
    .await;
    assert!(text.contains("ada Tester unsubscribed from the ticket by sue Tester"));
    assert!(subscriber_ids(&pool, id).await.is_empty());
    assert!(text.contains("Nobody follows this ticket."));
    let _ = bob;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn deletions_need_the_admins_password_remove_everything_and_keep_counters_right(
    pool: PgPool,
) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    create_user(&pool, "root", true, flicket_core::Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let form = ticket_form("With files", "Body with a file").file(b"notes.txt", b"ticket file");
    let resp = a.post_multi("/tickets", "/tickets/new", form).await;
    let id = TicketId(
        location(&resp)
            .trim_start_matches("/tickets/")
            .parse()
            .unwrap(),
    );
    let b = signed_in(&t, "bob").await;
    let page = format!("/tickets/{id}");
    let reply = reply_form("Reply with a file").file(b"log.txt", b"reply file");
    b.post_multi(&format!("{page}/replies"), &page, reply).await;
    let post_id = scalar_i64(
        &pool,
        "select max(post_id) from posts where ticket_id = $1",
        id.0,
    )
    .await;
    direct_reply(&pool, ada, id, "A later reply by ada", "1").await;
    let edit = reply_form("Reply with a file, edited");
    b.post_multi(&format!("/posts/{post_id}/edit"), &page, edit)
        .await;
    b.post_action(&format!("{page}/claim"), &page, &[]).await; // activity under the latest reply
    assert_eq!(t.stored_files().len(), 2);
    assert_eq!(
        scalar_i64(
            &pool,
            "select total_assigned::bigint from users where user_id = $1",
            bob.0
        )
        .await,
        1
    );

    let r = signed_in(&t, "root").await;
    assert!(
        r.get_text(&page)
            .await
            .contains(&format!("/posts/{post_id}/delete"))
    );
    // Wrong password: nothing happens.
    let text = flash_after(
        &r,
        r.post_action(
            &format!("/posts/{post_id}/delete"),
            &page,
            &[("password", "wrong")],
        )
        .await,
    )
    .await;
    assert!(text.contains("Wrong password: nothing has been deleted."));
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from posts where ticket_id = $1",
            id.0
        )
        .await,
        2
    );
    // Right password: the reply, its file and history go; its author's count is corrected.
    let resp = r
        .post_action(
            &format!("/posts/{post_id}/delete"),
            &page,
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&resp), page);
    assert!(
        r.get_text(&page)
            .await
            .contains("The reply has been deleted.")
    );
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from posts where ticket_id = $1",
            id.0
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from edit_history where ticket_id = $1",
            id.0
        )
        .await,
        0
    );
    assert_eq!(
        t.stored_files().len(),
        1,
        "the reply's file is gone from disk"
    );
    assert!(
        counters_drift(&pool).await.is_empty(),
        "{:?}",
        counters_drift(&pool).await
    );

    let text = flash_after(
        &r,
        r.post_action(&format!("{page}/delete"), &page, &[("password", "")])
            .await,
    )
    .await;
    assert!(text.contains("Wrong password"));
    let resp = r
        .post_action(&format!("{page}/delete"), &page, &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&resp), "/tickets");
    assert!(
        r.get_text("/tickets")
            .await
            .contains("The ticket has been deleted.")
    );
    for table in [
        "tickets",
        "posts",
        "attachments",
        "edit_history",
        "subscriptions",
        "activities",
    ] {
        let sql = sqlx::AssertSqlSafe(format!("select count(*) from {table}"));
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        assert_eq!(n, 0, "{table}");
    }
    assert!(t.stored_files().is_empty(), "every file removed");
    assert!(
        counters_drift(&pool).await.is_empty(),
        "{:?}",
        counters_drift(&pool).await
    );
    let posts = scalar_i64(
        &pool,
        "select total_posts::bigint from users where user_id = $1",
        ada.0,
    )
    .await;
    assert_eq!(posts, 0);
    assert_eq!(r.get(&page).await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_change_that_fails_half_way_leaves_nothing_behind(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    sqlx::query("update settings set max_uploads_per_post = 1")
        .execute(&pool)
        .await
        .unwrap();
    let a = signed_in(&t, "ada").await;
    let resp = a
        .post_multi(
            "/tickets",
            "/tickets/new",
            ticket_form("One file", "Has one file").file(b"a.txt", b"a"),
        )
        .await;
    let id = TicketId(
        location(&resp)
            .trim_start_matches("/tickets/")
            .parse()
            .unwrap(),
    );
    // The edit writes history and new content, then finds one file too many: all of it is rolled back.
    let form = Multi::new()
        .text("title", "Changed title")
        .text("content", "Changed content")
        .text("priority_id", "3")
        .text("hours", "9")
        .file(b"b.txt", b"b");
    let page = format!("/tickets/{id}/edit");
    let resp = a.post_multi(&page, &page, form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Too many attachments"));
    let (title, hours): (String, String) =
        sqlx::query_as("select title, hours::text from tickets where ticket_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((title.as_str(), hours.as_str()), ("One file", "1.50"));
    assert_eq!(
        scalar_i64(
            &pool,
            "select count(*) from edit_history where ticket_id = $1",
            id.0
        )
        .await,
        0
    );
    assert_eq!(activity_kinds(&pool, id).await, vec!["opened"]);
    assert_eq!(t.stored_files().len(), 1, "the refused file was removed");
    assert_eq!(t.temp_files(), 0);
    let _ = ada;
}
