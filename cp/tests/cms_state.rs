//! STATE and STATEW in their forms and error returns, checked against an independent
//! reading of the 191's file directory (`common::CmsDisk`, written from FORMATS.md section
//! D): every file the directory holds is found (and, on a read/write disk, found by
//! STATEW), names it does not hold are not, patterns match exactly when the directory has a
//! match, and the operand errors give CMS's return codes 24 and 36.
//!
//! `#CP SET ECHO ON` makes each command appear in the transcript before its answer.

mod common;

use common::{session, setup, shared, CmsDisk, CMS_FILES};

/// Splits an echoed transcript into (command, answer lines, return code).
fn answers(out: &str, commands: &[String]) -> Vec<(String, Vec<String>, i32)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut res = Vec::new();
    let mut i = lines
        .iter()
        .position(|l| *l == "ACCESS (NOPROF")
        .expect("echo of the first command");
    for c in commands {
        while lines[i] != c.as_str() {
            i += 1;
        }
        i += 1;
        let mut msg = Vec::new();
        while !lines[i].starts_with("Ready") {
            msg.push(lines[i].to_string());
            i += 1;
        }
        let rc = if lines[i].starts_with("Ready;") {
            0
        } else {
            lines[i][6..11].parse().unwrap()
        };
        res.push((c.clone(), msg, rc));
    }
    res
}

fn check(mode: &str) {
    let Some(s) = shared(&CMS_FILES) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&s, tmp.path(), mode, "");
    let files = CmsDisk::open(&tmp.path().join("cmsuser_191.cckd")).files();
    assert!(files.len() >= 5, "{files:?}");
    let writable = mode == "MR";
    let has = |n: &str, t: &str| files.iter().any(|f| f.name == n && f.ftype == t);
    // (command, expected rc, expected message)
    let mut cases: Vec<(String, i32, Option<String>)> = Vec::new();
    for f in &files {
        let (n, t) = (&f.name, &f.ftype);
        cases.push((format!("STATE {n} {t}"), 0, None));
        cases.push((format!("STATE {n} {t} A"), 0, None));
        cases.push((format!("STATE {n} {t} *"), 0, None));
        let w = format!("STATEW {n} {t} A");
        if writable {
            cases.push((w, 0, None));
        } else {
            cases.push((w, 28, Some(format!("File '{n} {t} A' not found."))));
        }
        // A name the directory does not have: the name with its last letter changed.
        let mut other = n.clone();
        let last = other.pop().unwrap();
        other.push(if last == 'Q' { 'Z' } else { 'Q' });
        if !has(&other, t) {
            cases.push((
                format!("STATE {other} {t} A"),
                28,
                Some(format!("File '{other} {t} A' not found.")),
            ));
        }
        cases.push((format!("STATE {n} *"), 0, None));
        cases.push((format!("STATE * {t} A"), 0, None));
    }
    let no_type = "ZQNOTYPE";
    assert!(!files.iter().any(|f| f.ftype == no_type));
    cases.push((
        format!("STATE * {no_type} A"),
        28,
        Some(format!("File '* {no_type} A' not found.")),
    ));
    cases.push((
        "STATE".into(),
        24,
        Some("Incomplete fileID specified.".into()),
    ));
    cases.push((
        "STATE PROFILE".into(),
        24,
        Some("Incomplete fileID specified.".into()),
    ));
    cases.push((
        "STATE PROFILE EXEC A1 X".into(),
        24,
        Some("Invalid parameter 'X'.".into()),
    ));
    cases.push((
        "STATE PROFILE EXEC AA".into(),
        24,
        Some("Invalid mode 'AA'.".into()),
    ));
    cases.push((
        "STATE PROFILE EXEC B".into(),
        36,
        Some("Disk 'B' not accessed.".into()),
    ));
    let commands: Vec<String> = cases.iter().map(|c| c.0.clone()).collect();
    let input = format!(
        "#CP SET ECHO ON\nACCESS (NOPROF\n{}\nLOGOFF\n",
        commands.join("\n")
    );
    let (code, out) = session(&dir, &input);
    assert_eq!(code, 0, "{out}");
    let got = answers(&out, &commands);
    assert_eq!(got.len(), cases.len());
    assert!(cases.len() > 40, "{} cases", cases.len());
    for ((cmd, rc, msg), (_, lines, got_rc)) in cases.iter().zip(&got) {
        assert_eq!(got_rc, rc, "{mode}: {cmd}: {lines:?}");
        match msg {
            Some(m) => assert_eq!(lines, &vec![m.clone()], "{mode}: {cmd}"),
            None => assert!(lines.is_empty(), "{mode}: {cmd}: {lines:?}"),
        }
    }
}

#[test]
fn state_on_a_read_write_disk() {
    check("MR");
}

#[test]
fn state_on_a_read_only_disk() {
    check("RR");
}
