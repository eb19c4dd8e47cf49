//! CP TRACE and `vm390 run --trace` from the binary (issue #15): a small assembled guest
//! traced with `--trace svc,diag,program,branch` and `--trace-file` (JSON lines), and a
//! MINICMS user's `#CP TRACE` (TERMINAL lines, NORUN stopping in CP READ, BEGIN, PRINTER,
//! END), in the formats of VM/370 R6's TRACE HELPCMD2.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// The guest: an SVC (its handler LPSWs back), an operation exception (its handler goes
/// on), a DIAGNOSE X'08' `QUERY USERID`, a BCT loop of three rounds, a disabled wait.
const GUEST: &str = "
         START 0
         DC    X'0008000000000200'    IPL PSW: ESA/390, X'200'
         ORG   X'60'
         DC    X'0008000000000300'    SVC new PSW
         DC    X'0008000000000400'    program new PSW
         ORG   X'200'
         LA    4,3
         SVC   12
         DC    X'0000'                operation exception
         ORG   X'300'
         LPSW  X'20'                  back after the SVC
         ORG   X'400'
         BALR  12,0
         USING *,12
         LA    2,CMD
         LA    3,L'CMD
         DIAG  2,3,X'08'
LOOP     BCT   4,LOOP
         LPSW  WAIT
         DS    0D
WAIT     DC    X'000A000000000000'
CMD      DC    C'QUERY USERID'
         END
";

fn guest(dir: &Path) -> std::path::PathBuf {
    let a = match guests::asm::assemble("trace", GUEST) {
        Ok(a) => a,
        Err(e) => panic!(
            "{}",
            e.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assert_eq!(a.origin, 0);
    let p = dir.join("guest.bin");
    std::fs::write(&p, &a.image).unwrap();
    p
}

#[test]
fn run_trace_prints_events_and_writes_json_lines() {
    let t = tempfile::tempdir().unwrap();
    let img = guest(t.path());
    let file = t.path().join("trace.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--trace", "SVC,diag,Program,branch", "--trace-file"])
        .arg(&file)
        .arg(&img)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "*** 000206 SVC  0C ==> 000300",
            "::: 000300 LPSW  82000020 ==> 00080000  00000206",
            "*** 000208 PROG 0001 ==> 000400",
            "::: 00040A DIAG  83230008 CODE 0008 R2 00000420>00000420 R3 0000000C>00000000 CC 0 \
             'QUERY USERID'",
            "00040E BCT   4640C00C      ==> 00040E  4,12(,12)",
            "00040E BCT   4640C00C      ==> 00040E  4,12(,12)",
            "::: 000412 LPSW  8200C016     000A0000  00000000",
        ],
        "{err}"
    );
    assert!(stdout.contains("RUNNER AT VM390"), "{stdout}");
    // The JSON lines: one object per event, with kind, psw and (DIAGNOSE) code.
    let text = std::fs::read_to_string(&file).unwrap();
    let objs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["svc", "priv", "program", "diag", "branch", "branch", "priv"]
    );
    assert_eq!(objs[0]["psw"], "0008000000000206");
    assert_eq!(objs[0]["code"], "000C");
    assert_eq!(objs[2]["code"], "0001");
    assert_eq!(objs[3]["code"], "0008");
    assert_eq!(objs[3]["cc"], 0);
    assert_eq!(objs[3]["entry"][1], "0000000C");
    assert_eq!(objs[3]["exit"][1], "00000000");
    assert_eq!(objs[4]["target"], "0000040E");
    assert_eq!(objs[3]["text"], lines[3]);
    // An existing file is not overwritten.
    let again = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--trace-file"])
        .arg(&file)
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // A kind that is no TRACE operand is a one-line error.
    let bad = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--trace", "svc,nonsense"])
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'nonsense' is not a trace kind"));
}

/// `--trace ccw` on S/370: each I/O instruction (here to a device that does not exist,
/// CC 3, so no channel program is listed), in VM's `I/O vvvvvv mnem xxxxxxxx type vadd CC n`
/// form.
#[test]
fn run_trace_sio_on_s370() {
    let src = "
         START 0
         DC    X'0000000000000200'    IPL PSW: BC mode, X'200'
         ORG   X'200'
         SIO   X'123'
         TIO   X'123'
         LPSW  X'210'
         ORG   X'210'
         DC    X'0002000000000000'
         END
";
    let t = tempfile::tempdir().unwrap();
    let a = guests::asm::assemble("sio", src).unwrap_or_else(|_| panic!("assembles"));
    let img = t.path().join("sio.bin");
    std::fs::write(&img, &a.image).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--arch", "s370", "--trace", "ccw"])
        .arg(&img)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "I/O 000200 SIO   9C000123 DEV 123 CC 3 CAW 00000000",
            "I/O 000204 TIO   9D000123 DEV 123 CC 3",
        ]
    );
}

/// A `vm390 run` guest that gives `TRACE SVC BRANCH` itself (DIAGNOSE X'08'): tracing
/// starts with the next instruction, the lines go to its console (standard error under
/// --json), and NORUN does not stop a machine with no terminal to read: the run ends at
/// the guest's disabled wait.
#[test]
fn run_guest_trace_command_does_not_stop_the_run() {
    let src = "
         START 0
         DC    X'0008000000000200'    IPL PSW: ESA/390, X'200'
         ORG   X'60'
         DC    X'000A000000000000'    SVC new PSW: disabled wait
         ORG   X'200'
         BALR  12,0
         USING *,12
         LA    2,CMD
         LA    3,L'CMD
         DIAG  2,3,X'08'
         LA    4,3
LOOP     BCT   4,LOOP
         SVC   7
CMD      DC    C'TRACE SVC BRANCH'
         END
";
    let t = tempfile::tempdir().unwrap();
    let a = guests::asm::assemble("svc", src).unwrap_or_else(|_| panic!("assembles"));
    let img = t.path().join("svc.bin");
    std::fs::write(&img, &a.image).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--json"])
        .arg(&img)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let json = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{json}\n{err}");
    assert!(json.contains("\"stop\":\"disabled-wait\""), "{json}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "TRACE STARTED",
            "000212 BCT   4640C010      ==> 000212  4,16(,12)",
            "000212 BCT   4640C010      ==> 000212  4,16(,12)",
            "*** 000218 SVC  07 ==> 000000"
        ]
    );
}

/// Without --trace nothing is traced: the same run writes nothing on stderr.
#[test]
fn run_without_trace_prints_no_events() {
    let t = tempfile::tempdir().unwrap();
    let img = guest(t.path());
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("run")
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Runs the built-in MINICMS user (`vm390 --data-dir TMP`) with `input`; returns stdout.
fn minicms(tmp: &Path, input: &str) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--data-dir")
        .arg(tmp)
        .env("HOME", tmp)
        .env("XDG_DATA_HOME", tmp.join("xdg"))
        .current_dir(tmp)
        .stderr(Stdio::piped());
    let (code, out, err) = common::run_script(cmd, input, Duration::from_secs(60));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("LOGOFF AT"), "{out}\n{err}");
    out
}

/// `#CP TRACE DIAG` (TERMINAL NORUN, the default): TRACE STARTED; the guest's next
/// DIAGNOSE is shown and the machine stops in CP READ, so the next line is a CP command
/// (`DISPLAY PSW` answered at once, before the guest runs again); BEGIN goes on.
/// `TRACE END`: TRACE ENDED, and the guest runs untraced.
#[test]
fn cp_trace_norun_stops_in_cp_read_after_each_event() {
    let tmp = tempfile::tempdir().unwrap();
    let out = minicms(
        tmp.path(),
        "#CP TRACE DIAG\nQUERY USERID\nDISPLAY PSW\nBEGIN\n#CP TRACE END\nQUERY USERID\nLOGOFF\n",
    );
    let l: Vec<&str> = out.lines().collect();
    let started = l.iter().position(|x| *x == "TRACE STARTED").expect(&out);
    // The first traced DIAGNOSE (MINICMS's DIAG X'18' for the command read), then the
    // CP's answer to the line read in CP READ.
    let first = started + 1;
    assert!(
        l[first].starts_with("::: ")
            && l[first].contains(" DIAG  8")
            && l[first].ends_with(" CC 0"),
        "{out}"
    );
    assert!(
        l[first + 1].starts_with("PSW = "),
        "no stop after the event:\n{out}"
    );
    let answer = l.iter().position(|x| *x == "VM390 AT VM390").expect(&out);
    assert!(answer > first + 1, "{out}");
    let ended = l.iter().position(|x| *x == "TRACE ENDED").expect(&out);
    assert!(
        !l[ended..].iter().any(|x| x.contains(" DIAG ")),
        "traced after TRACE END:\n{out}"
    );
    assert_eq!(
        l[ended..].iter().filter(|x| x.contains("AT VM390")).count(),
        1,
        "{out}"
    );
}

/// RUN: the events are shown and the machine goes on; PRINTER sends them to the printer
/// (a spool file at CLOSE); bad operands give VM's messages.
#[test]
fn cp_trace_run_printer_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = minicms(
        tmp.path(),
        "#CP TRACE SVC PRIV RUN\nQUERY USERID\n#CP TRACE END\n\
         #CP TRACE DIAG PRINTER\nQUERY USERID\n#CP TRACE END\n#CP CLOSE 00E\n#CP QUERY PRT\n\
         #CP TRACE\n#CP TRACE SVC NOPE\n#CP TRACE DIAG PRINTER RUN\nLOGOFF\n",
    );
    assert!(out.lines().any(|l| l.starts_with("::: ")), "{out}");
    let started = out.find("TRACE STARTED").unwrap();
    assert!(out[started..].contains("AT VM390"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains(" PRT ") && l.contains(" 0001 ")),
        "no printer file:\n{out}"
    );
    for m in [
        "DMKTRA026E OPERAND MISSING OR INVALID",
        "DMKTRA003E INVALID OPTION - NOPE",
        "DMKTRA003E INVALID OPTION - RUN",
    ] {
        assert!(out.lines().any(|l| l == m), "{m}:\n{out}");
    }
}
