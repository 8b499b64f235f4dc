//! Account rules that go beyond one value's syntax: the password policy (length, identity, common passwords), and
//! the JSON export/import of accounts.

mod password_policy;
pub mod transfer;

pub use password_policy::{is_common_password, parse_new_password};
