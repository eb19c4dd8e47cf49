//! MINICMS, vm390's own CMS-like guest, driven through standard input as a script: the
//! built-in default (`vm390 --data-dir DIR`) and each command, compared with insta
//! snapshots after masking dates and times.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// Runs vm390 with `args` and `input` on stdin (HOME and XDG_DATA_HOME pointed at `home`,
/// the working directory `cwd`); returns (exit code, stdout, stderr).
fn run(args: &[&str], input: &str, home: &Path, cwd: &Path) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .current_dir(cwd)
        .stderr(Stdio::piped());
    common::run_script(cmd, input, Duration::from_secs(120))
}

/// Dates (MM/DD/YY), times (HH:MM[:SS]) and weekdays masked.
fn mask(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        for d in [
            "SUNDAY",
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
        ] {
            l = l.replace(d, "DAY");
        }
        let c: Vec<char> = l.chars().collect();
        let mut m = String::new();
        let mut i = 0;
        let dig = |k: usize| c.get(k).is_some_and(|x| x.is_ascii_digit());
        while i < c.len() {
            let boundary = i == 0 || !c[i - 1].is_ascii_digit();
            if boundary
                && dig(i)
                && dig(i + 1)
                && c.get(i + 2) == Some(&'/')
                && dig(i + 3)
                && dig(i + 4)
                && c.get(i + 5) == Some(&'/')
                && dig(i + 6)
                && dig(i + 7)
            {
                m.push_str("mm/dd/yy");
                i += 8;
                continue;
            }
            // H:MM or HH:MM, optionally :SS
            let h = if dig(i) && dig(i + 1) { 2 } else { 1 };
            if boundary && dig(i) && c.get(i + h) == Some(&':') && dig(i + h + 1) && dig(i + h + 2)
            {
                let mut n = i + h + 3;
                if c.get(n) == Some(&':') && dig(n + 1) && dig(n + 2) {
                    n += 3;
                }
                // One digit keeps the width of two: a space before it, unless it was
                // right-justified in a field (two spaces before it), whose pad it takes.
                if h == 1 && m.ends_with("  ") {
                    m.pop();
                    m.push_str("hh:mm");
                } else {
                    m.push_str(if h == 1 { " hh:mm" } else { "hh:mm" });
                }
                i = n;
                continue;
            }
            m.push(c[i]);
            i += 1;
        }
        out.push_str(&m);
        out.push('\n');
    }
    out
}

/// Every file below `dir`, relative.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                for f in files_below(&p) {
                    v.push(Path::new(&e.file_name()).join(f));
                }
            } else {
                v.push(PathBuf::from(e.file_name()));
            }
        }
    }
    v.sort();
    v
}

/// A fresh MINICMS session on the built-in default in a new data directory.
struct Fresh {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    home: PathBuf,
    cwd: PathBuf,
}

impl Fresh {
    fn new() -> Fresh {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let home = tmp.path().join("home");
        let cwd = tmp.path().join("cwd");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&cwd).unwrap();
        Fresh {
            _tmp: tmp,
            data,
            home,
            cwd,
        }
    }

    /// Runs a script; returns the masked console output.
    fn session(&self, input: &str) -> String {
        let d = self.data.to_string_lossy().to_string();
        let (code, out, err) = run(&["--data-dir", &d], input, &self.home, &self.cwd);
        assert_eq!(code, 0, "exit code; stderr:\n{err}\nstdout:\n{out}");
        assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
        assert!(
            !out.contains("DMSABN"),
            "the guest took a program check:\n{out}"
        );
        mask(&out)
    }
}

#[test]
fn data_dir_default_reaches_ready_and_writes_only_there() {
    let f = Fresh::new();
    let d = f.data.to_string_lossy().to_string();
    let (code, out, err) = run(&["--data-dir", &d], "LOGOFF\n", &f.home, &f.cwd);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(err.contains(&format!("data directory {d}")), "{err}");
    let out = mask(&out);
    insta::assert_snapshot!("default_logon", out);
    assert_eq!(
        files_below(&f.data),
        vec![
            PathBuf::from("vm390.direct"),
            PathBuf::from("vm390_191.cckd")
        ]
    );
    assert!(
        files_below(&f.home).is_empty(),
        "{:?}",
        files_below(&f.home)
    );
    assert!(files_below(&f.cwd).is_empty(), "{:?}", files_below(&f.cwd));
    // A second start uses the same disk and directory.
    let before = std::fs::read(f.data.join("vm390.direct")).unwrap();
    let (code, out, _) = run(&["--data-dir", &d], "", &f.home, &f.cwd);
    assert_eq!(code, 0);
    assert!(out.contains("Ready;"), "{out}");
    assert_eq!(std::fs::read(f.data.join("vm390.direct")).unwrap(), before);
}

#[test]
fn no_arguments_uses_the_xdg_data_home() {
    let f = Fresh::new();
    let (code, out, err) = run(&[], "LOGOFF\n", &f.home, &f.cwd);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(out.contains("MINICMS VERSION"), "{out}");
    assert!(out.contains("Ready;"), "{out}");
    let xdg = f.home.join("xdg").join("vm390");
    assert!(err.contains(&xdg.display().to_string()), "{err}");
    assert_eq!(
        files_below(&f.home),
        vec![
            PathBuf::from("xdg/vm390/vm390.direct"),
            PathBuf::from("xdg/vm390/vm390_191.cckd")
        ]
    );
    assert!(files_below(&f.cwd).is_empty());
}

#[test]
fn cp_commands_and_unknown_commands() {
    let f = Fresh::new();
    let out = f.session("cp query userid\nQUERY TIME\nXYZZY\nCP XYZZY\nCP\nLOGOFF\n");
    insta::assert_snapshot!("cp_commands", out);
}

#[test]
fn files_on_a_fresh_disk() {
    let f = Fresh::new();
    let out = f.session(
        "LISTFILE\nQUERY DISK\nQUERY SEARCH\nQUERY BLIP\n\
         EDIT HELLO EXEC\nINPUT\n&TYPE HELLO &1\nCP QUERY USERID\n&EXIT &INDEX\n\nFILE\n\
         listfile\nLISTFILE * * A (DATE\nTYPE HELLO EXEC\nTYPE HELLO EXEC A\nTYPE NOPE EXEC\n\
         TYPE HELLO\nSTATE HELLO EXEC\nSTATE HELLO EXEC A\nSTATE H* EXEC *\nSTATE NOPE EXEC\n\
         STATE NOPE EXEC Q\nSTATE\nSTATEW HELLO EXEC\n\
         COPYFILE HELLO EXEC A COPY EXEC A\nCOPYFILE HELLO EXEC A COPY EXEC A\n\
         COPYFILE HELLO EXEC A COPY EXEC A (REPLACE\nCOPYFILE NOPE EXEC A X Y A\n\
         RENAME COPY EXEC A SECOND EXEC A\nRENAME COPY EXEC A THIRD EXEC A\n\
         RENAME SECOND EXEC A HELLO EXEC A\nRENAME SECOND EXEC\n\
         LISTFILE * EXEC\nLISTFILE S* *\nLISTFILE *LO * A\nLISTFILE NOPE * A\n\
         ERASE SECOND EXEC\nERASE SECOND EXEC\nERASE\nLISTFILE\nQUERY DISK A\n\
         LISTFILE * * A (EXEC\nTYPE CMS EXEC\nLOGOFF\n",
    );
    insta::assert_snapshot!("files", out);
}

#[test]
fn exec_files() {
    let f = Fresh::new();
    let out = f.session(
        "EDIT TRY EXEC\nINPUT\n* a comment\n&TYPE ARGS &INDEX = &1 &2 &3\nSTATE NOPE EXEC\n\
         &TYPE RC &RETCODE\n&CONTROL OFF\nCP QUERY USERID\n&EXIT 5\n&TYPE NOT HERE\n\nFILE\n\
         TRY ONE TWO\nEXEC TRY 1\nEXEC NOPE\nEXEC\nLOGOFF\n",
    );
    insta::assert_snapshot!("exec", out);
}

#[test]
fn the_line_editor() {
    let f = Fresh::new();
    let out = f.session(
        "EDIT NOTES SCRIPT\nINPUT\nONE\nTWO\nTHREE\nFOUR\n\nTOP\nLIST *\nTOP\nDOWN\n\
         CHANGE /ONE/1/\nDOWN 2\nCHANGE /E/EE/ * G\nTOP\nTYPE 9\nUP 2\nBOTTOM\nINPUT FIVE\n\
         UP 9\nNEXT\nDELETE 2\nLIST *\nDOWN 9\nBOGUS\nCHANGE /NOTTHERE/X/\nFILE\n\
         TYPE NOTES SCRIPT\nEDIT NOTES SCRIPT\nDELETE\nTOP\nDELETE\nQUIT\nTYPE NOTES SCRIPT\n\
         EDIT NOTES SCRIPT\nNEXT\nDELETE 1\nFILE OTHER\nLISTFILE * * A (DATE\nLOGOFF\n",
    );
    insta::assert_snapshot!("editor", out);
}

#[test]
fn access_release_and_format() {
    let f = Fresh::new();
    let out = f.session(
        "EDIT KEEP EXEC\nINPUT X\nFILE\nACCESS 191 B\nQUERY SEARCH\nLISTFILE\nLISTFILE * * B\n\
         RELEASE B\nQUERY SEARCH\nACCESS 191 A\nACCESS 192 C\nACCESS XYZ C\nACCESS 191 1\n\
         RELEASE C\nFORMAT 191 A\nNO\nLISTFILE\nFORMAT 191 A\nYES\nnewlab\nQUERY SEARCH\n\
         QUERY DISK\nLISTFILE\nLOGOFF\n",
    );
    insta::assert_snapshot!("access_format", out);
    // After FORMAT the disk's label is the new one.
    let img = cp::dasd::open(&f.data.join("vm390_191.cckd"), true);
    let mut img = img.unwrap();
    let t = img.read_track(0, 0).unwrap();
    assert_eq!(
        cp::io::ebcdic::ebcdic_to_text(&t.record(3).unwrap().data[..10]),
        "CMS=NEWLAB"
    );
}
