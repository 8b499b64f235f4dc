//! The normal path: one outbox row, one email, with the right headers, in the right language, exactly once.

use std::collections::HashSet;

use flicket_core::jobs::EmailJob;
use flicket_core::repo::fixtures;
use sqlx::PgPool;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_outbox_row_becomes_exactly_one_email_with_threading_headers(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let id = reply_for(&pool, &w, w.customer, "Have you tried turning it off?").await;
    push(&q.queue, id).await;

    assert_eq!(finished(&pool, id).await, "sent");
    let mail = w.sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    assert_eq!(m.to, vec!["carl@example.test".to_owned()]);
    assert_eq!(m.from, "helpdesk@flicket.test");
    let subject = subject(m);
    assert_eq!(
        subject,
        format!("Ticket #{:05} – Printer on fire", w.ticket)
    );
    let thread = format!("<ticket-{}@help.flicket.test>", w.ticket);
    assert_eq!(m.header("In-Reply-To").unwrap(), thread);
    assert_eq!(m.header("References").unwrap(), thread);
    let message_id = m.header("Message-ID").unwrap();
    assert!(message_id.ends_with("@help.flicket.test>"), "{message_id}");
    assert!(
        m.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    assert!(m.body().contains("text/plain") && m.body().contains("text/html"));
    let text = decoded(m);
    assert!(
        text.contains(&format!("{BASE_URL}/tickets/{}", w.ticket)),
        "{text}"
    );
    assert!(
        text.contains("> Have you tried turning it off?"),
        "quoted reply in the text part: {text}"
    );
    assert!(text.contains("Ada Agent replied"), "{text}");
    let to = m.header("To").unwrap();
    assert!(
        to.contains("Carl Customer") && to.contains("<carl@example.test>"),
        "{to}"
    );

    // A second reply on the same ticket threads with the first and has its own id.
    let second = reply_for(&pool, &w, w.customer, "Or unplugging it?").await;
    push(&q.queue, second).await;
    assert_eq!(finished(&pool, second).await, "sent");
    let mail = w.sink.wait_for(2, WAIT).await;
    assert_eq!(mail.len(), 2);
    assert_eq!(mail[1].header("References").unwrap(), thread);
    assert_ne!(mail[1].header("Message-ID").unwrap(), message_id);
    let metrics = metrics_text(mailer.port).await;
    for name in [
        "mailer_emails_sent_total",
        "mailer_queue_lag_seconds",
        "mailer_queue_depth",
        "mailer_outbox_oldest_pending_seconds",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_same_job_pushed_twice_to_two_mailers_sends_one_email(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let first = RunningMailer::start(&pool, options(&q.name)).await;
    let second = RunningMailer::start(&pool, options(&q.name)).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(reply_for(&pool, &w, w.customer, &format!("Reply number {n}")).await);
    }
    // Every job three times: twice at once, once more later (a relay and a scheduler re-push racing).
    let jobs: Vec<EmailJob> = ids
        .iter()
        .flat_map(|id| [EmailJob::new(*id), EmailJob::new(*id)])
        .collect();
    q.queue.push(&jobs).await.unwrap();
    for id in &ids {
        assert_eq!(finished(&pool, *id).await, "sent");
    }
    q.queue
        .push(&ids.iter().map(|id| EmailJob::new(*id)).collect::<Vec<_>>())
        .await
        .unwrap();
    // Wait until every job, duplicates included, left the queue, then count.
    eventually("queue drained", || async {
        q.queue.depth().await.unwrap() == 0
    })
    .await;
    let probe = reply_for(&pool, &w, w.customer, "probe after the duplicates").await;
    push(&q.queue, probe).await;
    finished(&pool, probe).await;
    let mail = w.sink.wait_for(ids.len() + 1, WAIT).await;
    assert_eq!(mail.len(), ids.len() + 1, "one email per outbox row");
    let distinct: HashSet<_> = mail.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!(distinct.len(), mail.len());
    for id in ids {
        let (state, attempts, _) = fixtures::delivery(&pool, &key_of(&pool, id).await)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((state.as_str(), attempts), ("sent", 1));
    }
    first.stop().await;
    second.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_french_recipient_gets_a_french_email(pool: PgPool) {
    let w = world(&pool).await;
    let amelie = fixtures::user(&pool, "amelie", "Amélie", "amelie@example.test", "fr")
        .await
        .unwrap();
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let fr = reply_for(&pool, &w, amelie, "Avez-vous essayé de le redémarrer ?").await;
    let en = reply_for(&pool, &w, w.customer, "Have you tried rebooting?").await;
    push(&q.queue, fr).await;
    push(&q.queue, en).await;
    finished(&pool, fr).await;
    finished(&pool, en).await;
    let mail = w.sink.wait_for(2, WAIT).await;
    let to = |addr: &str| {
        mail.iter()
            .find(|m| m.to == vec![addr.to_owned()])
            .map(decoded)
            .unwrap()
    };
    let french = to("amelie@example.test");
    let english = to("carl@example.test");
    assert!(french.contains("lang=\"fr\""), "{french}");
    assert!(french.contains("a répondu"), "{french}");
    assert!(french.contains("Avez-vous essayé"), "{french}");
    assert!(
        english.contains("lang=\"en\"") && english.contains("replied"),
        "{english}"
    );
    assert!(!english.contains("a répondu"));
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn suppressed_sending_is_recorded_and_nothing_is_sent(pool: PgPool) {
    let w = world(&pool).await;
    fixtures::suppress_send(&pool, true).await.unwrap();
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let id = reply_for(&pool, &w, w.customer, "This one stays here.").await;
    push(&q.queue, id).await;
    assert_eq!(finished(&pool, id).await, "suppressed");
    let (_, _, reason) = fixtures::delivery(&pool, &key_of(&pool, id).await)
        .await
        .unwrap()
        .unwrap();
    assert!(reason.unwrap().contains("suppressed"));
    mailer.stop().await;
    assert!(w.sink.messages().is_empty());
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_display_name_with_crlf_cannot_inject_headers(pool: PgPool) {
    let w = world(&pool).await;
    let eve = fixtures::user(
        &pool,
        "eve",
        "Eve\r\nBcc: victim@evil.test\r\nX-Injected: yes",
        "eve@example.test",
        "en",
    )
    .await
    .unwrap();
    let evil_ticket = fixtures::ticket(
        &pool,
        eve,
        "Hi\r\nBcc: victim2@evil.test",
        "Body with\r\n.\r\nA lone dot line.",
    )
    .await
    .unwrap();
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let post = fixtures::post(&pool, evil_ticket, eve, "Reply\r\nBcc: x@evil.test")
        .await
        .unwrap();
    let id = outbox_row(
        &pool,
        &format!("reply:{post}:{eve}"),
        Some(eve),
        Some(evil_ticket),
        flicket_core::outbox_message::OutboxMessage::Reply {
            post_id: flicket_core::domain::PostId(post),
            actor_id: flicket_core::domain::UserId(eve),
        },
    )
    .await;
    push(&q.queue, id).await;
    assert_eq!(finished(&pool, id).await, "sent");
    let mail = w.sink.wait_for(1, WAIT).await;
    let m = &mail[0];
    assert_eq!(m.to, vec!["eve@example.test".to_owned()], "envelope");
    assert_eq!(m.headers_named("To").len(), 1);
    assert!(m.header("Bcc").is_none());
    assert!(m.header("X-Injected").is_none());
    assert!(m.header("To").unwrap().contains("<eve@example.test>"));
    mailer.stop().await;
}
