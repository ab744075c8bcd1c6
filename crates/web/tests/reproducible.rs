//! The embedded files are what the committed source builds to, and the
//! source passes its own checks: `npm run build` into a temporary directory
//! must give `crates/web/dist` byte for byte; the Vitest unit tests, the
//! strict type check and the linter must pass; the first-paint JavaScript
//! must stay within its gzip budget. Needs Node.js (scripts/test.sh
//! installs it and the packages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn dist_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist")
}

/// Runs `program args` in web/; fails with its output when it fails.
fn npm_step(program: &str, args: &[&str], env: &[(&str, &Path)]) {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(web_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("{program} is required for the web checks (scripts/test.sh installs Node.js): {e}")
    });
    assert!(
        output.status.success(),
        "`{program} {}` failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn committed_build_matches_the_source_and_the_source_passes_its_checks() {
    if !web_dir().join("node_modules/.package-lock.json").exists() {
        npm_step("npm", &["ci", "--no-audit", "--no-fund"], &[]);
    }
    let out = std::env::temp_dir().join(format!("synctv-web-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    npm_step(
        "npx",
        &["vite", "build", "--logLevel", "warn"],
        &[("SYNCTV_WEB_OUT", &out)],
    );
    let built = tree(&out);
    let committed = tree(&dist_dir());
    let _ = std::fs::remove_dir_all(&out);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&built),
        names(&committed),
        "crates/web/dist is stale: run `npm run build` in web/ and commit the result"
    );
    for (name, bytes) in &built {
        assert!(
            committed.get(name) == Some(bytes),
            "crates/web/dist/{name} differs from what web/ builds to: run `npm run build` in web/ and commit"
        );
    }
    npm_step("npx", &["vitest", "run"], &[]);
    npm_step("npx", &["tsc", "--noEmit"], &[]);
    npm_step("npx", &["eslint", "."], &[]);
    npm_step("node", &["scripts/size.mjs", "../crates/web/dist"], &[]);
}
