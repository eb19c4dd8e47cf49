//! Hexadecimal floating point (HFP), as pure functions over operand bit patterns.
//!
//! Everything here follows IBM ESA/390 Principles of Operation, SA22-7201, chapter 9
//! "Floating-Point Instructions" (including the square-root and HFP-extension
//! instructions), and is meant to be bit-identical to a real machine and to Hercules.
//!
//! The functions know nothing about the CPU, the registers or storage: the caller
//! fetches the operands, calls the function, stores [`HfpOutcome::value`] (when it is
//! `Some`), sets [`HfpOutcome::cc`] (when it is `Some`) and then raises the program
//! interruption for [`HfpOutcome::exception`] (when it is `Some`). A `None` value with an
//! exception means the operation is suppressed: the first operand is left unchanged.
//!
//! Formats (sign bit, 7-bit characteristic in excess-64 notation, fraction of
//! hexadecimal digits with the radix point at its left):
//! * short: `u32`, 6 fraction digits;
//! * long: `u64`, 14 fraction digits;
//! * extended: [`Ext`] = `(high, low)`, each a long-format doubleword as held in the
//!   register pair (high part in FPR r, low part in FPR r+2), 28 fraction digits. As an
//!   operand, the sign and characteristic of the low part are ignored. In a result, the
//!   low part gets the sign of the high part and a characteristic 14 less than the high
//!   part's, modulo 128; only a result that is entirely zero (true zero, plus sign) has
//!   an all-zero low part — except the zero fraction kept by AXR/SXR with the
//!   significance mask one, whose low characteristic is always 14 less (0x72 for a high
//!   characteristic of 0), as Hercules stores it.
//!
//! Arithmetic rules implemented here (POP chapter 9):
//! * Addition and subtraction align the operand with the smaller characteristic by
//!   shifting its fraction right, keeping one guard digit; digits shifted beyond the guard
//!   digit are lost. A carry shifts the sum right one digit. The normalized forms
//!   normalize the intermediate sum including the guard digit; the unnormalized forms drop
//!   the guard digit. The result is truncated, never rounded.
//! * A zero intermediate fraction in addition is a significance condition: with the
//!   significance mask one, the result is the zero fraction with a plus sign and the
//!   characteristic of the intermediate sum, and the exception is reported; with the mask
//!   zero the result is a true zero.
//! * Multiplication and division pre-normalize both operands, compute the exact product
//!   or a truncated quotient, normalize (at most one digit) and truncate.
//! * A characteristic above 127 is an exponent overflow: the result keeps the correct
//!   fraction and sign with a characteristic 128 smaller, and the exception is always
//!   reported. A characteristic below 0 is an exponent underflow: with the
//!   exponent-underflow mask one, the characteristic is made 128 larger and the exception
//!   reported; with the mask zero the result is a true zero.
//!
//! Internally an operand is a sign, a characteristic as an `i32` (so that overflow and
//! underflow are visible before wrapping) and a fraction in a `u128`; 256-bit products
//! and radicands use a pair of `u128`s. Nothing allocates.

/// An extended-format HFP value as held in a floating-point register pair:
/// `(high part, low part)`.
pub type Ext = (u64, u64);

/// PSW program-mask bits that affect HFP results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HfpMasks {
    /// PSW bit 22 (exponent-underflow mask).
    pub exponent_underflow: bool,
    /// PSW bit 23 (significance mask).
    pub significance: bool,
}

/// Program-interruption conditions an HFP operation recognizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HfpException {
    /// Exponent overflow (interruption code 000C). The operation is completed.
    ExponentOverflow,
    /// Exponent underflow (interruption code 000D), only with the exponent-underflow
    /// mask one. The operation is completed.
    ExponentUnderflow,
    /// Significance (interruption code 000E), only with the significance mask one. The
    /// operation is completed.
    Significance,
    /// Floating-point divide (interruption code 000F): zero divisor fraction. The
    /// operation is suppressed.
    FloatingPointDivide,
    /// Specification (interruption code 0006): invalid M3 modifier of CONVERT TO FIXED.
    /// The operation is suppressed.
    Specification,
    /// Square root (interruption code 001D): negative operand with a nonzero fraction.
    /// The operation is suppressed.
    SquareRoot,
}

impl HfpException {
    /// The program-interruption code of this exception.
    pub const fn interruption_code(self) -> u16 {
        match self {
            HfpException::ExponentOverflow => 0x000C,
            HfpException::ExponentUnderflow => 0x000D,
            HfpException::Significance => 0x000E,
            HfpException::FloatingPointDivide => 0x000F,
            HfpException::Specification => 0x0006,
            HfpException::SquareRoot => 0x001D,
        }
    }
}

/// Outcome: the value to store (stored also when an exception is reported, unless the POP
/// says the operation is suppressed — then `value` is None), the condition code if the
/// instruction sets one, and the exception to report (the caller raises the program
/// interruption).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HfpOutcome<T> {
    /// The result to place in the first-operand location; `None` when suppressed.
    pub value: Option<T>,
    /// The new condition code, for instructions that set one.
    pub cc: Option<u8>,
    /// The program interruption to raise after storing `value`.
    pub exception: Option<HfpException>,
}

impl<T> HfpOutcome<T> {
    const fn suppressed(exception: HfpException) -> Self {
        HfpOutcome {
            value: None,
            cc: None,
            exception: Some(exception),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Internal representation
// ---------------------------------------------------------------------------------------

/// Fraction digits of the short format.
const SHORT: u32 = 6;
/// Fraction digits of the long format.
const LONG: u32 = 14;
/// Fraction digits of the extended format.
const EXT: u32 = 28;

const M56: u64 = 0x00FF_FFFF_FFFF_FFFF;
const SIGN64: u64 = 1 << 63;

/// An unpacked HFP number: the value is (-1)^neg × frac / 16^n × 16^(ch - 64), where n is
/// the number of fraction digits of the format in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Hf {
    neg: bool,
    ch: i32,
    frac: u128,
}

/// True zero: plus sign, zero characteristic, zero fraction.
const ZERO: Hf = Hf {
    neg: false,
    ch: 0,
    frac: 0,
};

/// 16^n.
const fn pow16(n: u32) -> u128 {
    1u128 << (4 * n)
}

fn dec_short(v: u32) -> Hf {
    Hf {
        neg: v >> 31 != 0,
        ch: ((v >> 24) & 0x7F) as i32,
        frac: u128::from(v & 0x00FF_FFFF),
    }
}

fn enc_short(h: Hf) -> u32 {
    debug_assert!(h.frac < pow16(SHORT));
    (u32::from(h.neg) << 31) | (((h.ch & 0x7F) as u32) << 24) | (h.frac as u32 & 0x00FF_FFFF)
}

fn dec_long(v: u64) -> Hf {
    Hf {
        neg: v >> 63 != 0,
        ch: ((v >> 56) & 0x7F) as i32,
        frac: u128::from(v & M56),
    }
}

fn enc_long(h: Hf) -> u64 {
    debug_assert!(h.frac < pow16(LONG));
    (u64::from(h.neg) << 63) | (((h.ch & 0x7F) as u64) << 56) | (h.frac as u64 & M56)
}

fn dec_ext(v: Ext) -> Hf {
    Hf {
        neg: v.0 >> 63 != 0,
        ch: ((v.0 >> 56) & 0x7F) as i32,
        frac: (u128::from(v.0 & M56) << 56) | u128::from(v.1 & M56),
    }
}

/// Stores an extended result: the low part gets the sign of the high part and a
/// characteristic 14 less, modulo 128, except that a true zero is stored as all zeros.
fn enc_ext(h: Hf) -> Ext {
    debug_assert!(h.frac < pow16(EXT));
    let sign = u64::from(h.neg) << 63;
    let ch = (h.ch & 0x7F) as u64;
    let hi = sign | (ch << 56) | ((h.frac >> 56) as u64 & M56);
    let low_ch = if h.neg || ch != 0 || h.frac != 0 {
        ((h.ch - 14) & 0x7F) as u64
    } else {
        0
    };
    let lo = sign | (low_ch << 56) | (h.frac as u64 & M56);
    (hi, lo)
}

/// Condition code for a result: 0 zero fraction, 1 less than zero, 2 greater than zero.
fn cc_of(h: Hf) -> u8 {
    if h.frac == 0 {
        0
    } else if h.neg {
        1
    } else {
        2
    }
}

/// Normalizes an n-digit fraction (shifts out leading zero digits, lowering the
/// characteristic); a zero fraction becomes a true zero. No exponent check.
fn normalize(h: Hf, n: u32) -> Hf {
    if h.frac == 0 {
        return ZERO;
    }
    debug_assert!(h.frac < pow16(n));
    let z = (h.frac.leading_zeros() - (128 - 4 * n)) / 4;
    Hf {
        neg: h.neg,
        ch: h.ch - z as i32,
        frac: h.frac << (4 * z),
    }
}

/// A result before encoding, with the exception it raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Res {
    v: Hf,
    exc: Option<HfpException>,
}

impl Res {
    const fn ok(v: Hf) -> Self {
        Res { v, exc: None }
    }
}

/// Applies the exponent-overflow and exponent-underflow rules to a result.
fn over_under(h: Hf, masks: HfpMasks) -> Res {
    if h.ch > 127 {
        Res {
            v: Hf {
                ch: h.ch & 0x7F,
                ..h
            },
            exc: Some(HfpException::ExponentOverflow),
        }
    } else if h.ch < 0 {
        if masks.exponent_underflow {
            Res {
                v: Hf {
                    ch: h.ch & 0x7F,
                    ..h
                },
                exc: Some(HfpException::ExponentUnderflow),
            }
        } else {
            Res::ok(ZERO)
        }
    } else {
        Res::ok(h)
    }
}

/// Applies the significance rule to a zero intermediate sum with characteristic `ch`.
fn significance(ch: i32, masks: HfpMasks) -> Res {
    if masks.significance {
        Res {
            v: Hf {
                neg: false,
                ch,
                frac: 0,
            },
            exc: Some(HfpException::Significance),
        }
    } else {
        Res::ok(ZERO)
    }
}

fn finish<T>(r: Res, enc: fn(Hf) -> T, with_cc: bool) -> HfpOutcome<T> {
    HfpOutcome {
        value: Some(enc(r.v)),
        cc: if with_cc { Some(cc_of(r.v)) } else { None },
        exception: r.exc,
    }
}

// ---------------------------------------------------------------------------------------
// 256-bit helpers
// ---------------------------------------------------------------------------------------

/// An unsigned 256-bit integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide {
    hi: u128,
    lo: u128,
}

impl Wide {
    const fn from_u128(v: u128) -> Self {
        Wide { hi: 0, lo: v }
    }

    /// The exact product of two `u128`s.
    fn mul(a: u128, b: u128) -> Self {
        const M64: u128 = u64::MAX as u128;
        let (a1, a0) = (a >> 64, a & M64);
        let (b1, b0) = (b >> 64, b & M64);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        let mid = (p00 >> 64) + (p01 & M64) + (p10 & M64);
        Wide {
            hi: p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64),
            lo: (p00 & M64) | (mid << 64),
        }
    }

    /// Shift left by `k` < 128 bits (bits shifted out of the top are lost).
    fn shl(self, k: u32) -> Self {
        debug_assert!(k < 128);
        if k == 0 {
            self
        } else {
            Wide {
                hi: (self.hi << k) | (self.lo >> (128 - k)),
                lo: self.lo << k,
            }
        }
    }

    /// Shift right by `k` < 256 bits.
    fn shr(self, k: u32) -> Self {
        debug_assert!(k < 256);
        if k == 0 {
            self
        } else if k < 128 {
            Wide {
                hi: self.hi >> k,
                lo: (self.lo >> k) | (self.hi << (128 - k)),
            }
        } else {
            Wide {
                hi: 0,
                lo: self.hi >> (k - 128),
            }
        }
    }

    /// Number of significant bits.
    fn bits(self) -> u32 {
        if self.hi != 0 {
            256 - self.hi.leading_zeros()
        } else {
            128 - self.lo.leading_zeros()
        }
    }
}

/// floor(sqrt(v)), for radicands below 2^250 (the root must fit comfortably in a `u128`).
fn isqrt(v: Wide) -> u128 {
    debug_assert!(v.bits() <= 250);
    let mut rem: u128 = 0;
    let mut root: u128 = 0;
    for pair in (0..128u32).rev() {
        let bit = 2 * pair;
        let two = if bit >= 128 {
            (v.hi >> (bit - 128)) & 3
        } else {
            (v.lo >> bit) & 3
        };
        rem = (rem << 2) | two;
        let trial = (root << 2) | 1;
        if rem >= trial {
            rem -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    root
}

/// floor(num × 2^s / d), for d < 2^112 and a quotient that fits in a `u128`.
fn div_shifted(num: u128, d: u128, s: u32) -> u128 {
    debug_assert!(d != 0 && d < 1u128 << 112);
    let mut q = num / d;
    let mut rem = num % d;
    let mut left = s;
    while left > 0 {
        let k = left.min(16);
        rem <<= k;
        q = (q << k) | (rem / d);
        rem %= d;
        left -= k;
    }
    q
}

// ---------------------------------------------------------------------------------------
// Cores, generic over the number of fraction digits
// ---------------------------------------------------------------------------------------

/// Aligns the operands and adds them with one guard digit. Returns the magnitude of the
/// intermediate sum as an (n+1)-digit fraction (n+2 digits with a carry), its sign and the
/// characteristic of the intermediate sum (the larger operand characteristic).
fn aligned_sum(a: Hf, b: Hf, n: u32) -> (u128, bool, i32) {
    let (big, small) = if a.ch >= b.ch { (a, b) } else { (b, a) };
    let d = (big.ch - small.ch) as u32;
    let fb = big.frac << 4;
    let fs = if d > n + 1 {
        0
    } else {
        (small.frac << 4) >> (4 * d)
    };
    if big.neg == small.neg {
        (fb + fs, big.neg, big.ch)
    } else if fb >= fs {
        (fb - fs, big.neg, big.ch)
    } else {
        (fs - fb, small.neg, big.ch)
    }
}

/// ADD NORMALIZED / ADD UNNORMALIZED on n-digit fractions.
fn add_core(a: Hf, b: Hf, n: u32, normalized: bool, masks: HfpMasks) -> Res {
    let (mag, neg, ch) = aligned_sum(a, b, n);
    if mag == 0 {
        return significance(ch, masks);
    }
    if mag >= pow16(n + 1) {
        // Carry out of the leftmost digit: shift right one digit; the guard digit goes.
        return over_under(
            Hf {
                neg,
                ch: ch + 1,
                frac: mag >> 8,
            },
            masks,
        );
    }
    if normalized {
        if mag >= pow16(n) {
            Res::ok(Hf {
                neg,
                ch,
                frac: mag >> 4,
            })
        } else {
            // The leftmost digit is zero: the guard digit is shifted back in.
            over_under(
                normalize(
                    Hf {
                        neg,
                        ch: ch - 1,
                        frac: mag,
                    },
                    n,
                ),
                masks,
            )
        }
    } else {
        let frac = mag >> 4;
        if frac == 0 {
            significance(ch, masks)
        } else {
            Res::ok(Hf { neg, ch, frac })
        }
    }
}

/// COMPARE: the condition code of the normalized subtraction a - b.
fn compare_core(a: Hf, b: Hf, n: u32) -> u8 {
    let (mag, neg, _) = aligned_sum(a, Hf { neg: !b.neg, ..b }, n);
    if mag == 0 {
        0
    } else if neg {
        1
    } else {
        2
    }
}

/// MULTIPLY: `n_in`-digit operands, `n_out`-digit result.
fn mul_core(a: Hf, b: Hf, n_in: u32, n_out: u32, masks: HfpMasks) -> Res {
    if a.frac == 0 || b.frac == 0 {
        return Res::ok(ZERO);
    }
    let a = normalize(a, n_in);
    let b = normalize(b, n_in);
    let mut ch = a.ch + b.ch - 64;
    let mut p = Wide::mul(a.frac, b.frac);
    let digits = 2 * n_in;
    if p.bits() <= 4 * (digits - 1) {
        p = p.shl(4);
        ch -= 1;
    }
    let frac = if digits >= n_out {
        p.shr(4 * (digits - n_out)).lo
    } else {
        p.shl(4 * (n_out - digits)).lo
    };
    over_under(
        Hf {
            neg: a.neg != b.neg,
            ch,
            frac,
        },
        masks,
    )
}

/// DIVIDE on n-digit fractions; `None` for a zero divisor fraction.
fn div_core(a: Hf, b: Hf, n: u32, masks: HfpMasks) -> Option<Res> {
    if b.frac == 0 {
        return None;
    }
    if a.frac == 0 {
        return Some(Res::ok(ZERO));
    }
    let a = normalize(a, n);
    let b = normalize(b, n);
    let (ch, s) = if a.frac < b.frac {
        (a.ch - b.ch + 64, 4 * n)
    } else {
        (a.ch - b.ch + 65, 4 * n - 4)
    };
    let frac = div_shifted(a.frac, b.frac, s);
    Some(over_under(
        Hf {
            neg: a.neg != b.neg,
            ch,
            frac,
        },
        masks,
    ))
}

/// HALVE on n-digit fractions.
fn halve_core(a: Hf, n: u32, masks: HfpMasks) -> Res {
    if a.frac >= 2 * pow16(n - 1) {
        // Leftmost digit at least 2: the result stays normalized; the bit shifted into
        // the guard digit is truncated.
        Res::ok(Hf {
            frac: a.frac >> 1,
            ..a
        })
    } else {
        // Shift right one bit and left one digit: no bits are lost.
        over_under(
            normalize(
                Hf {
                    neg: a.neg,
                    ch: a.ch - 1,
                    frac: a.frac << 3,
                },
                n,
            ),
            masks,
        )
    }
}

/// SQUARE ROOT on n-digit fractions: normalized operand, root rounded on a guard digit.
fn sqrt_core(a: Hf, n: u32) -> Result<Hf, HfpException> {
    if a.frac == 0 {
        return Ok(ZERO);
    }
    if a.neg {
        return Err(HfpException::SquareRoot);
    }
    let a = normalize(a, n);
    // An odd exponent puts one digit of the fraction to the right of the radix point.
    let (ch, shift) = if a.ch & 1 != 0 {
        ((a.ch + 65) >> 1, 4 * (n + 1))
    } else {
        ((a.ch + 64) >> 1, 4 * (n + 2))
    };
    // The root with one guard digit (n+1 digits), then rounded by adding 8 to the guard.
    let x = isqrt(Wide::from_u128(a.frac).shl(shift));
    Ok(Hf {
        neg: false,
        ch,
        frac: (x + 8) >> 4,
    })
}

/// LOAD FP INTEGER on n-digit fractions: truncation toward zero, normalized result.
fn integer_core(a: Hf, n: u32) -> Hf {
    if a.ch <= 64 {
        return ZERO;
    }
    let whole = 64 + n as i32;
    let a = if a.ch < whole {
        Hf {
            neg: a.neg,
            ch: whole,
            frac: a.frac >> (4 * (whole - a.ch) as u32),
        }
    } else {
        a
    };
    normalize(a, n)
}

/// CONVERT FROM FIXED to an n-digit fraction (truncating for the short format).
fn from_fixed_core(v: i32, n: u32) -> Hf {
    let mag = u128::from(v.unsigned_abs());
    if mag == 0 {
        return ZERO;
    }
    let h = normalize(
        Hf {
            neg: v < 0,
            ch: 64 + 8,
            frac: mag,
        },
        8,
    );
    if n >= 8 {
        Hf {
            frac: h.frac << (4 * (n - 8)),
            ..h
        }
    } else {
        Hf {
            frac: h.frac >> (4 * (8 - n)),
            ..h
        }
    }
}

/// The part of a value below the units position, as far as rounding is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    Zero,
    BelowHalf,
    Half,
    AboveHalf,
}

fn tail_of(bits: u128, width: u32) -> Tail {
    let half = 1u128 << (width - 1);
    if bits == 0 {
        Tail::Zero
    } else if bits < half {
        Tail::BelowHalf
    } else if bits == half {
        Tail::Half
    } else {
        Tail::AboveHalf
    }
}

/// CONVERT TO FIXED from an n-digit fraction.
fn to_fixed_core(a: Hf, n: u32, m3: u8) -> HfpOutcome<i32> {
    if !matches!(m3, 0 | 1 | 4..=7) {
        return HfpOutcome::suppressed(HfpException::Specification);
    }
    if a.frac == 0 {
        return HfpOutcome {
            value: Some(0),
            cc: Some(0),
            exception: None,
        };
    }
    let a = normalize(a, n);
    let neg = a.neg;
    let overflow = HfpOutcome {
        value: Some(if neg { i32::MIN } else { i32::MAX }),
        cc: Some(3),
        exception: None,
    };
    if a.ch > 72 {
        return overflow;
    }
    let e = a.ch - 64;
    let (int, tail) = if e < 0 {
        (0, Tail::BelowHalf)
    } else if e == 0 {
        (0, tail_of(a.frac, 4 * n))
    } else if e as u32 >= n {
        (a.frac << (4 * (e as u32 - n)), Tail::Zero)
    } else {
        let s = 4 * (n - e as u32);
        (a.frac >> s, tail_of(a.frac & ((1u128 << s) - 1), s))
    };
    let up = match m3 {
        1 => matches!(tail, Tail::Half | Tail::AboveHalf),
        4 => tail == Tail::AboveHalf || (tail == Tail::Half && int & 1 == 1),
        6 => !neg && tail != Tail::Zero,
        7 => neg && tail != Tail::Zero,
        _ => false, // 0 and 5: toward zero
    };
    let int = int + u128::from(up);
    let limit = if neg { 1u128 << 31 } else { (1u128 << 31) - 1 };
    if int > limit {
        return overflow;
    }
    let v = if neg {
        (-(int as i64)) as i32
    } else {
        int as i32
    };
    HfpOutcome {
        value: Some(v),
        cc: Some(if neg { 1 } else { 2 }),
        exception: None,
    }
}

/// LOAD ROUNDED of an unpacked long fraction to the short format.
fn round_to_short(h: Hf) -> HfpOutcome<u32> {
    let r = (h.frac + 0x8000_0000) >> 32;
    let res = if r >= pow16(SHORT) {
        over_under(
            Hf {
                neg: h.neg,
                ch: h.ch + 1,
                frac: r >> 4,
            },
            HfpMasks::default(),
        )
    } else {
        Res::ok(Hf { frac: r, ..h })
    };
    finish(res, enc_short, false)
}

// ---------------------------------------------------------------------------------------
// ADD / SUBTRACT
// ---------------------------------------------------------------------------------------

fn flip_short(b: u32) -> u32 {
    b ^ (1 << 31)
}

fn flip_long(b: u64) -> u64 {
    b ^ SIGN64
}

fn flip_ext(b: Ext) -> Ext {
    (b.0 ^ SIGN64, b.1)
}

/// ADD NORMALIZED short (AER, AE). Sets cc 0 zero, 1 less than zero, 2 greater than zero.
pub fn add_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    finish(
        add_core(dec_short(a), dec_short(b), SHORT, true, masks),
        enc_short,
        true,
    )
}

/// ADD NORMALIZED long (ADR, AD). Sets cc 0 zero, 1 less than zero, 2 greater than zero.
pub fn add_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    finish(
        add_core(dec_long(a), dec_long(b), LONG, true, masks),
        enc_long,
        true,
    )
}

/// ADD NORMALIZED extended (AXR). Sets cc 0 zero, 1 less than zero, 2 greater than zero.
pub fn add_ext(a: Ext, b: Ext, masks: HfpMasks) -> HfpOutcome<Ext> {
    let r = add_core(dec_ext(a), dec_ext(b), EXT, true, masks);
    let mut out = finish(r, enc_ext, true);
    if r.exc == Some(HfpException::Significance) {
        // A zero fraction kept with its characteristic: the low part gets the
        // characteristic 14 less even when the high characteristic is zero.
        let ch = r.v.ch;
        out.value = Some(((ch as u64) << 56, (((ch - 14) & 0x7F) as u64) << 56));
    }
    out
}

/// SUBTRACT NORMALIZED short (SER, SE). Sets cc like [`add_short`].
pub fn sub_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    add_short(a, flip_short(b), masks)
}

/// SUBTRACT NORMALIZED long (SDR, SD). Sets cc like [`add_long`].
pub fn sub_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    add_long(a, flip_long(b), masks)
}

/// SUBTRACT NORMALIZED extended (SXR). Sets cc like [`add_ext`].
pub fn sub_ext(a: Ext, b: Ext, masks: HfpMasks) -> HfpOutcome<Ext> {
    add_ext(a, flip_ext(b), masks)
}

/// ADD UNNORMALIZED short (AUR, AU). Sets cc 0 zero, 1 less than zero, 2 greater than
/// zero.
pub fn add_unnorm_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    finish(
        add_core(dec_short(a), dec_short(b), SHORT, false, masks),
        enc_short,
        true,
    )
}

/// ADD UNNORMALIZED long (AWR, AW). Sets cc 0 zero, 1 less than zero, 2 greater than
/// zero.
pub fn add_unnorm_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    finish(
        add_core(dec_long(a), dec_long(b), LONG, false, masks),
        enc_long,
        true,
    )
}

/// SUBTRACT UNNORMALIZED short (SUR, SU). Sets cc like [`add_unnorm_short`].
pub fn sub_unnorm_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    add_unnorm_short(a, flip_short(b), masks)
}

/// SUBTRACT UNNORMALIZED long (SWR, SW). Sets cc like [`add_unnorm_long`].
pub fn sub_unnorm_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    add_unnorm_long(a, flip_long(b), masks)
}

// ---------------------------------------------------------------------------------------
// COMPARE
// ---------------------------------------------------------------------------------------

/// COMPARE short (CER, CE): the condition code, 0 equal, 1 first operand low, 2 first
/// operand high. Follows normalized subtraction with a guard digit, so fractions of zero
/// compare equal whatever their sign and characteristic, and a value shifted beyond the
/// guard digit counts as zero. No exceptions.
pub fn compare_short(a: u32, b: u32) -> u8 {
    compare_core(dec_short(a), dec_short(b), SHORT)
}

/// COMPARE long (CDR, CD): the condition code, as for [`compare_short`].
pub fn compare_long(a: u64, b: u64) -> u8 {
    compare_core(dec_long(a), dec_long(b), LONG)
}

/// COMPARE extended (CXR): the condition code, as for [`compare_short`].
pub fn compare_ext(a: Ext, b: Ext) -> u8 {
    compare_core(dec_ext(a), dec_ext(b), EXT)
}

// ---------------------------------------------------------------------------------------
// MULTIPLY / DIVIDE / HALVE
// ---------------------------------------------------------------------------------------

/// MULTIPLY short to long (MDER, MDE; formerly MER, ME): the exact 12-digit product of
/// the normalized operands, normalized, in the long format. No cc.
pub fn mul_short_to_long(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u64> {
    finish(
        mul_core(dec_short(a), dec_short(b), SHORT, LONG, masks),
        enc_long,
        false,
    )
}

/// MULTIPLY short (MEER, MEE): the product truncated to 6 digits. No cc.
pub fn mul_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    finish(
        mul_core(dec_short(a), dec_short(b), SHORT, SHORT, masks),
        enc_short,
        false,
    )
}

/// MULTIPLY long (MDR, MD): the product truncated to 14 digits. No cc.
pub fn mul_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    finish(
        mul_core(dec_long(a), dec_long(b), LONG, LONG, masks),
        enc_long,
        false,
    )
}

/// MULTIPLY long to extended (MXDR, MXD): the exact 28-digit product. No cc.
pub fn mul_long_to_ext(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<Ext> {
    finish(
        mul_core(dec_long(a), dec_long(b), LONG, EXT, masks),
        enc_ext,
        false,
    )
}

/// MULTIPLY extended (MXR): the product truncated to 28 digits. No cc.
pub fn mul_ext(a: Ext, b: Ext, masks: HfpMasks) -> HfpOutcome<Ext> {
    finish(
        mul_core(dec_ext(a), dec_ext(b), EXT, EXT, masks),
        enc_ext,
        false,
    )
}

fn div_outcome<T>(r: Option<Res>, enc: fn(Hf) -> T) -> HfpOutcome<T> {
    match r {
        Some(r) => finish(r, enc, false),
        None => HfpOutcome::suppressed(HfpException::FloatingPointDivide),
    }
}

/// DIVIDE short (DER, DE): the quotient truncated to 6 digits. A zero divisor fraction is
/// a floating-point-divide exception (suppressed). No cc.
pub fn div_short(a: u32, b: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    div_outcome(
        div_core(dec_short(a), dec_short(b), SHORT, masks),
        enc_short,
    )
}

/// DIVIDE long (DDR, DD): as [`div_short`], 14 digits.
pub fn div_long(a: u64, b: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    div_outcome(div_core(dec_long(a), dec_long(b), LONG, masks), enc_long)
}

/// DIVIDE extended (DXR): as [`div_short`], 28 digits.
pub fn div_ext(a: Ext, b: Ext, masks: HfpMasks) -> HfpOutcome<Ext> {
    div_outcome(div_core(dec_ext(a), dec_ext(b), EXT, masks), enc_ext)
}

/// HALVE short (HER): the operand divided by two, normalized, truncated. A zero
/// fraction gives a true zero. No cc.
pub fn halve_short(a: u32, masks: HfpMasks) -> HfpOutcome<u32> {
    finish(halve_core(dec_short(a), SHORT, masks), enc_short, false)
}

/// HALVE long (HDR): as [`halve_short`].
pub fn halve_long(a: u64, masks: HfpMasks) -> HfpOutcome<u64> {
    finish(halve_core(dec_long(a), LONG, masks), enc_long, false)
}

// ---------------------------------------------------------------------------------------
// LOAD ROUNDED / LOAD LENGTHENED
// ---------------------------------------------------------------------------------------

/// LOAD ROUNDED long to short (LEDR, formerly LRER): adds one to the leftmost bit of the
/// seventh fraction digit and truncates; no normalization. A carry out of the fraction
/// shifts it right one digit and raises the characteristic, which may overflow. No cc.
pub fn round_long_to_short(a: u64) -> HfpOutcome<u32> {
    round_to_short(dec_long(a))
}

/// LOAD ROUNDED extended to long (LDXR, formerly LRDR): as [`round_long_to_short`],
/// rounding on the leftmost bit of the fifteenth digit (the first low-part digit).
pub fn round_ext_to_long(a: Ext) -> HfpOutcome<u64> {
    let h = dec_ext(a);
    let r = (h.frac >> 56) + ((h.frac >> 55) & 1);
    let res = if r >= pow16(LONG) {
        over_under(
            Hf {
                neg: h.neg,
                ch: h.ch + 1,
                frac: r >> 4,
            },
            HfpMasks::default(),
        )
    } else {
        Res::ok(Hf {
            neg: h.neg,
            ch: h.ch,
            frac: r,
        })
    };
    finish(res, enc_long, false)
}

/// LOAD ROUNDED extended to short (LEXR): as [`round_long_to_short`], rounding on the
/// leftmost bit of the seventh digit (the low part cannot matter).
pub fn round_ext_to_short(a: Ext) -> HfpOutcome<u32> {
    round_to_short(dec_long(a.0))
}

/// LOAD LENGTHENED short to long (LDER, LDE): the operand extended with zeros.
pub fn lengthen_short_to_long(a: u32) -> u64 {
    u64::from(a) << 32
}

/// LOAD LENGTHENED long to extended (LXDR, LXD): the operand extended with a zero low
/// fraction; the low part gets the sign and a characteristic 14 less. A zero fraction
/// gives a zero with the operand's sign in both parts (characteristics zero).
pub fn lengthen_long_to_ext(a: u64) -> Ext {
    let sign = a & SIGN64;
    if a & M56 == 0 {
        return (sign, sign);
    }
    let ch = (a >> 56) & 0x7F;
    (a, sign | ((ch.wrapping_sub(14) & 0x7F) << 56))
}

/// LOAD LENGTHENED short to extended (LXER, LXE): as [`lengthen_long_to_ext`].
pub fn lengthen_short_to_ext(a: u32) -> Ext {
    lengthen_long_to_ext(lengthen_short_to_long(a))
}

// ---------------------------------------------------------------------------------------
// LOAD POSITIVE / NEGATIVE / COMPLEMENT / AND TEST
// ---------------------------------------------------------------------------------------

fn sign_cc(neg: bool, nonzero: bool) -> u8 {
    match (nonzero, neg) {
        (false, _) => 0,
        (true, true) => 1,
        (true, false) => 2,
    }
}

/// LOAD POSITIVE short (LPER): sign made plus. Returns (result, cc 0 zero fraction, 2).
pub fn load_positive_short(a: u32) -> (u32, u8) {
    let r = a & !(1 << 31);
    (r, sign_cc(false, r & 0x00FF_FFFF != 0))
}

/// LOAD NEGATIVE short (LNER): sign made minus. Returns (result, cc 0 zero fraction, 1).
pub fn load_negative_short(a: u32) -> (u32, u8) {
    let r = a | (1 << 31);
    (r, sign_cc(true, r & 0x00FF_FFFF != 0))
}

/// LOAD COMPLEMENT short (LCER): sign inverted. Returns (result, cc 0/1/2).
pub fn load_complement_short(a: u32) -> (u32, u8) {
    let r = a ^ (1 << 31);
    (r, sign_cc(r >> 31 != 0, r & 0x00FF_FFFF != 0))
}

/// LOAD AND TEST short (LTER): the operand unchanged (not normalized). Returns
/// (result, cc 0/1/2).
pub fn load_and_test_short(a: u32) -> (u32, u8) {
    (a, sign_cc(a >> 31 != 0, a & 0x00FF_FFFF != 0))
}

/// LOAD POSITIVE long (LPDR): as [`load_positive_short`].
pub fn load_positive_long(a: u64) -> (u64, u8) {
    let r = a & !SIGN64;
    (r, sign_cc(false, r & M56 != 0))
}

/// LOAD NEGATIVE long (LNDR): as [`load_negative_short`].
pub fn load_negative_long(a: u64) -> (u64, u8) {
    let r = a | SIGN64;
    (r, sign_cc(true, r & M56 != 0))
}

/// LOAD COMPLEMENT long (LCDR): as [`load_complement_short`].
pub fn load_complement_long(a: u64) -> (u64, u8) {
    let r = a ^ SIGN64;
    (r, sign_cc(r >> 63 != 0, r & M56 != 0))
}

/// LOAD AND TEST long (LTDR): as [`load_and_test_short`].
pub fn load_and_test_long(a: u64) -> (u64, u8) {
    (a, sign_cc(a >> 63 != 0, a & M56 != 0))
}

/// The extended sign operations: the new sign goes to both parts and the low
/// characteristic is made 14 less than the high one; a zero fraction gives a zero with
/// the new sign in both parts.
fn sign_op_ext(a: Ext, new_neg: bool) -> (Ext, u8) {
    let sign = u64::from(new_neg) << 63;
    if a.0 & M56 == 0 && a.1 & M56 == 0 {
        return ((sign, sign), 0);
    }
    let ch = (a.0 >> 56) & 0x7F;
    let hi = (a.0 & !SIGN64) | sign;
    let lo = sign | ((ch.wrapping_sub(14) & 0x7F) << 56) | (a.1 & M56);
    ((hi, lo), sign_cc(new_neg, true))
}

/// LOAD POSITIVE extended (LPXR): as [`load_positive_short`], see also the module notes
/// on the low part.
pub fn load_positive_ext(a: Ext) -> (Ext, u8) {
    sign_op_ext(a, false)
}

/// LOAD NEGATIVE extended (LNXR): as [`load_negative_short`].
pub fn load_negative_ext(a: Ext) -> (Ext, u8) {
    sign_op_ext(a, true)
}

/// LOAD COMPLEMENT extended (LCXR): as [`load_complement_short`].
pub fn load_complement_ext(a: Ext) -> (Ext, u8) {
    sign_op_ext(a, a.0 >> 63 == 0)
}

/// LOAD AND TEST extended (LTXR): as [`load_and_test_short`]; the low part's sign and
/// characteristic are regenerated from the high part, and a zero fraction gives a zero
/// with the operand's sign.
pub fn load_and_test_ext(a: Ext) -> (Ext, u8) {
    sign_op_ext(a, a.0 >> 63 != 0)
}

// ---------------------------------------------------------------------------------------
// SQUARE ROOT
// ---------------------------------------------------------------------------------------

fn sqrt_outcome<T>(r: Result<Hf, HfpException>, enc: fn(Hf) -> T) -> HfpOutcome<T> {
    match r {
        Ok(h) => HfpOutcome {
            value: Some(enc(h)),
            cc: None,
            exception: None,
        },
        Err(e) => HfpOutcome::suppressed(e),
    }
}

/// SQUARE ROOT short (SQER, SQE): the square root of the normalized operand, rounded
/// (one guard digit, half adjusted up). A zero fraction gives a true zero; a negative
/// operand with a nonzero fraction is a square-root exception (suppressed). No cc.
pub fn sqrt_short(a: u32) -> HfpOutcome<u32> {
    sqrt_outcome(sqrt_core(dec_short(a), SHORT), enc_short)
}

/// SQUARE ROOT long (SQDR, SQD): as [`sqrt_short`].
pub fn sqrt_long(a: u64) -> HfpOutcome<u64> {
    sqrt_outcome(sqrt_core(dec_long(a), LONG), enc_long)
}

/// SQUARE ROOT extended (SQXR): as [`sqrt_short`].
pub fn sqrt_ext(a: Ext) -> HfpOutcome<Ext> {
    sqrt_outcome(sqrt_core(dec_ext(a), EXT), enc_ext)
}

// ---------------------------------------------------------------------------------------
// LOAD FP INTEGER / CONVERT FROM FIXED / CONVERT TO FIXED
// ---------------------------------------------------------------------------------------

/// LOAD FP INTEGER short (FIER): the operand truncated toward zero to an integer,
/// normalized; a zero result is a true zero. No exceptions, no cc.
pub fn integer_short(a: u32) -> u32 {
    enc_short(integer_core(dec_short(a), SHORT))
}

/// LOAD FP INTEGER long (FIDR): as [`integer_short`].
pub fn integer_long(a: u64) -> u64 {
    enc_long(integer_core(dec_long(a), LONG))
}

/// LOAD FP INTEGER extended (FIXR): as [`integer_short`].
pub fn integer_ext(a: Ext) -> Ext {
    enc_ext(integer_core(dec_ext(a), EXT))
}

/// CONVERT FROM FIXED to short (CEFR): normalized, truncated to 6 digits (toward zero).
pub fn from_fixed_short(v: i32) -> u32 {
    enc_short(from_fixed_core(v, SHORT))
}

/// CONVERT FROM FIXED to long (CDFR): exact, normalized.
pub fn from_fixed_long(v: i32) -> u64 {
    enc_long(from_fixed_core(v, LONG))
}

/// CONVERT FROM FIXED to extended (CXFR): exact, normalized.
pub fn from_fixed_ext(v: i32) -> Ext {
    enc_ext(from_fixed_core(v, EXT))
}

/// CONVERT TO FIXED from short (CFER). M3 selects the rounding: 1 nearest with ties
/// away from zero, 4 nearest with ties to even, 5 (and 0) toward zero, 6 toward +inf,
/// 7 toward -inf; any other value is a specification exception (suppressed). cc 0 zero
/// fraction, 1 operand less than zero, 2 greater than zero, 3 result too large — then the
/// result is the maximum positive or negative 32-bit number and no interruption occurs.
pub fn to_fixed_short(a: u32, m3: u8) -> HfpOutcome<i32> {
    to_fixed_core(dec_short(a), SHORT, m3)
}

/// CONVERT TO FIXED from long (CFDR): as [`to_fixed_short`].
pub fn to_fixed_long(a: u64, m3: u8) -> HfpOutcome<i32> {
    to_fixed_core(dec_long(a), LONG, m3)
}

/// CONVERT TO FIXED from extended (CFXR): as [`to_fixed_short`].
pub fn to_fixed_ext(a: Ext, m3: u8) -> HfpOutcome<i32> {
    to_fixed_core(dec_ext(a), EXT, m3)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: HfpMasks = HfpMasks {
        exponent_underflow: false,
        significance: false,
    };
    const ON: HfpMasks = HfpMasks {
        exponent_underflow: true,
        significance: true,
    };

    const OV: Option<HfpException> = Some(HfpException::ExponentOverflow);
    const UN: Option<HfpException> = Some(HfpException::ExponentUnderflow);
    const SG: Option<HfpException> = Some(HfpException::Significance);

    fn ok<T>(v: T, cc: u8) -> HfpOutcome<T> {
        HfpOutcome {
            value: Some(v),
            cc: Some(cc),
            exception: None,
        }
    }

    fn exc<T>(v: T, cc: u8, e: Option<HfpException>) -> HfpOutcome<T> {
        HfpOutcome {
            value: Some(v),
            cc: Some(cc),
            exception: e,
        }
    }

    fn val<T>(v: T) -> HfpOutcome<T> {
        HfpOutcome {
            value: Some(v),
            cc: None,
            exception: None,
        }
    }

    fn val_exc<T>(v: T, e: Option<HfpException>) -> HfpOutcome<T> {
        HfpOutcome {
            value: Some(v),
            cc: None,
            exception: e,
        }
    }

    const ONE_S: u32 = 0x4110_0000;
    const TWO_S: u32 = 0x4120_0000;
    const ONE_L: u64 = 0x4110_0000_0000_0000;
    const TWO_L: u64 = 0x4120_0000_0000_0000;
    const ONE_X: Ext = (0x4110_0000_0000_0000, 0x3300_0000_0000_0000);
    const TWO_X: Ext = (0x4120_0000_0000_0000, 0x3300_0000_0000_0000);

    /// Small deterministic generator for property checks.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn int(&mut self, max: i64) -> i32 {
            ((self.next() % (2 * max as u64 + 1)) as i64 - max) as i32
        }
    }

    // --- exceptions ----------------------------------------------------------------

    #[test]
    fn interruption_codes() {
        assert_eq!(HfpException::ExponentOverflow.interruption_code(), 0x0C);
        assert_eq!(HfpException::ExponentUnderflow.interruption_code(), 0x0D);
        assert_eq!(HfpException::Significance.interruption_code(), 0x0E);
        assert_eq!(HfpException::FloatingPointDivide.interruption_code(), 0x0F);
        assert_eq!(HfpException::Specification.interruption_code(), 0x06);
        assert_eq!(HfpException::SquareRoot.interruption_code(), 0x1D);
    }

    // --- add / subtract --------------------------------------------------------------

    #[test]
    fn add_short_simple() {
        assert_eq!(add_short(ONE_S, ONE_S, OFF), ok(TWO_S, 2));
        // 0.5 + 0.5 = 1.0: 8 + 8 carries out of the leftmost digit.
        assert_eq!(add_short(0x4080_0000, 0x4080_0000, OFF), ok(ONE_S, 2));
        assert_eq!(add_short(0x4180_0000, 0x4180_0000, OFF), ok(0x4210_0000, 2));
        // 1.0 + 0.5 = 1.5
        assert_eq!(add_short(ONE_S, 0x4080_0000, OFF), ok(0x4118_0000, 2));
        // 1.0 - 2.0 = -1.0
        assert_eq!(sub_short(ONE_S, TWO_S, OFF), ok(0xC110_0000, 1));
        // -2.0 + -2.0 = -4.0
        assert_eq!(add_short(0xC120_0000, 0xC120_0000, OFF), ok(0xC140_0000, 1));
        // 10 + 6 = 16
        assert_eq!(add_short(0x41A0_0000, 0x4160_0000, OFF), ok(0x4210_0000, 2));
        // 3 - (-1) = 4
        assert_eq!(sub_short(0x4130_0000, 0xC110_0000, OFF), ok(0x4140_0000, 2));
    }

    #[test]
    fn add_short_operand_order_and_signs() {
        // Larger magnitude with the smaller characteristic decides the sign.
        // -15 + 16 = 1, 15 - 16 = -1.
        assert_eq!(add_short(0xC1F0_0000, 0x4210_0000, OFF), ok(ONE_S, 2));
        assert_eq!(add_short(0x4210_0000, 0xC1F0_0000, OFF), ok(ONE_S, 2));
        assert_eq!(add_short(0x41F0_0000, 0xC210_0000, OFF), ok(0xC110_0000, 1));
    }

    #[test]
    fn add_short_guard_digit() {
        // 1 - 0.FFFFFF = 16^-6 exactly, thanks to the guard digit.
        assert_eq!(sub_short(ONE_S, 0x40FF_FFFF, OFF), ok(0x3B10_0000, 2));
        // 1 - 0.0FFFFFF: the last F falls beyond the guard digit and is lost, so the
        // result is 0.F00001 instead of the exact 0.F000001.
        assert_eq!(sub_short(ONE_S, 0x3FFF_FFFF, OFF), ok(0x40F0_0001, 2));
        // A digit in the guard position only is truncated when no normalization occurs.
        assert_eq!(add_short(0x4610_0000, 0x40F0_0000, OFF), ok(0x4610_0000, 2));
        // Difference of seven digits: the small operand vanishes entirely.
        assert_eq!(add_short(0x4710_0000, 0x4010_0000, OFF), ok(0x4710_0000, 2));
        // ...and so does a subtraction of it.
        assert_eq!(sub_short(0x4710_0000, 0x40FF_FFFF, OFF), ok(0x4710_0000, 2));
        // Six digits apart: the leading digit lands in the guard digit and borrows.
        assert_eq!(sub_short(0x4610_0000, 0x4010_0000, OFF), ok(0x45FF_FFFF, 2));
    }

    #[test]
    fn add_short_normalizes_unnormalized_operands() {
        // 16^-1 + 16^-2 from unnormalized operands = 0.11 x 16^0.
        assert_eq!(add_short(0x4400_0010, 0x4400_0001, OFF), ok(0x4011_0000, 2));
        // A lone unnormalized operand plus true zero is normalized.
        assert_eq!(add_short(0x4200_1000, 0, OFF), ok(0x4010_0000, 2));
        assert_eq!(add_short(0, 0x4200_1000, OFF), ok(0x4010_0000, 2));
    }

    #[test]
    fn add_short_significance() {
        // 1 - 1: mask off gives true zero, mask on keeps the characteristic.
        assert_eq!(sub_short(ONE_S, ONE_S, OFF), ok(0, 0));
        assert_eq!(sub_short(ONE_S, ONE_S, ON), exc(0x4100_0000, 0, SG));
        // Negative operands: the zero result is plus.
        assert_eq!(
            sub_short(0xC230_0000, 0xC230_0000, ON),
            exc(0x4200_0000, 0, SG)
        );
        // True zero plus true zero is significance too.
        assert_eq!(add_short(0, 0x8000_0000, ON), exc(0, 0, SG));
        assert_eq!(add_short(0, 0x8000_0000, OFF), ok(0, 0));
        // Zero fraction with a characteristic: the larger characteristic is kept.
        assert_eq!(
            add_short(0x4500_0000, 0x4300_0000, ON),
            exc(0x4500_0000, 0, SG)
        );
        assert_eq!(add_short(0x4500_0000, 0xC300_0000, OFF), ok(0, 0));
        // Only the exponent-underflow mask on: no significance exception.
        let eu = HfpMasks {
            exponent_underflow: true,
            significance: false,
        };
        assert_eq!(sub_short(ONE_S, ONE_S, eu), ok(0, 0));
    }

    #[test]
    fn add_short_overflow() {
        // 0.FFFFFF x 16^63 doubled: characteristic 128 wraps to 0, always an exception.
        assert_eq!(
            add_short(0x7FFF_FFFF, 0x7FFF_FFFF, OFF),
            exc(0x001F_FFFF, 2, OV)
        );
        assert_eq!(
            add_short(0xFFFF_FFFF, 0xFFFF_FFFF, ON),
            exc(0x801F_FFFF, 1, OV)
        );
    }

    #[test]
    fn add_short_underflow() {
        // 0.1 x 16^-64 - 0.08 x 16^-64 = 0.08 x 16^-64 = 0.8 x 16^-65.
        assert_eq!(
            sub_short(0x0010_0000, 0x0008_0000, ON),
            exc(0x7F80_0000, 2, UN)
        );
        assert_eq!(sub_short(0x0010_0000, 0x0008_0000, OFF), ok(0, 0));
        assert_eq!(
            sub_short(0x8010_0000, 0x8008_0000, ON),
            exc(0xFF80_0000, 1, UN)
        );
        // Normalizing an unnormalized operand can underflow, too.
        assert_eq!(add_short(0x0000_0100, 0, ON), exc(0x7D10_0000, 2, UN));
    }

    #[test]
    fn add_unnormalized_short() {
        assert_eq!(add_unnorm_short(ONE_S, ONE_S, OFF), ok(TWO_S, 2));
        // Result stays unnormalized: 1 - 0.F = 0.1 kept at characteristic 42.
        assert_eq!(
            sub_unnorm_short(0x4210_0000, 0x420F_0000, OFF),
            ok(0x4201_0000, 2)
        );
        // Unnormalized operands stay unnormalized.
        assert_eq!(
            add_unnorm_short(0x4400_0010, 0x4400_0001, OFF),
            ok(0x4400_0011, 2)
        );
        // The guard digit is dropped, not normalized back.
        assert_eq!(sub_unnorm_short(ONE_S, 0x40FF_FFFF, OFF), ok(0, 0));
        assert_eq!(
            sub_unnorm_short(ONE_S, 0x40FF_FFFF, ON),
            exc(0x4100_0000, 0, SG)
        );
        // Carry still shifts right.
        assert_eq!(
            add_unnorm_short(0x4180_0000, 0xC080_0000, OFF),
            ok(0x4178_0000, 2)
        );
        assert_eq!(
            add_unnorm_short(0x41F0_0000, 0x4110_0000, OFF),
            ok(0x4210_0000, 2)
        );
        assert_eq!(
            add_unnorm_short(0x7FF0_0000, 0x7F10_0000, OFF),
            exc(0x0010_0000, 2, OV)
        );
        // No underflow even with a tiny characteristic.
        assert_eq!(
            sub_unnorm_short(0x0010_0000, 0x0008_0000, ON),
            ok(0x0008_0000, 2)
        );
        // A lone operand is not normalized.
        assert_eq!(add_unnorm_short(0x4200_1000, 0, OFF), ok(0x4200_1000, 2));
        assert_eq!(sub_unnorm_short(0, 0x4200_1000, OFF), ok(0xC200_1000, 1));
    }

    #[test]
    fn add_long_cases() {
        assert_eq!(add_long(ONE_L, ONE_L, OFF), ok(TWO_L, 2));
        assert_eq!(
            sub_long(ONE_L, 0x40FF_FFFF_FFFF_FFFF, OFF),
            ok(0x3310_0000_0000_0000, 2)
        );
        assert_eq!(
            sub_long(ONE_L, ONE_L, ON),
            exc(0x4100_0000_0000_0000, 0, SG)
        );
        assert_eq!(sub_long(ONE_L, ONE_L, OFF), ok(0, 0));
        assert_eq!(
            add_long(0x7FFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, OFF),
            exc(0x001F_FFFF_FFFF_FFFF, 2, OV)
        );
        assert_eq!(
            sub_long(0x0010_0000_0000_0000, 0x0008_0000_0000_0000, ON),
            exc(0x7F80_0000_0000_0000, 2, UN)
        );
        assert_eq!(
            sub_long(0x0010_0000_0000_0000, 0x0008_0000_0000_0000, OFF),
            ok(0, 0)
        );
        // Short-precision digits beyond the sixth take part.
        assert_eq!(
            add_long(0x4110_0000_0000_0001, 0x4010_0000_0000_0000, OFF),
            ok(0x4111_0000_0000_0001, 2)
        );
        // Fourteen digits apart: only the guard digit is touched, and it is dropped.
        assert_eq!(
            add_long(0x4F10_0000_0000_0000, ONE_L, OFF),
            ok(0x4F10_0000_0000_0000, 2)
        );
        // Fifteen digits apart: the small operand vanishes.
        assert_eq!(
            sub_long(0x4F10_0000_0000_0000, 0x40FF_FFFF_FFFF_FFFF, OFF),
            ok(0x4F10_0000_0000_0000, 2)
        );
    }

    #[test]
    fn add_unnormalized_long() {
        assert_eq!(add_unnorm_long(ONE_L, ONE_L, OFF), ok(TWO_L, 2));
        assert_eq!(
            sub_unnorm_long(0x4210_0000_0000_0000, 0x420F_0000_0000_0000, OFF),
            ok(0x4201_0000_0000_0000, 2)
        );
        assert_eq!(
            sub_unnorm_long(ONE_L, 0x40FF_FFFF_FFFF_FFFF, ON),
            exc(0x4100_0000_0000_0000, 0, SG)
        );
        assert_eq!(sub_unnorm_long(ONE_L, 0x40FF_FFFF_FFFF_FFFF, OFF), ok(0, 0));
    }

    #[test]
    fn add_ext_cases() {
        assert_eq!(add_ext(ONE_X, ONE_X, OFF), ok(TWO_X, 2));
        // The low part's own sign and characteristic are ignored.
        assert_eq!(
            add_ext(ONE_X, (ONE_X.0, 0xFF00_0000_0000_0000), OFF),
            ok(TWO_X, 2)
        );
        let neg_one = (0xC110_0000_0000_0000, 0xB300_0000_0000_0000);
        assert_eq!(sub_ext(ONE_X, TWO_X, OFF), ok(neg_one, 1));
        // Guard digit: 1 - 0.FFF...F (28 digits) = 16^-28.
        let almost = (0x40FF_FFFF_FFFF_FFFF, 0x32FF_FFFF_FFFF_FFFF);
        assert_eq!(
            sub_ext(ONE_X, almost, OFF),
            ok((0x2510_0000_0000_0000, 0x1700_0000_0000_0000), 2)
        );
        // Digits carried across the two halves: 1 + 16^-14.
        let tiny = (0x3310_0000_0000_0000, 0);
        assert_eq!(
            add_ext(ONE_X, tiny, OFF),
            ok((0x4110_0000_0000_0000, 0x3310_0000_0000_0000), 2)
        );
        // Significance: characteristic kept in both parts.
        assert_eq!(
            sub_ext(ONE_X, ONE_X, ON),
            exc((0x4100_0000_0000_0000, 0x3300_0000_0000_0000), 0, SG)
        );
        assert_eq!(sub_ext(ONE_X, ONE_X, OFF), ok((0, 0), 0));
        // Zero plus zero with the mask on keeps characteristic 0 and stores 0 - 14.
        assert_eq!(
            add_ext((0, 0), (0, 0), ON),
            exc((0, 0x7200_0000_0000_0000), 0, SG)
        );
        assert_eq!(add_ext((0, 0), (0, 0), OFF), ok((0, 0), 0));
        // Overflow: low characteristic follows the wrapped high characteristic.
        let max = (0x7FFF_FFFF_FFFF_FFFF, 0x71FF_FFFF_FFFF_FFFF);
        assert_eq!(
            add_ext(max, max, OFF),
            exc((0x001F_FFFF_FFFF_FFFF, 0x72FF_FFFF_FFFF_FFFF), 2, OV)
        );
        // Underflow.
        let a = (0x0010_0000_0000_0000, 0x7200_0000_0000_0000);
        let b = (0x0008_0000_0000_0000, 0x7200_0000_0000_0000);
        assert_eq!(
            sub_ext(a, b, ON),
            exc((0x7F80_0000_0000_0000, 0x7100_0000_0000_0000), 2, UN)
        );
        assert_eq!(sub_ext(a, b, OFF), ok((0, 0), 0));
        // A small characteristic: the low characteristic wraps modulo 128.
        let small = (0x0510_0000_0000_0000, 0);
        assert_eq!(
            add_ext(small, small, OFF),
            ok((0x0520_0000_0000_0000, 0x7700_0000_0000_0000), 2)
        );
    }

    #[test]
    fn add_matches_integer_arithmetic() {
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        for _ in 0..2000 {
            let i = rng.int(0x3FFF_FFFF);
            let j = rng.int(0x3FFF_FFFF);
            let sum = from_fixed_long(i + j);
            let cc = match (i + j).signum() {
                0 => 0,
                -1 => 1,
                _ => 2,
            };
            assert_eq!(
                add_long(from_fixed_long(i), from_fixed_long(j), OFF),
                ok(sum, cc)
            );
            assert_eq!(
                sub_long(from_fixed_long(i), from_fixed_long(-j), OFF),
                ok(sum, cc)
            );
            assert_eq!(
                add_ext(from_fixed_ext(i), from_fixed_ext(j), OFF),
                ok(from_fixed_ext(i + j), cc)
            );
            let (si, sj) = (i >> 8, j >> 8);
            assert_eq!(
                add_short(from_fixed_short(si), from_fixed_short(sj), OFF).value,
                Some(from_fixed_short(si + sj))
            );
            let expect = match i.cmp(&j) {
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Less => 1,
                std::cmp::Ordering::Greater => 2,
            };
            assert_eq!(compare_long(from_fixed_long(i), from_fixed_long(j)), expect);
            assert_eq!(compare_ext(from_fixed_ext(i), from_fixed_ext(j)), expect);
        }
    }

    // --- compare -----------------------------------------------------------------------

    #[test]
    fn compare_cases() {
        assert_eq!(compare_short(ONE_S, TWO_S), 1);
        assert_eq!(compare_short(TWO_S, ONE_S), 2);
        assert_eq!(compare_short(ONE_S, ONE_S), 0);
        // Unnormalized 1.0 equals normalized 1.0.
        assert_eq!(compare_short(ONE_S, 0x4201_0000), 0);
        // Zeros of any sign and characteristic are equal.
        assert_eq!(compare_short(0, 0x8000_0000), 0);
        assert_eq!(compare_short(0x4500_0000, 0xC100_0000), 0);
        // A small value aligned away against a zero fraction with a large characteristic.
        assert_eq!(compare_short(0x7F00_0000, ONE_S), 0);
        assert_eq!(compare_short(0x4300_0000, ONE_S), 1);
        // Guard digit makes these differ...
        assert_eq!(compare_short(ONE_S, 0x40FF_FFFF), 2);
        // ...but a value more than seven digits smaller is lost.
        assert_eq!(compare_short(0x4710_0000, 0x4710_0000), 0);
        assert_eq!(compare_short(0x4710_0000, 0x4010_0000), 2);
        assert_eq!(compare_short(0x4610_0001, 0x4610_0000), 2);
        // Signs.
        assert_eq!(compare_short(0xC110_0000, ONE_S), 1);
        assert_eq!(compare_short(ONE_S, 0xC110_0000), 2);
        assert_eq!(compare_short(0xC110_0000, 0xC120_0000), 2);
        assert_eq!(compare_short(0, 0xC110_0000), 2);
        assert_eq!(compare_short(0x8000_0000, ONE_S), 1);
        // Long and extended.
        assert_eq!(compare_long(ONE_L, 0x4110_0000_0000_0001), 1);
        assert_eq!(compare_long(0x4110_0000_0000_0001, ONE_L), 2);
        assert_eq!(compare_ext(ONE_X, (ONE_X.0, 0x3300_0000_0000_0001)), 1);
        assert_eq!(compare_ext(ONE_X, (ONE_X.0, 0xB300_0000_0000_0000)), 0);
        assert_eq!(compare_ext((0xC110_0000_0000_0000, 0), ONE_X), 1);
    }

    // --- multiply ----------------------------------------------------------------------

    #[test]
    fn multiply_short() {
        // 2 x 3 = 6: the product needs one normalizing shift.
        assert_eq!(mul_short(TWO_S, 0x4130_0000, OFF), val(0x4160_0000));
        assert_eq!(mul_short(0xC120_0000, 0x4130_0000, OFF), val(0xC160_0000));
        assert_eq!(mul_short(0xC120_0000, 0xC130_0000, OFF), val(0x4160_0000));
        // 240 x 16 = 3840 needs a shift, 15 x 15 = 225 does not.
        assert_eq!(mul_short(0x42F0_0000, 0x4210_0000, OFF), val(0x43F0_0000));
        assert_eq!(mul_short(0x41F0_0000, 0x41F0_0000, OFF), val(0x42E1_0000));
        // Truncated product: 0.FFFFFF^2 = 0.FFFFFE000001.
        assert_eq!(mul_short(0x41FF_FFFF, 0x41FF_FFFF, OFF), val(0x42FF_FFFE));
        // Operands are normalized first: 0.01 x 16^2 = 1.
        assert_eq!(mul_short(0x4201_0000, TWO_S, OFF), val(TWO_S));
        // Zero fraction: true zero.
        assert_eq!(mul_short(ONE_S, 0x8000_0000, OFF), val(0));
        assert_eq!(mul_short(0xC500_0000, ONE_S, ON), val(0));
        // Overflow: 189 - 128 = 61.
        assert_eq!(
            mul_short(0x7F10_0000, 0x7F10_0000, OFF),
            val_exc(0x3D10_0000, OV)
        );
        // Underflow: -1 + 128 = 127.
        assert_eq!(
            mul_short(0x2010_0000, 0x2010_0000, ON),
            val_exc(0x7F10_0000, UN)
        );
        assert_eq!(mul_short(0x2010_0000, 0x2010_0000, OFF), val(0));
        // Normalization of an operand can drive the exponent below zero.
        assert_eq!(
            mul_short(0x0000_0001, 0x4110_0000, ON),
            val_exc(0x7B10_0000, UN)
        );
    }

    #[test]
    fn multiply_short_to_long() {
        assert_eq!(mul_short_to_long(ONE_S, ONE_S, OFF), val(ONE_L));
        assert_eq!(
            mul_short_to_long(TWO_S, 0xC130_0000, OFF),
            val(0xC160_0000_0000_0000)
        );
        // Exact: 0.FFFFFF^2 = 0.FFFFFE000001.
        assert_eq!(
            mul_short_to_long(0x41FF_FFFF, 0x41FF_FFFF, OFF),
            val(0x42FF_FFFE_0000_0100)
        );
        assert_eq!(
            mul_short_to_long(0x7F10_0000, 0x7F10_0000, OFF),
            val_exc(0x3D10_0000_0000_0000, OV)
        );
        assert_eq!(
            mul_short_to_long(0x2010_0000, 0x2010_0000, ON),
            val_exc(0x7F10_0000_0000_0000, UN)
        );
        assert_eq!(mul_short_to_long(0x2010_0000, 0x2010_0000, OFF), val(0));
        assert_eq!(mul_short_to_long(0, ONE_S, OFF), val(0));
    }

    #[test]
    fn multiply_long() {
        assert_eq!(
            mul_long(TWO_L, 0x4130_0000_0000_0000, OFF),
            val(0x4160_0000_0000_0000)
        );
        // 0.555...5 x 3 = 0.FFF...F (14 digits), after one normalizing shift.
        assert_eq!(
            mul_long(0x4055_5555_5555_5555, 0x4130_0000_0000_0000, OFF),
            val(0x40FF_FFFF_FFFF_FFFF)
        );
        // Truncated: 0.FF..F^2 = 0.FF..FE00..01 -> 0.FF..FE.
        assert_eq!(
            mul_long(0x40FF_FFFF_FFFF_FFFF, 0x40FF_FFFF_FFFF_FFFF, OFF),
            val(0x40FF_FFFF_FFFF_FFFE)
        );
        assert_eq!(
            mul_long(0x7F10_0000_0000_0000, 0x7F10_0000_0000_0000, OFF),
            val_exc(0x3D10_0000_0000_0000, OV)
        );
        assert_eq!(
            mul_long(0x2010_0000_0000_0000, 0x2010_0000_0000_0000, ON),
            val_exc(0x7F10_0000_0000_0000, UN)
        );
        assert_eq!(
            mul_long(0x2010_0000_0000_0000, ONE_L, OFF),
            val(0x2010_0000_0000_0000)
        );
        assert_eq!(mul_long(0x8000_0000_0000_0000, ONE_L, OFF), val(0));
    }

    #[test]
    fn multiply_long_to_ext() {
        assert_eq!(
            mul_long_to_ext(TWO_L, 0x4130_0000_0000_0000, OFF),
            val((0x4160_0000_0000_0000, 0x3300_0000_0000_0000))
        );
        // Exact 28-digit product.
        assert_eq!(
            mul_long_to_ext(0x40FF_FFFF_FFFF_FFFF, 0xC0FF_FFFF_FFFF_FFFF, OFF),
            val((0xC0FF_FFFF_FFFF_FFFE, 0xB200_0000_0000_0001))
        );
        assert_eq!(mul_long_to_ext(0, ONE_L, OFF), val((0, 0)));
        assert_eq!(
            mul_long_to_ext(0x2010_0000_0000_0000, 0x2010_0000_0000_0000, ON),
            val_exc((0x7F10_0000_0000_0000, 0x7100_0000_0000_0000), UN)
        );
        assert_eq!(
            mul_long_to_ext(0x7F10_0000_0000_0000, 0x7F10_0000_0000_0000, ON),
            val_exc((0x3D10_0000_0000_0000, 0x2F00_0000_0000_0000), OV)
        );
    }

    #[test]
    fn multiply_ext() {
        assert_eq!(mul_ext(ONE_X, TWO_X, OFF), val(TWO_X));
        let three = (0x4130_0000_0000_0000, 0x3300_0000_0000_0000);
        assert_eq!(
            mul_ext(TWO_X, three, OFF),
            val((0x4160_0000_0000_0000, 0x3300_0000_0000_0000))
        );
        // (1 - 16^-28)^2 truncated to 28 digits.
        let almost = (0x40FF_FFFF_FFFF_FFFF, 0x32FF_FFFF_FFFF_FFFF);
        assert_eq!(
            mul_ext(almost, almost, OFF),
            val((0x40FF_FFFF_FFFF_FFFF, 0x32FF_FFFF_FFFF_FFFE))
        );
        // Low-part digits participate: (1 + 16^-15) x (1 + 16^-15) = 1 + 2x16^-15 + 16^-30.
        let a = (0x4110_0000_0000_0000, 0x3301_0000_0000_0000);
        assert_eq!(
            mul_ext(a, a, OFF),
            val((0x4110_0000_0000_0000, 0x3302_0000_0000_0000))
        );
        assert_eq!(mul_ext((0x8000_0000_0000_0000, 0), ONE_X, OFF), val((0, 0)));
    }

    #[test]
    fn multiply_matches_integer_arithmetic() {
        let mut rng = Rng(0x0F0E_0D0C_0B0A_0908);
        for _ in 0..2000 {
            let i = rng.int(0xFFFF);
            let j = rng.int(0x7FFF);
            let p = i * j;
            assert_eq!(
                mul_long(from_fixed_long(i), from_fixed_long(j), OFF),
                val(from_fixed_long(p))
            );
            assert_eq!(
                mul_ext(from_fixed_ext(i), from_fixed_ext(j), OFF),
                val(from_fixed_ext(p))
            );
            assert_eq!(
                mul_long_to_ext(from_fixed_long(i), from_fixed_long(j), OFF),
                val(from_fixed_ext(p))
            );
            assert_eq!(
                mul_short_to_long(from_fixed_short(i >> 4), from_fixed_short(j), OFF),
                val(from_fixed_long((i >> 4) * j))
            );
        }
    }

    // --- divide ------------------------------------------------------------------------

    #[test]
    fn divide_short() {
        assert_eq!(div_short(0x4160_0000, 0x4130_0000, OFF), val(TWO_S));
        assert_eq!(div_short(ONE_S, 0x4130_0000, OFF), val(0x4055_5555));
        assert_eq!(div_short(TWO_S, 0xC130_0000, OFF), val(0xC0AA_AAAA));
        assert_eq!(div_short(ONE_S, ONE_S, OFF), val(ONE_S));
        // Unnormalized operands are normalized first.
        assert_eq!(div_short(0x4201_0000, 0x4300_2000, OFF), val(0x4080_0000));
        // Zero dividend: true zero.
        assert_eq!(div_short(0xC300_0000, ONE_S, OFF), val(0));
        // Zero divisor: suppressed, even for a zero dividend.
        let fpd = HfpOutcome::suppressed(HfpException::FloatingPointDivide);
        assert_eq!(div_short(ONE_S, 0x8000_0000, OFF), fpd);
        assert_eq!(div_short(ONE_S, 0x4100_0000, ON), fpd);
        assert_eq!(div_short(0, 0, OFF), fpd);
        // Overflow: 127 - 1 + 65 = 191 -> 63.
        assert_eq!(
            div_short(0x7F10_0000, 0x0110_0000, OFF),
            val_exc(0x3F10_0000, OV)
        );
        // Underflow: 1 - 127 + 64 = -62 -> 66.
        assert_eq!(
            div_short(0x0110_0000, 0x7F20_0000, ON),
            val_exc(0x4280_0000, UN)
        );
        assert_eq!(div_short(0x0110_0000, 0x7F20_0000, OFF), val(0));
    }

    #[test]
    fn divide_long_and_ext() {
        assert_eq!(
            div_long(ONE_L, 0x4130_0000_0000_0000, OFF),
            val(0x4055_5555_5555_5555)
        );
        assert_eq!(
            div_long(TWO_L, 0x4130_0000_0000_0000, OFF),
            val(0x40AA_AAAA_AAAA_AAAA)
        );
        assert_eq!(
            div_long(0x4160_0000_0000_0000, 0xC130_0000_0000_0000, OFF),
            val(0xC120_0000_0000_0000)
        );
        assert_eq!(
            div_long(ONE_L, 0, OFF),
            HfpOutcome::suppressed(HfpException::FloatingPointDivide)
        );
        assert_eq!(
            div_long(0x7F10_0000_0000_0000, 0x0110_0000_0000_0000, OFF),
            val_exc(0x3F10_0000_0000_0000, OV)
        );
        let three = (0x4130_0000_0000_0000, 0x3300_0000_0000_0000);
        assert_eq!(
            div_ext(ONE_X, three, OFF),
            val((0x4055_5555_5555_5555, 0x3255_5555_5555_5555))
        );
        assert_eq!(
            div_ext(TWO_X, three, OFF),
            val((0x40AA_AAAA_AAAA_AAAA, 0x32AA_AAAA_AAAA_AAAA))
        );
        assert_eq!(div_ext(three, three, OFF), val(ONE_X));
        assert_eq!(
            div_ext(ONE_X, (0x4100_0000_0000_0000, 0x3300_0000_0000_0000), OFF),
            HfpOutcome::suppressed(HfpException::FloatingPointDivide)
        );
        assert_eq!(div_ext((0, 0), three, OFF), val((0, 0)));
        assert_eq!(
            div_ext((0x0110_0000_0000_0000, 0), (0x7F20_0000_0000_0000, 0), ON),
            val_exc((0x4280_0000_0000_0000, 0x3400_0000_0000_0000), UN)
        );
        // A divisor whose only nonzero digits are in the low part.
        assert_eq!(
            div_ext(
                (0x3310_0000_0000_0000, 0),
                (0x4100_0000_0000_0000, 0x3300_0000_0000_0001),
                OFF
            ),
            val((0x4E10_0000_0000_0000, 0x4000_0000_0000_0000))
        );
    }

    #[test]
    fn divide_properties() {
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..500 {
            let i = rng.int(0xFFFF);
            let j = rng.int(0x7FFF);
            if j == 0 || i == 0 {
                continue;
            }
            let p = i * j;
            assert_eq!(
                div_long(from_fixed_long(p), from_fixed_long(j), OFF),
                val(from_fixed_long(i))
            );
            assert_eq!(
                div_ext(from_fixed_ext(p), from_fixed_ext(j), OFF),
                val(from_fixed_ext(i))
            );
        }
        // The wide division is the truncated exact quotient.
        for _ in 0..500 {
            let a = (u128::from(rng.next()) << 48) ^ u128::from(rng.next());
            let b = (u128::from(rng.next()) << 48) ^ u128::from(rng.next()) | 1 << 100;
            let n = a % b;
            let q = div_shifted(n, b, 112);
            // q x b <= n x 2^112 < (q + 1) x b
            let lhs = Wide::mul(q, b);
            let rhs = Wide::from_u128(n).shl(112);
            let lhs2 = Wide::mul(q + 1, b);
            assert!((lhs.hi, lhs.lo) <= (rhs.hi, rhs.lo));
            assert!((lhs2.hi, lhs2.lo) > (rhs.hi, rhs.lo));
        }
    }

    // --- halve -------------------------------------------------------------------------

    #[test]
    fn halve() {
        assert_eq!(halve_short(TWO_S, OFF), val(ONE_S));
        assert_eq!(halve_short(ONE_S, OFF), val(0x4080_0000));
        assert_eq!(halve_short(0xC130_0000, OFF), val(0xC118_0000));
        // The low bit is truncated.
        assert_eq!(halve_short(0x4130_0001, OFF), val(0x4118_0000));
        assert_eq!(halve_short(0x411F_FFFF, OFF), val(0x40FF_FFF8));
        // Unnormalized operand: normalized result.
        assert_eq!(halve_short(0x4201_0000, OFF), val(0x4080_0000));
        assert_eq!(halve_short(0x4500_0001, OFF), val(0x3F80_0000));
        // Zero fraction: true zero.
        assert_eq!(halve_short(0xC500_0000, ON), val(0));
        // Underflow.
        assert_eq!(halve_short(0x0010_0000, ON), val_exc(0x7F80_0000, UN));
        assert_eq!(halve_short(0x0010_0000, OFF), val(0));
        assert_eq!(halve_short(0x0020_0000, ON), val(0x0010_0000));
        assert_eq!(halve_long(TWO_L, OFF), val(ONE_L));
        assert_eq!(
            halve_long(0x4130_0000_0000_0001, OFF),
            val(0x4118_0000_0000_0000)
        );
        assert_eq!(halve_long(ONE_L, OFF), val(0x4080_0000_0000_0000));
        assert_eq!(
            halve_long(0x0010_0000_0000_0000, ON),
            val_exc(0x7F80_0000_0000_0000, UN)
        );
        assert_eq!(halve_long(0x8000_0000_0000_0000, OFF), val(0));
    }

    // --- load rounded / lengthened ------------------------------------------------------

    #[test]
    fn load_rounded() {
        assert_eq!(round_long_to_short(0x4110_0000_8000_0000), val(0x4110_0001));
        assert_eq!(round_long_to_short(0x4110_0000_7FFF_FFFF), val(0x4110_0000));
        assert_eq!(round_long_to_short(0xC110_0000_8000_0000), val(0xC110_0001));
        // Carry out of the fraction.
        assert_eq!(round_long_to_short(0x41FF_FFFF_8000_0000), val(0x4210_0000));
        // Overflow.
        assert_eq!(
            round_long_to_short(0x7FFF_FFFF_8000_0000),
            val_exc(0x0010_0000, OV)
        );
        // No normalization; zero fractions keep sign and characteristic.
        assert_eq!(round_long_to_short(0x4200_0123_4000_0000), val(0x4200_0123));
        assert_eq!(round_long_to_short(0xC500_0000_0000_0000), val(0xC500_0000));
        assert_eq!(round_long_to_short(0x4500_0000_8000_0000), val(0x4500_0001));

        assert_eq!(
            round_ext_to_long((0x4110_0000_0000_0000, 0x3380_0000_0000_0000)),
            val(0x4110_0000_0000_0001)
        );
        assert_eq!(
            round_ext_to_long((0x4110_0000_0000_0000, 0x337F_FFFF_FFFF_FFFF)),
            val(ONE_L)
        );
        // The low part's sign and characteristic do not matter.
        assert_eq!(
            round_ext_to_long((0x4110_0000_0000_0000, 0x0080_0000_0000_0000)),
            val(0x4110_0000_0000_0001)
        );
        assert_eq!(
            round_ext_to_long((0x41FF_FFFF_FFFF_FFFF, 0x3380_0000_0000_0000)),
            val(0x4210_0000_0000_0000)
        );
        assert_eq!(
            round_ext_to_long((0xFFFF_FFFF_FFFF_FFFF, 0xF180_0000_0000_0000)),
            val_exc(0x8010_0000_0000_0000, OV)
        );

        assert_eq!(
            round_ext_to_short((0x4112_3456_89AB_CDEF, 0x3300_0000_0000_0000)),
            val(0x4112_3457)
        );
        assert_eq!(
            round_ext_to_short((0x4112_3456_7FFF_FFFF, 0x33FF_FFFF_FFFF_FFFF)),
            val(0x4112_3456)
        );
        assert_eq!(
            round_ext_to_short((0x7FFF_FFFF_8000_0000, 0)),
            val_exc(0x0010_0000, OV)
        );
    }

    #[test]
    fn load_lengthened() {
        assert_eq!(lengthen_short_to_long(ONE_S), ONE_L);
        assert_eq!(lengthen_short_to_long(0xC412_3456), 0xC412_3456_0000_0000);
        assert_eq!(lengthen_short_to_long(0x4100_0000), 0x4100_0000_0000_0000);
        assert_eq!(lengthen_long_to_ext(ONE_L), ONE_X);
        assert_eq!(
            lengthen_long_to_ext(0xC112_3456_789A_BCDE),
            (0xC112_3456_789A_BCDE, 0xB300_0000_0000_0000)
        );
        assert_eq!(
            lengthen_long_to_ext(0x0510_0000_0000_0000),
            (0x0510_0000_0000_0000, 0x7700_0000_0000_0000)
        );
        // Zero fraction: zero with the sign, characteristics dropped.
        assert_eq!(
            lengthen_long_to_ext(0xC500_0000_0000_0000),
            (0x8000_0000_0000_0000, 0x8000_0000_0000_0000)
        );
        assert_eq!(lengthen_long_to_ext(0x4500_0000_0000_0000), (0, 0));
        assert_eq!(lengthen_short_to_ext(ONE_S), ONE_X);
        assert_eq!(
            lengthen_short_to_ext(0xC130_0000),
            (0xC130_0000_0000_0000, 0xB300_0000_0000_0000)
        );
        assert_eq!(
            lengthen_short_to_ext(0x8100_0000),
            (0x8000_0000_0000_0000, 0x8000_0000_0000_0000)
        );
    }

    // --- sign operations ---------------------------------------------------------------

    #[test]
    fn sign_operations_short_long() {
        assert_eq!(load_positive_short(0xC110_0000), (ONE_S, 2));
        assert_eq!(load_positive_short(0x8000_0000), (0, 0));
        assert_eq!(load_positive_short(0xC500_0000), (0x4500_0000, 0));
        assert_eq!(load_negative_short(ONE_S), (0xC110_0000, 1));
        assert_eq!(load_negative_short(0x4100_0000), (0xC100_0000, 0));
        assert_eq!(load_complement_short(ONE_S), (0xC110_0000, 1));
        assert_eq!(load_complement_short(0xC110_0000), (ONE_S, 2));
        assert_eq!(load_complement_short(0), (0x8000_0000, 0));
        assert_eq!(load_and_test_short(0xC110_0000), (0xC110_0000, 1));
        assert_eq!(load_and_test_short(0x4200_0100), (0x4200_0100, 2));
        assert_eq!(load_and_test_short(0x8000_0000), (0x8000_0000, 0));

        assert_eq!(load_positive_long(0xC110_0000_0000_0000), (ONE_L, 2));
        assert_eq!(load_positive_long(0x8000_0000_0000_0001), (1, 2));
        assert_eq!(load_negative_long(ONE_L), (0xC110_0000_0000_0000, 1));
        assert_eq!(
            load_negative_long(0x4100_0000_0000_0000),
            (0xC100_0000_0000_0000, 0)
        );
        assert_eq!(load_complement_long(ONE_L), (0xC110_0000_0000_0000, 1));
        assert_eq!(load_complement_long(0x8000_0000_0000_0000), (0, 0));
        assert_eq!(load_and_test_long(0x0000_0000_0000_0001), (1, 2));
        assert_eq!(
            load_and_test_long(0xC100_0000_0000_0000),
            (0xC100_0000_0000_0000, 0)
        );
    }

    #[test]
    fn sign_operations_ext() {
        let neg_one = (0xC110_0000_0000_0000, 0xB300_0000_0000_0000);
        assert_eq!(load_positive_ext(neg_one), (ONE_X, 2));
        assert_eq!(load_negative_ext(ONE_X), (neg_one, 1));
        assert_eq!(load_complement_ext(ONE_X), (neg_one, 1));
        assert_eq!(load_complement_ext(neg_one), (ONE_X, 2));
        assert_eq!(load_and_test_ext(neg_one), (neg_one, 1));
        // The low part's sign and characteristic are regenerated.
        assert_eq!(
            load_and_test_ext((0x4110_0000_0000_0000, 0x0000_0000_0000_0001)),
            ((0x4110_0000_0000_0000, 0x3300_0000_0000_0001), 2)
        );
        assert_eq!(
            load_positive_ext((0xC110_0000_0000_0000, 0xFF00_0000_0000_0001)),
            ((0x4110_0000_0000_0000, 0x3300_0000_0000_0001), 2)
        );
        // Nonzero only in the low part.
        assert_eq!(
            load_negative_ext((0x4000_0000_0000_0000, 0x0000_0000_0000_0001)),
            ((0xC000_0000_0000_0000, 0xB200_0000_0000_0001), 1)
        );
        // Zero fractions: zero with the resulting sign in both parts.
        let z = (0x4500_0000_0000_0000, 0x3700_0000_0000_0000);
        assert_eq!(load_positive_ext(z), ((0, 0), 0));
        assert_eq!(load_negative_ext(z), ((SIGN64, SIGN64), 0));
        assert_eq!(load_complement_ext(z), ((SIGN64, SIGN64), 0));
        assert_eq!(load_complement_ext((SIGN64, 0)), ((0, 0), 0));
        assert_eq!(load_and_test_ext(z), ((0, 0), 0));
        assert_eq!(
            load_and_test_ext((0xC500_0000_0000_0000, 0)),
            ((SIGN64, SIGN64), 0)
        );
    }

    // --- square root ---------------------------------------------------------------------

    #[test]
    fn square_root() {
        assert_eq!(sqrt_short(0x4140_0000), val(TWO_S));
        assert_eq!(sqrt_short(0x4210_0000), val(0x4140_0000));
        assert_eq!(sqrt_short(ONE_S), val(ONE_S));
        assert_eq!(sqrt_short(0x4040_0000), val(0x4080_0000));
        // sqrt(2) = 1.6A09E667F3BCC908B2FB1366EA957D...
        assert_eq!(sqrt_short(TWO_S), val(0x4116_A09E));
        assert_eq!(sqrt_long(TWO_L), val(0x4116_A09E_667F_3BCD));
        assert_eq!(
            sqrt_ext(TWO_X),
            val((0x4116_A09E_667F_3BCC, 0x3390_8B2F_B136_6EA9))
        );
        // sqrt(16^-2 x 2) from an unnormalized operand with a small characteristic.
        assert_eq!(sqrt_short(0x0000_0002), val(0x1E16_A09E));
        assert_eq!(sqrt_short(0x4204_0000), val(TWO_S));
        assert_eq!(sqrt_long(0x4290_0000_0000_0000), val(0x41C0_0000_0000_0000));
        // Rounding up: sqrt(0.FFFFFF) = 0.FFFFFF7FFFFF... rounds to 0.FFFFFF;
        // sqrt(3) = 1.BB67AE8584CAA73B... rounds to 1.BB67AF.
        assert_eq!(sqrt_short(0x40FF_FFFF), val(0x40FF_FFFF));
        assert_eq!(sqrt_short(0x4130_0000), val(0x411B_B67B));
        assert_eq!(sqrt_long(0x4130_0000_0000_0000), val(0x411B_B67A_E858_4CAA));
        // Zero fractions: true zero, regardless of sign.
        assert_eq!(sqrt_short(0x8000_0000), val(0));
        assert_eq!(sqrt_short(0xC500_0000), val(0));
        assert_eq!(
            sqrt_ext((0xC500_0000_0000_0000, 0xB700_0000_0000_0000)),
            val((0, 0))
        );
        // Negative: square-root exception, suppressed.
        let sq = HfpException::SquareRoot;
        assert_eq!(sqrt_short(0xC110_0000), HfpOutcome::suppressed(sq));
        assert_eq!(sqrt_long(0x8000_0000_0000_0001), HfpOutcome::suppressed(sq));
        let x = (0xC000_0000_0000_0000, 0x0000_0000_0000_0001);
        assert_eq!(sqrt_ext(x), HfpOutcome::suppressed(sq));
        // Largest and smallest values.
        assert_eq!(sqrt_short(0x7FFF_FFFF), val(0x6040_0000));
        assert_eq!(sqrt_short(0x0010_0000), val(0x2040_0000));
    }

    #[test]
    fn square_root_properties() {
        let mut rng = Rng(0x5555_AAAA_3333_CCCC);
        for _ in 0..300 {
            let i = rng.int(0xB504).unsigned_abs() as i32;
            let sq = i * i;
            assert_eq!(sqrt_long(from_fixed_long(sq)), val(from_fixed_long(i)));
            assert_eq!(sqrt_ext(from_fixed_ext(sq)), val(from_fixed_ext(i)));
            // Short: 8-digit squares may be truncated by CEFR, so only check exactly
            // representable ones.
            if sq < 1 << 24 {
                assert_eq!(sqrt_short(from_fixed_short(sq)), val(from_fixed_short(i)));
            }
        }
        for _ in 0..300 {
            let hi = rng.next() as u128;
            let lo = rng.next() as u128;
            let v = Wide {
                hi: hi >> 20,
                lo: hi << 64 | lo,
            };
            let r = isqrt(v);
            let r2 = Wide::mul(r, r);
            let r3 = Wide::mul(r + 1, r + 1);
            assert!((r2.hi, r2.lo) <= (v.hi, v.lo));
            assert!((r3.hi, r3.lo) > (v.hi, v.lo));
        }
    }

    // --- load FP integer ---------------------------------------------------------------

    #[test]
    fn load_fp_integer() {
        assert_eq!(integer_short(0x4118_0000), ONE_S);
        assert_eq!(integer_short(0xC118_0000), 0xC110_0000);
        assert_eq!(integer_short(0x4080_0000), 0);
        assert_eq!(integer_short(0xC080_0000), 0);
        assert_eq!(integer_short(0x4612_3456), 0x4612_3456);
        assert_eq!(integer_short(0x4512_3456), 0x4512_3450);
        assert_eq!(integer_short(0x4312_3456), 0x4312_3000);
        // Unnormalized operands: normalized result.
        assert_eq!(integer_short(0x4700_0001), 0x4210_0000);
        assert_eq!(integer_short(0x4300_0123), 0);
        assert_eq!(integer_short(0x4400_1234), 0x4212_0000);
        assert_eq!(integer_short(0xC100_0000), 0);
        assert_eq!(integer_short(0x7FFF_FFFF), 0x7FFF_FFFF);
        assert_eq!(integer_long(0x4311_1111_1111_1111), 0x4311_1000_0000_0000);
        assert_eq!(integer_long(0xCE12_3456_789A_BCDE), 0xCE12_3456_789A_BCDE);
        assert_eq!(integer_long(0xCD12_3456_789A_BCDE), 0xCD12_3456_789A_BCD0);
        assert_eq!(
            integer_ext((0x4118_0000_0000_0000, 0x3300_0000_0000_0000)),
            ONE_X
        );
        assert_eq!(
            integer_ext((0x4F12_3456_789A_BCDE, 0x41F0_1234_5678_9ABC)),
            (0x4F12_3456_789A_BCDE, 0x41F0_0000_0000_0000)
        );
        assert_eq!(
            integer_ext((0x5C12_3456_789A_BCDE, 0x4EF0_1234_5678_9ABC)),
            (0x5C12_3456_789A_BCDE, 0x4EF0_1234_5678_9ABC)
        );
        assert_eq!(
            integer_ext((0x4010_0000_0000_0000, 0x3200_0000_0000_0001)),
            (0, 0)
        );
    }

    // --- conversions -------------------------------------------------------------------

    #[test]
    fn convert_from_fixed() {
        assert_eq!(from_fixed_short(1), ONE_S);
        assert_eq!(from_fixed_short(-1), 0xC110_0000);
        assert_eq!(from_fixed_short(0), 0);
        assert_eq!(from_fixed_short(16), 0x4210_0000);
        assert_eq!(from_fixed_short(0x0012_3456), 0x4612_3456);
        // More than six digits: truncated.
        assert_eq!(from_fixed_short(0x7FFF_FFFF), 0x487F_FFFF);
        assert_eq!(from_fixed_short(-0x0123_4567), 0xC712_3456);
        assert_eq!(from_fixed_short(i32::MIN), 0xC880_0000);
        assert_eq!(from_fixed_long(0x7FFF_FFFF), 0x487F_FFFF_FF00_0000);
        assert_eq!(from_fixed_long(100), 0x4264_0000_0000_0000);
        assert_eq!(from_fixed_long(i32::MIN), 0xC880_0000_0000_0000);
        assert_eq!(from_fixed_long(0), 0);
        assert_eq!(from_fixed_ext(1), ONE_X);
        assert_eq!(
            from_fixed_ext(-1),
            (0xC110_0000_0000_0000, 0xB300_0000_0000_0000)
        );
        assert_eq!(from_fixed_ext(0), (0, 0));
        assert_eq!(
            from_fixed_ext(-0x7654_3210),
            (0xC876_5432_1000_0000, 0xBA00_0000_0000_0000)
        );
    }

    #[test]
    fn convert_to_fixed_rounding_modes() {
        // 1.5, 2.5, -2.5, 0.5, -0.25 under M3 = 1, 4, 5, 6, 7.
        let cases: [(u32, [i32; 5]); 6] = [
            (0x4118_0000, [2, 2, 1, 2, 1]),
            (0x4128_0000, [3, 2, 2, 3, 2]),
            (0xC128_0000, [-3, -2, -2, -2, -3]),
            (0x4080_0000, [1, 0, 0, 1, 0]),
            (0xC040_0000, [0, 0, 0, 0, -1]),
            (0x4128_0001, [3, 3, 2, 3, 2]),
        ];
        for (v, expect) in cases {
            let cc = if v >> 31 != 0 { 1 } else { 2 };
            for (m3, e) in [1u8, 4, 5, 6, 7].into_iter().zip(expect) {
                assert_eq!(to_fixed_short(v, m3), ok(e, cc), "value {v:08X} m3 {m3}");
                assert_eq!(to_fixed_long(lengthen_short_to_long(v), m3), ok(e, cc));
                assert_eq!(to_fixed_ext(lengthen_short_to_ext(v), m3), ok(e, cc));
            }
            // M3 = 0 truncates like 5.
            assert_eq!(to_fixed_short(v, 0), ok(expect[2], cc));
        }
        // Very small values.
        assert_eq!(to_fixed_short(0x3F10_0000, 6), ok(1, 2));
        assert_eq!(to_fixed_short(0x3F10_0000, 1), ok(0, 2));
        assert_eq!(to_fixed_short(0xBF10_0000, 7), ok(-1, 1));
        assert_eq!(to_fixed_short(0x0000_0001, 6), ok(1, 2));
        // Integers and unnormalized operands.
        assert_eq!(to_fixed_short(0x4612_3456, 5), ok(0x0012_3456, 2));
        assert_eq!(to_fixed_short(0x4812_3456, 5), ok(0x1234_5600, 2));
        assert_eq!(to_fixed_short(0x4900_1234, 5), ok(0x0123_4000, 2));
        assert_eq!(to_fixed_long(0x487F_FFFF_FF00_0000, 1), ok(i32::MAX, 2));
        // Sticky digits in the low part of an extended operand.
        assert_eq!(
            to_fixed_ext((0x4128_0000_0000_0000, 0x3300_0000_0000_0001), 4),
            ok(3, 2)
        );
        assert_eq!(
            to_fixed_ext((0x4128_0000_0000_0000, 0x3300_0000_0000_0001), 5),
            ok(2, 2)
        );
        assert_eq!(
            to_fixed_ext((0xC120_0000_0000_0000, 0xB300_0000_0000_0001), 7),
            ok(-3, 1)
        );
        assert_eq!(
            to_fixed_ext((0xC120_0000_0000_0000, 0xB300_0000_0000_0001), 6),
            ok(-2, 1)
        );
        assert_eq!(
            to_fixed_ext((0x4080_0000_0000_0000, 0x3200_0000_0000_0001), 4),
            ok(1, 2)
        );
        assert_eq!(
            to_fixed_ext((0x4080_0000_0000_0000, 0x3200_0000_0000_0000), 4),
            ok(0, 2)
        );
    }

    #[test]
    fn convert_to_fixed_zero_overflow_and_spec() {
        assert_eq!(to_fixed_short(0x8000_0000, 1), ok(0, 0));
        assert_eq!(to_fixed_short(0x4500_0000, 6), ok(0, 0));
        assert_eq!(to_fixed_ext((0xC500_0000_0000_0000, 0), 7), ok(0, 0));
        // 2^31 - 1 and -2^31 are in range; one more is not.
        assert_eq!(to_fixed_long(0x487F_FFFF_FF00_0000, 5), ok(i32::MAX, 2));
        assert_eq!(to_fixed_short(0xC880_0000, 5), ok(i32::MIN, 1));
        assert_eq!(to_fixed_short(0x4880_0000, 5), ok(i32::MAX, 3));
        assert_eq!(to_fixed_short(0xC880_0001, 5), ok(i32::MIN, 3));
        assert_eq!(to_fixed_short(0x4910_0000, 5), ok(i32::MAX, 3));
        assert_eq!(to_fixed_short(0xFFFF_FFFF, 5), ok(i32::MIN, 3));
        // Rounding past the limit.
        assert_eq!(to_fixed_long(0x487F_FFFF_FF80_0000, 1), ok(i32::MAX, 3));
        assert_eq!(to_fixed_long(0x487F_FFFF_FF80_0000, 5), ok(i32::MAX, 2));
        assert_eq!(to_fixed_long(0xC880_0000_0080_0000, 7), ok(i32::MIN, 3));
        assert_eq!(to_fixed_long(0xC880_0000_0080_0000, 6), ok(i32::MIN, 1));
        // Invalid modifiers.
        for m3 in [2u8, 3, 8, 9, 15] {
            let spec = HfpOutcome::suppressed(HfpException::Specification);
            assert_eq!(to_fixed_short(ONE_S, m3), spec);
            assert_eq!(to_fixed_long(ONE_L, m3), spec);
            assert_eq!(to_fixed_ext(ONE_X, m3), spec);
        }
    }

    #[test]
    fn conversions_round_trip() {
        let mut rng = Rng(0x7777_1111_2222_3333);
        for _ in 0..2000 {
            let i = rng.next() as u32 as i32;
            assert_eq!(to_fixed_long(from_fixed_long(i), 5).value, Some(i));
            assert_eq!(to_fixed_ext(from_fixed_ext(i), 4).value, Some(i));
            assert_eq!(integer_long(from_fixed_long(i)), from_fixed_long(i));
            assert_eq!(integer_ext(from_fixed_ext(i)), from_fixed_ext(i));
            assert_eq!(
                round_ext_to_long(from_fixed_ext(i)),
                val(from_fixed_long(i))
            );
            assert_eq!(lengthen_long_to_ext(from_fixed_long(i)), from_fixed_ext(i));
            let s = i >> 8;
            assert_eq!(to_fixed_short(from_fixed_short(s), 1).value, Some(s));
            assert_eq!(
                halve_long(from_fixed_long(i & !1), OFF),
                val(from_fixed_long((i & !1) / 2))
            );
        }
    }
}
