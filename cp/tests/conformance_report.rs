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

/// `vm390 run --disk VDEV=PATH`: a guest INITs DIAG X'250' block I/O on the attached CKD
/// image and reads its end block; a missing image is refused naming the file.
#[test]
fn run_disk_option_attaches_a_minidisk_for_block_io() {
    let dir = std::env::temp_dir().join(format!("vm390-run-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let disk = dir.join("d.ckd");
    let _ = std::fs::remove_file(&disk);
    let mut img = cp::dasd::create_ckd(&disk, 0x3350, 1).unwrap();
    let mut t = cp::dasd::Track::formatted(0, 0);
    t.records
        .push(cp::dasd::Record::new(0, 0, 1, vec![0x5A; 4096]));
    img.write_track(0, 0, &t).unwrap();
    img.flush().unwrap();
    drop(img);
    // PSW at 0 -> X'200': LA 2,X'800'; LA 4,0; DIAG 2,4,X'250' (INIT); LA 4,1; LA 2,X'840';
    // DIAG 2,4,X'250' (READ block 1 into X'2000'); LPSW X'300' (disabled wait X'AAA').
    let mut g = vec![0u8; 0x3000];
    g[0..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 2, 0]);
    let code: [u8; 26] = [
        0x41, 0x20, 0x08, 0x00, 0x41, 0x40, 0x00, 0x00, 0x83, 0x24, 0x02, 0x50, 0x41, 0x40, 0x00,
        0x01, 0x41, 0x20, 0x08, 0x40, 0x83, 0x24, 0x02, 0x50, 0x82, 0x00,
    ];
    g[0x200..0x21A].copy_from_slice(&code);
    g[0x21A..0x21C].copy_from_slice(&[0x03, 0x00]);
    g[0x300..0x308].copy_from_slice(&[0, 0x0A, 0, 0, 0, 0, 0x0A, 0xAA]);
    g[0x800..0x802].copy_from_slice(&[0x01, 0x00]);
    g[0x818..0x81C].copy_from_slice(&4096u32.to_be_bytes());
    g[0x840..0x842].copy_from_slice(&[0x01, 0x00]);
    g[0x85C..0x860].copy_from_slice(&1u32.to_be_bytes());
    g[0x864..0x868].copy_from_slice(&0x900u32.to_be_bytes());
    g[0x900] = 0x02;
    g[0x904..0x908].copy_from_slice(&1u32.to_be_bytes());
    g[0x90C..0x910].copy_from_slice(&0x2000u32.to_be_bytes());
    let guest = dir.join("g.bin");
    std::fs::write(&guest, &g).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--json", "--dump", "820.8", "--dump", "2000.4"])
        .arg("--disk")
        .arg(format!("100={}", disk.display()))
        .arg(&guest)
        .output()
        .unwrap();
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{json}");
    assert!(
        json.contains("\"00000820\":\"0000000100000078\""),
        "start 1, end 120: {json}"
    );
    assert!(
        json.contains("\"00002000\":\"5A5A5A5A\""),
        "block 1 read: {json}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--disk"])
        .arg(format!("100={}", dir.join("none.ckd").display()))
        .arg(&guest)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("none.ckd"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
