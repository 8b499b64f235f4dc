//! `/account`: a person's own account (name, email, job title, language, digest, avatar, password), and the
//! password-reset flow for people who cannot sign in.

pub mod avatar;
mod password;
pub mod reset;
pub mod reset_queue;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use flicket_core::Locale;
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::domain::{Email, JobTitle, PersonName};
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::users::{self, AccountUpdate, Profile};
use serde::Deserialize;

use crate::admin::guard::ClientIp;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

/// The account and password-reset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show).post(save))
        .route("/account/password", post(password::change))
        .route(
            "/account/avatar",
            post(avatar::upload).layer(DefaultBodyLimit::max(avatar::MAX_BYTES + 64 * 1024)),
        )
        .route("/account/avatar/delete", post(avatar::remove))
        .route(
            "/password-reset",
            get(reset::request_form).post(reset::request),
        )
        .route(
            "/password-reset/new",
            get(reset::form).post(reset::complete),
        )
}

/// The values of the profile form.
pub struct Fields {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Locale code.
    pub locale: String,
    /// Opted out of the digest.
    pub digest_opt_out: bool,
}

#[derive(Template)]
#[template(path = "account/account.html")]
pub(crate) struct AccountPage<'a> {
    pub ctx: &'a PageCtx,
    pub p: Profile,
    pub f: Fields,
    pub profile_errors: Vec<String>,
    pub password_errors: Vec<String>,
}

/// Renders the account page with the given form values and errors.
pub(crate) async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &SessionUser,
    typed: Option<Fields>,
    profile_errors: Vec<String>,
    password_errors: Vec<String>,
) -> Result<Response, AppError> {
    let p = users::profile(&state.pool, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = typed.unwrap_or_else(|| Fields {
        name: p.name.clone(),
        email: p.email.clone(),
        job_title: p.job_title.clone(),
        locale: p.locale.clone(),
        digest_opt_out: p.digest_opt_out,
    });
    let status = if profile_errors.is_empty() && password_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AccountPage {
        ctx,
        p,
        f,
        profile_errors,
        password_errors,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

/// The account page.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    page(&state, &ctx, &user, None, vec![], vec![]).await
}

/// The profile form. Fields that are not listed here (groups, roles, disabled…) are ignored whatever is sent.
#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    locale: String,
    digest_opt_out: Option<String>,
    #[serde(default)]
    current_password: String,
}

/// Saves the profile; changing the email needs the current password (ASVS 7.5.1).
pub async fn save(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let mut errors = vec![];
    let mut fail = |key: &str| errors.push(ctx.t(key));
    let name = PersonName::parse(&form.name).map_err(|e| fail(e.key)).ok();
    let email = Email::parse(&form.email).map_err(|e| fail(e.key)).ok();
    let job_title = JobTitle::parse(&form.job_title)
        .map_err(|e| fail(e.key))
        .ok();
    let locale = Locale::from_code(&form.locale);
    if locale.is_none() {
        fail("error-locale-invalid");
    }
    let typed = Fields {
        name: form.name.chars().take(120).collect(),
        email: form.email.chars().take(300).collect(),
        job_title: form.job_title.chars().take(128).collect(),
        locale: form.locale.chars().take(8).collect(),
        digest_opt_out: form.digest_opt_out.is_some(),
    };
    let (Some(name), Some(email), Some(job_title), Some(locale)) = (name, email, job_title, locale)
    else {
        return page(&state, &ctx, &user, Some(typed), errors, vec![]).await;
    };
    let stored = users::profile(&state.pool, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !stored.email.eq_ignore_ascii_case(email.as_str())
        && let Err(refusal) =
            check_current_password(&state, &user, &ip, &form.current_password).await?
    {
        let errors = vec![ctx.t(refusal.key())];
        return Ok(refusal.apply(page(&state, &ctx, &user, Some(typed), errors, vec![]).await?));
    }
    let update = AccountUpdate {
        name: &name,
        email: &email,
        job_title: &job_title,
        locale,
        digest_opt_out: form.digest_opt_out.is_some(),
    };
    let mut tx = state.pool.begin().await?;
    if let Err(e) = users::update_account(&mut tx, user.user_id, &update).await {
        if flicket_core::repo::is_unique_violation(&e) {
            drop(tx);
            let errors = vec![ctx.t("error-email-taken")];
            return page(&state, &ctx, &user, Some(typed), errors, vec![]).await;
        }
        return Err(e.into());
    }
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "account-saved"));
    Ok((jar, Redirect::to("/account")).into_response())
}

/// Why the "current password" was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Wrong (or empty) password.
    Wrong,
    /// Too many failed attempts on this account or from this address: the sign-in limiter's answer.
    Limited,
}

impl Refusal {
    /// The message shown.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Refusal::Wrong => "error-current-password",
            Refusal::Limited => "login-rate-limited",
        }
    }

    /// The status of the page that shows it (the limit answers 429, as sign-in does).
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Refusal::Wrong => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Limited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// Sets the page's status to this refusal's.
    pub(crate) fn apply(self, mut resp: Response) -> Response {
        *resp.status_mut() = self.status();
        resp
    }
}

/// Checks the "current password" of a signed-in person under the sign-in limiter, with the same counter as signing
/// in to the account (core's `accounts::sign_in::check_current_password`): a stolen session must not become a way to
/// guess the password.
pub(crate) async fn check_current_password(
    state: &AppState,
    user: &SessionUser,
    ip: &ClientIp,
    raw: &str,
) -> Result<Result<(), Refusal>, AppError> {
    Ok(
        match sign_in::check_current_password(&state.pool, user.user_id, raw, &ip.0).await? {
            Outcome::Accepted(()) => Ok(()),
            Outcome::Refused => Err(Refusal::Wrong),
            Outcome::Limited => Err(Refusal::Limited),
        },
    )
}
