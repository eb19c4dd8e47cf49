//! The handlers, one function per code. Each one's doc comment names its source (tags of
//! diagnose-spec.md) and every choice made where the sources are silent or disagree.
//!
//! Convention: a handler validates everything and fetches every operand before it changes
//! anything, so a program check is suppressing (nothing stored, no register or CC changed).

use crate::{
    ebcdic, AccountingRequest, DiagHandler, Emsg, IoRequest, Machine, ProgramCheck, SegmentOp,
};

type HandlerFn = fn(&mut dyn Machine, u8, u8) -> Result<(), ProgramCheck>;

/// A handler made of a function and its catalogue entry.
struct Diag {
    code: u32,
    name: &'static str,
    source: &'static str,
    f: HandlerFn,
}

impl DiagHandler for Diag {
    fn code(&self) -> u32 {
        self.code
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn source(&self) -> &'static str {
        self.source
    }
    fn call(&self, m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
        (self.f)(m, rx, ry)
    }
}

/// Every implemented code.
pub(crate) fn all() -> Vec<Box<dyn DiagHandler>> {
    let table: [(u32, &'static str, &'static str, HandlerFn); 22] = [
        (
            0x000,
            "Store extended-identification code",
            "VM370, VMSP (spec 2.1 X'00')",
            diag_000,
        ),
        (
            0x008,
            "Virtual console function (CP command)",
            "VM370, VMPC, LNX (spec 2.1 X'08')",
            diag_008,
        ),
        (
            0x00C,
            "Pseudo timer",
            "VM370, VMSP (spec 2.1 X'0C')",
            diag_00c,
        ),
        (0x010, "Release pages", "VM370 (spec 2.1 X'10')", diag_010),
        (
            0x014,
            "Input spool file manipulation",
            "VM370, VMSP; LNX vmur.c (spec 2.1 X'14')",
            crate::spool::diag_14,
        ),
        (
            0x018,
            "Standard DASD I/O",
            "VM370, VMSP (spec 2.1 X'18')",
            diag_018,
        ),
        (
            0x020,
            "General I/O",
            "VM370, VMSP (spec 2.1 X'20')",
            diag_020,
        ),
        (
            0x024,
            "Device type and features",
            "VM370, VMSP (spec 2.1 X'24')",
            diag_024,
        ),
        (
            0x044,
            "Voluntary time-slice end",
            "LNX, KVM, QEMU (spec 2.1 X'44')",
            diag_044,
        ),
        (
            0x04C,
            "Generate accounting records",
            "VM370, VMSP (spec 2.1 X'4C')",
            diag_04c,
        ),
        (
            0x058,
            "3270 virtual console interface",
            "VM370, VMSP, VMPC (spec 2.1 X'58'); X'19' on any console, full screen on a 3270",
            crate::display::diag_058,
        ),
        (
            0x05C,
            "Error-message editing",
            "VM370, VMSP, VMPC (spec 2.1 X'5C')",
            diag_05c,
        ),
        (
            0x060,
            "Determine virtual storage size",
            "VM370, VMSP (spec 2.1 X'60')",
            diag_060,
        ),
        (
            0x064,
            "Named saved segments",
            "VM370, VMSP, LNX (spec 2.1 X'64')",
            diag_064,
        ),
        (
            0x068,
            "Virtual Machine Communication Facility (VMCF)",
            "VM370, VMSP, ZCB VMCPARM (spec 2.1 X'68'); between the machines of one CP",
            crate::vmcf::diag_068,
        ),
        (
            0x08C,
            "Access 3270 display device information",
            "LNX raw3270.c / text_amode31.S (spec 2.1 X'8C'); the console's screen",
            diag_08c,
        ),
        (
            0x09C,
            "Time-slice end with target (directed yield)",
            "LNX, KVM (spec 2.1 X'9C')",
            diag_09c,
        ),
        (
            0x210,
            "Retrieve device information",
            "LNX, ZCB VRDCBLOK (spec 2.1 X'210')",
            diag_210,
        ),
        (
            0x214,
            "Pending page release",
            "VM/ESA SC24-5670 as Hercules vm.c reads it (spec 2 [UNC])",
            diag_214,
        ),
        (
            0x250,
            "Block I/O",
            "LNX, ZCB BIOPL, Hercules vmd250 (spec 2.1 X'250')",
            crate::blockio::diag_250,
        ),
        (
            0x260,
            "Access certain virtual-machine information",
            "z/VM SC24-6084 as Hercules vm.c reads it; QEMU RFC (spec 2.1 X'260')",
            diag_260,
        ),
        (
            0x270,
            "Pseudo timer extended",
            "VM/ESA SC24-5670 as Hercules vm.c reads it (spec 2 [UNC])",
            diag_270,
        ),
    ];
    table
        .into_iter()
        .map(|(code, name, source, f)| {
            Box::new(Diag {
                code,
                name,
                source,
                f,
            }) as Box<dyn DiagHandler>
        })
        .collect()
}

/// Codes deliberately not registered (they give the specification exception), with their
/// names and why.
pub const NOT_IMPLEMENTED: &[(u32, &str, &str)] = &[
    (
        0x07C,
        "Logical Device Support Facility",
        "VM/SP only (not in VM370 R6); register roles [UNC] in the spec (VMSP X'7C')",
    ),
    (
        0x258,
        "Page-reference services (pfault)",
        "REFBK version 2 is z/Architecture only (ZCB REFBK, KVM); no paging in vm390",
    ),
    (
        0x288,
        "Virtual-machine time bomb (watchdog)",
        "needs a CP timer and a restart action on expiry; LNX tolerates 0006 (spec 3)",
    ),
    (
        0x308,
        "IPL functions",
        "list-directed IPL / IPL parameter blocks are z/Architecture (LNX, KVM, QEMU, KUT); Hercules 3.13 also gives 0006",
    ),
    (
        0x318,
        "Set control-program name and version code",
        "only when SCLP reports the facility, else 0006 (KUT intercept); no SCLP in S/370 or ESA/390 mode",
    ),
];

/// The odd register of the pair starting at `r` (registers wrap from 15 to 0).
fn next(r: u8) -> u8 {
    (r + 1) & 15
}

/// A register value taken as an address in the guest's addressing mode.
fn addr(m: &dyn Machine, v: u32) -> u32 {
    v & m.address_mask()
}

/// X'00' Store extended-identification code [VM370, VMSP; spec 2.1].
///
/// Rx = doubleword-aligned real address (else specification), Ry = byte count, unsigned; at
/// most that many bytes of the 36-byte VM/SP-layout block are stored: system name "VM/370"
/// (8, EBCDIC), version / level / PLC (3: X'06' X'00' X'00', Release 6), version code X'FF'
/// (STIDP's in a virtual machine), MCEL length (2, 0), processor address (2, from STAP),
/// userid (8), program-product bit map (8, zero), time-zone differential in seconds (4). The
/// first 32 bytes are exactly VM/370 R6's block; the last field is VM/SP's. No nesting blocks
/// (vm390 is not itself running under a VM). No CC and no register changes: Hercules lowers
/// Ry by the bytes stored and rejects Ry = 0, which no IBM source documents.
fn diag_000(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let a = addr(m, m.gpr(rx));
    if a & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut block = [0u8; 36];
    block[0..8].copy_from_slice(&ebcdic::padded::<8>("VM/370"));
    block[8..11].copy_from_slice(&[0x06, 0x00, 0x00]);
    block[11] = 0xFF;
    block[14..16].copy_from_slice(&m.processor_address().to_be_bytes());
    block[16..24].copy_from_slice(&ebcdic::padded::<8>(&m.userid()));
    block[32..36].copy_from_slice(&m.local_time().utc_offset.to_be_bytes());
    let n = (m.gpr(ry) as usize).min(block.len());
    if n > 0 {
        m.write_real(a, &block[..n])?;
    }
    Ok(())
}

/// Longest command text accepted by DIAG X'08'.
pub const DIAG8_MAX_COMMAND: u32 = 240;

/// X'08' Virtual console function [VM370, VMPC; client LNX cpcmd.c / vmcp.c; spec 2.1].
///
/// Rx = command text address, Ry = flags (bits 0-7) and length (bits 8-31). Several commands
/// may be separated by X'15'; each runs in turn and Ry returns the completion code of the
/// last (0, or the message number). Ry = 0, or a zero length, is a no-op.
/// Flag X'40': the response goes to the buffer at Rx+1 of length Ry+1 as whole lines each
/// ending in X'15'; CC 0 with Ry+1 = response length, or CC 1 when it did not fit with Ry+1 =
/// the bytes beyond the buffer length (total - buffer length: the reading of LNX and
/// Hercules). With a buffer Rx and Ry may not be consecutive and neither may be R15
/// (specification). Flag X'80' refuses a password on LINK (passed to the command).
/// Choices: length up to 240 (z/VM and VM/PC; VM/370 says 132, so every VM/370 program
/// fits) and no 8192-byte buffer cap (z/VM; LNX vmcp uses up to 1 MB); a longer text or a
/// reserved flag (X'1F') gives the specification exception as in Hercules, the IBM texts
/// being silent. Without a buffer the response goes to the console and the CC is unchanged.
fn diag_008(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let ryv = m.gpr(ry);
    let flags = (ryv >> 24) as u8;
    let len = ryv & 0x00FF_FFFF;
    if flags & 0x1F != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    if len == 0 {
        return Ok(());
    }
    let buffered = flags & 0x40 != 0;
    if buffered && (rx == 15 || ry == 15 || next(rx) == ry || next(ry) == rx) {
        return Err(ProgramCheck::SPECIFICATION);
    }
    if len > DIAG8_MAX_COMMAND {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut text = vec![0u8; len as usize];
    m.read_real(addr(m, m.gpr(rx)), &mut text)?;
    let buffer = if buffered {
        let b = addr(m, m.gpr(next(rx)));
        let blen = m.gpr(next(ry));
        m.check_real(b, blen, true)?;
        Some((b, blen))
    } else {
        None
    };
    let mut lines = Vec::new();
    let mut rc = 0;
    for cmd in text.split(|&b| b == 0x15) {
        let cmd = ebcdic::to_string(cmd);
        if cmd.trim().is_empty() {
            continue;
        }
        let r = m.cp_command(cmd.trim(), flags & 0x80 != 0);
        rc = r.rc;
        lines.extend(r.lines);
    }
    match buffer {
        Some((b, blen)) => {
            let mut out = Vec::new();
            let mut total: u64 = 0;
            for l in &lines {
                let mut e = ebcdic::from_str(l);
                e.push(0x15);
                total += e.len() as u64;
                if total <= blen as u64 {
                    out.extend(e);
                }
            }
            // The buffer was checked whole before the commands ran; this cannot fail unless
            // a command changed storage keys, in which case the fault is reported.
            if !out.is_empty() {
                m.write_real(b, &out)?;
            }
            if total <= blen as u64 {
                m.set_gpr(next(ry), total as u32);
                m.set_cc(0);
            } else {
                m.set_gpr(next(ry), (total - blen as u64).min(u32::MAX as u64) as u32);
                m.set_cc(1);
            }
        }
        None => {
            for l in &lines {
                m.console_write(l);
            }
        }
    }
    m.set_gpr(ry, rc);
    Ok(())
}

/// X'0C' Pseudo timer [VM370, VMSP; LNX hypfs; spec 2.1].
///
/// Rx = doubleword-aligned real address (else specification) of 32 bytes: date MM/DD/YY and
/// time HH:MM:SS (EBCDIC, local time), virtual CPU time and total CPU time in microseconds
/// (unsigned doublewords). Ry is not used (LNX codes Rx = Ry). No completion code; CC
/// unchanged.
fn diag_00c(m: &mut dyn Machine, rx: u8, _ry: u8) -> Result<(), ProgramCheck> {
    let a = addr(m, m.gpr(rx));
    if a & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let area = pseudo_timer(m);
    m.write_real(a, &area[..32])
}

/// The DIAG X'270' date-format flag for MM/DD/YY, the only date format VM/370's CP shows
/// (X'40' is MM/DD/YYYY, X'20' YYYY-MM-DD, X'10' the system default).
pub const DATE_FORMAT_SHORT: u8 = 0x80;

/// The 64-byte extended pseudo-timer block; its first 32 bytes are X'0C''s: date
/// MM/DD/YY and time HH:MM:SS (EBCDIC, local time), virtual and total CPU time in
/// microseconds; then MM/DD/YYYY (10), 6 zero bytes, YYYY-MM-DD (10), the version X'01',
/// the user's and the system's default date format, 3 zero bytes.
fn pseudo_timer(m: &dyn Machine) -> [u8; 64] {
    let t = m.local_time();
    let (virt, total) = m.cpu_time_us();
    let date = format!("{:02}/{:02}/{:02}", t.month, t.day, t.year % 100);
    let time = format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
    let full = format!("{:02}/{:02}/{:04}", t.month, t.day, t.year);
    let iso = format!("{:04}-{:02}-{:02}", t.year, t.month, t.day);
    let mut area = [0u8; 64];
    area[0..8].copy_from_slice(&ebcdic::padded::<8>(&date));
    area[8..16].copy_from_slice(&ebcdic::padded::<8>(&time));
    area[16..24].copy_from_slice(&virt.to_be_bytes());
    area[24..32].copy_from_slice(&total.to_be_bytes());
    area[32..42].copy_from_slice(&ebcdic::padded::<10>(&full));
    area[48..58].copy_from_slice(&ebcdic::padded::<10>(&iso));
    area[58] = 0x01;
    area[59] = DATE_FORMAT_SHORT;
    area[60] = DATE_FORMAT_SHORT;
    area
}

/// X'10' Release pages [VM370; KVM, KUT for the checks; spec 2.1].
///
/// Rx = first page, Ry = last page (inclusive), both page-aligned (else specification); a
/// range whose start is above its end is a specification exception (KVM/KUT; VM370 is
/// silent); a last page beyond storage is an addressing exception. Pages starting in low
/// storage are accepted: only KVM refuses Rx < 8 KB, VM370 documents page alignment only.
/// The release itself is a no-op (a CP without paging keeps the frames; CMS treats the
/// pages as free), nothing is stored, no register and the CC are unchanged.
fn diag_010(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let first = addr(m, m.gpr(rx));
    let last = addr(m, m.gpr(ry));
    if first & 0xFFF != 0 || last & 0xFFF != 0 || first > last {
        return Err(ProgramCheck::SPECIFICATION);
    }
    if last as u64 + 4096 > m.storage_size() as u64 {
        return Err(ProgramCheck::ADDRESSING);
    }
    Ok(())
}

/// X'18' Standard DASD I/O [VM370, VMSP; spec 2.1]: Rx = virtual device address, Ry = CCW
/// string, R15 = number of READ/WRITE CCWs. The chain is run by [`Machine::dasd_io`]; the
/// handler sets the CC and R15 from its answer (default CC 1, R15 = 1: not attached).
fn diag_018(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let req = IoRequest {
        devno: m.gpr(rx),
        ccw: addr(m, m.gpr(ry)),
        extra: m.gpr(15),
    };
    let a = m.dasd_io(req);
    if let Some(r) = a.r15 {
        m.set_gpr(15, r);
    }
    m.set_cc(a.cc);
    Ok(())
}

/// X'20' General I/O [VM370, VMSP; spec 2.1]: Rx = virtual device address, Ry = CCW chain
/// address with the storage key in its high byte (VMSP). Run by [`Machine::general_io`];
/// CC and R15 from its answer, sense bytes 0-1 into the low halfword of Ry on CC 3 (default
/// CC 1, R15 = 1: not attached).
fn diag_020(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let ryv = m.gpr(ry);
    let req = IoRequest {
        devno: m.gpr(rx),
        ccw: ryv & 0x00FF_FFFF,
        extra: ryv >> 24,
    };
    let a = m.general_io(req);
    if let Some(r) = a.r15 {
        m.set_gpr(15, r);
    }
    if let Some(s) = a.sense {
        m.set_gpr(ry, (ryv & 0xFFFF_0000) | s as u32);
    }
    m.set_cc(a.cc);
    Ok(())
}

/// X'24' Device type and features [VM370, VMSP; spec 2.1].
///
/// Rx = virtual device address, or -1 for the virtual console (then Rx returns the terminal
/// code in byte 0 and the console address in the low halfword). Ry <- VDEVTYPC, VDEVTYPE,
/// VDEVSTAT, VDEVFLAG; Ry+1 <- RDEVTYPC, RDEVTYPE, RDEVMDL, RDEVFTR, not stored when Ry is
/// R15. CC 0 normal; CC 2 the virtual device has no real device (Ry only); CC 3 invalid
/// address (anything above X'FFFF' but -1; VM/PC's -2 is not VM/370's) or no such device.
fn diag_024(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let v = m.gpr(rx);
    let (devno, console) = if v == 0xFFFF_FFFF {
        match m.console() {
            Some(c) => (c.devno, Some(c)),
            None => {
                m.set_cc(3);
                return Ok(());
            }
        }
    } else if v > 0xFFFF {
        m.set_cc(3);
        return Ok(());
    } else {
        (v as u16, None)
    };
    let Some(d) = m.device(devno) else {
        m.set_cc(3);
        return Ok(());
    };
    if let Some(c) = console {
        m.set_gpr(rx, (c.terminal_code as u32) << 24 | c.devno as u32);
    }
    m.set_gpr(ry, d.vdev);
    match d.rdev {
        Some(r) => {
            if ry != 15 {
                m.set_gpr(next(ry), r);
            }
            m.set_cc(0);
        }
        None => m.set_cc(2),
    }
    Ok(())
}

/// X'44' Voluntary time-slice end [LNX, KVM, QEMU; spec 2.1]: no operands; registers and CC
/// untouched. With one virtual CPU per CP there is nothing to yield to: a no-op.
fn diag_044(_: &mut dyn Machine, _: u8, _: u8) -> Result<(), ProgramCheck> {
    Ok(())
}

/// X'9C' Directed yield [LNX, KVM; spec 2.1]: Rx = target CPU address; no result. A target
/// that is the caller or unknown is ignored (KVM): here every target is.
fn diag_09c(_: &mut dyn Machine, _: u8, _: u8) -> Result<(), ProgramCheck> {
    Ok(())
}

/// X'4C' Generate accounting records [VM370, VMSP; spec 2.1].
///
/// Ry = function: 0 (Rx -> userid), 4 (userid, account number), 8 (userid, distribution
/// code), X'C' (all three), 8 bytes each; Rx = 0 means "for myself". X'10': Rx -> up to 70
/// bytes of user data, Ry+1 = its length; Ry must not be R15. A bad function gives CC 3;
/// a parameter list not doubleword-aligned, data crossing a page boundary, or a length <= 0
/// or > 70 the specification exception; an address outside storage the addressing
/// exception. Otherwise the CC is [`Machine::account`]'s (0 ok, 1 no ACCOUNT option, 2
/// userid not in the directory).
fn diag_04c(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let function = m.gpr(ry);
    let a = addr(m, m.gpr(rx));
    let req = match function {
        0x10 => {
            if ry == 15 {
                return Err(ProgramCheck::SPECIFICATION);
            }
            let n = m.gpr(next(ry)) as i32;
            if n <= 0 || n > 70 || (a & 0xFFF) + n as u32 > 0x1000 {
                return Err(ProgramCheck::SPECIFICATION);
            }
            let mut data = vec![0u8; n as usize];
            m.read_real(a, &mut data)?;
            AccountingRequest::UserData(data)
        }
        0 | 4 | 8 | 0xC => {
            let (mut account, mut distribution, mut userid) = (None, None, None);
            if a != 0 {
                let len = match function {
                    0 => 8,
                    0xC => 24,
                    _ => 16,
                };
                if a & 7 != 0 || (a & 0xFFF) + len > 0x1000 {
                    return Err(ProgramCheck::SPECIFICATION);
                }
                let mut list = vec![0u8; len as usize];
                m.read_real(a, &mut list)?;
                let field = |i: usize| {
                    ebcdic::to_string(&list[i * 8..i * 8 + 8])
                        .trim_end()
                        .to_string()
                };
                userid = Some(field(0));
                match function {
                    4 => account = Some(field(1)),
                    8 => distribution = Some(field(1)),
                    0xC => {
                        account = Some(field(1));
                        distribution = Some(field(2));
                    }
                    _ => {}
                }
            }
            AccountingRequest::Record {
                function,
                userid,
                account,
                distribution,
            }
        }
        _ => {
            m.set_cc(3);
            return Ok(());
        }
    };
    let cc = m.account(req);
    m.set_cc(cc & 3);
    Ok(())
}

/// X'5C' Error-message editing [VM370, VMSP, VMPC; spec 2.1].
///
/// Rx = message address, Ry = length; CP only adjusts the registers per SET EMSG and reads or
/// writes nothing. ON: both unchanged. CODE: Ry = 10 (the message-code length; less if the
/// message is shorter). TEXT: Rx advanced past the 10-character code and its blank, Ry = the
/// text length. OFF: Ry = 0. CC unchanged (no IBM text sets it; Hercules' no-op sets CC 0).
fn diag_05c(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let len = m.gpr(ry) as i32;
    let len = len.max(0) as u32;
    match m.emsg() {
        Emsg::On => {}
        Emsg::Code => m.set_gpr(ry, len.min(10)),
        Emsg::Text => {
            let skip = len.min(11);
            let a = m.gpr(rx);
            m.set_gpr(rx, a.wrapping_add(skip));
            m.set_gpr(ry, len - skip);
        }
        Emsg::Off => m.set_gpr(ry, 0),
    }
    Ok(())
}

/// X'60' Determine virtual storage size [VM370, VMSP; spec 2.1]: Rx <- the storage size in
/// bytes; CC unchanged.
fn diag_060(m: &mut dyn Machine, rx: u8, _ry: u8) -> Result<(), ProgramCheck> {
    let size = m.storage_size();
    m.set_gpr(rx, size);
    Ok(())
}

/// X'64' Named saved segments [VM370, VMSP, LNX extmem; spec 2.1].
///
/// Ry = subcode: X'00' LOADSYS shared, X'04' LOADSYS nonshared, X'08' PURGESYS, X'0C'
/// FINDSYS; any other (the z/VM SEGEXT and 64-bit forms) is a specification exception. Rx =
/// doubleword-aligned (else specification) address of the 8-byte EBCDIC name. The answer
/// (CC, Rx, Ry) is [`Machine::saved_segment`]'s; by default CC 2 with Ry = 44, no such
/// segment.
fn diag_064(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let op = match m.gpr(ry) {
        0x00 => SegmentOp::LoadShared,
        0x04 => SegmentOp::LoadNonshared,
        0x08 => SegmentOp::Purge,
        0x0C => SegmentOp::Find,
        _ => return Err(ProgramCheck::SPECIFICATION),
    };
    let a = addr(m, m.gpr(rx));
    if a & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut name = [0u8; 8];
    m.read_real(a, &mut name)?;
    let name = ebcdic::to_string(&name).trim_end().to_string();
    let ans = m.saved_segment(op, &name);
    if let Some(v) = ans.rx {
        m.set_gpr(rx, v);
    }
    if let Some(v) = ans.ry {
        m.set_gpr(ry, v);
    }
    m.set_cc(ans.cc & 3);
    Ok(())
}

/// X'8C' Access 3270 display device information [S:LNX text_amode31.S, raw3270.c; spec 2.1
/// X'8C'; no IBM text]. Rx (even, else specification) -> the output buffer, Rx+1 = the
/// device number (the low halfword of Linux's `ccw_dev_id` word; the subchannel-set byte
/// must be 0), Ry = the buffer length. For the virtual console on a 3270 display the
/// buffer gets, as far as Ry reaches (at most 6 bytes): flags (0: 12-bit addresses
/// suffice, every model's screen is under 4,096 positions), partitions (0, none [INF]),
/// width and height (halfwords); Rx+1 = 0 and CC 0. Any other device, a console that is
/// not a 3270 display, or a buffer outside storage: nothing stored, Rx+1 = 4 and CC 3
/// [INF: Linux only tests Rx+1 for 0 and then asks DIAG X'210'; the CC it ignores].
/// Addresses in the guest's addressing mode (Linux issues it in 31-bit mode).
fn diag_08c(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    if rx & 1 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let a = addr(m, m.gpr(rx));
    let id = m.gpr(next(rx));
    let len = m.gpr(ry).min(6);
    let screen = m
        .console()
        .filter(|c| id >> 16 == 0 && u32::from(c.devno) == id)
        .and_then(|_| m.console_screen());
    let Some((rows, cols)) = screen else {
        m.set_gpr(next(rx), 4);
        m.set_cc(3);
        return Ok(());
    };
    let mut data = [0u8; 6];
    data[2..4].copy_from_slice(&cols.to_be_bytes());
    data[4..6].copy_from_slice(&rows.to_be_bytes());
    let data = &data[..len as usize];
    if m.check_real(a, len, true).is_err() {
        m.set_gpr(next(rx), 4);
        m.set_cc(3);
        return Ok(());
    }
    m.write_real(a, data)?;
    m.set_gpr(next(rx), 0);
    m.set_cc(0);
    Ok(())
}

/// X'210' Retrieve device information [LNX vmur / dasd_diag, ZCB VRDCBLOK; spec 2.1].
///
/// Rx -> VRDCBLOK: device number (2) and block length (2) in; virtual class, type, status,
/// flags and real class, type, model, features out at +4..+12, stored only as far as the
/// block length reaches (no virtualized RDC data). CC 0 the device has a real device; 2 it
/// exists without one (spooled unit record); 3 bad address or no such device (the block
/// outside storage gives CC 3, not a program check).
fn diag_210(m: &mut dyn Machine, rx: u8, _ry: u8) -> Result<(), ProgramCheck> {
    let a = addr(m, m.gpr(rx));
    let mut head = [0u8; 4];
    if m.read_real(a, &mut head).is_err() {
        m.set_cc(3);
        return Ok(());
    }
    let devno = u16::from_be_bytes([head[0], head[1]]);
    let blen = u16::from_be_bytes([head[2], head[3]]) as usize;
    let Some(d) = m.device(devno) else {
        m.set_cc(3);
        return Ok(());
    };
    let mut out = [0u8; 8];
    out[0..4].copy_from_slice(&d.vdev.to_be_bytes());
    out[4..8].copy_from_slice(&d.rdev.unwrap_or(0).to_be_bytes());
    let n = blen.saturating_sub(4).min(8);
    if n > 0 && m.write_real(a.wrapping_add(4), &out[..n]).is_err() {
        m.set_cc(3);
        return Ok(());
    }
    m.set_cc(if d.rdev.is_some() { 0 } else { 2 });
    Ok(())
}

/// X'214' Pending page release [VM/ESA SC24-5670 as Hercules vm.c reads it; spec 2 lists the
/// name only].
///
/// Rx must be even (else specification): Rx = first page, Rx+1 = last page with the function
/// in its low byte (addresses taken to their page): 0 establish pending release, 1 cancel,
/// 2 cancel all, 3 cancel and validate; any other function is a specification exception,
/// as is (for all but 2) a first page above the last or a last page beyond storage.
/// Functions 1 and 3 with Ry not R0 set the storage key of every frame of the range to
/// Ry bits 24-28 (access key and fetch bit). vm390 pages nothing out, so a page pending
/// release keeps its contents (CP is allowed, not required, to discard it). CC 0.
fn diag_214(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    if rx & 1 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let second = m.gpr(next(rx));
    let function = second & 0xFF;
    let first = addr(m, m.gpr(rx)) & !0xFFF;
    let last = addr(m, second) & !0xFFF;
    if function > 3 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    if function != 2 && (first > last || last >= m.storage_size()) {
        return Err(ProgramCheck::SPECIFICATION);
    }
    if (function == 1 || function == 3) && ry != 0 {
        let key = (m.gpr(ry) & 0xF8) as u8;
        let mut a = first;
        loop {
            m.set_storage_key(a, key)?;
            if a >= last {
                break;
            }
            a += 0x1000;
        }
    }
    m.set_cc(0);
    Ok(())
}

/// X'260' Access certain virtual-machine information, the subcodes of an ESA/390 (and
/// S/370) virtual machine [z/VM SC24-6084 as Hercules vm.c reads it; spec 2.1 X'260' knows
/// only X'0C' and X'10' from a QEMU RFC for z/Architecture Linux].
///
/// Ry = subcode. X'00': Rx <- the highest addressable byte (storage size - 1). X'04': the
/// LOGON BY user id; Rx must be doubleword-aligned, Ry even and Rx /= Ry (else
/// specification); vm390 has no LOGON BY, so Ry+1 <- 4 ("no BYUSER id") and nothing is
/// stored. X'08': lines per page of the virtual printer or console whose number is in the
/// low halfword of Rx: Rx <- 0 (SPOOL lines-per-page not set) and Ry <- 0, or Ry <- 4 for
/// any other or no device. X'0C' and X'10' (storage extents, 64-bit registers) exist only
/// for z/Architecture and are, like any other subcode, a specification exception. CC
/// unchanged.
fn diag_260(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    match m.gpr(ry) {
        0x00 => {
            let last = m.storage_size().wrapping_sub(1);
            m.set_gpr(rx, last);
        }
        0x04 => {
            if rx == ry || ry & 1 != 0 || addr(m, m.gpr(rx)) & 7 != 0 {
                return Err(ProgramCheck::SPECIFICATION);
            }
            m.set_gpr(next(ry), 4);
        }
        0x08 => {
            let devno = m.gpr(rx) as u16;
            let paged = m.device(devno).is_some_and(|d| {
                let (class, dtype) = ((d.vdev >> 24) as u8, (d.vdev >> 16) as u8);
                class == 0x80 || (class == 0x10 && dtype & 0x40 != 0)
            });
            if paged {
                m.set_gpr(rx, 0);
                m.set_gpr(ry, 0);
            } else {
                m.set_gpr(ry, 4);
            }
        }
        _ => return Err(ProgramCheck::SPECIFICATION),
    }
    Ok(())
}

/// X'270' Pseudo timer extended [VM/ESA SC24-5670 as Hercules vm.c reads it; spec 2 lists
/// the name only].
///
/// Rx = doubleword-aligned, non-zero buffer address; Ry = its length (32 when the Ry field
/// is R0). Specification exception for Rx = Ry (not R0), a length <= 0, address 0 or an
/// unaligned address. Stores up to 64 bytes of [`pseudo_timer`]'s block (both default date
/// formats are MM/DD/YY, X'80'). CC unchanged.
fn diag_270(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let a = addr(m, m.gpr(rx));
    let len = if ry == 0 { 32 } else { m.gpr(ry) as i32 };
    if (ry != 0 && ry == rx) || len <= 0 || a == 0 || a & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let area = pseudo_timer(m);
    m.write_real(a, &area[..(len as usize).min(64)])
}
