//! Command line: `--key value` pairs, no external parser.

use std::fmt;

pub const USAGE: &str = "\
roomload: many WebSocket members of synctv rooms in one process; prints one JSON line.

  roomload --mode fanout|rooms|idle --rooms R --members M [options]

Modes:
  fanout   M members in each of R rooms (R = 1 for one big room); once all have
           joined, --messages chat messages are sent --interval-ms apart, each
           by another member; every member times each message's delivery.
  rooms    R rooms of M members; --rate chat messages per second per room
           (sender k of a room is member k mod M) for --duration s; every
           member checks it got every message of its room once and in order.
  idle     R rooms of M members join, send only heartbeats, and stay
           --duration s; the server's RSS before and after gives KB per member.

Options:
  --addr HOST:PORT         synctv's HTTP address (default 127.0.0.1:8080)
  --servers A,B,...        several replicas' HTTP addresses (HOST:PORT, comma
                           separated): member m of every room joins server
                           m mod count; rooms are made on the first
  --join-rate N            joins per second (default 200)
  --messages N             fanout: messages (default 50)
  --interval-ms MS         fanout: spacing of messages (default 200)
  --rate N                 rooms: messages per second per room (default 10)
  --duration SECS          rooms: sending time; idle: hold time (default 60 / 10)
  --settle SECS            pause after the joins and after the last message (default 3)
  --heartbeat-secs SECS    each member's heartbeat interval (default 30)
  --server-pid PID         sample this process's CPU and RSS (4 Hz); repeat it
                           for several replicas: their CPU and RSS are summed
  --tag KEY=VALUE          copy into the JSON line (repeatable)
  --quiet                  no progress lines on stderr
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Fanout,
    Rooms,
    Idle,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Fanout => "fanout",
            Mode::Rooms => "rooms",
            Mode::Idle => "idle",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Args {
    pub mode: Mode,
    /// HTTP addresses of the replicas; rooms are made on the first.
    pub servers: Vec<String>,
    pub rooms: usize,
    pub members: usize,
    pub join_rate: f64,
    pub messages: usize,
    pub interval_ms: u64,
    pub rate: f64,
    pub duration: f64,
    pub settle: f64,
    pub heartbeat_secs: f64,
    pub server_pids: Vec<u32>,
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

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ArgError> {
    value
        .parse()
        .map_err(|_| ArgError(format!("{key}: not a number: {value}")))
}

impl Args {
    pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, ArgError> {
        let mut a = Args {
            mode: Mode::Fanout,
            servers: vec!["127.0.0.1:8080".into()],
            rooms: 1,
            members: 0,
            join_rate: 200.0,
            messages: 50,
            interval_ms: 200,
            rate: 10.0,
            duration: f64::NAN,
            settle: 3.0,
            heartbeat_secs: 30.0,
            server_pids: Vec::new(),
            tags: Vec::new(),
            quiet: false,
        };
        let mut mode = None;
        while let Some(key) = it.next() {
            if key == "--quiet" {
                a.quiet = true;
                continue;
            }
            if key == "--help" || key == "-h" {
                return Err(ArgError(String::new()));
            }
            let value = it
                .next()
                .ok_or_else(|| ArgError(format!("{key} needs a value")))?;
            match key.as_str() {
                "--mode" => mode = Some(value),
                "--addr" => a.servers = vec![value],
                "--servers" => a.servers = value.split(',').map(|s| s.trim().to_owned()).collect(),
                "--rooms" => a.rooms = number(&key, &value)?,
                "--members" => a.members = number(&key, &value)?,
                "--join-rate" => a.join_rate = number(&key, &value)?,
                "--messages" => a.messages = number(&key, &value)?,
                "--interval-ms" => a.interval_ms = number(&key, &value)?,
                "--rate" => a.rate = number(&key, &value)?,
                "--duration" => a.duration = number(&key, &value)?,
                "--settle" => a.settle = number(&key, &value)?,
                "--heartbeat-secs" => a.heartbeat_secs = number(&key, &value)?,
                "--server-pid" => a.server_pids.push(number(&key, &value)?),
                "--tag" => {
                    let (k, v) = value
                        .split_once('=')
                        .ok_or_else(|| ArgError(format!("--tag wants KEY=VALUE: {value}")))?;
                    a.tags.push((k.to_owned(), v.to_owned()));
                }
                _ => return Err(ArgError(format!("unknown option {key}"))),
            }
        }
        a.mode = match mode.as_deref() {
            Some("fanout") => Mode::Fanout,
            Some("rooms") => Mode::Rooms,
            Some("idle") => Mode::Idle,
            _ => return Err(ArgError("--mode must be fanout, rooms or idle".into())),
        };
        if a.duration.is_nan() {
            a.duration = if a.mode == Mode::Rooms { 60.0 } else { 10.0 };
        }
        a.check()?;
        Ok(a)
    }

    fn check(&self) -> Result<(), ArgError> {
        let bad = |m: &str| Err(ArgError(m.to_owned()));
        if self.rooms == 0 || self.members == 0 || self.rooms * self.members > 20_000 {
            return bad("--rooms and --members must be ≥ 1, at most 20000 members in all");
        }
        if !(self.join_rate > 0.0 && self.join_rate <= 10_000.0) {
            return bad("--join-rate must be in (0, 10000]");
        }
        if !(self.rate > 0.0 && self.rate <= 1000.0) || self.messages > 100_000 {
            return bad("--rate must be in (0, 1000], --messages at most 100000");
        }
        if !(0.0..=3600.0).contains(&self.duration) || !(0.0..=60.0).contains(&self.settle) {
            return bad("--duration must be 0..3600, --settle 0..60");
        }
        if self.servers.is_empty() || self.servers.iter().any(|s| !s.contains(':')) {
            return bad("--servers wants HOST:PORT[,HOST:PORT…]");
        }
        if self.heartbeat_secs.is_nan() || self.heartbeat_secs < 1.0 {
            return bad("--heartbeat-secs must be ≥ 1");
        }
        Ok(())
    }

    /// Where the rooms are made and members register: the first server.
    pub fn api_addr(&self) -> &str {
        self.servers.first().map_or("127.0.0.1:8080", String::as_str)
    }

    /// The server member `m` of a room joins: round robin over `--servers`.
    pub fn server_of(&self, m: usize) -> &str {
        self.servers
            .get(m % self.servers.len().max(1))
            .map_or(self.api_addr(), String::as_str)
    }

    /// Chat messages each room may carry, at most.
    pub fn messages_per_room(&self) -> usize {
        match self.mode {
            Mode::Fanout => self.messages,
            Mode::Rooms => (self.rate * self.duration).ceil() as usize + 1,
            Mode::Idle => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &str) -> Result<Args, ArgError> {
        Args::parse(words.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn servers_take_members_round_robin_and_the_first_makes_rooms() {
        let servers = "127.0.0.2:80,127.0.0.3:81,127.0.0.4:82";
        let a = parse(&format!("--mode rooms --rooms 2 --members 5 --servers {servers}"))
            .unwrap_or_else(|e| panic!("parse: {e}"));
        let picked: Vec<&str> = (0..5).map(|m| a.server_of(m)).collect();
        assert_eq!(
            picked,
            ["127.0.0.2:80", "127.0.0.3:81", "127.0.0.4:82", "127.0.0.2:80", "127.0.0.3:81"]
        );
        assert_eq!(a.api_addr(), "127.0.0.2:80");
    }

    #[test]
    fn addr_alone_puts_every_member_on_one_server() {
        let a = parse("--mode fanout --members 3 --addr 127.0.0.5:9")
            .unwrap_or_else(|e| panic!("parse: {e}"));
        assert!((0..3).all(|m| a.server_of(m) == "127.0.0.5:9"));
    }

    #[test]
    fn a_server_without_port_is_refused() {
        assert!(parse("--mode fanout --members 3 --servers 127.0.0.2:80,localhost").is_err());
    }

    #[test]
    fn repeated_server_pids_are_all_sampled() {
        let a = parse("--mode idle --members 1 --server-pid 10 --server-pid 11")
            .unwrap_or_else(|e| panic!("parse: {e}"));
        assert_eq!(a.server_pids, [10, 11]);
    }
}
