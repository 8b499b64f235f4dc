//! Outbox payloads: rows written before payloads were typed are still delivered, and a payload the mailer cannot
//! read fails for good with its reason, at the first attempt, without holding up the rows after it.

use flicket_core::repo::fixtures;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;

/// Inserts a row exactly as the code before typed payloads wrote it (untyped payload, kind only in the column).
async fn raw_row(
    pool: &PgPool,
    key: &str,
    kind: &str,
    recipient: Option<i64>,
    email: Option<&str>,
    ticket: Option<i64>,
    payload: Value,
) -> i64 {
    sqlx::query_scalar(
        "insert into outbox (idempotency_key, kind, recipient_id, recipient_email, ticket_id, payload)
         values ($1, $2, $3, $4, $5, $6) returning outbox_id",
    )
    .bind(key)
    .bind(kind)
    .bind(recipient)
    .bind(email)
    .bind(ticket)
    .bind(payload)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// One raw outbox row: (key, kind, recipient, email, ticket, payload) and what the test expects of it.
type Case<'a, K> = (
    K,
    &'a str,
    Option<i64>,
    Option<&'a str>,
    Option<i64>,
    Value,
    &'a str,
);

/// Inserts the rows of `cases`, in order; returns their outbox ids.
async fn raw_rows<K: AsRef<str>>(pool: &PgPool, cases: &[Case<'_, K>]) -> Vec<i64> {
    let mut ids = vec![];
    for (key, kind, recipient, email, ticket, payload, _) in cases {
        ids.push(
            raw_row(
                pool,
                key.as_ref(),
                kind,
                *recipient,
                *email,
                *ticket,
                payload.clone(),
            )
            .await,
        );
    }
    ids
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn rows_written_before_typed_payloads_are_still_delivered(pool: PgPool) {
    let w = world(&pool).await;
    let (agent, customer, ticket) = (w.agent, w.customer, w.ticket);
    let post = fixtures::post(&pool, ticket, agent, "Old reply text")
        .await
        .unwrap();
    let secret = config("unused").secret_key_bytes().to_vec();
    let token = flicket_core::crypto::encrypt_to_string(&secret, "old-token-456").unwrap();
    // (key, kind, recipient, raw address, ticket, payload as the old code wrote it, a phrase of the email)
    let cases = [
        (
            format!("reply:{post}:{customer}"),
            "reply",
            Some(customer),
            None,
            Some(ticket),
            json!({"post_id": post, "actor_id": agent}),
            "Old reply text",
        ),
        (
            format!("claim:1:{customer}"),
            "claim",
            Some(customer),
            None,
            Some(ticket),
            json!({"activity_id": 1, "actor_id": agent, "assignee_id": agent}),
            "Ada Agent claimed this ticket",
        ),
        (
            format!("assign:2:{customer}"),
            "assign",
            Some(customer),
            None,
            Some(ticket),
            json!({"activity_id": 2, "actor_id": agent, "assignee_id": agent}),
            "Ada Agent assigned this ticket to Ada Agent",
        ),
        (
            format!("release:3:{customer}"),
            "release",
            Some(customer),
            None,
            Some(ticket),
            json!({"activity_id": 3, "actor_id": agent}),
            "Ada Agent released this ticket",
        ),
        (
            format!("close:4:{agent}"),
            "close",
            Some(agent),
            None,
            Some(ticket),
            json!({"activity_id": 4, "actor_id": customer}),
            "Carl Customer closed this ticket",
        ),
        (
            format!("reopen:5:{agent}"),
            "reopen",
            Some(agent),
            None,
            Some(ticket),
            json!({"activity_id": 5, "actor_id": customer}),
            "Carl Customer reopened this ticket",
        ),
        (
            "password_reset:9".to_owned(),
            "password_reset",
            Some(customer),
            None,
            None,
            json!({"token_enc": token, "expires_minutes": 30}),
            "/password-reset/new?token=old-token-456",
        ),
        (
            "test_email:old".to_owned(),
            "test_email",
            None,
            Some("admin@example.test"),
            None,
            json!({"requested_by": agent}),
            "This is a test email",
        ),
        (
            format!("digest:2026-11-30:{agent}"),
            "digest",
            Some(agent),
            None,
            None,
            json!({"period": "2026-11-30", "ticket_ids": [ticket]}),
            "These tickets that you created or are assigned to are not closed yet",
        ),
    ];
    let ids = raw_rows(&pool, &cases).await;
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    for id in &ids {
        push(&q.queue, *id).await;
    }
    for (id, case) in ids.iter().zip(&cases) {
        assert_eq!(finished(&pool, *id).await, "sent", "{}", case.0);
    }
    let mail = w.sink.wait_for(ids.len(), WAIT).await;
    assert_eq!(mail.len(), ids.len());
    for (key, _, _, _, _, _, phrase) in &cases {
        assert!(
            mail.iter().any(|m| decoded(m).contains(phrase)),
            "{key}: no email containing {phrase:?}"
        );
    }
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_payload_that_cannot_be_read_fails_for_good_with_its_reason(pool: PgPool) {
    let w = world(&pool).await;
    let admin = Some("admin@example.test");
    let (agent, customer, ticket) = (Some(w.agent), Some(w.customer), Some(w.ticket));
    // (key, kind, recipient, raw address, ticket, payload, the recorded reason starts with)
    let cases = [
        (
            "test_email:v99",
            "test_email",
            None,
            admin,
            None,
            json!({"v": 99, "kind": "test_email", "requested_by": 1}),
            "unsupported outbox message version 99",
        ),
        (
            "test_email:fax",
            "test_email",
            None,
            admin,
            None,
            json!({"v": 2, "kind": "fax"}),
            "unknown email kind \"fax\"",
        ),
        (
            "test_email:mismatch",
            "test_email",
            None,
            admin,
            None,
            json!({"v": 2, "kind": "digest", "period": "P", "ticket_ids": []}),
            "the payload is a digest message in a test_email row",
        ),
        (
            "reply:typed-junk",
            "reply",
            customer,
            None,
            ticket,
            json!({"v": 2, "kind": "reply", "post_id": "seven", "actor_id": 1}),
            "malformed reply payload",
        ),
        (
            "reply:old-empty",
            "reply",
            customer,
            None,
            ticket,
            json!({}),
            "malformed reply payload",
        ),
        (
            "digest:not-an-object",
            "digest",
            agent,
            None,
            None,
            json!([1, 2]),
            "malformed digest payload",
        ),
    ];
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let ids = raw_rows(&pool, &cases).await;
    let good = reply_for(&pool, &w, w.customer, "After the bad ones").await;
    for id in ids.iter().chain([&good]) {
        push(&q.queue, *id).await;
    }
    for (id, (key, .., reason)) in ids.iter().zip(&cases) {
        assert_eq!(finished(&pool, *id).await, "failed", "{key}");
        let (_, attempts, recorded) = fixtures::delivery(&pool, key).await.unwrap().unwrap();
        assert_eq!(attempts, 1, "{key}: failed at once, not retried");
        let recorded = recorded.unwrap_or_default();
        assert!(recorded.starts_with(reason), "{key}: {recorded}");
    }
    assert_eq!(finished(&pool, good).await, "sent");
    let mail = w.sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1, "only the good row became an email");
    assert_eq!(q.dead().await, 0, "no job died");
    mailer.stop().await;
}
