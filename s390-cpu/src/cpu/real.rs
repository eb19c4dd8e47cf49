//! Storage at real addresses for the control program's services (DIAGNOSE operands, channel
//! programs): prefixing per 4 KiB page, the addressing exception beyond storage, and
//! key-controlled protection with the PSW key. All of an operand is checked before any byte
//! is moved, so a failing access changes nothing.

use super::{Cpu, ProgramInterrupt};
use crate::storage::{key, AbsAddr, RealAddr};

impl Cpu {
    /// Splits `len` bytes at real `addr` into absolute pieces that do not cross a page,
    /// checking each against storage and the PSW key.
    fn real_pieces(
        &self,
        addr: u32,
        len: u32,
        store: bool,
    ) -> Result<Vec<(u32, u32)>, ProgramInterrupt> {
        let mut out = Vec::new();
        let end = addr as u64 + len as u64;
        let mut a = addr as u64;
        let akey = self.psw.key;
        while a < end {
            let n = (end - a).min(0x1000 - (a & 0xFFF));
            if a > u32::MAX as u64 {
                return Err(ProgramInterrupt::ADDRESSING);
            }
            let abs = self.mem.absolute(RealAddr(a as u32));
            if !self.mem.contains(abs, n as u32) {
                return Err(ProgramInterrupt::ADDRESSING);
            }
            let mut b = abs.0 & !0x7FF;
            while (b as u64) < abs.0 as u64 + n {
                let k = self.mem.key(AbsAddr(b));
                let fetch_protected = k & key::FETCH != 0;
                if akey != 0 && (k >> 4) != akey && (store || fetch_protected) {
                    return Err(ProgramInterrupt::PROTECTION);
                }
                b += 0x800;
            }
            out.push((abs.0, n as u32));
            a += n;
        }
        Ok(out)
    }

    /// Checks an access of `len` bytes at real `addr`.
    pub fn check_real(&mut self, addr: u32, len: u32, store: bool) -> Result<(), ProgramInterrupt> {
        self.real_pieces(addr, len, store).map(|_| ())
    }

    /// Reads `buf.len()` bytes at real `addr`, setting reference bits.
    pub fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), ProgramInterrupt> {
        let pieces = self.real_pieces(addr, buf.len() as u32, false)?;
        let key = self.psw.key;
        let mut at = 0usize;
        for (abs, n) in pieces {
            // Sets the reference bits; the checks were made above.
            let _ = self.mem.check_fetch(AbsAddr(abs), n, key);
            let n = n as usize;
            buf[at..at + n].copy_from_slice(&self.mem.bytes()[abs as usize..abs as usize + n]);
            at += n;
        }
        Ok(())
    }

    /// Writes `data` at real `addr`, setting reference and change bits and forgetting
    /// predecoded instructions the bytes overlap.
    pub fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), ProgramInterrupt> {
        let pieces = self.real_pieces(addr, data.len() as u32, true)?;
        let key = self.psw.key;
        let mut at = 0usize;
        for (abs, n) in pieces {
            // Sets the reference and change bits; the checks were made above.
            let _ = self.mem.check_store(AbsAddr(abs), n, key);
            let len = n as usize;
            self.mem.bytes_mut()[abs as usize..abs as usize + len]
                .copy_from_slice(&data[at..at + len]);
            self.stored(abs, n);
            at += len;
        }
        Ok(())
    }
}
