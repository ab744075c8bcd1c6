//! Command line: `--key value` pairs, no external parser.

use std::fmt;

pub const USAGE: &str = "\
loadgen: hold N viewers of one live stream and print one JSON line.

  loadgen --proto flv|rtmp|hls --url URL --viewers N --duration SECS [options]
  loadgen --probe --proto P --url URL [--duration SECS] [--calibrate SECS --publish-epoch-ms MS]

Load options:
  --ramp SECS              spread the N joins evenly over SECS (default N/200, max 10)
  --threads N              tokio worker threads; 1 = current-thread runtime (default 1)
  --bufsize BYTES          per-viewer read buffer (default 16384)
  --rcvlowat BYTES         SO_RCVLOWAT once a FLV/RTMP stream plays (default 0 = eager)
  --rcvbuf BYTES           SO_RCVBUF before connect (default 0 = kernel autotuning)
  --publish-epoch-ms MS    wall clock (Unix ms) of media time 0; enables e2e latency
  --hls-pts-offset-ms MS   PTS the server adds in its TS segments (default 0)
  --hls-start-back N       start N segments behind the live edge (default 3)
  --stall-timeout SECS     a viewer without bytes for SECS is an error (default 10)
  --connect-timeout SECS   TCP connect + session setup limit (default 10)
  --lag-ms MS              a viewer whose media time trails wall time by more is lagging (default 2000)
  --server-pid PID         sample this process tree's CPU and RSS at 1 Hz
  --publisher-pid PID      sample this process's CPU at 1 Hz
  --tag KEY=VALUE          copy into the JSON line (repeatable)
  --quiet                  no progress lines on stderr

Probe mode (--probe): one viewer; exits 0 once a complete video keyframe (HLS: a
segment) arrived within --duration (default 30). With --calibrate SECS it keeps
playing SECS more and reports bias_ms = min(arrival - publish epoch - timestamp).
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Flv,
    Rtmp,
    Hls,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Flv => "flv",
            Proto::Rtmp => "rtmp",
            Proto::Hls => "hls",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Args {
    pub proto: Proto,
    pub url: String,
    pub viewers: usize,
    pub duration: f64,
    pub ramp: Option<f64>,
    pub threads: usize,
    pub bufsize: usize,
    pub rcvlowat: usize,
    pub rcvbuf: usize,
    pub publish_epoch_ms: Option<f64>,
    pub hls_pts_offset_ms: f64,
    pub hls_start_back: usize,
    pub stall_timeout: f64,
    pub connect_timeout: f64,
    pub lag_ms: f64,
    pub server_pid: Option<u32>,
    pub publisher_pid: Option<u32>,
    pub probe: bool,
    pub calibrate: f64,
    pub tags: Vec<(String, String)>,
    pub quiet: bool,
}

#[derive(Debug)]
pub struct ArgError(String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Args {
    pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, ArgError> {
        let mut proto = None;
        let mut url = None;
        let mut a = Args {
            proto: Proto::Flv,
            url: String::new(),
            viewers: 1,
            duration: 30.0,
            ramp: None,
            threads: 1,
            bufsize: 16 * 1024,
            rcvlowat: 0,
            rcvbuf: 0,
            publish_epoch_ms: None,
            hls_pts_offset_ms: 0.0,
            hls_start_back: 3,
            stall_timeout: 10.0,
            connect_timeout: 10.0,
            lag_ms: 2000.0,
            server_pid: None,
            publisher_pid: None,
            probe: false,
            calibrate: 0.0,
            tags: Vec::new(),
            quiet: false,
        };
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "--probe" => a.probe = true,
                "--quiet" => a.quiet = true,
                "-h" | "--help" => return Err(ArgError(String::new())),
                _ => {
                    let value = it
                        .next()
                        .ok_or_else(|| ArgError(format!("{flag} needs a value")))?;
                    match flag.as_str() {
                        "--proto" => proto = Some(parse_proto(&value)?),
                        "--url" => url = Some(value),
                        "--viewers" => a.viewers = num(&flag, &value)?,
                        "--duration" => a.duration = num(&flag, &value)?,
                        "--ramp" => a.ramp = Some(num(&flag, &value)?),
                        "--threads" => a.threads = num(&flag, &value)?,
                        "--bufsize" => a.bufsize = num(&flag, &value)?,
                        "--rcvlowat" => a.rcvlowat = num(&flag, &value)?,
                        "--rcvbuf" => a.rcvbuf = num(&flag, &value)?,
                        "--publish-epoch-ms" => a.publish_epoch_ms = Some(num(&flag, &value)?),
                        "--hls-pts-offset-ms" => a.hls_pts_offset_ms = num(&flag, &value)?,
                        "--hls-start-back" => a.hls_start_back = num(&flag, &value)?,
                        "--stall-timeout" => a.stall_timeout = num(&flag, &value)?,
                        "--connect-timeout" => a.connect_timeout = num(&flag, &value)?,
                        "--lag-ms" => a.lag_ms = num(&flag, &value)?,
                        "--server-pid" => a.server_pid = Some(num(&flag, &value)?),
                        "--publisher-pid" => a.publisher_pid = Some(num(&flag, &value)?),
                        "--calibrate" => a.calibrate = num(&flag, &value)?,
                        "--tag" => a.tags.push(parse_tag(&value)?),
                        _ => return Err(ArgError(format!("unknown option {flag}"))),
                    }
                }
            }
        }
        a.proto = proto.ok_or_else(|| ArgError("--proto is required".into()))?;
        a.url = url.ok_or_else(|| ArgError("--url is required".into()))?;
        a.validate()?;
        Ok(a)
    }

    /// Ramp in seconds: given, or N/200 capped at 10 s.
    pub fn ramp_secs(&self) -> f64 {
        self.ramp
            .unwrap_or_else(|| (self.viewers as f64 / 200.0).min(10.0))
    }

    fn validate(&mut self) -> Result<(), ArgError> {
        if self.viewers == 0 || self.viewers > 50_000 {
            return Err(ArgError("--viewers must be 1..=50000".into()));
        }
        if !(self.duration > 0.0 && self.duration <= 3600.0) {
            return Err(ArgError("--duration must be in (0, 3600]".into()));
        }
        if self.threads == 0 || self.threads > 64 {
            return Err(ArgError("--threads must be 1..=64".into()));
        }
        if self.bufsize < 1024 {
            return Err(ArgError("--bufsize must be at least 1024".into()));
        }
        // A read buffer smaller than the low-water mark would wake the
        // client once per mark but read only part of it.
        self.bufsize = self.bufsize.max(self.rcvlowat * 2);
        Ok(())
    }
}

fn parse_proto(s: &str) -> Result<Proto, ArgError> {
    match s {
        "flv" => Ok(Proto::Flv),
        "rtmp" => Ok(Proto::Rtmp),
        "hls" => Ok(Proto::Hls),
        _ => Err(ArgError(format!("unknown protocol {s} (flv|rtmp|hls)"))),
    }
}

fn parse_tag(s: &str) -> Result<(String, String), ArgError> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(ArgError(format!("--tag wants KEY=VALUE, got {s}"))),
    }
}

fn num<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, ArgError> {
    value
        .parse()
        .map_err(|_| ArgError(format!("{flag}: not a number: {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, ArgError> {
        Args::parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn low_water_mark_raises_the_read_buffer() {
        let a = parse("--proto flv --url http://127.0.0.1:1/x.flv --rcvlowat 16384").unwrap();
        assert_eq!(a.bufsize, 32768);
        assert_eq!(a.ramp_secs(), 0.005);
    }

    #[test]
    fn missing_protocol_is_refused() {
        assert!(parse("--url rtmp://127.0.0.1/live/x").is_err());
    }
}
