//! `vm390 conformance`: every DIAGNOSE check passes under the real CP, the report is stable
//! (insta snapshot) and `conformance/REPORT.md` is the current output.
use std::process::Command;

fn conformance(arg: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["conformance", arg])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn every_check_passes_and_the_report_is_current() {
    let (ok, md) = conformance("--markdown");
    let failures: Vec<&str> = md.lines().filter(|l| l.starts_with("- FAIL")).collect();
    assert!(
        failures.is_empty(),
        "failed checks:\n{}",
        failures.join("\n")
    );
    assert!(ok, "vm390 conformance exited with failure:\n{md}");
    assert!(md.contains(" passed, 0 failed."), "{md}");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/REPORT.md"
    ))
    .unwrap_or_default();
    assert!(
        committed == md,
        "conformance/REPORT.md is stale: run `vm390 conformance --markdown > conformance/REPORT.md`"
    );
    insta::assert_snapshot!("diagnose_conformance_report", md);
}

#[test]
fn json_report_has_no_failures() {
    let (ok, json) = conformance("--json");
    assert!(ok);
    assert_eq!(json.lines().count(), 1);
    assert!(json.trim_end().ends_with(",\"failed\":0}"), "{json}");
    assert!(json.contains("\"code\":\"008\""));
    assert!(!json.contains("\"ok\":false"));
}
