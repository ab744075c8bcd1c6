//! The web app in a real Chromium against a real synctv: two browsers in
//! one room stay on the same frame, chat crosses over, and the room's live
//! stream pushed with ffmpeg plays over HTTP-FLV. The browser side is
//! `web/e2e/room.mjs` (playwright-core driving Debian's chromium); it
//! prints the sync figures it measured and exits non-zero on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::Server;

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// `npm ci` when the packages are not installed yet (scripts/test.sh does it first).
fn ensure_packages() {
    let web = web_dir();
    if web.join("node_modules/playwright-core").is_dir() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&web)
        .status()
        .expect("npm is required for the web tests (scripts/test.sh installs Node.js)");
    assert!(status.success(), "npm ci failed in web/");
}

#[test]
fn two_browsers_follow_one_room_and_watch_its_live_stream() {
    let chromium = std::env::var("SYNCTV_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium is required at {chromium} (scripts/test.sh installs Debian's chromium)"
    );
    ensure_packages();
    let server = Server::start(&[]);
    let base = format!("http://{}", server.http);
    let output = support::run(
        Command::new("node")
            .arg("e2e/room.mjs")
            .arg(&base)
            .current_dir(web_dir()),
        Duration::from_secs(300),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "the browser test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("web e2e: passed"), "{stdout}");
}
