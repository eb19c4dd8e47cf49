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
            store(self, r.value);
            return Ok(());
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
            MEEBR | MDBR | MXBR | MEEB | MDB | MDEBR | MXDBR | MDEB | MXDB | DEBR | DDBR
            | DXBR | DEB | DDB => {
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
            _ => Err(NOT_BFP),
        }
    }
}
