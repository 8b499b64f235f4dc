//! The MIME message: headers built only from sanitised single-line text, so a name or title with CR, LF or NUL can
//! neither inject a header nor make lettre panic (it panics on CR/LF in a display name), and stable message ids so
//! mail clients thread every email of a ticket together.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use super::Rendered;

/// Who sends to whom, and the message's identity.
#[derive(Debug, Clone)]
pub struct Addressing {
    /// Sender's display name (the application title).
    pub from_name: String,
    /// Sender's address (settings).
    pub from_addr: String,
    /// Recipient's display name, if known.
    pub to_name: Option<String>,
    /// Recipient's address.
    pub to_addr: String,
    /// `<…@domain>`, from [`message_id`].
    pub message_id: String,
    /// Domain used for message ids.
    pub domain: String,
}

/// One line of header-safe text: every control character (CR, LF, NUL, tabs, U+2028/2029 …) becomes a space,
/// runs of spaces collapse, and the result is cut to `max` characters.
pub fn header_text(raw: &str, max: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max * 4));
    let mut space = false;
    for c in raw.chars() {
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
            ' '
        } else {
            c
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if out.chars().count() > max {
        let cut: String = out.chars().take(max.saturating_sub(1)).collect();
        return format!("{}…", cut.trim_end());
    }
    out
}

/// The host of the base URL (message ids live in our domain), or `flicket.invalid`.
pub fn domain_of(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url);
    let host = rest.split(['/', ':', '?', '#']).next().unwrap_or_default();
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        host.to_ascii_lowercase()
    } else {
        "flicket.invalid".to_owned()
    }
}

/// The stable Message-ID of the email with this idempotency key: a re-send of the same notification has the same
/// id, so we and receiving systems can recognise a duplicate.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    format!("<{}@{domain}>", hex::encode(&digest[..16]))
}

/// The id every email of a ticket refers to (`In-Reply-To`, `References`), so clients show one thread per ticket.
pub fn thread_id(ticket_id: i64, domain: &str) -> String {
    format!("<ticket-{ticket_id}@{domain}>")
}

/// Builds the message; an address that does not parse is an error (permanent), never a panic.
pub fn build_message(rendered: &Rendered, a: &Addressing) -> Result<Message, String> {
    let from = Mailbox::new(
        Some(header_text(&a.from_name, 64)).filter(|n| !n.is_empty()),
        a.from_addr
            .trim()
            .parse()
            .map_err(|e| format!("sender address {:?}: {e}", a.from_addr))?,
    );
    let to = Mailbox::new(
        a.to_name
            .as_deref()
            .map(|n| header_text(n, 64))
            .filter(|n| !n.is_empty()),
        a.to_addr
            .trim()
            .parse()
            .map_err(|e| format!("recipient address {:?}: {e}", a.to_addr))?,
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(header_text(&rendered.subject, 250))
        .message_id(Some(a.message_id.clone()))
        .date_now();
    if let Some(ticket_id) = rendered.ticket_id {
        let thread = thread_id(ticket_id, &a.domain);
        builder = builder.in_reply_to(thread.clone()).references(thread);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(rendered.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(rendered.html.clone()),
                ),
        )
        .map_err(|e| format!("cannot build the message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_removes_every_line_break_and_control() {
        assert_eq!(
            header_text("Eve\r\nBcc: x@evil.test\0\u{2028}Y", 100),
            "Eve Bcc: x@evil.test Y"
        );
        assert_eq!(header_text("  a \t b  ", 100), "a b");
        assert_eq!(header_text(&"é".repeat(10_000), 10).chars().count(), 10);
    }

    #[test]
    fn domains_and_ids_are_stable_and_safe() {
        assert_eq!(
            domain_of("https://Help.Example.com:8443/x"),
            "help.example.com"
        );
        assert_eq!(domain_of("garbage <>"), "flicket.invalid");
        let a = message_id("reply:1:2", "x.test");
        assert_eq!(a, message_id("reply:1:2", "x.test"));
        assert_ne!(a, message_id("reply:1:3", "x.test"));
        assert!(a.starts_with('<') && a.ends_with("@x.test>"));
        assert_eq!(thread_id(42, "x.test"), "<ticket-42@x.test>");
    }
}
