//! MINICMS's EXEC interpreter (`guests/minicms/exec2.asm`): the CMS EXEC language of
//! VM/370 R6 (R6's HELPEXC / HELPEXC2 on the 19D), driven through the `vm390` binary's
//! built-in MINICMS session. Every expected output below is what real R6 CMS typed for the
//! same EXEC under vm390 (`../shared/cms370`, as `exec_corpus.rs` runs it), only the
//! Ready line's timing left out; the EXECs are typed in with MINICMS's EDIT.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// Runs MINICMS on a fresh data directory: each `(name, lines)` is filed as `name EXEC`
/// with EDIT, then `commands` are typed; returns the console lines after the last FILE's
/// Ready (the LOGOFF lines left out).
fn run(execs: &[(&str, &[&str])], commands: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut input = String::new();
    for (name, lines) in execs {
        input.push_str(&format!("EDIT {name} EXEC\nINPUT\n"));
        for l in *lines {
            input.push_str(l);
            input.push('\n');
        }
        input.push_str("\nFILE\n");
    }
    input.push_str("CP MSG * ==== START\n");
    input.push_str(commands);
    input.push_str("LOGOFF\n");
    let out = session(tmp.path(), &input);
    let start = out.find("==== START").expect("the start mark");
    let rest = &out[start..];
    let rest = &rest[rest.find('\n').unwrap() + 1..];
    let rest = &rest[rest.find('\n').map_or(0, |i| i + 1)..]; // its Ready;
    let end = rest.find("CONNECT=").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// `vm390 --data-dir DIR` with `input`; the guest must not have stopped or abended.
fn session(dir: &Path, input: &str) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(["--data-dir", &dir.join("data").to_string_lossy()])
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .current_dir(dir)
        .stderr(Stdio::piped());
    let (code, out, err) = common::run_script(cmd, input, Duration::from_secs(60));
    assert_eq!(code, 0, "exit code; stderr:\n{err}\nstdout:\n{out}");
    assert!(
        !out.contains("DMSABN"),
        "the guest took a program check:\n{out}"
    );
    assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
    out
}

#[test]
fn variables_assignment_and_arithmetic() {
    let out = run(
        &[(
            "P1",
            &[
                "&X = 5",
                "&X = &X + 1",
                "&TYPE X IS &X Y IS &Y",
                "&Y = ABCDEFGHIJK",
                "&TYPE &Y &LENGTH &Y",
                "&Z = 3 - 5",
                "&W = 2 + 3 * 4",
                "&TYPE Z &Z W &W &1 &2 &INDEX &0",
                "&ARGS P Q R",
                "&TYPE &INDEX &3 -&1",
            ],
        )],
        "P1 A B\n",
    );
    assert_eq!(
        out,
        "X IS 6 Y IS\nABCDEFGH &LENGTH ABCDEFGH\nZ -2 W 20 A B 2 P1\n3 R -P\nReady;\n"
    );
}

#[test]
fn labels_goto_loop_skip_and_if() {
    let out = run(
        &[
            (
                "P2",
                &[
                    "&I = 0",
                    "-L1 &I = &I + 1",
                    "&TYPE I &I",
                    "&IF &I LT 3 &GOTO -L1",
                    "&LOOP 2 2",
                    "&TYPE IN LOOP",
                    "&TYPE BODY2",
                    "&SKIP 1",
                    "&TYPE SKIPPED",
                    "&TYPE END &RETCODE",
                ],
            ),
            (
                "Q2",
                &[
                    "&I = 0",
                    "&LOOP 2 &I EQ 3",
                    "&I = &I + 1",
                    "&TYPE I &I",
                    "&LOOP -E 2",
                    "&TYPE L1",
                    "-E &TYPE L2",
                    "&IF 10 GT 9 &TYPE NUM",
                    "&IF 10 GT 9A &TYPE STR",
                    "&IF 007 = 7 &EXIT 3",
                ],
            ),
        ],
        "P2\nQ2\n",
    );
    assert_eq!(
        out,
        "I 1\nI 2\nI 3\nIN LOOP\nBODY2\nIN LOOP\nBODY2\nEND 0\nReady;\n\
         I 1\nI 2\nI 3\nL1\nL2\nL1\nL2\nNUM\nReady(00003);\n"
    );
}

#[test]
fn commands_control_and_error() {
    let out = run(
        &[(
            "F2",
            &[
                "STATE F2 EXEC",
                "&ERROR &TYPE ERR &RETCODE",
                "&CONTROL ERROR",
                "NOSUCH1",
                "&CONTROL OFF",
                "NOSUCH2",
                "&CONTROL ALL",
                "&A = 1",
                "&ERROR &EXIT &RETCODE",
                "NOSUCH3",
            ],
        )],
        "F2\n",
    );
    assert_eq!(
        out,
        "STATE F2 EXEC\nNOSUCH1\n+++ R(-0003) +++\nERR -3\nERR -3\n&A = 1\n\
         &ERROR &EXIT &RETCODE\nNOSUCH3\n+++ R(-0003) +++\n&EXIT -3\nReady(-0003);\n"
    );
}

#[test]
fn output_stack_and_read() {
    let out = run(
        &[
            (
                "F3",
                &[
                    "&STACK LIFO A",
                    "&STACK B C",
                    "&READ VARS &P &Q",
                    "&TYPE P &P Q &Q",
                    "&READ ARGS",
                    "&TYPE &1 &2 &INDEX",
                    "&EMSG XYZ001E HI THERE",
                    "&BEGTYPE",
                    "  HELLO  THERE &1",
                    "&END",
                ],
            ),
            (
                "F4",
                &[
                    "&BEGSTACK",
                    "&TYPE FROM THE STACK",
                    "&END",
                    "&READ 1",
                    "&SPACE 2",
                ],
            ),
        ],
        "F3\nF4\n",
    );
    assert_eq!(
        out,
        "P A Q\nB C 2\nHI THERE\n  HELLO  THERE &1\nReady;\nFROM THE STACK\n \n \nReady;\n"
    );
}

#[test]
fn built_in_functions() {
    let out = run(
        &[(
            "Q1",
            &[
                "&TYPE A(B)C (X) Y)",
                "&X = &CONCAT AB CD EF",
                "&Y = &LENGTH HELLO",
                "&Z = &DATATYPE 12",
                "&W = &DATATYPE A1",
                "&V = &SUBSTR ABCDEFG 2 3",
                "&U = &LITERAL &X",
                "&T = &DATATYPE -5",
                "&TYPE &X &Y &Z &W &V &U &T",
                "-LAB &TYPE LABELLED",
            ],
        )],
        "Q1\n",
    );
    assert_eq!(
        out,
        "A ( B ) C ( X ) Y )\nABCDEF 5 NUM CHAR BCD &X NUM\nLABELLED\nReady;\n"
    );
}

/// R6's errors: the line and return code 800 + n (`Error in EXEC file fn, line n - text`,
/// shown without its message id as R6 CMS shows it).
#[test]
fn errors_name_the_line_and_give_r6_return_codes() {
    let execs: &[(&str, &[&str])] = &[
        ("E1", &["&LOOP X 2"]),
        ("E2", &["&LOOP 1 2 3 4", "&TYPE X"]),
        ("E3", &["&TYPE FIRST", "&GOTO"]),
        ("E4", &["&IF 1 XX 2 &TYPE A"]),
        ("E5", &["&X = 1 +"]),
        ("E6", &["&X = 5 / 0"]),
        ("E7", &["&SKIP 5", "&TYPE NO"]),
        ("E8", &["&CONTROL FOO"]),
        ("E9", &["&X = A + 1"]),
        ("E10", &["&TYPE &Y."]),
    ];
    let out = run(execs, "E1\nE2\nE3\nE4\nE5\nE6\nE7\nE8\nE9\nE10\n");
    assert_eq!(
        out,
        "Error in EXEC file E1, line 1 - Conversion error\nReady(00812);\n\
         Error in EXEC file E2, line 1 - Invalid form of condition\nReady(00808);\n\
         FIRST\nError in EXEC file E3, line 2 - &SKIP or &GOTO error\nReady(00802);\n\
         Error in EXEC file E4, line 1 - Invalid form of condition\nReady(00808);\n\
         Error in EXEC file E5, line 1 - Invalid assignment\nReady(00809);\n\
         Error in EXEC file E6, line 1 - EXEC divide by zero\nReady(00830);\n\
         Ready;\n\
         Error in EXEC file E8, line 1 - Invalid syntax\nReady(00807);\n\
         Error in EXEC file E9, line 1 - Conversion error\nReady(00812);\n\
         Error in EXEC file E10, line 1 - Invalid char in variable symbol\nReady(00819);\n"
    );
}

/// An EXEC calling EXEC: the caller's variables are its own, `&GLOBAL` is the level and
/// `&GLOBALn` is shared, `&RETCODE` is the inner `&EXIT`; `&*` / `&$` test all / any
/// argument; `&HEX ON` converts `X'n` words; `&STACK HT` stops the EXEC's typing.
#[test]
fn nested_exec_globals_args_tests_hex_and_ht() {
    let out = run(
        &[
            (
                "N1",
                &[
                    "&CONTROL OFF",
                    "&A = OUTER",
                    "&GLOBAL1 = 5",
                    "EXEC N2 X",
                    "&TYPE BACK &A RC &RETCODE G1 &GLOBAL1",
                    "&IF &* = P &TYPE ALL P",
                    "&IF &$ = Q &TYPE ONE Q",
                    "&STACK HT",
                    "&TYPE HIDDEN",
                    "&STACK RT",
                ],
            ),
            (
                "N2",
                &[
                    "&TYPE INNER .&A &1 LEVEL &GLOBAL G1 &GLOBAL1",
                    "&GLOBAL1 = 6",
                    "&HEX ON",
                    "&TYPE X'255",
                    "&B = X'FF",
                    "&TYPE &B",
                    "&EXIT 9",
                ],
            ),
        ],
        "N1 P Q P\n",
    );
    assert_eq!(
        out,
        "INNER . X LEVEL 2 G1 5\nFF\n255\nBACK OUTER RC 9 G1 6\nONE Q\nReady;\n"
    );
}

/// An EXEC that calls itself without end stops at MINICMS's eight levels (each level then
/// goes on with the return code -1), and a loop whose label is missing is R6's error 815:
/// a bad EXEC ends, it does not hang MINICMS or stop the guest.
#[test]
fn runaway_recursion_and_a_missing_loop_label_end() {
    let out = run(
        &[
            (
                "R",
                &["&CONTROL OFF", "EXEC R", "&TYPE LEVEL &GLOBAL RC &RETCODE"],
            ),
            ("L", &["&LOOP -NOWHERE 2", "&TYPE NOT REACHED"]),
        ],
        "R\nL\n",
    );
    let mut want = String::from("DMSEXT074E EXECs nested too deeply in MINICMS.\n");
    for level in (1..=8).rev() {
        let rc = if level == 8 { -1 } else { 0 };
        want.push_str(&format!("LEVEL {level} RC {rc}\n"));
    }
    want.push_str("Ready;\nError in EXEC file L, line 1 - EOF found in loop\nReady(00815);\n");
    assert_eq!(out, want);
}

/// MINICMS's error messages go through DIAGNOSE X'5C' as CMS's do, so CP's SET EMSG decides
/// what shows: TEXT (the default) the text, ON the code and the text, CODE the code, OFF
/// nothing.
#[test]
fn error_messages_follow_set_emsg() {
    let out = run(
        &[],
        "STATE NOPE EXEC\nCP SET EMSG ON\nSTATE NOPE EXEC\nCP SET EMSG CODE\n\
         STATE NOPE EXEC\nCP SET EMSG OFF\nSTATE NOPE EXEC\n",
    );
    assert_eq!(
        out,
        "File 'NOPE EXEC' not found.\nReady(00028);\nReady;\n\
         DMSSTT002E File 'NOPE EXEC' not found.\nReady(00028);\nReady;\n\
         DMSSTT002E\nReady(00028);\nReady;\nReady(00028);\n"
    );
}
