//! SSRF guard for the SMTP server an admin configures (security bar §1.5): the host must resolve only to public
//! addresses, and the port must be a mail port, unless the operator sets `FLICKET_SMTP_ALLOW_PRIVATE=true` (a
//! development machine with a local mail sink). The mailer calls [`vet_smtp_host`] again at connect time and connects
//! to the vetted addresses, so a DNS answer that changes after the settings were saved gains nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Ports a public mail server listens on (SMTP, SMTPS, submission, the common alternative).
pub const SMTP_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// Why a host or port was refused; each maps to a fluent message that never echoes what the server said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// Not a host name or an IP address in canonical form (e.g. `0x7f000001`, `2130706433`, spaces, a URL).
    #[error("not a valid host name")]
    InvalidHost,
    /// The name does not resolve (or took too long).
    #[error("the host name does not resolve")]
    Unresolvable,
    /// It is or resolves to a loopback, private, link-local, metadata or otherwise reserved address.
    #[error("the host is an internal address")]
    PrivateAddress,
    /// Not one of [`SMTP_PORTS`].
    #[error("the port is not a mail port")]
    Port,
}

impl GuardError {
    /// The fluent message id shown to the admin.
    pub fn key(self) -> &'static str {
        match self {
            GuardError::InvalidHost => "error-smtp-host-invalid",
            GuardError::Unresolvable => "error-smtp-host-unresolvable",
            GuardError::PrivateAddress => "error-smtp-host-private",
            GuardError::Port => "error-smtp-port",
        }
    }
}

/// Whether an address is globally reachable, i.e. safe to let an admin point the mailer at.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0 // "this network", 0.0.0.0
        || ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata 169.254.169.254
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || a >= 224; // multicast, reserved, broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // IPv4-mapped (::ffff:a.b.c.d) is the classic bypass: judge the IPv4 address inside.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(embedded_v4(s[6], s[7])); // NAT64 64:ff9b::/96
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded_v4(s[1], s[2])); // 6to4 2002::/16
    }
    let reserved = ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::a.b.c.d (deprecated)
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (incl. fd00:ec2::254 metadata)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]); // discard-only 100::/64
    !reserved
}

/// A host as typed: an IP literal (IPv6 possibly in brackets) or a DNS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IP address in canonical form.
    Ip(IpAddr),
    /// A syntactically valid DNS name, lower-cased.
    Name(String),
}

/// Parses a host; refuses the numeric forms that resolvers accept but people never mean (`0x7f000001`, `2130706433`,
/// `0177.0.0.1`, `127.1`), which exist mostly to slip past filters.
pub fn parse_host(raw: &str) -> Result<Host, GuardError> {
    let host = raw.trim();
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if name.is_empty() || name.len() > 253 || !labels.iter().all(label_ok) {
        return Err(GuardError::InvalidHost);
    }
    let numeric_part = |l: &&str| {
        l.chars().all(|c| c.is_ascii_digit())
            || l.strip_prefix("0x")
                .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
    };
    if labels.len() <= 4 && labels.iter().all(numeric_part) {
        return Err(GuardError::InvalidHost);
    }
    Ok(Host::Name(name))
}

/// Names that point inside the machine or the cloud whatever DNS says.
fn is_internal_name(name: &str) -> bool {
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "metadata"
        || name == "metadata.google.internal"
        || name.ends_with(".internal")
}

/// Checks the port alone.
pub fn check_smtp_port(port: u16, allow_private: bool) -> Result<(), GuardError> {
    if allow_private || SMTP_PORTS.contains(&port) {
        Ok(())
    } else {
        Err(GuardError::Port)
    }
}

/// Checks an SMTP host and port and returns the addresses to connect to. With `allow_private` every syntactically
/// valid host and any port are accepted (and names are resolved without judging the result).
pub async fn vet_smtp_host(
    raw_host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, GuardError> {
    check_smtp_port(port, allow_private)?;
    let host = parse_host(raw_host)?;
    let addrs: Vec<SocketAddr> = match &host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, port)],
        Host::Name(name) => {
            if !allow_private && is_internal_name(name) {
                return Err(GuardError::PrivateAddress);
            }
            let lookup = tokio::net::lookup_host((name.as_str(), port));
            match tokio::time::timeout(Duration::from_secs(5), lookup).await {
                Ok(Ok(found)) => found.collect(),
                _ => return Err(GuardError::Unresolvable),
            }
        }
    };
    if addrs.is_empty() {
        return Err(GuardError::Unresolvable);
    }
    // Every address must be public: the mail client may connect to any of them.
    if !allow_private && addrs.iter().any(|a| !is_public_ip(a.ip())) {
        tracing::warn!(
            host = raw_host,
            "SSRF guard: SMTP host refused (internal address)"
        );
        return Err(GuardError::PrivateAddress);
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "fd00:ec2::254",
            "fe80::1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
        ] {
            assert!(!is_public_ip(ip(s)), "{s}");
        }
        for s in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public_ip(ip(s)), "{s}");
        }
    }

    #[test]
    fn numeric_disguises_and_urls_are_invalid_hosts() {
        for s in [
            "0x7f000001",
            "2130706433",
            "0177.0.0.1",
            "127.1",
            "",
            "smtp://mail.example.com",
            "mail example.com",
            "mail.example.com:25",
            "-x.example.com",
        ] {
            assert_eq!(parse_host(s), Err(GuardError::InvalidHost), "{s:?}");
        }
        assert_eq!(parse_host("[::1]"), Ok(Host::Ip(ip("::1"))));
        assert_eq!(
            parse_host("Mail.Example.com."),
            Ok(Host::Name("mail.example.com".into()))
        );
    }

    #[tokio::test]
    async fn private_hosts_pass_only_when_the_operator_allows_them() {
        for h in [
            "127.0.0.1",
            "10.0.0.1",
            "169.254.169.254",
            "::ffff:127.0.0.1",
            "[::1]",
            "localhost",
        ] {
            assert_eq!(
                vet_smtp_host(h, 587, false).await,
                Err(GuardError::PrivateAddress),
                "{h}"
            );
            assert!(vet_smtp_host(h, 1025, true).await.is_ok(), "{h}");
        }
        assert_eq!(
            vet_smtp_host("93.184.216.34", 8080, false).await,
            Err(GuardError::Port)
        );
        assert!(vet_smtp_host("93.184.216.34", 587, false).await.is_ok());
    }
}
