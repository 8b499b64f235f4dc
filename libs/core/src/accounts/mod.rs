//! Account rules that go beyond one value's syntax: the password policy (length, identity, common passwords), the
//! password checks under the shared sign-in limiter, what a new password ends, reset links, and the JSON
//! export/import of accounts.

pub mod credentials;
mod password_policy;
pub mod password_reset;
pub mod sign_in;
pub mod transfer;

pub use password_policy::{is_common_password, parse_new_password};
