//! S/370 channel I/O for a virtual machine: the channel-command words of a channel program
//! (format 0 CCWs, GA22-7000 chapter 12 "Input/Output Operations"), command and data
//! chaining, suppress-length indication, skip, transfer in channel and the
//! program-controlled interruption flag, and the channel status word the program sees.
//!
//! Devices are not modelled here: they are [`device::ChannelDevice`]s, one file each in
//! `devices/` (and the minidisk in `dasd`). [`run_chain`] walks a chain and hands each
//! command to a callback (for a device: [`device::run_device_chain`]) with the data it
//! writes (write and control commands) or the most it may read (read and sense
//! commands); the callback answers with a [`DevReply`]. Every channel
//! program completes synchronously, as under emx370; the caller queues the I/O
//! interruption. Errors in a chain end it with a program check or protection check in
//! the CSW, never a panic.
//!
//! `dasd` is the CKD minidisk as far as DIAGNOSE X'18' needs it; `ebcdic` is the console's
//! code page.

pub mod dasd;
pub mod device;
pub mod devices;
pub mod ebcdic;

use crate::storage::{AbsAddr, AccessFault, Storage};

/// Unit-status bits (CSW byte 4).
pub mod unit {
    /// Attention.
    pub const ATTENTION: u8 = 0x80;
    /// Status modifier.
    pub const STATUS_MODIFIER: u8 = 0x40;
    /// Control-unit end.
    pub const CONTROL_UNIT_END: u8 = 0x20;
    /// Busy.
    pub const BUSY: u8 = 0x10;
    /// Channel end.
    pub const CHANNEL_END: u8 = 0x08;
    /// Device end.
    pub const DEVICE_END: u8 = 0x04;
    /// Unit check.
    pub const UNIT_CHECK: u8 = 0x02;
    /// Unit exception.
    pub const UNIT_EXCEPTION: u8 = 0x01;
}

/// Channel-status bits (CSW byte 5).
pub mod chan {
    /// Program-controlled interruption.
    pub const PCI: u8 = 0x80;
    /// Incorrect length.
    pub const INCORRECT_LENGTH: u8 = 0x40;
    /// Program check.
    pub const PROGRAM_CHECK: u8 = 0x20;
    /// Protection check.
    pub const PROTECTION_CHECK: u8 = 0x10;
}

/// CCW flag bits (format 0, byte 4).
pub mod flag {
    /// Chain data.
    pub const CD: u8 = 0x80;
    /// Chain command.
    pub const CC: u8 = 0x40;
    /// Suppress length indication.
    pub const SLI: u8 = 0x20;
    /// Skip (no data transfer to storage on read).
    pub const SKIP: u8 = 0x10;
    /// Program-controlled interruption.
    pub const PCI: u8 = 0x08;
}

/// Sense byte 0 bits.
pub mod sense {
    /// Command reject.
    pub const COMMAND_REJECT: u8 = 0x80;
    /// Intervention required.
    pub const INTERVENTION_REQUIRED: u8 = 0x40;
    /// Equipment check.
    pub const EQUIPMENT_CHECK: u8 = 0x10;
    /// Data check.
    pub const DATA_CHECK: u8 = 0x08;
}

/// A channel status word (S/370 format, stored at X'40').
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Csw {
    /// Protection key of the channel program (from the CAW).
    pub key: u8,
    /// Address of the last CCW used, plus 8.
    pub ccw_addr: u32,
    /// Unit status.
    pub unit: u8,
    /// Channel status.
    pub channel: u8,
    /// Residual count of the last CCW used.
    pub count: u16,
}

impl Csw {
    /// The 8 bytes stored at X'40'.
    pub fn to_bytes(&self) -> [u8; 8] {
        let a = (self.ccw_addr & 0x00FF_FFFF).to_be_bytes();
        let c = self.count.to_be_bytes();
        [
            self.key << 4,
            a[1],
            a[2],
            a[3],
            self.unit,
            self.channel,
            c[0],
            c[1],
        ]
    }
}

/// A format-0 channel-command word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ccw {
    /// Command code.
    pub cmd: u8,
    /// Data address (24 bits).
    pub addr: u32,
    /// Flags.
    pub flags: u8,
    /// Byte count.
    pub count: u16,
}

impl Ccw {
    /// Reads the CCW at absolute `at`; None if it is outside storage.
    pub fn fetch(mem: &Storage, at: u32) -> Option<Ccw> {
        if at & 7 != 0 || !mem.contains(AbsAddr(at), 8) {
            return None;
        }
        let b = &mem.bytes()[at as usize..at as usize + 8];
        Some(Ccw {
            cmd: b[0],
            addr: u32::from_be_bytes([0, b[1], b[2], b[3]]),
            flags: b[4],
            count: u16::from_be_bytes([b[6], b[7]]),
        })
    }

    /// Transfer in channel.
    pub fn is_tic(&self) -> bool {
        self.cmd & 0x0F == 0x08
    }
}

/// What a command does with data, from the low bits of its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdKind {
    /// xxxx xx01.
    Write,
    /// xxxx xx10.
    Read,
    /// xxxx xx11.
    Control,
    /// xxxx 0100.
    Sense,
    /// xxxx 1100.
    ReadBackward,
    /// xxxx 1000.
    Tic,
    /// xxxx 0000: invalid.
    Invalid,
}

impl CmdKind {
    /// The kind of command code `cmd`.
    pub fn of(cmd: u8) -> CmdKind {
        match cmd & 3 {
            1 => CmdKind::Write,
            2 => CmdKind::Read,
            3 => CmdKind::Control,
            _ => match cmd & 0x0F {
                0x04 => CmdKind::Sense,
                0x0C => CmdKind::ReadBackward,
                0x08 => CmdKind::Tic,
                _ => CmdKind::Invalid,
            },
        }
    }
    /// Whether data flows from the device to storage.
    pub fn is_input(self) -> bool {
        matches!(self, CmdKind::Read | CmdKind::Sense | CmdKind::ReadBackward)
    }
}

/// A device's answer to one command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevReply {
    /// Unit status beyond channel end and device end (unit check, unit exception, status
    /// modifier).
    pub unit: u8,
    /// Input commands: the data the device offers (more than the count is cut off).
    pub data: Vec<u8>,
    /// Output commands: bytes the device took from what it was offered.
    pub accepted: usize,
}

impl DevReply {
    /// Normal end of an output command that took `n` bytes.
    pub fn took(n: usize) -> DevReply {
        DevReply {
            accepted: n,
            ..Default::default()
        }
    }
    /// Normal end of an input command offering `data`.
    pub fn input(data: Vec<u8>) -> DevReply {
        DevReply {
            data,
            ..Default::default()
        }
    }
    /// Unit check (the device sets its sense bytes itself).
    pub fn unit_check() -> DevReply {
        DevReply {
            unit: unit::UNIT_CHECK,
            ..Default::default()
        }
    }
    /// Unit exception.
    pub fn unit_exception() -> DevReply {
        DevReply {
            unit: unit::UNIT_EXCEPTION,
            ..Default::default()
        }
    }
}

/// How a channel program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainEnd {
    /// The CSW to present.
    pub csw: Csw,
    /// False when the first CCW was refused before the device got a command: START I/O then
    /// ends with condition code 1 and the CSW stored.
    pub started: bool,
}

/// Absolute storage ranges the channel stored into (for the CPU's instruction cache).
pub type Stores = Vec<(u32, u32)>;

/// Most CCWs one channel program may use (a guard against endless TIC loops).
pub const MAX_CCWS: usize = 65536;

/// One data segment of a command (a CCW of a data chain).
#[derive(Clone, Copy, Debug)]
struct Segment {
    at: u32,
    ccw: Ccw,
}

/// Runs the channel program at absolute `ccw_addr` with protection key `key`, handing each
/// command to `dev` as (command code, output data, input limit). Records every store into
/// `stores`.
pub fn run_chain(
    mem: &mut Storage,
    key: u8,
    ccw_addr: u32,
    stores: &mut Stores,
    dev: &mut dyn FnMut(u8, &[u8], usize) -> DevReply,
) -> ChainEnd {
    let mut csw = Csw {
        key,
        ccw_addr: ccw_addr.wrapping_add(8),
        ..Default::default()
    };
    let mut at = ccw_addr;
    let mut started = false;
    let mut used = 0usize;
    let mut pci = 0u8;
    let mut after_tic = false;
    loop {
        // Fetch the command CCW (following TICs).
        let ccw = match Ccw::fetch(mem, at) {
            Some(c) => c,
            None => return program_check(csw, started, pci),
        };
        used += 1;
        if used > MAX_CCWS {
            return program_check(csw, started, pci);
        }
        csw.ccw_addr = at.wrapping_add(8);
        if ccw.is_tic() {
            if after_tic || !started || ccw.addr & 7 != 0 {
                // TIC to TIC, or a TIC as the first CCW, or a misaligned target.
                return program_check(csw, started, pci);
            }
            after_tic = true;
            at = ccw.addr;
            continue;
        }
        after_tic = false;
        let kind = CmdKind::of(ccw.cmd);
        if kind == CmdKind::Invalid || ccw.count == 0 {
            return program_check(csw, started, pci);
        }
        // Gather the data chain.
        let mut segs = vec![Segment { at, ccw }];
        let mut last = ccw;
        let mut last_at = at;
        while last.flags & flag::CD != 0 {
            let mut next_at = last_at.wrapping_add(8);
            let mut next = match Ccw::fetch(mem, next_at) {
                Some(c) => c,
                None => return program_check(csw, started, pci),
            };
            used += 1;
            if next.is_tic() {
                next_at = next.addr;
                next = match Ccw::fetch(mem, next_at) {
                    Some(c) if !c.is_tic() => c,
                    _ => return program_check(csw, started, pci),
                };
                used += 1;
            }
            if next.count == 0 || used > MAX_CCWS {
                return program_check(csw, started, pci);
            }
            segs.push(Segment {
                at: next_at,
                ccw: next,
            });
            last = next;
            last_at = next_at;
        }
        for s in &segs {
            if s.ccw.flags & flag::PCI != 0 {
                pci = chan::PCI;
            }
        }
        let total: usize = segs.iter().map(|s| s.ccw.count as usize).sum();
        started = true;
        let mut status = unit::CHANNEL_END | unit::DEVICE_END;
        let mut chstat = pci;
        let mut residual_seg = segs.len() - 1;
        let mut residual: u16;
        if kind.is_input() {
            let reply = dev(ccw.cmd, &[], total);
            status |= reply.unit;
            let n = reply.data.len().min(total);
            // Scatter into the segments.
            let mut off = 0usize;
            let mut seg_i = 0usize;
            residual = 0;
            for (i, s) in segs.iter().enumerate() {
                let cnt = s.ccw.count as usize;
                let take = cnt.min(n - off.min(n));
                if take > 0 && s.ccw.flags & flag::SKIP == 0 {
                    let a = s.ccw.addr;
                    if let Err(f) = store(mem, key, a, &reply.data[off..off + take], stores) {
                        csw.ccw_addr = s.at.wrapping_add(8);
                        csw.count = (cnt - take) as u16;
                        return fault(csw, f, pci);
                    }
                }
                off += take;
                seg_i = i;
                residual = (cnt - take) as u16;
                if off >= n {
                    break;
                }
            }
            residual_seg = seg_i;
            if reply.data.len() != total {
                let sli = segs[residual_seg].ccw.flags & flag::SLI != 0;
                if !sli {
                    chstat |= chan::INCORRECT_LENGTH;
                }
            }
        } else {
            // Output: gather the data.
            let mut data = Vec::with_capacity(total);
            for s in &segs {
                let cnt = s.ccw.count as u32;
                match fetch(mem, key, s.ccw.addr, cnt) {
                    Ok(d) => data.extend_from_slice(&d),
                    Err(f) => {
                        csw.ccw_addr = s.at.wrapping_add(8);
                        csw.count = cnt as u16;
                        return fault(csw, f, pci);
                    }
                }
            }
            let reply = dev(ccw.cmd, &data, 0);
            status |= reply.unit;
            let took = reply.accepted.min(total);
            // The segment where the device stopped.
            let mut off = 0usize;
            residual = 0;
            for (i, s) in segs.iter().enumerate() {
                let cnt = s.ccw.count as usize;
                residual_seg = i;
                if off + cnt >= took {
                    residual = (off + cnt - took) as u16;
                    break;
                }
                off += cnt;
            }
            if took != total && kind != CmdKind::Control {
                let sli = segs[residual_seg].ccw.flags & flag::SLI != 0;
                if !sli {
                    chstat |= chan::INCORRECT_LENGTH;
                }
            }
        }
        let seg = segs[residual_seg];
        csw.ccw_addr = seg.at.wrapping_add(8);
        csw.count = residual;
        csw.unit = status;
        csw.channel = chstat;
        let unusual = status & (unit::UNIT_CHECK | unit::UNIT_EXCEPTION) != 0
            || chstat & chan::INCORRECT_LENGTH != 0;
        let last_seg = segs[segs.len() - 1];
        if unusual || last_seg.ccw.flags & flag::CC == 0 {
            return ChainEnd { csw, started };
        }
        // Command chaining: the next CCW follows the last one of the data chain; status
        // modifier skips one.
        at = last_seg.at.wrapping_add(8);
        if status & unit::STATUS_MODIFIER != 0 {
            at = at.wrapping_add(8);
        }
    }
}

fn program_check(mut csw: Csw, started: bool, pci: u8) -> ChainEnd {
    csw.channel = chan::PROGRAM_CHECK | pci;
    csw.unit = if started {
        unit::CHANNEL_END | unit::DEVICE_END
    } else {
        0
    };
    csw.count = 0;
    ChainEnd { csw, started }
}

fn fault(mut csw: Csw, f: AccessFault, pci: u8) -> ChainEnd {
    csw.channel = pci
        | match f {
            AccessFault::Addressing => chan::PROGRAM_CHECK,
            AccessFault::Protection => chan::PROTECTION_CHECK,
        };
    csw.unit = unit::CHANNEL_END | unit::DEVICE_END;
    ChainEnd { csw, started: true }
}

/// Stores `data` at absolute `addr` with key `key` (channel addresses are absolute).
pub fn store(
    mem: &mut Storage,
    key: u8,
    addr: u32,
    data: &[u8],
    stores: &mut Stores,
) -> Result<(), AccessFault> {
    if data.is_empty() {
        return Ok(());
    }
    let len = data.len() as u32;
    mem.check_store(AbsAddr(addr), len, key)?;
    mem.bytes_mut()[addr as usize..addr as usize + data.len()].copy_from_slice(data);
    stores.push((addr, len));
    Ok(())
}

/// Fetches `len` bytes at absolute `addr` with key `key`.
pub fn fetch(mem: &mut Storage, key: u8, addr: u32, len: u32) -> Result<Vec<u8>, AccessFault> {
    if len == 0 {
        return Ok(Vec::new());
    }
    mem.check_fetch(AbsAddr(addr), len, key)?;
    Ok(mem.bytes()[addr as usize..(addr + len) as usize].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_ccw(mem: &mut Storage, at: u32, cmd: u8, addr: u32, flags: u8, count: u16) {
        let a = addr.to_be_bytes();
        let c = count.to_be_bytes();
        mem.bytes_mut()[at as usize..at as usize + 8]
            .copy_from_slice(&[cmd, a[1], a[2], a[3], flags, 0, c[0], c[1]]);
    }

    #[test]
    fn write_with_data_chaining_and_tic() {
        let mut mem = Storage::new(1 << 16).unwrap();
        mem.bytes_mut()[0x1000..0x1003].copy_from_slice(b"ABC");
        mem.bytes_mut()[0x2000..0x2002].copy_from_slice(b"DE");
        put_ccw(&mut mem, 0x800, 0x09, 0x1000, flag::CD, 3);
        put_ccw(&mut mem, 0x808, 0x08, 0x900, 0, 1);
        put_ccw(&mut mem, 0x900, 0x00, 0x2000, flag::CC, 2);
        put_ccw(&mut mem, 0x908, 0x03, 0, flag::SLI, 1);
        let mut seen = Vec::new();
        let mut stores = Vec::new();
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |cmd, out, _| {
            seen.push((cmd, out.to_vec()));
            DevReply::took(out.len())
        });
        assert!(end.started);
        assert_eq!(seen, vec![(0x09, b"ABCDE".to_vec()), (0x03, vec![0])]);
        assert_eq!(end.csw.ccw_addr, 0x910);
        assert_eq!(end.csw.unit, unit::CHANNEL_END | unit::DEVICE_END);
        assert_eq!(end.csw.channel, 0);
    }

    #[test]
    fn short_read_sets_incorrect_length_unless_sli() {
        let mut mem = Storage::new(1 << 16).unwrap();
        put_ccw(&mut mem, 0x800, 0x0A, 0x1000, 0, 10);
        let mut stores = Vec::new();
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |_, _, _| {
            DevReply::input(b"HI".to_vec())
        });
        assert_eq!(&mem.bytes()[0x1000..0x1002], b"HI");
        assert_eq!(end.csw.count, 8);
        assert_eq!(end.csw.channel, chan::INCORRECT_LENGTH);
        put_ccw(&mut mem, 0x800, 0x0A, 0x1000, flag::SLI, 10);
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |_, _, _| {
            DevReply::input(b"HI".to_vec())
        });
        assert_eq!(end.csw.channel, 0);
    }

    #[test]
    fn bad_chains_give_program_checks() {
        let mut mem = Storage::new(1 << 16).unwrap();
        // Count zero.
        put_ccw(&mut mem, 0x800, 0x09, 0x1000, 0, 0);
        let mut stores = Vec::new();
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |_, _, _| {
            DevReply::took(0)
        });
        assert!(!end.started);
        assert_eq!(end.csw.channel, chan::PROGRAM_CHECK);
        // Data address outside storage.
        put_ccw(&mut mem, 0x800, 0x09, 0xFFFF00, 0, 4);
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |_, _, _| {
            DevReply::took(0)
        });
        assert_eq!(end.csw.channel, chan::PROGRAM_CHECK);
        // CCW address outside storage.
        let end = run_chain(&mut mem, 0, 0xFFFFF8, &mut stores, &mut |_, _, _| {
            DevReply::took(0)
        });
        assert_eq!(end.csw.channel, chan::PROGRAM_CHECK);
        // Endless TIC loop: TIC to a write that chains back to the TIC.
        put_ccw(&mut mem, 0x800, 0x03, 0, flag::CC | flag::SLI, 1);
        put_ccw(&mut mem, 0x808, 0x08, 0x800, 0, 0);
        let end = run_chain(&mut mem, 0, 0x800, &mut stores, &mut |_, _, _| {
            DevReply::took(1)
        });
        assert_eq!(end.csw.channel, chan::PROGRAM_CHECK);
    }

    #[test]
    fn random_chains_never_panic() {
        let mut mem = Storage::new(1 << 16).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..2000 {
            // Random CCWs at 0x800..0x900 pointing mostly into storage.
            for at in (0x800..0x900).step_by(8) {
                let r = next();
                let addr = if r & 0x100 != 0 {
                    (r >> 16) as u32 & 0xFFFF
                } else {
                    (r >> 16) as u32
                };
                let flags = (r >> 40) as u8 & 0xF8;
                let cmd = [
                    0x01, 0x02, 0x03, 0x04, 0x08, 0x09, 0x0A, 0x0C, 0x00, r as u8,
                ][(r >> 56) as usize % 10];
                let count = (r >> 48) as u16 & 0x3FF;
                let target = if cmd & 0x0F == 0x08 {
                    0x800 + (addr & 0xF8)
                } else {
                    addr
                };
                put_ccw(&mut mem, at, cmd, target, flags, count);
            }
            let key = (round % 16) as u8;
            let mut stores = Vec::new();
            let _ = run_chain(&mut mem, key, 0x800, &mut stores, &mut |_, out, max| {
                let r = next();
                DevReply {
                    unit: (r as u8) & 0x43,
                    data: vec![0x40; (r >> 8) as usize % (max + 2)],
                    accepted: (r >> 32) as usize % (out.len() + 2),
                }
            });
        }
    }
}
