//! Test support (feature `test-support`): a private PostgreSQL and a private NATS on their own free ports, started
//! from the installed binaries, that a fault test may stop and start again without touching the machine's servers.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::testing::free_port;

fn other(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// The directory of `initdb`, `pg_ctl` and `postgres`: the newest `/usr/lib/postgresql/*/bin` (Debian), else the
/// directory of `pg_ctl` on `PATH`.
fn postgres_bindir() -> std::io::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("pg_ctl").exists() && d.join("initdb").exists())
        .ok_or_else(|| other("PostgreSQL's initdb/pg_ctl are not installed".into()))
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// PostgreSQL refuses to run as root: then it runs as the `postgres` account, which owns its files.
fn as_postgres(program: &Path) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str) -> std::io::Result<()> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(other(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// A PostgreSQL cluster of its own (trust authentication) in a temporary directory, on a free port.
pub struct PrivatePostgres {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    root: PathBuf,
    bindir: PathBuf,
}

impl PrivatePostgres {
    /// `initdb`, then starts it and waits until it accepts connections.
    pub fn start() -> std::io::Result<Self> {
        let bindir = postgres_bindir()?;
        let root = std::env::temp_dir().join(format!(
            "flicket-private-pg-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(root.join("data"))?;
        if running_as_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["-R", "postgres:"]).arg(&root);
                    c
                },
                "chown",
            )?;
        }
        let pg = Self {
            port: free_port(),
            root,
            bindir,
        };
        let mut initdb = as_postgres(&pg.bindir.join("initdb"));
        initdb.arg("-D").arg(pg.data()).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb")?;
        pg.start_again()?;
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The URL of database `db` on it.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts it (again) on the same port and data, and waits until it accepts connections.
    pub fn start_again(&self) -> std::io::Result<()> {
        let mut cmd = as_postgres(&self.bindir.join("pg_ctl"));
        cmd.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.root.join("log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
                self.port,
                self.root.display()
            ))
            .arg("start");
        run(cmd, "pg_ctl start")
    }

    /// Stops it the way a restart does (`pg_ctl stop -m fast`: open sessions are ended, transactions roll back).
    pub fn stop(&self) -> std::io::Result<()> {
        let mut cmd = as_postgres(&self.bindir.join("pg_ctl"));
        cmd.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]);
        run(cmd, "pg_ctl stop")
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let mut cmd = as_postgres(&self.bindir.join("pg_ctl"));
        cmd.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = cmd.status();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A `nats-server` of its own on a free port, which can be stopped and started again on the same port.
pub struct PrivateNats {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    child: Option<Child>,
}

impl PrivateNats {
    /// Starts it and waits until it accepts connections.
    pub fn start() -> std::io::Result<Self> {
        let mut nats = Self {
            port: free_port(),
            child: None,
        };
        nats.start_again()?;
        Ok(nats)
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on the same port.
    pub fn start_again(&mut self) -> std::io::Result<()> {
        let binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("nats-server");
        let child = Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(other(format!("nats-server did not start on {}", self.port)))
    }

    /// Stops it (SIGKILL: the clients see the connection drop, as when the server or its machine goes away).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.stop();
    }
}
