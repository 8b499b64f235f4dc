//! The mailer against real PostgreSQL, Redis and an SMTP server (an in-process sink speaking SMTP over TCP).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod bench;
mod delivery;
mod faults;
mod helpers;
mod installations;
mod kill;
mod kinds;
mod nats_outage;
mod payloads;
mod redis_restart;
mod ssrf;
mod trace;
