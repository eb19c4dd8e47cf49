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

/// `vm390 run`: a guest displays two CCW X'19' chains through DIAG X'58' on the console
/// X'009'; the rows appear on standard output as lines before the report (on standard error
/// with `--json`, whose standard output stays one JSON object), and a full-screen CCW X'29'
/// (VM/SP only) gets CC 1 and shows nothing.
#[test]
fn run_diag58_display_shows_on_the_console() {
    use s390_decoder::{encode, Length, Opcode, Operand, Storage};
    let sto = |disp: u16| {
        Operand::Storage(Storage {
            disp,
            index: 0,
            base: 0,
            length: Length::None,
        })
    };
    let enc = |op: Opcode, ops: &[Operand]| encode(op, ops).unwrap().as_bytes().to_vec();
    let ebcdic = |s: &str| diagnose::ebcdic::from_str(s);
    // LA 2,X'800'; LA 4,X'009'; DIAG 2,4,X'58'; IPM 1; ST 1,X'500';
    // LA 2,X'840'; DIAG 2,4,X'58'; IPM 1; ST 1,X'504'; LPSW X'300'.
    let mut code = Vec::new();
    code.extend(enc(Opcode::LA, &[Operand::Gpr(2), sto(0x800)]));
    code.extend(enc(Opcode::LA, &[Operand::Gpr(4), sto(0x009)]));
    for (at, st) in [(0x800, 0x500), (0x840, 0x504)] {
        code.extend(enc(Opcode::LA, &[Operand::Gpr(2), sto(at)]));
        code.extend(enc(
            Opcode::DIAG,
            &[Operand::Gpr(2), Operand::Gpr(4), sto(0x58)],
        ));
        code.extend(enc(Opcode::IPM, &[Operand::Gpr(1)]));
        code.extend(enc(Opcode::ST, &[Operand::Gpr(1), sto(st)]));
    }
    code.extend(enc(Opcode::LPSW, &[sto(0x300)]));
    let mut g = vec![0u8; 0x2000];
    g[0..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 2, 0]);
    g[0x200..0x200 + code.len()].copy_from_slice(&code);
    g[0x300..0x308].copy_from_slice(&[0, 0x0A, 0, 0, 0, 0, 0x0A, 0xAA]);
    // X'800': CCW X'19' (CC, SLI, line 0) of 160 bytes at X'1000', chained to CCW X'19'
    // (SLI, erase, line 5) of 11 bytes at X'1100'. X'840': CCW X'29' (SLI) at X'1100'.
    g[0x800..0x808].copy_from_slice(&[0x19, 0, 0x10, 0x00, 0x60, 0x00, 0, 160]);
    g[0x808..0x810].copy_from_slice(&[0x19, 0, 0x11, 0x00, 0x20, 0x85, 0, 11]);
    g[0x840..0x848].copy_from_slice(&[0x29, 0, 0x11, 0x00, 0x20, 0xC0, 0, 11]);
    g[0x1000..0x10A0].fill(0x40);
    let first = ebcdic("DISPLAYED BY DIAG X'58'");
    g[0x1000..0x1000 + first.len()].copy_from_slice(&first);
    let second = ebcdic("  ROW TWO");
    g[0x1050..0x1050 + second.len()].copy_from_slice(&second);
    g[0x1100..0x110B].copy_from_slice(&ebcdic("LINE FIVE  "));
    let dir = std::env::temp_dir().join(format!("vm390-run-diag58-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let guest = dir.join("g.bin");
    std::fs::write(&guest, &g).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--dump", "500.8"])
        .arg(&guest)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..3],
        ["DISPLAYED BY DIAG X'58'", "  ROW TWO", "LINE FIVE"],
        "{stdout}"
    );
    assert!(!stdout.contains("LINE FIVE  "), "trailing blanks trimmed");
    assert_eq!(
        stdout.matches("LINE FIVE").count(),
        1,
        "X'29' shows nothing"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["run", "--json", "--dump", "500.8"])
        .arg(&guest)
        .output()
        .unwrap();
    let json = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{json}");
    assert_eq!(json.lines().count(), 1, "{json}");
    // IPM: CC 0 for the display, CC 1 for the full-screen CCW (program mask 0).
    assert!(json.contains("\"00000500\":\"0000000010000000\""), "{json}");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        ["DISPLAYED BY DIAG X'58'", "  ROW TWO", "LINE FIVE"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
