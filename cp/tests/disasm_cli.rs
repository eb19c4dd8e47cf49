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

/// SSM, LPSW, TS, IPTE, EFPC with one bits in unused fields, SFPC, 12 zero bytes, BR 14,
/// 8 zero bytes, LDEB with bits 32-39 set, 2 zero bytes.
const UNUSED_BITS: [u8; 54] = [
    0x80, 0xAA, 0x2D, 0x40, 0x82, 0x01, 0x02, 0x00, 0x93, 0x10, 0x00, 0x08, 0xB2, 0x21, 0x12, 0x34,
    0xB3, 0x8C, 0x05, 0x10, 0xB3, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x07, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xED, 0x12,
    0x34, 0x56, 0x78, 0x04, 0x00, 0x00,
];

fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vm390-disasm-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Issue #12 item 17: an instruction with bits set in an unused field stays a DC (so the
/// output reassembles) with a remark naming it; zero runs of 8 bytes and more fold into
/// one line; the statements assemble with `vm390 asm` to the same bytes.
#[test]
fn unused_field_bits_are_named_and_zero_runs_fold() {
    let dir = scratch("unused");
    let img = dir.join("u.bin");
    std::fs::write(&img, UNUSED_BITS).unwrap();
    let out = vm390().arg("disasm").arg(&img).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "00000000  80AA 2D40       DC    X'80AA2D40'  * SSM 3392(2) (bits 8-15 not zero)\n\
         00000004  8201 0200       DC    X'82010200'  * LPSW 512 (bits 8-15 not zero)\n\
         00000008  9310 0008       DC    X'93100008'  * TS 8 (bits 8-15 not zero)\n\
         0000000C  B221 1234       DC    X'B2211234'  * IPTE 3,4 (bits 16-23 not zero)\n\
         00000010  B38C 0510       DC    X'B38C0510'  * EFPC 1 (bits 16-23 not zero)\n\
         00000014  B384 0000       SFPC  0\n\
         00000018  0000 0000 0000  DC    XL12'00'\n\
         00000024  07FE            BR    14\n\
         00000026  0000 0000 0000  DC    XL8'00'\n\
         0000002E  ED12 3456 7804  DC X'ED1234567804'  * LDEB 1,1110(2,3) (bits 32-39 not zero)\n\
         00000034  0000            DC    X'0000'\n"
    );
    // The statements, from column 10 as in a source, reassemble byte for byte.
    let mut src = String::new();
    for line in text.lines() {
        src.push_str("         ");
        src.push_str(&line[26..]);
        src.push('\n');
        assert!(src.lines().last().unwrap().len() <= 71, "{line}");
    }
    let asm = dir.join("u.asm");
    let bin = dir.join("again.bin");
    std::fs::write(&asm, src).unwrap();
    let out = vm390()
        .arg("asm")
        .arg(&asm)
        .arg("-o")
        .arg(&bin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&bin).unwrap(), UNUSED_BITS);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue #12 item 17: `--start ADDR --length N` and `--start ADDR.LEN` (hexadecimal, in
/// the addresses of --org); a start outside the image is an error.
#[test]
fn start_and_length_select_a_range() {
    let dir = scratch("range");
    let img = dir.join("u.bin");
    std::fs::write(&img, UNUSED_BITS).unwrap();
    let run = |args: &[&str]| {
        let out = vm390().arg("disasm").args(args).arg(&img).output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let want = "00000204  8201 0200       DC    X'82010200'  * LPSW 512 (bits 8-15 not zero)\n\
                00000208  9310 0008       DC    X'93100008'  * TS 8 (bits 8-15 not zero)\n";
    let (code, text, _) = run(&["--org", "200", "--start", "204", "--length", "8"]);
    assert_eq!((code, text.as_str()), (Some(0), want));
    let (code, text, _) = run(&["--org", "200", "--start", "204.8"]);
    assert_eq!((code, text.as_str()), (Some(0), want));
    // To the end of the file without a length; a length past the end stops there.
    let (_, text, _) = run(&["--start", "2E"]);
    assert_eq!(text.lines().count(), 2, "{text}");
    let (_, text, _) = run(&["--start", "34", "--length", "100"]);
    assert_eq!(text, "00000034  0000            DC    X'0000'\n");
    let (code, _, err) = run(&["--org", "200", "--start", "100"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--start 100 is outside"), "{err}");
    let (code, _, err) = run(&["--start", "4.8", "--length", "4"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("either"), "{err}");
    let out = vm390().args(["disasm", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("8 or more zero bytes"), "{help}");
    assert!(help.contains("--start"), "{help}");
    let _ = std::fs::remove_dir_all(&dir);
}
