//! The decimal instructions: operand access, overlap and program-mask handling around the
//! arithmetic in [`super::decimal`] (SA22-7201 chapter 8, "Decimal Instructions").

use s390_decoder::Opcode;

use super::decimal::{self, DecimalFault, DecimalResult, CC_UNCHANGED};
use super::psw::mask;
use super::{Cpu, Exec, Op, ProgramInterrupt as P};

impl From<DecimalFault> for P {
    fn from(f: DecimalFault) -> P {
        match f {
            DecimalFault::Data => P::DATA,
            DecimalFault::Divide => P::DECIMAL_DIVIDE,
            DecimalFault::Specification => P::SPECIFICATION,
            DecimalFault::FixedPointDivide => P::FIXED_DIVIDE,
        }
    }
}

/// Whether two byte ranges of effective addresses overlap (no wrap considered beyond the
/// addressing mode; operands of at most 256 bytes).
fn overlap(a: u32, la: u32, b: u32, lb: u32) -> bool {
    a < b.wrapping_add(lb) && b < a.wrapping_add(la)
}

impl Cpu {
    fn fetch_operand(&mut self, ea: u32, len: usize) -> Result<[u8; 16], P> {
        let mut buf = [0u8; 16];
        self.read_bytes(ea, &mut buf[..len])?;
        Ok(buf)
    }

    /// Stores a decimal result, sets the CC and raises decimal overflow when the mask allows.
    fn store_decimal(&mut self, ea: u32, r: &DecimalResult) -> Exec {
        self.write_bytes(ea, r.as_bytes())?;
        if r.cc != CC_UNCHANGED {
            self.psw.cc = r.cc;
        }
        if r.overflow && self.psw.prog_mask & mask::DECIMAL_OVERFLOW != 0 {
            return Err(P::DECIMAL_OVERFLOW);
        }
        Ok(())
    }

    /// PACK, UNPK and MVO with overlapping operands: processed in a window that covers both,
    /// right to left one byte at a time as the instructions define.
    fn decimal_window(&mut self, op: &Op, a1: u32, l1: usize, a2: u32, l2: usize) -> Exec {
        let start = a1.min(a2);
        let end = (a1 + l1 as u32).max(a2 + l2 as u32);
        let len = (end - start) as usize;
        let mut w = [0u8; 32];
        self.read_bytes(start, &mut w[..len])?;
        self.access(a1, l1 as u32, true)?;
        let (o1, o2) = ((a1 - start) as usize, (a2 - start) as usize);
        match op.opcode {
            Opcode::PACK => decimal::pack_in_window(&mut w[..len], o1, l1, o2, l2),
            Opcode::UNPK => decimal::unpack_in_window(&mut w[..len], o1, l1, o2, l2),
            _ => decimal::move_with_offset_in_window(&mut w[..len], o1, l1, o2, l2),
        }
        self.write_bytes(a1, &w[o1..o1 + l1])
    }

    /// Executes a decimal instruction; None if `op` is not one. (Each arm is a closure so
    /// that `?` ends just that instruction.)
    #[allow(clippy::redundant_closure_call)]
    pub(super) fn execute_decimal(&mut self, op: &Op) -> Option<Exec> {
        use Opcode::*;
        Some(match op.opcode {
            AP | SP | ZAP | CP | MP | DP | SRP | PACK | UNPK | MVO => (|| {
                let a1 = self.ea(0, op.b1, op.d1);
                let a2 = self.ea(0, op.b2, op.d2);
                let l1 = (op.r1 & 15) as usize + 1;
                let l2 = (op.r3 & 15) as usize + 1;
                if matches!(op.opcode, PACK | UNPK | MVO) {
                    if overlap(a1, l1 as u32, a2, l2 as u32)
                        && a1 + (l1 as u32) < 0x00FF_FFFF
                        && a2 + (l2 as u32) < 0x00FF_FFFF
                    {
                        return self.decimal_window(op, a1, l1, a2, l2);
                    }
                    let x = self.fetch_operand(a2, l2)?;
                    self.access(a1, l1 as u32, true)?;
                    let r = match op.opcode {
                        PACK => decimal::pack(l1, &x[..l2]),
                        UNPK => decimal::unpack(l1, &x[..l2]),
                        _ => {
                            let y = self.fetch_operand(a1, l1)?;
                            decimal::move_with_offset(&y[..l1], &x[..l2])
                        }
                    };
                    return self.store_decimal(a1, &r);
                }
                if op.opcode == SRP {
                    let y = self.fetch_operand(a1, l1)?;
                    self.access(a1, l1 as u32, true)?;
                    let r = decimal::shift_and_round(&y[..l1], (a2 & 0x3F) as u8, op.r3)?;
                    return self.store_decimal(a1, &r);
                }
                let x = self.fetch_operand(a2, l2)?;
                if op.opcode == ZAP {
                    self.access(a1, l1 as u32, true)?;
                    let r = decimal::zero_and_add(l1, &x[..l2])?;
                    return self.store_decimal(a1, &r);
                }
                let y = self.fetch_operand(a1, l1)?;
                if op.opcode == CP {
                    self.psw.cc = decimal::compare(&y[..l1], &x[..l2])?;
                    return Ok(());
                }
                self.access(a1, l1 as u32, true)?;
                let r = match op.opcode {
                    AP => decimal::add(&y[..l1], &x[..l2])?,
                    SP => decimal::subtract(&y[..l1], &x[..l2])?,
                    MP => decimal::multiply(&y[..l1], &x[..l2])?,
                    _ => decimal::divide(&y[..l1], &x[..l2])?,
                };
                self.store_decimal(a1, &r)
            })(),
            TP => (|| {
                let a = self.ea(0, op.b1, op.d1);
                let l = op.l as usize + 1;
                let x = self.fetch_operand(a, l)?;
                self.psw.cc = decimal::test_decimal(&x[..l]);
                Ok(())
            })(),
            CVB => (|| {
                let a = self.ea(op.x2, op.b2, op.d2);
                let v = self.read_u64(a)?.to_be_bytes();
                let (r, out_of_range) = decimal::convert_to_binary_wrapping(&v)?;
                self.gpr[(op.r1 & 15) as usize] = r as u32;
                if out_of_range {
                    return Err(P::FIXED_DIVIDE);
                }
                Ok(())
            })(),
            CVD => (|| {
                let a = self.ea(op.x2, op.b2, op.d2);
                let v = decimal::convert_to_decimal(self.gpr[(op.r1 & 15) as usize] as i32);
                self.write_bytes(a, &v)
            })(),
            ED | EDMK => (|| {
                let a1 = self.ea(0, op.b1, op.d1);
                let a2 = self.ea(0, op.b2, op.d2);
                let n = op.l as usize + 1;
                let mut pattern = [0u8; 256];
                self.read_bytes(a1, &mut pattern[..n])?;
                // Each pattern byte uses at most one source digit, so n source bytes always
                // suffice.
                let mut source = [0u8; 256];
                self.read_bytes(a2, &mut source[..n])?;
                self.access(a1, n as u32, true)?;
                let r = decimal::edit(&pattern[..n], &source[..n])?;
                self.write_bytes(a1, &r.bytes[..n])?;
                self.psw.cc = r.cc;
                if op.opcode == EDMK {
                    if let Some(m) = r.mark {
                        let addr = a1.wrapping_add(m as u32) & self.psw.amask();
                        if self.psw.amode31() {
                            self.gpr[1] = addr;
                        } else {
                            self.gpr[1] = (self.gpr[1] & 0xFF00_0000) | addr;
                        }
                    }
                }
                Ok(())
            })(),
            _ => return None,
        })
    }
}
