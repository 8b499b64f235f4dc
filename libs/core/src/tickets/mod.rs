//! Ticket rules: validated input, attachment names, the activity log, quoting, and the changes themselves
//! ([`ops`]), each of which runs inside the caller's transaction.

pub mod activity;
pub mod files;
pub mod input;
pub mod ops;
pub mod quote;

pub use input::{Body, Hours};
