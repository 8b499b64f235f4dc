//! `make run` on a machine where nothing runs: `scripts/local-services.sh` (sourced by `scripts/run.sh`) starts a
//! private PostgreSQL, Redis and NATS on the URLs' ports when nothing answers there, stops them on SIGTERM/Ctrl-C,
//! names the binary that is missing, and leaves services that already answer alone. Driven on free ports with its
//! own data directory, so the shared services of the machine are never touched.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use flicket_core::testing::free_port;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/local-services.sh")
}

fn answers(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

struct Ports {
    pg: u16,
    redis: u16,
    nats: u16,
}

/// A data directory the `postgres` account can use when the tests run as root.
fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flicket-run-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn spawn(ports: &Ports, data: &std::path::Path, extra: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new("bash");
    cmd.arg(script())
        .env(
            "FLICKET_DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{}/flicket", ports.pg),
        )
        .env(
            "FLICKET_REDIS_URL",
            format!("redis://127.0.0.1:{}/0", ports.redis),
        )
        .env(
            "FLICKET_NATS_URL",
            format!("nats://127.0.0.1:{}", ports.nats),
        )
        .env("LOCAL_SERVICES_DATA", data.join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// The script's output lines, read by a thread until it ends (so the script never writes into a closed pipe).
fn output(child: &mut Child) -> Receiver<String> {
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Drains to the end even when nobody listens any more.
        for line in out.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Lines of output until the script says it is ready (or ends).
fn read_until_ready(out: &Receiver<String>) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(line) = out.recv_timeout(Duration::from_secs(120)) {
        let ready = line.starts_with("local services ready");
        lines.push(line);
        if ready {
            break;
        }
    }
    lines
}

/// The running script; a test that fails half-way still stops it (and so the servers it started).
struct Script(Child);

impl Drop for Script {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let _ = self.0.wait();
        }
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap()
}

async fn wait_closed(port: u16) -> bool {
    for _ in 0..100 {
        if !answers(port) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn missing_services_are_started_under_data_and_stopped_on_sigterm() {
    let ports = Ports {
        pg: free_port(),
        redis: free_port(),
        nats: free_port(),
    };
    let data = data_dir();
    for run in ["first run (initdb)", "second run (same data)"] {
        let mut child = Script(spawn(&ports, &data, &[]));
        let out = output(&mut child.0);
        let lines = read_until_ready(&out);
        assert_eq!(
            lines.last().map(String::as_str),
            Some("local services ready (Ctrl-C stops what was started here)"),
            "{run}: {lines:#?}"
        );
        for what in ["PostgreSQL", "Redis", "NATS"] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&format!("{what} is not answering"))),
                "{run}: {what} started: {lines:#?}"
            );
        }
        assert_eq!(
            lines.iter().any(|l| l.contains("first run")),
            run.starts_with("first"),
            "{run}: initdb only once: {lines:#?}"
        );

        // Each one answers for real: PostgreSQL with trust authentication, Redis, NATS.
        let url = format!("postgres://postgres@127.0.0.1:{}/postgres", ports.pg);
        let pg = sqlx::PgPool::connect(&url).await.unwrap();
        let one: i32 = sqlx::query_scalar("select 1").fetch_one(&pg).await.unwrap();
        assert_eq!(one, 1);
        pg.close().await;
        let redis = redis::Client::open(format!("redis://127.0.0.1:{}/0", ports.redis)).unwrap();
        let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
        assert_eq!(pong, "PONG");
        drop(conn);
        let nats = async_nats::connect(format!("nats://127.0.0.1:{}", ports.nats))
            .await
            .unwrap();
        nats.flush().await.unwrap();
        drop(nats);

        let status = terminate(&mut child.0);
        assert!(status.success(), "{run}: {status:?}");
        let rest: Vec<String> = out.iter().collect();
        assert_eq!(
            rest,
            [
                "stopping the private NATS",
                "stopping the private Redis",
                "stopping the private PostgreSQL"
            ],
            "{run}"
        );
        for port in [ports.pg, ports.redis, ports.nats] {
            assert!(wait_closed(port).await, "{run}: port {port} still answers");
        }
    }
    assert!(data.join("data/postgres/PG_VERSION").exists());
    assert!(data.join("data/redis").is_dir() && data.join("data/nats").is_dir());
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn a_missing_binary_is_named_and_nothing_is_left_running() {
    let ports = Ports {
        pg: free_port(),
        redis: free_port(),
        nats: free_port(),
    };
    let data = data_dir();
    let mut child = Script(spawn(
        &ports,
        &data,
        &[("NATS_SERVER", "/nowhere/nats-server")],
    ));
    let out = output(&mut child.0);
    let lines = read_until_ready(&out);
    let status = child.0.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success(), "{lines:#?}");
    assert!(
        err.contains("NATS on 127.0.0.1:")
            && err.contains(
                "the binary 'nats-server' is not installed (looked for /nowhere/nats-server"
            ),
        "{err}"
    );
    // PostgreSQL and Redis were started before NATS was found missing: they were stopped again.
    assert!(
        lines.iter().any(|l| l == "stopping the private PostgreSQL"),
        "{lines:#?}"
    );
    for port in [ports.pg, ports.redis, ports.nats] {
        assert!(wait_closed(port).await, "port {port} still answers");
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn services_that_answer_are_used_as_they_are() {
    // The machine's PostgreSQL, Redis and NATS (the ones the test suite uses) answer on the default URLs.
    let data = data_dir();
    let mut child = Script(
        Command::new("bash")
            .arg(script())
            .env_remove("FLICKET_DATABASE_URL")
            .env_remove("FLICKET_REDIS_URL")
            .env_remove("FLICKET_NATS_URL")
            .env("LOCAL_SERVICES_DATA", data.join("data"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let out = output(&mut child.0);
    let lines = read_until_ready(&out);
    assert_eq!(
        lines,
        ["local services ready (Ctrl-C stops what was started here)"]
    );
    assert!(terminate(&mut child.0).success());
    assert_eq!(out.iter().count(), 0, "nothing to stop");
    assert!(!data.join("data").exists(), "nothing was created");
    for port in [5432, 6379, 4222] {
        assert!(answers(port), "the machine's service on {port} still runs");
    }
    let _ = std::fs::remove_dir_all(&data);
}
