//! `vm390 run` from the binary: loading, stop conditions, exit status and the JSON report.
use std::process::Command;

fn vm390() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vm390"))
}

fn image(name: &str, words: &[(u32, &[u8])]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vm390-run-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut img = vec![0u8; 0x400];
    for (addr, bytes) in words {
        img[*addr as usize..*addr as usize + bytes.len()].copy_from_slice(bytes);
    }
    let p = dir.join("img.bin");
    std::fs::write(&p, img).unwrap();
    p
}

fn field<'a>(json: &'a str, key: &str) -> &'a str {
    let at = json.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].trim_matches('"')
}

#[test]
fn disabled_wait_reports_state_as_json() {
    // PSW -> X'200'; LHI 1,5; AHI 1,-7; ST 1,X'300'; LPSW X'210'; wait PSW at X'210'.
    let p = image(
        "wait",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (
                0x200,
                &[
                    0xA7, 0x18, 0x00, 0x05, 0xA7, 0x1A, 0xFF, 0xF9, 0x50, 0x10, 0x03, 0x00, 0x82,
                    0x00, 0x02, 0x10,
                ],
            ),
            (0x210, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x60, 0x0D]),
        ],
    );
    let out = vm390()
        .args(["run", "--json", "--dump", "300.4"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(json.lines().count(), 1, "{json}");
    assert_eq!(field(&json, "stop"), "disabled-wait");
    assert_eq!(field(&json, "psw"), "000A00000000600D");
    assert!(
        json.contains("\"gpr\":[\"00000000\",\"FFFFFFFE\","),
        "{json}"
    );
    assert!(
        json.contains("\"storage\":{\"00000300\":\"FFFFFFFE\"}"),
        "{json}"
    );
    assert_eq!(field(&json, "instructions"), "4");
    assert!(json.ends_with(",\"program_check\":null}\n"), "{json}");
}

#[test]
fn program_interrupt_loop_exits_2_and_limit_exits_3() {
    // Operation exception at X'200' with a program new PSW that is invalid (bit 12 zero).
    let p = image(
        "loop",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (0x200, &[0x00, 0x00]),
        ],
    );
    let out = vm390().args(["run", "--json"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "stop"), "program-interrupt-loop");
    // Issue #12 item 16: the program interruption that led there, not only the zero PSW.
    assert!(
        json.ends_with(",\"program_check\":{\"code\":\"0001\",\"name\":\"operation\",\"ilc\":1,\"old_psw\":\"0008000080000202\"}}\n"),
        "{json}"
    );
    let out = vm390().arg("run").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "program check: code X'0001' operation, ILC 1 (2 bytes), old PSW 00080000 80000202\n"
        ),
        "{text}"
    );
    // J * forever: the limit stops it.
    let p = image(
        "limit",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (0x200, &[0xA7, 0xF4, 0x00, 0x00]),
        ],
    );
    let out = vm390()
        .args(["run", "--json", "--max-instructions", "1000"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "stop"), "instruction-limit");
    assert_eq!(field(&json, "instructions"), "1000");
}

#[test]
fn program_check_is_reflected_with_code_and_ilc() {
    // DR 3,1 (odd register: specification), program new PSW = disabled wait X'DEAD'.
    let p = image(
        "pgm",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (0x68, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0xDE, 0xAD]),
            (0x200, &[0x1D, 0x31]),
        ],
    );
    let out = vm390()
        .args(["run", "--json", "--dump", "28.8", "--dump", "8C.4"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "psw"), "000A00000000DEAD");
    // Old PSW points past the DR; ILC 2 bytes, code 6.
    assert!(json.contains("\"00000028\":\"0008000080000202\""), "{json}");
    assert!(json.contains("\"0000008C\":\"00020006\""), "{json}");
    // Issue #12 item 16: reported also when the run ends in a disabled wait.
    assert!(
        json.contains("\"program_check\":{\"code\":\"0006\",\"name\":\"specification\",\"ilc\":1,\"old_psw\":\"0008000080000202\"}"),
        "{json}"
    );
    let out = vm390().arg("run").arg(&p).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stop:         disabled-wait\n"), "{text}");
    assert!(
        text.contains("program check: code X'0006' specification, ILC 1 (2 bytes), old PSW 00080000 80000202\n"),
        "{text}"
    );
}

/// Issue #12 item 16: the last program interruption is the one reported: an addressing
/// exception (a load beyond storage) goes to a handler at X'300' that makes the program new
/// PSW a disabled wait and then executes X'0000' (operation exception).
#[test]
fn the_last_program_check_is_reported() {
    let p = image(
        "last",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (0x68, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x03, 0x00]),
            // LHI 2,-16; SRL 2,1 (R2 = X'7FFFFFF8'); L 1,0(2): addressing.
            (
                0x200,
                &[
                    0xA7, 0x28, 0xFF, 0xF0, 0x88, 0x20, 0x00, 0x01, 0x58, 0x12, 0x00, 0x00,
                ],
            ),
            // MVC X'68'(8),X'310' (program new PSW := wait X'BEEF'); DC X'0000'.
            (0x300, &[0xD2, 0x07, 0x00, 0x68, 0x03, 0x10, 0x00, 0x00]),
            (0x310, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0xBE, 0xEF]),
        ],
    );
    let out = vm390().args(["run", "--json"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "psw"), "000A00000000BEEF");
    assert!(
        json.contains("\"program_check\":{\"code\":\"0001\",\"name\":\"operation\",\"ilc\":1,\"old_psw\":\"0008000080000308\"}"),
        "{json}"
    );
}

/// Issue #12 item 16: `vm390 run --help` says where the start PSW comes from.
#[test]
fn help_says_where_the_start_psw_comes_from() {
    let out = vm390().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("The start PSW is the doubleword at absolute address 0"),
        "{help}"
    );
    assert!(help.contains("program_check"), "{help}");
}

/// Issue #12 item 16: Ctrl-C (SIGINT) on a looping `vm390 run` prints the report and exits
/// with status 130.
#[test]
fn ctrl_c_prints_the_report_and_exits_130() {
    // J * forever.
    let p = image(
        "sigint",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (0x200, &[0xA7, 0xF4, 0x00, 0x00]),
        ],
    );
    let mut child = vm390()
        .args(["run", "--json"])
        .arg(&p)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Time to load the image and set up the handler.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "vm390 run ended by itself"
    );
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("vm390 run did not stop on SIGINT");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "stop"), "interrupted");
    assert_eq!(field(&json, "psw"), "0008000080000200");
    assert!(json.contains("\"program_check\":null"), "{json}");
}

#[test]
fn bad_arguments_and_files_are_one_line_errors() {
    let out = vm390()
        .args(["run", "/nonexistent/x.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("/nonexistent/x.bin"));
    let p = image("big", &[]);
    let out = vm390()
        .args(["run", "--storage", "64K"])
        .arg(format!("{}@FFFF", p.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("does not fit"));
}

#[test]
fn jit_option_compiles_hot_code_or_not_with_the_same_result() {
    // PSW -> X'200'; LHI 1,0; LHI 2,5000; loop: AHI 1,3; BRCT 2,loop; ST 1,X'300';
    // LPSW X'210'; wait PSW at X'210'.
    let p = image(
        "jit",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (
                0x200,
                &[
                    0xA7, 0x18, 0x00, 0x00, 0xA7, 0x28, 0x13, 0x88, 0xA7, 0x1A, 0x00, 0x03, 0xA7,
                    0x26, 0xFF, 0xFE, 0x50, 0x10, 0x03, 0x00, 0x82, 0x00, 0x02, 0x18,
                ],
            ),
            (0x218, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x60, 0x0D]),
        ],
    );
    let mut reports = Vec::new();
    for (jit, compiled) in [("off", false), ("eager", true), ("100", true)] {
        let out = vm390()
            .args(["run", "--jit", jit, "--dump", "300.4"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "--jit {jit}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("storage 00000300: 00003A98"), "{text}");
        assert!(text.contains("instructions: 10004"), "{text}");
        assert_eq!(
            !text.contains("regions compiled: 0 "),
            compiled,
            "--jit {jit}: {text}"
        );
        reports.push(
            text.lines()
                .filter(|l| !l.starts_with("regions compiled"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]), "{reports:?}");
    let out = vm390()
        .args(["run", "--jit", "sometimes"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'sometimes' is not off, eager"));
}

/// Upper-case letters, digits, blank and colon in EBCDIC (code page 037).
fn ebcdic(s: &str) -> Vec<u8> {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'I' => 0xC1 + (c - b'A'),
            b'J'..=b'R' => 0xD1 + (c - b'J'),
            b'S'..=b'Z' => 0xE2 + (c - b'S'),
            b'0'..=b'9' => 0xF0 + (c - b'0'),
            b':' => 0x7A,
            _ => 0x40,
        })
        .collect()
}

/// Issue #13: the guest of `vm390 run` has the same CP as a logged-on user, so DIAGNOSE
/// X'08' runs the full command set: `QUERY TIME` (response buffer) and `SET EMSG ON` give
/// return code 0 (the old runner's own CP knew only QUERY USERID and answered 1), and a
/// response without a buffer is a console line (on stderr under --json).
#[test]
fn diagnose_08_has_the_full_cp_command_set() {
    let dir = std::env::temp_dir().join(format!("vm390-run-{}-diag8", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut img = vec![0u8; 0x1000];
    let mut put = |addr: usize, bytes: &[u8]| {
        img[addr..addr + bytes.len()].copy_from_slice(bytes);
    };
    put(0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]);
    #[rustfmt::skip]
    put(0x200, &[
        0x41, 0x20, 0x03, 0x00, // LA    2,X'300'      QUERY TIME
        0x41, 0x30, 0x08, 0x00, // LA    3,X'800'      response buffer
        0x58, 0x40, 0x03, 0xF0, // L     4,X'3F0'      X'40' (buffer), length 10
        0x41, 0x50, 0x01, 0x00, // LA    5,X'100'      buffer length
        0x83, 0x24, 0x00, 0x08, // DIAG  2,4,8
        0x90, 0x45, 0x03, 0xE0, // STM   4,5,X'3E0'    return code, response length
        0x41, 0x60, 0x03, 0x40, // LA    6,X'340'      SET EMSG ON
        0x58, 0x70, 0x03, 0xF4, // L     7,X'3F4'      length 11, no buffer
        0x83, 0x67, 0x00, 0x08, // DIAG  6,7,8
        0x50, 0x70, 0x03, 0xE8, // ST    7,X'3E8'      return code
        0x41, 0x80, 0x03, 0x80, // LA    8,X'380'      QUERY USERID
        0x58, 0x90, 0x03, 0xF8, // L     9,X'3F8'      length 12, no buffer
        0x83, 0x89, 0x00, 0x08, // DIAG  8,9,8
        0x50, 0x90, 0x03, 0xEC, // ST    9,X'3EC'      return code
        0x82, 0x00, 0x03, 0xD0, // LPSW  X'3D0'
    ]);
    put(0x3D0, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x60, 0x0D]);
    put(0x300, &ebcdic("QUERY TIME"));
    put(0x340, &ebcdic("SET EMSG ON"));
    put(0x380, &ebcdic("QUERY USERID"));
    put(0x3F0, &[0x40, 0, 0, 10, 0, 0, 0, 11, 0, 0, 0, 12]);
    let p = dir.join("img.bin");
    std::fs::write(&p, img).unwrap();
    let out = vm390()
        .args(["run", "--json", "--dump", "3E0.10", "--dump", "800.8"])
        .arg(&p)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(field(&json, "stop"), "disabled-wait", "{json}");
    let regs = field(&json, "000003E0");
    assert_eq!(&regs[0..8], "00000000", "QUERY TIME return code: {json}");
    let len = u32::from_str_radix(&regs[8..16], 16).unwrap();
    assert!(len > 8, "QUERY TIME response length {len}: {json}");
    assert_eq!(&regs[16..24], "00000000", "SET EMSG ON return code: {json}");
    assert_eq!(
        &regs[24..32],
        "00000000",
        "QUERY USERID return code: {json}"
    );
    let time_is: String = ebcdic("TIME IS ")
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(field(&json, "00000800"), time_is, "{json}");
    assert!(
        stderr.lines().any(|l| l == "RUNNER AT VM390"),
        "console: {stderr}"
    );
    assert_eq!(field(&json, "0008"), "3", "{json}");
    // Hypercall accounting (issue #15): three calls of X'08', and the guest instructions
    // run before them: 4 before the first, 3 and 3 between the others, each with its
    // DIAGNOSE (the CPU counts an instruction as it starts it): 13.
    let at = json
        .find("\"hypercalls\":{\"0008\":{")
        .unwrap_or_else(|| panic!("no hypercalls: {json}"));
    let h = &json[at + "\"hypercalls\":{\"0008\":".len()..];
    assert_eq!(field(h, "calls"), "3", "{json}");
    let between: u64 = field(h, "instructions_between").parse().unwrap();
    assert_eq!(between, 13, "{json}");
    let ns: u64 = field(h, "host_ns").parse().unwrap();
    assert!(ns > 0, "{json}");
    assert_eq!(field(&json, "io_interruptions"), "0", "{json}");
}

/// Binary floating point from the binary: with the AFP-register control on (LCTL of CR0
/// bit 13), DDBR divides 1 by 3 in long BFP; the stored quotient is the IEEE one and STFPC
/// shows the inexact flag (SA22-7201 chapter 19).
#[test]
fn binary_floating_point_runs() {
    let p = image(
        "bfp",
        &[
            (0, &[0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00]),
            (
                0x200,
                &[
                    0xB7, 0x00, 0x02, 0x40, // LCTL 0,0,X'240'
                    0x68, 0x00, 0x02, 0x48, // LD 0,X'248'
                    0x68, 0x20, 0x02, 0x50, // LD 2,X'250'
                    0xB3, 0x1D, 0x00, 0x02, // DDBR 0,2
                    0x60, 0x00, 0x03, 0x00, // STD 0,X'300'
                    0xB2, 0x9C, 0x03, 0x08, // STFPC X'308'
                    0x82, 0x00, 0x02, 0x28, // LPSW X'228'
                ],
            ),
            (0x228, &[0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x60, 0x0D]),
            (0x240, &[0x00, 0x04, 0x00, 0xE0]),
            (0x248, &1f64.to_bits().to_be_bytes()),
            (0x250, &3f64.to_bits().to_be_bytes()),
        ],
    );
    let out = vm390()
        .args(["run", "--json", "--dump", "300.C"])
        .arg(&p)
        .output()
        .unwrap();
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&json, "psw"), "000A00000000600D", "{json}");
    assert_eq!(field(&json, "fpc"), "00080000", "{json}");
    let want = format!("{:016X}00080000", (1f64 / 3.0).to_bits());
    assert!(
        json.contains(&format!("\"storage\":{{\"00000300\":\"{want}\"}}")),
        "{json}"
    );
}
