//! One job: claim the ledger row, render, send, record. Safe to run twice for the same outbox row (a job delivered
//! twice sends one email) and safe to interrupt anywhere (the claim expires and is taken over).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use flicket_core::Locale;
use flicket_core::domain::UserId;
use flicket_core::jobs::EmailJob;
use flicket_core::outbox_message::OutboxMessage;
use flicket_core::queue::EmailQueue;
use flicket_core::repo::deliveries::{self, Claim};
use flicket_core::repo::mail::{self, OutboxForSend};
use lettre::AsyncTransport;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;

use crate::options::MailerOptions;
use crate::render::{self, Addressing, DigestLine, MailData};
use crate::smtp::Smtp;

/// What a job needs, shared by every job of the process.
pub struct Deliverer {
    /// The database.
    pub pool: PgPool,
    /// For retries pushed by the mailer itself.
    pub queue: EmailQueue,
    /// Settings and transport.
    pub smtp: Arc<Smtp>,
    /// Tunables.
    pub options: MailerOptions,
    /// Decrypts reset tokens in payloads.
    pub secret_key: SecretString,
    /// This installation's id (read from the database on the first job).
    pub installation: tokio::sync::OnceCell<uuid::Uuid>,
}

/// How a job ended (for logs and tests); errors are returned separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent now.
    Sent,
    /// Not sent: sending is suppressed, or the recipient is disabled.
    Suppressed,
    /// Failed for good, with the reason recorded.
    Failed,
    /// Failed for now; another attempt is scheduled.
    RetryScheduled,
    /// Already done by an earlier job: nothing sent.
    Duplicate,
    /// Another worker is on it, or it is too early; the job was re-queued for later.
    Deferred,
    /// The outbox row no longer exists.
    Gone,
    /// The job belongs to another installation sharing the queue: handed back to the queue for its own mailers.
    Foreign,
}

/// How long a job of another installation waits in the queue's scheduled set before it is offered again.
const FOREIGN_JOB_DELAY: Duration = Duration::from_secs(1);

/// A transient failure: worth another attempt.
struct Transient(String);

impl Deliverer {
    /// Processes one job.
    pub async fn deliver(&self, job: &EmailJob) -> anyhow::Result<Outcome> {
        if let Some(owner) = job.installation {
            let own = *self
                .installation
                .get_or_try_init(|| flicket_core::repo::installation::id(&self.pool))
                .await?;
            if owner != own {
                // Another installation's row id means nothing here: never look it up, never ack it away. Put it
                // back (a failed push is an error, so apalis keeps and retries this copy instead).
                self.queue.push_after(job, FOREIGN_JOB_DELAY).await?;
                metrics::counter!("mailer_foreign_jobs_returned_total").increment(1);
                tracing::debug!(
                    outbox.id = job.outbox_id,
                    installation = %owner,
                    "job of another installation left in the queue"
                );
                return Ok(Outcome::Foreign);
            }
        }
        let Some(row) = mail::outbox_for_send(&self.pool, job.outbox_id).await? else {
            tracing::warn!(
                outbox.id = job.outbox_id,
                "outbox row is gone; nothing to send"
            );
            return Ok(Outcome::Gone);
        };
        if row.delivered_at.is_some() {
            metrics::counter!("mailer_duplicates_suppressed_total").increment(1);
            return Ok(Outcome::Duplicate);
        }
        let recipient = row
            .user_email
            .clone()
            .or_else(|| row.recipient_email.clone())
            .unwrap_or_default();
        let worker = self.options.worker_name.as_str();
        let claim = deliveries::claim(
            &mut *self.pool.acquire().await?,
            &row.idempotency_key,
            row.outbox_id,
            &recipient,
            worker,
            self.options.lease.as_secs_f64(),
        )
        .await?;
        let attempts = match claim {
            Claim::Claimed {
                attempts,
                took_over,
            } => {
                if took_over {
                    // The previous holder died mid-send: if it got the server's 250, this is a duplicate.
                    metrics::counter!("mailer_claims_taken_over_total").increment(1);
                    tracing::warn!(key = %row.idempotency_key, "took over an expired claim");
                }
                attempts
            }
            Claim::Finished(_) => {
                metrics::counter!("mailer_duplicates_suppressed_total").increment(1);
                return Ok(Outcome::Duplicate);
            }
            Claim::Busy(until) => {
                // Most likely the holder finishes within one SMTP exchange; look again then (the lease is only
                // the upper bound after which a silent holder is presumed dead).
                let wait = (until - Utc::now()).to_std().unwrap_or_default();
                let wait = wait.min(self.options.smtp_timeout) + Duration::from_secs(1);
                self.queue.push_after(job, wait).await?;
                return Ok(Outcome::Deferred);
            }
            Claim::NotYet(at) => {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                self.queue.push_after(job, wait).await?;
                return Ok(Outcome::Deferred);
            }
        };
        let key = row.idempotency_key.clone();
        let unsent = |state: &'static str, reason: String| {
            let key = key.clone();
            async move {
                let mut conn = self.pool.acquire().await?;
                deliveries::finish_unsent(&mut conn, &key, row.outbox_id, worker, state, &reason)
                    .await?;
                anyhow::Ok(())
            }
        };
        // Attempts that never recorded an outcome (the job crashed or was cut off) count too: a delivery that
        // keeps crashing the mailer ends as a visible failure instead of being re-pushed forever.
        if u32::try_from(attempts).unwrap_or(u32::MAX) > self.options.max_attempts {
            let reason =
                format!("gave up after {attempts} attempts (the mailer stopped while sending)");
            unsent("failed", reason).await?;
            metrics::counter!("mailer_emails_failed_total").increment(1);
            return Ok(Outcome::Failed);
        }
        if row.user_disabled == Some(true) {
            unsent("suppressed", "the recipient's account is disabled".into()).await?;
            metrics::counter!("mailer_emails_suppressed_total").increment(1);
            return Ok(Outcome::Suppressed);
        }
        let active = match self.smtp.current().await {
            Ok(active) => active,
            Err(e) => {
                self.release(&key).await;
                return Err(e.into());
            }
        };
        if active.settings.suppress_send {
            unsent("suppressed", "sending is suppressed in the settings".into()).await?;
            metrics::counter!("mailer_emails_suppressed_total").increment(1);
            return Ok(Outcome::Suppressed);
        }
        let domain = render::domain_of(&active.base_url);
        let message_id = render::message_id(&key, &domain);
        let composed = match self.compose(&row, &active, &message_id, &domain).await {
            Ok(composed) => composed,
            Err(e) => {
                // Nothing reached the SMTP server: let the next job try at once instead of after the lease.
                self.release(&key).await;
                return Err(e);
            }
        };
        let message = match composed {
            Ok(message) => message,
            Err(reason) => {
                unsent("failed", reason).await?;
                metrics::counter!("mailer_emails_failed_total").increment(1);
                return Ok(Outcome::Failed);
            }
        };
        let result = match &active.transport {
            Ok(transport) => {
                let send = transport.send(message);
                match tokio::time::timeout(self.options.smtp_timeout * 3, send).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) if e.is_permanent() => Err(Err(smtp_reason(&e))),
                    Ok(Err(e)) => Err(Ok(Transient(smtp_reason(&e)))),
                    Err(_) => Err(Ok(Transient(
                        "the SMTP server did not answer in time".into(),
                    ))),
                }
            }
            Err(reason) => Err(Ok(Transient(reason.clone()))),
        };
        match result {
            Ok(()) => {
                let mut conn = self.pool.acquire().await?;
                deliveries::mark_sent(&mut conn, &key, row.outbox_id, &message_id).await?;
                metrics::counter!("mailer_emails_sent_total").increment(1);
                let lag = (Utc::now() - row.created_at).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::histogram!("mailer_queue_lag_seconds").record(lag);
                Ok(Outcome::Sent)
            }
            Err(Err(reason)) => {
                unsent("failed", reason).await?;
                metrics::counter!("mailer_emails_failed_total").increment(1);
                Ok(Outcome::Failed)
            }
            Err(Ok(Transient(reason))) => {
                let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
                if attempts >= self.options.max_attempts {
                    let reason = format!("gave up after {attempts} attempts: {reason}");
                    unsent("failed", reason).await?;
                    metrics::counter!("mailer_emails_failed_total").increment(1);
                    return Ok(Outcome::Failed);
                }
                let delay = self.options.retry_delay(attempts);
                let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                tracing::info!(key = %key, attempts, ?delay, %reason, "send failed; retry scheduled");
                let mut conn = self.pool.acquire().await?;
                deliveries::schedule_retry(&mut conn, &key, row.outbox_id, worker, &reason, at)
                    .await?;
                metrics::counter!("mailer_email_retries_total").increment(1);
                // If Redis is down now, the scheduler re-pushes the row once the retry is overdue.
                if let Err(e) = self.queue.push_after(job, delay).await {
                    tracing::warn!(error = %e, "cannot queue the retry; the outbox re-push will");
                }
                Ok(Outcome::RetryScheduled)
            }
        }
    }

    /// Gives the claim back without counting an attempt (best effort: otherwise it expires with the lease).
    async fn release(&self, key: &str) {
        let released = async {
            let mut conn = self.pool.acquire().await?;
            deliveries::release(&mut conn, key, &self.options.worker_name).await
        };
        if let Err(e) = released.await {
            tracing::warn!(error = %e, key, "cannot release the claim; it will expire");
        }
    }

    /// Loads what the email shows and builds the message; `Err(reason)` is a permanent failure.
    async fn compose(
        &self,
        row: &OutboxForSend,
        active: &crate::smtp::Active,
        message_id: &str,
        domain: &str,
    ) -> anyhow::Result<Result<lettre::Message, String>> {
        // The one place a payload is read: what cannot be decoded fails for good, with the reason recorded.
        let message = match OutboxMessage::decode(&row.kind, &row.payload) {
            Ok(message) => message,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let name = |user: Option<UserId>| async move {
            match user {
                Some(u) => mail::user_name(&self.pool, u.0).await,
                None => Ok(None),
            }
        };
        let actor = name(message.actor()).await?;
        let assignee = name(message.assignee()).await?;
        let locale = match (&row.user_locale, &message, message.actor()) {
            (Some(code), _, _) => Locale::from_code(code).unwrap_or_default(),
            (
                None,
                OutboxMessage::TestEmail {
                    locale: Some(locale),
                    ..
                },
                _,
            ) => *locale,
            (None, _, Some(actor)) => mail::user_locale(&self.pool, actor.0)
                .await?
                .and_then(|c| Locale::from_code(&c))
                .unwrap_or_default(),
            (None, _, None) => Locale::En,
        };
        let ticket = match row.ticket_id {
            Some(t) => mail::ticket(&self.pool, t).await?,
            None => None,
        };
        let post = match &message {
            OutboxMessage::Reply { post_id, .. } => mail::post(&self.pool, post_id.0).await?,
            _ => None,
        };
        let reset_token = match &message {
            OutboxMessage::PasswordReset { token_enc, .. } => {
                match flicket_core::crypto::decrypt_string(
                    self.secret_key.expose_secret().as_bytes(),
                    token_enc,
                ) {
                    Ok(token) => Some(token),
                    Err(e) => return Ok(Err(format!("reset token: {e}"))),
                }
            }
            _ => None,
        };
        let digest = match &message {
            // The scheduler stores ids: titles, statuses and assignees are read now, when the email is sent.
            OutboxMessage::Digest { ticket_ids, .. } => {
                let ids: Vec<i64> = ticket_ids.iter().take(1000).map(|t| t.0).collect();
                mail::digest_tickets(&self.pool, &ids)
                    .await?
                    .into_iter()
                    .map(|t| DigestLine {
                        ticket_id: t.ticket_id,
                        title: t.title,
                        priority: t.priority,
                        status: t.status,
                        assignee: t.assignee,
                        updated: Some(t.last_activity_at.format("%Y-%m-%d").to_string()),
                    })
                    .collect()
            }
            _ => vec![],
        };
        let data = MailData {
            kind: message.kind(),
            locale,
            app: active.settings.application_title.clone(),
            base_url: active.base_url.clone(),
            ticket,
            actor,
            assignee,
            post,
            reset_token,
            digest,
        };
        let rendered = match render::render(&data) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let addressing = Addressing {
            from_name: active.settings.application_title.clone(),
            from_addr: active.settings.mail_from.clone(),
            to_name: row.user_name.clone(),
            to_addr: row
                .user_email
                .clone()
                .or_else(|| row.recipient_email.clone())
                .unwrap_or_default(),
            message_id: message_id.to_owned(),
            domain: domain.to_owned(),
        };
        Ok(render::build_message(&rendered, &addressing))
    }
}

/// The SMTP error in plain words, without the server's banner or our credentials.
fn smtp_reason(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "the SMTP server refused the message"
    } else if e.is_transient() {
        "the SMTP server asked to try again later"
    } else if e.is_timeout() {
        "the SMTP server did not answer in time"
    } else if e.is_tls() {
        "TLS with the SMTP server failed"
    } else {
        "cannot talk to the SMTP server"
    };
    match e.status() {
        Some(code) => format!("{kind} (code {code})"),
        None => kind.to_owned(),
    }
}
