//! The web service: HTML pages (askama), sessions, CSRF, and the admin sub-commands.

pub mod auth;
pub mod cli;
pub mod email_log;
pub mod error;
pub mod health;
pub mod http;
pub mod pages;
pub mod relay;
pub mod startup;
pub mod state;
