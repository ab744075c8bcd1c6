//! Several synctv processes as one cluster: each on its own loopback
//! address (127.0.0.2, .3, .4 …, ports the OS picks), sharing a fresh
//! PostgreSQL database and a fresh Redis key prefix on the machine's
//! Redis, both removed when the [`Cluster`] drops.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::postgres::PgDatabase;
use super::{addr_after, Server, TempDir, KEY, STREAM};

pub const REDIS_URL: &str = "redis://127.0.0.1:6379/";
pub const SECRET: &str = "e2e-cluster-secret-0123456789";

/// The shared state of one test's replicas.
pub struct Cluster {
    pub prefix: String,
    database: PgDatabase,
}

impl Cluster {
    pub fn new(tag: &str) -> Cluster {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Cluster {
            prefix: format!("synctv-e2e-{tag}-{}-{nanos}:", std::process::id()),
            database: PgDatabase::create(tag),
        }
    }

    /// Starts replica `node` listening on `ip` (e.g. "127.0.0.2"), with
    /// any extra `SYNCTV_…` variables; waits until it is up.
    pub fn start(&self, node: &str, ip: &str, env: &[(&str, &str)]) -> Server {
        let data = TempDir::new(node);
        let keys = format!(r#"[{{stream = "{STREAM}", key = "{KEY}"}}]"#);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_synctv"));
        cmd.args(["serve", "--http-addr", &format!("{ip}:0")])
            .args(["--rtmp-addr", &format!("{ip}:0")])
            .arg("--data-dir")
            .arg(&data.0)
            .args(["--database-url", &self.database.url()])
            .env("SYNCTV_REDIS_URL", REDIS_URL)
            .env("SYNCTV_CLUSTER__NODE_ID", node)
            .env("SYNCTV_CLUSTER__SECRET", SECRET)
            .env("SYNCTV_CLUSTER__KEY_PREFIX", &self.prefix)
            .env("SYNCTV_LIVE__KEYS", keys)
            .env("SYNCTV_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start synctv");
        let stdout = child.stdout.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        let tag = node.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("synctv is up") {
                    let _ = tx.send(line.clone());
                }
                sink.lock().unwrap().push(format!("[{tag}] {line}"));
            }
        });
        let up = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("replica {node} did not start within 30 s"));
        Server {
            child,
            http: addr_after(&up, "http="),
            rtmp: addr_after(&up, "rtmp="),
            logs,
            _data: data,
            _database: None,
        }
    }
}

impl Cluster {
    /// The node record `node:{id}` as other replicas read it (`Null` if absent).
    pub fn node_record(&self, id: &str) -> serde_json::Value {
        let key = format!("{}node:{id}", self.prefix);
        let out = Command::new("redis-cli")
            .args(["-u", REDIS_URL, "--raw", "GET", &key])
            .output()
            .expect("redis-cli");
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }
}

impl Cluster {
    /// One value of a SQL query on this cluster's database (`psql -At`).
    pub fn sql(&self, query: &str) -> String {
        let out = Command::new("psql")
            .args([&self.database.url(), "-At", "-c", query])
            .output()
            .expect("psql");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Cluster {
    /// Deletes every Redis key of this test's prefix (the database drops
    /// after this, with its field).
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        let Ok(out) = Command::new("redis-cli")
            .args(["-u", REDIS_URL, "--scan", "--pattern", &pattern])
            .output()
        else {
            return;
        };
        let keys: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .filter(|k| !k.is_empty())
            .collect();
        for chunk in keys.chunks(100) {
            let _ = Command::new("redis-cli")
                .args(["-u", REDIS_URL, "DEL"])
                .args(chunk)
                .output();
        }
    }
}

/// Kills a replica as a crash would (SIGKILL: no goodbye, no release).
pub fn kill9(server: &mut Server) {
    Command::new("kill")
        .args(["-KILL", &server.child.id().to_string()])
        .status()
        .unwrap();
    let _ = server.child.wait();
}

impl Server {
    /// How many log lines contain every one of `parts`.
    pub fn log_count(&self, parts: &[&str]) -> usize {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .count()
    }
}
