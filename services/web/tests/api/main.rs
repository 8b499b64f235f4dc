//! Integration tests of the web service against a real PostgreSQL: one database per test (`#[sqlx::test]`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod helpers;

mod auth;
mod csrf;
mod email_log;
mod i18n;
mod migrations;
mod pages;
mod relay;
