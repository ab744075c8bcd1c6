//! A database of its own on the real PostgreSQL at 127.0.0.1:5432, for a
//! synctv process started with `--database-url`; dropped with the value.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where a test server keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in the data dir (the default).
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

pub struct PgDatabase(String);

impl PgDatabase {
    pub fn create(tag: &str) -> PgDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("synctv_e2e_{tag}_{}_{n}", std::process::id());
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase(name)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.0)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
    }
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .output()
        .expect("psql must be installed (scripts/test.sh installs PostgreSQL)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
