//! Sign-in, sessions and CSRF protection.

pub mod cookies;
pub mod csrf;
pub mod login;
pub mod session;

pub use session::{CurrentUser, MaybeUser};
