//! Test support (feature `test-support`): runs a service binary as a real process and talks to it over HTTP.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A free port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// The status code of `GET path` on `addr`, or `None` when nothing answers.
pub async fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    http_get(addr, path).await.map(|(status, _)| status)
}

/// The status code and the whole response (headers and body) of `GET path` on `addr`, or `None` when nothing
/// answers.
pub async fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, text))
}

/// A service process that is killed when dropped.
pub struct ServiceProcess {
    child: Child,
    /// Where its HTTP endpoints listen.
    pub addr: SocketAddr,
}

impl ServiceProcess {
    /// Starts `binary` with the given environment; `listen_var` receives the address to listen on.
    pub fn start(binary: &str, listen_var: &str, env: &[(&str, &str)]) -> std::io::Result<Self> {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut cmd = Command::new(binary);
        cmd.env(listen_var, addr.to_string())
            .env("FLICKET_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(if std::env::var("TEST_LOG").is_ok() {
                Stdio::inherit()
            } else {
                Stdio::null()
            });
        // Tests point `DATABASE_URL` at their server; services read `FLICKET_DATABASE_URL`.
        if let Ok(url) = std::env::var("DATABASE_URL") {
            cmd.env("FLICKET_DATABASE_URL", url);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        Ok(Self {
            child: cmd.spawn()?,
            addr,
        })
    }

    /// Waits until `path` answers `status`, up to `timeout`.
    pub async fn wait_for(&self, path: &str, status: u16, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if http_status(self.addr, path).await == Some(status) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Sends SIGTERM and waits for the exit, up to `timeout`; `None` if it did not exit in time.
    pub async fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Inserts a test email (as the settings page queues it) to `recipient` under the idempotency key `key`; returns its
/// outbox id (`None` when the key is already taken).
pub async fn insert_test_email(
    pool: &sqlx::PgPool,
    key: &str,
    recipient: &str,
    requested_by: crate::domain::UserId,
    locale: Option<crate::Locale>,
) -> sqlx::Result<Option<i64>> {
    crate::repo::outbox::insert(
        pool,
        &crate::repo::outbox::NewOutbox {
            idempotency_key: key.to_owned(),
            recipient_id: None,
            recipient_email: Some(recipient.to_owned()),
            ticket_id: None,
            message: crate::outbox_message::OutboxMessage::TestEmail {
                requested_by,
                locale,
            },
        },
    )
    .await
}

/// Deletes every key of the Redis at `redis_url` whose name starts with `prefix` (a test queue's keys).
pub fn delete_redis_keys(redis_url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(redis_url)?;
    let mut conn = client.get_connection()?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)?;
    for key in keys {
        let _: () = redis::cmd("DEL").arg(key).query(&mut conn)?;
    }
    Ok(())
}
