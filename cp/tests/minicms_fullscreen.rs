//! MINICMS's full-screen editor, `EDIT fn ft fm (FULL` (issue #14), on a TN3270 console
//! through the real `s3270` client on 127.0.0.1: the built-in default's data directory
//! (`vm390 --data-dir DIR`, its directory file and 191), the user VM390 logged on through
//! the network. MINICMS draws the file with DIAGNOSE X'58' (ERASE/WRITE), a key is an
//! attention interruption, READ MODIFIED gives the changed fields; PF3 files the file, PF12
//! quits, PF7/PF8 scroll. On a line console `(FULL` is refused.
//!
//! A missing `s3270` skips, or fails under `VM390_ORACLES=require`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::net::{console_screen, Server, S3270};

/// The built-in default's data directory in `home` (made by a session of `vm390
/// --data-dir`), its directory file with a user OTHER added to hold the stdin console;
/// returns the directory file.
fn data_dir(home: &Path) -> std::path::PathBuf {
    let data = home.join("data");
    common::minicms::run(&["--data-dir", &data.to_string_lossy()], "", home);
    let direct = data.join("vm390.direct");
    let mut text = std::fs::read_to_string(&direct).unwrap();
    assert!(text.contains("USER VM390 VM390"), "{text}");
    text.push_str("USER OTHER OTHER 1M 1M G\n CONSOLE 009 3215\n");
    std::fs::write(&direct, text).unwrap();
    direct
}

/// The editor's screen: not the console screen, the PF-key line at the bottom.
fn editor_screen(s: &[String], title: &str) -> bool {
    s.len() == 24
        && !console_screen(s)
        && s[0].contains(title)
        && s[23].trim() == "PF1 HELP  PF2 ADD  PF3 FILE  PF4 DEL  PF7 UP  PF8 DOWN  PF12 QUIT"
}

/// VM390 logged on at an s3270 and `Ready;`, the screen cleared; the lines `lines` put
/// in file `FS TEST A` with the line editor.
fn session_with_file<S: AsRef<str>>(lines: &[S]) -> Option<(tempfile::TempDir, Server, S3270)> {
    let tmp = tempfile::tempdir().unwrap();
    let direct = data_dir(tmp.path());
    let server = Server::start_in(None, &direct, "OTHER", &[], &[]);
    let mut t = S3270::start(server.port)?;
    t.wait_text("VM390 ONLINE");
    t.command("LOGON VM390", "ENTER PASSWORD");
    t.command("VM390", "Ready;");
    t.command("EDIT FS TEST A", "EDIT:");
    t.command("INPUT", "INPUT:");
    for l in lines {
        t.command(l.as_ref(), l.as_ref());
    }
    t.command("", "EDIT:");
    t.command("FILE", "Ready;");
    Some((tmp, server, t))
}

/// The lines TYPE types of `FS TEST`, the screen before and after them.
fn type_file(t: &mut S3270) -> Vec<String> {
    let s = t.command("TYPE FS TEST", "Ready;");
    let from = s
        .iter()
        .position(|l| l.starts_with("TYPE FS TEST"))
        .unwrap()
        + 1;
    let to = s.iter().position(|l| l.starts_with("Ready;")).unwrap();
    s[from..to]
        .iter()
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn full_screen_edit_changes_a_line_and_pf3_files_it() {
    let lines = ["FIRST LINE", "SECOND LINE", "THIRD LINE"];
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.enter("EDIT FS TEST A (FULL");
    let s = t.wait_screen("the editor's screen", |s| {
        editor_screen(s, "FS       TEST     A1  LINES 1-3 OF 3")
    });
    // Each line in its field (the attribute byte in column 1), the rest empty.
    assert_eq!(s[1].trim_end(), " FIRST LINE", "{}", s.join("\n"));
    assert_eq!(s[2].trim_end(), " SECOND LINE", "{}", s.join("\n"));
    assert_eq!(s[3].trim_end(), " THIRD LINE", "{}", s.join("\n"));
    assert!(
        s[4..23].iter().all(|l| l.trim().is_empty()),
        "{}",
        s.join("\n")
    );
    // The second line overtyped (in lower case: CASE U makes it upper case), a line typed
    // below the last one; PF3 files the file and MINICMS's Ready; brings the console
    // screen back.
    t.overtype(2, "changed line");
    t.overtype(4, "NEW FOURTH");
    t.action("PF(3)");
    t.wait_screen("Ready; on the console screen", |s| {
        console_screen(s) && s.iter().any(|l| l.starts_with("Ready;"))
    });
    t.action("Clear");
    assert_eq!(
        type_file(&mut t),
        ["FIRST LINE", "CHANGED LINE", "THIRD LINE", "NEW FOURTH"]
    );
}

#[test]
fn full_screen_edit_scrolls_with_pf8_and_pf7_and_pf12_quits() {
    let lines: Vec<String> = (1..=25).map(|i| format!("LINE {i:02}")).collect();
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.enter("EDIT FS TEST A (FULL");
    // 24 rows: the title, 22 lines, the PF keys.
    let s = t.wait_screen("the first page", |s| editor_screen(s, "LINES 1-22 OF 25"));
    assert_eq!(s[22].trim(), "LINE 22", "{}", s.join("\n"));
    t.action("PF(8)");
    let s = t.wait_screen("the second page", |s| editor_screen(s, "LINES 23-25 OF 25"));
    assert_eq!(s[1].trim(), "LINE 23", "{}", s.join("\n"));
    assert_eq!(s[3].trim(), "LINE 25", "{}", s.join("\n"));
    // A change on the second page, then PF7: the changed line is kept in storage.
    t.overtype(1, "LINE XX");
    t.action("PF(7)");
    t.wait_screen("the first page again", |s| {
        editor_screen(s, "LINES 1-22 OF 25")
    });
    t.action("PF(8)");
    let s = t.wait_screen("the changed line", |s| {
        editor_screen(s, "LINES 23-25 OF 25")
    });
    assert_eq!(s[1].trim(), "LINE XX", "{}", s.join("\n"));
    // PF12: QUIT; the file on disk is as it was (a new EDIT shows line 23 again).
    t.action("PF(12)");
    t.wait_screen("Ready; on the console screen", |s| {
        console_screen(s) && s.iter().any(|l| l.starts_with("Ready;"))
    });
    t.action("Clear");
    t.enter("EDIT FS TEST A (FULL");
    t.wait_screen("the file again", |s| editor_screen(s, "LINES 1-22 OF 25"));
    t.action("PF(8)");
    let s = t.wait_screen("the second page", |s| editor_screen(s, "LINES 23-25 OF 25"));
    assert_eq!(s[1].trim(), "LINE 23", "{}", s.join("\n"));
    t.action("PF(12)");
    t.wait_screen("Ready; on the console screen", |s| {
        console_screen(s) && s.iter().any(|l| l.starts_with("Ready;"))
    });
}

#[test]
fn full_screen_edit_pf1_help_pf2_adds_and_pf4_deletes_lines() {
    let lines = ["AAA", "BBB", "CCC"];
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.enter("EDIT FS TEST A (FULL");
    t.wait_screen("the editor's screen", |s| {
        editor_screen(s, "LINES 1-3 OF 3")
    });
    // PF1: the help line in place of the title, until the next key.
    t.action("PF(1)");
    t.wait_screen("the help line", |s| {
        editor_screen(
            s,
            "Overtype, ENTER applies; PF2 adds a line after the cursor's, PF4 deletes it",
        )
    });
    t.action("Enter");
    t.wait_screen("the title again", |s| editor_screen(s, "LINES 1-3 OF 3"));
    // PF2 with the cursor on AAA: an empty line after it, the cursor in its field.
    t.action("MoveCursor(1,3)");
    t.action("PF(2)");
    let s = t.wait_screen("the added line", |s| editor_screen(s, "LINES 1-4 OF 4"));
    assert_eq!(
        s[1..5].iter().map(|l| l.trim()).collect::<Vec<_>>(),
        ["AAA", "", "BBB", "CCC"],
        "{}",
        s.join("\n")
    );
    t.action("String(\"NEW\")");
    // PF4 with the cursor on CCC: deleted (the typed line is applied first).
    t.action("MoveCursor(4,1)");
    t.action("PF(4)");
    let s = t.wait_screen("the line deleted", |s| editor_screen(s, "LINES 1-3 OF 3"));
    assert_eq!(
        s[1..5].iter().map(|l| l.trim()).collect::<Vec<_>>(),
        ["AAA", "NEW", "BBB", ""],
        "{}",
        s.join("\n")
    );
    t.action("PF(3)");
    t.wait_screen("Ready; on the console screen", |s| {
        console_screen(s) && s.iter().any(|l| l.starts_with("Ready;"))
    });
    t.action("Clear");
    assert_eq!(type_file(&mut t), ["AAA", "NEW", "BBB"]);
}

/// VM/SP "Full Screen Interactions": PA1 is CP mode; after BEGIN the key typed at VM
/// READ is an attention, the editor's READ MODIFIED ends with unit status X'8E' (CP had
/// the screen) and the editor draws its screen again.
#[test]
fn full_screen_edit_draws_again_after_pa1_and_begin() {
    let lines = ["ONE", "TWO"];
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.enter("EDIT FS TEST A (FULL");
    t.wait_screen("the editor's screen", |s| {
        editor_screen(s, "LINES 1-2 OF 2")
    });
    t.action("PA(1)");
    t.wait_screen("CP READ", |s| {
        console_screen(s) && s.last().is_some_and(|l| l.trim_end().ends_with("CP READ"))
    });
    t.action("Clear");
    t.action("Wait(10,InputField)");
    t.action("String(\"BEGIN\")");
    t.action("Enter");
    t.wait_screen("VM READ", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("VM READ"))
    });
    t.action("Enter");
    t.wait_screen("the editor's screen again", |s| {
        editor_screen(s, "LINES 1-2 OF 2") && s[2].trim() == "TWO"
    });
    t.overtype(2, "TWO AGAIN");
    t.action("PF(3)");
    t.wait_screen("Ready; on the console screen", |s| {
        console_screen(s) && s.iter().any(|l| l.starts_with("Ready;"))
    });
    t.action("Clear");
    assert_eq!(type_file(&mut t), ["ONE", "TWO AGAIN"]);
}

#[test]
fn full_on_a_line_console_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(["--data-dir", &home.join("data").to_string_lossy()])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .current_dir(home)
        .stderr(Stdio::null());
    let (code, out, _) = common::run_script(
        cmd,
        "EDIT FS TEST A (FULL\nCP SET EMSG ON\nEDIT FS TEST A ( FULL\nLISTFILE FS TEST A\n",
        Duration::from_secs(60),
    );
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let at = lines
        .iter()
        .position(|l| l.contains("Invalid option 'FULL'"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        lines[at..at + 2],
        [
            "Invalid option 'FULL': the console is not a 3270 display.",
            "Ready(00024);"
        ],
        "{out}"
    );
    assert!(
        out.contains("DMSEDI003E Invalid option 'FULL': the console is not a 3270 display."),
        "{out}"
    );
    // No file was made.
    assert!(out.contains("File not found"), "{out}");
}
