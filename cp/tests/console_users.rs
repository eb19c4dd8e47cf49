//! Several users under one `vm390` process, from its console: `--autolog` starts a user with
//! no terminal, the console's user DISCONNECTs and the console goes back to the LOGON
//! dialog, LOGON reconnects the AUTOLOGged user (`RECONNECTED AT`, CP mode), and SHUTDOWN
//! logs everybody off and ends the program.

mod common;

use std::process::Command;
use std::time::Duration;

#[test]
fn autolog_disconnect_reconnect_and_shutdown_at_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(
        &direct,
        "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n\
         USER CAROL CPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(&direct)
        .args(["--autolog", "CAROL", "--logon", "OPER"]);
    let input = "QUERY NAMES\nMSG CAROL hello\nDISCONNECT\n\
                 LOGON CAROL\nCPW\nQUERY USERID\nMSG OPER back again\nBEGIN\nCP QUERY USERS\nCP LOGOFF\n\
                 LOGON OPER OPERPW\nQUERY NAMES\nSHUTDOWN\n";
    let (code, out, _) = common::run_script(cmd, input, Duration::from_secs(60));
    assert_eq!(code, 0, "{out}");
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no '{s}' in:\n{out}"));
    assert!(at("AUTO LOGON  ***  CAROL USERS = 001") < at("LOGON AT"));
    // QUERY NAMES at the console: CAROL has no terminal.
    assert!(out.contains("CAROL    - DSC"), "{out}");
    assert!(
        out.contains("DMKMSG057W CAROL NOT RECEIVING; DISCONNECTED"),
        "{out}"
    );
    // DISCONNECT gives the console back to the LOGON dialog, which reconnects CAROL.
    assert!(at("DISCONNECT AT") < at("VM390 ONLINE"), "{out}");
    assert!(at("ENTER PASSWORD:") < at("RECONNECTED AT"), "{out}");
    assert!(out.contains("CAROL AT VM390"), "{out}");
    // OPER is disconnected: a message to it is not received.
    assert!(
        out.contains("DMKMSG057W OPER NOT RECEIVING; DISCONNECTED"),
        "{out}"
    );
    // BEGIN: MINICMS reads again and takes commands; CP QUERY USERS counts both.
    assert!(out.contains("002 USERS , 000 DIALED"), "{out}");
    // After CAROL's LOGOFF the console reconnects OPER, who shuts the system down.
    let second = out.rfind("RECONNECTED AT").unwrap();
    assert!(second > at("LOGOFF AT"), "{out}");
    assert!(out[second..].contains("OPER     - "), "{out}");
    assert!(
        out[second..].contains("DMKCKP960I SYSTEM WARM START DATA SAVED"),
        "{out}"
    );
}

/// The end of the console's input while an AUTOLOGged user runs is a SHUTDOWN: the user
/// is logged off and the program ends.
#[test]
fn end_of_console_input_shuts_down_autologged_users() {
    let tmp = tempfile::tempdir().unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(
        &direct,
        "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n\
         USER CAROL CPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(&direct)
        .args(["--autolog", "CAROL", "--logon", "OPER"]);
    let (code, out, _) = common::run_script(cmd, "QUERY USERS\nLOGOFF\n", Duration::from_secs(30));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("002 USERS"), "{out}");
    // OPER logged off; CAROL still ran, so the LOGON dialog came back; its end of input
    // ended the system.
    assert!(out.contains("LOGOFF AT"), "{out}");
    assert!(out.rfind("VM390 ONLINE") > out.find("LOGOFF AT"), "{out}");
}

/// `--print-to DIR` is the system printer: a printer file is written to DIR as text as it is
/// closed (here DUMP's) and leaves the queue; an existing host file is never replaced.
#[test]
fn print_to_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("printed");
    std::fs::create_dir(&out_dir).unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(
        &direct,
        "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n",
    )
    .unwrap();
    // A file with the name the next printer file would get (spool id 0002) is kept.
    std::fs::write(out_dir.join("0002-OPER.txt"), "MINE\n").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(&direct)
        .args(["--logon", "OPER", "--print-to"])
        .arg(&out_dir);
    let (code, out, _) = common::run_script(
        cmd,
        "STORE 200 C8C5D3D3\nDUMP 200-20F\nQUERY PRINTER ALL\nDUMP 200-20F\nQUERY PRINTER ALL\nLOGOFF\n",
        Duration::from_secs(30),
    );
    assert_eq!(code, 0, "{out}");
    let first = std::fs::read_to_string(out_dir.join("0001-OPER.txt"))
        .unwrap_or_else(|e| panic!("0001-OPER.txt: {e}\n{out}"));
    assert!(first.contains("C8C5D3D3"), "{first}");
    // The second file could not be printed: it stays in the queue, and the host file is
    // what it was.
    assert_eq!(
        std::fs::read_to_string(out_dir.join("0002-OPER.txt")).unwrap(),
        "MINE\n"
    );
    let listings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("OPER     0"))
        .collect();
    assert_eq!(listings.len(), 1, "{out}");
    assert!(listings[0].starts_with("OPER     0002"), "{out}");
}

/// `CP QUERY DIAGNOSE` (a vm390 addition, issue #15): MINICMS's hypercalls by code; a
/// LISTFILE reads the disk with DIAGNOSE X'18', so the second listing counts more of them.
#[test]
fn query_diagnose_counts_the_hypercalls() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--data-dir").arg(tmp.path());
    cmd.stderr(std::process::Stdio::null());
    let (code, out, _) = common::run_script(
        cmd,
        "CP QUERY DIAGNOSE\nLISTFILE\nCP QUERY DIAG\nLOGOFF\n",
        Duration::from_secs(30),
    );
    assert_eq!(code, 0, "{out}");
    let calls_18: Vec<u64> = out
        .lines()
        .filter(|l| l.starts_with("0018 "))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(calls_18.len(), 2, "{out}");
    assert!(calls_18[0] >= 1 && calls_18[1] > calls_18[0], "{out}");
    assert_eq!(
        out.matches("I/O INTERRUPTIONS REFLECTED").count(),
        2,
        "{out}"
    );
}

/// `SPOOL CONSOLE START` spools the console (GC20-1820, SPOOL): the lines from START to STOP
/// become a printer file at `CLOSE CONSOLE` (here printed with `--print-to`), and LOGOFF
/// closes a console file still open.
#[test]
fn spool_console_start_stop_and_close() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("printed");
    std::fs::create_dir(&out_dir).unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(
        &direct,
        "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(&direct)
        .args(["--logon", "OPER", "--print-to"])
        .arg(&out_dir);
    let (code, out, _) = common::run_script(
        cmd,
        "QUERY TIME\nSPOOL CONSOLE START\nQUERY USERID\nQUERY VIRTUAL 009\nSPOOL CONSOLE STOP\n\
         QUERY STORAGE\nCLOSE CONSOLE NAME SESSION LOG\nSPOOL CONS START\nQUERY USERS\nLOGOFF\n",
        Duration::from_secs(30),
    );
    assert_eq!(code, 0, "{out}");
    let first = std::fs::read_to_string(out_dir.join("0001-OPER-SESSION-LOG.txt"))
        .unwrap_or_else(|e| panic!("the console file: {e}\n{out}"));
    assert!(first.contains("OPER AT VM390"), "{first}");
    assert!(
        first.contains("CONS 009") && first.contains("START"),
        "{first}"
    );
    assert!(
        !first.contains("TIME IS") && !first.contains("STORAGE ="),
        "{first}"
    );
    // The second file, still open at LOGOFF, is closed by it.
    let second = std::fs::read_to_string(out_dir.join("0002-OPER.txt"))
        .unwrap_or_else(|e| panic!("the file LOGOFF closed: {e}\n{out}"));
    assert!(second.contains("001 USER"), "{second}");
    assert!(second.contains("LOGOFF AT"), "{second}");
}
