//! Integration tests of the web service against a real PostgreSQL: one database per test (`#[sqlx::test]`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod helpers;

mod accessibility;
mod account;
mod account_reset;
mod admin;
mod admin_browser;
mod admin_groups;
mod admin_matrix;
mod admin_settings;
mod admin_support;
mod auth;
mod body_limits;
mod browser;
mod browser_auth;
mod cli;
mod csrf;
mod departments;
mod email_log;
mod faults;
mod flicket_source;
mod i18n;
mod import;
mod listing;
mod local_services;
mod logs;
mod migrations;
mod nul_sweep;
mod otlp_trace;
mod pages;
mod relay;
mod replicas;
mod rest;
mod rest_attachments;
mod rest_compat;
mod rest_compat_parity;
mod rest_reference;
mod rest_roles;
mod rest_tickets;
mod rest_writes;
mod tickets;
mod tickets_attachments;
mod tickets_browser;
mod tickets_deletion;
mod tickets_edits;
mod tickets_pages;
mod tickets_people;
mod tickets_permissions;
mod tickets_support;
mod tickets_workflow;
mod tickets_xss;
mod users;
