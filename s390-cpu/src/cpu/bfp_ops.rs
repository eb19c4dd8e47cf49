//! The binary-floating-point instructions and the floating-point-support instructions of
//! the FPC register: operand access, the AFP-register control, the FPC masks, flags and
//! data-exception code around the arithmetic in [`super::bfp`] (SA22-7201 chapter 19,
//! "Binary-Floating-Point Instructions", and chapter 9, "Floating-Point-Support
//! Instructions").
//!
//! The FPC register: byte 0 the IEEE masks (invalid, divide by zero, overflow, underflow,
//! inexact in bits 0-4), byte 1 the IEEE flags in the same order, byte 2 the data-exception
//! code, bits 30-31 the BFP rounding mode; every other bit is zero and loading one with
//! SFPC or LFPC is a specification exception.
//!
//! Every instruction here needs the AFP-register control (CR0 bit 13): without it it is a
//! data exception with DXC 2 ("BFP instruction"). An IEEE exception whose mask bit is one
//! is a data exception with the DXC naming it: invalid operation (DXC X'80') and division
//! by zero (X'40') suppress the instruction; overflow (X'20'), underflow (X'10') and inexact
//! (X'08') complete it first, overflow and underflow with the exponent-adjusted result, and
//! the DXC says whether that result is inexact (X'08') and incremented (X'04').

use s390_decoder::Opcode;

use super::bfp::{self, flag, Format, Res, Rounding, EXT, LONG, SHORT};
use super::{Cpu, Exec, Op, ProgramInterrupt as P};

/// CR0 bit 13: AFP-register control.
const CR0_AFP: u32 = 0x0004_0000;
/// The FPC bits that may be one (SA22-7201 "Floating-Point-Control Register").
pub const FPC_VALID: u32 = 0xF8F8_FF03;
/// DXC 2: BFP instruction without the AFP-register control.
const DXC_BFP_INSTRUCTION: u8 = 2;

/// Marker: the opcode is not a BFP instruction.
const NOT_BFP: P = P(0xFFFC);

impl Cpu {
    fn bfp_allowed(&mut self) -> Exec {
        if self.cr[0] & CR0_AFP == 0 {
            self.dxc = DXC_BFP_INSTRUCTION;
            return Err(P::DATA);
        }
        Ok(())
    }
    /// The rounding method: the FPC's, or the M3 field's when nonzero (SA22-7201
    /// "Rounding methods": 1 nearest with ties away from zero, 4 nearest even, 5 toward 0,
    /// 6 toward +infinity, 7 toward -infinity; any other value is a specification exception).
    fn bfp_rounding(&self, m3: u8) -> Result<Rounding, P> {
        Ok(match m3 {
            0 => Rounding::from_fpc(self.fpc),
            1 => Rounding::NearestAway,
            4 => Rounding::NearestEven,
            5 => Rounding::TowardZero,
            6 => Rounding::TowardPlus,
            7 => Rounding::TowardMinus,
            _ => return Err(P::SPECIFICATION),
        })
    }
    fn bfp_get(&self, f: Format, r: u8) -> u128 {
        let r = (r & 15) as usize;
        match f.frac {
            23 => (self.fpr[r] >> 32) as u128,
            52 => self.fpr[r] as u128,
            _ => (self.fpr[r] as u128) << 64 | self.fpr[(r + 2) & 15] as u128,
        }
    }
    fn bfp_set(&mut self, f: Format, r: u8, v: u128) {
        let r = (r & 15) as usize;
        match f.frac {
            23 => self.fpr[r] = (self.fpr[r] & 0xFFFF_FFFF) | (v as u64) << 32,
            52 => self.fpr[r] = v as u64,
            _ => {
                self.fpr[r] = (v >> 64) as u64;
                self.fpr[r + 2] = v as u64;
            }
        }
    }
    /// An extended operand's register: 0, 1, 4, 5, 8, 9, 12 or 13.
    fn bfp_pair(r: u8) -> Result<(), P> {
        if r & 2 != 0 {
            return Err(P::SPECIFICATION);
        }
        Ok(())
    }
    /// The second operand of an RXE instruction of format `f` (short or long).
    fn bfp_storage(&mut self, f: Format, op: &Op) -> Result<u128, P> {
        let a = self.ea(op.x2, op.b2, op.d2);
        Ok(if f == SHORT {
            self.read_u32(a)? as u128
        } else {
            self.read_u64(a)? as u128
        })
    }

    /// Applies the FPC masks to `r`: stores the result with `store` (the scaled one for a
    /// trapped overflow or underflow), sets the CC from it when `cc`, sets the flags, and
    /// raises the data exception an enabled IEEE exception calls for.
    fn bfp_finish(&mut self, f: Format, r: Res, cc: bool, r1: u8) -> Exec {
        self.bfp_apply(r, |c, v| {
            c.bfp_set(f, r1, v);
            if cc {
                c.psw.cc = bfp::result_cc(f, v);
            }
        })
    }

    fn bfp_apply(&mut self, r: Res, store: impl FnOnce(&mut Cpu, u128)) -> Exec {
        let masks = (self.fpc >> 24) as u8;
        let inexact_dxc = |inexact: bool, incremented: bool| -> u8 {
            if !inexact {
                0
            } else if incremented {
                0x0C
            } else {
                0x08
            }
        };
        if r.special != 0 {
            if masks & r.special != 0 {
                self.dxc = r.special;
                return Err(P::DATA);
            }
            self.fpc |= (r.special as u32) << 16;
            if !r.inexact {
                store(self, r.value);
                return Ok(());
            }
            // CONVERT TO FIXED: an untrapped invalid operation is inexact too.
        }
        if r.overflow || r.tiny {
            let (bit, dxc) = if r.overflow {
                (flag::OVERFLOW, 0x20)
            } else {
                (flag::UNDERFLOW, 0x10)
            };
            if masks & bit != 0 {
                store(self, r.scaled);
                self.dxc = dxc | inexact_dxc(r.scaled_inexact, r.scaled_incremented);
                return Err(P::DATA);
            }
            if r.inexact {
                self.fpc |= (bit as u32) << 16;
            }
        }
        store(self, r.value);
        if r.inexact {
            if masks & flag::INEXACT != 0 {
                self.dxc = inexact_dxc(true, r.incremented);
                return Err(P::DATA);
            }
            self.fpc |= (flag::INEXACT as u32) << 16;
        }
        Ok(())
    }

    /// Executes a BFP or FPC instruction; None if `op` is not one.
    pub(super) fn execute_bfp(&mut self, op: &Op) -> Option<Exec> {
        let r = self.bfp_instruction(op);
        if r == Err(NOT_BFP) {
            None
        } else {
            Some(r)
        }
    }

    fn bfp_instruction(&mut self, op: &Op) -> Exec {
        use Opcode::*;
        // The operand format: the letter before the final "B" or "BR" (E, D, X); the
        // instructions with two formats say theirs below.
        let fmt_of = |o: Opcode| -> Format {
            let name = o.info().mnemonic;
            let name = name.strip_suffix('R').unwrap_or(name);
            let name = name.strip_suffix('B').unwrap_or(name);
            match name.chars().last() {
                Some('X') => EXT,
                Some('D') => LONG,
                _ => SHORT,
            }
        };
        let f = fmt_of(op.opcode);
        match op.opcode {
            // ---- FPC
            SFPC | EFPC | STFPC | LFPC | SRNM => {
                self.bfp_allowed()?;
                match op.opcode {
                    SFPC => {
                        let v = self.gpr[(op.r1 & 15) as usize];
                        if v & !FPC_VALID != 0 {
                            return Err(P::SPECIFICATION);
                        }
                        self.fpc = v;
                    }
                    EFPC => self.gpr[(op.r1 & 15) as usize] = self.fpc,
                    STFPC => {
                        let a = self.ea(0, op.b2, op.d2);
                        self.write_u32(a, self.fpc)?;
                    }
                    LFPC => {
                        let a = self.ea(0, op.b2, op.d2);
                        let v = self.read_u32(a)?;
                        if v & !FPC_VALID != 0 {
                            return Err(P::SPECIFICATION);
                        }
                        self.fpc = v;
                    }
                    _ => {
                        let a = self.ea(0, op.b2, op.d2);
                        self.fpc = (self.fpc & !3) | (a & 3);
                    }
                }
                Ok(())
            }
            // ---- sign and test
            LPEBR | LNEBR | LCEBR | LPDBR | LNDBR | LCDBR | LPXBR | LNXBR | LCXBR => {
                self.bfp_allowed()?;
                if f == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let v = self.bfp_get(f, op.r2);
                let name = op.opcode.info().mnemonic;
                let neg = match &name[..2] {
                    "LP" => false,
                    "LN" => true,
                    _ => !f.negative(v),
                };
                let v = f.with_sign(v, neg);
                self.bfp_set(f, op.r1, v);
                self.psw.cc = bfp::result_cc(f, v);
                Ok(())
            }
            LTEBR | LTDBR | LTXBR => {
                self.bfp_allowed()?;
                if f == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let v = self.bfp_get(f, op.r2);
                let r = bfp::convert(f, f, v, Rounding::NearestEven);
                let r = if f.class(v) == bfp::Class::SNaN || f.class(v) == bfp::Class::QNaN {
                    r
                } else {
                    Res {
                        value: v,
                        ..Res::default()
                    }
                };
                self.bfp_finish(f, r, true, op.r1)
            }
            // ---- lengthen and round
            LDEBR | LXDBR | LXEBR | LDEB | LXDB | LXEB | LEDBR | LDXBR | LEXBR => {
                self.bfp_allowed()?;
                let (from, to) = match op.opcode {
                    LDEBR | LDEB => (SHORT, LONG),
                    LXDBR | LXDB => (LONG, EXT),
                    LXEBR | LXEB => (SHORT, EXT),
                    LEDBR => (LONG, SHORT),
                    LDXBR => (EXT, LONG),
                    _ => (EXT, SHORT),
                };
                // LDXBR and LEXBR name pairs in both fields, though the result is the left
                // register only (as GNU as and Hercules 3.13 check them).
                if to == EXT {
                    Self::bfp_pair(op.r1)?;
                }
                if from == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let v = if matches!(op.opcode, LDEB | LXDB | LXEB) {
                    self.bfp_storage(from, op)?
                } else {
                    self.bfp_get(from, op.r2)
                };
                let r = bfp::convert(from, to, v, Rounding::from_fpc(self.fpc));
                self.bfp_finish(to, r, false, op.r1)
            }
            // ---- add, subtract, compare
            AEBR | SEBR | ADBR | SDBR | AXBR | SXBR | AEB | SEB | ADB | SDB | CEBR | KEBR
            | CDBR | KDBR | CXBR | KXBR | CEB | KEB | CDB | KDB => {
                self.bfp_allowed()?;
                if f == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let a = self.bfp_get(f, op.r1);
                let b = if matches!(op.opcode, AEB | SEB | ADB | SDB | CEB | KEB | CDB | KDB) {
                    self.bfp_storage(f, op)?
                } else {
                    self.bfp_get(f, op.r2)
                };
                let name = op.opcode.info().mnemonic;
                if name.starts_with('C') || name.starts_with('K') {
                    let (cc, invalid) = bfp::compare(f, a, b, name.starts_with('K'));
                    let r = Res {
                        special: if invalid { flag::INVALID } else { 0 },
                        ..Res::default()
                    };
                    return self.bfp_apply(r, |c, _| c.psw.cc = cc);
                }
                let r = bfp::add(f, a, b, name.starts_with('S'), Rounding::from_fpc(self.fpc));
                self.bfp_finish(f, r, true, op.r1)
            }
            // ---- multiply, divide
            MEEBR | MDBR | MXBR | MEEB | MDB | MDEBR | MXDBR | MDEB | MXDB | DEBR | DDBR | DXBR
            | DEB | DDB => {
                self.bfp_allowed()?;
                let (from, to) = match op.opcode {
                    MDEBR | MDEB => (SHORT, LONG),
                    MXDBR | MXDB => (LONG, EXT),
                    MEEBR | MEEB | DEBR | DEB => (SHORT, SHORT),
                    MDBR | MDB | DDBR | DDB => (LONG, LONG),
                    _ => (EXT, EXT),
                };
                if to == EXT {
                    Self::bfp_pair(op.r1)?;
                }
                if from == EXT {
                    Self::bfp_pair(op.r2)?;
                }
                let a = self.bfp_get(from, op.r1);
                let b = if matches!(op.opcode, MEEB | MDB | MDEB | MXDB | DEB | DDB) {
                    self.bfp_storage(from, op)?
                } else {
                    self.bfp_get(from, op.r2)
                };
                let mode = Rounding::from_fpc(self.fpc);
                let r = if op.opcode.info().mnemonic.starts_with('D') {
                    bfp::divide(from, a, b, mode)
                } else {
                    bfp::multiply(from, to, a, b, mode)
                };
                self.bfp_finish(to, r, false, op.r1)
            }
            // ---- multiply and add / subtract: op1 = op3 * op2 +- op1
            MAEBR | MSEBR | MADBR | MSDBR | MAEB | MSEB | MADB | MSDB => {
                self.bfp_allowed()?;
                let a = self.bfp_get(f, op.r1);
                let c = self.bfp_get(f, op.r3);
                let b = if matches!(op.opcode, MAEB | MSEB | MADB | MSDB) {
                    self.bfp_storage(f, op)?
                } else {
                    self.bfp_get(f, op.r2)
                };
                let subtract = op.opcode.info().mnemonic.starts_with("MS");
                let r = bfp::multiply_add(f, a, b, c, subtract, Rounding::from_fpc(self.fpc));
                self.bfp_finish(f, r, false, op.r1)
            }
            // ---- square root, load FP integer
            SQEBR | SQDBR | SQXBR | SQEB | SQDB => {
                self.bfp_allowed()?;
                if f == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let v = if matches!(op.opcode, SQEB | SQDB) {
                    self.bfp_storage(f, op)?
                } else {
                    self.bfp_get(f, op.r2)
                };
                let r = bfp::sqrt(f, v, Rounding::from_fpc(self.fpc));
                self.bfp_finish(f, r, false, op.r1)
            }
            FIEBR | FIDBR | FIXBR => {
                self.bfp_allowed()?;
                let f = match op.opcode {
                    FIEBR => SHORT,
                    FIDBR => LONG,
                    _ => EXT,
                };
                if f == EXT {
                    Self::bfp_pair(op.r1 | op.r2)?;
                }
                let mode = self.bfp_rounding(op.r3)?;
                let v = self.bfp_get(f, op.r2);
                let r = bfp::round_to_integer(f, v, mode);
                self.bfp_finish(f, r, false, op.r1)
            }
            // ---- conversions with fixed point
            CEFBR | CDFBR | CXFBR => {
                self.bfp_allowed()?;
                let f = match op.opcode {
                    CEFBR => SHORT,
                    CDFBR => LONG,
                    _ => EXT,
                };
                if f == EXT {
                    Self::bfp_pair(op.r1)?;
                }
                let v = self.gpr[(op.r2 & 15) as usize] as i32;
                let r = bfp::from_fixed(f, v, Rounding::from_fpc(self.fpc));
                self.bfp_finish(f, r, false, op.r1)
            }
            CFEBR | CFDBR | CFXBR => {
                self.bfp_allowed()?;
                let f = match op.opcode {
                    CFEBR => SHORT,
                    CFDBR => LONG,
                    _ => EXT,
                };
                if f == EXT {
                    Self::bfp_pair(op.r2)?;
                }
                let mode = self.bfp_rounding(op.r3)?;
                let v = self.bfp_get(f, op.r2);
                let (value, cc, r) = bfp::to_fixed(f, v, mode);
                let r1 = (op.r1 & 15) as usize;
                self.bfp_apply(r, |c, _| {
                    c.gpr[r1] = value;
                    c.psw.cc = cc;
                })
            }
            // ---- test data class
            TCEB | TCDB | TCXB => {
                self.bfp_allowed()?;
                if f == EXT {
                    Self::bfp_pair(op.r1)?;
                }
                let mask = self.ea(op.x2, op.b2, op.d2) & 0xFFF;
                let v = self.bfp_get(f, op.r1);
                self.psw.cc = (mask & bfp::class_mask_bit(f, v) != 0) as u8;
                Ok(())
            }
            // ---- divide to integer: R1 remainder, R3 quotient, M4 the quotient's rounding
            DIEBR | DIDBR => {
                self.bfp_allowed()?;
                let f = if op.opcode == DIEBR { SHORT } else { LONG };
                let (r1, r2, r3) = (op.r1 & 15, op.r2 & 15, op.r3 & 15);
                if r1 == r2 || r1 == r3 || r2 == r3 {
                    return Err(P::SPECIFICATION);
                }
                let mode = self.bfp_rounding(op.x2)?;
                let (a, b) = (self.bfp_get(f, r1), self.bfp_get(f, r2));
                let fpc_mode = Rounding::from_fpc(self.fpc);
                let (rem, quotient, cc) = bfp::divide_to_integer(f, a, b, mode, fpc_mode);
                self.bfp_apply(rem, |c, v| {
                    c.bfp_set(f, r1, v);
                    c.bfp_set(f, r3, quotient);
                    c.psw.cc = cc;
                })
            }
            // ---- HFP <-> BFP: floating-point-support instructions, register checks as HFP
            THDER | THDR => {
                let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                let f = if op.opcode == THDER { SHORT } else { LONG };
                let (v, cc) = bfp::to_hfp(f, self.bfp_get(f, r2 as u8));
                self.fpr[r1] = v;
                self.psw.cc = cc;
                Ok(())
            }
            TBEDR | TBDR => {
                let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                let f = if op.opcode == TBEDR { SHORT } else { LONG };
                let mode = self.bfp_rounding(op.r3)?;
                let (v, cc) = bfp::from_hfp(f, self.fpr[r2], mode);
                self.bfp_set(f, r1 as u8, v);
                self.psw.cc = cc;
                Ok(())
            }
            _ => Err(NOT_BFP),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::{NoSupervisor, Psw, Stop};
    use crate::storage::{AbsAddr, Storage};
    use s390_decoder::Arch;

    const CHECKED: u32 = 0x0DEA;

    /// An ESA/390 CPU that runs the instructions of `code` at X'1000' and stops after them;
    /// a program interruption loads a disabled-wait PSW at X'0DEA'. `setup` runs before.
    fn run(code: &[u8], afp: bool, setup: impl FnOnce(&mut Cpu)) -> Cpu {
        let mut cpu = Cpu::new(Arch::Esa390, Storage::new(64 * 1024).unwrap());
        let psw = |ia: u32, wait: bool| -> [u8; 8] {
            let mut p = [0, if wait { 0x0A } else { 0x08 }, 0, 0, 0, 0, 0, 0];
            p[4..].copy_from_slice(&ia.to_be_bytes());
            p
        };
        cpu.psw = Psw::from_bytes(Arch::Esa390, psw(0x1000, false)).0;
        cpu.mem.load(AbsAddr(0x68), &psw(CHECKED, true)).unwrap();
        cpu.mem.load(AbsAddr(0x1000), code).unwrap();
        let (mut n, mut at) = (0, 0);
        while at < code.len() {
            at += [2, 4, 4, 6][(code[at] >> 6) as usize];
            n += 1;
        }
        if afp {
            cpu.cr[0] |= CR0_AFP;
        }
        setup(&mut cpu);
        let stop = cpu.run(&mut NoSupervisor, n);
        if cpu.psw.ia != CHECKED {
            assert_eq!(
                (stop, cpu.psw.ia),
                (Stop::InstructionLimit, 0x1000 + at as u32)
            );
        }
        cpu
    }
    /// The program-interruption code and the DXC at X'93', or None when none was taken.
    fn check(cpu: &Cpu) -> Option<(u16, u8)> {
        if cpu.psw.ia != CHECKED {
            return None;
        }
        Some((cpu.mem.read_u16(AbsAddr(0x8E)), cpu.mem.bytes()[0x93]))
    }
    fn short(v: f32) -> u64 {
        (v.to_bits() as u64) << 32
    }

    /// Without the AFP-register control every BFP and FPC instruction is a data exception
    /// with DXC 2; with it, they run.
    #[test]
    fn afp_register_control() {
        for code in [
            &[0xB3, 0x0A, 0x00, 0x12][..], // AEBR 1,2
            &[0xB3, 0x8C, 0x00, 0x10],     // EFPC 1
            &[0xB2, 0x99, 0x00, 0x01],     // SRNM 1
        ] {
            let cpu = run(code, false, |_| {});
            assert_eq!(check(&cpu), Some((7, 2)), "{code:02X?}");
            let cpu = run(code, true, |_| {});
            assert_eq!(check(&cpu), None, "{code:02X?}");
        }
    }

    /// SFPC, EFPC, LFPC, STFPC, SRNM; reserved FPC bits are a specification exception.
    #[test]
    fn fpc_instructions() {
        // SFPC 1; SRNM 3; EFPC 2; STFPC X'800'; LFPC X'804'
        let code = [
            0xB3, 0x84, 0x00, 0x10, 0xB2, 0x99, 0x00, 0x03, 0xB3, 0x8C, 0x00, 0x20, 0xB2, 0x9C,
            0x08, 0x00, 0xB2, 0x9D, 0x08, 0x04,
        ];
        let cpu = run(&code, true, |c| {
            c.gpr[1] = 0xF800_0001;
            c.mem.write_u32(AbsAddr(0x804), 0x0008_0002);
        });
        assert_eq!(check(&cpu), None);
        assert_eq!(cpu.gpr[2], 0xF800_0003);
        assert_eq!(cpu.mem.read_u32(AbsAddr(0x800)), 0xF800_0003);
        assert_eq!(cpu.fpc, 0x0008_0002);
        for bad in [0x0400_0000u32, 0x0000_0004, 0x0000_0080] {
            let cpu = run(&code[..4], true, |c| c.gpr[1] = bad);
            assert_eq!(check(&cpu).map(|c| c.0), Some(6), "{bad:08X}");
            assert_eq!(cpu.fpc, 0);
        }
    }

    /// AEBR/ADB/AXBR with their CCs; the rounding mode comes from the FPC.
    #[test]
    fn add_and_rounding_mode() {
        // AEBR 1,2
        let cpu = run(&[0xB3, 0x0A, 0x00, 0x12], true, |c| {
            c.fpr[1] = short(1.5);
            c.fpr[2] = short(-4.0);
        });
        assert_eq!((cpu.fpr[1] >> 32) as u32, (-2.5f32).to_bits());
        assert_eq!(cpu.psw.cc, 1);
        // ADB 0,X'800' with 1 + 2^-60, rounding toward +infinity (FPC 2) and nearest.
        for (fpc, want) in [(2u32, 1.0 + f64::EPSILON), (0, 1.0)] {
            let cpu = run(&[0xED, 0x00, 0x08, 0x00, 0x00, 0x1A], true, |c| {
                c.fpc = fpc;
                c.fpr[0] = 1f64.to_bits();
                c.mem.write_u64(AbsAddr(0x800), 2f64.powi(-60).to_bits());
            });
            assert_eq!(check(&cpu), None);
            assert_eq!(cpu.fpr[0], want.to_bits());
            assert_eq!(cpu.fpc & 0x0008_0000, 0x0008_0000, "inexact flag");
        }
        // AXBR 1,4 on a pair that is not one: specification exception.
        let cpu = run(&[0xB3, 0x4A, 0x00, 0x14], true, |_| {});
        assert!(check(&cpu).is_none()); // 1 and 4 are valid pairs
        let cpu = run(&[0xB3, 0x4A, 0x00, 0x12], true, |_| {});
        assert_eq!(check(&cpu).map(|c| c.0), Some(6));
    }

    /// IEEE exceptions: flags when masked off, a data exception with the DXC (at X'93' and
    /// in the FPC) when on: suppressing for invalid and divide by zero, completing with the
    /// scaled result for overflow and underflow, with the rounded result for inexact.
    #[test]
    fn ieee_traps_and_flags() {
        let ddbr = [0xB3, 0x1D, 0x00, 0x12]; // DDBR 1,2
        let setup = |fpc: u32, a: f64, b: f64| {
            move |c: &mut Cpu| {
                c.fpc = fpc;
                c.fpr[1] = a.to_bits();
                c.fpr[2] = b.to_bits();
            }
        };
        // Divide by zero, masked off: infinity and the flag.
        let cpu = run(&ddbr, true, setup(0, 1.0, 0.0));
        assert_eq!(check(&cpu), None);
        assert_eq!(cpu.fpr[1], f64::INFINITY.to_bits());
        assert_eq!(cpu.fpc, 0x0040_0000);
        // Enabled: suppressed, DXC X'40'.
        let cpu = run(&ddbr, true, setup(0x4000_0000, 1.0, 0.0));
        assert_eq!(check(&cpu), Some((7, 0x40)));
        assert_eq!(cpu.fpr[1], 1f64.to_bits());
        assert_eq!(cpu.fpc, 0x4000_4000);
        // Invalid 0/0 enabled: suppressed, DXC X'80'; masked off: default NaN.
        let cpu = run(&ddbr, true, setup(0x8000_0000, 0.0, 0.0));
        assert_eq!(check(&cpu), Some((7, 0x80)));
        let cpu = run(&ddbr, true, setup(0, 0.0, 0.0));
        assert_eq!(cpu.fpr[1], 0x7FF8_0000_0000_0000);
        assert_eq!(cpu.fpc, 0x0080_0000);
        // Overflow enabled: MAX / 0.5 exact, scaled by 2^-1536: DXC X'20'.
        let cpu = run(&ddbr, true, setup(0x2000_0000, f64::MAX, 0.5));
        assert_eq!(check(&cpu), Some((7, 0x20)));
        assert_eq!(
            cpu.fpr[1],
            (f64::MAX * 2f64.powi(-1000) * 2f64.powi(-535)).to_bits()
        );
        // Overflow masked off: infinity, overflow and inexact flags.
        let cpu = run(&ddbr, true, setup(0, f64::MAX, 0.5));
        assert_eq!(
            (cpu.fpr[1], cpu.fpc),
            (f64::INFINITY.to_bits(), 0x0028_0000)
        );
        // Underflow enabled, exact: DXC X'10', scaled by 2^1536.
        let cpu = run(&ddbr, true, setup(0x1000_0000, f64::MIN_POSITIVE, 2.0));
        assert_eq!(check(&cpu), Some((7, 0x10)));
        assert_eq!(cpu.fpr[1], 2f64.powi(-1023 + 1536).to_bits());
        // Underflow masked off, exact: the denormal, no flag.
        let cpu = run(&ddbr, true, setup(0, f64::MIN_POSITIVE, 2.0));
        assert_eq!(
            (cpu.fpr[1], cpu.fpc),
            ((f64::MIN_POSITIVE / 2.0).to_bits(), 0)
        );
        // Underflow masked off, inexact: underflow and inexact flags.
        let cpu = run(&ddbr, true, setup(0, f64::MIN_POSITIVE, 3.0));
        assert_eq!(cpu.fpc, 0x0018_0000);
        // Inexact enabled: 1/3 stored, DXC X'08' (truncated) or X'0C' (incremented).
        let cpu = run(&ddbr, true, setup(0x0800_0000, 1.0, 3.0));
        assert_eq!(check(&cpu), Some((7, 0x08)));
        assert_eq!(cpu.fpr[1], (1.0f64 / 3.0).to_bits());
        let cpu = run(&ddbr, true, setup(0x0800_0000, 1.0, 10.0));
        assert_eq!(check(&cpu), Some((7, 0x0C)));
        assert_eq!(cpu.fpr[1], 0.1f64.to_bits());
        assert_eq!(cpu.fpc, 0x0800_0C00);
    }

    /// Compare and compare and signal; LTEBR quiets a signaling NaN.
    #[test]
    fn compare_and_test() {
        let nan = 0x7FC0_0000u64 << 32;
        for (code, a, b, fpc, cc, flags) in [
            (
                [0xB3, 0x09, 0x00, 0x12],
                short(1.0),
                short(2.0),
                0u32,
                1u8,
                0u32,
            ), // CEBR
            ([0xB3, 0x09, 0x00, 0x12], nan, short(2.0), 0, 3, 0),
            ([0xB3, 0x08, 0x00, 0x12], nan, short(2.0), 0, 3, 0x0080_0000), // KEBR
        ] {
            let cpu = run(&code, true, |c| {
                c.fpc = fpc;
                c.fpr[1] = a;
                c.fpr[2] = b;
            });
            assert_eq!((cpu.psw.cc, cpu.fpc), (cc, flags));
        }
        let cpu = run(&[0xB3, 0x02, 0x00, 0x12], true, |c| {
            c.fpr[2] = 0x7F80_0001u64 << 32
        });
        assert_eq!((cpu.fpr[1] >> 32, cpu.psw.cc), (0x7FC0_0001, 3));
        assert_eq!(cpu.fpc, 0x0080_0000);
    }

    /// DIDBR: remainder in R1, quotient in R3; the registers must differ.
    #[test]
    fn divide_to_integer() {
        // DIDBR 1,3,2,5 (toward 0): 7.5 / 2 = 3 remainder 1.5
        let cpu = run(&[0xB3, 0x5B, 0x35, 0x12], true, |c| {
            c.fpr[1] = 7.5f64.to_bits();
            c.fpr[2] = 2f64.to_bits();
        });
        assert_eq!((cpu.fpr[1], cpu.fpr[3]), (1.5f64.to_bits(), 3f64.to_bits()));
        assert_eq!(cpu.psw.cc, 0);
        // DIDBR 1,1,2,0
        let cpu = run(&[0xB3, 0x5B, 0x10, 0x12], true, |_| {});
        assert_eq!(check(&cpu).map(|c| c.0), Some(6));
    }

    /// CFDBR with M3; CEFBR; FIDBR; LDEBR/LEDBR; MXDBR; MAEBR; TCEB.
    #[test]
    fn conversions_and_the_rest() {
        // CFDBR 3,5,2 (toward 0)
        let cpu = run(&[0xB3, 0x99, 0x50, 0x32], true, |c| {
            c.fpr[2] = (-7.9f64).to_bits()
        });
        assert_eq!((cpu.gpr[3], cpu.psw.cc), (-7i32 as u32, 1));
        // CFDBR 3,2,2: M3 2 is a specification exception.
        let cpu = run(&[0xB3, 0x99, 0x20, 0x32], true, |_| {});
        assert_eq!(check(&cpu).map(|c| c.0), Some(6));
        // CEFBR 1,2
        let cpu = run(&[0xB3, 0x94, 0x00, 0x12], true, |c| c.gpr[2] = -3i32 as u32);
        assert_eq!(cpu.fpr[1] >> 32, (-3f32).to_bits() as u64);
        // FIDBR 1,1,2 (nearest, ties away)
        let cpu = run(&[0xB3, 0x5F, 0x10, 0x12], true, |c| {
            c.fpr[2] = 2.5f64.to_bits()
        });
        assert_eq!(cpu.fpr[1], 3f64.to_bits());
        // LEDBR 1,2 then LDEBR 3,1
        let cpu = run(
            &[0xB3, 0x44, 0x00, 0x12, 0xB3, 0x04, 0x00, 0x31],
            true,
            |c| c.fpr[2] = 0.1f64.to_bits(),
        );
        assert_eq!(cpu.fpr[3], (0.1f64 as f32 as f64).to_bits());
        // MXDBR 4,2: the exact product in 4 and 6.
        let cpu = run(&[0xB3, 0x07, 0x00, 0x42], true, |c| {
            c.fpr[4] = 3f64.to_bits();
            c.fpr[2] = 0.1f64.to_bits();
        });
        assert_eq!(cpu.fpr[4], 0x3FFD_3333_3333_3333);
        assert_eq!(cpu.fpr[6], 0x3800_0000_0000_0000);
        // MAEBR 1,3,2: 1 = 3 * 2 + 1
        let cpu = run(&[0xB3, 0x0E, 0x10, 0x32], true, |c| {
            c.fpr[1] = short(1.0);
            c.fpr[2] = short(2.0);
            c.fpr[3] = short(5.0);
        });
        assert_eq!(cpu.fpr[1], short(11.0));
        // TCEB 1,X'020' (+infinity bit) on +infinity and on 1.0
        for (v, cc) in [(f32::INFINITY, 1), (1.0, 0)] {
            let cpu = run(&[0xED, 0x10, 0x00, 0x20, 0x00, 0x10], true, |c| {
                c.fpr[1] = short(v)
            });
            assert_eq!(cpu.psw.cc, cc);
        }
    }
}
