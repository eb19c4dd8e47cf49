//! Handler tests against [`MockMachine`]: registers, storage, CC and every documented error
//! path.

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
            0x00, 0x08, 0x0C, 0x10, 0x18, 0x20, 0x24, 0x44, 0x4C, 0x5C, 0x60, 0x64, 0x9C, 0x210,
            0x250
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

#[test]
fn diag_250_block_io() {
    let mut m = MockMachine::new();
    m.put(0x800, &[0x02, 0x00]);
    m.gpr[2] = 0x800;
    m.gpr[4] = 0;
    assert_eq!(diag(&mut m, 0x250, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[3]), (2, 16), "device not defined");
    m.block_io_answer = Some((0, 4));
    m.gpr[4] = 1;
    assert_eq!(diag(&mut m, 0x250, 2, 4), Ok(()));
    assert_eq!((m.cc, m.gpr[3]), (0, 4));
    m.gpr[4] = 3;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[4] = 2;
    m.gpr[2] = 0x804;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
        ProgramCheck::SPECIFICATION
    );
    m.gpr[2] = 0x1_0000;
    assert_eq!(
        fails_unchanged(&mut m, 0x250, 2, 4),
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
