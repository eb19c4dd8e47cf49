//! `vm390 disasm` from the binary.
use std::process::Command;

fn vm390() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vm390"))
}

#[test]
fn disassembles_an_image_with_org_and_arch() {
    let dir = std::env::temp_dir().join(format!("vm390-disasm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let img = dir.join("t.bin");
    // L 1,16(2,3); DC X'0000'; MVC 0(8,1),8(2); SIO X'123' (S/370 only); BR 14
    std::fs::write(
        &img,
        [
            0x58, 0x12, 0x30, 0x10, 0x00, 0x00, 0xD2, 0x07, 0x10, 0x00, 0x20, 0x08, 0x9C, 0x00,
            0x01, 0x23, 0x07, 0xFE,
        ],
    )
    .unwrap();
    let out = vm390()
        .args(["disasm", "--org", "200"])
        .arg(&img)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "00000200  5812 3010       L     1,16(2,3)\n\
         00000204  0000            DC    X'0000'\n\
         00000206  D207 1000 2008  MVC   0(8,1),8(2)\n\
         0000020C  9C00 0123       DC    X'9C000123'\n\
         00000210  07FE            BR    14\n"
    );
    let out = vm390()
        .args(["disasm", "--arch", "s370", "--no-extended"])
        .arg(&img)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("0000000C  9C00 0123       SIO   291\n"),
        "{text}"
    );
    assert!(
        text.contains("00000010  07FE            BCR   15,14\n"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_file_is_one_line_and_status_1() {
    let out = vm390()
        .args(["disasm", "/nonexistent/vm390.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/vm390.bin"), "{err}");
}

/// (With no arguments vm390 starts its built-in default, which cp/tests/minicms_session.rs
/// tests with a data directory of its own.)
#[test]
fn help_lists_the_subcommands() {
    let out = vm390().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in [
        "disasm",
        "run",
        "asm",
        "conformance",
        "--data-dir",
        "--directory",
    ] {
        assert!(text.contains(sub), "--help does not mention {sub}:\n{text}");
    }
}
