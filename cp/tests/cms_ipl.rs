//! `vm390 --directory vm390.direct --logon CMSUSER` IPLs the VM/370 R6 CMS saved system to
//! its banner and `Ready;`, driven through standard input like a script. The shared images
//! are only read: they are read-only files, so vm390 attaches them read-only (writes to
//! copies are tested in `cms_writes.rs`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
    if p.join("vm390.direct").is_file() {
        return Some(p);
    }
    if std::env::var("VM390_ORACLES").as_deref() == Ok("require") {
        panic!("{} is missing (VM390_ORACLES=require)", p.display());
    }
    eprintln!("SKIPPED: {} is missing", p.display());
    None
}

/// Runs vm390 on the shared directory with `input` on stdin; returns (exit code, stdout).
fn session(dir: &Path, input: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--directory")
        .arg(dir.join("vm390.direct"))
        .arg("--logon")
        .arg("CMSUSER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start vm390");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vm390 did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = reader.join().unwrap();
    (status.code().unwrap_or(-1), text)
}

#[test]
fn ipl_cms_to_ready_and_logoff() {
    let Some(dir) = shared() else { return };
    let (code, out) = session(&dir, "\nLOGOFF\n");
    println!("{out}");
    assert_eq!(code, 0, "exit code; transcript:\n{out}");
    assert!(out.contains("CMS VERSION 6.0"), "no banner:\n{out}");
    assert!(out.contains("Ready;"), "no Ready;:\n{out}");
    // PROFILE EXEC on the 191 calls S-disk MODULEs, which are absent.
    assert!(out.contains("DMSMOD104S ERROR '3' READING FILE"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    assert!(!out.contains("DMKDSP"), "guest stopped:\n{out}");
}

#[test]
fn cp_commands_from_cms_and_the_console() {
    let Some(dir) = shared() else { return };
    let (code, out) = session(
        &dir,
        "ACCESS (NOPROF\n#CP QUERY USERID\nCP QUERY TIME\nXYZZY\n#CP XYZZY\nCP LOGOFF\n",
    );
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CMSUSER AT VM390"), "{out}");
    assert!(out.contains("TIME IS "), "{out}");
    // Implied CP: CP's return code only, CMS says the rest.
    assert!(out.contains("Unknown CP/CMS command"), "{out}");
    assert_eq!(
        out.matches("DMKCFM001E UNKNOWN CP COMMAND").count(),
        1,
        "{out}"
    );
    assert!(out.contains("LOGOFF AT"), "{out}");
}

#[test]
fn end_of_input_logs_off() {
    let Some(dir) = shared() else { return };
    let (code, out) = session(&dir, "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}
