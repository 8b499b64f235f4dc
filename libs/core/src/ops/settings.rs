//! The site settings and the email log (admins only). Saving checks every field first ([`SettingsChange::parse`],
//! outside any transaction: the SMTP host is resolved), then writes the settings row with the SMTP password
//! encrypted by a key derived from `FLICKET_SECRET_KEY`, and the audit entry of what changed with the password masked.
//! The caller announces the change on `flicket.config.changed` ([`crate::events::CONFIG_CHANGED_SUBJECT`]) after
//! the commit.

mod form;

pub use form::{
    FLAGS, PASSWORD_FIELD, SettingsChange, SettingsInput, SettingsValues, TEXT_FIELDS, valid_cron,
};

use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;

use super::{Acting, Changed, Committed, OpError, OpResult};
use crate::permissions::Actor;
use crate::permissions::admin::can_administer;
use crate::repo::deliveries;
use crate::repo::settings::{self, Settings, SmtpPassword};
use form::NewPassword;

/// What saving the settings changed.
#[derive(Debug, Default)]
pub struct SettingsSaved {
    /// The names of the fields whose value changed (the password's when a new one was stored or it was removed).
    pub changed: Vec<String>,
}

impl Committed for SettingsSaved {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// The settings as audit data: every field, the password only as whether one is stored.
fn audit_view(s: &Settings) -> Map<String, Value> {
    let mut m: Map<String, Value> = SettingsValues::of(s)
        .values
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    let password = if s.smtp_password_set {
        "••••"
    } else {
        ""
    };
    m.insert(PASSWORD_FIELD.into(), Value::String(password.into()));
    m
}

/// Only the fields that changed, as `{field: {before, after}}` (a new password always counts as a change).
fn diff(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    password_changed: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, b) in before {
        let a = after.get(k).cloned().unwrap_or(Value::Null);
        if *b != a || (k == PASSWORD_FIELD && password_changed) {
            out.insert(k.clone(), json!({ "before": b, "after": a }));
        }
    }
    out
}

/// Saves a checked change of the settings (admins only), with its audit entry `settings.update`; `secret_key`
/// encrypts a new SMTP password.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()), err(level = "debug"))]
pub async fn save(
    conn: &mut PgConnection,
    acting: &Acting,
    change: &SettingsChange,
    secret_key: &[u8],
) -> OpResult<SettingsSaved> {
    if !can_administer(&acting.actor) {
        return Err(OpError::forbidden());
    }
    let password = match &change.password {
        NewPassword::Keep => SmtpPassword::Keep,
        NewPassword::Clear => SmtpPassword::Clear,
        // Not a field error: the key is the operator's, and a failure here is the machine's (no randomness).
        NewPassword::Set(p) => SmtpPassword::Set(
            crate::crypto::encrypt(secret_key, p.expose_secret().as_bytes())
                .map_err(|e| OpError::Db(sqlx::Error::Encode(Box::new(e))))?,
        ),
    };
    let before = settings::load_for_update(&mut *conn).await?;
    settings::update(&mut *conn, &change.update, &password).await?;
    let after = settings::load_for_update(&mut *conn).await?;
    let changes = diff(
        &audit_view(&before),
        &audit_view(&after),
        matches!(password, SmtpPassword::Set(_)),
    );
    let changed = changes.keys().cloned().collect();
    super::audit::record(
        conn,
        acting,
        "settings.update",
        "settings",
        Some(Value::Object(changes)),
    )
    .await?;
    Ok(SettingsSaved { changed })
}

/// What the retry of a failed delivery did.
#[derive(Debug, Default)]
pub struct Retry {
    /// Whether the delivery was put back in line (false: it had not failed, or its outbox row is gone).
    pub queued: bool,
    outbox_ids: Vec<i64>,
}

impl Committed for Retry {
    fn take_changed(&mut self) -> Changed {
        Changed::sent(std::mem::take(&mut self.outbox_ids))
    }
}

/// Puts a failed delivery of the email log back in line (admins only); its outbox row is pushed after the commit.
#[tracing::instrument(skip_all, fields(user.id = %actor.user_id, email_delivery_id = email_delivery_id), err(level = "debug"))]
pub async fn retry_delivery(
    conn: &mut PgConnection,
    actor: &Actor,
    email_delivery_id: i64,
) -> OpResult<Retry> {
    if !can_administer(actor) {
        return Err(OpError::forbidden());
    }
    let outbox_id = deliveries::retry_failed(conn, email_delivery_id).await?;
    Ok(Retry {
        queued: outbox_id.is_some(),
        outbox_ids: outbox_id.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(password_set: bool, page_size: i32) -> Settings {
        Settings {
            application_title: "Flicket".into(),
            base_url: "http://localhost".into(),
            page_size,
            allowed_extensions: "pdf".into(),
            max_upload_bytes: 1024,
            max_request_bytes: 2048,
            max_uploads_per_post: 5,
            csv_limit: 500,
            change_category: false,
            change_category_restricted: false,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password_set: password_set,
            mail_from: "flicket@localhost".into(),
            suppress_send: false,
            digest_cron: "0 7 * * Mon".into(),
            digest_timezone: "UTC".into(),
            digest_enabled: false,
        }
    }

    #[test]
    fn the_audit_entry_names_what_changed_and_masks_the_password() {
        let before = audit_view(&stored(false, 50));
        let after = audit_view(&stored(true, 25));
        let changes = diff(&before, &after, true);
        let names: Vec<&str> = changes.keys().map(String::as_str).collect();
        assert_eq!(names, ["page_size", "smtp_password"]);
        assert_eq!(changes["page_size"], json!({"before": "50", "after": "25"}));
        assert_eq!(
            changes["smtp_password"],
            json!({"before": "", "after": "••••"})
        );
    }

    async fn admin(pool: &sqlx::PgPool) -> Acting {
        let id: i64 = sqlx::query_scalar(
            "insert into users (username, name, email, password_hash, locale)
             values ('root', 'Root', 'root@example.com', 'x', 'en') returning user_id",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let actor = Actor {
            user_id: crate::domain::UserId(id),
            is_admin: true,
            is_super_user: false,
        };
        Acting::new(actor, "192.0.2.1")
    }

    async fn change(title: &str, password: &str) -> SettingsChange {
        let fields = [
            ("application_title", title),
            ("base_url", "https://help.example.com"),
            ("page_size", "25"),
            ("allowed_extensions", "pdf"),
            ("max_upload_bytes", "2048"),
            ("max_request_bytes", "4096"),
            ("max_uploads_per_post", "5"),
            ("csv_limit", "500"),
            ("smtp_port", "587"),
            ("smtp_tls", "starttls"),
            ("mail_from", "help@example.com"),
            ("digest_cron", "0 7 * * Mon"),
            ("digest_timezone", "UTC"),
            ("smtp_password", password),
        ];
        let get = |n: &str| fields.iter().find(|(k, _)| *k == n).map_or("", |(_, v)| *v);
        SettingsChange::parse(&SettingsInput::read(get, |_| false), false)
            .await
            .unwrap()
    }

    const KEY: &[u8] = b"a-secret-key-that-is-long-enough-for-flicket";

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn saving_writes_the_settings_the_encrypted_password_and_one_audit_entry(
        pool: sqlx::PgPool,
    ) {
        let acting = admin(&pool).await;
        let mut conn = pool.acquire().await.unwrap();
        let saved = save(
            &mut conn,
            &acting,
            &change("Help desk", "s3cret").await,
            KEY,
        )
        .await
        .unwrap();
        assert!(saved.changed.iter().any(|f| f == "application_title"));
        assert!(saved.changed.iter().any(|f| f == PASSWORD_FIELD));
        let enc = settings::smtp_password_enc(&pool).await.unwrap().unwrap();
        assert_eq!(crate::crypto::decrypt(KEY, &enc).unwrap(), b"s3cret");
        let (data, ip): (Value, Option<String>) = sqlx::query_as(
            "select data, ip::text from audit_log where action = 'settings.update' and target = 'settings'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(!data.to_string().contains("s3cret"), "{data}");
        assert_eq!(data["smtp_password"]["after"], "••••");
        assert_eq!(data["application_title"]["after"], "Help desk");
        assert!(ip.unwrap_or_default().starts_with("192.0.2.1"));

        let mut user = acting.clone();
        user.actor.is_admin = false;
        assert!(matches!(
            save(&mut conn, &user, &change("Other", "").await, KEY).await,
            Err(OpError::Refused(_))
        ));
        assert!(matches!(
            retry_delivery(&mut conn, &user.actor, 1).await,
            Err(OpError::Refused(_))
        ));
        let nothing = retry_delivery(&mut conn, &acting.actor, 1).await.unwrap();
        assert!(!nothing.queued);
    }

    #[test]
    fn a_replaced_password_counts_as_a_change_even_when_one_was_stored() {
        let view = audit_view(&stored(true, 50));
        assert_eq!(
            diff(&view, &view, true).keys().collect::<Vec<_>>(),
            ["smtp_password"]
        );
        assert!(diff(&view, &view, false).is_empty());
    }
}
