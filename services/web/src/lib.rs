//! The web service: HTML pages (askama), sessions, CSRF, and the admin sub-commands.

pub mod account;
pub mod admin;
pub mod api;
pub mod api_compat;
pub mod auth;
pub mod body_limits;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod extract;
pub mod health;
pub mod http;
pub mod import_cli;
pub mod listing;
pub mod pages;
pub mod people;
pub mod relay;
pub mod reset_queue;
pub mod run;
pub mod seed;
pub mod settings;
pub mod signin;
pub mod startup;
pub mod state;
pub mod stored_files;
pub mod tickets;
