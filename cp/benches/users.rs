//! `cargo bench -p cp --bench users`: many virtual machines in one control program.
//!
//! 1. **Idle users.** 1,000 users AUTOLOGged (the number: `VM390_BENCH_USERS`), each IPLing
//!    MINICMS, which then waits in its console read. Reported: the time to start them all,
//!    the resident memory per additional user (VmRSS of this process, from /proc, before
//!    and after), and the host CPU the process uses while they are idle (utime + stime over
//!    `IDLE` seconds).
//! 2. **CPU-bound users.** 10 users each running the same loop of `AR`/`BCT` (guest
//!    instructions counted by the loop count), on all the host's cores: the total guest
//!    MIPS of the 10 against one user alone, and each user's MIPS against the mean.
//!
//! Figures are for a quiet machine (see the guide: a figure taken at load average above 1.5
//! is not a figure; the load average is printed with them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use cp::directory::parse_directory_text;
use cp::system::{PipeTerminal, System};

/// A field of /proc/self/status in KiB.
fn status_kib(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of this process, in clock ticks (1/100 s on Linux).
fn cpu_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (in parentheses): utime is field 14, stime 15.
    let rest = text.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ut: u64 = f.get(11).and_then(|s| s.parse().ok()).unwrap_or(0);
    let st: u64 = f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    ut + st
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

fn system_of(text: &str) -> Arc<System> {
    let dir = parse_directory_text(text, "bench.direct", std::path::Path::new("."), false)
        .expect("directory");
    System::new(dir).expect("system")
}

fn idle_users(n: usize) {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "USER U{i:04} PW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n"
        ));
    }
    let system = system_of(&text);
    let rss0 = status_kib("VmRSS:");
    let start = Instant::now();
    for i in 0..n {
        system.autolog(&format!("U{i:04}")).expect("autolog");
    }
    // Every machine has come up and waits for its console.
    while !system.users().iter().all(|b| b.idle()) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = start.elapsed();
    let rss1 = status_kib("VmRSS:");
    const IDLE: u64 = 5;
    let t0 = cpu_ticks();
    std::thread::sleep(Duration::from_secs(IDLE));
    let idle_ticks = cpu_ticks() - t0;
    println!(
        "idle users: {n} MINICMS users AUTOLOGged (load average {})",
        loadavg()
    );
    println!(
        "  start all: {:.2} s ({:.2} ms per user)",
        started.as_secs_f64(),
        started.as_secs_f64() * 1000.0 / n as f64
    );
    println!(
        "  VmRSS: {rss0} KiB before, {rss1} KiB with them: {:.1} KiB per user",
        (rss1.saturating_sub(rss0)) as f64 / n as f64
    );
    println!(
        "  host CPU while idle: {idle_ticks} ticks in {IDLE} s ({:.2} % of one core)",
        idle_ticks as f64 / (IDLE as f64 * 100.0) * 100.0
    );
    let t = Instant::now();
    system.shutdown();
    println!("  SHUTDOWN of all: {:.2} s", t.elapsed().as_secs_f64());
}

/// Loop count of the CPU-bound guest: 2 instructions per turn.
fn loop_count() -> u32 {
    std::env::var("VM390_BENCH_LOOP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000_000)
}

/// Runs the CPU-bound guest in `n` users at once; each user's MIPS.
fn cpu_bound(n: usize) -> Vec<f64> {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("USER C{i:02} PW 1M 1M G\n CONSOLE 009 3215\n"));
    }
    let system = system_of(&text);
    let count = loop_count();
    let mut users = Vec::new();
    for i in 0..n {
        let term = PipeTerminal::default();
        let back = match system.connect(&format!("C{i:02}"), Box::new(term.clone())) {
            Ok(b) => b,
            Err((e, _)) => panic!("{}", e.message("C")),
        };
        let p = &term.pipe;
        assert!(p.wait_reading(Duration::from_secs(10)));
        // 200: L 3,X'300'; 204: AR 1,2; 206: BCT 3,X'204'; 20A: LPSW X'310' (disabled wait).
        for l in [
            "STORE 200 58300300 1A124630 02048200 03100000".to_string(),
            format!("STORE 300 {count:08X}"),
            "STORE 310 00020000 00000000".to_string(),
            "STORE PSW 00000000 00000200".to_string(),
        ] {
            p.type_line(&l);
            assert!(p.wait_reading(Duration::from_secs(10)));
        }
        users.push((term, back));
    }
    let start = Instant::now();
    for (t, _) in &users {
        t.pipe.type_line("BEGIN");
    }
    let mut mips = Vec::new();
    for (t, _) in &users {
        let from = 0;
        t.pipe
            .wait_for("DMKDSP450W", from, Duration::from_secs(600))
            .expect("the guest ends in a disabled wait");
        let secs = start.elapsed().as_secs_f64();
        mips.push(2.0 * f64::from(count) / secs / 1e6);
    }
    system.shutdown();
    mips
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let n: usize = std::env::var("VM390_BENCH_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    idle_users(n);
    let one = cpu_bound(1)[0];
    let ten = cpu_bound(10);
    let total: f64 = ten.iter().sum();
    let mean = total / ten.len() as f64;
    let min = ten.iter().cloned().fold(f64::MAX, f64::min);
    println!(
        "cpu-bound users ({} cores, load average {}):",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    println!("  one user alone: {one:.0} MIPS");
    println!(
        "  10 users: {total:.0} MIPS in all ({:.2}x one alone); per user mean {mean:.0}, lowest {min:.0} ({:.0} % of the mean)",
        total / one,
        min / mean * 100.0
    );
}
