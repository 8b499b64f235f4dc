//! Test support (feature `test-support`): a real SMTP server on a random local port that keeps what it receives.
//!
//! It speaks enough of RFC 5321 for lettre (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), can
//! be told to answer every message with a given error code, and can be stopped and restarted on the same port to
//! simulate an outage.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body), CRLF line ends, dot-unstuffed.
    pub data: String,
}

impl ReceivedMail {
    /// The unfolded value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers_named(name).into_iter().next()
    }

    /// Every header line called `name`, unfolded.
    pub fn headers_named(&self, name: &str) -> Vec<String> {
        self.headers()
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }

    /// All top-level headers, unfolded, in order.
    pub fn headers(&self) -> Vec<(String, String)> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut out: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(line.trim_start());
                }
            } else if let Some((n, v)) = line.split_once(':') {
                out.push((n.to_owned(), v.trim().to_owned()));
            }
        }
        out
    }

    /// The message with every MIME part decoded (quoted-printable, base64), for assertions on the text.
    pub fn decoded_text(&self) -> String {
        use base64::Engine as _;
        let mut out = String::new();
        for part in self.data.split("\r\n--") {
            let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
            let head_lower = head.to_ascii_lowercase();
            if head_lower.contains("content-transfer-encoding: base64") {
                let clean: String = body
                    .lines()
                    .take_while(|l| !l.starts_with("--"))
                    .collect::<Vec<_>>()
                    .concat();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(clean.trim())
                    .unwrap_or_default();
                out.push_str(&String::from_utf8_lossy(&bytes));
            } else if head_lower.contains("content-transfer-encoding: quoted-printable") {
                out.push_str(&quoted_printable(body));
            } else {
                out.push_str(body);
            }
            out.push('\n');
        }
        out.replace("\r\n", "\n")
    }

    /// The raw body after the headers (still MIME-encoded).
    pub fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<ReceivedMail>>,
    reject: Mutex<Option<(u16, String)>>,
    delay: Mutex<Duration>,
    arrived: Notify,
}

/// A running sink; stopped when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Option<JoinSet<()>>,
}

impl SmtpSink {
    /// Starts on a random port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0).await
    }

    /// Starts on `port` (0 = random). Restarting on the port of a stopped sink simulates a server coming back.
    pub async fn start_on(port: u16) -> std::io::Result<Self> {
        Self::serve(port, Arc::new(Shared::default())).await
    }

    async fn serve(port: u16, shared: Arc<Shared>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let addr = listener.local_addr()?;
        let mut tasks = JoinSet::new();
        let accept_shared = shared.clone();
        tasks.spawn(async move {
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                sessions.spawn(session(stream, accept_shared.clone()));
            }
        });
        Ok(Self {
            addr,
            shared,
            tasks: Some(tasks),
        })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops listening and drops every open connection (the server is "down"); received mail is kept.
    pub fn stop(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.abort_all();
        }
    }

    /// Starts again on the same port with the same mailbox, after [`SmtpSink::stop`].
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop();
        let mut again = Self::serve(self.addr.port(), self.shared.clone()).await?;
        // Take the listener over; `again` is then dropped with nothing left to stop.
        self.tasks = again.tasks.take();
        Ok(())
    }

    /// Answers every following message with `code text` (e.g. 451 or 550); `None` accepts again.
    pub fn reject_with(&self, reply: Option<(u16, &str)>) {
        if let Ok(mut r) = self.shared.reject.lock() {
            *r = reply.map(|(c, t)| (c, t.to_owned()));
        }
    }

    /// Waits this long before answering each message's end of data (the message is already recorded): a slow
    /// server, and a window in which a killed client leaves an accepted message it never heard about.
    pub fn delay_replies(&self, delay: Duration) {
        if let Ok(mut d) = self.shared.delay.lock() {
            *d = delay;
        }
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared
            .received
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `count` messages arrived, up to `timeout`; returns what arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            let now = self.messages();
            if now.len() >= count || Instant::now() >= deadline {
                return now;
            }
            let _ =
                tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), arrived)
                    .await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut from = String::new();
    let mut to = Vec::new();
    if write
        .write_all(b"220 flicket-test-sink ESMTP\r\n")
        .await
        .is_err()
    {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-flicket-test-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 20971520\r\n".into()
        } else if upper.starts_with("HELO") {
            "250 flicket-test-sink\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line);
            to.clear();
            "250 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line));
            "250 OK\r\n".into()
        } else if upper == "DATA" {
            if write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await
                .is_err()
            {
                return;
            }
            let Some(data) = read_data(&mut lines).await else {
                return;
            };
            let reject = shared.reject.lock().ok().and_then(|r| r.clone());
            match reject {
                Some((code, text)) => format!("{code} {text}\r\n"),
                None => {
                    if let Ok(mut received) = shared.received.lock() {
                        received.push(ReceivedMail {
                            from: from.clone(),
                            to: std::mem::take(&mut to),
                            data,
                        });
                    }
                    shared.arrived.notify_waiters();
                    let delay = shared.delay.lock().map(|d| *d).unwrap_or_default();
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    "250 OK queued\r\n".into()
                }
            }
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            "250 OK\r\n".into()
        } else if upper == "NOOP" {
            "250 OK\r\n".into()
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else {
            "502 Command not implemented\r\n".into()
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn address(line: &str) -> String {
    let start = line.find('<').map(|i| i + 1).unwrap_or(0);
    let end = line[start..]
        .find('>')
        .map(|i| i + start)
        .unwrap_or(line.len());
    line[start..end].trim().to_owned()
}

async fn read_data<R: AsyncBufReadExt + Unpin>(lines: &mut R) -> Option<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        if line == ".\r\n" || line == ".\n" {
            return Some(data);
        }
        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
        data.push_str(unstuffed);
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let raw = joined.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'='
            && i + 2 < raw.len()
            && let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2]))
        {
            bytes.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        bytes.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
