//! A world for one test: its own database (from `#[sqlx::test]`), its own Redis queue, a real SMTP sink on a random
//! port, and mailers running in-process with short delays.

use std::future::Future;
use std::time::{Duration, Instant};

use flicket_core::Config;
use flicket_core::domain::{PostId, TicketId, UserId};
use flicket_core::jobs::EmailJob;
use flicket_core::outbox_message::OutboxMessage;
use flicket_core::queue::EmailQueue;
use flicket_core::repo::fixtures;
use flicket_core::repo::outbox::{self, NewOutbox};
use flicket_core::smtp_sink::SmtpSink;
use flicket_mailer::{Mailer, MailerOptions};
use sqlx::PgPool;

pub const REDIS_URL: &str = "redis://127.0.0.1:6379/0";
pub const BASE_URL: &str = "http://help.flicket.test";
pub const WAIT: Duration = Duration::from_secs(30);

/// A queue name no other test uses; its keys are deleted when the guard drops.
pub struct TestQueue {
    pub name: String,
    pub queue: EmailQueue,
}

impl TestQueue {
    pub fn new() -> Self {
        let name = format!("flicket:test:mailer:{}", uuid::Uuid::new_v4().simple());
        let queue = EmailQueue::connect_lazy(REDIS_URL, &name).unwrap();
        Self { name, queue }
    }

    /// Deletes every key of the queue (Redis "lost" its jobs).
    pub fn flush(&self) {
        flicket_core::testing::delete_redis_keys(REDIS_URL, &self.name).unwrap();
    }

    /// Members of the dead set.
    pub async fn dead(&self) -> usize {
        let mut conn = self.queue.connection();
        redis::cmd("SCARD")
            .arg(self.queue.config().dead_jobs_set())
            .query_async(&mut conn)
            .await
            .unwrap()
    }
}

impl Drop for TestQueue {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Delays short enough for tests.
pub fn options(queue: &str) -> MailerOptions {
    let mut o = MailerOptions::new(queue);
    o.concurrency = 4;
    o.batch_size = 4;
    o.poll_interval = Duration::from_millis(50);
    o.heartbeat = Duration::from_secs(1);
    o.missed_heartbeats = 3;
    o.smtp_timeout = Duration::from_secs(3);
    o.job_timeout = Duration::from_secs(20);
    o.retry_base = Duration::from_millis(100);
    o.retry_max = Duration::from_millis(400);
    o.max_attempts = 1000;
    o.lease = Duration::from_secs(30);
    o.settings_refresh = Duration::from_secs(3600);
    o.shutdown_timeout = Duration::from_secs(10);
    o.housekeeping_interval = Duration::from_secs(1);
    o
}

pub fn config(queue: &str) -> Config {
    config_with_redis(queue, REDIS_URL)
}

/// The test sink listens on 127.0.0.1 on a random port: the operator's switch for a local mail sink is on.
pub fn config_with_redis(queue: &str, redis_url: &str) -> Config {
    config_from(queue, redis_url, true)
}

/// A configuration with `FLICKET_SMTP_ALLOW_PRIVATE` as given (production leaves it off).
pub fn config_from(queue: &str, redis_url: &str, allow_private: bool) -> Config {
    let allow_private = if allow_private { "true" } else { "false" };
    let vars = [
        ("FLICKET_MAILER_LISTEN", "127.0.0.1:0"),
        ("FLICKET_EMAIL_QUEUE", queue),
        ("FLICKET_REDIS_URL", redis_url),
        ("FLICKET_SMTP_ALLOW_PRIVATE", allow_private),
    ];
    Config::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))).unwrap()
}

/// A mailer running in this process.
pub struct RunningMailer {
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl RunningMailer {
    pub async fn start(pool: &PgPool, options: MailerOptions) -> Self {
        Self::start_with(pool, config(&options.queue), options).await
    }

    pub async fn start_with(pool: &PgPool, config: Config, options: MailerOptions) -> Self {
        let mailer = Mailer::build_with(config, pool.clone(), options)
            .await
            .unwrap();
        let port = mailer.port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(mailer.run_until(async {
            let _ = rx.await;
        }));
        Self {
            port,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    /// Asks it to stop (as SIGTERM does) and waits until it has.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

impl Drop for RunningMailer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// The people and the ticket most tests use.
pub struct World {
    pub sink: SmtpSink,
    pub agent: i64,
    pub customer: i64,
    pub ticket: i64,
}

pub async fn world(pool: &PgPool) -> World {
    let sink = SmtpSink::start().await.unwrap();
    fixtures::smtp_settings(pool, sink.port(), false, BASE_URL)
        .await
        .unwrap();
    let agent = fixtures::user(pool, "agent", "Ada Agent", "ada@example.test", "en")
        .await
        .unwrap();
    let customer = fixtures::user(pool, "customer", "Carl Customer", "carl@example.test", "en")
        .await
        .unwrap();
    let ticket = fixtures::ticket(pool, customer, "Printer on fire", "It burns since Monday.")
        .await
        .unwrap();
    World {
        sink,
        agent,
        customer,
        ticket,
    }
}

/// Writes an outbox row as the web does; returns its id.
pub async fn outbox_row(
    pool: &PgPool,
    key: &str,
    recipient: Option<i64>,
    ticket: Option<i64>,
    message: OutboxMessage,
) -> i64 {
    outbox::insert(
        pool,
        &NewOutbox {
            idempotency_key: key.to_owned(),
            recipient_id: recipient.map(UserId),
            recipient_email: None,
            ticket_id: ticket.map(TicketId),
            message,
        },
    )
    .await
    .unwrap()
    .expect("new row")
}

/// A reply by the agent on the world's ticket, notified to `recipient`; returns the outbox id.
pub async fn reply_for(pool: &PgPool, w: &World, recipient: i64, text: &str) -> i64 {
    let post = fixtures::post(pool, w.ticket, w.agent, text).await.unwrap();
    outbox_row(
        pool,
        &format!("reply:{post}:{recipient}"),
        Some(recipient),
        Some(w.ticket),
        OutboxMessage::Reply {
            post_id: PostId(post),
            actor_id: UserId(w.agent),
        },
    )
    .await
}

pub async fn push(queue: &EmailQueue, outbox_id: i64) {
    queue.push(&[EmailJob::new(outbox_id)]).await.unwrap();
}

/// Polls `check` until it holds; fails the test after `WAIT`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The ledger's state of a key (`None` before the first attempt).
pub async fn state(pool: &PgPool, key: &str) -> Option<String> {
    fixtures::delivery(pool, key)
        .await
        .unwrap()
        .map(|(state, _, _)| state)
}

pub async fn key_of(pool: &PgPool, outbox_id: i64) -> String {
    flicket_core::repo::mail::outbox_for_send(pool, outbox_id)
        .await
        .unwrap()
        .unwrap()
        .idempotency_key
}

/// Waits until the outbox row reaches a final ledger state; returns it.
pub async fn finished(pool: &PgPool, outbox_id: i64) -> String {
    let key = key_of(pool, outbox_id).await;
    eventually(&format!("{key} finished"), || async {
        fixtures::outbox_delivered(pool, outbox_id).await.unwrap()
    })
    .await;
    state(pool, &key).await.unwrap()
}

/// The message with every MIME part decoded (quoted-printable, base64), for assertions on the text.
pub fn decoded(m: &flicket_core::smtp_sink::ReceivedMail) -> String {
    m.decoded_text()
}

/// The Subject header with RFC 2047 encoded words decoded.
pub fn subject(m: &flicket_core::smtp_sink::ReceivedMail) -> String {
    use base64::Engine as _;
    let raw = m.header("Subject").unwrap_or_default();
    let mut out = String::new();
    let mut prev_encoded = false;
    for word in raw.split_whitespace() {
        let decoded = word
            .strip_prefix("=?utf-8?b?")
            .or_else(|| word.strip_prefix("=?UTF-8?B?"))
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        let joined_to_previous = prev_encoded && decoded.is_some();
        if !out.is_empty() && !joined_to_previous {
            out.push(' ');
        }
        prev_encoded = decoded.is_some();
        out.push_str(&decoded.unwrap_or_else(|| word.to_owned()));
    }
    out
}

/// The body of `GET /metrics` on a mailer.
pub async fn metrics_text(port: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}
