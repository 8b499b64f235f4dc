//! The configuration read from lists of variables.

use super::*;

fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn trusted_proxies_parse_and_resolve_the_client_from_the_right() {
    let c = Config::from_vars(vars(&[(
        "FLICKET_TRUSTED_PROXIES",
        " 10.0.0.0/8, 192.168.1.7 ,fd00::/8",
    )]))
    .unwrap();
    assert_eq!(c.trusted_proxies.len(), 3);
    assert!(Config::from_vars(vars(&[("FLICKET_TRUSTED_PROXIES", "10.0.0.0/33")])).is_err());
    assert!(Config::from_vars(vars(&[("FLICKET_TRUSTED_PROXIES", "ingress")])).is_err());
    assert!(
        Config::from_vars(vars(&[]))
            .unwrap()
            .trusted_proxies
            .is_empty()
    );

    let t = &c.trusted_proxies;
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    let client =
        |peer: &str, xff: &[&str]| client_address(ip(peer), xff.iter().copied(), t).to_string();
    // An untrusted peer is the client, whatever it claims.
    assert_eq!(client("203.0.113.1", &["198.51.100.1"]), "203.0.113.1");
    // Through a trusted proxy: the right-most address that is not a trusted proxy.
    assert_eq!(client("10.1.2.3", &["198.51.100.1"]), "198.51.100.1");
    assert_eq!(
        client("10.1.2.3", &["1.1.1.1, 198.51.100.1, 10.9.9.9"]),
        "198.51.100.1"
    );
    assert_eq!(
        client("10.1.2.3", &["1.1.1.1", "198.51.100.1, 192.168.1.7"]),
        "198.51.100.1"
    );
    // Only proxies all the way: the left-most; no header at all: the proxy itself.
    assert_eq!(client("10.1.2.3", &["10.0.0.5"]), "10.0.0.5");
    assert_eq!(client("10.1.2.3", &[]), "10.1.2.3");
    // A malformed entry stops at the last good address.
    assert_eq!(client("10.1.2.3", &["198.51.100.1, garbage"]), "10.1.2.3");
    assert_eq!(client("10.1.2.3", &["garbage, 10.0.0.9"]), "10.0.0.9");
    assert_eq!(client("10.1.2.3", &[""]), "10.1.2.3");
    // An entry with a port is its address; a port without brackets on IPv6 is malformed.
    assert_eq!(client("10.1.2.3", &["198.51.100.1:51234"]), "198.51.100.1");
    assert_eq!(
        client("10.1.2.3", &["[2001:db8::1]:443, 10.0.0.9:80"]),
        "2001:db8::1"
    );
    assert_eq!(client("10.1.2.3", &["198.51.100.1:99999"]), "10.1.2.3");
    assert_eq!(client("10.1.2.3", &["[2001:db8::1"]), "10.1.2.3");
    // IPv4 seen through an IPv6 socket is the IPv4 address.
    assert_eq!(client("::ffff:10.1.2.3", &["2001:db8::1"]), "2001:db8::1");
    assert_eq!(client("::ffff:203.0.113.1", &[]), "203.0.113.1");
}

#[test]
fn defaults_work_for_a_local_run() {
    let c = Config::from_vars(vars(&[("PATH", "/bin")])).unwrap();
    assert_eq!(c.listen.port(), 8080);
    assert_eq!(c.mailer_listen.port(), 8081);
    assert_eq!(c.log_format, LogFormat::Auto);
    assert!(
        !c.smtp_allow_private,
        "the SSRF guard is on unless the operator turns it off"
    );
    let dev = Config::from_vars(vars(&[("FLICKET_SMTP_ALLOW_PRIVATE", "true")])).unwrap();
    assert!(dev.smtp_allow_private);
    assert!(Config::from_vars(vars(&[("FLICKET_SMTP_ALLOW_PRIVATE", "yes please")])).is_err());
}

#[test]
fn unknown_flicket_variables_are_rejected() {
    let err = Config::from_vars(vars(&[("FLICKET_LISTNE", "x")]))
        .err()
        .unwrap();
    assert!(err.to_string().contains("FLICKET_LISTNE"));
    // `_FILE` only exists for secrets.
    assert!(Config::from_vars(vars(&[("FLICKET_LISTEN_FILE", "/x")])).is_err());
}

#[test]
fn secrets_come_from_files_and_debug_hides_them() {
    let dir = std::env::temp_dir().join(format!("flicket-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db");
    std::fs::write(&path, "postgres://app:hunter2hunter2@db/flicket\n").unwrap();
    let key = "k".repeat(40);
    let c = Config::from_vars(vars(&[
        ("FLICKET_DATABASE_URL_FILE", path.to_str().unwrap()),
        ("FLICKET_SECRET_KEY", &key),
        ("FLICKET_ADMIN_PASSWORD", "correct horse battery"),
    ]))
    .unwrap();
    assert_eq!(
        c.database_url.expose_secret(),
        "postgres://app:hunter2hunter2@db/flicket"
    );
    let shown = format!("{c:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains(&key));
    assert!(!shown.contains("correct horse"));
}

#[test]
fn bad_values_name_the_variable() {
    let err = Config::from_vars(vars(&[("FLICKET_LISTEN", "nope")]))
        .err()
        .unwrap();
    assert!(err.to_string().starts_with("FLICKET_LISTEN"));
    assert!(Config::from_vars(vars(&[("FLICKET_SECRET_KEY", "short")])).is_err());
    assert!(Config::from_vars(vars(&[("FLICKET_BASE_URL", "ftp://x")])).is_err());
    assert!(Config::from_vars(vars(&[("FLICKET_BASE_URL", "https://help.example.com")])).is_err());
}
