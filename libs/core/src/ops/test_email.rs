//! "Send test email" of the settings: queues a test email through the outbox, as every email goes, so its outcome
//! is the mailer's real one (shown on the test email's status page).

use serde_json::json;
use sqlx::PgConnection;

use super::{Acting, Changed, Committed, OpError, OpResult};
use crate::domain::Email;
use crate::net_guard::{self, GuardError};
use crate::outbox_message::OutboxMessage;
use crate::permissions::admin;
use crate::repo::outbox::{self, NewOutbox};
use crate::repo::settings;

/// A queued test email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestEmailQueued {
    /// Its outbox row (the status page's id).
    pub outbox_id: i64,
}

impl Committed for TestEmailQueued {
    fn take_changed(&mut self) -> Changed {
        Changed::sent(vec![self.outbox_id])
    }
}

/// Queues a test email to the address typed in `recipient` (admins only), with its audit entry.
///
/// Field errors: `recipient` when it is not an address; `smtp_host` when no SMTP host is saved or the saved one is
/// refused now (names can resolve elsewhere since they were vetted: DNS rebinding), `smtp_port` for a refused port.
/// `allow_private` is the operator's `FLICKET_SMTP_ALLOW_PRIVATE`.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn send_test_email(
    conn: &mut PgConnection,
    acting: &Acting,
    recipient: &str,
    allow_private: bool,
) -> OpResult<TestEmailQueued> {
    if !admin::can_administer(&acting.actor) {
        return Err(OpError::forbidden());
    }
    let recipient =
        Email::parse(recipient).map_err(|_| OpError::field("recipient", "error-email-invalid"))?;
    let s = settings::load(&mut *conn).await?;
    let host = s
        .smtp_host
        .as_deref()
        .ok_or_else(|| OpError::field("smtp_host", "error-test-email-no-host"))?;
    let port = u16::try_from(s.smtp_port).unwrap_or(0);
    if let Err(e) = net_guard::vet_smtp_host(host, port, allow_private).await {
        let field = match e {
            GuardError::Port => "smtp_port",
            _ => "smtp_host",
        };
        return Err(OpError::field(field, e.key()));
    }
    let row = NewOutbox {
        idempotency_key: format!("test_email:{}", uuid::Uuid::new_v4()),
        recipient_id: None,
        recipient_email: Some(recipient.as_str().to_owned()),
        ticket_id: None,
        message: OutboxMessage::TestEmail {
            requested_by: acting.user_id(),
            locale: None,
        },
    };
    let outbox_id = outbox::insert(&mut *conn, &row).await?.ok_or_else(|| {
        OpError::Db(sqlx::Error::Protocol(
            "a fresh test email key exists already".into(),
        ))
    })?;
    let data = json!({ "recipient": recipient.as_str() });
    super::audit::record(conn, acting, "settings.test_email", "settings", Some(data)).await?;
    Ok(TestEmailQueued { outbox_id })
}
