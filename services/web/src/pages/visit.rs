//! [`Visit`]: what a page handler of a signed-in person works with.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::ops::{Acting, Committed, OpResult};
use flicket_core::permissions::Actor;
use flicket_core::repo::sessions::SessionUser;
use sqlx::PgConnection;

use super::{PageCtx, flash_cookie};
use crate::auth::CurrentUser;
use crate::http::ClientIp;
use crate::state::AppState;

/// The state, the signed-in person (anyone else is sent to sign in first), who acts (with the client's address,
/// for the audit log and the sign-in limiter), the page's context and the cookies.
pub struct Visit {
    /// The application.
    pub state: AppState,
    /// The person signed in.
    pub user: SessionUser,
    /// Who acts, as the operations take it.
    pub acting: Acting,
    /// The page's language, flash message and CSRF token.
    pub ctx: PageCtx,
    /// The cookies (a redirect adds its message to them).
    pub jar: CookieJar,
}

impl Visit {
    /// The visit of `user`, already checked by the caller's own extractor (an admin page's, say).
    pub async fn of(parts: &mut Parts, state: &AppState, user: SessionUser) -> Self {
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        let Ok(ctx) = PageCtx::from_request_parts(parts, state).await;
        let Ok(jar) = CookieJar::from_request_parts(parts, state).await;
        Self {
            state: state.clone(),
            acting: Acting::new(Actor::from(&user), ip),
            user,
            ctx,
            jar,
        }
    }

    /// The person's rights.
    pub fn actor(&self) -> Actor {
        self.acting.actor
    }

    /// Runs an operation as this person, in its own transaction ([`crate::run::run`]).
    pub async fn run<T: Committed>(
        &self,
        op: impl for<'c, 'a> AsyncFnOnce(&'c mut PgConnection, &'a Acting) -> OpResult<T>,
    ) -> OpResult<T> {
        crate::run::run(&self.state, async |c| op(c, &self.acting).await).await
    }

    /// Redirects to `to` with a message (`kind`: `success`, `warning` or `danger`; `key`: its fluent id).
    pub fn redirect(self, kind: &str, key: &str, to: &str) -> Response {
        let jar = self.jar.add(flash_cookie(&self.state, kind, key));
        (jar, Redirect::to(to)).into_response()
    }
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        Ok(Self::of(parts, state, user).await)
    }
}
