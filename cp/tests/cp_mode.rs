//! CP mode (CP READ) from the `vm390` binary, whatever the guest's state: a user with no
//! IPL or a failed IPL waits there (no CPU burnt), CP commands with the `CP` prefix after a
//! CMS abend, NOLOG users, and storage sizes the directory defines (issue #12, items 3, 7
//! and 15).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{run_script, session, setup, shared, CMS_FILES};

/// Runs `vm390 --directory DIR --logon USER` with `input`, killed (and the test failed)
/// after `limit`; returns (exit code, stdout, stderr).
fn run_bounded(dir: &Path, user: &str, input: &str, limit: Duration) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(dir)
        .arg("--logon")
        .arg(user)
        .stderr(std::process::Stdio::piped());
    run_script(cmd, input, limit)
}

/// USER BARE (no IPL statement) waits in CP READ: CP commands are answered and LOGOFF
/// ends the session at once; the guest's zero PSW is never run.
#[test]
fn no_ipl_user_waits_in_cp_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bare.direct");
    std::fs::write(&dir, "USER BARE BARE 1M 1M G\n CONSOLE 009 3215\n").unwrap();
    let start = Instant::now();
    let (code, out, err) = run_bounded(
        &dir,
        "BARE",
        "QUERY TIME\nCP QUERY USERID\nBEGIN\nQUERY VIRTUAL STORAGE\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(start.elapsed() < Duration::from_secs(10), "{out}");
    assert!(out.contains("\nTIME IS "), "{out}");
    assert!(out.contains("\nBARE AT "), "{out}");
    assert!(out.contains("\nSTORAGE = 00001M"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    assert!(!out.contains("DMKCFM001E"), "{out}");
    assert!(!out.contains("DMKDSP"), "{out}");
}

/// An IPL that fails at logon (a garbage `.segment` file: DMKVMI177E) leaves the user in
/// CP READ, not running a machine of zeroes.
#[test]
fn failed_ipl_waits_in_cp_mode() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("CMS.segment"),
        b"this is not a saved system".repeat(400),
    )
    .unwrap();
    let dir = tmp.path().join("bad.direct");
    std::fs::write(
        &dir,
        "NSS CMS CMS.segment IPL\nUSER BARE BARE 1M 1M G\n IPL CMS\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let start = Instant::now();
    let (code, out, err) = run_bounded(
        &dir,
        "BARE",
        "QUERY USERID\nIPL CMS\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(start.elapsed() < Duration::from_secs(10), "{out}");
    // At logon and for the IPL command.
    assert_eq!(out.matches("DMKVMI177E").count(), 2, "{out}");
    assert!(out.contains("\nBARE AT "), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}

/// A copy of CMS.segment cut at a page boundary reads as a saved system of fewer pages,
/// whose PSW (X'020128') addresses none of them: a paging error at logon, and CP READ
/// rather than a machine that runs zeroes.
#[test]
fn truncated_cms_segment_waits_in_cp_mode() {
    let Some(s) = shared(&["CMS.segment"]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let whole = std::fs::read(s.join("CMS.segment")).unwrap();
    std::fs::write(tmp.path().join("CMS.segment"), &whole[..6 * 4096]).unwrap();
    let dir = tmp.path().join("cut.direct");
    std::fs::write(
        &dir,
        "NSS CMS CMS.segment IPL\nUSER BARE BARE 1M 1M G\n IPL CMS\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let (code, out, err) = run_bounded(
        &dir,
        "BARE",
        "QUERY USERID\nBEGIN\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("DMKVMI177E PAGING ERROR"), "{out}");
    assert!(out.contains("X'020128'"), "{out}");
    assert!(out.contains("\nBARE AT "), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}

/// `--logon` of a NOLOG user is refused as the LOGON dialog refuses it.
#[test]
fn nolog_user_is_refused_by_logon_option() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nolog.direct");
    std::fs::write(&dir, "USER MAINT NOLOG 1M 1M G\n CONSOLE 009 3215\n").unwrap();
    let (code, out, err) = run_bounded(
        &dir,
        "MAINT",
        "QUERY USERID\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains("LOGON AT"), "{out}");
    assert!(err.contains("MAINT not in CP directory"), "{err}");
}

/// A directory size above S/370's 16M: LOGON says which size is used, and QUERY VIRTUAL
/// STORAGE shows it.
#[test]
fn storage_above_16m_is_clamped_at_logon() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("big.direct");
    std::fs::write(&dir, "USER BIG BIG 2048M 2048M G\n CONSOLE 009 3215\n").unwrap();
    let (code, out, err) = run_bounded(
        &dir,
        "BIG",
        "QUERY VIRTUAL STORAGE\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("VM390: DIRECTORY STORAGE 02048M EXCEEDS THE S/370 MAXIMUM; STORAGE = 00016M"),
        "{out}"
    );
    assert!(out.contains("\nSTORAGE = 00016M"), "{out}");
}

/// Real CMS: TESTCMD (a TEXT deck needing the absent RESLIB) program-checks
/// (DMSITP141T); the abend prompt's answer leads to DMSABN152T and a disabled wait
/// (DMKDSP450W). In CP mode then, `CP QUERY TIME` (the prefix typed out of habit) and
/// every other command are answered, not DMKCFM001E.
#[test]
fn cp_prefix_after_a_cms_abend() {
    let Some(s) = shared(&CMS_FILES) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&s, tmp.path(), "MR", "");
    let (code, out) = session(
        &dir,
        "TESTCMD\nGO ON\nCP QUERY TIME\nQUERY USERID\ncp q virtual storage\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("DMSITP141T"), "{out}");
    let after = out
        .split("DMKDSP450W")
        .nth(1)
        .expect("CMS's abend ends in a disabled wait");
    assert!(after.contains("\nTIME IS "), "{out}");
    assert!(after.contains("\nCMSUSER AT "), "{out}");
    assert!(after.contains("\nSTORAGE = 00015M"), "{out}");
    assert!(!after.contains("DMKCFM001E"), "{out}");
    assert!(after.contains("LOGOFF AT"), "{out}");
}

/// `vm390 run` of zeroed storage from the zero PSW: opcode X'00' is an operation
/// exception, and the program new PSW at X'68' is the zero PSW again. Every PSW is valid;
/// the loop is still caught at once (exit status 2), not run to the instruction limit.
#[test]
fn zero_storage_is_a_program_interrupt_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("zero.bin");
    std::fs::write(&img, vec![0u8; 0x1000]).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args([
        "run",
        "--arch",
        "s370",
        "--json",
        "--max-instructions",
        "2000000000",
    ])
    .arg(&img);
    let (code, out, _) = run_script(cmd, "", Duration::from_secs(60));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("\"stop\":\"program-interrupt-loop\""), "{out}");
    assert!(out.contains("\"instructions\":2,"), "{out}");
}

/// Privilege classes from the `vm390` binary: a user whose USER statement gives class A
/// only (an operator, no general user) finds QUERY and IPL unknown (CP hides the commands
/// of other classes: DMKCFM001E), while MESSAGE and LOGOFF, which are for any class, work.
#[test]
fn commands_of_other_classes_are_unknown() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("oper.direct");
    std::fs::write(&dir, "USER OPER OPER 1M 1M A\n CONSOLE 009 3215\n").unwrap();
    let (code, out, err) = run_bounded(
        &dir,
        "OPER",
        "QUERY TIME\nIPL MINICMS\nMSG OPER HELLO\nLOGOFF\n",
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.matches("DMKCFM001E UNKNOWN CP COMMAND").count(),
        2,
        "{out}"
    );
    assert!(!out.contains("TIME IS "), "{out}");
    assert!(out.contains("HELLO"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}
