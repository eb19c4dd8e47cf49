//! The EXEC corpus (issue #18): every file of `cp/tests/data/exec/*.exec` is an EXEC of
//! VM/370 R6 CMS's EXEC language (R6 HELPEXC / HELPEXC2 on the 19D) exercising one control
//! word or built-in and its error cases. Each one is run under REAL R6 CMS (the nucleus of
//! `../shared/cms370`) and under MINICMS, on private copies of the same 191 minidisk, and
//! the console lines it produces, down to and including the next Ready line, must be the
//! same in both; only the Ready line's timing (`Ready; T=…` / `Ready(nnnnn); T=…`) is
//! masked. The lines real CMS wrote are also kept as an insta snapshot per file (each run
//! headed by `==> EXEC name args` and `==> typed: line` lines), so that a
//! change of what vm390 makes of real CMS shows, and so that the expected output can be
//! read without running it.
//!
//! A corpus file may say how it is invoked: each line `* RUN: args` (a comment to the EXEC)
//! is one `EXEC name args`, and each `* INPUT: line` after it a line typed at the console
//! after that command (what a `&READ` with nothing stacked reads); a file without a `RUN`
//! line runs once, without arguments.
//! All corpus files are on the disk at once, so one may call another.
//!
//! To save time all runs share two `vm390` sessions (one for real CMS, one for MINICMS),
//! started by the first test that needs them; in each session every `EXEC` is preceded by
//! `CP MSG * ==== NAME n`, whose message line marks where the output of run `n` of `NAME`
//! begins, so one EXEC that reads a line it should not (or never returns) spoils its own
//! comparison only.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{run_script_until, setup, shared, CmsDisk, CMS_FILES};

/// `cp/tests/data/exec`.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/exec")
}

/// One corpus file: its CMS file name and records, and its runs.
struct Exec {
    name: String,
    lines: Vec<String>,
    runs: Vec<Run>,
}

/// One `EXEC name args`, and the lines typed at the console after it (for `&READ`).
struct Run {
    args: String,
    input: Vec<String>,
}

/// Every `*.exec` of the corpus, in name order.
fn corpus() -> Vec<Exec> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "exec"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_uppercase();
            assert!(
                (1..=8).contains(&name.len()),
                "{}: a CMS file name has 1 to 8 characters",
                p.display()
            );
            let text = std::fs::read_to_string(p).unwrap();
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            for (i, l) in lines.iter().enumerate() {
                assert!(
                    l.chars().count() <= 80,
                    "{}:{}: longer than 80 characters",
                    p.display(),
                    i + 1
                );
            }
            let mut runs: Vec<Run> = Vec::new();
            for l in &lines {
                if let Some(a) = l.strip_prefix("* RUN:") {
                    runs.push(Run {
                        args: a.trim().to_string(),
                        input: Vec::new(),
                    });
                } else if let Some(t) = l.strip_prefix("* INPUT:") {
                    let run = runs
                        .last_mut()
                        .unwrap_or_else(|| panic!("{}: * INPUT: before any * RUN:", p.display()));
                    run.input.push(t.strip_prefix(' ').unwrap_or(t).to_string());
                }
            }
            if runs.is_empty() {
                runs.push(Run {
                    args: String::new(),
                    input: Vec::new(),
                });
            }
            Exec { name, lines, runs }
        })
        .collect()
}

/// The console output of the two sessions.
struct Sessions {
    cms: String,
    minicms: String,
}

static SESSIONS: OnceLock<Option<Sessions>> = OnceLock::new();

/// Runs the whole corpus under real CMS and under MINICMS (once per test binary); None
/// when the shared material is missing (a skip, or a failure under VM390_ORACLES=require).
fn sessions() -> Option<&'static Sessions> {
    SESSIONS
        .get_or_init(|| {
            let s = shared(&CMS_FILES)?;
            let corpus = corpus();
            let mut runs = String::new();
            for e in &corpus {
                for (i, run) in e.runs.iter().enumerate() {
                    runs.push_str(&format!("CP MSG * ==== {} {}\n", e.name, i + 1));
                    runs.push_str(format!("EXEC {} {}", e.name, run.args).trim_end());
                    runs.push('\n');
                    for l in &run.input {
                        runs.push_str(l);
                        runs.push('\n');
                    }
                }
            }
            runs.push_str("CP MSG * ==== END\nLOGOFF\n");
            let cms_input = format!("ACCESS (NOPROF\n{runs}");
            let (cms, minicms) = std::thread::scope(|t| {
                let cms = t.spawn(|| run_session(&s, &corpus, "CMS", &cms_input));
                let minicms = run_session(&s, &corpus, "MINICMS", &runs);
                (cms.join().unwrap(), minicms)
            });
            Some(Sessions { cms, minicms })
        })
        .as_ref()
}

/// One session of CMSUSER on private copies of its disks, the corpus added to the 191,
/// IPLing `system`; its console output (what was written before a time-out too).
fn run_session(shared: &Path, corpus: &[Exec], system: &str, input: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(shared, tmp.path(), "MR", "");
    let text = std::fs::read_to_string(&dir).unwrap();
    std::fs::write(
        &dir,
        text.replace(" IPL CMS\n", &format!(" IPL {system}\n")),
    )
    .unwrap();
    let mut disk = CmsDisk::open_rw(&tmp.path().join("cmsuser_191.cckd"));
    for e in corpus {
        let lines: Vec<&str> = e.lines.iter().map(String::as_str).collect();
        disk.add_file(&e.name, "EXEC", &lines);
    }
    drop(disk);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(&dir)
        .arg("--logon")
        .arg("CMSUSER")
        .stderr(Stdio::null());
    let (code, mut text, _) = run_script_until(cmd, input, Duration::from_secs(30));
    let timed_out = code.is_none();
    if timed_out {
        text.push_str("(vm390 did not end within 30 s and was stopped)\n");
    }
    text
}

/// The corpus written onto a copy of the 191 (more files than one FST block holds, some
/// of more than one data block) reads back, through an independent reader of the CMS file
/// directory, as the same F 80 files of the same records, and the disk's bookkeeping
/// holds: ADTUSED blocks in use, as many one bits in the QMSK (FORMATS.md D.2, D.5).
#[test]
fn the_corpus_reads_back_from_the_disk() {
    let Some(s) = shared(&CMS_FILES) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    setup(&s, tmp.path(), "MR", "");
    let img = tmp.path().join("cmsuser_191.cckd");
    let before = CmsDisk::open(&img).files().len();
    let corpus = corpus();
    assert!(before + corpus.len() > 20, "the corpus fills an FST block");
    assert!(
        corpus.iter().any(|e| e.lines.len() > 10),
        "a file of 2 blocks"
    );
    let mut disk = CmsDisk::open_rw(&img);
    for e in &corpus {
        let lines: Vec<&str> = e.lines.iter().map(String::as_str).collect();
        disk.add_file(&e.name, "EXEC", &lines);
    }
    drop(disk);
    let mut disk = CmsDisk::open(&img);
    let files = disk.files();
    assert_eq!(files.len(), before + corpus.len());
    for e in &corpus {
        let f = files
            .iter()
            .find(|f| f.name == e.name && f.ftype == "EXEC")
            .unwrap_or_else(|| panic!("{} EXEC not in the directory", e.name));
        assert_eq!((f.recfm, f.lrecl), ('F', 80), "{}", e.name);
        assert_eq!(usize::from(f.items), e.lines.len(), "{}", e.name);
        assert_eq!(
            usize::from(f.blocks),
            e.lines.len().div_ceil(10),
            "{}",
            e.name
        );
        let want: Vec<Vec<u8>> = e
            .lines
            .iter()
            .map(|l| common::to_ebcdic(&format!("{l:<80}")))
            .collect();
        assert!(
            disk.records(f) == want,
            "{} EXEC reads back otherwise",
            e.name
        );
    }
    let mfd = disk.block(4);
    let word = |at: usize| u32::from_be_bytes([mfd[at], mfd[at + 1], mfd[at + 2], mfd[at + 3]]);
    let ones: u32 = mfd[384..599].iter().map(|b| b.count_ones()).sum();
    assert_eq!(word(368), ones, "ADTUSED");
    assert_eq!(word(364) - word(368), word(372), "ADTLEFT");
}

/// The marker message of run `n` of `name`.
fn marker(name: &str, n: usize) -> String {
    format!("MSG FROM CMSUSER: ==== {name} {n}")
}

/// The console lines of run `n` of `name` in `out`: from after the marker message (and the
/// Ready of its CP MSG) to the next marker, the Ready line's timing masked. None when the
/// session never came to that run.
fn section(out: &str, name: &str, n: usize) -> Option<Vec<String>> {
    let want = marker(name, n);
    let mut lines = out.lines().skip_while(|l| !l.ends_with(&want));
    lines.next()?;
    let mut got: Vec<String> = lines
        .take_while(|l| !l.contains("MSG FROM CMSUSER: ==== "))
        .map(mask_ready)
        .collect();
    if got.first().is_some_and(|l| is_ready(l)) {
        got.remove(0);
    }
    Some(got)
}

/// Whether `l` is a CMS Ready line (`Ready;`, `Ready(nnnnn);`, or the short `R;` forms).
fn is_ready(l: &str) -> bool {
    ["Ready;", "Ready(", "R;", "R("]
        .iter()
        .any(|p| l.starts_with(p))
        && l.contains(';')
}

/// A Ready line without what follows its `;` (the timing); any other line as it is.
fn mask_ready(l: &str) -> String {
    if is_ready(l) {
        l[..=l.find(';').unwrap()].to_string()
    } else {
        l.to_string()
    }
}

/// Runs corpus file `file` (without `.exec`): every run's real CMS lines end with a Ready
/// line and match the snapshot, and MINICMS's lines are the same as real CMS's.
fn check(file: &str) {
    let Some(s) = sessions() else {
        return;
    };
    let name = file.to_uppercase();
    let corpus = corpus();
    let e = corpus
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no corpus file {file}.exec"));
    let mut cms_all = String::new();
    let mut diffs = Vec::new();
    for (i, run) in e.runs.iter().enumerate() {
        let cmd = format!("EXEC {name} {}", run.args).trim_end().to_string();
        let cms = section(&s.cms, &name, i + 1)
            .unwrap_or_else(|| panic!("real CMS never ran {cmd}:\n{}", s.cms));
        assert!(
            cms.last().is_some_and(|l| is_ready(l)),
            "real CMS's {cmd} did not end with a Ready line: {cms:#?}\n{}",
            s.cms
        );
        cms_all.push_str(&format!("==> {cmd}\n"));
        for l in &run.input {
            cms_all.push_str(&format!("==> typed: {l}\n"));
        }
        for l in &cms {
            cms_all.push_str(l);
            cms_all.push('\n');
        }
        let mini = section(&s.minicms, &name, i + 1);
        if mini.as_ref() != Some(&cms) {
            let show = |v: &[String]| -> String {
                v.iter().map(|l| format!("  |{l}\n")).collect::<String>()
            };
            diffs.push(format!(
                "{cmd}\n real CMS:\n{} MINICMS:\n{}",
                show(&cms),
                mini.map_or_else(
                    || {
                        let all: Vec<String> = s.minicms.lines().map(str::to_string).collect();
                        let tail = &all[all.len().saturating_sub(20)..];
                        format!(
                            "  (MINICMS never ran it; its session's last lines:)\n{}",
                            show(tail)
                        )
                    },
                    |m| show(&m)
                )
            ));
        }
    }
    insta::assert_snapshot!(format!("exec_{file}"), cms_all);
    assert!(
        diffs.is_empty(),
        "{name} EXEC: MINICMS does not agree with real CMS\n{}",
        diffs.join("")
    );
}

/// One #[test] per corpus file.
macro_rules! corpus_tests {
    ($($file:ident)*) => {
        $(
            #[test]
            fn $file() {
                check(stringify!($file));
            }
        )*

        /// Every corpus file has its test above.
        #[test]
        fn every_corpus_file_has_a_test() {
            let tested = [$(stringify!($file).to_uppercase()),*];
            for e in corpus() {
                assert!(tested.contains(&e.name), "corpus file {} has no test", e.name);
            }
        }
    };
}

corpus_tests! {
    args
    args2
    assign
    global
    basic
    begtype
    builtin
    control
    emsg
    error
    exit
    goto
    ifcomp
    ifmore
    loops
    nest
    punch
    read
    retcode
    skip
    space
    specvar
    stack
    time
    typeword
    words
}
