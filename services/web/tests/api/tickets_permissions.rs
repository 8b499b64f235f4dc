//! The permission matrix: creator, assignee, other user, super user, admin, disabled user and anonymous visitor ×
//! every ticket action, each with its expected answer. Every refused change leaves the ticket as it was.

use flicket_core::Locale;
use flicket_core::domain::{TicketId, UserId};
use flicket_core::repo::attachments::{self, NewAttachment};
use flicket_core::tickets::ops;
use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::*;

use crate::tickets_support::*;

const ROLES: [&str; 7] = [
    "creator",
    "assignee",
    "other",
    "super",
    "admin",
    "disabled",
    "anonymous",
];

/// What a fresh ticket of the matrix looks like before each request.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    /// Open, assigned, with a reply by "other" and an attachment.
    Open,
    /// The same, then closed (which clears the assignee).
    Closed,
    /// Open, with category changes restricted to admins and super users.
    Restricted,
}

enum Req {
    Get,
    Post(Vec<(&'static str, &'static str)>),
    Multi(Vec<(&'static str, &'static str)>),
}

struct Case {
    action: &'static str,
    path: &'static str,
    req: Req,
    setup: Setup,
    /// Expected status for creator, assignee, other, super user, admin (disabled and anonymous go to sign-in).
    expect: [u16; 5],
}

fn cases() -> Vec<Case> {
    let edit = || {
        vec![
            ("title", "Edited title"),
            ("content", "Edited content"),
            ("priority_id", "3"),
            ("hours", "1"),
        ]
    };
    let reply = || {
        vec![
            ("content", "A reply to it"),
            ("status_id", "1"),
            ("priority_id", "2"),
            ("hours", "0"),
        ]
    };
    let case = |action, path, req, setup, expect| Case {
        action,
        path,
        req,
        setup,
        expect,
    };
    use Setup::*;
    vec![
        case("view", "/tickets/{t}", Req::Get, Open, [200; 5]),
        case(
            "ticket history",
            "/tickets/{t}/history",
            Req::Get,
            Open,
            [200; 5],
        ),
        case(
            "reply history",
            "/posts/{p}/history",
            Req::Get,
            Open,
            [200; 5],
        ),
        case(
            "download attachment",
            "/attachments/{a}",
            Req::Get,
            Open,
            [200; 5],
        ),
        case("new ticket form", "/tickets/new", Req::Get, Open, [200; 5]),
        case(
            "create ticket",
            "/tickets",
            Req::Multi(vec![
                ("title", "New one"),
                ("content", "New content"),
                ("priority_id", "1"),
                ("category_id", "1"),
            ]),
            Open,
            [303; 5],
        ),
        case(
            "edit ticket form",
            "/tickets/{t}/edit",
            Req::Get,
            Open,
            [200, 403, 403, 403, 200],
        ),
        case(
            "edit ticket",
            "/tickets/{t}/edit",
            Req::Multi(edit()),
            Open,
            [303, 403, 403, 403, 303],
        ),
        case(
            "edit reply form",
            "/posts/{p}/edit",
            Req::Get,
            Open,
            [403, 403, 200, 403, 200],
        ),
        case(
            "edit reply",
            "/posts/{p}/edit",
            Req::Multi(reply()),
            Open,
            [403, 403, 303, 403, 303],
        ),
        case(
            "reply",
            "/tickets/{t}/replies",
            Req::Multi(reply()),
            Open,
            [303; 5],
        ),
        case(
            "reply to closed",
            "/tickets/{t}/replies",
            Req::Multi(reply()),
            Closed,
            [303; 5],
        ),
        case(
            "claim",
            "/tickets/{t}/claim",
            Req::Post(vec![]),
            Open,
            [303; 5],
        ),
        case(
            "release",
            "/tickets/{t}/release",
            Req::Post(vec![]),
            Open,
            [403, 303, 403, 403, 303],
        ),
        case(
            "assign",
            "/tickets/{t}/assign",
            Req::Post(vec![("username", "ada")]),
            Open,
            [303; 5],
        ),
        case(
            "close",
            "/tickets/{t}/close",
            Req::Post(vec![]),
            Open,
            [303, 303, 403, 403, 303],
        ),
        case(
            "reopen",
            "/tickets/{t}/reopen",
            Req::Post(vec![]),
            Closed,
            [303, 403, 403, 403, 303],
        ),
        case(
            "change category",
            "/tickets/{t}/category",
            Req::Post(vec![("category_id", "2")]),
            Open,
            [303; 5],
        ),
        case(
            "change category, staff only",
            "/tickets/{t}/category",
            Req::Post(vec![("category_id", "2")]),
            Restricted,
            [403, 403, 403, 303, 303],
        ),
        case(
            "subscribe someone",
            "/tickets/{t}/subscribers",
            Req::Post(vec![("username", "oli")]),
            Open,
            [303; 5],
        ),
        case(
            "unsubscribe the creator",
            "/tickets/{t}/subscribers/{creator}/delete",
            Req::Post(vec![]),
            Open,
            [303, 403, 403, 303, 303],
        ),
        case(
            "delete ticket",
            "/tickets/{t}/delete",
            Req::Post(vec![("password", PASSWORD)]),
            Open,
            [403, 403, 403, 403, 303],
        ),
        case(
            "delete reply",
            "/posts/{p}/delete",
            Req::Post(vec![("password", PASSWORD)]),
            Open,
            [403, 403, 403, 403, 303],
        ),
        case(
            "preview",
            "/preview",
            Req::Post(vec![("content", "**x**")]),
            Open,
            [200; 5],
        ),
        case("markdown help", "/help/markdown", Req::Get, Open, [200; 5]),
        case("ticket list", "/tickets", Req::Get, Open, [200; 5]),
    ]
}

struct Ids {
    creator: UserId,
    other: UserId,
}

struct Fixture {
    ticket: TicketId,
    post: i64,
    attachment: Uuid,
}

async fn fixture(t: &TicketApp, ids: &Ids, setup: Setup) -> Fixture {
    let pool = &t.pool;
    let restricted = setup == Setup::Restricted;
    sqlx::query("update settings set change_category = true, change_category_restricted = $1")
        .bind(restricted)
        .execute(pool)
        .await
        .unwrap();
    let ticket = create_direct(pool, ids.creator, "Matrix ticket").await;
    let post = direct_reply(pool, ids.other, ticket, "A reply by the other user", "0").await;
    let mut tx = pool.begin().await.unwrap();
    ops::assign(&mut tx, &actor(ids.creator), ticket, "asa")
        .await
        .unwrap();
    let stored_name = Uuid::new_v4().simple().to_string();
    std::fs::write(t.uploads.join(&stored_name), b"attached").unwrap();
    let attachment = Uuid::new_v4();
    let file = NewAttachment {
        attachment_id: attachment,
        original_name: "notes.txt".into(),
        stored_name,
        content_type: "text/plain; charset=utf-8".into(),
        size_bytes: 8,
        sha256: vec![0; 32],
    };
    attachments::insert(&mut tx, ticket, None, ids.creator, &file)
        .await
        .unwrap();
    if setup == Setup::Closed {
        ops::close(&mut tx, &actor(ids.creator), ticket)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    Fixture {
        ticket,
        post,
        attachment,
    }
}

/// Everything a change could touch, as one comparable value.
async fn fingerprint(pool: &PgPool, id: TicketId) -> String {
    sqlx::query_scalar(
        "select coalesce((select row(t.title, t.content, t.status_id, t.assignee_id, t.category_id, t.priority_id,
                   (select count(*) from posts where ticket_id = t.ticket_id),
                   (select string_agg(content, '|') from posts where ticket_id = t.ticket_id),
                   (select count(*) from subscriptions where ticket_id = t.ticket_id),
                   (select count(*) from activities where ticket_id = t.ticket_id),
                   (select count(*) from outbox where ticket_id = t.ticket_id))::text
                 from tickets t where t.ticket_id = $1), 'deleted')",
    )
    .bind(id.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_role_gets_the_expected_answer_for_every_action(pool: PgPool) {
    let creator = user(&pool, "ada").await;
    user(&pool, "asa").await; // assigned by name in each fixture
    let other = user(&pool, "oli").await;
    let sup = user(&pool, "sue").await;
    add_group(&pool, sup, "super_user").await;
    create_user(&pool, "root", true, Locale::En).await;
    let disabled = user(&pool, "dis").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let mut clients = vec![];
    for name in ["ada", "asa", "oli", "sue", "root", "dis"] {
        clients.push(signed_in(&t, name).await);
    }
    clients.push(t.browser().await);
    // The disabled user still holds a session cookie from before the account was disabled.
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(disabled.0)
        .execute(&pool)
        .await
        .unwrap();
    let ids = Ids { creator, other };

    let mut failures = vec![];
    for case in cases() {
        for (role_index, role) in ROLES.iter().enumerate() {
            let f = fixture(&t, &ids, case.setup).await;
            let path = case
                .path
                .replace("{t}", &f.ticket.to_string())
                .replace("{p}", &f.post.to_string())
                .replace("{a}", &f.attachment.to_string())
                .replace("{creator}", &ids.creator.to_string());
            let client = &clients[role_index];
            let signed_in = role_index < 5;
            let token_page = if signed_in {
                format!("/tickets/{}", f.ticket)
            } else {
                "/login".to_owned()
            };
            let before = fingerprint(&pool, f.ticket).await;
            let resp = match &case.req {
                Req::Get => client.get(&path).await,
                Req::Post(fields) => client.post_action(&path, &token_page, fields).await,
                Req::Multi(fields) => client.post_multi(&path, &token_page, form_of(fields)).await,
            };
            let status = resp.status();
            let got = status.as_u16();
            if signed_in {
                let want = case.expect[role_index];
                if got != want {
                    failures.push(format!("{} as {role}: {got}, expected {want}", case.action));
                }
                if status == StatusCode::FORBIDDEN && fingerprint(&pool, f.ticket).await != before {
                    failures.push(format!(
                        "{} as {role}: refused but the ticket changed",
                        case.action
                    ));
                }
            } else {
                let to_login =
                    status == StatusCode::SEE_OTHER && location(&resp).starts_with("/login");
                if !to_login {
                    failures.push(format!(
                        "{} as {role}: {got} to {:?}, expected sign-in",
                        case.action,
                        location(&resp)
                    ));
                }
                if fingerprint(&pool, f.ticket).await != before {
                    failures.push(format!(
                        "{} as {role}: not signed in but the ticket changed",
                        case.action
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_post_without_the_csrf_token_changes_nothing(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let a = signed_in(&t, "ada").await;
    let id = create_direct(&pool, ada, "CSRF target").await;
    let before = fingerprint(&pool, id).await;
    for action in ["claim", "close", "delete"] {
        let resp = a
            .post_form(
                &format!("/tickets/{id}/{action}"),
                &[("password", PASSWORD)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{action}");
    }
    // A multipart form without the token.
    let (content_type, body) = reply_form("Forged reply").finish();
    let resp = a
        .client
        .post(a.url(&format!("/tickets/{id}/replies")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(fingerprint(&pool, id).await, before);
    // State never changes on GET.
    for action in ["claim", "close", "release", "reopen", "delete"] {
        let resp = a.get(&format!("/tickets/{id}/{action}")).await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{action}");
    }
    assert_eq!(fingerprint(&pool, id).await, before);
}
