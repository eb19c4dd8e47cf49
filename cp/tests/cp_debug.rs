//! CP's debugging commands from the `vm390` binary (issue #15): DISPLAY, STORE, ADSTOP and
//! DUMP as a MINICMS user types them (`#CP` while the guest reads, and in CP mode after
//! an address stop), with the responses of VM/370 R6's HELP files (DISPLAY, STORE,
//! ADSTOP, DUMP HELPCMD/HELPCMD2).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

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

/// The lines of `out` from the first one equal to `first` on, `n` of them.
fn lines_from<'a>(out: &'a str, first: &str, n: usize) -> Vec<&'a str> {
    let l: Vec<&str> = out.lines().collect();
    let at = l
        .iter()
        .position(|x| *x == first)
        .unwrap_or_else(|| panic!("no line {first:?} in:\n{out}"));
    l[at..(at + n).min(l.len())].to_vec()
}

/// `#CP STORE` into storage and registers, then `#CP DISPLAY` shows what was stored, in
/// VM's formats; the errors are VM's messages and end the command after the operands
/// before them were done.
#[test]
fn store_then_display_storage_registers_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = minicms(
        tmp.path(),
        "#CP DISPLAY PSW\n\
         #CP STORE F0000 C1C2C3C4 5 SF0009 F1F2F3\n\
         #CP DISPLAY TF0000.10 LF0004 KF0000\n\
         #CP STO Y2 41100000 X3 ABC\n\
         #CP D Y2 X3\n\
         #CP STORE SF0000 ABC\n\
         #CP D LF0000\n\
         #CP D F0000 ZZ F0004\n\
         #CP D 20-10\n\
         #CP D 7FFFFFFF\n\
         #CP D G16\n\
         #CP STORE\n\
         LOGOFF\n",
    );
    // MINICMS reads its console with the PSW its IPL gave it.
    assert!(
        out.lines().any(|l| l.starts_with("PSW = 00000000  ")),
        "{out}"
    );
    assert_eq!(
        lines_from(&out, "STORE COMPLETE", 4),
        [
            "STORE COMPLETE",
            "0F0000 C1C2C3C4 00000005 00F1F2F3 00000000 (00) *ABCD.....123....*",
            "0F0004 00000005",
            "0F0000 TO 0F07FF   KEY = 00",
        ]
    );
    assert_eq!(
        lines_from(
            &out,
            "FPR 2 = 4110000000000000  .10000000000000000  E 01",
            2
        )[1],
        "ECR 3 = 00000ABC"
    );
    // An odd number of digits: the whole bytes are stored, then the message.
    assert_eq!(
        lines_from(&out, "DMKCDS005E INVALID HEXDATA - ABC", 2)[1],
        "0F0000 ABC2C3C4 (00)"
    );
    // The operand before the invalid one is shown, the one after it is not.
    assert_eq!(
        lines_from(&out, "0F0000 ABC2C3C4 (00)", 4)[1..],
        [
            "0F0000 ABC2C3C4 (00)",
            "DMKCDB003E INVALID OPTION - ZZ",
            "DMKCDB009E INVALID RANGE - 20-10"
        ]
    );
    for m in [
        "DMKCDB009E INVALID RANGE - 20-10",
        "DMKCDB160E HEXLOC 7FFFFFFF EXCEEDS STORAGE",
        "DMKCDB010E INVALID REGISTER - 16",
        "DMKCDS026E OPERAND MISSING OR INVALID",
    ] {
        assert!(out.lines().any(|l| l == m), "no {m:?} in:\n{out}");
    }
}

/// ADSTOP stops a guest loop before the instruction at the address, in CP mode (CP
/// READ), where DISPLAY shows the state; BEGIN resumes, and a new ADSTOP stops it again.
/// The loop (`LA 1,1(1)`, `BR 2` at X'F0000') is stored with STORE and started with
/// STORE PSW while MINICMS reads its console.
#[test]
fn adstop_stops_a_loop_and_begin_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let wait = console_wait_branch();
    let script = format!(
        "#CP STORE F0000 41101001 07F20000 G1 0 G2 F0000\n\
         #CP DISPLAY LF0000.8 G1-2\n\
         #CP ADSTOP F0004\n\
         #CP STORE PSW 0 F0000\n\
         ignored\n\
         DISPLAY PSW G1\n\
         ADSTOP F0000\n\
         BEGIN\n\
         DISPLAY PSW G1\n\
         ADSTOP F0004\n\
         BEGIN\n\
         DISPLAY G1\n\
         ADSTOP F0004\n\
         ADSTOP OFF\n\
         ADSTOP 1\n\
         ADSTOP\n\
         ADSTOP {wait:X}\n\
         IPL MINICMS\n\
         #CP ADSTOP {wait:X}\n\
         X\n\
         BEGIN\n\
         LOGOFF\n"
    );
    let out = minicms(tmp.path(), &script);
    // An IPL removes the address stop (ADSTOP HELPCMD2 note 1): MINICMS goes through
    // its console-wait branch after each console read, and stops there only for the
    // ADSTOP given after the IPL.
    let stop = format!("ADSTOP AT {wait:06X}");
    let stops = out.lines().filter(|l| *l == stop).count();
    assert_eq!(stops, 1, "{out}");
    assert!(out.find(&stop) > out.rfind("MINICMS VERSION"), "{out}");
    assert_eq!(
        lines_from(&out, "0F0000 41101001 07F20000 (00)", 2),
        ["0F0000 41101001 07F20000 (00)", "GPR 1 = 00000000 000F0000"]
    );
    assert_eq!(
        lines_from(&out, "ADSTOP AT 0F0004", 10),
        [
            "ADSTOP AT 0F0004",
            "PSW = 00000000  000F0004",
            "GPR 1 = 00000001",
            "ADSTOP AT 0F0000",
            "PSW = 00000000  000F0000",
            "GPR 1 = 00000001",
            "ADSTOP AT 0F0004",
            "GPR 1 = 00000002",
            "DMKCDS004E INVALID HEXLOC - 1",
            "DMKCDS026E OPERAND MISSING OR INVALID",
        ]
    );
}

/// DUMP writes the dump to the virtual printer through the device and closes it: a
/// printer spool file, `COMMAND COMPLETE`.
#[test]
fn dump_goes_to_the_printer() {
    let tmp = tempfile::tempdir().unwrap();
    let out = minicms(
        tmp.path(),
        "#CP DUMP 0-2FFFF *MY DUMP\n#CP QUERY PRT\n#CP DUMP 0-10 XYZ\nLOGOFF\n",
    );
    // CLOSE answers nothing for a plain file (CLOSE HELPCMD2); QUERY PRT shows it.
    let l = lines_from(&out, "DUMPING LOC 010000", 3);
    assert_eq!(l[1], "DUMPING LOC 020000");
    assert_eq!(l[2], "COMMAND COMPLETE");
    assert!(
        out.lines()
            .any(|l| l.contains(" PRT ") && l.contains(" 0001 ")),
        "no printer file in:\n{out}"
    );
    assert!(
        out.lines().any(|l| l == "DMKCDB003E INVALID OPTION - XYZ"),
        "{out}"
    );
}

/// The address of MINICMS's `BC 8,CONSWAIT` (the branch it takes after each console read),
/// from MINICMS's own assembler listing, so that the test follows MINICMS's changes.
fn console_wait_branch() -> u32 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests/minicms");
    let (text, _) = guests::minicms::concatenate(&dir).expect("MINICMS sources");
    let (result, listing) = guests::asm::assemble_with_listing("minicms", &text);
    result.expect("MINICMS assembles");
    let line = listing
        .lines()
        .find(|l| l.contains("BC    8,CONSWAIT"))
        .expect("MINICMS's console-wait branch in its listing");
    u32::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}
