//! A run: make the rooms, join the members at a steady pace, play the
//! mode's script, stop everyone, and hand the reports to [`crate::report`].

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::args::{Args, Mode};
use crate::check::{now_us, RoomLog};
use crate::http;
use crate::member::{Member, Progress, Report};
use crate::procmon::{self, Monitor};
use crate::report::{self, Marks};

/// Everyone who joined, and how to reach them.
struct Crowd {
    logs: Vec<Arc<RoomLog>>,
    /// Per room, per member: where its send orders go.
    orders: Vec<Vec<mpsc::Sender<usize>>>,
    /// (room, member task).
    tasks: Vec<(usize, JoinHandle<Report>)>,
    progress: Arc<Progress>,
    stop: watch::Sender<bool>,
}

fn secs() -> f64 {
    now_us() as f64 / 1e6
}

fn say(args: &Args, what: &str) {
    if !args.quiet {
        eprintln!("[roomload {:8.1}s] {what}", secs());
    }
}

pub async fn run(args: Args) -> Result<String, String> {
    now_us();
    let monitor = Monitor::start(args.server_pids.clone());
    let owner = format!("bench{}", std::process::id());
    let token = http::register(args.api_addr(), &owner).await?;
    let mut ids = Vec::with_capacity(args.rooms);
    for r in 0..args.rooms {
        ids.push(http::create_room(args.api_addr(), &token, &format!("bench room {r}")).await?);
    }
    say(&args, &format!("{} rooms created", ids.len()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut marks = Marks {
        before_join: secs(),
        ..Marks::default()
    };
    let rss_before = procmon::sample(&args.server_pids).server_rss_kb;
    let crowd = join(&args, &ids).await;
    marks.joined = secs();
    say(&args, &format!("{} joined", crowd.progress.joined.load(Ordering::Relaxed)));
    settle(&args).await;
    marks.load_start = secs();
    match args.mode {
        Mode::Fanout => fanout(&args, &crowd).await,
        Mode::Rooms => rooms(&args, &crowd).await,
        Mode::Idle => tokio::time::sleep(Duration::from_secs_f64(args.duration)).await,
    }
    marks.load_end = secs();
    if args.mode != Mode::Idle {
        settle(&args).await;
    }
    marks.end = secs();
    let rss_after = procmon::sample(&args.server_pids).server_rss_kb;
    say(&args, "stopping");
    let reports = finish(crowd).await;
    let samples = monitor.stop();
    Ok(report::line(&args, &reports, &samples, &marks, rss_before, rss_after))
}

async fn settle(args: &Args) {
    tokio::time::sleep(Duration::from_secs_f64(args.settle)).await;
}

/// Starts every member, `--join-rate` per second, round robin over the
/// rooms; waits (bounded) until each has joined or given up.
async fn join(args: &Args, ids: &[String]) -> Crowd {
    let total = args.rooms * args.members;
    let ramp = total as f64 / args.join_rate;
    // Every member stops by itself well after the run's planned end.
    let planned = ramp + args.duration + args.messages as f64 * args.interval_ms as f64 / 1000.0;
    let deadline = Instant::now() + Duration::from_secs_f64(planned + 4.0 * args.settle + 90.0);
    let (stop, stop_rx) = watch::channel(false);
    let mut crowd = Crowd {
        logs: (0..args.rooms)
            .map(|_| Arc::new(RoomLog::new(args.messages_per_room())))
            .collect(),
        orders: vec![Vec::with_capacity(args.members); args.rooms],
        tasks: Vec::with_capacity(total),
        progress: Arc::new(Progress::default()),
        stop,
    };
    let start = Instant::now();
    for i in 0..total {
        let (r, m) = (i % args.rooms, i / args.rooms);
        tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / args.join_rate)).await;
        let (tx, rx) = mpsc::channel(16);
        crowd.orders[r].push(tx);
        let member = Member {
            url: format!("ws://{}/api/v1/rooms/{}/ws?name=g{r}-{m}", args.server_of(m), ids[r]),
            log: crowd.logs[r].clone(),
            orders: rx,
            stop: stop_rx.clone(),
            deadline,
            heartbeat: Duration::from_secs_f64(args.heartbeat_secs),
            progress: crowd.progress.clone(),
            index: m,
        };
        crowd.tasks.push((r, tokio::spawn(member.run())));
        if (i + 1) % 1000 == 0 {
            say(args, &format!("{} started", i + 1));
        }
    }
    let limit = Instant::now() + Duration::from_secs(30);
    while Instant::now() < limit {
        let p = &crowd.progress;
        let joined = p.joined.load(Ordering::Relaxed);
        if joined + p.ended.load(Ordering::Relaxed) >= total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crowd
}

/// `--messages` rounds `--interval-ms` apart; in each, every room gets
/// message k from its member k mod M.
async fn fanout(args: &Args, crowd: &Crowd) {
    let start = Instant::now();
    for k in 0..args.messages {
        tokio::time::sleep_until(start + Duration::from_millis(k as u64 * args.interval_ms)).await;
        for orders in &crowd.orders {
            let _ = orders[k % orders.len()].try_send(k);
        }
    }
    say(args, &format!("{} messages sent per room", args.messages));
}

/// Each room gets `--rate` messages per second for `--duration` s, from
/// member k mod M; the rooms' schedules are spread over each period.
async fn rooms(args: &Args, crowd: &Crowd) {
    let per_room = (args.rate * args.duration).floor() as usize;
    let rooms = crowd.orders.len();
    let start = Instant::now();
    for k in 0..per_room {
        for (r, orders) in crowd.orders.iter().enumerate() {
            let at = (k as f64 + r as f64 / rooms as f64) / args.rate;
            tokio::time::sleep_until(start + Duration::from_secs_f64(at)).await;
            let _ = orders[k % orders.len()].try_send(k);
        }
        if (k + 1) % (args.rate as usize * 10).max(1) == 0 {
            say(args, &format!("{} messages sent per room", k + 1));
        }
    }
}

/// Tells every member to stop and collects their reports (bounded).
async fn finish(crowd: Crowd) -> Vec<(Arc<RoomLog>, Report)> {
    let _ = crowd.stop.send(true);
    drop(crowd.orders);
    let mut out = Vec::with_capacity(crowd.tasks.len());
    let limit = Instant::now() + Duration::from_secs(15);
    for (r, task) in crowd.tasks {
        let report = match tokio::time::timeout_at(limit, task).await {
            Ok(Ok(report)) => report,
            _ => Report {
                failure: Some("task: did not end".into()),
                ..Report::default()
            },
        };
        out.push((crowd.logs[r].clone(), report));
    }
    out
}
