//! Fast paths of the most frequent storage instructions (load, store, arithmetic and logic
//! with a storage operand, the SI immediates).
//!
//! Each one forms the operand address and asks the access cache (`Storage::fast_fetch`,
//! `Storage::fast_store`) for the bytes; on a hit it finishes inline with no call, on a miss
//! it hands the whole instruction to the general handler in `exec.rs`, which does the full
//! prefixing, addressing and key-controlled protection checks (SA22-7201 section 3.4) and
//! raises the exception. The miss is a tail call with the same arguments, so the hit path
//! saves no registers. The results are those of the general handler: the differential tests
//! against Hercules run through these paths.

use s390_decoder::Opcode;

use super::exec::{cc_under_mask, Handler};
use super::{Cpu, Exec, Op, ProgramInterrupt};

impl Cpu {
    /// The RX second-operand address.
    #[inline(always)]
    fn rx_addr(&self, op: &Op) -> u32 {
        self.ea(op.x2, op.b2, op.d2)
    }

    /// The SI first-operand address.
    #[inline(always)]
    fn si_addr(&self, op: &Op) -> u32 {
        self.ea(0, op.b1, op.d1)
    }

    #[inline(always)]
    fn r1(&mut self, op: &Op) -> &mut u32 {
        &mut self.gpr[(op.r1 & 15) as usize]
    }

    /// After a store of at most 8 bytes through the access cache (so inside one key block):
    /// predecoded instructions in the bytes stored are forgotten (rarely any: one table
    /// lookup decides).
    #[inline(always)]
    fn stored_fast(&mut self, abs: u32, len: u32) -> Exec {
        self.icache.invalidate_small(abs, len);
        Ok(())
    }

    /// L: load.
    pub(super) fn f_l(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => {
                *self.r1(op) = u32::from_be_bytes(b);
                Ok(())
            }
            None => self.i_l(op),
        }
    }

    /// LH: load halfword.
    pub(super) fn f_lh(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<2>(self.rx_addr(op), self.psw.key) {
            Some(b) => {
                *self.r1(op) = i16::from_be_bytes(b) as i32 as u32;
                Ok(())
            }
            None => self.i_lh(op),
        }
    }

    /// IC: insert character.
    pub(super) fn f_ic(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<1>(self.rx_addr(op), self.psw.key) {
            Some([b]) => {
                let r = self.r1(op);
                *r = (*r & 0xFFFF_FF00) | b as u32;
                Ok(())
            }
            None => self.i_ic(op),
        }
    }

    /// ST: store.
    pub(super) fn f_st(&mut self, op: &Op) -> Exec {
        let v = *self.r1(op);
        match self
            .mem
            .fast_store::<4>(self.rx_addr(op), self.psw.key, v.to_be_bytes())
        {
            Some(abs) => self.stored_fast(abs, 4),
            None => self.i_st(op),
        }
    }

    /// STH: store halfword.
    pub(super) fn f_sth(&mut self, op: &Op) -> Exec {
        let v = *self.r1(op) as u16;
        match self
            .mem
            .fast_store::<2>(self.rx_addr(op), self.psw.key, v.to_be_bytes())
        {
            Some(abs) => self.stored_fast(abs, 2),
            None => self.i_sth(op),
        }
    }

    /// STC: store character.
    pub(super) fn f_stc(&mut self, op: &Op) -> Exec {
        let v = *self.r1(op) as u8;
        match self
            .mem
            .fast_store::<1>(self.rx_addr(op), self.psw.key, [v])
        {
            Some(abs) => self.stored_fast(abs, 1),
            None => self.i_stc(op),
        }
    }

    /// MVI: move immediate.
    pub(super) fn f_mvi(&mut self, op: &Op) -> Exec {
        match self
            .mem
            .fast_store::<1>(self.si_addr(op), self.psw.key, [op.imm as u8])
        {
            Some(abs) => self.stored_fast(abs, 1),
            None => self.i_mvi(op),
        }
    }

    /// CLI: compare logical immediate.
    pub(super) fn f_cli(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<1>(self.si_addr(op), self.psw.key) {
            Some([b]) => {
                self.compare_logical(b as u64, op.imm as u8 as u64);
                Ok(())
            }
            None => self.i_cli(op),
        }
    }

    /// TM: test under mask (CC 0 selected bits all zero or mask zero, 1 mixed, 3 all ones).
    pub(super) fn f_tm(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<1>(self.si_addr(op), self.psw.key) {
            Some([b]) => {
                let mask = op.imm as u8;
                self.psw.cc = cc_under_mask((b & mask) as u32, mask as u32);
                Ok(())
            }
            None => self.i_tm(op),
        }
    }

    /// C: compare.
    pub(super) fn f_c(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => {
                let r = self.gpr[(op.r1 & 15) as usize];
                self.compare_signed(r as i32, i32::from_be_bytes(b));
                Ok(())
            }
            None => self.i_c(op),
        }
    }

    /// CL: compare logical.
    pub(super) fn f_cl(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => {
                let r = self.gpr[(op.r1 & 15) as usize];
                self.compare_logical(r as u64, u32::from_be_bytes(b) as u64);
                Ok(())
            }
            None => self.i_cl(op),
        }
    }

    /// A: add.
    pub(super) fn f_a(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => self.add((op.r1 & 15) as usize, i32::from_be_bytes(b)),
            None => self.i_a(op),
        }
    }

    /// S: subtract.
    pub(super) fn f_s(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => self.sub((op.r1 & 15) as usize, i32::from_be_bytes(b)),
            None => self.i_s(op),
        }
    }

    /// N, O, X: and, or, exclusive or.
    pub(super) fn f_n(&mut self, op: &Op) -> Exec {
        match self.mem.fast_fetch::<4>(self.rx_addr(op), self.psw.key) {
            Some(b) => {
                self.logical((op.r1 & 15) as usize, op.opcode, u32::from_be_bytes(b));
                Ok(())
            }
            None => self.i_n(op),
        }
    }
}

/// The run loop's handler for a branch: on the taken path it puts the target in the PSW and
/// returns [`ProgramInterrupt::JUMPED`], so the loop calls it like a straight-line
/// instruction (having stored only the instruction's address) and the untaken path costs
/// nothing more than any other instruction; the link of BAL and BAS is formed from the
/// instruction's own address and length. None for other opcodes. The general handlers in
/// `exec.rs` keep the usual protocol (EX uses them).
pub(super) fn jump_handler_of(opcode: Opcode) -> Option<Handler> {
    use Opcode::*;
    Some(match opcode {
        BC => Cpu::j_bc,
        BCR => Cpu::j_bcr,
        BRC | BRCL => Cpu::j_brc,
        BCT => Cpu::j_bct,
        BCTR => Cpu::j_bctr,
        BRCT => Cpu::j_brct,
        BXH | BXLE | BRXH | BRXLE => Cpu::j_bxh,
        BALR | BASR => Cpu::j_balr,
        BAL | BAS => Cpu::j_bal,
        BRAS | BRASL => Cpu::j_bras,
        LARL => Cpu::j_larl,
        _ => return None,
    })
}

impl Cpu {
    /// Takes a branch to `target` (masked to the addressing mode).
    #[inline(always)]
    fn jump(&mut self, target: u32) -> Exec {
        self.psw.ia = target & self.psw.amask();
        Err(ProgramInterrupt::JUMPED)
    }

    /// The instruction's own address: the real page the run loop is in, and its offset.
    #[inline(always)]
    fn own_address(&self, op: &Op) -> u32 {
        self.cur_base | op.off as u32
    }

    /// The target of a relative branch: `halfwords` from the instruction's own address.
    #[inline(always)]
    fn relative(&self, op: &Op, halfwords: i32) -> u32 {
        self.own_address(op)
            .wrapping_add((halfwords as u32).wrapping_mul(2))
    }

    #[inline(always)]
    fn cc_selected(&self, mask: u8) -> bool {
        mask & (8 >> self.psw.cc) != 0
    }

    /// The link information of BAL, BALR (`bal`) or BAS, BASR, BRAS, BRASL: in 31-bit mode
    /// the address of the next instruction with bit 0 on; in 24-bit mode BAL's carries the
    /// ILC, CC and program mask in bits 0-7 (SA22-7201 "BRANCH AND LINK").
    #[inline(always)]
    fn link(&self, op: &Op, bal: bool) -> u32 {
        let next = self.own_address(op).wrapping_add(op.len as u32) & self.psw.amask();
        if self.psw.amode31() {
            0x8000_0000 | next
        } else if bal {
            ((op.len as u32 >> 1) << 30)
                | ((self.psw.cc as u32) << 28)
                | ((self.psw.prog_mask as u32) << 24)
                | (next & 0x00FF_FFFF)
        } else {
            next & 0x00FF_FFFF
        }
    }

    /// BALR, BASR: branch and link (R2 = 0: link only).
    fn j_balr(&mut self, op: &Op) -> Exec {
        let target = self.gpr[(op.r2 & 15) as usize];
        *self.r1(op) = self.link(op, op.opcode == Opcode::BALR);
        if op.r2 != 0 {
            return self.jump(target);
        }
        Ok(())
    }

    /// BAL, BAS: branch and link.
    fn j_bal(&mut self, op: &Op) -> Exec {
        let target = self.rx_addr(op);
        *self.r1(op) = self.link(op, op.opcode == Opcode::BAL);
        self.jump(target)
    }

    /// BRAS, BRASL: branch relative and save.
    fn j_bras(&mut self, op: &Op) -> Exec {
        *self.r1(op) = self.link(op, false);
        self.jump(self.relative(op, op.imm))
    }

    /// LARL: load address relative long (not a branch, but relative to its own address).
    fn j_larl(&mut self, op: &Op) -> Exec {
        let a = self.relative(op, op.imm) & self.psw.amask();
        *self.r1(op) = a;
        Ok(())
    }

    /// BC: branch on condition.
    fn j_bc(&mut self, op: &Op) -> Exec {
        if self.cc_selected(op.r1) {
            return self.jump(self.rx_addr(op));
        }
        Ok(())
    }

    /// BCR: branch on condition to the address in R2 (R2 = 0: no branch).
    fn j_bcr(&mut self, op: &Op) -> Exec {
        if self.cc_selected(op.r1) && op.r2 != 0 {
            return self.jump(self.gpr[(op.r2 & 15) as usize]);
        }
        Ok(())
    }

    /// BRC, BRCL: branch relative on condition.
    fn j_brc(&mut self, op: &Op) -> Exec {
        if self.cc_selected(op.r1) {
            return self.jump(self.relative(op, op.imm));
        }
        Ok(())
    }

    /// BCT: branch on count.
    fn j_bct(&mut self, op: &Op) -> Exec {
        let target = self.rx_addr(op);
        let r = self.r1(op);
        *r = r.wrapping_sub(1);
        if *r != 0 {
            return self.jump(target);
        }
        Ok(())
    }

    /// BCTR: branch on count to the address in R2 (R2 = 0: count only).
    fn j_bctr(&mut self, op: &Op) -> Exec {
        let target = self.gpr[(op.r2 & 15) as usize];
        let r = self.r1(op);
        *r = r.wrapping_sub(1);
        if *r != 0 && op.r2 != 0 {
            return self.jump(target);
        }
        Ok(())
    }

    /// BRCT: branch relative on count.
    fn j_brct(&mut self, op: &Op) -> Exec {
        let r = self.r1(op);
        *r = r.wrapping_sub(1);
        if *r != 0 {
            return self.jump(self.relative(op, op.imm));
        }
        Ok(())
    }

    /// BXH, BXLE, BRXH, BRXLE: branch on index high / low or equal. The comparand is the
    /// odd register of the R3 pair, read before R1 is updated.
    fn j_bxh(&mut self, op: &Op) -> Exec {
        let target = match op.opcode {
            Opcode::BXH | Opcode::BXLE => self.ea(0, op.b2, op.d2),
            _ => self.relative(op, op.imm),
        };
        let r3 = (op.r3 & 15) as usize;
        let incr = self.gpr[r3] as i32;
        let cmp = self.gpr[r3 | 1] as i32;
        let sum = (*self.r1(op) as i32).wrapping_add(incr);
        *self.r1(op) = sum as u32;
        let high = sum > cmp;
        if high == matches!(op.opcode, Opcode::BXH | Opcode::BRXH) {
            return self.jump(target);
        }
        Ok(())
    }
}
