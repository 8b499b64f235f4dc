//! The admin's mail settings and the SMTP transport built from them.
//!
//! Settings are cached with their pooled transport and reloaded when `flicket.config.changed` arrives on NATS, and
//! every `settings_refresh` in any case (NATS is best effort). A change of any field rebuilds the transport.
//!
//! The host is never handed to the SMTP library as a name: on every load the mailer resolves it itself, checks every
//! address with the SSRF guard (`net_guard`, the same one the settings page uses), and gives lettre the vetted IP,
//! keeping the name only for TLS (SNI and certificate verification). A host stored before the guard existed, saved
//! while `FLICKET_SMTP_ALLOW_PRIVATE` was on, or a name that later resolves inside (DNS rebinding) is therefore
//! refused with a reason recorded on each email, and never connected to.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use flicket_core::net_guard;
use flicket_core::repo::mail::{self, MailSettings};
use futures::StreamExt;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use flicket_core::events::CONFIG_CHANGED_SUBJECT;

/// Settings in force and the transport built from them.
pub struct Active {
    /// The settings row as loaded.
    pub settings: MailSettings,
    /// Public URL for links (`FLICKET_BASE_URL` wins over the settings row).
    pub base_url: String,
    /// The vetted address the transport connects to, or why the host was refused.
    pub address: Result<SocketAddr, String>,
    /// The pooled transport, or why there is none (no host, undecryptable password…).
    pub transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

/// The cache of [`Active`] settings.
pub struct Smtp {
    pool: PgPool,
    secret_key: SecretString,
    base_url_override: Option<String>,
    timeout: Duration,
    pool_size: u32,
    allow_private: bool,
    active: RwLock<Option<Arc<Active>>>,
}

impl Smtp {
    /// An empty cache; settings are loaded on first use. `allow_private` is `FLICKET_SMTP_ALLOW_PRIVATE`.
    pub fn new(
        pool: PgPool,
        secret_key: SecretString,
        base_url_override: Option<String>,
        timeout: Duration,
        pool_size: u32,
        allow_private: bool,
    ) -> Self {
        Self {
            pool,
            secret_key,
            base_url_override,
            timeout,
            pool_size,
            allow_private,
            active: RwLock::new(None),
        }
    }

    /// The settings in force (loading them if needed).
    pub async fn current(&self) -> sqlx::Result<Arc<Active>> {
        if let Some(active) = self.active.read().await.clone() {
            return Ok(active);
        }
        self.reload().await
    }

    /// Re-reads the settings and resolves and vets the host again; rebuilds the transport when either changed.
    pub async fn reload(&self) -> sqlx::Result<Arc<Active>> {
        let settings = mail::settings(&self.pool).await?;
        let address = self.vet(&settings).await;
        let mut slot = self.active.write().await;
        if let Some(active) = slot.as_ref()
            && active.settings == settings
            && active.address == address
        {
            return Ok(active.clone());
        }
        let transport = match &address {
            Ok(addr) => self.build(&settings, *addr),
            Err(reason) => Err(reason.clone()),
        };
        if let Err(reason) = &transport {
            tracing::warn!(%reason, "no usable SMTP transport");
        } else {
            tracing::info!(
                host = settings.smtp_host.as_deref().unwrap_or_default(),
                address = ?address.as_ref().ok(),
                port = settings.smtp_port,
                tls = %settings.smtp_tls,
                suppress_send = settings.suppress_send,
                "SMTP settings loaded"
            );
        }
        let base_url = self
            .base_url_override
            .clone()
            .unwrap_or_else(|| settings.base_url.trim_end_matches('/').to_owned());
        let active = Arc::new(Active {
            settings,
            base_url,
            address,
            transport,
        });
        *slot = Some(active.clone());
        Ok(active)
    }

    /// Resolves the configured host and checks every address with the SSRF guard; returns the one to connect to.
    async fn vet(&self, s: &MailSettings) -> Result<SocketAddr, String> {
        let host = configured_host(s)?;
        let port = u16::try_from(s.smtp_port).map_err(|_| "invalid SMTP port".to_owned())?;
        let allow_private = self.allow_private;
        let addrs = net_guard::vet_smtp_host(host, port, allow_private)
            .await
            .map_err(|e| {
                metrics::counter!("mailer_smtp_host_refused_total").increment(1);
                tracing::warn!(host, port, error = %e, "SMTP host refused by the SSRF guard; nothing is sent");
                // The switch is named only when it is what refused the host (not for a name that does not resolve).
                let switch = if allow_private { "" } else { " (FLICKET_SMTP_ALLOW_PRIVATE is off)" };
                format!("the SMTP server was refused: {e}{switch}")
            })?;
        // Every address passed; prefer IPv4 (a local sink often listens on 127.0.0.1 only while `localhost` may
        // resolve to ::1 first), then the resolver's order.
        addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or_else(|| addrs.first())
            .copied()
            .ok_or_else(|| "the SMTP host name does not resolve".to_owned())
    }

    fn build(
        &self,
        s: &MailSettings,
        addr: SocketAddr,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let host = configured_host(s)?;
        // TLS is verified against the configured name (SNI, certificate); TCP goes to the vetted address only, as
        // an IP literal, so lettre never resolves a name itself.
        let tls_name = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let tls = match s.smtp_tls.as_str() {
            "starttls" => Tls::Required(tls_params(tls_name)?),
            "tls" => Tls::Wrapper(tls_params(tls_name)?),
            _ => Tls::None,
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
                .port(addr.port())
                .tls(tls)
                .timeout(Some(self.timeout))
                .pool_config(
                    PoolConfig::new()
                        .max_size(self.pool_size.max(1))
                        .idle_timeout(Duration::from_secs(60)),
                );
        if let Some(user) = s.smtp_username.as_deref().filter(|u| !u.is_empty()) {
            let password = match &s.smtp_password_enc {
                Some(blob) => {
                    let plain = flicket_core::crypto::decrypt(
                        self.secret_key.expose_secret().as_bytes(),
                        blob,
                    )
                    .map_err(|e| e.to_string())?;
                    String::from_utf8(plain).map_err(|_| "the SMTP password is not UTF-8")?
                }
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.to_owned(), password));
        }
        Ok(builder.build())
    }
}

fn configured_host(s: &MailSettings) -> Result<&str, String> {
    s.smtp_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "the SMTP server is not configured".to_owned())
}

fn tls_params(host: &str) -> Result<TlsParameters, String> {
    TlsParameters::new(host.to_owned()).map_err(|e| format!("TLS set-up for {host}: {e}"))
}

/// Reloads the settings on every `flicket.config.changed` message, every `refresh`, and whenever the NATS connection
/// comes back (an announcement published while it was down never reaches this subscriber), until `stop`.
pub async fn watch(
    smtp: Arc<Smtp>,
    nats: Option<async_nats::Client>,
    refresh: Duration,
    stop: CancellationToken,
) {
    let mut events = match &nats {
        Some(client) => match client.subscribe(CONFIG_CHANGED_SUBJECT).await {
            Ok(sub) => Some(sub),
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe to config changes; polling only");
                None
            }
        },
        None => None,
    };
    let mut tick = tokio::time::interval(refresh);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut link = tokio::time::interval(RECONNECT_CHECK);
    link.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Connections made so far: a new one means NATS came back (however short the outage was).
    let connects = || {
        nats.as_ref().map_or(0, |c| {
            c.statistics()
                .connects
                .load(std::sync::atomic::Ordering::Relaxed)
        })
    };
    let mut seen = connects();
    loop {
        let event = async {
            match events.as_mut() {
                Some(sub) => sub.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            msg = event => {
                if msg.is_none() {
                    events = None;
                }
                tracing::debug!("config change announced");
            }
            _ = tick.tick() => {}
            _ = link.tick() => {
                let now = connects();
                if now == seen {
                    continue;
                }
                seen = now;
                tracing::info!("connected to NATS: reloading the mail settings in case an announcement was missed");
            }
        }
        if let Err(e) = smtp.reload().await {
            tracing::warn!(error = %e, "cannot reload mail settings");
        }
    }
}

/// How often [`watch`] looks whether NATS was connected again.
const RECONNECT_CHECK: Duration = Duration::from_secs(1);
