//! One error type for the web layer, mapped once to a status and a localised page (or JSON when asked for).

use askama::Template;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::csrf::CsrfToken;
use crate::auth::session::{Session, SessionSite};
use crate::pages::{PageCtx, page_ctx, resolve_locale};
use crate::state::AppState;

/// What went wrong, as far as the client is concerned.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404.
    #[error("not found")]
    NotFound,
    /// 403.
    #[error("forbidden")]
    Forbidden,
    /// 403: missing or wrong CSRF token.
    #[error("csrf token missing or invalid")]
    Csrf,
    /// 400 with a fluent message id.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// 413.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 429: too many failed password attempts (the sign-in limiter's answer, on a page that re-checks a password).
    #[error("too many failed password attempts")]
    TooManyAttempts,
    /// 500: logged with its cause chain, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// Marker left on a response so [`render_errors`] can turn it into a page with the request's language and user.
#[derive(Debug, Clone, Copy)]
pub struct ErrorMarker {
    status: StatusCode,
    title_key: &'static str,
    text_key: &'static str,
}

impl AppError {
    fn marker(&self) -> ErrorMarker {
        let (status, title_key, text_key) = match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-404-title", "error-404-text"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-403-title", "error-403-text"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "error-403-title", "error-csrf"),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, "error-400-title", *key),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-413-title",
                "error-413-title",
            ),
            AppError::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "error-429-title",
                "login-rate-limited",
            ),
            AppError::Internal(e) if flicket_core::db::unavailable_in(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "error-503-title",
                "error-503-text",
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-500-title",
                "error-500-text",
            ),
        };
        ErrorMarker {
            status,
            title_key,
            text_key,
        }
    }

    /// Renders the error directly (for middleware that runs before [`render_errors`]).
    pub fn into_response_for(self, headers: &HeaderMap, session: &Session) -> Response {
        let marker = self.marker();
        let locale = resolve_locale(headers, session.0.as_ref());
        if wants_json(headers) {
            return json_error(marker, locale);
        }
        let ctx = PageCtx {
            locale,
            user: session.0.clone(),
            csrf: String::new(),
            flash: None,
            app_title: "Flicket".into(),
            site: None,
            here: "/".into(),
            version: env!("CARGO_PKG_VERSION"),
        };
        html_error(marker, &ctx)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // Logged once, in the request's span: a server error at ERROR with its cause, a refusal (404, 403, 400,
        // 413: the client's doing) at INFO.
        match &self {
            AppError::Internal(e) => tracing::error!(error = format!("{e:#}"), "request failed"),
            refused => tracing::info!(reason = %refused, "request refused"),
        }
        let marker = self.marker();
        let mut resp = marker.status.into_response();
        resp.extensions_mut().insert(marker);
        resp
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or_default();
    let json = accept.find("application/json");
    let html = accept.find("text/html");
    match (json, html) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

fn json_error(marker: ErrorMarker, locale: flicket_core::Locale) -> Response {
    let error = marker.status.canonical_reason().unwrap_or("Error");
    let body = serde_json::json!({ "error": error, "message": locale.t(marker.text_key) });
    (marker.status, Json(body)).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a PageCtx,
    status: u16,
    title: String,
    text: String,
}

fn html_error(marker: ErrorMarker, ctx: &PageCtx) -> Response {
    let page = ErrorPage {
        ctx,
        status: marker.status.as_u16(),
        title: ctx.t(marker.title_key),
        text: ctx.t(marker.text_key),
    };
    match page.render() {
        Ok(html) => (marker.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (
                marker.status,
                marker.status.canonical_reason().unwrap_or("Error"),
            )
                .into_response()
        }
    }
}

/// Middleware: turns error markers into localised pages or JSON bodies.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let session = req
        .extensions()
        .get::<Session>()
        .cloned()
        .unwrap_or_default();
    let csrf = req
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let site = req.extensions().get::<SessionSite>().cloned();
    let resp = next.run(req).await;
    let Some(marker) = resp.extensions().get::<ErrorMarker>().copied() else {
        return resp;
    };
    if wants_json(&headers) {
        return json_error(marker, resolve_locale(&headers, session.0.as_ref()));
    }
    let ctx = page_ctx(&state, &headers, &session, site, csrf, "/".into()).await;
    html_error(marker, &ctx)
}

/// The fallback route: 404 (in the API's JSON format under `/api/`, in Flicket's under `/flicket-api/`).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/flicket-api/") {
        tracing::info!(status = 404, "request refused");
        crate::api_compat::not_found()
    } else if uri.path().starts_with("/api/") {
        crate::api::ApiError::not_found().into_response()
    } else {
        AppError::NotFound.into_response()
    }
}
