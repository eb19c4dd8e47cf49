//! Differential test against Hercules 3.13: seeded random ESA/390 and System/370 programs
//! (`conformance::gen`) run under Hercules (`shared/tools/hercules/run.sh`) and under
//! `vm390 run`; the final PSW, the GPRs and storage `000`-`FFF` (which holds the stored FPRs,
//! the program-check log and the data area) must agree, except for the locations
//! `conformance::hercules::masked` names. vm390 runs each program twice: with the interpreter
//! alone (`--jit off`) and with every entry point compiled (`--jit eager`).
//!
//! A mismatching program is reduced (items dropped while the mismatch stays) and reported with
//! its seed, source and both results; sources go to `target/hercules-diff/`. Known Hercules
//! bugs are excused by `conformance/hercules-allowlist.txt` (a mnemonic per line, with the
//! Principles of Operation reference), matched against the reduced program.
//!
//! Knobs (environment): `VM390_HERCULES_DIFF_SEED` (base seed), `VM390_HERCULES_DIFF_ESA` and
//! `VM390_HERCULES_DIFF_S370` (program counts), `VM390_HERCULES_DIFF_JOBS` (parallel runs),
//! `VM390_HERCULES_DIFF_REDUCE` (how many failing programs to reduce),
//! `VM390_HERCULES_DIFF_EXCLUDE` (comma-separated mnemonics, or `AFP-DATA`, to leave out of
//! the generated programs, for looking past a known mismatch), `VM390_HERCULES_DIFF_VM390`
//! (a `vm390` binary to use instead of building one).
//! Program `i` uses seed `base + i`; reproduce one with `VM390_HERCULES_DIFF_SEED=<seed>
//! VM390_HERCULES_DIFF_ESA=1 VM390_HERCULES_DIFF_S370=0` (or the reverse for S/370).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use conformance::gen::{self, Arch, Program};
use conformance::hercules::{self, Harness, Outcome, Stop};
use conformance::{oracle, oracles_required, shared_dir, workspace_root};

const BASE_SEED: u64 = 0x0390_0000;
const ESA_PROGRAMS: u64 = 2000;
const S370_PROGRAMS: u64 = 400;
/// Programs of the self-modifying family (`hercules_vs_vm390_self_modifying`).
const SELFMOD_ESA_PROGRAMS: u64 = 300;
const SELFMOD_S370_PROGRAMS: u64 = 100;
const MAX_INSTRUCTIONS: u64 = 200_000;
const WATCHDOG_SECS: u32 = 3;
/// Wall-clock limit for one `vm390 run`.
const VM390_TIMEOUT: Duration = Duration::from_secs(20);
/// Failing programs reduced and reported in detail.
const REDUCE_MAX: usize = 60;
/// Failing programs whose full source is printed.
const PRINT_SOURCE_MAX: usize = 3;
/// Failing programs described on stderr (all of them go to `target/hercules-diff/report.txt`).
const PRINT_DETAIL_MAX: usize = 12;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        }
        Err(_) => default,
    }
}

/// Everything a run needs.
struct Setup {
    harness: Harness,
    vm390: Option<PathBuf>,
    work: PathBuf,
}

/// The oracles and a fresh work directory `vm390-hercules-diff-PID-NAME` (the tests of this
/// file run in parallel in one process); `None` (after saying why) when an oracle is missing
/// and oracles are not required.
fn oracles(name: &str) -> Option<(Harness, PathBuf)> {
    for tool in [
        "hercules",
        "s390x-linux-gnu-as",
        "s390x-linux-gnu-ld",
        "s390x-linux-gnu-objcopy",
    ] {
        oracle(tool)?;
    }
    let shared = shared_dir()?;
    let harness = Harness::new(&shared);
    if !harness.run_sh.is_file() {
        if oracles_required() {
            panic!("{} is missing", harness.run_sh.display());
        }
        eprintln!("SKIPPED: {} is missing", harness.run_sh.display());
        return None;
    }
    let work =
        std::env::temp_dir().join(format!("vm390-hercules-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    Some((harness, work))
}

/// Builds `vm390` (release) and returns it, or `None` when it has no `run` command yet.
/// `VM390_HERCULES_DIFF_VM390=<path>` uses that binary instead, without building.
fn vm390() -> Option<PathBuf> {
    let bin = conformance::vm390_release();
    let help = Command::new(&bin)
        .args(["run", "--help"])
        .stdin(Stdio::null())
        .output()
        .expect("running vm390");
    if !help.status.success() {
        panic!(
            "{} has no working `run` command: {}",
            bin.display(),
            String::from_utf8_lossy(&help.stderr).trim()
        );
    }
    Some(bin)
}

fn setup(name: &str, with_vm390: bool) -> Option<Setup> {
    let (harness, work) = oracles(name)?;
    let vm390 = if with_vm390 {
        // a private copy: other builds may replace target/release/vm390 during the run
        let bin = vm390()?;
        let copy = work.join("vm390");
        std::fs::copy(&bin, &copy)
            .unwrap_or_else(|e| panic!("copying {} to {}: {e}", bin.display(), copy.display()));
        Some(copy)
    } else {
        None
    };
    Some(Setup {
        harness,
        vm390,
        work,
    })
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

// ---------------------------------------------------------------------------------------
// vm390 run --json

/// A JSON value (just enough for `vm390 run --json`).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    let b = text.as_bytes();
    let mut i = 0;
    let v = json_value(b, &mut i)?;
    skip_ws(b, &mut i);
    if i != b.len() {
        return Err(format!("trailing characters at {i}"));
    }
    Ok(v)
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

fn json_value(b: &[u8], i: &mut usize) -> Result<Json, String> {
    skip_ws(b, i);
    let c = *b.get(*i).ok_or("unexpected end of JSON")?;
    match c {
        b'{' => {
            *i += 1;
            let mut m = Vec::new();
            skip_ws(b, i);
            if b.get(*i) == Some(&b'}') {
                *i += 1;
                return Ok(Json::Obj(m));
            }
            loop {
                skip_ws(b, i);
                let Json::Str(k) = json_value(b, i)? else {
                    return Err(format!("object key expected at {i}"));
                };
                skip_ws(b, i);
                if b.get(*i) != Some(&b':') {
                    return Err(format!("':' expected at {i}"));
                }
                *i += 1;
                let v = json_value(b, i)?;
                m.push((k, v));
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b'}') => {
                        *i += 1;
                        return Ok(Json::Obj(m));
                    }
                    _ => return Err(format!("',' or '}}' expected at {i}")),
                }
            }
        }
        b'[' => {
            *i += 1;
            let mut a = Vec::new();
            skip_ws(b, i);
            if b.get(*i) == Some(&b']') {
                *i += 1;
                return Ok(Json::Arr(a));
            }
            loop {
                a.push(json_value(b, i)?);
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b']') => {
                        *i += 1;
                        return Ok(Json::Arr(a));
                    }
                    _ => return Err(format!("',' or ']' expected at {i}")),
                }
            }
        }
        b'"' => {
            *i += 1;
            let mut s = String::new();
            loop {
                let c = *b.get(*i).ok_or("unterminated string")?;
                *i += 1;
                match c {
                    b'"' => return Ok(Json::Str(s)),
                    b'\\' => {
                        let e = *b.get(*i).ok_or("unterminated escape")?;
                        *i += 1;
                        match e {
                            b'n' => s.push('\n'),
                            b't' => s.push('\t'),
                            b'r' => s.push('\r'),
                            b'b' => s.push('\u{8}'),
                            b'f' => s.push('\u{c}'),
                            b'u' => {
                                let h = std::str::from_utf8(b.get(*i..*i + 4).ok_or("bad \\u")?)
                                    .map_err(|e| e.to_string())?;
                                let v = u32::from_str_radix(h, 16).map_err(|e| e.to_string())?;
                                s.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                                *i += 4;
                            }
                            other => s.push(other as char),
                        }
                    }
                    _ => {
                        // copy the whole UTF-8 sequence
                        let start = *i - 1;
                        let mut end = *i;
                        while end < b.len() && (b[end] & 0xC0) == 0x80 {
                            end += 1;
                        }
                        s.push_str(std::str::from_utf8(&b[start..end]).map_err(|e| e.to_string())?);
                        *i = end;
                    }
                }
            }
        }
        b't' if b[*i..].starts_with(b"true") => {
            *i += 4;
            Ok(Json::Bool(true))
        }
        b'f' if b[*i..].starts_with(b"false") => {
            *i += 5;
            Ok(Json::Bool(false))
        }
        b'n' if b[*i..].starts_with(b"null") => {
            *i += 4;
            Ok(Json::Null)
        }
        _ => {
            let start = *i;
            while *i < b.len() && matches!(b[*i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                *i += 1;
            }
            let t = std::str::from_utf8(&b[start..*i]).unwrap();
            t.parse()
                .map(Json::Num)
                .map_err(|_| format!("bad JSON value at {start}: {t:?}"))
        }
    }
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|k| u8::from_str_radix(&s[k..k + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Parses `vm390 run --json` output given its exit status.
fn parse_vm390(stdout: &str, code: Option<i32>, window: u32) -> Result<Outcome, String> {
    let j = parse_json(stdout.trim())?;
    let stop_name = j.get("stop").and_then(Json::str).unwrap_or("?").to_string();
    let stop = match code {
        Some(0) => Stop::DisabledWait,
        Some(2) => Stop::ProgramLoop,
        Some(3) => Stop::Limit,
        other => Stop::Other(format!("{stop_name} (exit status {other:?})")),
    };
    let psw = j.get("psw").and_then(Json::str).ok_or("no psw")?;
    let psw = u64::from_str_radix(psw, 16).map_err(|e| format!("psw: {e}"))?;
    let Some(Json::Arr(regs)) = j.get("gpr") else {
        return Err("no gpr array".into());
    };
    if regs.len() != 16 {
        return Err(format!("{} GPRs", regs.len()));
    }
    let mut gpr = [0u32; 16];
    for (g, r) in gpr.iter_mut().zip(regs) {
        *g = u32::from_str_radix(r.str().ok_or("GPR not a string")?, 16)
            .map_err(|e| format!("gpr: {e}"))?;
    }
    let storage = j
        .get("storage")
        .and_then(|s| s.get("00000000"))
        .and_then(Json::str)
        .ok_or("no storage 00000000")?;
    let storage = hex_bytes(storage)?;
    if storage.len() != window as usize {
        return Err(format!("storage dump has {} bytes", storage.len()));
    }
    Ok(Outcome {
        stop,
        psw,
        gpr,
        storage,
    })
}

/// Runs `vm390 run --jit JIT` on `image` (`off`: the interpreter alone; `eager`: every entry
/// point compiled at its first entry).
fn run_vm390(vm390: &Path, image: &Path, arch: Arch, jit: &str) -> Result<Outcome, String> {
    let window = gen::WINDOW_LEN;
    let mut child = Command::new(vm390)
        .arg("run")
        .arg("--jit")
        .arg(jit)
        .arg("--arch")
        .arg(arch.name())
        .arg("--max-instructions")
        .arg(MAX_INSTRUCTIONS.to_string())
        .arg("--dump")
        .arg(format!("0.{window:X}"))
        .arg("--json")
        .arg(image)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", vm390.display()))?;
    let deadline = Instant::now() + VM390_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("vm390 run still running after {VM390_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    parse_vm390(&stdout, status.code(), window).map_err(|e| {
        format!(
            "vm390 run: {e} (exit {:?}); stderr: {}",
            status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

// ---------------------------------------------------------------------------------------
// the runs

/// Result of one program under both.
struct Run {
    herc: Outcome,
    ours: Option<Outcome>,
    diffs: Vec<String>,
}

fn run_source(setup: &Setup, arch: Arch, source: &str, dir: &Path) -> Result<Run, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let image = hercules::build(source, dir, "p")?;
    let herc = setup.harness.run(
        &image,
        arch,
        gen::WINDOW_LEN,
        WATCHDOG_SECS,
        &dir.join("hercules"),
    )?;
    let (ours, diffs) = match &setup.vm390 {
        Some(bin) => {
            // The interpreter alone, then with every entry point compiled (`cpu/jit.rs`): both
            // must agree with Hercules.
            let ours = run_vm390(bin, &image, arch, "off")?;
            let mut diffs = hercules::compare(arch, &herc, &ours);
            if !diffs.is_empty() {
                return Ok(Run {
                    herc,
                    ours: Some(ours),
                    diffs,
                });
            }
            let compiled = run_vm390(bin, &image, arch, "eager")?;
            diffs = hercules::compare(arch, &herc, &compiled)
                .into_iter()
                .map(|d| format!("with regions compiled (--jit eager): {d}"))
                .collect();
            (Some(compiled), diffs)
        }
        None => (None, Vec::new()),
    };
    Ok(Run { herc, ours, diffs })
}

/// Runs `jobs` on `threads` workers; `f(worker_dir, job)`.
fn parallel<J: Sync, R: Send>(
    setup: &Setup,
    jobs: &[J],
    f: impl Fn(&Path, &J) -> R + Sync,
) -> Vec<R> {
    let threads = env_u64("VM390_HERCULES_DIFF_JOBS", 2).max(1) as usize;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for w in 0..threads {
            let dir = setup.work.join(format!("w{w}"));
            let (next, results, f) = (&next, &results, &f);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs.len() {
                    break;
                }
                let r = f(&dir, &jobs[i]);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

/// A mismatching program, reduced.
struct Failure {
    program: Program,
    diffs: Vec<String>,
    herc: Outcome,
    ours: Outcome,
    /// Items kept by the reduction (all when not reduced).
    keep: Vec<bool>,
    reduced: Option<(Vec<String>, Outcome, Outcome)>,
}

/// Reduces a failing program: finds the shortest prefix of items that still mismatches
/// (bisection), tries its last item alone, else drops items (chunks, then single items) from
/// the prefix while the program still mismatches. Mismatches usually come from one
/// instruction, so this mostly takes about eight runs.
fn reduce(setup: &Setup, dir: &Path, f: &mut Failure) {
    let n = f.program.items.len();
    let mut best: Option<(Vec<String>, Outcome, Outcome)> = None;
    let try_keep = |keep: &[bool], best: &mut Option<(Vec<String>, Outcome, Outcome)>| {
        let src = f.program.source_with(keep);
        match run_source(setup, f.program.arch, &src, dir) {
            Ok(run) if !run.diffs.is_empty() => {
                *best = Some((run.diffs, run.herc, run.ours.unwrap()));
                true
            }
            _ => false,
        }
    };
    let prefix = |k: usize| (0..n).map(|i| i < k).collect::<Vec<bool>>();
    // shortest mismatching prefix: prefix(hi) mismatches (the whole program did), prefix(lo)
    // is assumed not to
    let (mut lo, mut hi) = (0, n);
    if try_keep(&prefix(0), &mut best) {
        hi = 0;
    }
    while hi > lo + 1 {
        let mid = (lo + hi) / 2;
        if try_keep(&prefix(mid), &mut best) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let mut keep = prefix(hi);
    if hi > 1 {
        let mut alone = vec![false; n];
        alone[hi - 1] = true;
        if try_keep(&alone, &mut best) {
            keep = alone;
        } else {
            let mut chunk = hi.div_ceil(2).max(1);
            loop {
                let mut start = 0;
                while start < hi {
                    let end = (start + chunk).min(hi);
                    if keep[start..end].iter().any(|k| *k) {
                        let mut trial = keep.clone();
                        trial[start..end].iter_mut().for_each(|k| *k = false);
                        if try_keep(&trial, &mut best) {
                            keep = trial;
                        }
                    }
                    start = end;
                }
                if chunk == 1 {
                    break;
                }
                chunk = chunk.div_ceil(2);
            }
        }
    }
    if best.is_none() {
        // not even the whole program mismatched again (flaky): leave it unreduced
        return;
    }
    // `best` belongs to the last mismatching trial, which may not be `keep`: run it again
    if try_keep(&keep, &mut best) {
        f.keep = keep;
        f.reduced = best;
    }
}

fn allowlist() -> Vec<(String, String)> {
    let path = workspace_root().join("conformance/hercules-allowlist.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (m, why) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (m.to_uppercase(), why.trim().to_string())
        })
        .collect()
}

fn body(program: &Program, keep: &[bool]) -> String {
    let mut s = String::new();
    for (item, _) in program.items.iter().zip(keep).filter(|(_, k)| **k) {
        s.push_str(&item.text);
        s.push_str(&item.targets);
    }
    s
}

/// The mnemonics (upper case) of the instruction lines of `source`: the first word of each
/// line, or the `# MNEMONIC` comment of an `.insn` line.
fn used_mnemonics(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.starts_with(".insn") {
                l.split("# ").nth(1).map(|m| m.trim().to_uppercase())
            } else if l.is_empty() || l.starts_with('.') || l.starts_with('#') {
                None
            } else {
                l.split_whitespace().next().map(str::to_uppercase)
            }
        })
        .collect()
}

fn describe_outcome(o: &Outcome) -> String {
    let mut s = format!("stop {:?}, PSW {:016X}\n", o.stop, o.psw);
    for (i, r) in o.gpr.iter().enumerate() {
        write!(s, "R{i}={r:08X}{}", if i % 8 == 7 { "\n" } else { " " }).unwrap();
    }
    s
}

/// Harness self-check without vm390: generated programs run to a disabled wait under
/// Hercules, the dump parses, and the registers the epilogue stored match the `gpr` dump.
#[test]
fn hercules_runs_generated_programs() {
    let Some(setup) = setup("self-check", false) else {
        return;
    };
    let jobs: Vec<(Arch, u64)> = (0..8u64)
        .map(|i| (Arch::Esa390, BASE_SEED + i))
        .chain((0..4).map(|i| (Arch::S370, BASE_SEED + i)))
        .collect();
    let results = parallel(&setup, &jobs, |dir, &(arch, seed)| {
        let p = gen::generate(arch, seed);
        (p.clone(), run_source(&setup, arch, &p.source(), dir))
    });
    for (p, r) in results {
        let run =
            r.unwrap_or_else(|e| panic!("seed {} {}: {e}\n{}", p.seed, p.arch.name(), p.source()));
        let h = &run.herc;
        assert_eq!(h.stop, Stop::DisabledWait, "seed {}", p.seed);
        let ia = h.psw as u32 & 0x00FF_FFFF;
        assert!(
            ia == gen::GOOD || ia == gen::DEAD,
            "seed {}: PSW {:016X}",
            p.seed,
            h.psw
        );
        let saved: Vec<u32> = h.storage[gen::GPR_SAVE as usize..gen::GPR_SAVE as usize + 64]
            .chunks(4)
            .map(|c| u32::from_be_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(saved, h.gpr, "seed {}: stored GPRs vs the gpr dump", p.seed);
        assert_eq!(h.gpr[12], gen::DATA, "seed {}: base register", p.seed);
    }
}

#[test]
fn vm390_json_parses() {
    let text = r#"{"stop":"disabled-wait","psw":"000A00000000600D","gpr":["00000000","00000001","00000002","00000003","00000004","00000005","00000006","00000007","00000008","00000009","0000000A","0000000B","0000000C","0000000D","0000000E","FFFFFFFF"],"fpr":[],"instructions":12,"storage":{"00000000":"00FF"},"diagnose":{"0060":1}}"#;
    let o = parse_vm390(text, Some(0), 2).unwrap();
    assert_eq!(o.stop, Stop::DisabledWait);
    assert_eq!(o.psw, 0x000A_0000_0000_600D);
    assert_eq!(o.gpr[15], 0xFFFF_FFFF);
    assert_eq!(o.storage, vec![0, 0xFF]);
    assert!(parse_vm390(text, Some(0), 4).is_err());
    assert_eq!(
        parse_json(r#"[1, -2.5e1, "a\"\u0041", true, null, {}]"#).unwrap(),
        Json::Arr(vec![
            Json::Num(1.0),
            Json::Num(-25.0),
            Json::Str("a\"A".into()),
            Json::Bool(true),
            Json::Null,
            Json::Obj(vec![])
        ])
    );
}

#[test]
fn hercules_vs_vm390() {
    let Some(setup) = setup("diff", true) else {
        return;
    };
    let base = env_u64("VM390_HERCULES_DIFF_SEED", BASE_SEED);
    let n_esa = env_u64("VM390_HERCULES_DIFF_ESA", ESA_PROGRAMS);
    let n_370 = env_u64("VM390_HERCULES_DIFF_S370", S370_PROGRAMS);
    let exclude: Vec<String> = std::env::var("VM390_HERCULES_DIFF_EXCLUDE")
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    if !exclude.is_empty() {
        eprintln!("hercules_diff: excluding {}", exclude.join(","));
    }
    differential(
        &setup,
        "hercules_diff",
        base,
        n_esa,
        n_370,
        "",
        |arch, seed| gen::generate_excluding(arch, seed, &exclude),
    );
}

/// Self-modifying programs (`gen::generate_self_modifying`: program switches, stores into
/// the next instruction and into a later block of a loop, EX of a modified target, data
/// beside code), interpreted and with regions compiled at the first entry, against
/// Hercules. Knobs: `VM390_HERCULES_DIFF_SEED`, `VM390_HERCULES_SELFMOD_ESA` and
/// `VM390_HERCULES_SELFMOD_S370` (program counts); reports go to
/// `target/hercules-diff/selfmod-*`.
#[test]
fn hercules_vs_vm390_self_modifying() {
    let Some(setup) = setup("selfmod", true) else {
        return;
    };
    let base = env_u64("VM390_HERCULES_DIFF_SEED", BASE_SEED);
    let n_esa = env_u64("VM390_HERCULES_SELFMOD_ESA", SELFMOD_ESA_PROGRAMS);
    let n_370 = env_u64("VM390_HERCULES_SELFMOD_S370", SELFMOD_S370_PROGRAMS);
    differential(
        &setup,
        "hercules_diff (self-modifying)",
        base,
        n_esa,
        n_370,
        "selfmod-",
        gen::generate_self_modifying,
    );
}

/// Runs `n_esa` ESA/390 and `n_370` S/370 programs made by `make` from seeds `base..`
/// under Hercules and vm390, reduces and reports the mismatches (`{prefix}report.txt` and
/// `{prefix}fail-*.S` in `target/hercules-diff/`), and fails on any not allowlisted.
fn differential(
    setup: &Setup,
    what: &str,
    base: u64,
    n_esa: u64,
    n_370: u64,
    prefix: &str,
    make: impl Fn(Arch, u64) -> Program + Sync,
) {
    let started = Instant::now();
    let jobs: Vec<(Arch, u64)> = (0..n_esa)
        .map(|i| (Arch::Esa390, base + i))
        .chain((0..n_370).map(|i| (Arch::S370, base + i)))
        .collect();
    eprintln!(
        "{what}: {n_esa} ESA/390 + {n_370} S/370 programs, seeds {base:#x}.., vm390 {}",
        setup.vm390.as_ref().unwrap().display()
    );
    let results = parallel(setup, &jobs, |dir, &(arch, seed)| {
        let p = make(arch, seed);
        let r = run_source(setup, arch, &p.source(), dir);
        (p, r)
    });
    let run_time = started.elapsed();

    let mut errors = Vec::new();
    let mut failures = Vec::new();
    let (mut good, mut dead, mut checks) = (0u32, 0u32, 0u32);
    for (p, r) in results {
        match r {
            Err(e) => errors.push(format!("seed {} {}: {e}", p.seed, p.arch.name())),
            Ok(run) => {
                let ia = run.herc.psw as u32 & 0x00FF_FFFF;
                if ia == gen::GOOD {
                    good += 1;
                } else if ia == gen::DEAD {
                    dead += 1;
                }
                let count = &run.herc.storage
                    [gen::PGM_COUNT as usize..=(gen::PGM_COUNT + gen::PGM_LIMIT) as usize];
                checks += count.iter().filter(|b| **b == 0xFF).count() as u32 - 1;
                if !run.diffs.is_empty() {
                    let n = p.items.len();
                    failures.push(Failure {
                        program: p,
                        diffs: run.diffs,
                        herc: run.herc,
                        ours: run.ours.unwrap(),
                        keep: vec![true; n],
                        reduced: None,
                    });
                }
            }
        }
    }
    eprintln!(
        "{what}: ran {} programs in {:.1?}: Hercules ended {good} at 600D, {dead} at DEAD, {checks} program checks in all; {} mismatches, {} errors",
        jobs.len(),
        run_time,
        failures.len(),
        errors.len()
    );
    if !errors.is_empty() {
        eprintln!(
            "{what}: harness errors (generator or Hercules problems):\n{}",
            errors.join("\n")
        );
    }
    assert!(
        good as usize * 10 >= jobs.len() * 9,
        "only {good} of {} programs ended normally under Hercules: generator problem",
        jobs.len()
    );

    // Reduce the first failures.
    let report_dir = workspace_root().join("target/hercules-diff");
    // Interleave the architectures so both get reduced when there are many failures.
    let (esa, s370): (Vec<Failure>, Vec<Failure>) = failures
        .drain(..)
        .partition(|f| f.program.arch == Arch::Esa390);
    let (mut esa, mut s370) = (esa.into_iter(), s370.into_iter());
    loop {
        match (esa.next(), s370.next()) {
            (None, None) => break,
            (a, b) => failures.extend(a.into_iter().chain(b)),
        }
    }
    let reduce_n = failures
        .len()
        .min(env_u64("VM390_HERCULES_DIFF_REDUCE", REDUCE_MAX as u64) as usize);
    let reduce_started = Instant::now();
    let to_reduce: Vec<Mutex<Failure>> = failures.drain(..reduce_n).map(Mutex::new).collect();
    parallel(setup, &to_reduce, |dir, f| {
        reduce(setup, dir, &mut f.lock().unwrap())
    });
    let mut failures: Vec<Failure> = to_reduce
        .into_iter()
        .map(|m| m.into_inner().unwrap())
        .chain(failures)
        .collect();
    if reduce_n > 0 {
        eprintln!(
            "{what}: reduced {reduce_n} failing programs in {:.1?}",
            reduce_started.elapsed()
        );
    }

    // Report. Old fail-*.S files go; the directory stays (another run of this test, say from
    // `cargo test --workspace` elsewhere, may be writing into it).
    if let Ok(dir) = std::fs::read_dir(&report_dir) {
        for e in dir.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{prefix}fail-"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let write = |name: &str, text: &str| {
        let _ = std::fs::create_dir_all(&report_dir);
        if let Err(e) = std::fs::write(report_dir.join(name), text) {
            eprintln!("{what}: writing {name}: {e}");
        }
    };
    let allow = allowlist();
    let mut unexcused = 0;
    let mut groups: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut report = String::new();
    let mut cut = None;
    for (k, f) in failures.iter_mut().enumerate() {
        if k == PRINT_DETAIL_MAX {
            cut = Some(report.len());
        }
        let p = &f.program;
        let tag = format!("{}-{}", p.arch.name(), p.seed);
        write(&format!("{prefix}fail-{tag}.S"), &p.source());
        let mnemonics = p.mnemonics(&f.keep);
        // The instructions of the reduced body, those inside a branch item too.
        let used = used_mnemonics(&body(p, &f.keep));
        let excuse = f.reduced.as_ref().and_then(|_| {
            allow
                .iter()
                .find(|(m, _)| mnemonics.iter().any(|x| x == m) || used.contains(m))
                .map(|(m, why)| format!("{m}: {why}"))
        });
        if excuse.is_none() {
            unexcused += 1;
        }
        let key = if f.reduced.is_some() && mnemonics.is_empty() {
            format!(
                "{} (no body left: prologue/epilogue/handler: LCTL LM LD STD STM MVC CLI BC LPSW)",
                p.arch.name()
            )
        } else if f.reduced.is_some() {
            format!("{} {}", p.arch.name(), mnemonics.join(" "))
        } else {
            format!("{} (not reduced)", p.arch.name())
        };
        groups.entry(key).or_default().push(p.seed);
        writeln!(
            report,
            "==== MISMATCH {} seed {} ({} items){}",
            p.arch.name(),
            p.seed,
            p.items.len(),
            excuse
                .as_ref()
                .map(|e| format!(" [allowlisted: {e}]"))
                .unwrap_or_default()
        )
        .unwrap();
        if k < PRINT_SOURCE_MAX {
            writeln!(report, "--- source\n{}", p.source()).unwrap();
        }
        writeln!(report, "--- differences (full program)").unwrap();
        for d in &f.diffs {
            writeln!(report, "  {d}").unwrap();
        }
        writeln!(
            report,
            "--- hercules\n{}--- vm390\n{}",
            describe_outcome(&f.herc),
            describe_outcome(&f.ours)
        )
        .unwrap();
        if let Some((diffs, h, o)) = &f.reduced {
            let src = p.source_with(&f.keep);
            write(&format!("{prefix}fail-{tag}-reduced.S"), &src);
            let (psw0, psw1) = p.initial_psw();
            writeln!(
                report,
                "--- reduced to {} item(s); initial PSW {psw0:08X} {psw1:08X}, AFP {}\n{}",
                mnemonics.len(),
                p.afp,
                body(p, &f.keep)
            )
            .unwrap();
            write!(report, "initial GPRs:").unwrap();
            for (i, r) in p.gpr.iter().enumerate() {
                write!(report, " R{i}={r:08X}").unwrap();
            }
            writeln!(report).unwrap();
            write!(report, "initial FPRs:").unwrap();
            for f in p.fprs() {
                write!(report, " F{f}={:016X}", p.fpr[f as usize]).unwrap();
            }
            writeln!(report).unwrap();
            writeln!(report, "--- reduced differences").unwrap();
            for d in diffs {
                writeln!(report, "  {d}").unwrap();
            }
            writeln!(
                report,
                "--- hercules (reduced)\n{}--- vm390 (reduced)\n{}",
                describe_outcome(h),
                describe_outcome(o)
            )
            .unwrap();
        }
    }
    if !failures.is_empty() {
        let summary = report.len();
        writeln!(report, "==== mismatches by reduced instruction sequence").unwrap();
        for (k, seeds) in &groups {
            let list: Vec<String> = seeds.iter().take(8).map(|s| s.to_string()).collect();
            writeln!(
                report,
                "{:5}  {k}  (seeds {}{})",
                seeds.len(),
                list.join(" "),
                if seeds.len() > 8 { " ..." } else { "" }
            )
            .unwrap();
        }
        write(&format!("{prefix}report.txt"), &report);
        match cut {
            Some(cut) => eprintln!(
                "{}... {} more mismatching programs in {prefix}report.txt\n{}",
                &report[..cut],
                failures.len() - PRINT_DETAIL_MAX,
                &report[summary..]
            ),
            None => eprintln!("{report}"),
        }
        eprintln!(
            "{what}: report in {}",
            report_dir.join(format!("{prefix}report.txt")).display()
        );
    }
    eprintln!("{what}: total {:.1?}", started.elapsed());
    assert!(
        errors.is_empty(),
        "harness errors (generator or Hercules problems):\n{}",
        errors.join("\n")
    );
    assert!(
        unexcused == 0,
        "{unexcused} of {} programs mismatch between Hercules and vm390 (see above and {})",
        jobs.len(),
        report_dir.display()
    );
}
