//! What the ticket forms share: select options, the attachment hint, messages for refused input.

use flicket_core::Locale;
use flicket_core::domain::ParseError;
use flicket_core::repo::catalog::{CategoryOption, Priority, Status, TicketSettings};

use super::uploads::UploadError;
use super::{human_size, tr};

/// One `<option>`.
#[derive(Debug, Clone)]
pub struct SelectOption {
    /// Its value.
    pub value: String,
    /// Its text.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// "Department / Category" options.
pub fn categories(all: &[CategoryOption], selected: &str) -> Vec<SelectOption> {
    all.iter()
        .map(|c| SelectOption {
            value: c.category_id.to_string(),
            label: c.label(),
            selected: c.category_id.to_string() == selected,
        })
        .collect()
}

/// Priority options.
pub fn priorities(all: &[Priority], selected: &str) -> Vec<SelectOption> {
    all.iter()
        .map(|p| SelectOption {
            value: p.priority_id.to_string(),
            label: p.name.clone(),
            selected: p.priority_id.to_string() == selected,
        })
        .collect()
}

/// Status options of a reply: every status except Closed.
pub fn statuses(all: &[Status], selected: &str) -> Vec<SelectOption> {
    all.iter()
        .filter(|s| !s.is_closed())
        .map(|s| SelectOption {
            value: s.status_id.to_string(),
            label: s.name.clone(),
            selected: s.status_id.to_string() == selected,
        })
        .collect()
}

/// The default priority of a new ticket: `medium`, else the first.
pub fn default_priority(all: &[Priority]) -> String {
    all.iter()
        .find(|p| p.kind == "medium")
        .or(all.first())
        .map(|p| p.priority_id.to_string())
        .unwrap_or_default()
}

/// "Allowed: txt, pdf… At most 10 files, 10 MiB each, 25 MiB in all."
pub fn files_hint(locale: Locale, s: &TicketSettings) -> String {
    tr(
        locale,
        "ticket-field-files-hint",
        &[
            ("extensions", &s.extensions().join(", ")),
            ("files", &s.max_uploads_per_post.to_string()),
            ("size", &human_size(s.max_upload_bytes)),
            ("total", &human_size(s.max_request_bytes)),
        ],
    )
}

/// The message for a refused upload.
pub fn upload_message(locale: Locale, e: &UploadError) -> String {
    tr(locale, e.key, &[("value", &e.value)])
}

/// Parses the id of a `<select>`; a missing or forged value gets the field's message.
pub fn parse_choice<T: std::str::FromStr>(raw: &str, key: &'static str) -> Result<T, ParseError> {
    raw.trim().parse().map_err(|_| ParseError { key })
}
