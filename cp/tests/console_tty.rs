//! The console on a terminal (issue #12): `vm390` under a pseudo-terminal (util-linux
//! `script`, which makes the terminal the session's controlling terminal) keeps lines
//! typed or pasted ahead for the reads that follow, takes Ctrl-C as the attention key
//! while the virtual machine runs (a guest in a loop), and does not show passwords.
//!
//! Each step waits for the text it needs (at most 30 s); nothing depends on timing.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::tty::Tty;
use common::{copy_files, shared};

/// Writes, in `tmp`, `loop.segment` (a saved system whose PSW, disabled, runs
/// `B X'200'` at X'200' for ever) and `t.direct`: user LOOPER (password SECRETPW), IPLing
/// it as CMS, plus `extra` directory lines at the front.
fn looper(tmp: &Path, extra: &str) -> PathBuf {
    let mut seg = vec![0u8; 2 * 4096];
    // PSW: BC mode, disabled, key 0, instruction address X'000200'.
    seg[..8].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0x02, 0x00]);
    // Page 1 holds storage X'000000'-X'000FFF': B X'200' at X'200'.
    seg[4096 + 0x200..4096 + 0x204].copy_from_slice(&[0x47, 0xF0, 0x02, 0x00]);
    std::fs::write(tmp.join("loop.segment"), seg).unwrap();
    let dir = tmp.join("t.direct");
    std::fs::write(
        &dir,
        format!(
            "{extra}NSS CMS loop.segment IPL\n\
             USER LOOPER SECRETPW 1M 1M G\n \
             IPL CMS\n \
             CONSOLE 009 3215\n"
        ),
    )
    .unwrap();
    dir
}

/// Three lines pasted at once at MINICMS's first read all run, in order: the second and
/// third are typed ahead while the first runs.
#[test]
fn pasted_lines_all_run_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().display().to_string();
    let Some(mut t) = Tty::start(&["--data-dir", &data]) else {
        return;
    };
    t.wait_for("Ready;", 1);
    t.wait_for("VM READ  ", 1);
    t.send("CP Q USERID\rLISTF\rQ DISK\r");
    t.wait_for("A (191):", 1);
    t.wait_for("VM READ  ", 4);
    t.send("LOGOFF\r");
    let text = t.finish();
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("no {s:?} in:\n{text}"))
    };
    // In order: QUERY USERID's answer, LISTFILE's (an empty A-disk), QUERY DISK's.
    assert!(at("VM390 AT VM390") < at("File not found."), "{text}");
    assert!(at("File not found.") < at("A (191):"), "{text}");
    // Each line is shown at the read that took it.
    assert!(text.contains("VM READ  LISTF"), "{text}");
    assert!(text.contains("VM READ  Q DISK"), "{text}");
}

/// Ctrl-C while the guest loops (it never reads its console) enters CP mode; a CP
/// command is answered there, and LOGOFF ends the session. Lines typed while the guest
/// ran go to the CP READ that follows, in order.
#[test]
fn attention_while_the_guest_loops() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = looper(tmp.path(), "");
    let dir = dir.display().to_string();
    let Some(mut t) = Tty::start(&["--directory", &dir, "--logon", "LOOPER"]) else {
        return;
    };
    t.wait_for("\x1b]0;VM390  RUNNING\x07", 1);
    // Let the loop run a while (it runs whatever the delay).
    std::thread::sleep(Duration::from_millis(300));
    t.send("\x03");
    t.wait_for("CP READ  ", 1);
    t.send("QUERY USERID\r");
    t.wait_for("LOOPER AT VM390", 1);
    t.wait_for("CP READ  ", 2);
    // Back to the loop; a line typed while it runs waits for the next CP READ.
    t.send("BEGIN\r");
    t.wait_for("\x1b]0;VM390  RUNNING\x07", 2);
    t.send("QUERY USERID\r\x03");
    t.wait_for("LOOPER AT VM390", 2);
    t.wait_for("CP READ  ", 4);
    t.send("LOGOFF\r");
    let text = t.finish();
    assert!(text.contains("LOGOFF AT"), "{text}");
}

/// The LOGON dialog's password and a LINK password are read without being shown, and
/// the up arrow does not bring a password (or the LOGON dialog's lines) back.
#[test]
fn passwords_are_not_shown() {
    let Some(sh) = shared(&["cmsuser_191.cckd"]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    copy_files(&sh, tmp.path(), &["cmsuser_191.cckd"]);
    let dir = looper(
        tmp.path(),
        "DASD CMS191 3350 cmsuser_191.cckd\n\
         USER OTHER OTHER 1M 1M G\n \
         MDISK 391 3350 000 005 CMS191 RR LINKPWRD WPASS MPASS\n",
    );
    let dir = dir.display().to_string();
    let Some(mut t) = Tty::start(&["--directory", &dir]) else {
        return;
    };
    t.wait_for("VM390 ONLINE", 1);
    t.wait_for("CP READ  ", 1);
    t.send("LOGON LOOPER\r");
    t.wait_for("ENTER PASSWORD:", 1);
    t.wait_for("CP READ  ", 2);
    t.send("SECRETPW\r");
    t.wait_for("LOGON AT", 1);
    assert!(
        !t.text().contains("SECRETPW"),
        "password shown:\n{}",
        t.text()
    );
    t.wait_for("\x1b]0;VM390  RUNNING\x07", 1);
    t.send("\x03");
    t.wait_for("CP READ  ", 3);
    t.send("LINK OTHER 391 391 RR\r");
    t.wait_for("ENTER READ PASSWORD:", 1);
    t.wait_for("CP READ  ", 4);
    t.send("LINKPWRD\r");
    t.wait_for("CP READ  ", 5);
    t.send("QUERY VIRTUAL 391\r");
    t.wait_for("CP READ  ", 6);
    // The up arrow: the last line entered (QUERY), then the one before (LINK), then no
    // further back (not the password nor the LOGON dialog).
    t.send("\x1b[A\x1b[A\x1b[A\x1b[A\x15LOGOFF\r");
    let text = t.finish();
    assert!(text.contains("DASD 391"), "LINK did not work:\n{text}");
    for pw in ["SECRETPW", "LINKPWRD"] {
        assert!(!text.contains(pw), "{pw} shown:\n{text}");
    }
    assert!(!text.contains("LOGON LOOPER\x1b[K"), "{text}");
}
