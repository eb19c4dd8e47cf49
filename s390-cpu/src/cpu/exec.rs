//! Instruction execution. `psw.ia` already addresses the next instruction when an instruction
//! runs, so a program check reports the updated address as the architecture requires for
//! suppressed and completed instructions (SA22-7201 section 6.6.3, "Instruction-length code"
//! and "Types of instruction ending").

use s390_decoder::{Arch, Opcode, Privilege};

use super::psw::{mask, Psw};
use super::{Cpu, Exec, Op, ProgramInterrupt as P, Supervisor};
use crate::storage::{AbsAddr, RealAddr};

/// Not a program interruption: ends the current batch so the run loop looks at the PSW again
/// (after LPSW, SSM and the like enable interruptions or enter the wait state).
pub(super) const STOP_BATCH: P = P::END_BATCH;

#[inline(always)]
pub(super) fn cc_signed(v: i32) -> u8 {
    // 0 zero, 1 negative, 2 positive, without branches.
    (((v > 0) as u8) << 1) | (v < 0) as u8
}

/// CC of TEST UNDER MASK: 0 the selected bits are all zero (or the mask is), 1 mixed,
/// 3 all ones.
#[inline(always)]
pub(super) fn cc_under_mask(selected: u32, mask: u32) -> u8 {
    if selected == 0 {
        0
    } else if selected == mask {
        3
    } else {
        1
    }
}

/// CC 0 equal, 1 low, 2 high.
#[inline(always)]
fn cc_order(o: std::cmp::Ordering) -> u8 {
    match o {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => 1,
        std::cmp::Ordering::Greater => 2,
    }
}

#[inline(always)]
fn cc_logical_add(result: u32, carry: bool) -> u8 {
    (if result != 0 { 1 } else { 0 }) | (if carry { 2 } else { 0 })
}

/// An operand value read big-endian from `N` bytes.
trait FromBe<const N: usize> {
    fn from_be(b: [u8; N]) -> Self;
}
impl FromBe<2> for u16 {
    fn from_be(b: [u8; 2]) -> Self {
        u16::from_be_bytes(b)
    }
}
impl FromBe<4> for u32 {
    fn from_be(b: [u8; 4]) -> Self {
        u32::from_be_bytes(b)
    }
}
impl FromBe<8> for u64 {
    fn from_be(b: [u8; 8]) -> Self {
        u64::from_be_bytes(b)
    }
}

impl Cpu {
    // ---------------------------------------------------------------- addresses

    #[inline(always)]
    pub(crate) fn ea(&self, x: u8, b: u8, d: u16) -> u32 {
        let mut a = d as u32;
        if x != 0 {
            a = a.wrapping_add(self.gpr[(x & 15) as usize]);
        }
        if b != 0 {
            a = a.wrapping_add(self.gpr[(b & 15) as usize]);
        }
        a & self.psw.amask()
    }

    #[inline(always)]
    fn key(&self) -> u8 {
        self.psw.key
    }

    /// Validates an access of `len` (1..=4096) bytes at effective address `ea`. Returns the
    /// absolute address when the bytes are contiguous in absolute storage, None when they wrap
    /// or cross a prefixed page (then use [`Cpu::abs_of`] byte by byte).
    #[inline(always)]
    pub(crate) fn access(&mut self, ea: u32, len: u32, store: bool) -> Result<Option<u32>, P> {
        let key = self.key();
        let hit = if store {
            self.mem.tlb_store(ea, len, key)
        } else {
            self.mem.tlb_fetch(ea, len, key)
        };
        if hit.is_some() {
            return Ok(hit);
        }
        self.access_miss(ea, len, store)
    }

    /// [`Cpu::access`] when the access cache has no entry: the full check, then an entry for
    /// the next time when the access lies in one key block.
    #[inline(never)]
    fn access_miss(&mut self, ea: u32, len: u32, store: bool) -> Result<Option<u32>, P> {
        let key = self.key();
        if (ea & 0x7FF) + len <= 0x800 {
            let a = self.mem.absolute(RealAddr(ea));
            if store {
                self.mem.check_store(a, len, key)?;
            } else {
                self.mem.check_fetch(a, len, key)?;
            }
            self.mem.tlb_fill(ea, a, key, store);
            return Ok(Some(a.0));
        }
        if (ea & 0xFFF) + len <= 0x1000
            || (self.mem.prefix() == 0 && ea as u64 + len as u64 - 1 <= self.psw.amask() as u64)
        {
            let a = self.mem.absolute(RealAddr(ea));
            if store {
                self.mem.check_store(a, len, key)?;
            } else {
                self.mem.check_fetch(a, len, key)?;
            }
            return Ok(Some(a.0));
        }
        self.access_slow(ea, len, store)
    }

    #[cold]
    fn access_slow(&mut self, ea: u32, len: u32, store: bool) -> Result<Option<u32>, P> {
        let key = self.key();
        let amask = self.psw.amask();
        let mut off = 0u32;
        while off < len {
            let e = ea.wrapping_add(off) & amask;
            let n = (0x1000 - (e & 0xFFF)).min(len - off);
            let a = self.mem.absolute(RealAddr(e));
            if store {
                self.mem.check_store(a, n, key)?;
            } else {
                self.mem.check_fetch(a, n, key)?;
            }
            off += n;
        }
        Ok(None)
    }

    /// Absolute address of the byte at `ea + off` (already validated).
    #[inline(always)]
    pub(crate) fn abs_of(&self, ea: u32, off: u32) -> usize {
        self.mem
            .absolute(RealAddr(ea.wrapping_add(off) & self.psw.amask()))
            .0 as usize
    }

    #[inline(always)]
    pub(crate) fn read_u8(&mut self, ea: u32) -> Result<u8, P> {
        self.read_be::<1>(ea).map(|b| b[0])
    }

    /// Reads `N` bytes (big-endian operand) at `ea`.
    #[inline(always)]
    fn read_be<const N: usize>(&mut self, ea: u32) -> Result<[u8; N], P> {
        match self.mem.fast_fetch::<N>(ea, self.psw.key) {
            Some(b) => Ok(b),
            None => self.read_be_slow(ea),
        }
    }

    /// [`Cpu::read_be`] as a typed value, for the miss path of `read_u16`/`u32`/`u64`.
    #[inline(never)]
    fn read_slow<T: FromBe<N>, const N: usize>(&mut self, ea: u32) -> Result<T, P> {
        self.read_be_slow::<N>(ea).map(T::from_be)
    }

    /// The miss path of [`Cpu::read_be`]: the full check, then the bytes.
    #[inline(never)]
    fn read_be_slow<const N: usize>(&mut self, ea: u32) -> Result<[u8; N], P> {
        let mut b = [0u8; N];
        // The access cache was asked already (`fast_fetch`).
        match self.access_miss(ea, N as u32, false)? {
            Some(a) => b.copy_from_slice(&self.mem.bytes()[a as usize..a as usize + N]),
            None => self.read_bytes_checked(ea, &mut b),
        }
        Ok(b)
    }

    #[inline(always)]
    pub(crate) fn read_u16(&mut self, ea: u32) -> Result<u16, P> {
        match self.mem.fast_fetch::<2>(ea, self.psw.key) {
            Some(b) => Ok(u16::from_be_bytes(b)),
            None => self.read_slow::<u16, 2>(ea),
        }
    }

    #[inline(always)]
    pub(crate) fn read_u32(&mut self, ea: u32) -> Result<u32, P> {
        match self.mem.fast_fetch::<4>(ea, self.psw.key) {
            Some(b) => Ok(u32::from_be_bytes(b)),
            None => self.read_slow::<u32, 4>(ea),
        }
    }

    #[inline(always)]
    pub(crate) fn read_u64(&mut self, ea: u32) -> Result<u64, P> {
        match self.mem.fast_fetch::<8>(ea, self.psw.key) {
            Some(b) => Ok(u64::from_be_bytes(b)),
            None => self.read_slow::<u64, 8>(ea),
        }
    }

    /// Reads bytes already validated.
    fn read_bytes_checked(&self, ea: u32, out: &mut [u8]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.mem.bytes()[self.abs_of(ea, i as u32)];
        }
    }

    /// Reads `out.len()` (<= 4096) bytes.
    pub(crate) fn read_bytes(&mut self, ea: u32, out: &mut [u8]) -> Exec {
        if out.is_empty() {
            return Ok(());
        }
        match self.access(ea, out.len() as u32, false)? {
            Some(a) => out.copy_from_slice(&self.mem.bytes()[a as usize..a as usize + out.len()]),
            None => self.read_bytes_checked(ea, out),
        }
        Ok(())
    }

    /// Writes bytes (<= 4096) already validated for store.
    fn write_bytes_checked(&mut self, ea: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let a = self.abs_of(ea, i as u32);
            self.mem.bytes_mut()[a] = b;
            self.stored(a as u32, 1);
        }
    }

    /// Writes `data` (<= 4096 bytes).
    pub(crate) fn write_bytes(&mut self, ea: u32, data: &[u8]) -> Exec {
        if data.is_empty() {
            return Ok(());
        }
        match self.access(ea, data.len() as u32, true)? {
            Some(a) => {
                self.mem.bytes_mut()[a as usize..a as usize + data.len()].copy_from_slice(data);
                self.stored(a, data.len() as u32);
            }
            None => self.write_bytes_checked(ea, data),
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn write_u8(&mut self, ea: u32, v: u8) -> Exec {
        self.write_be(ea, [v])
    }

    /// Writes `N` bytes (big-endian operand) at `ea`.
    #[inline(always)]
    fn write_be<const N: usize>(&mut self, ea: u32, b: [u8; N]) -> Exec {
        match self.mem.fast_store::<N>(ea, self.psw.key, b) {
            Some(abs) => {
                self.stored(abs, N as u32);
                Ok(())
            }
            None => self.write_be_slow(ea, b),
        }
    }

    #[inline(never)]
    fn write_be_slow<const N: usize>(&mut self, ea: u32, b: [u8; N]) -> Exec {
        // The access cache was asked already (`fast_store`).
        match self.access_miss(ea, N as u32, true)? {
            Some(a) => {
                self.mem.bytes_mut()[a as usize..a as usize + N].copy_from_slice(&b);
                self.stored(a, N as u32);
            }
            None => self.write_bytes_checked(ea, &b),
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn write_u16(&mut self, ea: u32, v: u16) -> Exec {
        self.write_be(ea, v.to_be_bytes())
    }

    #[inline(always)]
    pub(crate) fn write_u32(&mut self, ea: u32, v: u32) -> Exec {
        self.write_be(ea, v.to_be_bytes())
    }

    #[inline(always)]
    pub(crate) fn write_u64(&mut self, ea: u32, v: u64) -> Exec {
        self.write_be(ea, v.to_be_bytes())
    }

    // ---------------------------------------------------------------- helpers

    /// Sets the CC for a signed result and raises fixed-point overflow if it overflowed and
    /// the program mask allows (the result is already stored: completion).
    #[inline(always)]
    fn arith_result(&mut self, v: i32, overflow: bool) -> Exec {
        if overflow {
            self.psw.cc = 3;
            if self.psw.prog_mask & mask::FIXED_OVERFLOW != 0 {
                return Err(P::FIXED_OVERFLOW);
            }
        } else {
            self.psw.cc = cc_signed(v);
        }
        Ok(())
    }

    #[inline(always)]
    pub(super) fn add(&mut self, r: usize, b: i32) -> Exec {
        let (v, o) = (self.gpr[r] as i32).overflowing_add(b);
        self.gpr[r] = v as u32;
        self.arith_result(v, o)
    }

    #[inline(always)]
    pub(super) fn sub(&mut self, r: usize, b: i32) -> Exec {
        let (v, o) = (self.gpr[r] as i32).overflowing_sub(b);
        self.gpr[r] = v as u32;
        self.arith_result(v, o)
    }

    #[inline(always)]
    fn add_logical(&mut self, r: usize, b: u32) {
        let (v, c) = self.gpr[r].overflowing_add(b);
        self.gpr[r] = v;
        self.psw.cc = cc_logical_add(v, c);
    }

    #[inline(always)]
    fn sub_logical(&mut self, r: usize, b: u32) {
        let a = self.gpr[r];
        let v = a.wrapping_sub(b);
        self.gpr[r] = v;
        self.psw.cc = cc_logical_add(v, a >= b);
    }

    #[inline(always)]
    pub(super) fn compare_signed(&mut self, a: i32, b: i32) {
        self.psw.cc = cc_order(a.cmp(&b));
    }

    #[inline(always)]
    pub(super) fn compare_logical(&mut self, a: u64, b: u64) {
        self.psw.cc = cc_order(a.cmp(&b));
    }

    /// Link information for BAL/BALR (24-bit mode: ILC, CC, program mask in bits 0-7).
    fn bal_link(&self) -> u32 {
        if self.psw.amode31() {
            0x8000_0000 | self.psw.ia
        } else {
            ((self.cur_len as u32 >> 1) << 30)
                | ((self.psw.cc as u32) << 28)
                | ((self.psw.prog_mask as u32) << 24)
                | (self.psw.ia & 0x00FF_FFFF)
        }
    }

    /// Link information for BAS/BASR/BRAS/BRASL.
    fn bas_link(&self) -> u32 {
        if self.psw.amode31() {
            0x8000_0000 | self.psw.ia
        } else {
            self.psw.ia & 0x00FF_FFFF
        }
    }

    #[inline(always)]
    fn branch(&mut self, target: u32) {
        self.psw.ia = target & self.psw.amask();
    }

    #[inline(always)]
    fn rel_target(&self, halfwords: i32) -> u32 {
        self.cur_ia.wrapping_add((halfwords as u32).wrapping_mul(2)) & self.psw.amask()
    }

    #[inline(always)]
    fn even(r: u8) -> Result<usize, P> {
        if r & 1 != 0 {
            Err(P::SPECIFICATION)
        } else {
            Ok(r as usize)
        }
    }

    fn pair(&self, r: usize) -> u64 {
        ((self.gpr[r] as u64) << 32) | self.gpr[r + 1] as u64
    }

    fn set_pair(&mut self, r: usize, v: u64) {
        self.gpr[r] = (v >> 32) as u32;
        self.gpr[r + 1] = v as u32;
    }

    /// Loads a PSW from storage (LPSW); an invalid one is loaded and then reported as a
    /// specification exception.
    fn load_psw(&mut self, bytes: [u8; 8]) -> Exec {
        let (psw, valid) = Psw::from_bytes(self.arch, bytes);
        self.psw = psw;
        if !valid {
            return Err(P::SPECIFICATION);
        }
        Err(STOP_BATCH)
    }

    // ---------------------------------------------------------------- dispatch

    /// Executes an instruction that needs the supervisor (DIAGNOSE, I/O, EXECUTE).
    pub(super) fn execute_supervised(&mut self, sup: &mut dyn Supervisor, op: &Op) -> Exec {
        use Opcode::*;
        match op.opcode {
            EX => self.execute_ex(sup, op),
            DIAG => {
                let code = self.ea(0, op.b2, op.d2);
                *self.diag_counts.entry(code).or_default() += 1;
                if self.trace.has(super::TraceMask::DIAG) {
                    return self.traced_diagnose(sup, op.r1, op.r3, code);
                }
                let tracing = self.trace;
                let r = sup.diagnose(self, op.r1, op.r3, code);
                if r.is_ok() && self.trace != tracing {
                    // A CP TRACE command (DIAGNOSE X'08'): the run loop single-steps from
                    // the next instruction on.
                    return Err(STOP_BATCH);
                }
                r
            }
            SIO | SIOF | TIO | CLRIO | HIO | HDV | TCH => {
                let addr = self.ea(0, op.b2, op.d2) & 0xFFFF;
                let cc = sup.s370_io(self, op.opcode, addr)?;
                self.psw.cc = cc;
                if self.trace.has(super::TraceMask::SIO) {
                    self.trace_io_instruction(op.opcode, addr as u16, cc);
                }
                Err(STOP_BATCH)
            }
            _ => Err(P::OPERATION),
        }
    }

    /// Executes any decoded instruction (EXECUTE's target, tests).
    pub(crate) fn execute(&mut self, sup: &mut dyn Supervisor, op: &Op) -> Exec {
        match (op.handler)(self, op) {
            Err(NEEDS_SUPERVISOR) => self.execute_supervised(sup, op),
            r => r,
        }
    }

    fn i_lr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] = self.gpr[r2];
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_l(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.gpr[r1] = self.read_u32(a)?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_lh(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.gpr[r1] = self.read_u16(a)? as i16 as i32 as u32;
        Ok(())
    }

    fn i_lhi(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = op.imm as u32;
        Ok(())
    }

    fn i_la(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = self.ea(op.x2, op.b2, op.d2);
        Ok(())
    }

    fn i_lae(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = self.ea(op.x2, op.b2, op.d2);
        self.ar[r1] = if op.b2 == 0 {
            0
        } else {
            self.ar[op.b2 as usize]
        };
        Ok(())
    }

    fn i_larl(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = self.rel_target(op.imm);
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_st(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.write_u32(a, self.gpr[r1])?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_sth(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.write_u16(a, self.gpr[r1] as u16)?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_stc(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.write_u8(a, self.gpr[r1] as u8)?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_ic(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let b = self.read_u8(a)?;
        self.gpr[r1] = (self.gpr[r1] & 0xFFFF_FF00) | b as u32;
        Ok(())
    }

    /// The register list of LM, STM, LAM, STAM, LCTL and STCTL: registers R1 through R3
    /// (wrapping from 15 to 0), one word each at the second-operand address. The whole operand
    /// is checked (alignment when `aligned`, then addressing and protection) before anything
    /// changes. Returns each register number with the address of its word.
    fn register_list(
        &mut self,
        op: &Op,
        aligned: bool,
        store: bool,
    ) -> Result<impl Iterator<Item = (usize, u32)>, P> {
        let r1 = (op.r1 & 15) as usize;
        let r3 = (op.r3 & 15) as usize;
        let a = self.ea(0, op.b2, op.d2);
        if aligned && a & 3 != 0 {
            return Err(P::SPECIFICATION);
        }
        let n = ((r3 + 16 - r1) % 16 + 1) as u32;
        self.access(a, n * 4, store)?;
        let amask = self.psw.amask();
        Ok((0..n).map(move |i| ((r1 + i as usize) % 16, a.wrapping_add(i * 4) & amask)))
    }

    fn i_lm(&mut self, op: &Op) -> Exec {
        for (r, at) in self.register_list(op, false, false)? {
            self.gpr[r] = self.read_u32(at)?;
        }
        Ok(())
    }

    fn i_stm(&mut self, op: &Op) -> Exec {
        for (r, at) in self.register_list(op, false, true)? {
            self.write_u32(at, self.gpr[r])?;
        }
        Ok(())
    }

    fn i_icm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(0, op.b2, op.d2);
        let m = op.r3;
        // A zero mask still accesses one byte (as Hercules 3.13 does; the POP lets a
        // machine recognize access exceptions for it).
        if m == 0 {
            self.access(a, 1, false)?;
        }
        let n = m.count_ones();
        let mut bytes = [0u8; 4];
        self.read_bytes(a, &mut bytes[..n as usize])?;
        let mut v = self.gpr[r1];
        let mut k = 0;
        for i in 0..4 {
            if m & (8 >> i) != 0 {
                let shift = 24 - 8 * i;
                v = (v & !(0xFF << shift)) | ((bytes[k] as u32) << shift);
                k += 1;
            }
        }
        self.gpr[r1] = v;
        self.psw.cc = if m == 0 || bytes[..n as usize].iter().all(|&b| b == 0) {
            0
        } else if bytes[0] & 0x80 != 0 {
            1
        } else {
            2
        };
        Ok(())
    }

    fn i_stcm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(0, op.b2, op.d2);
        let m = op.r3;
        // A zero mask still accesses one byte (as Hercules 3.13 does; the POP lets a
        // machine recognize access exceptions for it).
        if m == 0 {
            self.access(a, 1, true)?;
        }
        let mut bytes = [0u8; 4];
        let mut k = 0;
        for i in 0..4 {
            if m & (8 >> i) != 0 {
                bytes[k] = (self.gpr[r1] >> (24 - 8 * i)) as u8;
                k += 1;
            }
        }
        self.write_bytes(a, &bytes[..k])?;
        Ok(())
    }

    fn i_clm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(0, op.b2, op.d2);
        let m = op.r3;
        // A zero mask still accesses one byte (as Hercules 3.13 does; the POP lets a
        // machine recognize access exceptions for it).
        if m == 0 {
            self.access(a, 1, false)?;
        }
        let n = m.count_ones() as usize;
        let mut bytes = [0u8; 4];
        self.read_bytes(a, &mut bytes[..n])?;
        let mut reg = [0u8; 4];
        let mut k = 0;
        for i in 0..4 {
            if m & (8 >> i) != 0 {
                reg[k] = (self.gpr[r1] >> (24 - 8 * i)) as u8;
                k += 1;
            }
        }
        self.psw.cc = cc_order(reg[..n].cmp(&bytes[..n]));
        Ok(())
    }

    fn i_ltr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] = self.gpr[r2];
        self.psw.cc = cc_signed(self.gpr[r1] as i32);
        Ok(())
    }

    fn i_lcr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let (v, o) = (0i32).overflowing_sub(self.gpr[r2] as i32);
        self.gpr[r1] = v as u32;
        self.arith_result(v, o)?;
        Ok(())
    }

    fn i_lnr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let v = self.gpr[r2] as i32;
        let v = if v > 0 { -v } else { v };
        self.gpr[r1] = v as u32;
        self.psw.cc = if v == 0 { 0 } else { 1 };
        Ok(())
    }

    fn i_lpr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let v = self.gpr[r2] as i32;
        let (v, o) = if v < 0 {
            v.overflowing_neg()
        } else {
            (v, false)
        };
        self.gpr[r1] = v as u32;
        self.arith_result(v, o)?;
        Ok(())
    }

    fn i_lrvr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] = self.gpr[r2].swap_bytes();
        Ok(())
    }

    fn i_lrv(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.gpr[r1] = self.read_u32(a)?.swap_bytes();
        Ok(())
    }

    fn i_lrvh(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u16(a)?.swap_bytes();
        self.gpr[r1] = (self.gpr[r1] & 0xFFFF_0000) | v as u32;
        Ok(())
    }

    fn i_strv(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.write_u32(a, self.gpr[r1].swap_bytes())?;
        Ok(())
    }

    fn i_strvh(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        self.write_u16(a, (self.gpr[r1] as u16).swap_bytes())?;
        Ok(())
    }

    fn i_ar(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.add(r1, self.gpr[r2] as i32)?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_a(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)? as i32;
        self.add(r1, v)?;
        Ok(())
    }

    fn i_ah(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u16(a)? as i16 as i32;
        self.add(r1, v)?;
        Ok(())
    }

    fn i_ahi(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.add(r1, op.imm)?;
        Ok(())
    }

    fn i_sr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.sub(r1, self.gpr[r2] as i32)?;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_s(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)? as i32;
        self.sub(r1, v)?;
        Ok(())
    }

    fn i_sh(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u16(a)? as i16 as i32;
        self.sub(r1, v)?;
        Ok(())
    }

    fn i_alr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.add_logical(r1, self.gpr[r2]);
        Ok(())
    }

    fn i_al(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)?;
        self.add_logical(r1, v);
        Ok(())
    }

    fn i_slr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.sub_logical(r1, self.gpr[r2]);
        Ok(())
    }

    fn i_sl(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)?;
        self.sub_logical(r1, v);
        Ok(())
    }

    fn i_alcr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let v = if op.opcode == ALCR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        };
        let carry_in = (self.psw.cc >> 1) as u64;
        let sum = self.gpr[r1] as u64 + v as u64 + carry_in;
        self.gpr[r1] = sum as u32;
        self.psw.cc = cc_logical_add(sum as u32, sum >> 32 != 0);
        Ok(())
    }

    fn i_slbr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let v = if op.opcode == SLBR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        };
        let borrow_in = if self.psw.cc & 2 == 0 { 1u64 } else { 0 };
        let a = self.gpr[r1] as u64;
        let r = a.wrapping_sub(v as u64).wrapping_sub(borrow_in);
        self.gpr[r1] = r as u32;
        self.psw.cc = cc_logical_add(r as u32, a >= v as u64 + borrow_in);
        Ok(())
    }

    fn i_mr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r2 = (op.r2 & 15) as usize;
        let r1 = Self::even(op.r1)?;
        let v = if op.opcode == MR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        };
        let p = (self.gpr[r1 + 1] as i32 as i64) * (v as i32 as i64);
        self.set_pair(r1, p as u64);
        Ok(())
    }

    fn i_mh(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u16(a)? as i16 as i32;
        self.gpr[r1] = (self.gpr[r1] as i32).wrapping_mul(v) as u32;
        Ok(())
    }

    fn i_mhi(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = (self.gpr[r1] as i32).wrapping_mul(op.imm) as u32;
        Ok(())
    }

    fn i_msr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] = (self.gpr[r1] as i32).wrapping_mul(self.gpr[r2] as i32) as u32;
        Ok(())
    }

    fn i_ms(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)? as i32;
        self.gpr[r1] = (self.gpr[r1] as i32).wrapping_mul(v) as u32;
        Ok(())
    }

    fn i_mlr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r2 = (op.r2 & 15) as usize;
        let r1 = Self::even(op.r1)?;
        let v = if op.opcode == MLR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        };
        let p = self.gpr[r1 + 1] as u64 * v as u64;
        self.set_pair(r1, p);
        Ok(())
    }

    fn i_dr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r2 = (op.r2 & 15) as usize;
        let r1 = Self::even(op.r1)?;
        let v = if op.opcode == DR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        } as i32 as i64;
        let n = self.pair(r1) as i64;
        if v == 0 {
            return Err(P::FIXED_DIVIDE);
        }
        let q = n.wrapping_div(v);
        let r = n.wrapping_rem(v);
        if q > i32::MAX as i64 || q < i32::MIN as i64 || (n == i64::MIN && v == -1) {
            return Err(P::FIXED_DIVIDE);
        }
        self.gpr[r1] = r as u32;
        self.gpr[r1 + 1] = q as u32;
        Ok(())
    }

    fn i_dlr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r2 = (op.r2 & 15) as usize;
        let r1 = Self::even(op.r1)?;
        let v = if op.opcode == DLR {
            self.gpr[r2]
        } else {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)?
        } as u64;
        let n = self.pair(r1);
        if v == 0 || n / v > u32::MAX as u64 {
            return Err(P::FIXED_DIVIDE);
        }
        self.gpr[r1] = (n % v) as u32;
        self.gpr[r1 + 1] = (n / v) as u32;
        Ok(())
    }

    fn i_cr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.compare_signed(self.gpr[r1] as i32, self.gpr[r2] as i32);
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_c(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)? as i32;
        self.compare_signed(self.gpr[r1] as i32, v);
        Ok(())
    }

    fn i_ch(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u16(a)? as i16 as i32;
        self.compare_signed(self.gpr[r1] as i32, v);
        Ok(())
    }

    fn i_chi(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.compare_signed(self.gpr[r1] as i32, op.imm);
        Ok(())
    }

    fn i_clr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.compare_logical(self.gpr[r1] as u64, self.gpr[r2] as u64);
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_cl(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)?;
        self.compare_logical(self.gpr[r1] as u64, v as u64);
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_cli(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b1, op.d1);
        let v = self.read_u8(a)?;
        self.compare_logical(v as u64, op.imm as u64);
        Ok(())
    }

    fn i_clc(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as usize + 1;
        let mut x = [0u8; 256];
        let mut y = [0u8; 256];
        self.read_bytes(a1, &mut x[..n])?;
        self.read_bytes(a2, &mut y[..n])?;
        self.psw.cc = cc_order(x[..n].cmp(&y[..n]));
        Ok(())
    }

    fn i_cs(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r3 = (op.r3 & 15) as usize;
        let a = self.ea(0, op.b2, op.d2);
        if a & 3 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.access(a, 4, true)?;
        let cur = self.read_u32(a)?;
        if cur == self.gpr[r1] {
            self.write_u32(a, self.gpr[r3])?;
            self.psw.cc = 0;
        } else {
            self.gpr[r1] = cur;
            self.psw.cc = 1;
        }
        Ok(())
    }

    fn i_cds(&mut self, op: &Op) -> Exec {
        let r1 = Self::even(op.r1)?;
        let r3 = Self::even(op.r3)?;
        let a = self.ea(0, op.b2, op.d2);
        if a & 7 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.access(a, 8, true)?;
        let cur = self.read_u64(a)?;
        if cur == self.pair(r1) {
            self.write_u64(a, self.pair(r3))?;
            self.psw.cc = 0;
        } else {
            self.set_pair(r1, cur);
            self.psw.cc = 1;
        }
        Ok(())
    }

    fn i_nr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] &= self.gpr[r2];
        self.psw.cc = (self.gpr[r1] != 0) as u8;
        Ok(())
    }

    fn i_or(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] |= self.gpr[r2];
        self.psw.cc = (self.gpr[r1] != 0) as u8;
        Ok(())
    }

    fn i_xr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] ^= self.gpr[r2];
        self.psw.cc = (self.gpr[r1] != 0) as u8;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_n(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let a = self.ea(op.x2, op.b2, op.d2);
        let v = self.read_u32(a)?;
        self.logical(r1, op.opcode, v);
        Ok(())
    }

    /// N, O, X: R1 combined with the storage word `v`, CC 0 zero, 1 not zero.
    #[inline(always)]
    pub(super) fn logical(&mut self, r1: usize, opcode: Opcode, v: u32) {
        let r = match opcode {
            Opcode::N => self.gpr[r1] & v,
            Opcode::O => self.gpr[r1] | v,
            _ => self.gpr[r1] ^ v,
        };
        self.gpr[r1] = r;
        self.psw.cc = (r != 0) as u8;
    }

    fn i_ni(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let a = self.ea(0, op.b1, op.d1);
        self.access(a, 1, true)?;
        let v = self.read_u8(a)?;
        let i = op.imm as u8;
        let r = match op.opcode {
            NI => v & i,
            OI => v | i,
            _ => v ^ i,
        };
        self.write_u8(a, r)?;
        self.psw.cc = (r != 0) as u8;
        Ok(())
    }

    fn i_nc(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        self.access(a1, n, true)?;
        self.access(a2, n, false)?;
        let mut any = false;
        // Byte by byte, left to right: overlap behaves as the architecture says.
        for i in 0..n {
            let x = self.mem.bytes()[self.abs_of(a1, i)];
            let y = self.mem.bytes()[self.abs_of(a2, i)];
            let r = match op.opcode {
                NC => x & y,
                OC => x | y,
                _ => x ^ y,
            };
            any |= r != 0;
            let at = self.abs_of(a1, i);
            self.mem.bytes_mut()[at] = r;
        }
        self.stored_range(a1, n);
        self.psw.cc = any as u8;
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_tm(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b1, op.d1);
        let v = self.read_u8(a)?;
        self.psw.cc = cc_under_mask((v & op.imm as u8) as u32, op.imm as u8 as u32);
        Ok(())
    }

    fn i_tmlh(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let m = op.imm as u16;
        let v = if op.opcode == TMLH {
            (self.gpr[r1] >> 16) as u16
        } else {
            self.gpr[r1] as u16
        } & m;
        self.psw.cc = if v == 0 {
            0
        } else if v == m {
            3
        } else if v & (0x8000u16 >> m.leading_zeros()) != 0 {
            2
        } else {
            1
        };
        Ok(())
    }

    #[inline(never)]
    pub(super) fn i_mvi(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b1, op.d1);
        self.write_u8(a, op.imm as u8)?;
        Ok(())
    }

    fn i_mvc(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        let d = self.access(a1, n, true)?;
        let s = self.access(a2, n, false)?;
        match (d, s) {
            (Some(d), Some(s)) if d >= s + n || s >= d + n || d <= s => {
                // Left to right one byte at a time equals a forward copy here.
                let bytes = self.mem.bytes_mut();
                if d >= s + n || s >= d + n {
                    bytes.copy_within(s as usize..(s + n) as usize, d as usize);
                } else {
                    for i in 0..n as usize {
                        bytes[d as usize + i] = bytes[s as usize + i];
                    }
                }
                self.stored(d, n);
            }
            _ => {
                for i in 0..n {
                    let v = self.mem.bytes()[self.abs_of(a2, i)];
                    let at = self.abs_of(a1, i);
                    self.mem.bytes_mut()[at] = v;
                }
                self.stored_range(a1, n);
            }
        }
        Ok(())
    }

    fn i_mvn(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        self.access(a1, n, true)?;
        self.access(a2, n, false)?;
        let keep = if op.opcode == MVN { 0xF0 } else { 0x0F };
        for i in 0..n {
            let s = self.mem.bytes()[self.abs_of(a2, i)];
            let at = self.abs_of(a1, i);
            let d = self.mem.bytes()[at];
            self.mem.bytes_mut()[at] = (d & keep) | (s & !keep);
        }
        self.stored_range(a1, n);
        Ok(())
    }

    fn i_mvcin(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        // The second operand's rightmost byte is at a2; it is fetched right to left.
        let start2 = a2.wrapping_sub(n - 1) & self.psw.amask();
        self.access(a1, n, true)?;
        self.access(start2, n, false)?;
        let mut buf = [0u8; 256];
        for i in 0..n {
            buf[i as usize] = self.mem.bytes()[self.abs_of(start2, n - 1 - i)];
        }
        self.write_bytes(a1, &buf[..n as usize])?;
        Ok(())
    }

    fn i_mvcl(&mut self, op: &Op) -> Exec {
        self.mvcl(op)?;
        Ok(())
    }

    fn i_clcl(&mut self, op: &Op) -> Exec {
        self.clcl(op)?;
        Ok(())
    }

    fn i_tr(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        self.access(a1, n, true)?;
        for i in 0..n {
            let at = self.abs_of(a1, i);
            let b = self.mem.bytes()[at];
            let t = self.read_u8(a2.wrapping_add(b as u32) & self.psw.amask())?;
            self.mem.bytes_mut()[at] = t;
        }
        self.stored_range(a1, n);
        Ok(())
    }

    fn i_trt(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        let n = op.l as u32 + 1;
        self.access(a1, n, false)?;
        self.psw.cc = 0;
        for i in 0..n {
            let b = self.mem.bytes()[self.abs_of(a1, i)];
            let f = self.read_u8(a2.wrapping_add(b as u32) & self.psw.amask())?;
            if f != 0 {
                let addr = a1.wrapping_add(i) & self.psw.amask();
                if self.psw.amode31() {
                    self.gpr[1] = addr;
                } else {
                    self.gpr[1] = (self.gpr[1] & 0xFF00_0000) | addr;
                }
                self.gpr[2] = (self.gpr[2] & 0xFFFF_FF00) | f as u32;
                self.psw.cc = if i == n - 1 { 2 } else { 1 };
                break;
            }
        }
        Ok(())
    }

    fn i_mvst(&mut self, op: &Op) -> Exec {
        self.string_op(op)?;
        Ok(())
    }

    fn i_cksm(&mut self, op: &Op) -> Exec {
        self.checksum(op)?;
        Ok(())
    }

    fn i_sll(&mut self, op: &Op) -> Exec {
        self.shift(op)?;
        Ok(())
    }

    fn i_rll(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r3 = (op.r3 & 15) as usize;
        let n = self.ea(0, op.b2, op.d2) & 31;
        self.gpr[r1] = self.gpr[r3].rotate_left(n);
        Ok(())
    }

    fn i_bcr(&mut self, op: &Op) -> Exec {
        let r2 = (op.r2 & 15) as usize;
        if op.r1 & (8 >> self.psw.cc) != 0 && op.r2 != 0 {
            self.branch(self.gpr[r2]);
        }
        Ok(())
    }

    fn i_bc(&mut self, op: &Op) -> Exec {
        if op.r1 & (8 >> self.psw.cc) != 0 {
            let t = self.ea(op.x2, op.b2, op.d2);
            self.branch(t);
        }
        Ok(())
    }

    fn i_brc(&mut self, op: &Op) -> Exec {
        if op.r1 & (8 >> self.psw.cc) != 0 {
            self.psw.ia = self.rel_target(op.imm);
        }
        Ok(())
    }

    fn i_brcl(&mut self, op: &Op) -> Exec {
        if op.r1 & (8 >> self.psw.cc) != 0 {
            self.psw.ia = self.rel_target(op.imm);
        }
        Ok(())
    }

    fn i_balr(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let t = self.gpr[r2];
        self.gpr[r1] = if op.opcode == BALR {
            self.bal_link()
        } else {
            self.bas_link()
        };
        if op.r2 != 0 {
            self.branch(t);
        }
        Ok(())
    }

    fn i_bal(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let t = self.ea(op.x2, op.b2, op.d2);
        self.gpr[r1] = if op.opcode == BAL {
            self.bal_link()
        } else {
            self.bas_link()
        };
        self.branch(t);
        Ok(())
    }

    fn i_bras(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = self.bas_link();
        self.psw.ia = self.rel_target(op.imm);
        Ok(())
    }

    fn i_bctr(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let t = self.gpr[r2];
        self.gpr[r1] = self.gpr[r1].wrapping_sub(1);
        if self.gpr[r1] != 0 && op.r2 != 0 {
            self.branch(t);
        }
        Ok(())
    }

    fn i_bct(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let t = self.ea(op.x2, op.b2, op.d2);
        self.gpr[r1] = self.gpr[r1].wrapping_sub(1);
        if self.gpr[r1] != 0 {
            self.branch(t);
        }
        Ok(())
    }

    fn i_brct(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = self.gpr[r1].wrapping_sub(1);
        if self.gpr[r1] != 0 {
            self.psw.ia = self.rel_target(op.imm);
        }
        Ok(())
    }

    fn i_bxh(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let r3 = (op.r3 & 15) as usize;
        let t = match op.opcode {
            BXH | BXLE => self.ea(0, op.b2, op.d2),
            _ => self.rel_target(op.imm),
        };
        let incr = self.gpr[r3] as i32;
        let cmp = self.gpr[r3 | 1] as i32;
        let sum = (self.gpr[r1] as i32).wrapping_add(incr);
        self.gpr[r1] = sum as u32;
        let high = sum > cmp;
        if high == matches!(op.opcode, BXH | BRXH) {
            self.branch(t);
        }
        Ok(())
    }

    fn i_bsm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let t = self.gpr[r2];
        if op.r1 != 0 {
            let bit = if self.psw.amode31() { 0x8000_0000 } else { 0 };
            self.gpr[r1] = (self.gpr[r1] & 0x7FFF_FFFF) | bit;
        }
        if op.r2 != 0 {
            self.set_amode(t)?;
        }
        Ok(())
    }

    fn i_bassm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let t = self.gpr[r2];
        self.gpr[r1] = self.bas_link();
        if op.r2 != 0 {
            self.set_amode(t)?;
        }
        Ok(())
    }

    fn i_ipm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.gpr[r1] = (self.gpr[r1] & 0x00FF_FFFF)
            | ((self.psw.cc as u32) << 28)
            | ((self.psw.prog_mask as u32) << 24);
        Ok(())
    }

    fn i_spm(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        self.psw.cc = ((self.gpr[r1] >> 28) & 3) as u8;
        self.psw.prog_mask = ((self.gpr[r1] >> 24) & 15) as u8;
        Ok(())
    }

    fn i_svc(&mut self, op: &Op) -> Exec {
        if !self.svc_interrupt(op.imm as u8) {
            // The SVC new PSW is invalid: a specification exception in the new PSW.
            return Err(P::SPECIFICATION);
        }
        Err(STOP_BATCH)
    }

    fn i_mc(&mut self, op: &Op) -> Exec {
        if op.imm & 0xF0 != 0 {
            return Err(P::SPECIFICATION);
        }
        let class = op.imm as u32 & 15;
        if self.cr[8] & (0x8000 >> class) != 0 {
            let code = self.ea(0, op.b1, op.d1);
            self.write_low(super::low::MONITOR_CLASS, &[class as u8]);
            self.write_low(super::low::MONITOR_CODE, &code.to_be_bytes());
            return Err(P::MONITOR_EVENT);
        }
        Ok(())
    }

    fn i_ts(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        self.access(a, 1, true)?;
        let v = self.read_u8(a)?;
        self.write_u8(a, 0xFF)?;
        self.psw.cc = v >> 7;
        Ok(())
    }

    fn i_tam(&mut self, _op: &Op) -> Exec {
        self.psw.cc = if self.psw.amode31() { 1 } else { 0 };
        Ok(())
    }

    fn i_sam24(&mut self, _op: &Op) -> Exec {
        if self.psw.ia > 0x00FF_FFFF {
            return Err(P::SPECIFICATION);
        }
        self.psw.set_amode31(false);
        Ok(())
    }

    fn i_sam31(&mut self, _op: &Op) -> Exec {
        if self.arch != Arch::Esa390 {
            return Err(P::OPERATION);
        }
        self.psw.set_amode31(true);
        Ok(())
    }

    fn i_epsw(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        // EPSW comes with z/Architecture, whose PSW bits 32-63 hold only the basic-addressing
        // bit (bit 32); the instruction address is not part of them. Hercules 3.13 gives the
        // same in ESA/390 mode.
        let b = self.psw.to_bytes(self.arch);
        self.gpr[r1] = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        if op.r2 != 0 {
            self.gpr[r2] = if self.psw.amode31() { 0x8000_0000 } else { 0 };
        }
        Ok(())
    }

    fn i_stck(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let t = self.tod();
        self.write_u64(a, t)?;
        self.psw.cc = 0;
        Ok(())
    }

    fn i_stcke(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let t = self.tod();
        let mut b = [0u8; 16];
        b[1..9].copy_from_slice(&t.to_be_bytes());
        self.write_bytes(a, &b)?;
        self.psw.cc = 0;
        Ok(())
    }

    fn i_ear(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.gpr[r1] = self.ar[r2];
        Ok(())
    }

    fn i_sar(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.ar[r1] = self.gpr[r2];
        Ok(())
    }

    fn i_cpya(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        self.ar[r1] = self.ar[r2];
        Ok(())
    }

    fn i_lam(&mut self, op: &Op) -> Exec {
        let store = op.opcode == Opcode::STAM;
        for (r, at) in self.register_list(op, true, store)? {
            if store {
                self.write_u32(at, self.ar[r])?;
            } else {
                self.ar[r] = self.read_u32(at)?;
            }
        }
        Ok(())
    }

    fn i_lpsw(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        if a & 7 != 0 {
            return Err(P::SPECIFICATION);
        }
        let v = self.read_u64(a)?;
        self.load_psw(v.to_be_bytes())
    }

    fn i_ssm(&mut self, op: &Op) -> Exec {
        if self.arch == Arch::S370 && !self.psw.bc_mode(self.arch) && self.cr[0] & 0x4000_0000 != 0
        {
            return Err(P::SPECIAL_OPERATION);
        }
        let a = self.ea(0, op.b2, op.d2);
        let v = self.read_u8(a)?;
        if !self.psw.bc_mode(self.arch) && v & 0xB8 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.psw.mask = v;
        Err(STOP_BATCH)
    }

    fn i_stnsm(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let a = self.ea(0, op.b1, op.d1);
        self.write_u8(a, self.psw.mask)?;
        let i = op.imm as u8;
        let m = if op.opcode == STNSM {
            self.psw.mask & i
        } else {
            self.psw.mask | i
        };
        if !self.psw.bc_mode(self.arch) && m & 0xB8 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.psw.mask = m;
        Err(STOP_BATCH)
    }

    fn i_lctl(&mut self, op: &Op) -> Exec {
        for (r, at) in self.register_list(op, true, false)? {
            self.cr[r] = self.read_u32(at)?;
        }
        Err(STOP_BATCH)
    }

    fn i_stctl(&mut self, op: &Op) -> Exec {
        for (r, at) in self.register_list(op, true, true)? {
            self.write_u32(at, self.cr[r])?;
        }
        Ok(())
    }

    fn i_spka(&mut self, op: &Op) -> Exec {
        let k = ((self.ea(0, op.b2, op.d2) >> 4) & 15) as u8;
        // Semiprivileged: in problem state the PSW-key mask (CR3 bits 0-15) must allow it.
        if self.psw.problem_state() && self.cr[3] & (0x8000_0000 >> k) == 0 {
            return Err(P::PRIVILEGED);
        }
        self.psw.key = k;
        Ok(())
    }

    fn i_ipk(&mut self, _op: &Op) -> Exec {
        if self.psw.problem_state() && self.cr[0] & 0x0800_0000 == 0 {
            return Err(P::PRIVILEGED);
        }
        self.gpr[2] = (self.gpr[2] & 0xFFFF_FF00) | ((self.psw.key as u32) << 4);
        Ok(())
    }

    fn i_isk(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let a = self.gpr[r2] & self.psw.amask();
        let abs = self.mem.absolute(RealAddr(a));
        if !self.mem.contains(abs, 1) {
            return Err(P::ADDRESSING);
        }
        let k = self.mem.key(abs);
        self.gpr[r1] = (self.gpr[r1] & 0xFFFF_FF00) | (k & 0xFE) as u32;
        Ok(())
    }

    fn i_ssk(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let a = self.gpr[r2] & self.psw.amask();
        let abs = self.mem.absolute(RealAddr(a));
        if !self.mem.contains(abs, 1) {
            return Err(P::ADDRESSING);
        }
        let k = self.gpr[r1] as u8 & 0xFE;
        if op.opcode == SSKE {
            let frame = abs.0 & !0xFFF;
            self.mem.set_key(AbsAddr(frame), k);
            if self.mem.contains(AbsAddr(frame + 2048), 1) {
                self.mem.set_key(AbsAddr(frame + 2048), k);
            }
        } else {
            self.mem.set_key(abs, k);
        }
        Ok(())
    }

    fn i_ivsk(&mut self, op: &Op) -> Exec {
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let a = self.gpr[r2] & self.psw.amask();
        let abs = self.mem.absolute(RealAddr(a));
        if !self.mem.contains(abs, 1) {
            return Err(P::ADDRESSING);
        }
        self.gpr[r1] = (self.gpr[r1] & 0xFFFF_FF00) | (self.mem.key(abs) & 0xF8) as u32;
        Ok(())
    }

    fn i_rrbe(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let r2 = (op.r2 & 15) as usize;
        let a = if op.opcode == RRB {
            self.ea(0, op.b2, op.d2)
        } else {
            self.gpr[r2] & self.psw.amask()
        };
        let abs = self.mem.absolute(RealAddr(a));
        if !self.mem.contains(abs, 1) {
            return Err(P::ADDRESSING);
        }
        let k = self.mem.key(abs);
        self.psw.cc = (k >> 1) & 3;
        self.mem.set_key(abs, k & !crate::storage::key::REFERENCE);
        Ok(())
    }

    fn i_stidp(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        if a & 7 != 0 {
            return Err(P::SPECIFICATION);
        }
        // Version X'FF' says "running under a hypervisor" (SA22-7201 STIDP).
        self.write_u64(a, 0xFF00_0001_3090_0000)?;
        Ok(())
    }

    fn i_stap(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        if a & 1 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.write_u16(a, 0)?;
        Ok(())
    }

    fn i_spx(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        if a & 3 != 0 {
            return Err(P::SPECIFICATION);
        }
        let p = self.read_u32(a)? & 0x7FFF_F000;
        if !self.mem.contains(AbsAddr(p), 4096) {
            return Err(P::ADDRESSING);
        }
        self.mem.set_prefix(p);
        self.invalidate_all();
        Ok(())
    }

    fn i_stpx(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        if a & 3 != 0 {
            return Err(P::SPECIFICATION);
        }
        self.write_u32(a, self.mem.prefix())?;
        Ok(())
    }

    fn i_sck(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let v = self.read_u64(a)?;
        self.set_tod(v);
        self.psw.cc = 0;
        Ok(())
    }

    fn i_sckc(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        self.clock_comparator = self.read_u64(a)?;
        Err(STOP_BATCH)
    }

    fn i_stckc(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        self.write_u64(a, self.clock_comparator)?;
        Ok(())
    }

    fn i_spt(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let v = self.read_u64(a)? as i64;
        self.set_cpu_timer(v);
        Err(STOP_BATCH)
    }

    fn i_stpt(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let v = self.cpu_timer();
        self.write_u64(a, v as u64)?;
        Ok(())
    }

    fn i_tprot(&mut self, op: &Op) -> Exec {
        let a1 = self.ea(0, op.b1, op.d1);
        let k = ((self.ea(0, op.b2, op.d2) >> 4) & 15) as u8;
        let abs = self.mem.absolute(RealAddr(a1));
        if !self.mem.contains(abs, 1) {
            return Err(P::ADDRESSING);
        }
        let sk = self.mem.key(abs);
        let store_ok = k == 0 || sk >> 4 == k;
        let fetch_ok = store_ok || sk & crate::storage::key::FETCH == 0;
        self.psw.cc = match (store_ok, fetch_ok) {
            (true, _) => 0,
            (false, true) => 1,
            _ => 2,
        };
        Ok(())
    }

    fn i_sigp(&mut self, op: &Op) -> Exec {
        // One CPU: any order to another CPU address is "not operational".
        let cpu_addr = self.ea(0, op.b2, op.d2) & 0xFFFF;
        let _ = cpu_addr;
        self.psw.cc = 3;
        Ok(())
    }

    fn i_ptlb(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        if matches!(op.opcode, PGIN | PGOUT) {
            self.psw.cc = 3;
        }
        if op.opcode == CSP {
            return Err(P::OPERATION);
        }
        Ok(())
    }

    fn i_stfl(&mut self, _op: &Op) -> Exec {
        // Facility list at X'C8': N3 (ESA/390 mode) and z/Architecture installed bits off.
        self.write_low(0xC8, &[0x80, 0, 0, 0]);
        Ok(())
    }

    fn i_stidc(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let _ = a;
        self.psw.cc = 3;
        Ok(())
    }

    fn i_csch(&mut self, _op: &Op) -> Exec {
        // No channel subsystem devices behind this CPU: not operational.
        self.psw.cc = 3;
        Ok(())
    }

    fn i_tpi(&mut self, op: &Op) -> Exec {
        let a = self.ea(0, op.b2, op.d2);
        let _ = a;
        self.psw.cc = 0;
        Ok(())
    }

    /// Marks `n` bytes stored at effective address `ea` (possibly not contiguous).
    fn stored_range(&mut self, ea: u32, n: u32) {
        if (ea & 0xFFF) + n <= 0x1000 {
            let a = self.abs_of(ea, 0) as u32;
            self.stored(a, n);
        } else {
            for i in 0..n {
                let a = self.abs_of(ea, i) as u32;
                self.stored(a, 1);
            }
        }
    }

    /// Stores into the prefix area (interruption codes and the like).
    pub(crate) fn write_low(&mut self, real: u32, data: &[u8]) {
        let a = self.mem.absolute(RealAddr(real)).0 as usize;
        self.mem.bytes_mut()[a..a + data.len()].copy_from_slice(data);
        self.stored(a as u32, data.len() as u32);
    }

    fn set_amode(&mut self, t: u32) -> Exec {
        if self.arch == Arch::S370 {
            self.branch(t & 0x00FF_FFFF);
            return Ok(());
        }
        if t & 0x8000_0000 != 0 {
            self.psw.set_amode31(true);
            self.psw.ia = t & 0x7FFF_FFFF;
        } else {
            self.psw.set_amode31(false);
            self.psw.ia = t & 0x00FF_FFFF;
        }
        Ok(())
    }

    fn execute_ex(&mut self, sup: &mut dyn Supervisor, op: &Op) -> Exec {
        if self.in_execute {
            return Err(P::EXECUTE);
        }
        let a = self.ea(op.x2, op.b2, op.d2);
        if a & 1 != 0 {
            return Err(P::SPECIFICATION);
        }
        let mut bytes = [0u8; 6];
        bytes[0] = self.read_u8(a)?;
        let len = s390_decoder::instruction_length(bytes[0]) as u32;
        for i in 1..len {
            bytes[i as usize] = self.read_u8(a.wrapping_add(i) & self.psw.amask())?;
        }
        if op.r1 != 0 {
            bytes[1] |= self.gpr[(op.r1 & 15) as usize] as u8;
        }
        let mut target = Op::decode(self.arch, &bytes);
        // The run loop's fast branch handlers report a taken branch in their own way; the
        // target of EX runs with the general ones.
        target.handler = handler_for(target.opcode, target.invalid);
        if !target.invalid && target.opcode == Opcode::EX {
            return Err(P::EXECUTE);
        }
        let saved = self.cur_ia;
        self.cur_ia = a;
        self.in_execute = true;
        let r = self.execute(sup, &target);
        self.in_execute = false;
        self.cur_ia = saved;
        r
    }

    fn shift(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        let n = self.ea(0, op.b2, op.d2) & 63;
        let r1 = (op.r1 & 15) as usize;
        match op.opcode {
            SLL => self.gpr[r1] = if n >= 32 { 0 } else { self.gpr[r1] << n },
            SRL => self.gpr[r1] = if n >= 32 { 0 } else { self.gpr[r1] >> n },
            SRA => {
                let v = (self.gpr[r1] as i32) >> n.min(31);
                self.gpr[r1] = v as u32;
                self.psw.cc = cc_signed(v);
            }
            SLA => {
                let v = self.gpr[r1] as i32;
                let sign = v & i32::MIN;
                let mut overflow = false;
                let mut x = v;
                for _ in 0..n {
                    x <<= 1;
                    if (x & i32::MIN) != sign {
                        overflow = true;
                    }
                }
                let r = (x & i32::MAX) | sign;
                self.gpr[r1] = r as u32;
                return self.arith_result(r, overflow);
            }
            SLDL | SRDL | SLDA | SRDA => {
                let r1 = Self::even(op.r1)?;
                let v = self.pair(r1);
                match op.opcode {
                    SLDL => self.set_pair(r1, if n >= 64 { 0 } else { v << n }),
                    SRDL => self.set_pair(r1, if n >= 64 { 0 } else { v >> n }),
                    SRDA => {
                        let r = (v as i64) >> n.min(63);
                        self.set_pair(r1, r as u64);
                        self.psw.cc = match r {
                            0 => 0,
                            r if r < 0 => 1,
                            _ => 2,
                        };
                    }
                    _ => {
                        let v = v as i64;
                        let sign = v & i64::MIN;
                        let mut overflow = false;
                        let mut x = v;
                        for _ in 0..n {
                            x <<= 1;
                            if (x & i64::MIN) != sign {
                                overflow = true;
                            }
                        }
                        let r = (x & i64::MAX) | sign;
                        self.set_pair(r1, r as u64);
                        if overflow {
                            self.psw.cc = 3;
                            if self.psw.prog_mask & mask::FIXED_OVERFLOW != 0 {
                                return Err(P::FIXED_OVERFLOW);
                            }
                        } else {
                            self.psw.cc = match r {
                                0 => 0,
                                r if r < 0 => 1,
                                _ => 2,
                            };
                        }
                    }
                }
            }
            _ => unreachable!("shift called for {:?}", op.opcode),
        }
        Ok(())
    }

    /// Address from a register, in the addressing mode.
    fn reg_addr(&self, r: usize) -> u32 {
        self.gpr[r] & self.psw.amask()
    }

    fn set_reg_addr(&mut self, r: usize, a: u32) {
        if self.psw.amode31() {
            self.gpr[r] = a & 0x7FFF_FFFF;
        } else {
            self.gpr[r] = (self.gpr[r] & 0xFF00_0000) | (a & 0x00FF_FFFF);
        }
    }

    /// MVCL (SA22-7201 "MOVE LONG"). Completed in one execution.
    fn mvcl(&mut self, op: &Op) -> Exec {
        let r1 = Self::even(op.r1)?;
        let r2 = Self::even(op.r2)?;
        let mut d = self.reg_addr(r1);
        let mut dl = self.gpr[r1 + 1] & 0x00FF_FFFF;
        let mut s = self.reg_addr(r2);
        let mut sl = self.gpr[r2 + 1] & 0x00FF_FFFF;
        let pad = (self.gpr[r2 + 1] >> 24) as u8;
        self.psw.cc = cc_order(dl.cmp(&sl));
        // Destructive overlap: the destination starts inside the source that is moved.
        let moved = dl.min(sl);
        if moved > 1 && d > s && d < s.wrapping_add(moved) {
            self.psw.cc = 3;
            return Ok(());
        }
        let amask = self.psw.amask();
        while dl > 0 {
            let chunk = dl.min(0x1000 - (d & 0xFFF));
            let chunk = if sl > 0 {
                chunk.min(sl).min(0x1000 - (s & 0xFFF))
            } else {
                chunk
            };
            let mut buf = [0u8; 4096];
            let n = chunk as usize;
            if sl > 0 {
                self.read_bytes(s, &mut buf[..n])?;
            } else {
                buf[..n].fill(pad);
            }
            self.write_bytes(d, &buf[..n])?;
            d = d.wrapping_add(chunk) & amask;
            dl -= chunk;
            if sl > 0 {
                s = s.wrapping_add(chunk) & amask;
                sl -= chunk;
            }
            self.set_reg_addr(r1, d);
            self.gpr[r1 + 1] = (self.gpr[r1 + 1] & 0xFF00_0000) | dl;
            self.set_reg_addr(r2, s);
            self.gpr[r2 + 1] = (self.gpr[r2 + 1] & 0xFF00_0000) | sl;
        }
        Ok(())
    }

    /// CLCL (SA22-7201 "COMPARE LOGICAL LONG").
    fn clcl(&mut self, op: &Op) -> Exec {
        let r1 = Self::even(op.r1)?;
        let r2 = Self::even(op.r2)?;
        let mut a = self.reg_addr(r1);
        let mut al = self.gpr[r1 + 1] & 0x00FF_FFFF;
        let mut b = self.reg_addr(r2);
        let mut bl = self.gpr[r2 + 1] & 0x00FF_FFFF;
        let pad = (self.gpr[r2 + 1] >> 24) as u8;
        let amask = self.psw.amask();
        let mut cc = 0;
        while al > 0 || bl > 0 {
            let x = if al > 0 { self.read_u8(a)? } else { pad };
            let y = if bl > 0 { self.read_u8(b)? } else { pad };
            if x != y {
                cc = if x < y { 1 } else { 2 };
                break;
            }
            if al > 0 {
                a = a.wrapping_add(1) & amask;
                al -= 1;
            }
            if bl > 0 {
                b = b.wrapping_add(1) & amask;
                bl -= 1;
            }
        }
        self.set_reg_addr(r1, a);
        self.gpr[r1 + 1] = (self.gpr[r1 + 1] & 0xFF00_0000) | al;
        self.set_reg_addr(r2, b);
        self.gpr[r2 + 1] = (self.gpr[r2 + 1] & 0xFF00_0000) | bl;
        self.psw.cc = cc;
        Ok(())
    }

    /// MVST, CLST, SRST: the terminating character is in GR0 bits 24-31 (bits 0-23 must be
    /// zero). Completed in one execution.
    fn string_op(&mut self, op: &Op) -> Exec {
        if self.gpr[0] & 0xFFFF_FF00 != 0 {
            return Err(P::SPECIFICATION);
        }
        let end = self.gpr[0] as u8;
        let r1 = (op.r1 & 15) as usize;
        let r2 = (op.r2 & 15) as usize;
        let amask = self.psw.amask();
        match op.opcode {
            Opcode::MVST => {
                let mut d = self.reg_addr(r1);
                let mut s = self.reg_addr(r2);
                loop {
                    let c = self.read_u8(s)?;
                    self.write_u8(d, c)?;
                    if c == end {
                        self.set_reg_addr(r1, d);
                        self.psw.cc = 1;
                        return Ok(());
                    }
                    d = d.wrapping_add(1) & amask;
                    s = s.wrapping_add(1) & amask;
                }
            }
            Opcode::CLST => {
                let mut a = self.reg_addr(r1);
                let mut b = self.reg_addr(r2);
                loop {
                    let x = self.read_u8(a)?;
                    let y = self.read_u8(b)?;
                    if x == end && y == end {
                        self.psw.cc = 0;
                        return Ok(());
                    }
                    if x == end || y == end || x != y {
                        self.psw.cc = if x == end || (y != end && x < y) {
                            1
                        } else {
                            2
                        };
                        self.set_reg_addr(r1, a);
                        self.set_reg_addr(r2, b);
                        return Ok(());
                    }
                    a = a.wrapping_add(1) & amask;
                    b = b.wrapping_add(1) & amask;
                }
            }
            _ => {
                // SRST: search from R2 up to (not including) R1.
                let stop = self.reg_addr(r1);
                let mut a = self.reg_addr(r2);
                loop {
                    if a == stop {
                        self.psw.cc = 2;
                        return Ok(());
                    }
                    if self.read_u8(a)? == end {
                        self.set_reg_addr(r1, a);
                        self.psw.cc = 1;
                        return Ok(());
                    }
                    a = a.wrapping_add(1) & amask;
                }
            }
        }
    }

    /// CKSM (SA22-7201 "CHECKSUM"). Completed in one execution.
    fn checksum(&mut self, op: &Op) -> Exec {
        let r2 = Self::even(op.r2)?;
        let r1 = (op.r1 & 15) as usize;
        let mut a = self.reg_addr(r2);
        let mut len = self.gpr[r2 + 1];
        let mut sum = self.gpr[r1];
        let amask = self.psw.amask();
        while len > 0 {
            let mut w = [0u8; 4];
            let n = len.min(4) as usize;
            self.read_bytes(a, &mut w[..n])?;
            let (s, c) = sum.overflowing_add(u32::from_be_bytes(w));
            sum = s.wrapping_add(c as u32);
            a = a.wrapping_add(n as u32) & amask;
            len -= n as u32;
        }
        self.gpr[r1] = sum;
        self.set_reg_addr(r2, a);
        self.gpr[r2 + 1] = 0;
        self.psw.cc = 0;
        Ok(())
    }
}

/// An instruction's execution function.
pub type Handler = fn(&mut Cpu, &Op) -> Exec;

/// Returned by a handler when the instruction needs the supervisor.
pub(super) const NEEDS_SUPERVISOR: P = P(0xFFFE);

impl Cpu {
    fn i_supervised(&mut self, _op: &Op) -> Exec {
        Err(NEEDS_SUPERVISOR)
    }
    fn i_more(&mut self, op: &Op) -> Exec {
        if let Some(r) = self.execute_decimal(op) {
            return r;
        }
        if let Some(r) = self.execute_float(op) {
            return r;
        }
        if let Some(r) = self.execute_bfp(op) {
            return r;
        }
        Err(P::OPERATION)
    }
    fn i_invalid(&mut self, _op: &Op) -> Exec {
        Err(P::OPERATION)
    }
    /// A privileged instruction: the privileged-operation exception in problem state, else
    /// the instruction's own handler.
    fn i_privileged(&mut self, op: &Op) -> Exec {
        if self.psw.problem_state() {
            return Err(P::PRIVILEGED);
        }
        (handler_of(op.opcode))(self, op)
    }
}

impl Cpu {
    /// MVCK (SA22-7201 "MOVE WITH KEY"): up to 256 bytes of the true length in R1, the second
    /// operand fetched with the key in R3 bits 24-27; semiprivileged through the PSW-key mask.
    fn i_mvck(&mut self, op: &Op) -> Exec {
        let key = ((self.gpr[(op.r3 & 15) as usize] >> 4) & 15) as u8;
        if self.psw.problem_state() && self.cr[3] & (0x8000_0000 >> key) == 0 {
            return Err(P::PRIVILEGED);
        }
        let true_len = self.gpr[(op.r1 & 15) as usize];
        let n = true_len.min(256) as usize;
        let a1 = self.ea(0, op.b1, op.d1);
        let a2 = self.ea(0, op.b2, op.d2);
        if n > 0 {
            let mut buf = [0u8; 256];
            self.access(a1, n as u32, true)?;
            let psw_key = self.psw.key;
            self.psw.key = key;
            let fetched = self.read_bytes(a2, &mut buf[..n]);
            self.psw.key = psw_key;
            fetched?;
            self.write_bytes(a1, &buf[..n])?;
        }
        self.psw.cc = if true_len > 256 { 3 } else { 0 };
        Ok(())
    }
}

impl Cpu {
    /// MVCLE and CLCLE (SA22-7201 "MOVE LONG EXTENDED", "COMPARE LOGICAL LONG EXTENDED"):
    /// 32-bit lengths in R1+1 and R3+1, the pad byte from bits 24-31 of the second-operand
    /// address. Each execution processes at most to the next page boundary of either operand
    /// and sets CC 3 when bytes remain, so the program's BC 1 loop finishes the work (the
    /// "CPU-determined amount" the architecture allows).
    fn i_mvcle(&mut self, op: &Op) -> Exec {
        let r1 = Self::even(op.r1)?;
        let r3 = Self::even(op.r3)?;
        let pad = self.ea(0, op.b2, op.d2) as u8;
        let amask = self.psw.amask();
        let (a, al) = (self.reg_addr(r1), self.gpr[r1 + 1]);
        let (b, bl) = (self.reg_addr(r3), self.gpr[r3 + 1]);
        let compare = op.opcode == Opcode::CLCLE;
        let mut n = al.max(if compare { bl } else { 0 });
        n = n.min(0x1000 - (a & 0xFFF)).min(0x1000 - (b & 0xFFF));
        let mut done = 0u32;
        let mut cc = 0;
        while done < n {
            let (x_in, y_in) = (done < al, done < bl);
            let y = if y_in {
                self.read_u8(b.wrapping_add(done) & amask)?
            } else {
                pad
            };
            if compare {
                let x = if x_in {
                    self.read_u8(a.wrapping_add(done) & amask)?
                } else {
                    pad
                };
                if x != y {
                    cc = if x < y { 1 } else { 2 };
                    break;
                }
            } else {
                self.write_u8(a.wrapping_add(done) & amask, y)?;
            }
            done += 1;
        }
        let used_a = done.min(al);
        let used_b = done.min(bl);
        self.set_reg_addr(r1, a.wrapping_add(used_a) & amask);
        self.gpr[r1 + 1] = al - used_a;
        self.set_reg_addr(r3, b.wrapping_add(used_b) & amask);
        self.gpr[r3 + 1] = bl - used_b;
        let (al, bl) = (self.gpr[r1 + 1], self.gpr[r3 + 1]);
        self.psw.cc = if cc != 0 {
            cc
        } else if al > 0 || (compare && bl > 0) {
            3
        } else if compare {
            0
        } else {
            // MOVE LONG EXTENDED: the CC compares the original lengths.
            cc_order((al + used_a).cmp(&(bl + used_b)))
        };
        Ok(())
    }
}

/// The execution function of an opcode.
pub(super) fn handler_of(opcode: Opcode) -> Handler {
    use Opcode::*;
    match opcode {
        MVCLE | CLCLE => Cpu::i_mvcle,
        MVCK => Cpu::i_mvck,
        LR => Cpu::i_lr,
        L => Cpu::f_l,
        LH => Cpu::f_lh,
        LHI => Cpu::i_lhi,
        LA => Cpu::i_la,
        LAE => Cpu::i_lae,
        LARL => Cpu::i_larl,
        ST => Cpu::f_st,
        STH => Cpu::f_sth,
        STC => Cpu::f_stc,
        IC => Cpu::f_ic,
        LM => Cpu::i_lm,
        STM => Cpu::i_stm,
        ICM => Cpu::i_icm,
        STCM => Cpu::i_stcm,
        CLM => Cpu::i_clm,
        LTR => Cpu::i_ltr,
        LCR => Cpu::i_lcr,
        LNR => Cpu::i_lnr,
        LPR => Cpu::i_lpr,
        LRVR => Cpu::i_lrvr,
        LRV => Cpu::i_lrv,
        LRVH => Cpu::i_lrvh,
        STRV => Cpu::i_strv,
        STRVH => Cpu::i_strvh,
        AR => Cpu::i_ar,
        A => Cpu::f_a,
        AH => Cpu::i_ah,
        AHI => Cpu::i_ahi,
        SR => Cpu::i_sr,
        S => Cpu::f_s,
        SH => Cpu::i_sh,
        ALR => Cpu::i_alr,
        AL => Cpu::i_al,
        SLR => Cpu::i_slr,
        SL => Cpu::i_sl,
        ALCR | ALC => Cpu::i_alcr,
        SLBR | SLB => Cpu::i_slbr,
        MR | M => Cpu::i_mr,
        MH => Cpu::i_mh,
        MHI => Cpu::i_mhi,
        MSR => Cpu::i_msr,
        MS => Cpu::i_ms,
        MLR | ML => Cpu::i_mlr,
        DR | D => Cpu::i_dr,
        DLR | DL => Cpu::i_dlr,
        CR => Cpu::i_cr,
        C => Cpu::f_c,
        CH => Cpu::i_ch,
        CHI => Cpu::i_chi,
        CLR => Cpu::i_clr,
        CL => Cpu::f_cl,
        CLI => Cpu::f_cli,
        CLC => Cpu::i_clc,
        CS => Cpu::i_cs,
        CDS => Cpu::i_cds,
        NR => Cpu::i_nr,
        OR => Cpu::i_or,
        XR => Cpu::i_xr,
        N | O | X => Cpu::f_n,
        NI | OI | XI => Cpu::i_ni,
        NC | OC | XC => Cpu::i_nc,
        TM => Cpu::f_tm,
        TMLH | TMLL => Cpu::i_tmlh,
        MVI => Cpu::f_mvi,
        MVC => Cpu::i_mvc,
        MVN | MVZ => Cpu::i_mvn,
        MVCIN => Cpu::i_mvcin,
        MVCL => Cpu::i_mvcl,
        CLCL => Cpu::i_clcl,
        TR => Cpu::i_tr,
        TRT => Cpu::i_trt,
        MVST | CLST | SRST => Cpu::i_mvst,
        CKSM => Cpu::i_cksm,
        SLL | SRL | SLA | SRA | SLDL | SRDL | SLDA | SRDA => Cpu::i_sll,
        RLL => Cpu::i_rll,
        BCR => Cpu::i_bcr,
        BC => Cpu::i_bc,
        BRC => Cpu::i_brc,
        BRCL => Cpu::i_brcl,
        BALR | BASR => Cpu::i_balr,
        BAL | BAS => Cpu::i_bal,
        BRAS | BRASL => Cpu::i_bras,
        BCTR => Cpu::i_bctr,
        BCT => Cpu::i_bct,
        BRCT => Cpu::i_brct,
        BXH | BXLE | BRXH | BRXLE => Cpu::i_bxh,
        BSM => Cpu::i_bsm,
        BASSM => Cpu::i_bassm,
        IPM => Cpu::i_ipm,
        SPM => Cpu::i_spm,
        SVC => Cpu::i_svc,
        MC => Cpu::i_mc,
        TS => Cpu::i_ts,
        TAM => Cpu::i_tam,
        SAM24 => Cpu::i_sam24,
        SAM31 => Cpu::i_sam31,
        EPSW => Cpu::i_epsw,
        STCK => Cpu::i_stck,
        STCKE => Cpu::i_stcke,
        EAR => Cpu::i_ear,
        SAR => Cpu::i_sar,
        CPYA => Cpu::i_cpya,
        LAM | STAM => Cpu::i_lam,
        LPSW => Cpu::i_lpsw,
        SSM => Cpu::i_ssm,
        STNSM | STOSM => Cpu::i_stnsm,
        LCTL => Cpu::i_lctl,
        STCTL => Cpu::i_stctl,
        SPKA => Cpu::i_spka,
        IPK => Cpu::i_ipk,
        ISK | ISKE => Cpu::i_isk,
        SSK | SSKE => Cpu::i_ssk,
        IVSK => Cpu::i_ivsk,
        RRBE | RRB => Cpu::i_rrbe,
        STIDP => Cpu::i_stidp,
        STAP => Cpu::i_stap,
        SPX => Cpu::i_spx,
        STPX => Cpu::i_stpx,
        SCK => Cpu::i_sck,
        SCKC => Cpu::i_sckc,
        STCKC => Cpu::i_stckc,
        SPT => Cpu::i_spt,
        STPT => Cpu::i_stpt,
        TPROT => Cpu::i_tprot,
        SIGP => Cpu::i_sigp,
        PTLB | PALB | IPTE | CSP | PGIN | PGOUT => Cpu::i_ptlb,
        STFL => Cpu::i_stfl,
        STIDC => Cpu::i_stidc,
        CSCH | HSCH | MSCH | SSCH | STSCH | TSCH | RSCH | XSCH | RCHP | SCHM | SAL | STCRW
        | STCPS | CLRCH | CONCS | DISCS => Cpu::i_csch,
        TPI => Cpu::i_tpi,
        EX | DIAG | SIO | SIOF | TIO | CLRIO | HIO | HDV | TCH => Cpu::i_supervised,
        _ => Cpu::i_more,
    }
}

/// The handler stored in a predecoded instruction: privileged instructions go through the
/// privilege check, bytes that are no instruction give the operation exception.
pub(super) fn handler_for(opcode: Opcode, invalid: bool) -> Handler {
    if invalid {
        Cpu::i_invalid
    } else if opcode.info().privilege == Privilege::Privileged {
        Cpu::i_privileged
    } else {
        handler_of(opcode)
    }
}
