//! Several replicas of every service on one machine, against the same PostgreSQL, Redis and NATS: 2 web, 2 mailer and
//! 2 scheduler processes. A session works on either web replica, every notification arrives exactly once, each user
//! gets one digest per period, and stopping one replica of each kind (SIGTERM) loses nothing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use flicket_core::Locale;
use flicket_core::smtp_sink::SmtpSink;
use flicket_core::testing::ServiceProcess;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::tickets_support::{create_via_page, reply_form};

/// The sibling binaries built by `cargo build --workspace` (make test builds them first).
pub fn binary(name: &str) -> String {
    let web = PathBuf::from(env!("CARGO_BIN_EXE_flicket-web"));
    let path = web.with_file_name(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (make test does)",
        path.display()
    );
    path.display().to_string()
}

pub fn database_url(pool: &PgPool) -> String {
    let db = pool.connect_options().get_database().unwrap().to_owned();
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{db}", base.rsplit_once('/').unwrap().0)
}

struct Cluster {
    web: Vec<ServiceProcess>,
    mailer: Vec<ServiceProcess>,
    scheduler: Vec<ServiceProcess>,
}

async fn start_cluster(pool: &PgPool) -> Cluster {
    let url = database_url(pool);
    let queue = format!("flicket:test:replicas:{}", uuid::Uuid::new_v4());
    let env: Vec<(&str, &str)> = vec![
        ("FLICKET_DATABASE_URL", &url),
        ("FLICKET_EMAIL_QUEUE", &queue),
        ("FLICKET_SMTP_ALLOW_PRIVATE", "true"),
        ("RUST_LOG", "warn"),
    ];
    let start = |bin: &str, var: &str| ServiceProcess::start(&binary(bin), var, &env).unwrap();
    let cluster = Cluster {
        web: vec![
            start("flicket-web", "FLICKET_LISTEN"),
            start("flicket-web", "FLICKET_LISTEN"),
        ],
        mailer: vec![
            start("flicket-mailer", "FLICKET_MAILER_LISTEN"),
            start("flicket-mailer", "FLICKET_MAILER_LISTEN"),
        ],
        scheduler: vec![
            start("flicket-scheduler", "FLICKET_SCHEDULER_LISTEN"),
            start("flicket-scheduler", "FLICKET_SCHEDULER_LISTEN"),
        ],
    };
    for p in cluster
        .web
        .iter()
        .chain(&cluster.mailer)
        .chain(&cluster.scheduler)
    {
        assert!(
            p.wait_for("/readyz", 200, Duration::from_secs(60)).await,
            "{} not ready",
            p.addr
        );
    }
    cluster
}

async fn wait_for_emails(
    sink: &SmtpSink,
    expected: usize,
) -> Vec<flicket_core::smtp_sink::ReceivedMail> {
    let got = sink.wait_for(expected, Duration::from_secs(90)).await;
    // Anything sent twice would arrive shortly after: give it time before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = got;
    sink.messages()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_replicas_of_everything_lose_nothing_and_send_nothing_twice(pool: PgPool) {
    let sink = SmtpSink::start().await.unwrap();
    // Digests off until the digest part below: a scheduler would run this week's period at its first tick and push
    // the email at once, in the middle of the reply counts.
    sqlx::query("update settings set smtp_host = '127.0.0.1', smtp_port = $1, smtp_tls = 'none', suppress_send = false, digest_enabled = false")
        .bind(i32::from(sink.port()))
        .execute(&pool)
        .await
        .unwrap();
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "bob", false, Locale::Fr).await;
    let mut cluster = start_cluster(&pool).await;
    let (a_addr, b_addr) = (
        format!("http://{}", cluster.web[0].addr),
        format!("http://{}", cluster.web[1].addr),
    );

    // One session, used on either replica.
    let ada_a = TestApp::remote(&a_addr, None);
    assert_eq!(
        ada_a.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let ada_b = TestApp::remote(&b_addr, Some((&ada_a.client, &ada_a.jar)));
    assert!(
        ada_b.get_text("/").await.contains("Welcome, ada Tester."),
        "the session works on the other replica"
    );

    let bob_b = TestApp::remote(&b_addr, None);
    assert_eq!(
        bob_b.login("bob", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let bob_a = TestApp::remote(&a_addr, Some((&bob_b.client, &bob_b.jar)));

    // Ada raises a ticket on A; Bob replies alternately on B and A: each reply mails Ada once.
    let ticket = create_via_page(
        &ada_a,
        "Printer jam on floor 2",
        "The printer jams on every page.",
    )
    .await;
    let page = format!("/tickets/{}", ticket.0);
    for i in 0..6 {
        let b = if i % 2 == 0 { &bob_b } else { &bob_a };
        let resp = b
            .post_multi(
                &format!("{page}/replies"),
                &page,
                reply_form(&format!("Reply number {i} from Bob")),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    let mails = wait_for_emails(&sink, 6).await;
    assert_eq!(mails.len(), 6, "six replies, six emails, none twice");

    // Stop one replica of each kind, and keep working on the others.
    for p in [
        &mut cluster.web[1],
        &mut cluster.mailer[1],
        &mut cluster.scheduler[1],
    ] {
        let status = p
            .terminate(Duration::from_secs(30))
            .await
            .expect("exits within the grace period");
        assert!(status.success(), "{status:?}");
    }
    for i in 0..4 {
        let resp = bob_a
            .post_multi(
                &format!("{page}/replies"),
                &page,
                reply_form(&format!("Later reply {i}")),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    let mails = wait_for_emails(&sink, 10).await;
    assert_eq!(
        mails.len(),
        10,
        "nothing lost, nothing sent twice after the stop"
    );
    let mut ids: Vec<String> = mails
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10);

    // Digests: every minute on the remaining scheduler; one per user per period.
    sqlx::query("update settings set digest_enabled = true, digest_cron = '* * * * *', digest_timezone = 'UTC'")
        .execute(&pool)
        .await
        .unwrap();
    let mut digests: Vec<(i64, String, i64)> = Vec::new();
    for _ in 0..150 {
        digests = sqlx::query_as(
            "select recipient_id, payload->>'period', count(*) from outbox where kind = 'digest'
             group by 1, 2 order by 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        if !digests.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(!digests.is_empty(), "a digest period ran");
    assert!(
        digests.iter().all(|(_, _, n)| *n == 1),
        "one digest per user per period: {digests:?}"
    );
    let users: HashMap<i64, usize> = digests.iter().fold(HashMap::new(), |mut m, (u, _, _)| {
        *m.entry(*u).or_default() += 1;
        m
    });
    // Only Ada created (or is assigned) an open ticket; Bob only replied.
    assert_eq!(
        users.keys().copied().collect::<Vec<_>>(),
        [ada.0],
        "{digests:?}"
    );
    // The digest email lists the ticket, read when the email is sent.
    let mails = sink.wait_for(11, Duration::from_secs(60)).await;
    let digest = mails
        .iter()
        .map(|m| m.decoded_text())
        .find(|t| t.contains("Printer jam on floor 2") && t.contains("#00001"));
    assert!(digest.is_some(), "a digest email lists the open ticket");
}
