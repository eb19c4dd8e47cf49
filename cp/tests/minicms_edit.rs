//! MINICMS's line editor (issue #18) against R6's CMS EDIT as its HELPEDT / HELPEDT2 files
//! on the 19D describe it (see shared/docs/r6-help.md): LOCATE and `/string/`, FIND, CASE.
//! Each test drives the `vm390` binary's built-in default MINICMS session in scripted mode
//! and compares what the editor typed, line for line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// Runs a session of the built-in default (`vm390 --data-dir DIR`) on a fresh data
/// directory with `input`; returns stdout.
fn default_session(input: &str) -> String {
    let t = tempfile::tempdir().unwrap();
    let home: &Path = t.path();
    let data = home.join("data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(["--data-dir", &data.to_string_lossy()])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .current_dir(home)
        .stderr(Stdio::null());
    let (code, out, _) = common::run_script(cmd, input, Duration::from_secs(120));
    assert_eq!(code, 0, "exit status {code}:\n{out}");
    assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
    assert!(!out.contains("DMSABN"), "program check:\n{out}");
    out
}

/// The console output between the `Ready;` after the `n`-th command (0: the logon) and
/// the next `Ready...;`: what command `n` wrote.
fn replies(out: &str) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for l in out.lines() {
        if l.starts_with("Ready;") || l.starts_with("Ready(") {
            if let Some(c) = cur.take() {
                all.push(c);
            }
            cur = Some(Vec::new());
        } else if let Some(c) = cur.as_mut() {
            c.push(l.trim_end().to_string());
        }
    }
    all
}

/// Four lines, entered in INPUT mode (upper-cased: CASE U is the default for DATA).
const FOUR: &str = "EDIT T DATA A\nINPUT\nalpha one\nbeta two\ngamma three\nbeta four\n\n";

/// The editor's output of the first command of `out` (the EDIT session), from `INPUT:`'s
/// `EDIT:` on.
fn after_input(out: &str) -> Vec<String> {
    let r = replies(out);
    let e = &r[0];
    assert_eq!(e[..4], ["NEW FILE:", "EDIT:", "INPUT:", "EDIT:"], "{out}");
    e[4..].to_vec()
}

#[test]
fn locate_and_the_bare_string_form_search_from_the_next_line() {
    // LOCATE /s/, its abbreviation L, and /s/ alone: from the line after the current one,
    // verified (the line typed). Not found: EOF: (as R6's FIND and DOWN say), and the
    // pointer at the last line (TYPE shows it); at the bottom the search starts at the top.
    let input = format!(
        "{FOUR}TOP\nLOCATE /BETA/\nL /BETA/\n/beta/\n/ALPHA/\nTYPE\n/ALPHA/\nLOCATE .MA T.\n\
         LOCATE\nLIST\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "TOF:",
            "BETA TWO",
            "BETA FOUR",
            "BETA TWO",
            "EOF:",
            "BETA FOUR",
            "ALPHA ONE",
            "GAMMA THREE",
            "?EDIT: LOCATE",
            "GAMMA THREE",
        ],
        "{out}"
    );
}

#[test]
fn find_matches_from_column_1_only() {
    // FIND HELPEDT: the text after FIND and one blank, from column 1; FIND alone: down
    // one line. FIND HELPEDT2: at the bottom the search begins at the top; EOF: when not
    // found.
    let input = format!(
        "{FOUR}TOP\nFIND GAMMA\nFIND TWO\nTOP\nFIND\nF BETA\nFIND BETA\nFIND BETA\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "TOF:",
            "GAMMA THREE",
            "EOF:",
            "TOF:",
            "ALPHA ONE",
            "BETA TWO",
            "BETA FOUR",
            "BETA TWO",
        ],
        "{out}"
    );
}

#[test]
fn case_m_keeps_lower_case_and_case_u_is_the_default() {
    // CASE HELPEDT: U (upper case) is the default except for MEMO and SCRIPT files; M keeps
    // what is typed. CASE HELPEDT2: CASE alone displays the setting.
    let input = format!(
        "{FOUR}CASE\nCASE m\nCASE\nINPUT Mixed Case\nCHANGE /Case/cASE/\nINPUT\nlower line\n\n\
         TOP\nLOCATE /Mixed/\nCASE X\nCASE U\nINPUT upper\nFILE\nTYPE T DATA A\n\
         EDIT N MEMO A\nCASE\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "CASE U",
            "CASE M",
            "Mixed cASE",
            "INPUT:",
            "EDIT:",
            "TOF:",
            "Mixed cASE",
            "?EDIT: CASE X",
        ],
        "{out}"
    );
    let r = replies(&out);
    assert_eq!(
        r[1],
        [
            "ALPHA ONE",
            "BETA TWO",
            "GAMMA THREE",
            "BETA FOUR",
            "Mixed cASE",
            "UPPER",
            "lower line",
        ],
        "{out}"
    );
    assert_eq!(r[2], ["NEW FILE:", "EDIT:", "CASE M"], "{out}");
}
