//! MINICMS's full-screen editor, `EDIT fn ft fm (FULL` (issue #14), on a TN3270 console
//! through the real `s3270` client on 127.0.0.1: the built-in default's data directory
//! (`vm390 --data-dir DIR`, its directory file and 191), the user VM390 logged on through
//! the network. MINICMS draws the file with DIAGNOSE X'58' (ERASE/WRITE), a key is an
//! attention interruption, READ MODIFIED gives the changed fields; PF3 files the file, PF12
//! quits, PF7/PF8 scroll. On a line console `(FULL` is refused.
//!
//! A missing `s3270` skips, or fails under `VM390_ORACLES=require`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The built-in default's data directory in `home` (made by a session of `vm390
/// --data-dir`), its directory file with a user OTHER added to hold the stdin console;
/// returns the directory file.
fn data_dir(home: &Path) -> std::path::PathBuf {
    let data = home.join("data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(["--data-dir", &data.to_string_lossy()])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .current_dir(home)
        .stderr(Stdio::null());
    let (code, out, _) = common::run_script(cmd, "", Duration::from_secs(60));
    assert_eq!(code, 0, "{out}");
    let direct = data.join("vm390.direct");
    let mut text = std::fs::read_to_string(&direct).unwrap();
    assert!(text.contains("USER VM390 VM390"), "{text}");
    text.push_str("USER OTHER OTHER 1M 1M G\n CONSOLE 009 3215\n");
    std::fs::write(&direct, text).unwrap();
    direct
}

/// `vm390 --directory DIRECT --logon OTHER --listen 127.0.0.1:0` (input kept open).
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl Server {
    fn start(direct: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
            .arg("--directory")
            .arg(direct)
            .args(["--logon", "OTHER", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(a) = line.strip_prefix("vm390: listening on 127.0.0.1:") {
                    let _ = tx.send(a.trim().parse::<u16>().unwrap());
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("vm390 names its port");
        Server { child, stdin, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.write_all(b"SHUTDOWN\n");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `s3270` driven through its standard input, one action a line.
struct S3270 {
    child: Child,
    stdin: ChildStdin,
    out: BufReader<std::process::ChildStdout>,
}

impl S3270 {
    fn start(port: u16) -> Option<S3270> {
        if !Path::new("/usr/bin/s3270").exists() {
            common::missing("s3270 (apt-get install s3270)");
            return None;
        }
        let mut child = Command::new("/usr/bin/s3270")
            .args(["-model", "3278-2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut s = S3270 { child, stdin, out };
        s.action(&format!("Connect(127.0.0.1:{port})"));
        Some(s)
    }

    /// Runs `action`; its data lines.
    fn action(&mut self, action: &str) -> Vec<String> {
        writeln!(self.stdin, "{action}").unwrap();
        self.stdin.flush().unwrap();
        let mut data = Vec::new();
        loop {
            let mut line = String::new();
            assert!(self.out.read_line(&mut line).unwrap() > 0, "s3270 ended");
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            if line == "ok" {
                return data;
            }
            if line == "error" {
                panic!("s3270 {action}: {data:?}");
            }
            if let Some(d) = line.strip_prefix("data: ") {
                data.push(d.to_string());
            } else if line == "data:" {
                data.push(String::new());
            }
        }
    }

    /// Waits until the screen satisfies `ok`; the screen.
    fn wait_screen(&mut self, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.action("Ascii");
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} on the screen:\n{}",
                s.join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_text(&mut self, needle: &str) -> Vec<String> {
        self.wait_screen(needle, |s| s.iter().any(|l| l.contains(needle)))
    }

    /// Types `text` at VM READ and waits for `reply`; then clears the screen.
    fn command(&mut self, text: &str, reply: &str) -> Vec<String> {
        self.action("Wait(10,InputField)");
        if !text.is_empty() {
            self.action(&format!("String(\"{text}\")"));
        }
        self.action("Enter");
        let s = self.wait_text(reply);
        self.action("Clear");
        s
    }

    /// Overtypes the field of the screen's `row` (0-based) with `text`.
    fn overtype(&mut self, row: usize, text: &str) {
        self.action(&format!("MoveCursor({row},1)"));
        self.action("EraseEOF");
        self.action(&format!("String(\"{text}\")"));
    }
}

impl Drop for S3270 {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "Quit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The VM/370 console screen: its status area on the bottom line.
fn console_screen(s: &[String]) -> bool {
    s.last().is_some_and(|l| {
        let l = l.trim_end();
        ["VM READ", "CP READ", "RUNNING", "MORE...", "HOLDING"]
            .iter()
            .any(|st| l.ends_with(st))
    })
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
fn session_with_file(lines: &[String]) -> Option<(tempfile::TempDir, Server, S3270)> {
    let tmp = tempfile::tempdir().unwrap();
    let direct = data_dir(tmp.path());
    let server = Server::start(&direct);
    let mut t = S3270::start(server.port)?;
    t.wait_text("VM390 ONLINE");
    t.command("LOGON VM390", "ENTER PASSWORD");
    t.command("VM390", "Ready;");
    t.command("EDIT FS TEST A", "EDIT:");
    t.command("INPUT", "INPUT:");
    for l in lines {
        t.action("Wait(10,InputField)");
        t.action(&format!("String(\"{l}\")"));
        t.action("Enter");
        t.wait_text(l);
        t.action("Clear");
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
    let lines: Vec<String> = ["FIRST LINE", "SECOND LINE", "THIRD LINE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.action("Wait(10,InputField)");
    t.action("String(\"EDIT FS TEST A (FULL\")");
    t.action("Enter");
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
    t.action("Wait(10,InputField)");
    t.action("String(\"EDIT FS TEST A (FULL\")");
    t.action("Enter");
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
    t.action("Wait(10,InputField)");
    t.action("String(\"EDIT FS TEST A (FULL\")");
    t.action("Enter");
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
    let lines: Vec<String> = ["AAA", "BBB", "CCC"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.action("Wait(10,InputField)");
    t.action("String(\"EDIT FS TEST A (FULL\")");
    t.action("Enter");
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
    let lines: Vec<String> = ["ONE", "TWO"].iter().map(|s| s.to_string()).collect();
    let Some((_tmp, _server, mut t)) = session_with_file(&lines) else {
        return;
    };
    t.action("Wait(10,InputField)");
    t.action("String(\"EDIT FS TEST A (FULL\")");
    t.action("Enter");
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
