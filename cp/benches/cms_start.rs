//! `cargo bench -p cp --bench cms_start`: how long `vm390` takes from process start to CMS's
//! first `Ready;` (the IPL of the saved system, CMS initialisation, the IPL read answered
//! with `ACCESS (NOPROF`), and how much memory one logged-on CMS user takes (VmRSS and
//! VmHWM of the vm390 process from /proc, read at `Ready;`). Uses `../shared/cms370`
//! read-only; without it the bench says so and does nothing.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A field of /proc/PID/status in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One session: (time to the first `Ready;`, VmRSS KiB, VmHWM KiB) at that moment.
fn one(direct: &Path, first_line: &str) -> (Duration, u64, u64) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--directory")
        .arg(direct)
        .arg("--logon")
        .arg("CMSUSER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vm390");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(first_line.as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("vm390 ended before Ready;");
        }
        if line.starts_with("Ready") {
            break;
        }
    }
    let t = start.elapsed();
    // CMS now waits in its console read: the process holds one logged-on user.
    let rss = status_kib(child.id(), "VmRSS:").unwrap_or(0);
    let hwm = status_kib(child.id(), "VmHWM:").unwrap_or(0);
    stdin.write_all(b"LOGOFF\n").unwrap();
    drop(stdin);
    let _ = child.wait();
    (t, rss, hwm)
}

fn report(name: &str, direct: &Path, first_line: &str, runs: usize) {
    let _ = one(direct, first_line); // warm the page cache
    let mut times = Vec::new();
    let mut rss = Vec::new();
    let mut hwm = Vec::new();
    for _ in 0..runs {
        let (t, r, h) = one(direct, first_line);
        times.push(t);
        rss.push(r);
        hwm.push(h);
    }
    times.sort();
    rss.sort();
    hwm.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: start to first Ready; median {:.1} ms (min {:.1}, max {:.1}, {runs} runs); \
         per logged-on CMS user: VmRSS {} KiB, VmHWM {} KiB (medians)",
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1]),
        rss[runs / 2],
        hwm[runs / 2]
    );
}

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
    let direct = shared.join("vm390.direct");
    if !direct.is_file() {
        println!(
            "cms_start: {} is missing; nothing measured",
            direct.display()
        );
        return;
    }
    let runs = std::env::var("CMS_START_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20usize)
        .max(1);
    report("IPL CMS, ACCESS (NOPROF", &direct, "ACCESS (NOPROF", runs);
    report("IPL CMS, PROFILE EXEC", &direct, "", runs);
}
