//! `vm390 study` (issue #15) through the binary, at a small size: the report is complete
//! (REPORT.md with its table and code counts, the CSV, both plots), the two paths agreed
//! on the data (the study fails otherwise), and a directory with files in it is refused.

use std::process::Command;

fn study(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("study")
        .args(args)
        .output()
        .expect("run vm390 study")
}

#[test]
fn a_small_study_writes_a_complete_report() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("report");
    let o = study(&[
        "--out",
        &out.to_string_lossy(),
        "--max-blocks",
        "30",
        "--runs",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    // A row per size and path, with one DIAGNOSE per operation on the paravirtual path
    // and one SIO and one interruption per operation on the other.
    for blocks in ["1", "10", "30"] {
        let diag = format!("| {blocks} | DIAGNOSE X'18' |");
        let sio = format!("| {blocks} | START I/O |");
        let row = |p: &str| {
            report
                .lines()
                .find(|l| l.starts_with(p))
                .unwrap_or_else(|| panic!("no row {p}:\n{report}"))
                .split('|')
                .map(str::trim)
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let d = row(&diag);
        let s = row(&sio);
        // Columns: blocks, path, instr/op, CP entries/op, DIAG/op, I/O instr/op, I/O int/op.
        assert_eq!(
            (&d[5][..], &d[6][..], &d[7][..]),
            ("1.00", "0.00", "0.00"),
            "{d:?}"
        );
        assert_eq!(
            (&s[5][..], &s[6][..], &s[7][..]),
            ("0.00", "1.00", "1.00"),
            "{s:?}"
        );
    }
    assert!(
        report.contains("| `cp/src/io/dasd.rs` | `channel_command` |"),
        "{report}"
    );
    assert!(
        report.contains("| `cp/src/io/dasd.rs` | `diag18` |"),
        "{report}"
    );
    let csv = std::fs::read_to_string(out.join("blockio.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 2, "{csv}");
    // The console experiment: a DIAGNOSE X'58' per line, or an SIO and an interruption.
    for lines in ["1", "10", "30"] {
        let row = |p: String| -> Vec<String> {
            report
                .lines()
                .find(|l| l.starts_with(&p))
                .unwrap_or_else(|| panic!("no row {p}:\n{report}"))
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        };
        let d = row(format!("| {lines} | DIAGNOSE X'58' |"));
        let s = row(format!("| {lines} | START I/O |"));
        assert_eq!((&d[5][..], &d[6][..]), ("1.00", "0.00"), "{d:?}");
        // The console's START I/O rows come after the block-I/O ones: the last match.
        let s_last: Vec<String> = report
            .lines()
            .rfind(|l| l.starts_with(&format!("| {lines} | START I/O |")))
            .unwrap()
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        assert_eq!(s.len(), s_last.len() + 2, "{s:?} {s_last:?}");
        assert_eq!(
            (&s_last[5][..], &s_last[6][..], &s_last[7][..]),
            ("0.00", "1.00", "1.00")
        );
    }
    let csv = std::fs::read_to_string(out.join("console.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 2, "{csv}");
    for svg in [
        "console-host.svg",
        "blockio-read.svg",
        "blockio-write.svg",
        "blockio-instructions.svg",
    ] {
        let text = std::fs::read_to_string(out.join(svg)).unwrap();
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
        assert_eq!(text.matches("<polyline").count(), 2, "{text}");
    }
    // The table is also on standard output.
    assert!(stdout.contains("| 30 | START I/O |"), "{stdout}");

    // Run again into the same directory: refused, and nothing there is replaced.
    let before = std::fs::read(out.join("REPORT.md")).unwrap();
    let o = study(&[
        "--out",
        &out.to_string_lossy(),
        "--max-blocks",
        "1",
        "--runs",
        "1",
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(out.join("REPORT.md")).unwrap(), before);
}
