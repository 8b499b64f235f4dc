//! Job payloads shared by their producers (web relay, scheduler, mailer retries) and their consumer (the mailer).
//!
//! A job only points at an outbox row; everything else is read from PostgreSQL when the job runs, so a payload is
//! tiny, versioned, and never stale. The W3C trace context of the change that caused the email travels with it.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde::{Deserialize, Serialize};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The prefix of the default Redis queue of email jobs; the rest names the database (see
/// [`default_email_queue`]) unless `FLICKET_EMAIL_QUEUE` says otherwise.
pub const DEFAULT_EMAIL_QUEUE: &str = "flicket:email";

/// The default queue of the installation whose database is at `database_url`: `flicket:email:<host>:<port>/<db>`
/// (no user or password), so two installations on one Redis do not share a queue unless told to. Web, mailer and
/// scheduler derive the same name from the same URL.
pub fn default_email_queue(database_url: &str) -> String {
    let rest = database_url
        .split_once("://")
        .map_or(database_url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let db = path.split(['?', '#']).next().unwrap_or_default();
    let name: String = format!("{host}/{db}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:/[]".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    format!("{DEFAULT_EMAIL_QUEUE}:{name}")
}

/// The payload version this build writes and reads.
pub const EMAIL_JOB_VERSION: u32 = 1;

/// "Send the email of this outbox row": `{"v":1,"outbox_id":42,"trace":{"traceparent":"00-…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailJob {
    /// Payload version ([`EMAIL_JOB_VERSION`]).
    pub v: u32,
    /// The outbox row to deliver.
    pub outbox_id: i64,
    /// W3C trace context (`traceparent`, `tracestate`) of the change that caused the email; empty when not traced.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub trace: HashMap<String, String>,
    /// The installation whose outbox holds the row (`repo::installation`); a mailer of another installation on
    /// the same queue leaves the job to its owner. Absent in jobs pushed without it (they count as anyone's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<uuid::Uuid>,
}

/// Why a payload was refused (the job goes to the dead set; retrying cannot fix it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Not JSON, or not the expected shape.
    #[error("malformed email job payload: {0}")]
    Malformed(String),
    /// A version this build does not understand.
    #[error("unsupported email job version {0}")]
    Version(u32),
}

impl EmailJob {
    /// A job for an outbox row, carrying the trace context of the current span.
    pub fn new(outbox_id: i64) -> Self {
        Self::with_trace(outbox_id, current_trace_context())
    }

    /// A job for an outbox row with a given trace context (e.g. the one stored on the row).
    pub fn with_trace(outbox_id: i64, trace: HashMap<String, String>) -> Self {
        Self {
            v: EMAIL_JOB_VERSION,
            outbox_id,
            trace,
            installation: None,
        }
    }

    /// Parses the raw bytes of a job; anything unexpected is an error, never a panic.
    pub fn parse(raw: &[u8]) -> Result<Self, JobError> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version =
            serde_json::from_slice(raw).map_err(|e| JobError::Malformed(e.to_string()))?;
        if version.v != EMAIL_JOB_VERSION {
            return Err(JobError::Version(version.v));
        }
        let job: Self =
            serde_json::from_slice(raw).map_err(|e| JobError::Malformed(e.to_string()))?;
        if job.outbox_id <= 0 {
            return Err(JobError::Malformed(format!(
                "outbox_id {} is not a row id",
                job.outbox_id
            )));
        }
        Ok(job)
    }

    /// The JSON bytes stored in Redis.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Makes `span` a child of the trace that produced this job (no-op when the job carries none).
    pub fn set_parent_of(&self, span: &tracing::Span) {
        set_parent_from(span, &self.trace);
    }
}

/// The W3C trace context of the current span (`traceparent`, `tracestate`); empty when tracing is off.
pub fn current_trace_context() -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier
}

/// Makes `span` a child of the remote span described by `carrier`, if it describes one.
pub fn set_parent_from(span: &tracing::Span, carrier: &HashMap<String, String>) {
    if carrier.is_empty() {
        return;
    }
    let parent = TraceContextPropagator::new().extract(carrier);
    use opentelemetry::trace::TraceContextExt as _;
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_stays_small() {
        let job = EmailJob::with_trace(42, HashMap::new());
        let bytes = job.to_bytes();
        assert_eq!(bytes, br#"{"v":1,"outbox_id":42}"#);
        assert_eq!(EmailJob::parse(&bytes).unwrap(), job);
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        for bad in [
            &b""[..],
            b"\xff\xfe",
            b"null",
            b"[]",
            br#"{"junk":1}"#,
            br#"{"v":1}"#,
            br#"{"v":1,"outbox_id":"x"}"#,
            br#"{"v":1,"outbox_id":0}"#,
            br#"{"v":1,"outbox_id":1,"trace":5}"#,
        ] {
            assert!(
                matches!(EmailJob::parse(bad), Err(JobError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            EmailJob::parse(br#"{"v":2,"outbox_id":1}"#),
            Err(JobError::Version(2))
        );
    }

    #[test]
    fn the_installation_travels_with_the_job() {
        let id = uuid::Uuid::from_u128(7);
        let mut job = EmailJob::with_trace(42, HashMap::new());
        job.installation = Some(id);
        let parsed = EmailJob::parse(&job.to_bytes()).unwrap();
        assert_eq!(parsed.installation, Some(id));
    }

    #[test]
    fn the_default_queue_names_the_database_without_credentials() {
        assert_eq!(
            default_email_queue(
                "postgres://flicket:s3cret@db.example:5432/flicket?sslmode=require"
            ),
            "flicket:email:db.example:5432/flicket"
        );
        assert_ne!(
            default_email_queue("postgres://postgres@127.0.0.1:5432/flicket"),
            default_email_queue("postgres://postgres@127.0.0.1:5432/flicket_dev")
        );
    }

    #[test]
    fn unknown_fields_of_a_known_version_are_ignored() {
        let job = EmailJob::parse(br#"{"v":1,"outbox_id":7,"extra":true}"#).unwrap();
        assert_eq!(job.outbox_id, 7);
    }
}
