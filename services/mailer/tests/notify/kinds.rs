//! Every kind of email reaches exactly its recipient, in their language, with both parts.

use flicket_core::Locale;
use flicket_core::domain::{TicketId, UserId};
use flicket_core::outbox_message::OutboxMessage;
use flicket_core::repo::fixtures;
use flicket_core::repo::outbox::OutboxKind;
use flicket_core::testing::insert_test_email;
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
    let (agent, customer) = (UserId(w.agent), UserId(w.customer));
    // (key, message, recipient user, a phrase the decoded email must contain)
    let cases: Vec<(&str, OutboxMessage, i64, &str)> = vec![
        (
            "opened:1",
            OutboxMessage::Opened { actor_id: customer },
            w.agent,
            "Carl Customer opened this ticket",
        ),
        (
            "claim:1",
            OutboxMessage::Claim {
                activity_id: 1,
                actor_id: agent,
                assignee_id: agent,
            },
            w.customer,
            "Ada Agent claimed this ticket",
        ),
        (
            "assign:1",
            OutboxMessage::Assign {
                activity_id: 2,
                actor_id: agent,
                assignee_id: UserId(bob),
            },
            bob,
            "a attribué ce ticket à Bob Builder",
        ),
        (
            "release:1",
            OutboxMessage::Release {
                activity_id: 3,
                actor_id: agent,
            },
            w.customer,
            "Ada Agent released this ticket",
        ),
        (
            "close:1",
            OutboxMessage::Close {
                activity_id: 4,
                actor_id: customer,
            },
            bob,
            "Carl Customer a fermé ce ticket",
        ),
        (
            "reopen:1",
            OutboxMessage::Reopen {
                activity_id: 5,
                actor_id: customer,
            },
            w.agent,
            "Carl Customer reopened this ticket",
        ),
        (
            "password_reset:1",
            OutboxMessage::PasswordReset {
                token_enc: token,
                expires_minutes: 30,
            },
            w.customer,
            "/password-reset/new?token=reset-token-123",
        ),
        (
            "digest:2026-11-30:1",
            OutboxMessage::Digest {
                period: "2026-11-30".into(),
                ticket_ids: vec![TicketId(w.ticket)],
            },
            bob,
            "Tickets toujours en attente",
        ),
    ];
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let mut ids = Vec::new();
    for (key, message, recipient, _) in &cases {
        let ticket = match message.kind() {
            OutboxKind::PasswordReset | OutboxKind::Digest => None,
            _ => t,
        };
        ids.push(outbox_row(&pool, key, Some(*recipient), ticket, message.clone()).await);
    }
    let test_email = insert_test_email(
        &pool,
        "test_email:1",
        "admin@example.test",
        agent,
        Some(Locale::Fr),
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
    for (key, message, recipient, phrase) in &cases {
        let kind = message.kind();
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
