//! `vm390 --directory vm390.direct --logon CMSUSER` IPLs the VM/370 R6 CMS saved system to
//! its banner and `Ready;`, driven through standard input like a script. The shared images
//! are only read: they are read-only files, so vm390 attaches them read-only (writes to
//! copies are tested in `cms_writes.rs`).

mod common;

use common::{session, session_as, shared};

#[test]
fn ipl_cms_to_ready_and_logoff() {
    let Some(dir) = shared(&[]) else { return };
    let (code, out) = session(&dir.join("vm390.direct"), "\nLOGOFF\n");
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
    let Some(dir) = shared(&[]) else { return };
    let (code, out) = session(
        &dir.join("vm390.direct"),
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
    let Some(dir) = shared(&[]) else { return };
    let (code, out) = session(&dir.join("vm390.direct"), "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
}

/// Without `--logon` the terminal logs on as VM does: `LOGON userid`, then the password.
#[test]
fn logon_with_password() {
    let Some(dir) = shared(&[]) else { return };
    let d = dir.join("vm390.direct");
    let (code, out) = session_as(
        &d,
        None,
        "QUERY TIME\nLOGON NOBODY\nLOGON CMSUSER\nWRONG\nL CMSUSER\ncmsuser\nACCESS (NOPROF\nLOGOFF\n",
    );
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("VM390 ONLINE\n"), "{out}");
    assert!(out.contains("DMKCFM001E UNKNOWN CP COMMAND"), "{out}");
    assert!(
        out.contains("DMKLOG053E NOBODY NOT IN CP DIRECTORY"),
        "{out}"
    );
    assert_eq!(out.matches("ENTER PASSWORD:").count(), 2, "{out}");
    assert!(
        out.contains("DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"),
        "{out}"
    );
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    // A NOLOG user cannot log on; the end of input before a logon ends the session.
    let (code, out) = session_as(&d, None, "LOGON MAINT\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("DMKLOG053E MAINT NOT IN CP DIRECTORY"),
        "{out}"
    );
    assert!(!out.contains("CMS VERSION"), "{out}");
}
