//! The console session and the host (issue #12), in scripted use: SIGTERM, SIGHUP and
//! SIGINT log the user off and close the minidisk images cleanly (the next session gets
//! its 191 read-write, Hercules' `cckdcdsk` finds nothing to repair, and no temporary
//! minidisk is left); input that is
//! not UTF-8 does not end the session; no guest output can put a control character
//! (an escape sequence) on the host's terminal.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{cckdcdsk, cckdcdsk_clean, run_script, to_ebcdic, wait_exit, Captured};

/// `vm390 --data-dir DATA` (the built-in MINICMS default) with `input` on standard input.
fn scripted(data: &Path, input: &[u8]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--data-dir").arg(data).stderr(Stdio::piped());
    // run_script takes text; the bytes go through a thread of our own when not UTF-8.
    match std::str::from_utf8(input) {
        Ok(s) => run_script(cmd, s, Duration::from_secs(60)),
        Err(_) => {
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input).unwrap();
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        }
    }
}

/// A session at a console read gets `signal`: it logs off, flushes and closes its
/// 191, and exits 0; the next session gets the 191 read-write with no complaint, and
/// `cckdcdsk -3` finds the image clean.
fn signal_logs_off(signal: &str) {
    let tmp = tempfile::tempdir().unwrap();
    // Temporary minidisks go to the host's temporary directory: a private one.
    let tdisks = tmp.path().join("tmp");
    std::fs::create_dir(&tdisks).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--data-dir")
        .arg(tmp.path())
        .env("TMPDIR", &tdisks)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = Captured::start(child.stdout.take().unwrap());
    // A write to the 191 (the image is then open for writing), a temporary minidisk,
    // then the console read.
    stdin
        .write_all(b"EDIT HELLO EXEC\nINPUT\n&TYPE HELLO\n\nFILE\nCP DEFINE T3350 AS 193 CYL 1\n")
        .unwrap();
    stdin.flush().unwrap();
    out.wait_for("DASD 193 DEFINED", 1);
    out.wait_for("Ready", 3);
    std::thread::sleep(Duration::from_millis(200));
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_exit(&mut child, Duration::from_secs(30), || {
        format!("after SIG{signal}: {}", out.text())
    });
    drop(stdin);
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let first = out.finish();
    assert!(status.success(), "SIG{signal}: {status:?}\n{first}{err}");
    assert!(first.contains("LOGOFF AT"), "SIG{signal}:\n{first}{err}");
    let left: Vec<_> = std::fs::read_dir(&tdisks).unwrap().collect();
    assert!(left.is_empty(), "temporary minidisk left: {left:?}");
    // The next session: the 191 is read-write, nothing complains.
    let (code, out, err) = scripted(tmp.path(), b"QUERY DISK\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("A (191): 1 FILE"), "{out}{err}");
    assert!(out.contains("R/W"), "{out}{err}");
    assert!(!err.contains("marked as opened"), "{err}");
    if let Some(cdsk) = cckdcdsk() {
        cckdcdsk_clean(&cdsk, &tmp.path().join("vm390_191.cckd"));
    }
}

#[test]
fn sigterm_logs_off_and_closes_the_images() {
    signal_logs_off("TERM");
}

#[test]
fn sighup_logs_off_and_closes_the_images() {
    signal_logs_off("HUP");
}

#[test]
fn sigint_in_scripted_use_logs_off_and_closes_the_images() {
    signal_logs_off("INT");
}

/// A line that is not UTF-8 is taken (byte X'E9' as ISO 8859-1 é) and the lines after
/// it run.
#[test]
fn input_not_utf8_does_not_end_the_session() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = scripted(tmp.path(), b"#CP MSG * caf\xe9\nCP QUERY USERID\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("caf\u{e9}"), "{out}{err}");
    assert!(out.contains("VM390 AT VM390"), "{out}{err}");
}

/// A guest's DIAGNOSE X'08' `MSG *` holding ESC and BEL (EBCDIC X'27' and X'2F'), and
/// the same typed as a CP command, reach the terminal without them: no escape sequence
/// is written to the host's terminal.
#[test]
fn guest_text_holds_no_escape_sequence() {
    let tmp = tempfile::tempdir().unwrap();
    let mut msg = to_ebcdic("MSG * A");
    // ESC, then ']' (X'BB' in code page 037).
    msg.extend([0x27, 0xBB]);
    msg.extend(to_ebcdic("0;PWNED"));
    msg.push(0x2F);
    msg.extend(to_ebcdic("B"));
    // At X'200': LA 2,X'300'; LA 3,len; DIAG 2,3,X'008'; LPSW X'400' (a disabled wait).
    let mut seg = vec![0u8; 2 * 4096];
    seg[..8].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0x02, 0x00]);
    let page = &mut seg[4096..];
    let len = msg.len() as u8;
    page[0x200..0x210].copy_from_slice(&[
        0x41, 0x20, 0x03, 0x00, 0x41, 0x30, 0x00, len, 0x83, 0x23, 0x00, 0x08, 0x82, 0x00, 0x04,
        0x00,
    ]);
    page[0x300..0x300 + msg.len()].copy_from_slice(&msg);
    page[0x400..0x408].copy_from_slice(&[0, 0x02, 0, 0, 0, 0, 0, 0]);
    std::fs::write(tmp.path().join("msg.segment"), seg).unwrap();
    let dir = tmp.path().join("t.direct");
    std::fs::write(
        &dir,
        "NSS CMS msg.segment IPL\nUSER T T 1M 1M G\n IPL CMS\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory").arg(&dir).args(["--logon", "T"]);
    cmd.stderr(Stdio::piped());
    let (code, out, err) = run_script(cmd, "MSG * C\x1b]0;PWNED\x07D\n", Duration::from_secs(60));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("DMKDSP450W"), "{out}{err}");
    assert!(out.contains("A]0;PWNEDB"), "{out}{err}");
    assert!(out.contains("C]0;PWNEDD"), "{out}{err}");
    assert!(
        !out.contains(|c: char| c.is_control() && c != '\n'),
        "{out:?}"
    );
}

/// SIGTERM while the guest runs (a loop that never reads its console) logs the user off.
#[test]
fn sigterm_while_the_guest_runs_logs_off() {
    let tmp = tempfile::tempdir().unwrap();
    // A saved system whose PSW (BC mode, disabled) runs `B X'200'` at X'200' for ever.
    let mut seg = vec![0u8; 2 * 4096];
    seg[..8].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0x02, 0x00]);
    seg[4096 + 0x200..4096 + 0x204].copy_from_slice(&[0x47, 0xF0, 0x02, 0x00]);
    std::fs::write(tmp.path().join("loop.segment"), seg).unwrap();
    let dir = tmp.path().join("t.direct");
    std::fs::write(
        &dir,
        "NSS CMS loop.segment IPL\nUSER T T 1M 1M G\n IPL CMS\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--directory")
        .arg(&dir)
        .args(["--logon", "T"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    // The loop runs whatever the delay; the signal comes while it does.
    std::thread::sleep(Duration::from_millis(500));
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_exit(&mut child, Duration::from_secs(30), || {
        "after SIGTERM".to_string()
    });
    drop(stdin);
    let out = reader.join().unwrap();
    assert!(status.success(), "{status:?}\n{out}");
    assert!(out.contains("LOGON AT"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}
