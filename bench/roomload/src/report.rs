//! The run's JSON line: who joined, what was lost, duplicated or out of
//! order, delivery latency, and what the server used.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::args::{Args, Mode};
use crate::check::{RoomLog, ACKED, REFUSED, SENT};
use crate::member::Report;
use crate::procmon::{usage, Sample, Usage};

/// Times (seconds on the members' clock) that split a run into phases.
#[derive(Debug, Default)]
pub struct Marks {
    pub before_join: f64,
    pub joined: f64,
    pub load_start: f64,
    pub load_end: f64,
    pub end: f64,
}

fn round(x: f64, places: i32) -> Value {
    let f = 10f64.powi(places);
    json!((x * f).round() / f)
}

/// The q-quantile (0..=1) of sorted values.
fn quantile(sorted: &[u32], q: f64) -> Option<u32> {
    let last = sorted.len().checked_sub(1)?;
    Some(sorted[((last as f64) * q).round() as usize])
}

fn latency_fields(out: &mut Map<String, Value>, prefix: &str, mut us: Vec<u32>) {
    us.sort_unstable();
    let ms = |q: f64| quantile(&us, q).map_or(Value::Null, |v| round(f64::from(v) / 1000.0, 2));
    out.insert(format!("{prefix}_p50_ms"), ms(0.5));
    out.insert(format!("{prefix}_p90_ms"), ms(0.9));
    out.insert(format!("{prefix}_p99_ms"), ms(0.99));
    out.insert(format!("{prefix}_max_ms"), ms(1.0));
    out.insert(format!("{prefix}_samples"), json!(us.len()));
}

fn count<K: Into<String>>(map: &mut BTreeMap<String, u64>, key: K, n: u64) {
    *map.entry(key.into()).or_default() += n;
}

/// Sent, acknowledged and refused messages over all rooms.
fn message_fields(out: &mut Map<String, Value>, reports: &[(Arc<RoomLog>, Report)]) {
    let mut logs: Vec<&Arc<RoomLog>> = reports.iter().map(|(l, _)| l).collect();
    logs.sort_by_key(|l| Arc::as_ptr(l));
    logs.dedup_by_key(|l| Arc::as_ptr(l));
    let mut states = [0u64; 4];
    for log in &logs {
        for k in 0..log.len() {
            states[usize::from(log.state(k))] += 1;
        }
    }
    out.insert("messages_sent".into(), json!(states[1] + states[2] + states[3]));
    out.insert("messages_acked".into(), json!(states[usize::from(ACKED)]));
    out.insert("messages_refused".into(), json!(states[usize::from(REFUSED)]));
    out.insert("messages_unanswered".into(), json!(states[usize::from(SENT)]));
}

/// Whether chat `k` reached member `index` across replicas: chat k is sent
/// by member k mod `members`, member i is on server i mod `servers`.
fn crosses(args: &Args, k: usize, index: usize) -> bool {
    let n = args.servers.len().max(1);
    (k % args.members.max(1)) % n != index % n
}

/// With several servers: deliveries whose sender is on another replica
/// than the receiver, against those expected, and their latency.
fn cross_fields(out: &mut Map<String, Value>, args: &Args, reports: &[(Arc<RoomLog>, Report)]) {
    if args.servers.len() < 2 {
        return;
    }
    let (mut expected, mut latencies) = (0u64, Vec::new());
    for (log, r) in reports.iter().filter(|(_, r)| r.joined) {
        let acked = (0..log.len()).filter(|&k| log.state(k) == ACKED);
        expected += acked.filter(|&k| crosses(args, k, r.index)).count() as u64;
        let across = r.tally.latencies_us.iter().filter(|(k, _)| crosses(args, *k as usize, r.index));
        latencies.extend(across.map(|&(_, us)| us));
    }
    out.insert("expected_deliveries_cross".into(), json!(expected));
    out.insert("deliveries_cross".into(), json!(latencies.len()));
    latency_fields(out, "latency_cross", latencies);
}

/// Deliveries checked by every member, and their latency.
fn delivery_fields(out: &mut Map<String, Value>, reports: &[(Arc<RoomLog>, Report)]) {
    let mut sums = BTreeMap::new();
    let mut latencies = Vec::new();
    // Per message (room log, k): the slowest member's latency.
    let mut slowest: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    for (log, r) in reports.iter().filter(|(_, r)| r.joined) {
        let t = &r.tally;
        let acked = (0..log.len()).filter(|&k| log.state(k) == ACKED).count() as u64;
        count(&mut sums, "expected_deliveries", acked);
        count(&mut sums, "deliveries", t.chats);
        count(&mut sums, "lost", t.lost(log));
        count(&mut sums, "duplicated", t.duplicated);
        count(&mut sums, "reordered", t.reordered);
        count(&mut sums, "seq_gaps", t.seq_gaps);
        count(&mut sums, "seq_backwards", t.seq_backwards);
        count(&mut sums, "counter_inversions", t.counter_inversions);
        count(&mut sums, "seq_mismatches", t.seq_mismatches);
        for &(k, us) in &t.latencies_us {
            latencies.push(us);
            let slot = slowest.entry((Arc::as_ptr(log) as usize, k)).or_default();
            *slot = (*slot).max(us);
        }
    }
    for (k, v) in sums {
        out.insert(k, json!(v));
    }
    latency_fields(out, "latency", latencies);
    latency_fields(out, "all_members", slowest.into_values().collect());
}

/// Joins, failures, closes by the server, error replies.
fn member_fields(out: &mut Map<String, Value>, reports: &[(Arc<RoomLog>, Report)]) {
    let mut failures = BTreeMap::new();
    let mut examples = Vec::new();
    let mut closes = BTreeMap::new();
    let mut errors = BTreeMap::new();
    let mut join_us = Vec::new();
    for (_, r) in reports {
        if r.joined {
            join_us.push(r.join_us.min(u64::from(u32::MAX)) as u32);
        }
        if let Some(f) = &r.failure {
            count(&mut failures, f.split(':').next().unwrap_or(f), 1);
            if examples.len() < 3 {
                examples.push(f.clone());
            }
        }
        if let Some(reason) = &r.closed_by_server {
            count(&mut closes, reason.as_str(), 1);
        }
        for (code, n) in &r.errors {
            count(&mut errors, code.as_str(), *n);
        }
    }
    out.insert("joined".into(), json!(join_us.len()));
    latency_fields(out, "join", join_us);
    out.insert("failures".into(), json!(failures));
    out.insert("failure_examples".into(), json!(examples));
    out.insert("closed_by_server".into(), json!(closes));
    out.insert("error_replies".into(), json!(errors));
}

fn usage_fields(out: &mut Map<String, Value>, prefix: &str, u: &Usage) {
    out.insert(format!("{prefix}server_cpu_pct"), round(u.server_cpu_avg, 1));
    out.insert(format!("{prefix}server_cpu_max_pct"), round(u.server_cpu_max, 1));
    out.insert(format!("{prefix}client_cpu_pct"), round(u.client_cpu_avg, 1));
    out.insert(format!("{prefix}other_cpu_pct"), round(u.other_cpu_avg, 1));
    let cores: Vec<Value> = u.core_busy.iter().map(|c| round(*c, 1)).collect();
    out.insert(format!("{prefix}core_busy_pct"), json!(cores));
}

pub fn line(
    args: &Args,
    reports: &[(Arc<RoomLog>, Report)],
    samples: &[Sample],
    marks: &Marks,
    rss_before_kb: u64,
    rss_after_kb: u64,
) -> String {
    let mut out = Map::new();
    out.insert("mode".into(), json!(args.mode.name()));
    out.insert("rooms".into(), json!(args.rooms));
    out.insert("members_per_room".into(), json!(args.members));
    out.insert("members".into(), json!(args.rooms * args.members));
    out.insert("servers".into(), json!(args.servers.len()));
    out.insert("join_rate".into(), json!(args.join_rate));
    out.insert("join_secs".into(), round(marks.joined - marks.before_join, 1));
    out.insert("load_secs".into(), round(marks.load_end - marks.load_start, 1));
    member_fields(&mut out, reports);
    if args.mode != Mode::Idle {
        message_fields(&mut out, reports);
        delivery_fields(&mut out, reports);
        cross_fields(&mut out, args, reports);
    }
    let joined = reports.iter().filter(|(_, r)| r.joined).count().max(1);
    out.insert("server_rss_mb_before".into(), round(rss_before_kb as f64 / 1024.0, 1));
    out.insert("server_rss_mb_after".into(), round(rss_after_kb as f64 / 1024.0, 1));
    let per_member = (rss_after_kb as f64 - rss_before_kb as f64) / joined as f64;
    out.insert("server_rss_kb_per_member".into(), round(per_member, 1));
    let all = usage(samples, marks.before_join, marks.end);
    out.insert("server_rss_mb_max".into(), round(all.server_rss_kb_max as f64 / 1024.0, 1));
    out.insert("server_alive_at_end".into(), json!(all.server_alive));
    usage_fields(&mut out, "join_", &usage(samples, marks.before_join, marks.joined));
    // Fanout: the sending window plus the settle after it (deliveries).
    let load_to = if args.mode == Mode::Idle { marks.load_end } else { marks.end };
    usage_fields(&mut out, "", &usage(samples, marks.load_start, load_to));
    for (k, v) in &args.tags {
        out.insert(k.clone(), json!(v));
    }
    Value::Object(out).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &str) -> Args {
        Args::parse(words.split_whitespace().map(str::to_owned))
            .unwrap_or_else(|e| panic!("parse: {e}"))
    }

    #[test]
    fn a_chat_crosses_when_sender_and_receiver_are_on_different_servers() {
        let a = args("--mode rooms --members 5 --servers h:1,h:2,h:3");
        // Chat 4 (and chat 9) is sent by member 4, on server 4 mod 3 = 1.
        assert!(!crosses(&a, 4, 1));
        assert!(!crosses(&a, 9, 4));
        assert!(crosses(&a, 4, 0));
        assert!(crosses(&a, 4, 2));
        // Chat 5 is sent by member 0, on server 0.
        assert!(!crosses(&a, 5, 3));
    }

    #[test]
    fn nothing_crosses_on_one_server() {
        let a = args("--mode rooms --members 5 --addr h:1");
        assert!((0..10).all(|k| (0..5).all(|m| !crosses(&a, k, m))));
    }
}
