//! Pieces of the [`diagnose::Machine`] adapter of a virtual machine (`vm.rs`'s
//! `VmMachine`) that need only the CPU or one minidisk: [`cpu_machine_methods!`] (registers,
//! CC, real storage, storage keys, the X'2603' interruption), the geometry of a CKD minidisk
//! as DIAGNOSE X'250' sees it, and the delivery of held X'2603' completions.

use diagnose::{BlockDevice, BlockIoState};

use crate::cpu::Cpu;
use crate::dasd;
use crate::io::dasd::Minidisk;

/// Tracks per cylinder of a minidisk (its device type as the directory writes it).
fn heads(md: &Minidisk) -> u32 {
    u16::from_str_radix(&md.devtype.to_string(), 16)
        .ok()
        .and_then(dasd::geometry)
        .map_or(0, |g| u32::from(g.heads))
}

/// DIAG X'250': a CKD minidisk as a block device of `block_size`-byte blocks (keyless
/// records of that size per track, by the device's capacity formula).
pub(crate) fn minidisk_block_device(md: &Minidisk, block_size: u32) -> BlockDevice {
    let per_track = u16::from_str_radix(&md.devtype.to_string(), 16)
        .ok()
        .and_then(dasd::geometry)
        .zip(u16::try_from(block_size).ok())
        .map_or(0, |(g, bs)| g.records_per_track(0, bs));
    BlockDevice::Ckd {
        tracks: u32::from(md.cylinders) * heads(md),
        blocks_per_track: per_track,
        read_only: md.read_only,
    }
}

/// Track `track` of a minidisk as (cylinder, head).
pub(crate) fn minidisk_track(md: &Minidisk, track: u32) -> Option<(u16, u16)> {
    let h = heads(md);
    if h == 0 {
        return None;
    }
    Some((u16::try_from(track / h).ok()?, (track % h) as u16))
}

/// Makes the next held X'2603' completion pending in the CPU, if it can take one
/// ([`BlockIoState::next_interrupt`]); true if it did.
pub(crate) fn deliver_block_io(cpu: &mut Cpu, st: &mut BlockIoState) -> bool {
    match st.next_interrupt(
        cpu.cr[0],
        cpu.external_pending(diagnose::blockio::EXT_BLOCK_IO),
    ) {
        Some((subcode, param)) => {
            cpu.raise_external_param(diagnose::blockio::EXT_BLOCK_IO, subcode, param);
            true
        }
        None => false,
    }
}

/// The `diagnose::Machine` methods that need only the CPU, for an adapter with a field
/// `cpu: &mut Cpu`: registers, CC, architecture and addressing mode, real storage with the
/// PSW key or a given key, storage keys of frames, and the X'2603' interruption (queued in
/// the adapter's `block_io_state`, made pending by [`deliver_block_io`]).
macro_rules! cpu_machine_methods {
    () => {
        fn gpr(&self, r: u8) -> u32 {
            self.cpu.gpr[r as usize & 15]
        }
        fn set_gpr(&mut self, r: u8, v: u32) {
            self.cpu.gpr[r as usize & 15] = v;
        }
        fn set_cc(&mut self, cc: u8) {
            self.cpu.psw.cc = cc & 3;
        }
        fn arch(&self) -> s390_decoder::Arch {
            self.cpu.arch
        }
        fn address_mask(&self) -> u32 {
            self.cpu.psw.amask()
        }
        fn check_real(
            &mut self,
            addr: u32,
            len: u32,
            store: bool,
        ) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .check_real(addr, len, store)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .read_real(addr, buf)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .write_real(addr, data)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn check_real_key(
            &mut self,
            addr: u32,
            len: u32,
            store: bool,
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.check_real(addr, len, store);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn read_real_key(
            &mut self,
            addr: u32,
            buf: &mut [u8],
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.read_real(addr, buf);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn write_real_key(
            &mut self,
            addr: u32,
            data: &[u8],
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.write_real(addr, data);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn set_storage_key(&mut self, addr: u32, key: u8) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .check_real(addr & !0xFFF, 1, false)
                .map_err(|p| diagnose::ProgramCheck(p.0))?;
            let abs = self
                .cpu
                .mem
                .absolute($crate::storage::RealAddr(addr & !0xFFF));
            // Both 2 KB key blocks of the 4 KB frame.
            for half in [0, 0x800] {
                let a = $crate::storage::AbsAddr(abs.0 + half);
                let old = self.cpu.mem.key(a);
                self.cpu.mem.set_key(a, (old & 0x07) | (key & 0xF8));
            }
            Ok(())
        }
        fn block_io_interrupt(&mut self, subcode: u16, param: u32) {
            if let Some(st) = self.block_io_state() {
                st.held.push_back((subcode, param));
            }
            // The adapter's block_io_state makes the next held completion pending.
            let _ = self.block_io_state();
        }
    };
}
pub(crate) use cpu_machine_methods;
