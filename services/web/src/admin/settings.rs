//! `/admin/settings`: every setting of the settings row. The SMTP password is write-only: never rendered back,
//! stored encrypted with a key derived from `FLICKET_SECRET_KEY`, and masked in the audit log. Saving publishes
//! `flicket.config.changed` on NATS (best effort) so that other replicas and services reload.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::repo::settings::{self, Settings, SmtpPassword};
use serde_json::{Map, Value, json};

use super::form::FormPairs;
use super::guard::{AdminUser, ClientIp};
use super::settings_form::{self, Typed};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

use flicket_core::events::CONFIG_CHANGED_SUBJECT;

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage<'a> {
    ctx: &'a PageCtx,
    v: Typed,
    password_set: bool,
    errors: Vec<String>,
    allow_private: bool,
}

/// The settings form.
pub async fn form(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let s = settings::load(&state.pool).await?;
    let page = SettingsPage {
        ctx: &ctx,
        v: Typed::from_settings(&s),
        password_set: s.smtp_password_set,
        errors: vec![],
        allow_private: state.config.smtp_allow_private,
    };
    Ok(render(&ctx, &state, &page))
}

/// The settings as audit data: every field, the password only as whether one is stored.
fn audit_view(s: &Settings) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in Typed::from_settings(s).values {
        m.insert(k.to_owned(), Value::String(v));
    }
    m.insert(
        "smtp_password".into(),
        Value::String(if s.smtp_password_set {
            "••••".into()
        } else {
            String::new()
        }),
    );
    m
}

/// Only the fields that changed, as `{field: {before, after}}`.
fn diff(before: &Map<String, Value>, after: &Map<String, Value>, password_changed: bool) -> Value {
    let mut out = Map::new();
    for (k, b) in before {
        let a = after.get(k).cloned().unwrap_or(Value::Null);
        if *b != a || (k == "smtp_password" && password_changed) {
            out.insert(k.clone(), json!({ "before": b, "after": a }));
        }
    }
    Value::Object(out)
}

/// Saves the settings.
pub async fn save(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormPairs::parse(&body);
    let allow_private = state.config.smtp_allow_private;
    let mut parsed = settings_form::parse(&ctx, &form, allow_private).await;
    let new_password = form.get("smtp_password");
    if new_password.chars().count() > 255 || new_password.contains('\0') {
        let msg = ctx.t("error-settings-smtp-password");
        match &mut parsed {
            Ok(_) => parsed = Err(vec![msg]),
            Err(errors) => errors.push(msg),
        }
    }
    let update = match parsed {
        Ok(u) => u,
        Err(errors) => {
            let password_set = settings::load(&state.pool).await?.smtp_password_set;
            let page = SettingsPage {
                ctx: &ctx,
                v: Typed::from_form(&form),
                password_set,
                errors,
                allow_private,
            };
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&ctx, &state, &page),
            )
                .into_response());
        }
    };
    let password = if !new_password.is_empty() {
        SmtpPassword::Set(
            flicket_core::crypto::encrypt(state.config.secret_key_bytes(), new_password.as_bytes())
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("cannot encrypt the SMTP password: {e}"))
                })?,
        )
    } else if form.checked("clear_smtp_password") {
        SmtpPassword::Clear
    } else {
        SmtpPassword::Keep
    };
    let mut tx = state.pool.begin().await?;
    let before = settings::load_for_update(&mut tx).await?;
    settings::update(&mut tx, &update, &password).await?;
    let after = settings::load_for_update(&mut tx).await?;
    let changes = diff(
        &audit_view(&before),
        &audit_view(&after),
        matches!(password, SmtpPassword::Set(_)),
    );
    let changed_fields: Vec<String> = changes
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        "settings.update",
        "settings",
        Some(changes),
    )
    .await?;
    tx.commit().await?;
    publish_config_changed(&state, &changed_fields).await;
    let jar = jar.add(flash_cookie(&state, "success", "admin-settings-saved"));
    Ok((jar, Redirect::to("/admin/settings")).into_response())
}

/// Announces new settings on NATS; a NATS outage never fails the request (the settings are already committed, and
/// readers fall back to the database).
async fn publish_config_changed(state: &AppState, fields: &[String]) {
    let payload = json!({ "v": 1, "changed": fields }).to_string();
    let publish = state.nats.publish(CONFIG_CHANGED_SUBJECT, payload.into());
    match tokio::time::timeout(Duration::from_secs(1), publish).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not publish {CONFIG_CHANGED_SUBJECT}"),
        Err(_) => tracing::warn!("publishing {CONFIG_CHANGED_SUBJECT} timed out"),
    }
}
