//! Account rules that go beyond one value's syntax: the password policy (length, identity, common passwords).

mod password_policy;

pub use password_policy::{is_common_password, parse_new_password};
