//! Deletions with the admin's password, counters, and all-or-nothing changes.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

use crate::tickets_support::*;

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
    let resp = a.post_ticket(form).await;
    let id = ticket_of(&resp);
    let b = signed_in(&t, "bob").await;
    let page = format!("/tickets/{id}");
    let reply = reply_form("Reply with a file").file(b"log.txt", b"reply file");
    b.post_multi(&format!("{page}/replies"), &page, reply).await;
    let post_id = last_post(&pool, id).await;
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
    let text = r
        .post_flash(
            &format!("/posts/{post_id}/delete"),
            &page,
            &[("password", "wrong")],
        )
        .await;
    assert!(text.contains("Wrong password: nothing has been deleted."));
    assert_eq!(ticket_rows(&pool, "posts", id).await, 2);
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
    assert_eq!(ticket_rows(&pool, "posts", id).await, 1);
    assert_eq!(ticket_rows(&pool, "edit_history", id).await, 0);
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

    let text = r
        .post_flash(&format!("{page}/delete"), &page, &[("password", "")])
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
        .post_ticket(ticket_form("One file", "Has one file").file(b"a.txt", b"a"))
        .await;
    let id = ticket_of(&resp);
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
    assert_eq!(ticket_rows(&pool, "edit_history", id).await, 0);
    assert_eq!(activity_kinds(&pool, id).await, vec!["opened"]);
    assert_eq!(t.stored_files().len(), 1, "the refused file was removed");
    assert_eq!(t.temp_files(), 0);
    let _ = ada;
}

/// The admin's password asked by a deletion is checked under the sign-in limiter, on the same counter as signing in
/// to that account: failures are recorded, and after ten (here, or at the sign-in form) the answer is sign-in's 429,
/// even for the right password, and nothing is deleted.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn deletion_passwords_are_limited_with_sign_in(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let root = create_user(&pool, "root", true, flicket_core::Locale::En).await;
    let id = create_direct(&pool, ada, "Keep me").await;
    let post_id = direct_reply(&pool, ada, id, "A reply to keep", "1").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let r = signed_in(&t, "root").await;
    let page = format!("/tickets/{id}");
    let (ticket_delete, post_delete) =
        (format!("{page}/delete"), format!("/posts/{post_id}/delete"));
    // Three guesses at the sign-in form, seven on the deletion forms.
    let other = t.browser().await;
    for _ in 0..3 {
        assert_eq!(
            other.login("ROOT@example.com", "wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    for i in 0..7 {
        let path = if i % 2 == 0 {
            &ticket_delete
        } else {
            &post_delete
        };
        let text = r.post_flash(path, &page, &[("password", "wrong")]).await;
        assert!(text.contains("Wrong password"), "guess {i}");
    }
    let failures = scalar_i64(
        &pool,
        "select count(*) from login_attempts where account_key = 'user:' || $1 and not succeeded",
        root.0,
    )
    .await;
    assert_eq!(
        failures, 10,
        "every failure recorded on the account's counter"
    );

    for path in [&post_delete, &ticket_delete] {
        let resp = r.post_action(path, &page, &[("password", PASSWORD)]).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("Too many sign-in attempts"),
            "{path}"
        );
    }
    assert_eq!(
        other.login("root", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(ticket_rows(&pool, "posts", id).await, 1, "nothing deleted");
    assert_eq!(r.get(&page).await.status(), StatusCode::OK);
}
