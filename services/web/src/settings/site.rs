//! `/admin/settings`: every setting of the settings row, saved by [`flicket_core::ops::settings`]. The SMTP password
//! is write-only: never rendered back. Saving publishes `flicket.config.changed` on NATS after the commit (best
//! effort) so that other replicas and services reload.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::events::CONFIG_CHANGED_SUBJECT;
use flicket_core::ops::Acting;
use flicket_core::ops::settings::{self as op, SettingsChange, SettingsInput, SettingsValues};
use flicket_core::permissions::Actor;
use flicket_core::repo::settings;
use serde_json::json;

use super::refused;
use crate::admin::form::FormPairs;
use crate::admin::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage<'a> {
    ctx: &'a PageCtx,
    v: SettingsValues,
    password_set: bool,
    /// Each wrong field and its message, in form order (listed at the top, and said under the field).
    errors: Vec<(&'static str, String)>,
    allow_private: bool,
}

impl SettingsPage<'_> {
    /// The message of a wrong field, if it is one.
    fn field_error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, message)| message.as_str())
    }
}

/// The page with the stored values, or with the values as typed and their errors.
async fn page(
    state: &AppState,
    ctx: &PageCtx,
    typed: Option<SettingsValues>,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    let stored = settings::load(&state.pool).await?;
    let page = SettingsPage {
        ctx,
        v: typed.unwrap_or_else(|| SettingsValues::of(&stored)),
        password_set: stored.smtp_password_set,
        errors,
        allow_private: state.config.smtp_allow_private,
    };
    Ok(render(ctx, state, &page))
}

/// The settings form.
pub async fn form(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    page(&state, &ctx, None, vec![]).await
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
    let input = SettingsInput::read(|name| form.get(name), |name| form.checked(name));
    let change = match SettingsChange::parse(&input, state.config.smtp_allow_private).await {
        Ok(change) => change,
        Err(errors) => {
            let errors = errors
                .iter()
                .map(|e| (e.field, ctx.say(&e.message)))
                .collect();
            let page = page(&state, &ctx, Some(input.shown()), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let acting = Acting::new(Actor::from(&admin.0), ip.0);
    let key = state.config.secret_key_bytes();
    let saved = crate::run::run(&state, async |c| op::save(c, &acting, &change, key).await)
        .await
        .map_err(refused)?;
    publish_config_changed(&state, &saved.changed).await;
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
