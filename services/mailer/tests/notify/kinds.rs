//! Every kind of email reaches exactly its recipient, in their language, with both parts.

use flicket_core::domain::TicketId;
use flicket_core::repo::fixtures;
use flicket_core::repo::outbox::{self, NewOutbox, OutboxKind};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_kind_reaches_its_recipient_in_their_language(pool: PgPool) {
    let w = world(&pool).await;
    let bob = fixtures::user(&pool, "bob", "Bob Builder", "bob@example.test", "fr")
        .await
        .unwrap();
    fixtures::assign(&pool, w.ticket, bob).await.unwrap();
    let secret = config("unused").secret_key_bytes().to_vec();
    let token = flicket_core::crypto::encrypt_to_string(&secret, "reset-token-123").unwrap();
    let t = Some(w.ticket);
    // (key, kind, recipient user, payload, a phrase the decoded email must contain)
    let cases: Vec<(&str, OutboxKind, i64, serde_json::Value, &str)> = vec![
        (
            "opened:1",
            OutboxKind::Opened,
            w.agent,
            json!({"actor_id": w.customer}),
            "Carl Customer opened this ticket",
        ),
        (
            "claim:1",
            OutboxKind::Claim,
            w.customer,
            json!({"actor_id": w.agent}),
            "Ada Agent claimed this ticket",
        ),
        (
            "assign:1",
            OutboxKind::Assign,
            bob,
            json!({"actor_id": w.agent, "assignee_id": bob}),
            "a attribué ce ticket à Bob Builder",
        ),
        (
            "release:1",
            OutboxKind::Release,
            w.customer,
            json!({"actor_id": w.agent}),
            "Ada Agent released this ticket",
        ),
        (
            "close:1",
            OutboxKind::Close,
            bob,
            json!({"actor_id": w.customer}),
            "Carl Customer a fermé ce ticket",
        ),
        (
            "reopen:1",
            OutboxKind::Reopen,
            w.agent,
            json!({"actor_id": w.customer}),
            "Carl Customer reopened this ticket",
        ),
        (
            "password_reset:1",
            OutboxKind::PasswordReset,
            w.customer,
            json!({"token_enc": token}),
            "/password-reset/new?token=reset-token-123",
        ),
        (
            "digest:2026-11-30:1",
            OutboxKind::Digest,
            bob,
            json!({"tickets": [{"ticket_id": w.ticket, "title": "Printer on fire", "priority": "low", "status": "Open", "assignee": "Bob Builder"}]}),
            "Tickets toujours en attente",
        ),
    ];
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let mut ids = Vec::new();
    for (key, kind, recipient, payload, _) in &cases {
        let ticket = match kind {
            OutboxKind::PasswordReset | OutboxKind::Digest => None,
            _ => t,
        };
        ids.push(outbox_row(&pool, key, *kind, Some(*recipient), ticket, payload.clone()).await);
    }
    let test_email = outbox::insert(
        &pool,
        &NewOutbox {
            idempotency_key: "test_email:1".into(),
            kind: OutboxKind::TestEmail,
            recipient_id: None,
            recipient_email: Some("admin@example.test".into()),
            ticket_id: None,
            payload: json!({"locale": "fr"}),
        },
    )
    .await
    .unwrap()
    .unwrap();
    ids.push(test_email);
    for id in &ids {
        push(&q.queue, *id).await;
    }
    for id in &ids {
        assert_eq!(finished(&pool, *id).await, "sent", "outbox row {id}");
    }
    let mail = w.sink.wait_for(ids.len(), WAIT).await;
    assert_eq!(mail.len(), ids.len());
    let email_of = |user: i64| match user {
        u if u == w.agent => "ada@example.test",
        u if u == w.customer => "carl@example.test",
        _ => "bob@example.test",
    };
    for (key, kind, recipient, _, phrase) in &cases {
        let id = ids[cases.iter().position(|c| c.0 == *key).unwrap()];
        let message_id = flicket_core::repo::deliveries::recent(&pool, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.outbox_id == Some(id))
            .map(|d| d.recipient)
            .unwrap();
        assert_eq!(message_id, email_of(*recipient));
        let m = mail
            .iter()
            .find(|m| m.to == vec![email_of(*recipient).to_owned()] && decoded(m).contains(phrase))
            .unwrap_or_else(|| {
                panic!(
                    "{key}: no email to {} containing {phrase:?}",
                    email_of(*recipient)
                )
            });
        assert_eq!(m.to.len(), 1, "{key}");
        assert!(
            m.body().contains("text/plain") && m.body().contains("text/html"),
            "{key}"
        );
        let threaded = m.header("References").is_some();
        let ticket_kind = !matches!(kind, OutboxKind::PasswordReset | OutboxKind::Digest);
        assert_eq!(
            threaded, ticket_kind,
            "{key}: thread headers only on ticket emails"
        );
        if ticket_kind {
            assert!(subject(m).contains(&TicketId(w.ticket).padded()), "{key}");
        }
    }
    let test = mail
        .iter()
        .find(|m| m.to == vec!["admin@example.test".to_owned()])
        .unwrap();
    assert!(decoded(test).contains("Ceci est un courriel de test"));
    mailer.stop().await;
}
