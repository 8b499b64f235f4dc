//! Every kind renders in both languages, and hostile text can neither crash the mailer nor inject a header.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use flicket_core::Locale;
use flicket_core::repo::mail::{PostForMail, TicketForMail};
use flicket_core::repo::outbox::OutboxKind;

use super::*;

const KINDS: [OutboxKind; 10] = [
    OutboxKind::Reply,
    OutboxKind::Opened,
    OutboxKind::Claim,
    OutboxKind::Assign,
    OutboxKind::Release,
    OutboxKind::Close,
    OutboxKind::Reopen,
    OutboxKind::PasswordReset,
    OutboxKind::TestEmail,
    OutboxKind::Digest,
];

fn data(kind: OutboxKind, locale: Locale, nasty: &str) -> MailData {
    MailData {
        kind,
        locale,
        app: format!("Flicket{nasty}"),
        base_url: "https://help.example.com".into(),
        ticket: Some(TicketForMail {
            ticket_id: 42,
            title: format!("Printer <b>on fire</b>{nasty}"),
            content: format!("It burns.\n\nSecond line{nasty}"),
            status: "Open".into(),
            priority: "high".into(),
            assignee: Some(format!("Ada{nasty}")),
            department: "IT".into(),
            category: "Internet".into(),
        }),
        actor: Some(format!("Eve{nasty}")),
        assignee: Some(format!("Bob{nasty}")),
        post: Some(PostForMail {
            content: format!("Have you tried <script>alert(1)</script>?{nasty}"),
            author: "Eve".into(),
        }),
        reset_token: Some("tok123".into()),
        digest: vec![DigestLine {
            ticket_id: 7,
            title: format!("Old one{nasty}"),
            priority: "low".into(),
            status: "Open".into(),
            assignee: None,
            updated: Some("2026-11-30".into()),
        }],
    }
}

fn addressing(nasty: &str) -> Addressing {
    Addressing {
        from_name: format!("Flicket{nasty}"),
        from_addr: "helpdesk@example.com".into(),
        to_name: Some(format!("Mallory{nasty}")),
        to_addr: "mallory@example.com".into(),
        message_id: message_id("k", "example.com"),
        domain: "example.com".into(),
    }
}

#[test]
fn every_kind_renders_both_parts_in_both_languages() {
    for kind in KINDS {
        for locale in Locale::ALL {
            let r = render(&data(kind, locale, "")).unwrap();
            assert!(!r.subject.is_empty() && !r.text.is_empty(), "{kind:?}");
            assert!(r.html.contains(&format!("lang=\"{}\"", locale.code())));
            assert!(
                !r.text.contains("mail-"),
                "untranslated id in {kind:?}: {}",
                r.text
            );
            assert!(!r.html.contains("<script>"), "{kind:?} html not escaped");
        }
    }
    let fr = render(&data(OutboxKind::Reply, Locale::Fr, "")).unwrap();
    assert!(fr.text.contains("a répondu"), "{}", fr.text);
    let en = render(&data(OutboxKind::Reply, Locale::En, "")).unwrap();
    assert_eq!(en.subject, "Ticket #00042 – Printer <b>on fire</b>");
    assert!(en.text.contains("https://help.example.com/tickets/42"));
    assert!(
        en.html.contains("Printer &#60;b&#62;on fire")
            || en.html.contains("Printer &lt;b&gt;on fire")
    );
}

#[test]
fn hostile_text_cannot_inject_headers_or_panic() {
    let payloads = [
        "\r\nBcc: victim@evil.test".to_owned(),
        "\nBcc: victim@evil.test".to_owned(),
        "\rX-Injected: yes".to_owned(),
        "\0nul".to_owned(),
        "\u{2028}line-separator".to_owned(),
        "x".repeat(10_000),
    ];
    for nasty in &payloads {
        for kind in KINDS {
            let outcome = std::panic::catch_unwind(|| {
                let r = render(&data(kind, Locale::En, nasty)).unwrap();
                build_message(&r, &addressing(nasty)).map(|m| m.formatted())
            });
            let raw = outcome.expect("no panic").expect("message builds");
            let raw = String::from_utf8(raw).unwrap();
            let head = raw.split("\r\n\r\n").next().unwrap();
            let names: Vec<&str> = head
                .split("\r\n")
                .filter(|l| !l.starts_with([' ', '\t']))
                .filter_map(|l| l.split_once(':').map(|(n, _)| n))
                .collect();
            assert_eq!(
                names
                    .iter()
                    .filter(|n| n.eq_ignore_ascii_case("To"))
                    .count(),
                1
            );
            assert!(
                !names.iter().any(|n| n.eq_ignore_ascii_case("Bcc")),
                "{head}"
            );
            assert!(
                !names.iter().any(|n| n.eq_ignore_ascii_case("X-Injected")),
                "{head}"
            );
            assert!(head.split("\r\n").all(|l| l.len() <= 998), "{head}");
        }
    }
}
