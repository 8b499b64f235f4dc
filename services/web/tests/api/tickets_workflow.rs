//! Claim, assign, release, close, reopen, category, subscriptions and deletions: each change with its activity and
//! its outbox rows in one transaction, and the counters kept right.

use flicket_core::domain::TicketId;
use sqlx::PgPool;

use crate::helpers::*;

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

/// The idempotency keys of the outbox rows written since `after`.
async fn new_keys(pool: &PgPool, id: TicketId, after: usize) -> Vec<String> {
    new_outbox(pool, id, after)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect()
}

/// Who does what, with which fields, and the message they get.
type Step<'a> = (&'a TestApp, String, Vec<(&'a str, &'a str)>, &'a str);

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
    let text = b.post_flash(&format!("{page}/claim"), &page, &[]).await;
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
    let text = b
        .post_flash(&format!("{page}/assign"), &page, &[("username", " CARL ")])
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
    let text = c.post_flash(&format!("{page}/release"), &page, &[]).await;
    assert!(text.contains("Ticket released by carl Tester"));
    assert_eq!(
        (status_kind(&pool, id).await, assignee(&pool, id).await),
        ("open".into(), None)
    );
    let (act, _, _) = last_activity(&pool, id).await;
    let keys: Vec<String> = new_keys(&pool, id, 3).await;
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
    let text = a.post_flash(&format!("{page}/close"), &page, &[]).await;
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
    let keys: Vec<String> = new_keys(&pool, id, 7).await;
    assert_eq!(
        keys,
        vec![format!("close:{act}:{bob}"), format!("close:{act}:{carl}")]
    );
    let text = a.post_flash(&format!("{page}/reopen"), &page, &[]).await;
    assert!(text.contains("Ticket reopened by ada Tester"));
    assert_eq!(status_kind(&pool, id).await, "open");
    let (act, _, _) = last_activity(&pool, id).await;
    let keys: Vec<String> = new_keys(&pool, id, 9).await;
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

    let cases: Vec<Step> = vec![
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
        let text = who.post_flash(&path, &page, &fields).await;
        assert!(text.contains(message), "{path}: {message}");
    }
    a.post_action(&format!("{page}/claim"), &page, &[]).await;
    let text = a.post_flash(&format!("{page}/claim"), &page, &[]).await;
    assert!(text.contains("This ticket is already assigned to you."));
    let text = r
        .post_flash(&format!("{page}/assign"), &page, &[("username", "ada")])
        .await;
    assert!(text.contains("This ticket is already assigned to this user."));
    a.post_action(&format!("{page}/close"), &page, &[]).await;
    for step in ["claim", "close"] {
        let text = a.post_flash(&format!("{page}/{step}"), &page, &[]).await;
        assert!(text.contains("This ticket is closed."), "{step}");
    }
    let text = r
        .post_flash(&format!("{page}/assign"), &page, &[("username", "ada")])
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
