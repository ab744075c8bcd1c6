//! The web app's features in a real Chromium against a real synctv, one
//! test per scenario of `web/e2e/features.mjs`, each with a server of its
//! own so they run side by side: the admin page, room moderation and
//! settings, danmaku, entering as a guest or with a password, the stream
//! key and the HLS fallback (ffmpeg), and everyday use (language, phone
//! width, keyboard).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::Server;

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// Runs one scenario against a fresh server and fails with its output.
fn scenario(name: &str) {
    let chromium = std::env::var("SYNCTV_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is required at {chromium} (scripts/test.sh installs Debian's chromium)"
    );
    assert!(
        web_dir().join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in web/ first (scripts/test.sh does)"
    );
    let server = Server::start(&[]);
    let base = format!("http://{}", server.http);
    let output = support::run(
        Command::new("node")
            .arg("e2e/features.mjs")
            .arg(&base)
            .arg(name)
            .current_dir(web_dir()),
        Duration::from_secs(300),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "the browser scenario {name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains(&format!("web e2e {name}: passed")),
        "{stdout}"
    );
}

#[test]
fn site_admin_bans_and_unbans_a_user_and_deletes_a_room() {
    scenario("admin");
}

#[test]
fn room_admins_moderate_members_and_change_settings() {
    scenario("moderation");
}

#[test]
fn danmaku_keeps_its_colour_and_mode_and_waits_for_its_media_position() {
    scenario("danmaku");
}

#[test]
fn guests_enter_only_where_allowed_and_passwords_are_asked_for() {
    scenario("entry");
}

#[test]
fn a_new_stream_key_refuses_the_old_one_and_hls_stands_in_for_flv() {
    scenario("live");
}

#[test]
fn language_phone_width_and_keyboard_work() {
    scenario("everyday");
}
