//! Several synctv processes as one cluster: each on its own loopback
//! address (127.0.0.2, .3, …), sharing one PostgreSQL database of their
//! own and one Redis under a key prefix of their own, both removed after.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::postgres::PgDatabase;
use crate::support::TempDir;

/// What the replicas of one test share.
pub struct Shared {
    pub database: PgDatabase,
    pub redis_url: String,
    pub prefix: String,
}

impl Shared {
    pub fn new(tag: &str, redis_url: &str) -> Shared {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Shared {
            database: PgDatabase::create(tag),
            redis_url: redis_url.to_owned(),
            prefix: format!("synctv-e2e-{tag}-{}-{nanos}:", std::process::id()),
        }
    }
}

impl Drop for Shared {
    /// Deletes this test's keys (and only those) from the shared Redis.
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        let Ok(out) = Command::new("redis-cli")
            .args(["-u", &self.redis_url, "--scan", "--pattern", &pattern])
            .output()
        else {
            return;
        };
        for key in String::from_utf8_lossy(&out.stdout).lines() {
            let _ = Command::new("redis-cli")
                .args(["-u", &self.redis_url, "DEL", key])
                .output();
        }
    }
}

/// One synctv process of the cluster.
pub struct Replica {
    child: Child,
    pub http: SocketAddr,
    pub node: String,
    logs: Arc<Mutex<Vec<String>>>,
    _data: TempDir,
}

impl Replica {
    /// Starts node `node` on `host` (a loopback address), ports picked by
    /// the OS.
    pub fn start(shared: &Shared, host: &str, node: &str) -> Replica {
        Replica::start_with(shared, host, node, &shared.redis_url)
    }

    /// [`Replica::start`] reaching Redis at `redis_url` (a proxy, say).
    pub fn start_with(shared: &Shared, host: &str, node: &str, redis_url: &str) -> Replica {
        let data = TempDir::new(node);
        let mut child = Command::new(env!("CARGO_BIN_EXE_synctv"))
            .args(["serve", "--http-addr", &format!("{host}:0")])
            .args(["--rtmp-addr", &format!("{host}:0")])
            .arg("--data-dir")
            .arg(&data.0)
            .arg("--database-url")
            .arg(shared.database.url())
            .env("SYNCTV_REDIS_URL", redis_url)
            .env("SYNCTV_CLUSTER__NODE_ID", node)
            .env("SYNCTV_CLUSTER__KEY_PREFIX", &shared.prefix)
            .env(
                "SYNCTV_CLUSTER__SECRET",
                "a shared secret of the test cluster",
            )
            .env("SYNCTV_LOG", "info,rooms=debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start synctv");
        let stdout = child.stdout.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("synctv is up") {
                    let _ = tx.send(line.clone());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let up = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("synctv did not start within 30 s");
        Replica {
            child,
            http: addr_after(&up, "http="),
            node: node.to_owned(),
            logs,
            _data: data,
        }
    }

    /// Kills the process at once (no goodbye to the cluster).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
            for line in logs.iter() {
                eprintln!("{}| {line}", self.node);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn addr_after(line: &str, marker: &str) -> SocketAddr {
    let start = line.find(marker).expect(marker) + marker.len();
    let rest = &line[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    rest[..end].parse().expect("listen address")
}
