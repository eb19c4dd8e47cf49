//! Handler tests against [`MockMachine`]: registers, storage, CC and every documented error
//! path.

use crate::display::display_rows;
use crate::ebcdic;
use crate::mock::MockMachine;
use crate::*;

const SPEC: Result<(), ProgramCheck> = Err(ProgramCheck::SPECIFICATION);
const ADDR: Result<(), ProgramCheck> = Err(ProgramCheck::ADDRESSING);
const PROT: Result<(), ProgramCheck> = Err(ProgramCheck::PROTECTION);

fn diag(m: &mut MockMachine, code: u32, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    Registry::standard().dispatch(m, code, rx, ry)
}

/// Runs a DIAG that must fail and checks that nothing changed.
fn fails_unchanged(m: &mut MockMachine, code: u32, rx: u8, ry: u8) -> ProgramCheck {
    m.cc = 2;
    let before = m.clone();
    let r = diag(m, code, rx, ry);
    assert_eq!(m.gpr, before.gpr, "registers changed on a program check");
    assert_eq!(m.cc, 2, "CC changed on a program check");
    assert!(m.mem == before.mem, "storage changed on a program check");
    r.expect_err("expected a program check")
}

#[test]
fn unknown_and_unaligned_codes_are_specification() {
    let r = Registry::standard();
    let mut m = MockMachine::new();
    for code in [
        0x001, 0x002, 0x003, 0x061, 0x0FC, 0x100, 0x1FC, 0xF08, 0xFFFF,
    ] {
        assert_eq!(r.dispatch(&mut m, code, 1, 2), SPEC, "{code:X}");
    }
    for &(code, _, _) in NOT_IMPLEMENTED {
        assert!(r.get(code).is_none());
        assert_eq!(r.dispatch(&mut m, code, 2, 4), SPEC, "{code:X}");
    }
    // The code is the low 16 bits of the effective address.
    assert_eq!(r.dispatch(&mut m, 0x1_0060, 3, 0), Ok(()));
    assert_eq!(m.gpr[3], 0x10000);
    assert_eq!(Registry::empty().dispatch(&mut m, 0x60, 3, 0), SPEC);
}

#[test]
fn every_handler_names_its_source() {
    let r = Registry::standard();
    let codes: Vec<u32> = r.handlers().map(|h| h.code()).collect();
    assert_eq!(
        codes,
        [
            0x00, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x20, 0x24, 0x44, 0x4C, 0x58, 0x5C, 0x60, 0x64,
            0x68, 0x8C, 0x9C, 0x210, 0x214, 0x250, 0x260, 0x270
        ]
    );
    for h in r.handlers() {
        assert_eq!(h.code() % 4, 0);
        assert!(!h.name().is_empty() && !h.source().is_empty());
    }
    assert!(format!("{r:?}").contains("96"));
}

#[test]
fn diag_00_stores_at_most_ry_bytes() {
    let mut m = MockMachine::new();
    m.time.utc_offset = -18_000;
    m.gpr[2] = 0x800;
    m.gpr[3] = 100;
    m.put(0x800 + 36, &[0xEE; 4]);
    assert_eq!(diag(&mut m, 0x00, 2, 3), Ok(()));
    let b = m.get(0x800, 40).to_vec();
    assert_eq!(&b[0..8], &ebcdic::padded::<8>("VM/370"));
    assert_eq!(&b[8..12], &[0x06, 0x00, 0x00, 0xFF]);
    assert_eq!(&b[12..16], &[0, 0, 0, 0]);
    assert_eq!(&b[16..24], &ebcdic::padded::<8>("MOCKUSER"));
    assert_eq!(&b[24..32], &[0; 8]);
    assert_eq!(&b[32..36], &(-18_000i32).to_be_bytes());
    assert_eq!(&b[36..40], &[0xEE; 4], "stored past the 36-byte block");
    assert_eq!((m.gpr[3], m.cc), (100, 0), "Ry and CC unchanged");
    // Ry shorter than the block: exactly Ry bytes change.
    let mut m = MockMachine::new();
    m.put(0x800, &[0xAA; 16]);
    m.gpr[2] = 0x800;
    m.gpr[3] = 5;
    assert_eq!(diag(&mut m, 0x00, 2, 3), Ok(()));
    assert_eq!(m.get(0x800, 6), &[0xE5, 0xD4, 0x61, 0xF3, 0xF7, 0xAA]);
    // Ry = 0: nothing stored.
    m.gpr[3] = 0;
    m.put(0x800, &[0xAA; 8]);
    assert_eq!(diag(&mut m, 0x00, 2, 3), Ok(()));
    assert_eq!(m.get(0x800, 8), &[0xAA; 8]);
}

#[test]
fn diag_00_errors() {
    let mut m = MockMachine::new();
    m.gpr[3] = 36;
    m.gpr[2] = 0x804;
    assert_eq!(
        fails_unchanged(&mut m, 0x00, 2, 3),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0xFFF8;
    assert_eq!(
        fails_unchanged(&mut m, 0x00, 2, 3),
        ProgramCheck::ADDRESSING
    );
    m.gpr[2] = 0x800;
    m.protected = Some((0x810, 0x818));
    assert_eq!(
        fails_unchanged(&mut m, 0x00, 2, 3),
        ProgramCheck::PROTECTION
    );
    // 24-bit mode: the high byte of Rx is ignored.
    m.protected = None;
    m.amask = 0x00FF_FFFF;
    m.gpr[2] = 0xFF00_0800;
    assert_eq!(diag(&mut m, 0x00, 2, 3), Ok(()));
    assert_eq!(m.get(0x810, 2), &[0xD4, 0xD6]);
}

fn put_text(m: &mut MockMachine, addr: u32, s: &str) -> u32 {
    let e = ebcdic::from_str(s);
    m.put(addr, &e);
    e.len() as u32
}

#[test]
fn diag_08_without_buffer_runs_commands_and_returns_rc() {
    let mut m = MockMachine::new();
    m.responses.insert(
        "QUERY USERID".into(),
        CpResponse {
            lines: vec!["MOCKUSER AT VM390".into()],
            rc: 0,
        },
    );
    let n = put_text(&mut m, 0x400, "query userid");
    m.gpr[2] = 0x400;
    m.gpr[4] = n;
    m.cc = 3;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!(m.gpr[4], 0);
    assert_eq!(m.cc, 3, "CC unchanged without a buffer");
    assert_eq!(m.console_lines, ["MOCKUSER AT VM390"]);
    assert_eq!(m.commands, [("query userid".to_string(), false)]);
    // Unknown command: rc 1, nothing written.
    let n = put_text(&mut m, 0x400, "FOO");
    m.gpr[4] = n | 0x8000_0000;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!(m.gpr[4], 1);
    assert_eq!(m.console_lines.len(), 1);
    assert_eq!(
        m.commands[1],
        ("FOO".to_string(), true),
        "flag X'80' passed on"
    );
}

#[test]
fn diag_08_multiple_commands_and_ry_zero() {
    let mut m = MockMachine::new();
    m.responses.insert(
        "A".into(),
        CpResponse {
            lines: vec!["ONE".into()],
            rc: 0,
        },
    );
    let mut text = ebcdic::from_str("A");
    text.push(0x15);
    text.extend(ebcdic::from_str("B"));
    text.push(0x15);
    text.extend(ebcdic::from_str("A"));
    m.put(0x400, &text);
    m.gpr[2] = 0x400;
    m.gpr[4] = text.len() as u32;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    let cmds: Vec<&str> = m.commands.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(cmds, ["A", "B", "A"]);
    assert_eq!(m.gpr[4], 0, "rc of the last command");
    // Ry = 0: no-op.
    let before = m.clone();
    m.gpr[4] = 0;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!(m.commands.len(), before.commands.len());
    assert_eq!(m.gpr[4], 0);
    // Flags only, zero length: no-op too.
    m.gpr[4] = 0x4000_0000;
    m.gpr[3] = 0x900;
    m.gpr[5] = 10;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!(m.gpr[5], 10);
}

#[test]
fn diag_08_response_buffer_and_truncation() {
    let mut m = MockMachine::new();
    m.responses.insert(
        "Q".into(),
        CpResponse {
            lines: vec!["LINE ONE".into(), "TWO".into()],
            rc: 0,
        },
    );
    let n = put_text(&mut m, 0x400, "Q");
    m.gpr[2] = 0x400;
    m.gpr[3] = 0x900;
    m.gpr[4] = 0x4000_0000 | n;
    m.gpr[5] = 100;
    m.cc = 3;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    let mut want = ebcdic::from_str("LINE ONE");
    want.push(0x15);
    want.extend(ebcdic::from_str("TWO"));
    want.push(0x15);
    assert_eq!(m.get(0x900, want.len()), &want[..]);
    assert_eq!((m.cc, m.gpr[4], m.gpr[5]), (0, 0, 13));
    assert!(m.console_lines.is_empty());
    // A 10-byte buffer: only the first whole line (9 bytes) is stored; CC 1 and Ry+1 = the
    // bytes beyond the buffer length (13 - 10).
    m.put(0x900, &[0; 16]);
    m.gpr[4] = 0x4000_0000 | n;
    m.gpr[5] = 10;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[4], m.gpr[5]), (1, 0, 3));
    assert_eq!(m.get(0x900, 9), &want[..9]);
    assert_eq!(m.get(0x909, 1), &[0], "partial line stored");
    // Unknown command with a buffer: rc 1, no response, CC 0 and length 0.
    let n = put_text(&mut m, 0x400, "XYZZY");
    m.gpr[4] = 0x4000_0000 | n;
    m.gpr[5] = 10;
    assert_eq!(diag(&mut m, 0x08, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[4], m.gpr[5]), (0, 1, 0));
}

#[test]
fn diag_08_errors() {
    let mut m = MockMachine::new();
    let n = put_text(&mut m, 0x400, "Q");
    m.gpr[2] = 0x400;
    m.gpr[3] = 0x900;
    m.gpr[5] = 100;
    // Rx and Ry consecutive, or either R15, with a buffer.
    m.gpr[3] = 0x4000_0000 | n;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 3),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[1] = 0x4000_0000 | n;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 1),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[15] = 0x4000_0000 | n;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 15),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[15] = 0x400;
    m.gpr[4] = 0x4000_0000 | n;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 15, 4),
        ProgramCheck::SPECIFICATION
    );
    // Without a buffer the same registers are fine.
    m.gpr[3] = n;
    assert_eq!(diag(&mut m, 0x08, 2, 3), Ok(()));
    // Reserved flag bits; a text longer than 240.
    m.gpr[3] = 0x900;
    m.gpr[4] = 0x0100_0000 | n;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[4] = 241;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    // Text or buffer outside storage; a protected buffer: the command is not run.
    let ran = m.commands.len();
    m.gpr[4] = 0x4000_0000 | n;
    m.gpr[2] = 0xFFFF;
    m.gpr[4] = 0x4000_0002;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 4),
        ProgramCheck::ADDRESSING
    );
    m.gpr[2] = 0x400;
    m.gpr[4] = 0x4000_0000 | n;
    m.gpr[3] = 0xFFF0;
    m.gpr[5] = 0x20;
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 4),
        ProgramCheck::ADDRESSING
    );
    m.gpr[3] = 0x900;
    m.protected = Some((0x910, 0x920));
    assert_eq!(
        fails_unchanged(&mut m, 0x08, 2, 4),
        ProgramCheck::PROTECTION
    );
    assert_eq!(m.commands.len(), ran);
}

#[test]
fn diag_0c_pseudo_timer() {
    let mut m = MockMachine::new();
    m.cpu_time = (1_234_567, 0x1_0000_0001);
    m.gpr[6] = 0x1000;
    m.cc = 1;
    assert_eq!(diag(&mut m, 0x0C, 6, 6), Ok(()));
    assert_eq!(m.get(0x1000, 8), &ebcdic::from_str("07/04/86")[..]);
    assert_eq!(m.get(0x1008, 8), &ebcdic::from_str("13:05:09")[..]);
    assert_eq!(m.get(0x1010, 8), &1_234_567u64.to_be_bytes());
    assert_eq!(m.get(0x1018, 8), &0x1_0000_0001u64.to_be_bytes());
    assert_eq!((m.cc, m.gpr[6]), (1, 0x1000));
    m.gpr[6] = 0x1004;
    assert_eq!(
        fails_unchanged(&mut m, 0x0C, 6, 6),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[6] = 0xFFE8;
    assert_eq!(
        fails_unchanged(&mut m, 0x0C, 6, 0),
        ProgramCheck::ADDRESSING
    );
    m.gpr[6] = 0x2000;
    m.protected = Some((0x2018, 0x2019));
    assert_eq!(
        fails_unchanged(&mut m, 0x0C, 6, 0),
        ProgramCheck::PROTECTION
    );
}

#[test]
fn diag_10_validates_and_changes_nothing() {
    let mut m = MockMachine::new();
    m.put(0x3000, &[0x55; 8]);
    m.cc = 2;
    for (first, last) in [
        (0x3000, 0x3000),
        (0x3000, 0x5000),
        (0, 0x1000),
        (0xF000, 0xF000),
    ] {
        m.gpr[2] = first;
        m.gpr[3] = last;
        assert_eq!(diag(&mut m, 0x10, 2, 3), Ok(()), "{first:X}-{last:X}");
    }
    assert_eq!(m.cc, 2);
    assert_eq!(m.get(0x3000, 8), &[0x55; 8]);
    for (first, last, pc) in [
        (0x3001, 0x4000, ProgramCheck::SPECIFICATION),
        (0x3000, 0x4800, ProgramCheck::SPECIFICATION),
        (0x5000, 0x4000, ProgramCheck::SPECIFICATION),
        (0x3000, 0x10000, ProgramCheck::ADDRESSING),
    ] {
        m.gpr[2] = first;
        m.gpr[3] = last;
        assert_eq!(
            fails_unchanged(&mut m, 0x10, 2, 3),
            pc,
            "{first:X}-{last:X}"
        );
    }
}

#[test]
fn diag_18_and_20_go_to_the_machine() {
    let mut m = MockMachine::new();
    m.gpr[1] = 0x191;
    m.gpr[2] = 0x8000_2000;
    m.gpr[15] = 3;
    assert_eq!(diag(&mut m, 0x18, 1, 2), Ok(()));
    assert_eq!((m.cc, m.gpr[15]), (1, 1), "default: not attached");
    assert_eq!(
        m.io_requests[0],
        IoRequest {
            devno: 0x191,
            ccw: 0x2000,
            extra: 3
        }
    );
    m.io_answer = Some(IoAnswer {
        cc: 3,
        r15: Some(13),
        sense: Some(0x8040),
    });
    m.gpr[2] = 0x3012_3000;
    assert_eq!(diag(&mut m, 0x20, 1, 2), Ok(()));
    assert_eq!((m.cc, m.gpr[15], m.gpr[2]), (3, 13, 0x3012_8040));
    assert_eq!(
        m.io_requests[1],
        IoRequest {
            devno: 0x191,
            ccw: 0x12_3000,
            extra: 0x30
        }
    );
    m.io_answer = Some(IoAnswer {
        cc: 0,
        r15: None,
        sense: None,
    });
    m.gpr[15] = 7;
    assert_eq!(diag(&mut m, 0x18, 1, 2), Ok(()));
    assert_eq!((m.cc, m.gpr[15]), (0, 7));
}

fn with_devices() -> MockMachine {
    let mut m = MockMachine::new();
    m.devices.insert(
        0x009,
        DeviceInfo {
            vdev: 0x8000_0000,
            rdev: Some(0x8000_0082),
        },
    );
    m.devices.insert(
        0x00C,
        DeviceInfo {
            vdev: 0x2082_0000,
            rdev: None,
        },
    );
    m.devices.insert(
        0x191,
        DeviceInfo {
            vdev: 0x0408_0000,
            rdev: Some(0x0408_0400),
        },
    );
    m.console = Some(ConsoleInfo {
        devno: 0x009,
        terminal_code: 0x01,
    });
    m
}

#[test]
fn diag_24_device_type() {
    let mut m = with_devices();
    m.gpr[2] = 0x191;
    assert_eq!(diag(&mut m, 0x24, 2, 4), Ok(()));
    assert_eq!(
        (m.cc, m.gpr[2], m.gpr[4], m.gpr[5]),
        (0, 0x191, 0x0408_0000, 0x0408_0400)
    );
    // Console through -1: Rx = terminal code and address.
    m.gpr[2] = 0xFFFF_FFFF;
    assert_eq!(diag(&mut m, 0x24, 2, 4), Ok(()));
    assert_eq!(
        (m.cc, m.gpr[2], m.gpr[4], m.gpr[5]),
        (0, 0x0100_0009, 0x8000_0000, 0x8000_0082)
    );
    // Ry = R15: only the virtual information.
    m.gpr[2] = 0x191;
    m.gpr[0] = 0xDEAD;
    assert_eq!(diag(&mut m, 0x24, 2, 15), Ok(()));
    assert_eq!((m.cc, m.gpr[15], m.gpr[0]), (0, 0x0408_0000, 0xDEAD));
    // Spooled reader: CC 2, Ry only.
    m.gpr[2] = 0x00C;
    m.gpr[5] = 0x5555;
    assert_eq!(diag(&mut m, 0x24, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[4], m.gpr[5]), (2, 0x2082_0000, 0x5555));
    // No such device, an invalid address, -1 without a console: CC 3, registers unchanged.
    for v in [0x192, 0x1_0009, 0xFFFF_FFFE] {
        m.gpr[2] = v;
        m.gpr[4] = 0x44;
        m.cc = 0;
        assert_eq!(diag(&mut m, 0x24, 2, 4), Ok(()));
        assert_eq!((m.cc, m.gpr[2], m.gpr[4]), (3, v, 0x44));
    }
    m.console = None;
    m.gpr[2] = 0xFFFF_FFFF;
    assert_eq!(diag(&mut m, 0x24, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[2]), (3, 0xFFFF_FFFF));
}

#[test]
fn diag_44_and_9c_are_no_ops() {
    let mut m = MockMachine::new();
    m.gpr = [7; 16];
    m.cc = 2;
    let before = m.clone();
    assert_eq!(diag(&mut m, 0x44, 0, 0), Ok(()));
    assert_eq!(diag(&mut m, 0x9C, 3, 0), Ok(()));
    assert_eq!((m.gpr, m.cc), (before.gpr, before.cc));
}

#[test]
fn diag_4c_accounting() {
    let mut m = MockMachine::new();
    // Rx = 0: for myself; default CC 1 (no ACCOUNT option).
    m.gpr[4] = 0;
    assert_eq!(diag(&mut m, 0x4C, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert_eq!(
        m.account_requests[0],
        AccountingRequest::Record {
            function: 0,
            userid: None,
            account: None,
            distribution: None
        }
    );
    // Function C with a list.
    m.account_cc = Some(0);
    m.put(0x800, &ebcdic::padded::<8>("OTHER"));
    m.put(0x808, &ebcdic::padded::<8>("ACCT1"));
    m.put(0x810, &ebcdic::padded::<8>("DIST"));
    m.gpr[2] = 0x800;
    m.gpr[4] = 0xC;
    assert_eq!(diag(&mut m, 0x4C, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(
        m.account_requests[1],
        AccountingRequest::Record {
            function: 0xC,
            userid: Some("OTHER".into()),
            account: Some("ACCT1".into()),
            distribution: Some("DIST".into())
        }
    );
    // Function X'10': user data.
    m.put(0x900, b"hello");
    m.gpr[2] = 0x900;
    m.gpr[4] = 0x10;
    m.gpr[5] = 5;
    assert_eq!(diag(&mut m, 0x4C, 2, 4), Ok(()));
    assert_eq!(
        m.account_requests[2],
        AccountingRequest::UserData(b"hello".to_vec())
    );
    // Bad function: CC 3.
    m.gpr[4] = 2;
    assert_eq!(diag(&mut m, 0x4C, 2, 4), Ok(()));
    assert_eq!(m.cc, 3);
    assert_eq!(m.account_requests.len(), 3);
}

#[test]
fn diag_4c_errors() {
    let mut m = MockMachine::new();
    m.gpr[2] = 0x804;
    m.gpr[4] = 4;
    assert_eq!(
        fails_unchanged(&mut m, 0x4C, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0xFF8;
    m.gpr[4] = 0xC;
    assert_eq!(
        fails_unchanged(&mut m, 0x4C, 2, 4),
        ProgramCheck::SPECIFICATION,
        "crosses a page"
    );
    m.gpr[2] = 0x1_0000;
    m.gpr[4] = 0;
    assert_eq!(
        fails_unchanged(&mut m, 0x4C, 2, 4),
        ProgramCheck::ADDRESSING
    );
    m.gpr[2] = 0x900;
    m.gpr[4] = 0x10;
    for len in [0u32, 71, 0xFFFF_FFFF] {
        m.gpr[5] = len;
        assert_eq!(
            fails_unchanged(&mut m, 0x4C, 2, 4),
            ProgramCheck::SPECIFICATION,
            "{len}"
        );
    }
    m.gpr[2] = 0xFF0;
    m.gpr[5] = 17;
    assert_eq!(
        fails_unchanged(&mut m, 0x4C, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[15] = 0x10;
    m.gpr[2] = 0x900;
    assert_eq!(
        fails_unchanged(&mut m, 0x4C, 2, 15),
        ProgramCheck::SPECIFICATION
    );
    assert!(m.account_requests.is_empty());
}

#[test]
fn diag_5c_edits_per_set_emsg() {
    let mut m = MockMachine::new();
    for (emsg, rx, ry) in [
        (Emsg::On, 0x1000, 40),
        (Emsg::Code, 0x1000, 10),
        (Emsg::Text, 0x100B, 29),
        (Emsg::Off, 0x1000, 0),
    ] {
        m.emsg = emsg;
        m.gpr[2] = 0x1000;
        m.gpr[3] = 40;
        m.cc = 1;
        assert_eq!(diag(&mut m, 0x5C, 2, 3), Ok(()));
        assert_eq!((m.gpr[2], m.gpr[3], m.cc), (rx, ry, 1), "{emsg:?}");
    }
    // Short messages never grow.
    m.emsg = Emsg::Text;
    m.gpr[2] = 0x1000;
    m.gpr[3] = 6;
    assert_eq!(diag(&mut m, 0x5C, 2, 3), Ok(()));
    assert_eq!((m.gpr[2], m.gpr[3]), (0x1006, 0));
    m.emsg = Emsg::Code;
    m.gpr[3] = 4;
    assert_eq!(diag(&mut m, 0x5C, 2, 3), Ok(()));
    assert_eq!(m.gpr[3], 4);
    // Storage is neither read nor written: an address outside storage is fine.
    m.gpr[2] = 0xFFFF_FFF0;
    m.gpr[3] = 30;
    assert_eq!(diag(&mut m, 0x5C, 2, 3), Ok(()));
}

#[test]
fn diag_60_storage_size() {
    let mut m = MockMachine::new();
    m.cc = 3;
    assert_eq!(diag(&mut m, 0x60, 9, 0), Ok(()));
    assert_eq!((m.gpr[9], m.cc), (0x10000, 3));
}

#[test]
fn diag_64_saved_segments() {
    let mut m = MockMachine::new();
    m.put(0x808, &ebcdic::padded::<8>("CMSSEG"));
    m.gpr[2] = 0x808;
    m.gpr[3] = 0x0C;
    assert_eq!(diag(&mut m, 0x64, 2, 3), Ok(()));
    assert_eq!((m.cc, m.gpr[2], m.gpr[3]), (2, 0x808, 44));
    assert_eq!(
        m.segment_requests[0],
        (SegmentOp::Find, "CMSSEG".to_string())
    );
    m.segment_answer = Some(SegmentAnswer {
        cc: 0,
        rx: Some(0xF0_0000),
        ry: Some(0xF0_FFFF),
    });
    for (sub, op) in [
        (0, SegmentOp::LoadShared),
        (4, SegmentOp::LoadNonshared),
        (8, SegmentOp::Purge),
    ] {
        m.gpr[2] = 0x808;
        m.gpr[3] = sub;
        assert_eq!(diag(&mut m, 0x64, 2, 3), Ok(()));
        assert_eq!((m.cc, m.gpr[2], m.gpr[3]), (0, 0xF0_0000, 0xF0_FFFF));
        assert_eq!(m.segment_requests.last().unwrap().0, op);
    }
    m.gpr[2] = 0x808;
    for sub in [0x10, 0x18, 0x20, 1] {
        m.gpr[3] = sub;
        assert_eq!(
            fails_unchanged(&mut m, 0x64, 2, 3),
            ProgramCheck::SPECIFICATION
        );
    }
    m.gpr[3] = 0xC;
    m.gpr[2] = 0x804;
    assert_eq!(
        fails_unchanged(&mut m, 0x64, 2, 3),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0x1_0000;
    assert_eq!(
        fails_unchanged(&mut m, 0x64, 2, 3),
        ProgramCheck::ADDRESSING
    );
}

#[test]
fn diag_210_device_information() {
    let mut m = with_devices();
    m.put(0x800, &[0x01, 0x91, 0x00, 0x10]);
    m.gpr[2] = 0x800;
    assert_eq!(diag(&mut m, 0x210, 2, 0), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.get(0x804, 8), &[0x04, 0x08, 0, 0, 0x04, 0x08, 0x04, 0]);
    // Reader: CC 2, real part zero.
    m.put(0x800, &[0x00, 0x0C, 0x00, 0x10]);
    assert_eq!(diag(&mut m, 0x210, 2, 0), Ok(()));
    assert_eq!(m.cc, 2);
    assert_eq!(m.get(0x804, 8), &[0x20, 0x82, 0, 0, 0, 0, 0, 0]);
    // A short block: only as far as its length.
    m.put(0x800, &[0x01, 0x91, 0x00, 0x06, 0xAA, 0xAA, 0xAA]);
    assert_eq!(diag(&mut m, 0x210, 2, 0), Ok(()));
    assert_eq!(m.get(0x804, 3), &[0x04, 0x08, 0xAA]);
    // No such device; block outside storage: CC 3.
    m.put(0x800, &[0x01, 0x92, 0x00, 0x10]);
    assert_eq!(diag(&mut m, 0x210, 2, 0), Ok(()));
    assert_eq!(m.cc, 3);
    m.cc = 0;
    m.gpr[2] = 0xFFFE;
    assert_eq!(diag(&mut m, 0x210, 2, 0), Ok(()));
    assert_eq!(m.cc, 3);
}

/// A BIOPL for INIT of `devno` with `block_size` and `offset` (31-bit format).
fn init_list(devno: u16, block_size: u32, offset: i32) -> [u8; 64] {
    let mut p = [0u8; 64];
    p[0..2].copy_from_slice(&devno.to_be_bytes());
    p[24..28].copy_from_slice(&block_size.to_be_bytes());
    p[28..32].copy_from_slice(&offset.to_be_bytes());
    p
}

/// A BIOPL for READ/WRITE of `devno`: key, flags, block count, BIOE list, parameter.
fn rw_list(devno: u16, key: u8, flags: u8, count: u32, list: u32, param: u32) -> [u8; 64] {
    let mut p = [0u8; 64];
    p[0..2].copy_from_slice(&devno.to_be_bytes());
    p[24] = key;
    p[25] = flags;
    p[28..32].copy_from_slice(&count.to_be_bytes());
    p[36..40].copy_from_slice(&list.to_be_bytes());
    p[40..44].copy_from_slice(&param.to_be_bytes());
    p
}

/// A 31-bit BIOE.
fn bioe(kind: u8, block: i32, buffer: u32) -> [u8; 16] {
    let mut e = [0u8; 16];
    e[0] = kind;
    e[4..8].copy_from_slice(&block.to_be_bytes());
    e[12..16].copy_from_slice(&buffer.to_be_bytes());
    e
}

/// A machine with a 10-track minidisk at 100 formatted with 4096-byte records (4 per
/// track: 40 blocks) and the BIOPL address in R2, the function in R4.
fn block_machine() -> MockMachine {
    let mut m = MockMachine::new();
    m.mem = vec![0; 0x20000];
    m.disks.insert(0x100, mock::MockDisk::formatted(10, 4096));
    m.gpr[2] = 0x800;
    m
}

fn d250(m: &mut MockMachine, function: u32, list: &[u8; 64]) -> (u8, u32) {
    m.put(0x800, list);
    m.gpr[4] = function;
    m.cc = 3;
    assert_eq!(diag(m, 0x250, 2, 4), Ok(()));
    (m.cc, m.gpr[3])
}

#[test]
fn diag_250_init_and_remove() {
    let mut m = block_machine();
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 0)), (0, 0));
    assert_eq!(
        m.get(0x820, 8),
        &[0, 0, 0, 1, 0, 0, 0, 40],
        "start 1, end 40"
    );
    assert_eq!(
        d250(&mut m, 0, &init_list(0x100, 4096, 0)),
        (2, 28),
        "exists"
    );
    assert_eq!(d250(&mut m, 2, &init_list(0x100, 0, 0)), (0, 0), "remove");
    assert_eq!(
        d250(&mut m, 2, &init_list(0x100, 0, 0)),
        (2, 28),
        "none to remove"
    );
    // Offset 2: blocks -1..38.
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 2)), (0, 0));
    assert_eq!(m.get(0x820, 8), &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 38]);
    assert_eq!(d250(&mut m, 2, &init_list(0x100, 0, 0)), (0, 0));
    assert_eq!(
        d250(&mut m, 0, &init_list(0x100, 800, 0)),
        (2, 24),
        "block size"
    );
    assert_eq!(
        d250(&mut m, 0, &init_list(0x200, 4096, 0)),
        (2, 16),
        "no device"
    );
    assert_eq!(d250(&mut m, 2, &init_list(0x200, 0, 0)), (2, 16));
    m.devices.insert(
        0x009,
        DeviceInfo {
            vdev: 0x8000_0000,
            rdev: Some(0x8000_0082),
        },
    );
    assert_eq!(
        d250(&mut m, 0, &init_list(0x009, 4096, 0)),
        (2, 20),
        "console"
    );
    m.disks.get_mut(&0x100).unwrap().read_only = true;
    assert_eq!(
        d250(&mut m, 0, &init_list(0x100, 4096, 0)),
        (0, 4),
        "read-only"
    );
    // Program checks: nothing changes.
    let mut bad = init_list(0x100, 4096, 0);
    bad[2] = 0x80; // 64-bit format: z/Architecture only
    m.put(0x800, &bad);
    m.gpr[4] = 0;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    let mut bad = init_list(0x100, 4096, 0);
    bad[50] = 1; // reserved
    m.put(0x800, &bad);
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    let mut bad = init_list(0x100, 0, 0);
    bad[5] = 1;
    m.put(0x800, &bad);
    m.gpr[4] = 2;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.put(0x800, &init_list(0x100, 0, 0));
    m.gpr[4] = 3;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[4] = 0;
    m.gpr[2] = 0x804;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0x1_FFC8;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::ADDRESSING
    );
}

#[test]
fn diag_250_synchronous_read_and_write() {
    let mut m = block_machine();
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 0)), (0, 0));
    m.put(0x3000, &[0xAB; 4096]);
    m.put(0x900, &bioe(2, 3, 0x2000));
    m.put(0x910, &bioe(1, 5, 0x3000));
    m.put(0x920, &bioe(2, 5, 0x5000));
    m.put(0x930, &bioe(2, 40, 0x6000));
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 4, 0x900, 0)), (0, 0));
    assert_eq!(m.get(0x2000, 5), &[0, 0, 0, 3, 3], "block 3");
    assert_eq!(
        m.get(0x5000, 4096),
        &[0xAB; 4096][..],
        "block 5 written, read"
    );
    assert_eq!(m.get(0x6000, 4), &[0, 0, 0, 40]);
    for e in 0..4 {
        assert_eq!(m.get(0x901 + 16 * e, 1), &[0], "status of BIOE {e}");
    }
    assert_eq!(
        m.disks[&0x100].records[&(1, 1)][0],
        0xAB,
        "block 5 = track 1 R1"
    );
    // Bad entries: status per BIOE, CC 1 rc 12 when some worked.
    m.put(0x900, &bioe(2, 41, 0x2000)); // beyond the end
    m.put(0x910, &bioe(3, 1, 0x2000)); // type
    let mut r = bioe(2, 1, 0x2000);
    r[2] = 1; // reserved
    m.put(0x920, &r);
    m.put(0x930, &bioe(2, 1, 0x1_F800)); // buffer crosses the end of storage
    m.put(0x940, &bioe(2, 0, 0x2000)); // block 0 < start
    m.put(0x950, &bioe(2, 2, 0x2000)); // good
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 6, 0x900, 0)), (1, 12));
    let st: Vec<u8> = (0..6).map(|e| m.get(0x901 + 16 * e, 1)[0]).collect();
    assert_eq!(st, [1, 6, 11, 2, 1, 0]);
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0, 0, 5, 0x900, 0)),
        (2, 40),
        "none"
    );
    // Protection: the request's key, not the PSW's.
    m.protected = Some((0x2000, 0x3000));
    m.put(0x900, &bioe(2, 1, 0x2000));
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0x10, 0, 1, 0x900, 0)),
        (2, 40)
    );
    assert_eq!(m.get(0x901, 1), &[7]);
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0x00, 0, 1, 0x900, 0)),
        (0, 0)
    );
    m.protected = None;
    // Block counts, state.
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 0, 0x900, 0)), (2, 36));
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0, 0, 257, 0x900, 0)),
        (2, 36)
    );
    assert_eq!(d250(&mut m, 1, &rw_list(0x200, 0, 0, 1, 0x900, 0)), (2, 16));
    assert_eq!(d250(&mut m, 2, &init_list(0x100, 0, 0)), (0, 0));
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 1, 0x900, 0)), (2, 28));
    // A list beyond storage: addressing, nothing done.
    m.put(0x800, &rw_list(0x100, 0, 0, 2, 0x1_FFF0, 0));
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 0)), (0, 0));
    m.put(0x800, &rw_list(0x100, 0, 0, 2, 0x1_FFF0, 0));
    m.gpr[4] = 1;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::ADDRESSING
    );
    // Reserved bits of key and flags.
    for (key, flags) in [(0x01, 0), (0, 0x04)] {
        m.put(0x800, &rw_list(0x100, key, flags, 1, 0x900, 0));
        assert_eq!(
            fails_unchanged(&mut m, 0x250, 2, 4),
            ProgramCheck::SPECIFICATION
        );
    }
}

#[test]
fn diag_250_block_size_must_match_the_records() {
    let mut m = block_machine();
    // 2048-byte blocks on 4096-byte records: 8 per mock track; R1 is too long, R5 absent.
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 2048, 0)), (0, 0));
    assert_eq!(m.get(0x824, 4), &[0, 0, 0, 80]);
    m.put(0x900, &bioe(2, 1, 0x2000));
    m.put(0x910, &bioe(2, 5, 0x2000));
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 2, 0x900, 0)), (2, 40));
    assert_eq!((m.get(0x901, 1)[0], m.get(0x911, 1)[0]), (4, 5));
    assert_eq!(m.get(0x2000, 4), &[0; 4], "nothing read");
    // Read-only minidisk: writes get status 3.
    assert_eq!(d250(&mut m, 2, &init_list(0x100, 0, 0)), (0, 0));
    m.disks.get_mut(&0x100).unwrap().read_only = true;
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 0)), (0, 4));
    m.put(0x900, &bioe(1, 1, 0x2000));
    assert_eq!(d250(&mut m, 1, &rw_list(0x100, 0, 0, 1, 0x900, 0)), (2, 40));
    assert_eq!(m.get(0x901, 1), &[3]);
}

#[test]
fn diag_250_asynchronous_requests_complete_with_x2603() {
    let mut m = block_machine();
    assert_eq!(d250(&mut m, 0, &init_list(0x100, 4096, 0)), (0, 0));
    m.put(0x900, &bioe(2, 7, 0x2000));
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0, 0x02, 1, 0x900, 0x1234_5678)),
        (0, 8)
    );
    assert_eq!(m.interrupts, [(0x0300, 0x1234_5678)]);
    assert_eq!(m.get(0x2000, 4), &[0, 0, 0, 7]);
    m.put(0x910, &bioe(2, 99, 0x2000));
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0, 0x02, 2, 0x900, 5)),
        (0, 8)
    );
    assert_eq!(m.interrupts[1], (0x0301, 5), "some BIOE failed");
    assert_eq!(
        d250(&mut m, 1, &rw_list(0x100, 0, 0x03, 1, 0x1_FFF8, 6)),
        (0, 8),
        "an inaccessible list is no program check when asynchronous"
    );
    assert_eq!(m.interrupts[2], (0x0302, 6));
    // The CP presents one at a time, and only with the service-signal subclass on.
    let mut st = BlockIoState::default();
    st.held.extend([(0x0300, 1), (0x0301, 2)]);
    assert_eq!(st.next_interrupt(0, false), None);
    assert_eq!(st.next_interrupt(0x200, true), None);
    assert_eq!(st.next_interrupt(0x200, false), Some((0x0300, 1)));
    assert_eq!(st.next_interrupt(0x200, false), Some((0x0301, 2)));
    assert_eq!(st.next_interrupt(0x200, false), None);
}

#[test]
fn diag_214_pending_page_release() {
    let mut m = MockMachine::new();
    m.gpr[2] = 0x3000;
    m.gpr[3] = 0x5000; // establish
    m.cc = 2;
    assert_eq!(diag(&mut m, 0x214, 2, 0), Ok(()));
    assert_eq!(m.cc, 0);
    assert!(m.keys.is_empty());
    m.gpr[3] = 0x5003; // cancel and validate with keys from R6
    m.gpr[6] = 0x0000_00E8;
    assert_eq!(diag(&mut m, 0x214, 2, 6), Ok(()));
    assert_eq!(
        m.keys.iter().map(|(a, k)| (*a, *k)).collect::<Vec<_>>(),
        [(0x3000, 0xE8), (0x4000, 0xE8), (0x5000, 0xE8)]
    );
    m.gpr[3] = 0x0002; // cancel all: no range checks
    assert_eq!(diag(&mut m, 0x214, 2, 0), Ok(()));
    for (r2, r3, rx) in [
        (0x3000, 0x5000, 3),  // odd Rx
        (0x6000, 0x5000, 2),  // first above last
        (0x3000, 0x10000, 2), // beyond storage
        (0x3000, 0x5004, 2),  // function 4
    ] {
        m.gpr[2] = r2;
        m.gpr[3] = r3;
        m.gpr[4] = r3;
        assert_eq!(
            fails_unchanged(&mut m, 0x214, rx, 6),
            ProgramCheck::SPECIFICATION
        );
    }
}

#[test]
fn diag_260_esa_subcodes() {
    let mut m = MockMachine::new();
    m.gpr[3] = 0;
    assert_eq!(diag(&mut m, 0x260, 2, 3), Ok(()));
    assert_eq!(m.gpr[2], 0xFFFF, "highest addressable byte");
    m.gpr[2] = 0x800;
    m.gpr[4] = 4;
    m.gpr[5] = 0x55;
    assert_eq!(diag(&mut m, 0x260, 2, 4), Ok(()));
    assert_eq!(m.gpr[5], 4, "no BYUSER id");
    assert_eq!(m.get(0x800, 8), &[0; 8]);
    m.devices.insert(
        0x00E,
        DeviceInfo {
            vdev: 0x1041_0000,
            rdev: None,
        },
    );
    m.gpr[2] = 0x00E;
    m.gpr[4] = 8;
    assert_eq!(diag(&mut m, 0x260, 2, 4), Ok(()));
    assert_eq!((m.gpr[2], m.gpr[4]), (0, 0), "printer: 0 lines per page");
    m.gpr[2] = 0x123;
    m.gpr[4] = 8;
    assert_eq!(diag(&mut m, 0x260, 2, 4), Ok(()));
    assert_eq!((m.gpr[2], m.gpr[4]), (0x123, 4), "no such device");
    // BYUSER: Ry odd, Rx = Ry, Rx unaligned; z/Architecture subcodes.
    m.gpr[2] = 0x800;
    m.gpr[5] = 4;
    assert_eq!(
        fails_unchanged(&mut m, 0x260, 2, 5),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[4] = 4;
    assert_eq!(
        fails_unchanged(&mut m, 0x260, 4, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0x804;
    assert_eq!(
        fails_unchanged(&mut m, 0x260, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    for sub in [0x0C, 0x10, 0x14, 0xFFFF_FFFF] {
        m.gpr[4] = sub;
        assert_eq!(
            fails_unchanged(&mut m, 0x260, 2, 4),
            ProgramCheck::SPECIFICATION
        );
    }
}

#[test]
fn diag_270_extended_pseudo_timer() {
    let mut m = MockMachine::new();
    m.cpu_time = (5, 6);
    m.put(0x800, &[0xEE; 72]);
    m.gpr[2] = 0x800;
    m.gpr[3] = 64;
    m.cc = 1;
    assert_eq!(diag(&mut m, 0x270, 2, 3), Ok(()));
    assert_eq!(m.cc, 1);
    let b = m.get(0x800, 72).to_vec();
    assert_eq!(ebcdic::to_string(&b[0..16]), "07/04/8613:05:09");
    assert_eq!(
        &b[16..32],
        &[0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 6]
    );
    assert_eq!(ebcdic::to_string(&b[32..42]), "07/04/1986");
    assert_eq!(&b[42..48], &[0; 6]);
    assert_eq!(ebcdic::to_string(&b[48..58]), "1986-07-04");
    assert_eq!(&b[58..64], &[1, 0x80, 0x80, 0, 0, 0]);
    assert_eq!(&b[64..72], &[0xEE; 8], "at most 64 bytes");
    // Ry = R0: 32 bytes; Ry = 20: 20 bytes.
    m.put(0x800, &[0xEE; 72]);
    assert_eq!(diag(&mut m, 0x270, 2, 0), Ok(()));
    assert_eq!(m.get(0x820, 1), &[0xEE]);
    assert_eq!(m.get(0x81F, 1), &[6]);
    m.gpr[3] = 20;
    m.put(0x800, &[0xEE; 72]);
    assert_eq!(diag(&mut m, 0x270, 2, 3), Ok(()));
    assert_eq!(m.get(0x813, 2), &[0, 0xEE]);
    for (rx, ry, a, len) in [
        (2, 2, 0x800, 64), // Rx = Ry
        (2, 3, 0x800, 0),  // length 0
        (2, 3, 0x800, 0xFFFF_FFFF),
        (2, 3, 0, 64),     // address 0
        (2, 3, 0x804, 64), // unaligned
    ] {
        m.gpr[2] = a;
        m.gpr[3] = len;
        assert_eq!(
            fails_unchanged(&mut m, 0x270, rx, ry),
            ProgramCheck::SPECIFICATION
        );
    }
    m.gpr[2] = 0xFFF8;
    m.gpr[3] = 64;
    assert_eq!(
        fails_unchanged(&mut m, 0x270, 2, 3),
        ProgramCheck::ADDRESSING
    );
}

#[test]
fn protection_and_addressing_results_are_suppressing() {
    // Sanity of the mock's own checks that the tests above rely on.
    let mut m = MockMachine::new();
    m.protected = Some((0x100, 0x200));
    assert_eq!(m.write_real(0xF0, &[0; 0x10]), Ok(()));
    assert_eq!(m.write_real(0xF8, &[1; 0x10]), PROT);
    assert_eq!(m.get(0xF8, 8), &[0; 8]);
    assert_eq!(m.check_real(0xFFFF, 2, false), ADDR);
    let _ = SPEC;
}

// ---------------------------------------------------------------------- X'58'

/// A machine with its console at X'009', Rx = R2 -> CCWs at X'800', Ry = R4 = X'009'.
fn display_machine() -> MockMachine {
    let mut m = MockMachine::new();
    m.console = Some(ConsoleInfo {
        devno: 0x009,
        terminal_code: 0,
    });
    m.gpr[2] = 0x800;
    m.gpr[4] = 0x009;
    m.cc = 2;
    m
}

/// A format-0 CCW: command, data address, flags, CTL (byte 5), count.
fn ccw(cmd: u8, data: u32, flags: u8, ctl: u8, count: u16) -> [u8; 8] {
    let d = data.to_be_bytes();
    let c = count.to_be_bytes();
    [cmd, d[1], d[2], d[3], flags, ctl, c[0], c[1]]
}

/// `text` at column `col` of an 80-column row area of `rows` rows, the rest blanks.
fn screen(rows: usize, parts: &[(usize, &str)]) -> Vec<u8> {
    let mut v = vec![0x40u8; rows * 80];
    for &(at, t) in parts {
        let e = ebcdic::from_str(t);
        v[at..at + e.len()].copy_from_slice(&e);
    }
    v
}

#[test]
fn diag58_display_shows_rows_on_the_line_console() {
    let mut m = display_machine();
    let data = screen(3, &[(0, "HELLO, WORLD"), (160, "THIRD ROW")]);
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0x02, data.len() as u16));
    m.put(0x1000, &data);
    let before = m.gpr;
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.gpr, before, "registers unchanged");
    // The blank middle row is an empty line; trailing blanks are trimmed.
    assert_eq!(
        m.displays,
        [(
            0x009,
            vec!["HELLO, WORLD".into(), String::new(), "THIRD ROW".into()]
        )]
    );
    assert_eq!(m.console_lines, ["HELLO, WORLD", "", "THIRD ROW"]);
}

#[test]
fn diag58_rows_are_80_columns_controls_blank_trailing_blank_rows_dropped() {
    assert_eq!(display_rows(&[]), Vec::<String>::new());
    assert_eq!(display_rows(&[0x40; 240]), Vec::<String>::new());
    assert_eq!(display_rows(&[0x00; 80]), Vec::<String>::new());
    // 85 letters: a full row and 5 more.
    let rows = display_rows(&[0xC1; 85]);
    assert_eq!(rows, ["A".repeat(80), "AAAAA".to_string()]);
    // Leading blank row kept, nulls and X'15' inside a row are blanks, not line ends.
    let mut d = screen(3, &[(80, "A"), (83, "B")]);
    d[81] = 0x00;
    d[82] = 0x15;
    d[200] = 0x00;
    assert_eq!(display_rows(&d), ["", "A  B"]);
    // A required blank (X'41', U+00A0) is not a trailing blank.
    assert_eq!(display_rows(&[0xC1, 0x41, 0x40]), ["A\u{a0}"]);
}

#[test]
fn diag58_command_chaining_shows_each_ccw_in_order() {
    let mut m = display_machine();
    let a = ebcdic::from_str("FIRST");
    let b = ebcdic::from_str("SECOND");
    let mut chain = Vec::new();
    chain.extend(ccw(0x19, 0x1000, 0x60, 0x00, a.len() as u16));
    chain.extend(ccw(0x19, 0x1100, 0x20, 0x05, b.len() as u16));
    m.put(0x800, &chain);
    m.put(0x1000, &a);
    m.put(0x1100, &b);
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.console_lines, ["FIRST", "SECOND"]);
    assert_eq!(m.displays.len(), 1, "one display per DIAGNOSE");
}

#[test]
fn diag58_erase_shows_nothing_extra_and_clear_only_writes_nothing() {
    // CTL X'FF': erase, write nothing; the data address and count are not used.
    let mut m = display_machine();
    m.put(0x800, &ccw(0x19, 0xFF_FFFF, 0x20, 0xFF, 0));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert!(m.console_lines.is_empty() && m.displays.is_empty());
    // CTL bit 0 (erase first) with starting line 21: the data only.
    let mut m = display_machine();
    let t = ebcdic::from_str("LAST LINE");
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0x80 | 21, 80));
    m.put(0x1000, &screen(1, &[(0, "LAST LINE")]));
    assert_eq!(t.len(), 9);
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.console_lines, ["LAST LINE"]);
    // A display of blanks shows nothing but succeeds.
    let mut m = display_machine();
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0, 160));
    m.put(0x1000, &[0x40; 160]);
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert!(m.displays.is_empty());
}

#[test]
fn diag58_largest_display_is_1760_bytes() {
    let mut m = display_machine();
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0, 1760));
    m.put(0x1000, &[0xC1; 1760]);
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.console_lines.len(), 22);
}

#[test]
fn diag58_refused_channel_programs_give_cc1_and_show_nothing() {
    let cases: [(&str, [u8; 8]); 10] = [
        ("SLI not set", ccw(0x19, 0x1000, 0x00, 0, 10)),
        ("count 0", ccw(0x19, 0x1000, 0x20, 0, 0)),
        ("count 1761", ccw(0x19, 0x1000, 0x20, 0, 1761)),
        ("line 21 + 81 bytes", ccw(0x19, 0x1000, 0x20, 21, 81)),
        ("line 22", ccw(0x19, 0x1000, 0x20, 22, 1)),
        (
            "full-screen write X'29' (VM/SP)",
            ccw(0x29, 0x1000, 0x20, 0xC0, 10),
        ),
        (
            "full-screen read X'2A' (VM/SP)",
            ccw(0x2A, 0x1000, 0x20, 0, 10),
        ),
        ("3215 write X'09'", ccw(0x09, 0x1000, 0x20, 0, 10)),
        ("data chaining", ccw(0x19, 0x1000, 0xA0, 0, 10)),
        ("skip", ccw(0x19, 0x1000, 0x30, 0, 10)),
    ];
    for (what, c) in cases {
        let mut m = display_machine();
        m.put(0x800, &c);
        m.put(0x1000, &ebcdic::from_str("TEXT TEXT TEXT"));
        let before = m.gpr;
        assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()), "{what}");
        assert_eq!(m.cc, 1, "{what}");
        assert_eq!(m.gpr, before, "{what}");
        assert!(m.console_lines.is_empty(), "{what}: nothing shown");
    }
    // A good CCW chained to a refused one: nothing is shown (all or nothing).
    let mut m = display_machine();
    let mut chain = Vec::new();
    chain.extend(ccw(0x19, 0x1000, 0x60, 0, 4));
    chain.extend(ccw(0x29, 0x1000, 0x20, 0, 4));
    m.put(0x800, &chain);
    m.put(0x1000, &ebcdic::from_str("TEXT"));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert!(m.console_lines.is_empty());
}

#[test]
fn diag58_a_device_that_is_not_the_console_gives_cc3() {
    let mut m = display_machine();
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0, 4));
    m.put(0x1000, &ebcdic::from_str("TEXT"));
    m.devices.insert(
        0x191,
        DeviceInfo {
            vdev: 0x0400_0000,
            rdev: Some(0x0400_0000),
        },
    );
    for devno in [0x191u32, 0x01F, 0x0001_0009] {
        m.gpr[4] = devno;
        m.cc = 0;
        assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()), "{devno:X}");
        // Only the low halfword is the address: X'10009' is the console X'009'.
        let want = if devno as u16 == 0x009 { 0 } else { 3 };
        assert_eq!(m.cc, want, "{devno:X}");
    }
    assert_eq!(m.console_lines, ["TEXT"]);
    // No console at all.
    let mut m = display_machine();
    m.console = None;
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0, 4));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 3);
}

#[test]
fn diag58_program_checks_are_suppressing() {
    // CCW address not on a doubleword boundary.
    let mut m = display_machine();
    m.gpr[2] = 0x804;
    m.put(0x804, &ccw(0x19, 0x1000, 0x20, 0, 4));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    // CCW beyond storage.
    let mut m = display_machine();
    m.gpr[2] = 0x10000;
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::ADDRESSING
    );
    // Data beyond storage.
    let mut m = display_machine();
    m.put(0x800, &ccw(0x19, 0xFFF0, 0x20, 0, 32));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::ADDRESSING
    );
    assert!(m.console_lines.is_empty());
    // A chain running off the end of storage, after a good CCW: nothing shown.
    let mut m = display_machine();
    m.gpr[2] = 0xFFF8;
    m.put(0xFFF8, &ccw(0x19, 0x1000, 0x60, 0, 4));
    m.put(0x1000, &ebcdic::from_str("TEXT"));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::ADDRESSING
    );
    assert!(m.console_lines.is_empty());
    // The address is taken in the addressing mode: 24-bit mode drops the high byte.
    let mut m = display_machine();
    m.amask = 0x00FF_FFFF;
    m.gpr[2] = 0x0100_0800;
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 0, 4));
    m.put(0x1000, &ebcdic::from_str("TEXT"));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.console_lines, ["TEXT"]);
}

#[test]
fn diag58_a_circular_chain_ends() {
    // Every doubleword of storage a chained CCW: the chain wraps and is refused with CC 1.
    let mut m = display_machine();
    m.amask = 0xFFFF;
    let c = ccw(0x19, 0x1000, 0x60, 0, 1);
    for a in (0..0x10000).step_by(8) {
        m.put(a, &c);
    }
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert!(m.console_lines.is_empty());
}

// ------------------------------------------------------- X'58' on a 3270 (full screen)

use crate::display::{FullScreenAnswer, FullScreenWrite, CE_DE, SCREEN_IN_CP_MODE};

/// [`display_machine`] whose console is a 24 x 80 3270 display.
fn display_3270() -> MockMachine {
    let mut m = display_machine();
    m.console_screen = Some((24, 80));
    m
}

fn done(unit: u8, data: &[u8]) -> FullScreenAnswer {
    FullScreenAnswer::Done {
        unit,
        data: data.to_vec(),
    }
}

#[test]
fn diag58_display_on_a_3270_goes_to_the_output_area_with_erase_and_line() {
    let mut m = display_3270();
    let mut chain = Vec::new();
    chain.extend(ccw(0x19, 0x1000, 0x60, 0x80 | 3, 80));
    chain.extend(ccw(0x19, 0x1100, 0x60, 0xFF, 0));
    chain.extend(ccw(0x19, 0x1100, 0x20, 5, 4));
    m.put(0x800, &chain);
    m.put(0x1000, &screen(1, &[(2, "ROW THREE")]));
    m.put(0x1100, &ebcdic::from_str("FIVE"));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(
        m.displays_at,
        [
            (0x009, true, 3, vec!["  ROW THREE".to_string()]),
            (0x009, true, 0, vec![]),
            (0x009, false, 5, vec!["FIVE".to_string()]),
        ]
    );
    assert!(m.console_lines.is_empty(), "not as line output");
    // The same limits as on a line console: refused with CC 1, nothing shown.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x19, 0x1000, 0x20, 21, 81));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert!(m.displays_at.is_empty());
}

#[test]
fn diag58_fullscreen_write_commands_from_the_ctl_byte() {
    let cases = [
        (0x00, FullScreenWrite::Write, false),
        (0x80, FullScreenWrite::EraseWrite, false),
        (0x90, FullScreenWrite::EraseWrite, true),
        (0xC0, FullScreenWrite::EraseWriteAlternate, false),
        (0xD0, FullScreenWrite::EraseWriteAlternate, true),
        (0x20, FullScreenWrite::WriteStructuredField, false),
        // X'10' only counts with an erase.
        (0x10, FullScreenWrite::Write, false),
    ];
    for (ctl, command, pa1) in cases {
        let mut m = display_3270();
        let stream = [0xC3, 0x11, 0x40, 0x40, 0x1D, 0x60, 0xC8, 0xC9];
        m.put(0x800, &ccw(0x29, 0x1000, 0x20, ctl, stream.len() as u16));
        m.put(0x1000, &stream);
        m.fullscreen_answers.push_back(done(CE_DE, &[]));
        let before = m.gpr;
        assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()), "{ctl:02X}");
        assert_eq!(m.cc, 0, "{ctl:02X}: started");
        assert_eq!(m.gpr, before);
        assert_eq!(
            m.fullscreen_ops,
            [(0x009, Some(command), stream.to_vec(), pa1)],
            "{ctl:02X}"
        );
        // Channel end and device end pending, the CCW address + 8, no residual.
        assert_eq!(
            m.console_statuses,
            [(0x009, [0, 0, 0x08, 0x08, 0x0C, 0, 0, 0])],
            "{ctl:02X}"
        );
    }
    assert_eq!(FullScreenWrite::Write.code(), 0xF1);
    assert_eq!(FullScreenWrite::EraseWrite.code(), 0xF5);
    assert_eq!(FullScreenWrite::EraseWriteAlternate.code(), 0x7E);
    assert_eq!(FullScreenWrite::WriteStructuredField.code(), 0xF3);
}

#[test]
fn diag58_fullscreen_read_stores_the_data_and_the_residual_count() {
    // READ MODIFIED (CTL X'80'), SLI: 6 bytes into a 1920-byte buffer.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x2A, 0x2000, 0x20, 0x80, 1920));
    let inbound = [0x7D, 0x40, 0x50, 0x11, 0x40, 0xC1];
    m.fullscreen_answers.push_back(done(CE_DE, &inbound));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.get(0x2000, 7), [0x7D, 0x40, 0x50, 0x11, 0x40, 0xC1, 0]);
    assert_eq!(m.fullscreen_ops, [(0x009, None, vec![1], false)]);
    let residual = (1920 - 6u16).to_be_bytes();
    assert_eq!(
        m.console_statuses,
        [(0x009, [0, 0, 0x08, 0x08, 0x0C, 0, residual[0], residual[1]])]
    );
    // READ BUFFER (CTL 0) into a short buffer without SLI: cut to the count, incorrect
    // length, residual 0.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x2A, 0x2000, 0x00, 0x00, 3));
    m.fullscreen_answers.push_back(done(CE_DE, &inbound));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(m.get(0x2000, 4), [0x7D, 0x40, 0x50, 0]);
    assert_eq!(m.fullscreen_ops, [(0x009, None, vec![0], false)]);
    assert_eq!(
        m.console_statuses,
        [(0x009, [0, 0, 0x08, 0x08, 0x0C, 0x40, 0, 0])]
    );
}

#[test]
fn diag58_fullscreen_in_cp_mode_ends_with_x8e() {
    let mut m = display_3270();
    m.put(0x800, &ccw(0x2A, 0x2000, 0x20, 0x80, 100));
    m.fullscreen_answers.push_back(done(SCREEN_IN_CP_MODE, &[]));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert_eq!(
        m.console_statuses,
        [(0x009, [0, 0, 0x08, 0x08, 0x8E, 0, 0, 100])]
    );
    assert_eq!(m.get(0x2000, 1), [0], "nothing read");
}

#[test]
fn diag58_fullscreen_with_an_interruption_pending_stores_its_csw() {
    let mut m = display_3270();
    m.put(0x800, &ccw(0x29, 0x1000, 0x20, 0x00, 2));
    m.put(0x1000, &[0xC3, 0x13]);
    let attention = [0, 0, 0, 0, 0x80, 0, 0, 0];
    m.fullscreen_answers
        .push_back(FullScreenAnswer::Pending(attention));
    m.put(0x40, &[0xFF; 8]);
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert_eq!(m.get(0x40, 8), attention);
    assert!(m.console_statuses.is_empty());
}

#[test]
fn diag58_control_query_says_full_screen_is_there_on_a_3270_only() {
    let mut m = display_3270();
    m.put(0x800, &ccw(0x63, 0, 0x00, 0, 1));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 0);
    assert!(m.fullscreen_ops.is_empty() && m.console_statuses.is_empty());
    // On a line console: CC 1, as VM/370 R6 (no full-screen support).
    let mut m = display_machine();
    m.put(0x800, &ccw(0x63, 0, 0x00, 0, 1));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    // Not the console: CC 3.
    let mut m = display_3270();
    m.gpr[4] = 0x01F;
    m.put(0x800, &ccw(0x63, 0, 0x00, 0, 1));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 3);
}

#[test]
fn diag58_refused_fullscreen_channel_programs_give_cc1() {
    let cases: [(&str, Vec<u8>); 8] = [
        ("write, count 0", ccw(0x29, 0x1000, 0x20, 0x80, 0).to_vec()),
        ("read, count 0", ccw(0x2A, 0x1000, 0x20, 0x80, 0).to_vec()),
        (
            "write, count 65504",
            ccw(0x29, 0x1000, 0x20, 0x80, 65504).to_vec(),
        ),
        (
            "write, data chaining",
            ccw(0x29, 0x1000, 0xA0, 0x80, 4).to_vec(),
        ),
        ("read, skip", ccw(0x2A, 0x1000, 0x30, 0x80, 4).to_vec()),
        ("write, command chained", {
            let mut v = ccw(0x29, 0x1000, 0x60, 0x80, 4).to_vec();
            v.extend(ccw(0x2A, 0x1000, 0x20, 0x80, 4));
            v
        }),
        ("display chained to a write", {
            let mut v = ccw(0x19, 0x1000, 0x60, 0, 4).to_vec();
            v.extend(ccw(0x29, 0x1000, 0x20, 0x80, 4));
            v
        }),
        ("3215 write", ccw(0x01, 0x1000, 0x20, 0, 4).to_vec()),
    ];
    for (what, c) in cases {
        let mut m = display_3270();
        m.put(0x800, &c);
        m.put(0x1000, &ebcdic::from_str("TEXT"));
        m.fullscreen_answers.push_back(done(CE_DE, &[]));
        assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()), "{what}");
        assert_eq!(m.cc, 1, "{what}");
        assert!(m.fullscreen_ops.is_empty(), "{what}: nothing done");
        assert!(
            m.console_statuses.is_empty() && m.displays_at.is_empty(),
            "{what}"
        );
    }
    // The console says it cannot (not a display after all): CC 1, no status.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x29, 0x1000, 0x20, 0x80, 4));
    assert_eq!(diag(&mut m, 0x58, 2, 4), Ok(()));
    assert_eq!(m.cc, 1);
    assert!(m.console_statuses.is_empty());
}

#[test]
fn diag58_fullscreen_program_checks_are_suppressing() {
    // Write data beyond storage.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x29, 0xFFF0, 0x20, 0x80, 32));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::ADDRESSING
    );
    assert!(m.fullscreen_ops.is_empty());
    // Read buffer beyond storage.
    let mut m = display_3270();
    m.put(0x800, &ccw(0x2A, 0xFFF0, 0x20, 0x80, 32));
    m.fullscreen_answers.push_back(done(CE_DE, &[0x7D]));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::ADDRESSING
    );
    assert!(m.fullscreen_ops.is_empty(), "checked before the read");
    // Read buffer in protected storage.
    let mut m = display_3270();
    m.protected = Some((0x2000, 0x3000));
    m.put(0x800, &ccw(0x2A, 0x2000, 0x20, 0x80, 32));
    m.fullscreen_answers.push_back(done(CE_DE, &[0x7D]));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::PROTECTION
    );
    assert!(m.fullscreen_ops.is_empty());
    // CCW not on a doubleword.
    let mut m = display_3270();
    m.gpr[2] = 0x804;
    m.put(0x804, &ccw(0x29, 0x1000, 0x20, 0x80, 4));
    assert_eq!(
        fails_unchanged(&mut m, 0x58, 2, 4),
        ProgramCheck::SPECIFICATION
    );
}

// ---------------------------------------------------------------------- X'68' VMCF

use crate::vmcf::{self as vmcf_mod, Hub};

/// A VMCPARM (ZCB VMCPARM layout) with REPLY buffer X'5000', 8 bytes, and user doubleword
/// `USEWORD1`... as given by [`vmcparm_full`].
fn vmcparm(flags: u8, func: u16, mid: u32, user: &str, vada: u32, lena: u32) -> [u8; 40] {
    vmcparm_full(
        flags,
        func,
        mid,
        user,
        (vada, lena),
        (0x5000, 8),
        *b"USERWORD",
    )
}

fn vmcparm_full(
    flags: u8,
    func: u16,
    mid: u32,
    user: &str,
    a: (u32, u32),
    b: (u32, u32),
    usew: [u8; 8],
) -> [u8; 40] {
    let mut p = [0u8; 40];
    p[0] = flags;
    p[2..4].copy_from_slice(&func.to_be_bytes());
    p[4..8].copy_from_slice(&mid.to_be_bytes());
    p[8..16].copy_from_slice(&ebcdic::padded::<8>(user));
    p[16..20].copy_from_slice(&a.0.to_be_bytes());
    p[20..24].copy_from_slice(&a.1.to_be_bytes());
    p[24..28].copy_from_slice(&b.0.to_be_bytes());
    p[28..32].copy_from_slice(&b.1.to_be_bytes());
    p[32..40].copy_from_slice(&usew);
    p
}

/// Runs DIAG X'68' with VMCPARM at X'1000' (R2) and the return code to R3; CC 2 before,
/// which it must not change. Returns R3.
fn vmcf(m: &mut MockMachine, parm: [u8; 40]) -> u32 {
    m.put(0x1000, &parm);
    m.gpr[2] = 0x1000;
    m.gpr[3] = 0xEEEE_EEEE;
    m.cc = 2;
    diag(m, 0x68, 2, 3).unwrap();
    assert_eq!(m.cc, 2, "DIAG X'68' changed the CC");
    assert_eq!(m.gpr[2], 0x1000, "Rx changed");
    m.gpr[3]
}

fn authorize(m: &mut MockMachine) {
    assert_eq!(vmcf(m, vmcparm(0, 0, 0, "", 0x2000, 40)), 0);
}

/// Mock machines `names` of one CP (one hub), each AUTHORIZEd with the 64-byte buffer
/// X'2000' and VMCPFLG1 `flags`.
fn machines<const N: usize>(names: [&str; N], flags: u8) -> [MockMachine; N] {
    let hub = Hub::default();
    names.map(|n| {
        let mut m = MockMachine::new();
        m.userid = n.into();
        m.vmcf = VmcfState::new(hub.clone(), n);
        assert_eq!(vmcf(&mut m, vmcparm(flags, 0, 0, "", 0x2000, 64)), 0);
        m
    })
}

/// The message header in the external-interrupt buffer X'2000'.
fn hdr(m: &MockMachine) -> [u8; 40] {
    m.get(0x2000, 40).try_into().unwrap()
}

fn hdr_user(h: &[u8; 40]) -> String {
    ebcdic::to_string(&h[8..16]).trim_end().to_string()
}

fn w(h: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(h[at..at + 4].try_into().unwrap())
}

/// Presents the next X'4001' to `m` (enabled); whether there was one.
fn present(m: &mut MockMachine) -> bool {
    let before = m.vmcf_interrupts;
    let r = vmcf_mod::present(m, true);
    assert_eq!(r, m.vmcf_interrupts == before + 1);
    r
}

#[test]
fn diag68_every_function_but_authorize_needs_authorization() {
    let mut m = MockMachine::new();
    for f in 1..=0xBu16 {
        assert_eq!(
            vmcf(&mut m, vmcparm(0, f, 1, "MOCKUSER", 0x2000, 40)),
            4,
            "{f:X}"
        );
    }
    assert_eq!(m.vmcf.auth(), None);
}

#[test]
fn diag68_undefined_subfunctions_give_rc2() {
    let mut m = MockMachine::new();
    for f in [0xCu16, 0x10, 0xFFFF] {
        assert_eq!(vmcf(&mut m, vmcparm(0, f, 0, "", 0x2000, 40)), 2, "{f:X}");
    }
    authorize(&mut m);
    assert_eq!(vmcf(&mut m, vmcparm(0, 0xC, 0, "", 0x2000, 40)), 2);
}

#[test]
fn diag68_authorize_keeps_the_buffer_and_options() {
    let mut m = MockMachine::new();
    assert_eq!(
        vmcf(&mut m, vmcparm(0xA0, 0, 0, "operator", 0x2000, 0x100)),
        0
    );
    let a = m.vmcf.auth().expect("authorized");
    assert_eq!((a.buffer, a.buffer_len, a.flags), (0x2000, 0x100, 0xA0));
    assert_eq!(a.specific.as_deref(), Some("OPERATOR"));
    assert!(!a.quiesced);
    // Without SPECIFIC the user field is not kept; a re-AUTHORIZE replaces everything.
    assert_eq!(vmcf(&mut m, vmcparm(0x40, 0, 0, "X", 0x2800, 48)), 0);
    let a = m.vmcf.auth().unwrap();
    assert_eq!((a.buffer, a.buffer_len, a.flags), (0x2800, 48, 0x40));
    assert_eq!(a.specific, None);
}

#[test]
fn diag68_authorize_buffer_errors_give_rc1_or_rc6_and_change_nothing() {
    let mut m = MockMachine::new();
    // Not doubleword-aligned; shorter than the 40-byte header; beyond storage.
    for (a, l) in [
        (0x2004, 40),
        (0x2000, 39),
        (0x2000, 0),
        (0xFFF8, 40),
        (0x10000, 40),
    ] {
        assert_eq!(vmcf(&mut m, vmcparm(0, 0, 0, "", a, l)), 1, "{a:X} {l}");
    }
    assert_eq!(m.vmcf.auth(), None);
    // A store-protected buffer.
    m.protected = Some((0x2000, 0x3000));
    assert_eq!(vmcf(&mut m, vmcparm(0, 0, 0, "", 0x2000, 40)), 6);
    assert_eq!(m.vmcf.auth(), None);
    // An existing authorization survives a refused re-AUTHORIZE.
    m.protected = None;
    authorize(&mut m);
    assert_eq!(vmcf(&mut m, vmcparm(0, 0, 0, "", 0x2001, 40)), 1);
    assert_eq!(m.vmcf.auth().unwrap().buffer, 0x2000);
}

#[test]
fn diag68_unauthorize() {
    let mut m = MockMachine::new();
    authorize(&mut m);
    assert_eq!(vmcf(&mut m, vmcparm(0, 1, 0, "", 0, 0)), 0);
    assert_eq!(m.vmcf.auth(), None);
    assert_eq!(vmcf(&mut m, vmcparm(0, 1, 0, "", 0, 0)), 4);
    // After UNAUTHORIZE everything but AUTHORIZE is refused again.
    assert_eq!(vmcf(&mut m, vmcparm(0, 8, 0, "", 0, 0)), 4);
}

#[test]
fn diag68_quiesce_and_resume() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    assert_eq!(vmcf(&mut b, vmcparm(0, 8, 0, "", 0, 0)), 0);
    assert!(b.vmcf.auth().unwrap().quiesced);
    // VM370 Figure 20 rc 9: a SEND-type function naming a quiesced user.
    for f in [2u16, 3, 4, 0xA] {
        assert_eq!(vmcf(&mut a, vmcparm(0, f, 1, "B", 0x3000, 4)), 9, "{f:X}");
    }
    assert_eq!(vmcf(&mut b, vmcparm(0, 8, 0, "", 0, 0)), 0);
    // A re-AUTHORIZE keeps QUIESCE; RESUME ends it (also when not quiesced).
    authorize(&mut b);
    assert!(b.vmcf.auth().unwrap().quiesced);
    assert_eq!(vmcf(&mut b, vmcparm(0, 9, 0, "", 0, 0)), 0);
    assert!(!b.vmcf.auth().unwrap().quiesced);
    assert_eq!(vmcf(&mut b, vmcparm(0, 9, 0, "", 0, 0)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
}

#[test]
fn diag68_send_and_receive_between_two_machines() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    a.put(0x3000, b"HELLO, B");
    let parm = vmcparm_full(0, 2, 7, "b", (0x3000, 8), (0, 0), *b"FROM A..");
    assert_eq!(vmcf(&mut a, parm), 0);
    // The sink's SEND interruption waits until it is enabled; then the header is a copy
    // of the VMCPARM with the source's user id.
    assert!(!vmcf_mod::present(&mut b, false));
    assert!(present(&mut b));
    assert!(!present(&mut b), "one interruption per message");
    let h = hdr(&b);
    assert_eq!((h[0], h[1]), (0, 0), "VMCMSTAT, VMCMEFLG");
    assert_eq!(&h[2..8], &parm[2..8], "VMCMFUNC, VMCMMID");
    assert_eq!(hdr_user(&h), "A");
    assert_eq!(&h[16..40], &parm[16..40]);
    // A RECEIVE into a 16-byte buffer moves the 8 bytes.
    let recv = vmcparm_full(0, 5, 7, "A", (0x4000, 16), (0, 0), *b"B SAYS..");
    assert_eq!(vmcf(&mut b, recv), 0);
    assert_eq!(b.get(0x4000, 8), b"HELLO, B");
    assert_eq!(vmcf(&mut b, recv), 3, "a second RECEIVE");
    // The source's final RESPONSE: sink's user id, no residual, the sink's doubleword.
    // CANCEL before it is presented is too late.
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 7, "B", 0, 0)), 14);
    assert!(present(&mut a));
    let h = hdr(&a);
    assert_eq!((h[0], h[1]), (0x80, 0));
    assert_eq!(&h[2..8], &parm[2..8]);
    assert_eq!(hdr_user(&h), "B");
    assert_eq!(w(&h, 20), 0, "VMCMLENA residual");
    assert_eq!(&h[32..40], b"B SAYS..");
    // The transaction is complete: the message id may be used again.
    assert_eq!(a.vmcf.hub.active_messages(), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 7, "B", 0, 0)), 12);
    assert_eq!(vmcf(&mut a, parm), 0);
}

#[test]
fn diag68_receive_into_a_short_buffer_gives_rc16_and_the_source_error_16() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    a.put(0x3000, b"0123456789");
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 10)), 0);
    let recv = vmcparm(0, 5, 1, "A", 0x4000, 4);
    assert_eq!(
        vmcf(&mut b, recv),
        13,
        "RECEIVE before the SEND interruption"
    );
    assert!(present(&mut b));
    assert_eq!(vmcf(&mut b, recv), 16);
    assert_eq!(b.get(0x4000, 6), b"0123\0\0");
    assert!(present(&mut a));
    let h = hdr(&a);
    assert_eq!((h[0], h[1], w(&h, 20)), (0x80, 16, 6));
}

#[test]
fn diag68_send_recv_receive_and_reply() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    a.put(0x3000, b"QUESTION");
    let parm = vmcparm_full(0, 3, 9, "B", (0x3000, 8), (0x5000, 6), *b"ASKING..");
    assert_eq!(vmcf(&mut a, parm), 0);
    assert!(present(&mut b));
    assert_eq!(w(&hdr(&b), 28), 6, "the sink sees the REPLY buffer length");
    let recv = vmcparm(0, 5, 9, "A", 0x4000, 8);
    assert_eq!(vmcf(&mut b, recv), 0);
    assert_eq!(b.get(0x4000, 8), b"QUESTION");
    assert!(!present(&mut a), "no RESPONSE before the REPLY");
    assert_eq!(vmcf(&mut b, recv), 3, "a second RECEIVE");
    // A REPLY longer than the REPLY buffer: what fits moves, rc 16 and error 16.
    b.put(0x4800, b"ANSWER!!");
    let rep = vmcparm_full(0, 7, 9, "A", (0x4800, 8), (0, 0), *b"REPLYING");
    assert_eq!(vmcf(&mut b, rep), 16);
    assert_eq!(vmcf(&mut b, rep), 12, "the message is complete");
    assert!(present(&mut a));
    assert_eq!(a.get(0x5000, 8), b"ANSWER\0\0");
    let h = hdr(&a);
    assert_eq!((h[0], h[1]), (0x80, 16));
    assert_eq!((w(&h, 20), w(&h, 28)), (0, 0), "residuals");
    assert_eq!(&h[32..40], b"REPLYING");

    // REPLY without RECEIVE: the SEND data is the LENA residual; a short reply leaves a
    // LENB residual.
    assert_eq!(vmcf(&mut a, parm), 0);
    assert!(present(&mut b));
    let rep = vmcparm(0, 7, 9, "A", 0x4800, 2);
    assert_eq!(vmcf(&mut b, rep), 0);
    assert!(present(&mut a));
    let h = hdr(&a);
    assert_eq!((h[1], w(&h, 20), w(&h, 28)), (0, 8, 4));
    assert_eq!(a.get(0x5000, 2), b"AN");
}

#[test]
fn diag68_reply_and_reject_protocol() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    // REPLY to a SEND: protocol violation; REJECT of it: a RESPONSE with VMCMRJCT.
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(vmcf(&mut b, vmcparm(0, 0xB, 1, "A", 0, 0)), 13);
    assert!(present(&mut b));
    assert_eq!(vmcf(&mut b, vmcparm(0, 7, 1, "A", 0x4000, 4)), 3);
    assert_eq!(vmcf(&mut b, vmcparm(0, 0xB, 1, "A", 0, 0)), 0);
    assert_eq!(vmcf(&mut b, vmcparm(0, 0xB, 1, "A", 0, 0)), 12);
    assert!(present(&mut a));
    let h = hdr(&a);
    assert_eq!(h[0], 0xC0);
    assert_eq!(w(&h, 20), 4, "nothing was received");
    // Responses to messages that do not exist.
    for f in [5u16, 7, 0xB] {
        assert_eq!(vmcf(&mut b, vmcparm(0, f, 2, "A", 0x4000, 4)), 12, "{f:X}");
    }
}

#[test]
fn diag68_cancel() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    // Before the SEND interruption: withdrawn, the sink never sees it.
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(
        vmcf(&mut b, vmcparm(0, 6, 1, "A", 0, 0)),
        3,
        "not its message"
    );
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 1, "B", 0, 0)), 0);
    assert!(!present(&mut b));
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 1, "B", 0, 0)), 12);
    // A SEND/RECV the sink has RECEIVEd: rc 11, and the sink's REPLY finds nothing.
    assert_eq!(vmcf(&mut a, vmcparm(0, 3, 2, "B", 0x3000, 4)), 0);
    assert!(present(&mut b));
    assert_eq!(vmcf(&mut b, vmcparm(0, 5, 2, "A", 0x4000, 4)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 2, "B", 0, 0)), 11);
    assert_eq!(vmcf(&mut b, vmcparm(0, 7, 2, "A", 0x4000, 4)), 12);
    assert!(!present(&mut a));
    // A presented SENDX is complete: too late.
    assert_eq!(vmcf(&mut a, vmcparm(0, 4, 3, "B", 0x3000, 4)), 0);
    assert!(present(&mut b));
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 3, "B", 0, 0)), 14);
}

#[test]
fn diag68_sendx_data_arrives_with_the_header() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    a.put(0x3000, b"SENDX DATA, 24 BYTES ...!");
    // B's buffer is 64 bytes: 24 bytes of data fit after the header, 25 do not.
    assert_eq!(vmcf(&mut a, vmcparm(0, 4, 1, "B", 0x3000, 25)), 7);
    assert_eq!(vmcf(&mut a, vmcparm(0, 4, 1, "B", 0x3000, 24)), 0);
    assert!(present(&mut b));
    assert_eq!(b.get(0x2000 + 40, 24), b"SENDX DATA, 24 BYTES ...");
    assert_eq!(hdr(&b)[3], 4);
    assert_eq!(vmcf(&mut b, vmcparm(0, 5, 1, "A", 0x4000, 24)), 3);
    assert!(present(&mut a));
    assert_eq!((hdr(&a)[0], hdr(&a)[1]), (0x80, 0));
    // Re-AUTHORIZEd with a smaller buffer before the SENDX was presented: error 7.
    assert_eq!(vmcf(&mut a, vmcparm(0, 4, 2, "B", 0x3000, 24)), 0);
    assert_eq!(vmcf(&mut b, vmcparm(0, 0, 0, "", 0x2000, 48)), 0);
    assert!(!present(&mut b));
    assert!(present(&mut a));
    assert_eq!((hdr(&a)[0], hdr(&a)[1]), (0x80, 7));
}

#[test]
fn diag68_identify_is_final_and_gets_no_response() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    let parm = vmcparm_full(0, 0xA, 5, "B", (1, 2), (3, 4), *b"I AM A..");
    assert_eq!(vmcf(&mut a, parm), 0);
    assert_eq!(vmcf(&mut a, parm), 0, "no message, no duplicate");
    assert!(present(&mut b));
    let h = hdr(&b);
    assert_eq!(h[0], 0x80);
    assert_eq!(hdr_user(&h), "A");
    assert_eq!(&h[16..40], &parm[16..40]);
    assert!(present(&mut b));
    assert!(!present(&mut a));
    assert_eq!(a.vmcf.hub.active_messages(), 0);
}

#[test]
fn diag68_send_refusals() {
    let [mut a, mut b, mut c] = machines(["A", "B", "C"], 0);
    // Not logged on / not authorized.
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "NOBODY", 0x3000, 4)), 5);
    assert_eq!(vmcf(&mut c, vmcparm(0, 1, 0, "", 0, 0)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "C", 0x3000, 4)), 5);
    // SPECIFIC for another user.
    assert_eq!(vmcf(&mut b, vmcparm(0x80, 0, 0, "C", 0x2000, 64)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 5);
    assert_eq!(vmcf(&mut b, vmcparm(0x80, 0, 0, "A", 0x2000, 64)), 0);
    // PRIORITY to a user not authorized for it.
    assert_eq!(vmcf(&mut a, vmcparm(0x40, 2, 1, "B", 0x3000, 4)), 18);
    assert_eq!(vmcf(&mut a, vmcparm(0x40, 0xA, 1, "B", 0x3000, 4)), 18);
    // Bad SEND data or REPLY buffer.
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0xFFF0, 0x20)), 1);
    a.protected = Some((0x5000, 0x6000));
    assert_eq!(vmcf(&mut a, vmcparm(0, 3, 1, "B", 0x3000, 4)), 6);
    a.protected = None;
    // Duplicate message id to the same user.
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 3, 1, "B", 0x3000, 4)), 8);
    // At most 50 active messages.
    for mid in 2..=50 {
        assert_eq!(vmcf(&mut a, vmcparm(0, 2, mid, "B", 0x3000, 4)), 0);
    }
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 51, "B", 0x3000, 4)), 10);
    assert_eq!(vmcf(&mut a, vmcparm(0, 6, 50, "B", 0, 0)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 51, "B", 0x3000, 4)), 0);
}

#[test]
fn diag68_priority_interruptions_come_first() {
    let [mut a, mut b] = machines(["A", "B"], 0x40);
    for (flags, mid) in [(0, 1u32), (0, 2), (0x40, 3), (0x40, 4), (0, 5)] {
        assert_eq!(vmcf(&mut a, vmcparm(flags, 2, mid, "B", 0x3000, 4)), 0);
    }
    let mut order = Vec::new();
    while present(&mut b) {
        let h = hdr(&b);
        order.push((w(&h, 4), h[0]));
    }
    assert_eq!(order, [(3, 0x20), (4, 0x20), (1, 0), (2, 0), (5, 0)]);
    assert_eq!(vmcf(&mut b, vmcparm(0, 5, 3, "A", 0x4000, 4)), 0);
    assert!(present(&mut a));
    assert_eq!(hdr(&a)[0], 0xA0, "RESP and PRTY");
}

#[test]
fn diag68_wrap_connection_to_oneself() {
    let [mut a] = machines(["A"], 0);
    a.put(0x3000, b"TO MYSELF");
    assert_eq!(vmcf(&mut a, vmcparm(0, 3, 1, "A", 0x3000, 9)), 0);
    assert!(present(&mut a));
    assert_eq!(hdr_user(&hdr(&a)), "A");
    // VM370 Figure 20 rc 17: a RECEIVE buffer over the SEND data.
    assert_eq!(vmcf(&mut a, vmcparm(0, 5, 1, "A", 0x3004, 16)), 17);
    assert_eq!(vmcf(&mut a, vmcparm(0, 5, 1, "A", 0x4000, 16)), 0);
    assert_eq!(a.get(0x4000, 9), b"TO MYSELF");
    // ... and REPLY data over the REPLY buffer (X'5000', 8 bytes).
    assert_eq!(vmcf(&mut a, vmcparm(0, 7, 1, "A", 0x4FFC, 8)), 17);
    a.put(0x4800, b"BACK");
    assert_eq!(vmcf(&mut a, vmcparm(0, 7, 1, "A", 0x4800, 4)), 0);
    assert!(present(&mut a));
    assert_eq!(a.get(0x5000, 4), b"BACK");
    assert_eq!(hdr(&a)[0], 0x80);
}

#[test]
fn diag68_reset_of_the_sink_answers_its_senders_with_error_5() {
    let [mut a, mut b] = machines(["A", "B"], 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 3, 2, "B", 0x3000, 4)), 0);
    assert!(present(&mut b));
    assert_eq!(vmcf(&mut b, vmcparm(0, 2, 9, "A", 0x3000, 4)), 0);
    b.vmcf.reset();
    assert_eq!(vmcf(&mut b, vmcparm(0, 9, 0, "", 0, 0)), 4);
    for mid in [1, 2] {
        assert!(present(&mut a));
        let h = hdr(&a);
        assert_eq!((h[0], h[1], w(&h, 4)), (0x80, 5, mid));
    }
    // B's own message to A was withdrawn.
    assert!(!present(&mut a));
    assert_eq!(a.vmcf.hub.active_messages(), 0);
    // AUTHORIZE SPECIFIC ends the others' messages the same way.
    let [mut a, mut b, mut c] = machines(["A", "B", "C"], 0);
    assert_eq!(vmcf(&mut a, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(vmcf(&mut c, vmcparm(0, 2, 1, "B", 0x3000, 4)), 0);
    assert_eq!(vmcf(&mut b, vmcparm(0x80, 0, 0, "C", 0x2000, 64)), 0);
    assert!(present(&mut a));
    assert_eq!(hdr(&a)[1], 5);
    assert!(present(&mut b));
    assert_eq!(hdr_user(&hdr(&b)), "C");
    assert!(!present(&mut b));
}

#[test]
fn diag68_rx_and_ry_may_be_the_same_register() {
    let mut m = MockMachine::new();
    m.put(0x1000, &vmcparm(0, 1, 0, "", 0, 0));
    m.gpr[5] = 0x1000;
    diag(&mut m, 0x68, 5, 5).unwrap();
    assert_eq!(m.gpr[5], 4);
}

#[test]
fn diag68_vmcparm_faults_are_suppressing_program_checks() {
    let mut m = MockMachine::new();
    m.put(0x1000, &vmcparm(0, 0, 0, "", 0x2000, 40));
    // Not doubleword-aligned.
    for a in [0x1004u32, 0x1001, 0x1002] {
        m.gpr[2] = a;
        assert_eq!(
            fails_unchanged(&mut m, 0x68, 2, 3),
            ProgramCheck::SPECIFICATION
        );
    }
    // Beyond storage (the 40 bytes do not all fit, or none do).
    for a in [0xFFF8u32, 0x10000, 0x00FF_FFF8] {
        m.gpr[2] = a;
        assert_eq!(
            fails_unchanged(&mut m, 0x68, 2, 3),
            ProgramCheck::ADDRESSING
        );
    }
    assert_eq!(m.vmcf.auth(), None);
    // 24-bit mode: the high byte of Rx is not part of the address.
    m.amask = 0x00FF_FFFF;
    m.gpr[2] = 0xFF00_1000;
    diag(&mut m, 0x68, 2, 3).unwrap();
    assert_eq!(m.gpr[3], 0);
    assert!(m.vmcf.auth().is_some());
}

#[test]
fn diag68_reset_is_an_implicit_unauthorize() {
    let mut m = MockMachine::new();
    assert_eq!(vmcf(&mut m, vmcparm(0x80, 0, 0, "OPERATOR", 0x2000, 40)), 0);
    m.vmcf.reset();
    assert_eq!(m.vmcf.auth(), None);
    assert_eq!(vmcf(&mut m, vmcparm(0, 9, 0, "", 0, 0)), 4);
}

#[test]
fn diag_8c_gives_the_console_screen_of_a_3270() {
    let mut m = MockMachine::new();
    m.console = Some(ConsoleInfo {
        devno: 0x009,
        terminal_code: 0,
    });
    m.console_screen = Some((43, 80));
    m.gpr[2] = 0x800;
    m.gpr[3] = 0x009;
    m.gpr[4] = 6;
    m.mem[0x800..0x808].fill(0xEE);
    assert_eq!(diag(&mut m, 0x8C, 2, 4), Ok(()));
    assert_eq!(&m.mem[0x800..0x808], &[0, 0, 0, 80, 0, 43, 0xEE, 0xEE]);
    assert_eq!((m.gpr[3], m.cc), (0, 0));
    // A shorter buffer gets only what fits.
    m.gpr[3] = 0x009;
    m.gpr[4] = 4;
    m.console_screen = Some((27, 132));
    assert_eq!(diag(&mut m, 0x8C, 2, 4), Ok(()));
    assert_eq!(&m.mem[0x800..0x806], &[0, 0, 0, 132, 0, 43]);
    assert_eq!(m.gpr[3], 0);
    // Another device, a subchannel set other than 0: not a display.
    for id in [0x00Au32, 0x1_0009] {
        m.gpr[3] = id;
        assert_eq!(diag(&mut m, 0x8C, 2, 4), Ok(()));
        assert_eq!((m.gpr[3], m.cc), (4, 3));
    }
    // An odd Rx: the specification exception, nothing changed.
    m.gpr[3] = 0x009;
    assert_eq!(
        fails_unchanged(&mut m, 0x8C, 3, 4),
        ProgramCheck::SPECIFICATION
    );
}

#[test]
fn diag_8c_on_a_line_console_or_outside_storage_stores_nothing() {
    let mut m = MockMachine::new();
    m.console = Some(ConsoleInfo {
        devno: 0x009,
        terminal_code: 0,
    });
    let before = m.mem.clone();
    m.gpr[2] = 0x800;
    m.gpr[3] = 0x009;
    m.gpr[4] = 6;
    assert_eq!(diag(&mut m, 0x8C, 2, 4), Ok(()));
    assert_eq!((m.gpr[3], m.cc), (4, 3));
    assert!(m.mem == before);
    // A 3270, but the buffer is outside storage.
    m.console_screen = Some((24, 80));
    m.gpr[2] = m.mem.len() as u32 - 2;
    m.gpr[3] = 0x009;
    assert_eq!(diag(&mut m, 0x8C, 2, 4), Ok(()));
    assert_eq!((m.gpr[3], m.cc), (4, 3));
    assert!(m.mem == before);
}
