//! The program-status word in its three formats: System/370 basic-control (BC) mode, System/370
//! extended-control (EC) mode (GA22-7000 chapter 4, "Program-Status Word"), and ESA/390
//! (SA22-7201 section 4.1.1).

use s390_decoder::Arch;

/// PSW bit 12 (byte 1, X'08'): EC mode in S/370; must be one in ESA/390.
pub const FLAG_EC: u8 = 0x08;
/// Machine-check mask (bit 13).
pub const FLAG_MCHECK: u8 = 0x04;
/// Wait state (bit 14).
pub const FLAG_WAIT: u8 = 0x02;
/// Problem state (bit 15).
pub const FLAG_PROBLEM: u8 = 0x01;

/// Program-mask bits (PSW bits 20-23 / BC bits 36-39).
pub mod mask {
    /// Fixed-point overflow.
    pub const FIXED_OVERFLOW: u8 = 8;
    /// Decimal overflow.
    pub const DECIMAL_OVERFLOW: u8 = 4;
    /// Exponent underflow.
    pub const EXPONENT_UNDERFLOW: u8 = 2;
    /// Significance.
    pub const SIGNIFICANCE: u8 = 1;
}

/// A PSW, kept decomposed; [`Psw::to_bytes`] and [`Psw::from_bytes`] convert to the stored
/// formats of each architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Psw {
    /// Byte 0: ESA/390 and EC mode: PER (X'40'), DAT (X'04'), I/O (X'02'), external (X'01');
    /// BC mode: the system mask (channel masks 0-5, X'02' I/O channels 6 and up, X'01' external).
    pub mask: u8,
    /// PSW key (0-15).
    pub key: u8,
    /// Low four bits of byte 1: EC (X'08'), M, W, P.
    pub flags: u8,
    /// Address-space control (ESA/390 bits 16-17).
    pub asc: u8,
    /// Condition code.
    pub cc: u8,
    /// Program mask.
    pub prog_mask: u8,
    /// Addressing-mode mask: X'7FFFFFFF' in 31-bit mode (ESA/390 only), X'00FFFFFF' in
    /// 24-bit mode.
    pub amask: u32,
    /// Instruction address.
    pub ia: u32,
    /// BC mode: the interruption code kept in bits 16-31.
    pub int_code: u16,
    /// BC mode: the instruction-length code (halfwords) kept in bits 32-33.
    pub ilc: u8,
}

impl Default for Psw {
    fn default() -> Psw {
        Psw {
            mask: 0,
            key: 0,
            flags: 0,
            asc: 0,
            cc: 0,
            prog_mask: 0,
            amask: 0x00FF_FFFF,
            ia: 0,
            int_code: 0,
            ilc: 0,
        }
    }
}

impl Psw {
    /// Whether this is a BC-mode PSW (S/370 with bit 12 zero).
    #[inline(always)]
    pub fn bc_mode(&self, arch: Arch) -> bool {
        arch == Arch::S370 && self.flags & FLAG_EC == 0
    }
    /// Problem state.
    #[inline(always)]
    pub fn problem_state(&self) -> bool {
        self.flags & FLAG_PROBLEM != 0
    }
    /// Wait state.
    pub fn wait(&self) -> bool {
        self.flags & FLAG_WAIT != 0
    }
    /// Enabled for external interruptions.
    pub fn ext_enabled(&self) -> bool {
        self.mask & 0x01 != 0
    }
    /// Enabled for I/O interruptions (any channel in BC mode).
    pub fn io_enabled(&self, arch: Arch) -> bool {
        if self.bc_mode(arch) {
            self.mask & 0xFE != 0
        } else {
            self.mask & 0x02 != 0
        }
    }
    /// The addressing-mode mask for effective addresses.
    #[inline(always)]
    pub fn amask(&self) -> u32 {
        self.amask
    }
    /// 31-bit addressing mode.
    #[inline(always)]
    pub fn amode31(&self) -> bool {
        self.amask == 0x7FFF_FFFF
    }
    /// Sets the addressing mode.
    pub fn set_amode31(&mut self, on: bool) {
        self.amask = if on { 0x7FFF_FFFF } else { 0x00FF_FFFF };
    }

    /// The PSW as stored in storage.
    pub fn to_bytes(&self, arch: Arch) -> [u8; 8] {
        let b1 = (self.key << 4) | (self.flags & 0x0F);
        if self.bc_mode(arch) {
            let ic = self.int_code.to_be_bytes();
            let w = ((self.ilc as u32 & 3) << 30)
                | ((self.cc as u32 & 3) << 28)
                | ((self.prog_mask as u32 & 15) << 24)
                | (self.ia & 0x00FF_FFFF);
            let w = w.to_be_bytes();
            [self.mask, b1, ic[0], ic[1], w[0], w[1], w[2], w[3]]
        } else {
            let b2 = ((self.asc & 3) << 6) | ((self.cc & 3) << 4) | (self.prog_mask & 15);
            let w = if self.amode31() {
                0x8000_0000 | (self.ia & 0x7FFF_FFFF)
            } else {
                self.ia & 0x7FFF_FFFF
            };
            let w = w.to_be_bytes();
            [self.mask, b1, b2, 0, w[0], w[1], w[2], w[3]]
        }
    }

    /// The PSW as 64 bits, as `vm390 run` reports it.
    pub fn to_u64(&self, arch: Arch) -> u64 {
        u64::from_be_bytes(self.to_bytes(arch))
    }

    /// Loads a PSW from its stored form. The PSW is taken as given; the result says whether it
    /// is valid (an invalid PSW leads to a specification exception, SA22-7201 section 6.6.4
    /// "Exceptions associated with the PSW").
    pub fn from_bytes(arch: Arch, b: [u8; 8]) -> (Psw, bool) {
        let w = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        let flags = b[1] & 0x0F;
        let key = b[1] >> 4;
        if arch == Arch::S370 && flags & FLAG_EC == 0 {
            let psw = Psw {
                mask: b[0],
                key,
                flags,
                asc: 0,
                cc: ((w >> 28) & 3) as u8,
                prog_mask: ((w >> 24) & 15) as u8,
                amask: 0x00FF_FFFF,
                ia: w & 0x00FF_FFFF,
                int_code: u16::from_be_bytes([b[2], b[3]]),
                ilc: (w >> 30) as u8,
            };
            return (psw, true);
        }
        let amode31 = arch == Arch::Esa390 && w & 0x8000_0000 != 0;
        let psw = Psw {
            mask: b[0],
            key,
            flags,
            asc: b[2] >> 6,
            cc: (b[2] >> 4) & 3,
            prog_mask: b[2] & 15,
            amask: if amode31 { 0x7FFF_FFFF } else { 0x00FF_FFFF },
            ia: w & 0x7FFF_FFFF,
            int_code: 0,
            ilc: 0,
        };
        let valid = match arch {
            // Bit 12 one; bits 0, 2-4 and 24-31 zero; in 24-bit mode bits 33-39 zero.
            Arch::Esa390 => {
                flags & FLAG_EC != 0
                    && b[0] & 0xB8 == 0
                    && b[3] == 0
                    && (amode31 || w & 0x7F00_0000 == 0)
            }
            // EC mode: bits 0, 2-4, 16-17, 24-39 zero.
            Arch::S370 => b[0] & 0xB8 == 0 && b[2] & 0xC0 == 0 && b[3] == 0 && b[4] == 0,
        };
        (psw, valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esa390_round_trip_and_validity() {
        let b = [0x07, 0x1D, 0x20, 0x00, 0x80, 0x00, 0x02, 0x00];
        let (p, ok) = Psw::from_bytes(Arch::Esa390, b);
        assert!(ok);
        assert_eq!((p.key, p.cc, p.amode31(), p.ia), (1, 2, true, 0x200));
        assert!(p.problem_state());
        assert_eq!(p.to_bytes(Arch::Esa390), b);
        // Bit 12 zero is invalid in ESA/390.
        assert!(!Psw::from_bytes(Arch::Esa390, [0, 0, 0, 0, 0x80, 0, 2, 0]).1);
        // 24-bit mode with bits 33-39 set is invalid.
        assert!(!Psw::from_bytes(Arch::Esa390, [0, 8, 0, 0, 0x01, 0, 2, 0]).1);
    }

    #[test]
    fn bc_mode_keeps_ilc_cc_and_interruption_code() {
        let b = [0xFF, 0x01, 0x00, 0x0C, 0x9F, 0x01, 0x23, 0x44];
        let (p, ok) = Psw::from_bytes(Arch::S370, b);
        assert!(ok && p.bc_mode(Arch::S370));
        assert_eq!(
            (p.ilc, p.cc, p.prog_mask, p.ia, p.int_code),
            (2, 1, 15, 0x012344, 12)
        );
        assert_eq!(p.to_bytes(Arch::S370), b);
    }
}
