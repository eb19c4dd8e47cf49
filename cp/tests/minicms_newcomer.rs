//! A newcomer's first ten minutes with vm390 (issue #18), on a pseudo-terminal as a person
//! types: `vm390` with no arguments but a data directory, HELP, HELP of a command, a file
//! written with the editor, an EXEC with a loop written and run, LISTFILE, LOGOFF; then
//! `vm390` again, and the files are still there.
//!
//! Each step waits for the answer it needs (at most 30 s); nothing depends on timing.

mod common;

use common::tty::Tty;

/// Types `line` (and Enter), waits for one more `answer` than the output held before,
/// and returns what was written since the line was typed.
fn step(t: &mut Tty, line: &str, answer: &str) -> String {
    let before = t.text();
    t.send(&format!("{line}\r"));
    t.wait_for(answer, before.matches(answer).count() + 1);
    t.text()[before.len()..].to_string()
}

#[test]
fn first_ten_minutes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().display().to_string();

    // The first start: the logon message points at HELP.
    let Some(mut t) = Tty::start(&["--data-dir", &data]) else {
        return;
    };
    t.wait_for("Ready;", 1);
    assert!(t.text().contains("Type HELP"), "{}", t.text());

    // HELP lists the commands; HELP EDIT tells how to edit.
    let help = step(&mut t, "HELP", "Ready;");
    for cmd in ["EDIT", "EXEC", "LISTFILE", "TYPE", "HELP"] {
        assert!(
            help.lines().any(|l| l.starts_with(cmd)),
            "HELP does not list {cmd}:\n{help}"
        );
    }
    let help = step(&mut t, "HELP EDIT", "Ready;");
    assert!(
        help.contains("INPUT") && help.contains("FILE"),
        "HELP EDIT does not tell about INPUT and FILE:\n{help}"
    );

    // A file written with the editor, in mixed case.
    step(&mut t, "EDIT HELLO TEXT A", "EDIT:");
    assert!(t.text().contains("NEW FILE:"), "{}", t.text());
    step(&mut t, "CASE M", "VM READ  ");
    step(&mut t, "INPUT", "INPUT:");
    step(&mut t, "Hello, world.", "VM READ  ");
    step(&mut t, "My first file on vm390.", "VM READ  ");
    step(&mut t, "", "EDIT:");
    step(&mut t, "FILE", "Ready;");

    // An EXEC with a loop, written with the editor and run.
    step(&mut t, "EDIT COUNT EXEC A", "EDIT:");
    step(&mut t, "INPUT", "INPUT:");
    for line in [
        "&CONTROL OFF",
        "&N = 0",
        "&LOOP 2 3",
        "&N = &N + 1",
        "&TYPE PASS &N OF 3",
        "&TYPE DONE",
    ] {
        step(&mut t, line, "VM READ  ");
    }
    step(&mut t, "", "EDIT:");
    step(&mut t, "FILE", "Ready;");
    let run = step(&mut t, "EXEC COUNT", "Ready;");
    let said: Vec<&str> = run
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("PASS") || l.starts_with("DONE"))
        .collect();
    assert_eq!(
        said,
        ["PASS 1 OF 3", "PASS 2 OF 3", "PASS 3 OF 3", "DONE"],
        "{run}"
    );

    // LISTFILE shows both files; LOGOFF ends the session.
    let list = step(&mut t, "LISTFILE", "Ready;");
    assert!(list.contains("HELLO    TEXT     A1"), "{list}");
    assert!(list.contains("COUNT    EXEC     A1"), "{list}");
    t.send("LOGOFF\r");
    let text = t.finish();
    assert!(text.contains("LOGOFF AT"), "{text}");

    // The next day: vm390 again, and the files are still there, as written.
    let Some(mut t) = Tty::start(&["--data-dir", &data]) else {
        return;
    };
    t.wait_for("Ready;", 1);
    let list = step(&mut t, "LISTFILE", "Ready;");
    assert!(list.contains("HELLO    TEXT     A1"), "{list}");
    assert!(list.contains("COUNT    EXEC     A1"), "{list}");
    let typed = step(&mut t, "TYPE HELLO TEXT", "Ready;");
    assert!(typed.contains("Hello, world."), "{typed}");
    assert!(typed.contains("My first file on vm390."), "{typed}");
    let run = step(&mut t, "EXEC COUNT", "Ready;");
    assert!(run.contains("PASS 3 OF 3"), "{run}");
    t.send("LOGOFF\r");
    let text = t.finish();
    assert!(text.contains("LOGOFF AT"), "{text}");
}
