//! `POST /language`: switches the language (stored on the account when signed in, in a cookie otherwise).

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::Locale;
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::auth::cookies::LANG_COOKIE;
use crate::error::AppError;
use crate::http::safe_next;
use crate::state::AppState;

/// The language form.
#[derive(Deserialize)]
pub struct LanguageForm {
    locale: String,
    #[serde(default)]
    next: String,
}

/// Switches the language and goes back to the page the form was on.
pub async fn switch(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = Locale::from_code(&form.locale).ok_or(AppError::BadRequest("error-400-title"))?;
    if let Some(user) = &user {
        flicket_core::repo::users::set_locale(&state.pool, user.user_id, locale).await?;
    }
    let jar = jar.add(state.cookies.build(
        LANG_COOKIE,
        locale.code().to_owned(),
        Some(365 * 24 * 3600),
    ));
    Ok((jar, Redirect::to(safe_next(&form.next))).into_response())
}
