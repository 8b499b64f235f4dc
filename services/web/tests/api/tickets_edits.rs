//! Editing tickets and replies, the edit history, quoting and hours.

use flicket_core::tickets::ops::{self};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::*;

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
    assert_eq!(ticket_rows(&pool, "edit_history", id).await, 1);

    // A reply, edited by its author.
    let b = signed_in(&t, "bob").await;
    b.post_reply(id, reply_form("Reply, first draft.")).await;
    let post_id = last_post(&pool, id).await;
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
