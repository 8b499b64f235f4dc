//! The plumbing every page and API uses to know who is asking: sessions and their cookies, CSRF protection, and
//! the current user. Signing in and out and the API tokens are the area `crate::signin`.

pub mod cookies;
pub mod csrf;
pub mod session;

pub use session::{CurrentUser, MaybeUser};
