//! The hexadecimal floating-point instructions: register validity, operand access and the
//! program mask around the arithmetic in [`super::hfp`] (SA22-7201 chapter 9; GA22-7000
//! chapter 9).
//!
//! Floating-point registers: S/370, and ESA/390 with the AFP-register control (CR0 bit 13)
//! off, have registers 0, 2, 4 and 6 only; any other register number is a specification
//! exception. Extended operands occupy the pair R and R+2 and R must be 0 or 4 (0, 1, 4, 5,
//! 8, 9, 12, 13 with AFP registers). A short operand is the left half of the register.

use s390_decoder::Opcode;

use super::hfp::{self, Ext, HfpMasks, HfpOutcome};
use super::{Cpu, Exec, Op, ProgramInterrupt as P};

/// CR0 bit 13: AFP-register control.
const CR0_AFP: u32 = 0x0004_0000;

impl Cpu {
    fn afp(&self) -> bool {
        self.arch == s390_decoder::Arch::Esa390 && self.cr[0] & CR0_AFP != 0
    }
    /// A register other than 0, 2, 4, 6 without AFP registers: in S/370 a specification
    /// exception; in ESA/390 (with the basic-floating-point extensions, as a z900 has) a data
    /// exception with data-exception code 1 (AFP register).
    fn non_afp_register(&mut self) -> P {
        if self.arch == s390_decoder::Arch::Esa390 {
            self.dxc = 1;
            P::DATA
        } else {
            P::SPECIFICATION
        }
    }
    pub(super) fn fpr(&mut self, r: u8) -> Result<usize, P> {
        if !self.afp() && r & 9 != 0 {
            return Err(self.non_afp_register());
        }
        Ok(r as usize)
    }
    fn fpr_ext(&mut self, r: u8) -> Result<usize, P> {
        if r & 2 != 0 {
            return Err(P::SPECIFICATION);
        }
        if !self.afp() && r & 9 != 0 {
            return Err(self.non_afp_register());
        }
        Ok(r as usize)
    }
    /// Two extended operands: an invalid pair in either is a specification exception, which
    /// comes before the AFP-register data exception (as Hercules 3.13 orders them).
    fn fpr_ext_pair(&mut self, r1: u8, r2: u8) -> Result<(usize, usize), P> {
        if (r1 | r2) & 2 != 0 {
            return Err(P::SPECIFICATION);
        }
        Ok((self.fpr_ext(r1)?, self.fpr_ext(r2)?))
    }
    fn masks(&self) -> HfpMasks {
        HfpMasks {
            exponent_underflow: self.psw.prog_mask & 2 != 0,
            significance: self.psw.prog_mask & 1 != 0,
        }
    }
    fn short(&self, r: usize) -> u32 {
        (self.fpr[r] >> 32) as u32
    }
    fn set_short(&mut self, r: usize, v: u32) {
        self.fpr[r] = (self.fpr[r] & 0xFFFF_FFFF) | ((v as u64) << 32);
    }
    fn ext(&self, r: usize) -> Ext {
        (self.fpr[r], self.fpr[r + 2])
    }
    fn set_ext(&mut self, r: usize, v: Ext) {
        self.fpr[r] = v.0;
        self.fpr[r + 2] = v.1;
    }

    /// Applies an outcome: stores the value with `store`, sets the CC, raises the exception.
    fn apply<T>(&mut self, o: HfpOutcome<T>, store: impl FnOnce(&mut Cpu, T)) -> Exec {
        if let Some(v) = o.value {
            store(self, v);
        }
        if let Some(cc) = o.cc {
            self.psw.cc = cc;
        }
        match o.exception {
            Some(e) => Err(P(e.interruption_code())),
            None => Ok(()),
        }
    }

    /// Second operand of an RX-format short instruction, or of an RR one.
    fn short_op2(&mut self, op: &Op, rx: bool) -> Result<u32, P> {
        if rx {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u32(a)
        } else {
            let r2 = self.fpr(op.r2)?;
            Ok(self.short(r2))
        }
    }
    fn long_op2(&mut self, op: &Op, rx: bool) -> Result<u64, P> {
        if rx {
            let a = self.ea(op.x2, op.b2, op.d2);
            self.read_u64(a)
        } else {
            let r2 = self.fpr(op.r2)?;
            Ok(self.fpr[r2])
        }
    }

    /// Executes an HFP instruction; None if `op` is not one.
    #[allow(clippy::redundant_closure_call)]
    pub(super) fn execute_float(&mut self, op: &Op) -> Option<Exec> {
        use Opcode::*;
        let m = self.masks();
        let rx = matches!(
            op.opcode.info().format,
            s390_decoder::Format::RX | s390_decoder::Format::RXE
        );
        let r = (|| -> Exec {
            match op.opcode {
                // ---- loads and stores
                LER | LE => {
                    let r1 = self.fpr(op.r1)?;
                    let v = self.short_op2(op, rx)?;
                    self.set_short(r1, v);
                }
                LDR | LD => {
                    let r1 = self.fpr(op.r1)?;
                    let v = self.long_op2(op, rx)?;
                    self.fpr[r1] = v;
                }
                LXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    let v = self.ext(r2);
                    self.set_ext(r1, v);
                }
                STE => {
                    let r1 = self.fpr(op.r1)?;
                    let a = self.ea(op.x2, op.b2, op.d2);
                    self.write_u32(a, self.short(r1))?;
                }
                STD => {
                    let r1 = self.fpr(op.r1)?;
                    let a = self.ea(op.x2, op.b2, op.d2);
                    self.write_u64(a, self.fpr[r1])?;
                }
                LZER => {
                    let r1 = self.fpr(op.r1)?;
                    self.set_short(r1, 0);
                }
                LZDR => {
                    let r1 = self.fpr(op.r1)?;
                    self.fpr[r1] = 0;
                }
                LZXR => {
                    let r1 = self.fpr_ext(op.r1)?;
                    self.set_ext(r1, (0, 0));
                }
                // ---- sign and test
                LPER | LNER | LCER | LTER => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let v = self.short(r2);
                    let (v, cc) = match op.opcode {
                        LPER => hfp::load_positive_short(v),
                        LNER => hfp::load_negative_short(v),
                        LCER => hfp::load_complement_short(v),
                        _ => hfp::load_and_test_short(v),
                    };
                    self.set_short(r1, v);
                    self.psw.cc = cc;
                }
                LPDR | LNDR | LCDR | LTDR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let v = self.fpr[r2];
                    let (v, cc) = match op.opcode {
                        LPDR => hfp::load_positive_long(v),
                        LNDR => hfp::load_negative_long(v),
                        LCDR => hfp::load_complement_long(v),
                        _ => hfp::load_and_test_long(v),
                    };
                    self.fpr[r1] = v;
                    self.psw.cc = cc;
                }
                LPXR | LNXR | LCXR | LTXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    let v = self.ext(r2);
                    let (v, cc) = match op.opcode {
                        LPXR => hfp::load_positive_ext(v),
                        LNXR => hfp::load_negative_ext(v),
                        LCXR => hfp::load_complement_ext(v),
                        _ => hfp::load_and_test_ext(v),
                    };
                    self.set_ext(r1, v);
                    self.psw.cc = cc;
                }
                // ---- arithmetic, short
                AER | AE | SER | SE | AUR | AU | SUR | SU | MEER | MEE | DER | DE => {
                    let r1 = self.fpr(op.r1)?;
                    let b = self.short_op2(op, rx)?;
                    let a = self.short(r1);
                    let o = match op.opcode {
                        AER | AE => hfp::add_short(a, b, m),
                        SER | SE => hfp::sub_short(a, b, m),
                        AUR | AU => hfp::add_unnorm_short(a, b, m),
                        SUR | SU => hfp::sub_unnorm_short(a, b, m),
                        MEER | MEE => hfp::mul_short(a, b, m),
                        _ => hfp::div_short(a, b, m),
                    };
                    return self.apply(o, |c, v| c.set_short(r1, v));
                }
                MDER | MDE => {
                    let r1 = self.fpr(op.r1)?;
                    let b = self.short_op2(op, rx)?;
                    let o = hfp::mul_short_to_long(self.short(r1), b, m);
                    return self.apply(o, |c, v| c.fpr[r1] = v);
                }
                CER | CE => {
                    let r1 = self.fpr(op.r1)?;
                    let b = self.short_op2(op, rx)?;
                    self.psw.cc = hfp::compare_short(self.short(r1), b);
                }
                HER => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let o = hfp::halve_short(self.short(r2), m);
                    return self.apply(o, |c, v| c.set_short(r1, v));
                }
                // ---- arithmetic, long
                ADR | AD | SDR | SD | AWR | AW | SWR | SW | MDR | MD | DDR | DD => {
                    let r1 = self.fpr(op.r1)?;
                    let b = self.long_op2(op, rx)?;
                    let a = self.fpr[r1];
                    let o = match op.opcode {
                        ADR | AD => hfp::add_long(a, b, m),
                        SDR | SD => hfp::sub_long(a, b, m),
                        AWR | AW => hfp::add_unnorm_long(a, b, m),
                        SWR | SW => hfp::sub_unnorm_long(a, b, m),
                        MDR | MD => hfp::mul_long(a, b, m),
                        _ => hfp::div_long(a, b, m),
                    };
                    return self.apply(o, |c, v| c.fpr[r1] = v);
                }
                CDR | CD => {
                    let r1 = self.fpr(op.r1)?;
                    let b = self.long_op2(op, rx)?;
                    self.psw.cc = hfp::compare_long(self.fpr[r1], b);
                }
                HDR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let o = hfp::halve_long(self.fpr[r2], m);
                    return self.apply(o, |c, v| c.fpr[r1] = v);
                }
                MXDR | MXD => {
                    let r1 = self.fpr_ext(op.r1)?;
                    let b = self.long_op2(op, rx)?;
                    let o = hfp::mul_long_to_ext(self.fpr[r1], b, m);
                    return self.apply(o, |c, v| c.set_ext(r1, v));
                }
                // ---- arithmetic, extended
                AXR | SXR | MXR | DXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    let (a, b) = (self.ext(r1), self.ext(r2));
                    let o = match op.opcode {
                        AXR => hfp::add_ext(a, b, m),
                        SXR => hfp::sub_ext(a, b, m),
                        MXR => hfp::mul_ext(a, b, m),
                        _ => hfp::div_ext(a, b, m),
                    };
                    return self.apply(o, |c, v| c.set_ext(r1, v));
                }
                CXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    self.psw.cc = hfp::compare_ext(self.ext(r1), self.ext(r2));
                }
                // ---- rounding and lengthening
                LEDR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let o = hfp::round_long_to_short(self.fpr[r2]);
                    return self.apply(o, |c, v| c.set_short(r1, v));
                }
                LDXR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr_ext(op.r2)?);
                    let o = hfp::round_ext_to_long(self.ext(r2));
                    return self.apply(o, |c, v| c.fpr[r1] = v);
                }
                LEXR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr_ext(op.r2)?);
                    let o = hfp::round_ext_to_short(self.ext(r2));
                    return self.apply(o, |c, v| c.set_short(r1, v));
                }
                LDER | LDE => {
                    let r1 = self.fpr(op.r1)?;
                    let v = self.short_op2(op, rx)?;
                    self.fpr[r1] = hfp::lengthen_short_to_long(v);
                }
                LXDR | LXD => {
                    let r1 = self.fpr_ext(op.r1)?;
                    let v = self.long_op2(op, rx)?;
                    self.set_ext(r1, hfp::lengthen_long_to_ext(v));
                }
                LXER | LXE => {
                    let r1 = self.fpr_ext(op.r1)?;
                    let v = self.short_op2(op, rx)?;
                    self.set_ext(r1, hfp::lengthen_short_to_ext(v));
                }
                // ---- square root and integer
                SQER | SQE => {
                    let r1 = self.fpr(op.r1)?;
                    let v = self.short_op2(op, rx)?;
                    return self.apply(hfp::sqrt_short(v), |c, v| c.set_short(r1, v));
                }
                SQDR | SQD => {
                    let r1 = self.fpr(op.r1)?;
                    let v = self.long_op2(op, rx)?;
                    return self.apply(hfp::sqrt_long(v), |c, v| c.fpr[r1] = v);
                }
                SQXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    let v = self.ext(r2);
                    return self.apply(hfp::sqrt_ext(v), |c, v| c.set_ext(r1, v));
                }
                FIER => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    let v = hfp::integer_short(self.short(r2));
                    self.set_short(r1, v);
                }
                FIDR => {
                    let (r1, r2) = (self.fpr(op.r1)?, self.fpr(op.r2)?);
                    self.fpr[r1] = hfp::integer_long(self.fpr[r2]);
                }
                FIXR => {
                    let (r1, r2) = self.fpr_ext_pair(op.r1, op.r2)?;
                    let v = hfp::integer_ext(self.ext(r2));
                    self.set_ext(r1, v);
                }
                // ---- conversions
                CEFR => {
                    let r1 = self.fpr(op.r1)?;
                    let v = hfp::from_fixed_short(self.gpr[(op.r2 & 15) as usize] as i32);
                    self.set_short(r1, v);
                }
                CDFR => {
                    let r1 = self.fpr(op.r1)?;
                    self.fpr[r1] = hfp::from_fixed_long(self.gpr[(op.r2 & 15) as usize] as i32);
                }
                CXFR => {
                    let r1 = self.fpr_ext(op.r1)?;
                    let v = hfp::from_fixed_ext(self.gpr[(op.r2 & 15) as usize] as i32);
                    self.set_ext(r1, v);
                }
                CFER | CFDR | CFXR => {
                    let r1 = (op.r1 & 15) as usize;
                    let m3 = op.r3;
                    let o = match op.opcode {
                        CFER => {
                            let r2 = self.fpr(op.r2)?;
                            hfp::to_fixed_short(self.short(r2), m3)
                        }
                        CFDR => {
                            let r2 = self.fpr(op.r2)?;
                            hfp::to_fixed_long(self.fpr[r2], m3)
                        }
                        _ => {
                            let r2 = self.fpr_ext(op.r2)?;
                            hfp::to_fixed_ext(self.ext(r2), m3)
                        }
                    };
                    return self.apply(o, |c, v| c.gpr[r1] = v as u32);
                }
                _ => return Err(NOT_FLOAT),
            }
            Ok(())
        })();
        if r == Err(NOT_FLOAT) {
            None
        } else {
            Some(r)
        }
    }
}

/// Internal marker: the opcode is not an HFP instruction.
const NOT_FLOAT: P = P(0xFFFD);
