//! Real peers for end-to-end tests: the synctv binary, ffmpeg and ffprobe,
//! on 127.0.0.1 with ports the OS picks. Every child is bounded in time and
//! killed when its handle drops.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod api;
pub mod flv_check;
pub mod moto;
pub mod postgres;
pub mod replica;
pub mod watch;

pub use postgres::Backend;

pub const KEY: &str = "test-key-1";
pub const STREAM: &str = "show";

/// A synctv process.
pub struct Server {
    child: Child,
    pub http: SocketAddr,
    pub rtmp: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
    _data: TempDir,
    /// Dropped after the process is killed (fields drop after `drop`).
    _database: Option<postgres::PgDatabase>,
}

impl Server {
    /// Starts synctv with the test key and any extra `SYNCTV_…` variables.
    pub fn start(env: &[(&str, &str)]) -> Server {
        Server::start_on(Backend::Sqlite, env)
    }

    /// [`Server::start`] on the given storage backend.
    pub fn start_on(backend: Backend, env: &[(&str, &str)]) -> Server {
        let data = TempDir::new("server");
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres::PgDatabase::create("server")),
        };
        let keys = format!(r#"[{{stream = "{STREAM}", key = "{KEY}"}}]"#);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_synctv"));
        cmd.args([
            "serve",
            "--http-addr",
            "127.0.0.1:0",
            "--rtmp-addr",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(&data.0)
        .env("SYNCTV_LIVE__KEYS", keys)
        .env("SYNCTV_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(database) = &database {
            cmd.arg("--database-url").arg(database.url());
        }
        let mut child = cmd.spawn().expect("start synctv");
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
            .recv_timeout(Duration::from_secs(20))
            .expect("synctv did not start within 20 s");
        Server {
            child,
            http: addr_after(&up, "http="),
            rtmp: addr_after(&up, "rtmp="),
            logs,
            _data: data,
            _database: database,
        }
    }

    pub fn publish_url(&self, key: &str) -> String {
        format!("rtmp://{}/live/{key}", self.rtmp)
    }

    pub fn rtmp_play_url(&self, stream: &str) -> String {
        format!("rtmp://{}/live/{stream}", self.rtmp)
    }

    pub fn flv_url(&self, stream: &str) -> String {
        format!("http://{}/flv/{stream}.flv", self.http)
    }

    pub fn hls_url(&self, stream: &str) -> String {
        format!("http://{}/hls/{stream}/index.m3u8", self.http)
    }

    /// Whether a log line containing every one of `parts` appeared within `wait`.
    pub fn wait_for_log(&self, parts: &[&str], wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self
                .logs
                .lock()
                .unwrap()
                .iter()
                .any(|l| parts.iter().all(|p| l.contains(p)))
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Whether any log line so far contains `part`.
    pub fn log_contains(&self, part: &str) -> bool {
        self.logs.lock().unwrap().iter().any(|l| l.contains(part))
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self._data.0
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "synctv ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    /// Stops the server; when a test failed, its log goes to stderr so the
    /// failure can be read against what the server did.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
            for line in logs.iter() {
                eprintln!("synctv| {line}");
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

/// A child process killed when dropped.
pub struct Peer(pub Child);

impl Peer {
    pub fn is_running(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }

    /// Waits up to `wait` for exit; `None` if still running.
    pub fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// ffmpeg publishing `seconds` of H.264 320x240@25 (1 s GOP) + AAC from
/// lavfi sources, in real time; `output_args` go just before the output.
pub fn publish(url: &str, seconds: u32, output_args: &[&str]) -> Peer {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-re"]);
    cmd.args([
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=44100",
        "-t",
        &seconds.to_string(),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
    ]);
    cmd.args(output_args).args(["-f", "flv", url]);
    Peer(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ffmpeg"),
    )
}

/// Runs a command to completion, killing it after `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let done = Arc::new(Mutex::new(false));
    let flag = done.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if *flag.lock().unwrap() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    });
    let output = child.wait_with_output().expect("wait");
    *done.lock().unwrap() = true;
    output
}

/// What ffprobe says about the streams at `url`.
#[derive(Debug, Default)]
pub struct Probe {
    pub streams: Vec<ProbeStream>,
}

#[derive(Debug, Default, Clone)]
pub struct ProbeStream {
    pub codec_type: String,
    pub codec_name: String,
    pub width: u32,
    pub height: u32,
}

impl Probe {
    pub fn video(&self) -> Option<&ProbeStream> {
        self.streams.iter().find(|s| s.codec_type == "video")
    }

    pub fn audio(&self) -> Option<&ProbeStream> {
        self.streams.iter().find(|s| s.codec_type == "audio")
    }
}

pub fn probe(url: &str) -> Probe {
    let out = run(
        Command::new("ffprobe").args([
            "-v",
            "error",
            "-rw_timeout",
            "15000000",
            "-show_entries",
            "stream=codec_type,codec_name,width,height",
            "-of",
            "flat",
            url,
        ]),
        Duration::from_secs(30),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut probe = Probe::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let mut parts = key.split('.');
        let (Some("streams"), Some("stream"), Some(index), Some(field)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let index: usize = index.parse().unwrap();
        if probe.streams.len() <= index {
            probe.streams.resize(index + 1, ProbeStream::default());
        }
        let value = value.trim_matches('"').to_owned();
        let s = &mut probe.streams[index];
        match field {
            "codec_type" => s.codec_type = value,
            "codec_name" => s.codec_name = value,
            "width" => s.width = value.parse().unwrap_or(0),
            "height" => s.height = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    probe
}

/// Frames ffmpeg decodes from `url` in `seconds` of media, per stream, and
/// its error lines.
#[derive(Debug)]
pub struct Decoded {
    pub video_frames: usize,
    pub audio_frames: usize,
    /// Presentation times of the video frames, in milliseconds.
    pub video_pts_ms: Vec<i64>,
    pub errors: String,
}

pub fn decode(url: &str, seconds: u32) -> Decoded {
    let out = run(
        Command::new("ffmpeg").args([
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-rw_timeout",
            "15000000",
            "-t",
            &seconds.to_string(),
            "-i",
            url,
            "-map",
            "0:v:0",
            "-map",
            "0:a:0",
            "-copyts",
            "-f",
            "framecrc",
            "-",
        ]),
        Duration::from_secs(u64::from(seconds) + 40),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut decoded = Decoded {
        video_frames: 0,
        audio_frames: 0,
        video_pts_ms: Vec::new(),
        errors: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let mut video_tb = (1i64, 1000i64);
    for line in text.lines() {
        if let Some(tb) = line.strip_prefix("#tb 0: ") {
            if let Some((num, den)) = tb.trim().split_once('/') {
                video_tb = (num.parse().unwrap_or(1), den.parse().unwrap_or(1000));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        match fields.first() {
            Some(&"0") => {
                decoded.video_frames += 1;
                if let Some(pts) = fields.get(2).and_then(|p| p.parse::<i64>().ok()) {
                    decoded
                        .video_pts_ms
                        .push(pts * 1000 * video_tb.0 / video_tb.1.max(1));
                }
            }
            Some(&"1") => decoded.audio_frames += 1,
            _ => {}
        }
    }
    decoded
}

/// A directory removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("synctv-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
