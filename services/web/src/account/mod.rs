//! `/account`: a person's own account (name, email, job title, language, digest, avatar, password), and the
//! password-reset flow for people who cannot sign in. The rules are `flicket_core::ops::account`; these handlers
//! read the forms, call it, and show its field errors under their fields.

pub mod avatar;
mod password;
pub mod reset;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use flicket_core::ops::account::{self, MAX_AVATAR_BYTES, ProfileInput};
use flicket_core::ops::{FieldError, OpError};
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::users::{self, Profile};
use serde::Deserialize;

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
            post(avatar::upload).layer(DefaultBodyLimit::max(MAX_AVATAR_BYTES + 64 * 1024)),
        )
        .route("/account/avatar/delete", post(avatar::remove))
        .route("/users/{id}/avatar", get(avatar::serve))
        .route(
            "/password-reset",
            get(reset::request_form).post(reset::request),
        )
        .route(
            "/password-reset/new",
            get(reset::form).post(reset::complete),
        )
}

/// The messages of a form, each shown under its field (by the field's name, as in the form).
#[derive(Debug, Default)]
pub(crate) struct Said(Vec<(&'static str, String)>);

impl Said {
    /// The errors of an operation, in the page's language.
    fn of<'e>(ctx: &PageCtx, errors: impl IntoIterator<Item = &'e FieldError>) -> Self {
        Self(
            errors
                .into_iter()
                .map(|e| (e.field, ctx.say(&e.message)))
                .collect(),
        )
    }

    /// The message under `field`, if any.
    pub(crate) fn on(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// No message at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An operation's error that is not about a field: the error page.
fn failed(e: OpError) -> AppError {
    match e {
        OpError::NotFound => AppError::NotFound,
        OpError::Refused(_) => AppError::Forbidden,
        OpError::Conflict(m) | OpError::Invalid(FieldError { message: m, .. }) => {
            AppError::BadRequest(m.key)
        }
        OpError::Db(e) => e.into(),
    }
}

/// Back to `/account` with a message.
fn back(state: &AppState, jar: CookieJar, kind: &str, key: &str) -> Response {
    (
        jar.add(flash_cookie(state, kind, key)),
        Redirect::to("/account"),
    )
        .into_response()
}

/// A change of one's own account: the person signed in (or the sign-in page), who acts (with the client's
/// address, which the sign-in limiter counts), the page and the cookies.
pub(crate) type Own = crate::pages::Visit;

/// Which of the page's two forms a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Profile,
    Password,
}

#[derive(Template)]
#[template(path = "account/account.html")]
pub(crate) struct AccountPage<'a> {
    pub ctx: &'a PageCtx,
    pub p: Profile,
    pub f: ProfileInput,
    pub profile: Said,
    pub password: Said,
}

/// Renders the account page with the given form values and the messages of one form (422 when there are any).
async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &SessionUser,
    typed: Option<ProfileInput>,
    which: Which,
    said: Said,
) -> Result<Response, AppError> {
    let p = users::profile(&state.pool, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = typed.unwrap_or_else(|| ProfileInput {
        name: p.name.clone(),
        email: p.email.clone(),
        job_title: p.job_title.clone(),
        locale: p.locale.clone(),
        digest_opt_out: p.digest_opt_out,
    });
    let status = if said.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (profile, password) = match which {
        Which::Profile => (said, Said::default()),
        Which::Password => (Said::default(), said),
    };
    let page = AccountPage {
        ctx,
        p,
        f,
        profile,
        password,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

/// The answer to a change of the account page: back with `done` as the message, or the form again with the
/// operation's message under its field (429 when it is the sign-in limiter's, as signing in answers), or the error
/// page.
async fn answer<T>(
    own: Own,
    which: Which,
    typed: Option<ProfileInput>,
    result: Result<T, OpError>,
    done: &str,
) -> Result<Response, AppError> {
    let e = match result {
        Ok(_) => return Ok(back(&own.state, own.jar, "success", done)),
        Err(e) => e,
    };
    let Some(field) = e.field_error() else {
        return Err(failed(e));
    };
    let said = Said::of(&own.ctx, Some(field));
    let mut resp = page(&own.state, &own.ctx, &own.user, typed, which, said).await?;
    if account::is_limited(&e) {
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    }
    Ok(resp)
}

/// The account page.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    page(&state, &ctx, &user, None, Which::Profile, Said::default()).await
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
pub async fn save(own: Own, Form(form): Form<ProfileForm>) -> Result<Response, AppError> {
    let input = ProfileInput {
        name: form.name,
        email: form.email,
        job_title: form.job_title,
        locale: form.locale,
        digest_opt_out: form.digest_opt_out.is_some(),
    };
    // Shown again as typed, within bounds.
    let mut typed = input.clone();
    for (text, most) in [
        (&mut typed.name, 120),
        (&mut typed.email, 300),
        (&mut typed.job_title, 128),
        (&mut typed.locale, 8),
    ] {
        *text = text.chars().take(most).collect();
    }
    let change = match account::check_profile(&input) {
        Ok(change) => change,
        Err(errors) => {
            let said = Said::of(&own.ctx, &errors);
            let typed = Some(typed);
            return page(&own.state, &own.ctx, &own.user, typed, Which::Profile, said).await;
        }
    };
    let (pool, password) = (&own.state.pool, &form.current_password);
    let result = account::update_profile(pool, &own.acting, &change, password).await;
    answer(own, Which::Profile, Some(typed), result, "account-saved").await
}
