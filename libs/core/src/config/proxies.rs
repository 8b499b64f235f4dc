//! Which address a request came from, behind the trusted reverse proxies (`FLICKET_TRUSTED_PROXIES`).

use super::{ConfigError, invalid};

/// `10.0.0.0/8, 192.168.1.7` → networks (a bare address is a network of one).
pub(super) fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<ipnet::IpNet>()
                .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        "FLICKET_TRUSTED_PROXIES",
                        "must be addresses or networks (such as 10.0.0.0/8), separated by commas",
                    )
                })
        })
        .collect()
}

/// The address of the client of a request that came from `peer`: `peer` itself, unless it is one of the trusted
/// proxies; then `X-Forwarded-For` (`forwarded_for`, every value of the header in order) read from the right, each
/// trusted proxy skipped, and the first address that is not one is the client. A malformed entry stops the walk at
/// the last address known good (the proxy that added it), so a forged header can never choose an arbitrary address
/// past a proxy that does not append to it properly. An entry with a port (`203.0.113.7:51234`, `[2001:db8::1]:443`,
/// as some load balancers write them) is its address.
pub fn client_address<'a>(
    peer: std::net::IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    for value in forwarded_for.rev() {
        for entry in value.rsplit(',') {
            let entry = entry.trim();
            let parsed = entry.parse::<std::net::IpAddr>().or_else(|e| {
                entry
                    .parse::<std::net::SocketAddr>()
                    .map(|a| a.ip())
                    .map_err(|_| e)
            });
            match parsed {
                Ok(ip) => {
                    client = ip.to_canonical();
                    if !is_trusted(&client) {
                        return client;
                    }
                }
                Err(_) => return client,
            }
        }
    }
    client
}
