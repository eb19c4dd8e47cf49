//! IEEE 754 binary floating-point arithmetic in software, as ESA/390 BFP defines it
//! (SA22-7201 chapter 19, "Binary-Floating-Point Instructions"; the same rules in
//! SA22-7832 chapters 9 and 19).
//!
//! Written here rather than taken from a crate: the candidates on crates.io either have no
//! square root or tininess control (`rustc_apfloat`), bind the C SoftFloat library
//! (`softfloat-wrapper`), or are unmaintained since 2019 and LGPL-licensed while this
//! workspace is MIT/Apache (`simple-soft-float`). The method is the simple exact one: every
//! operation first forms its result exactly (or exactly enough: a quotient or root carries a
//! sticky bit) in a 512-bit integer significand, and one rounding function ([`round`]) turns
//! that into the target format, with the rounding mode, the IEEE exception conditions, the
//! default (untrapped) result and the scaled result an enabled overflow or underflow trap
//! delivers.
//!
//! Values travel as `u128` holding the format's bits right-aligned (a short operand in the
//! low 32 bits). Tininess is detected before rounding ("the precise intermediate value ...
//! is nonzero and its magnitude is less than the smallest normal number", SA22-7832
//! "IEEE Underflow").

use std::cmp::Ordering;

/// A BFP format: the widths of its fraction and exponent fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    /// Fraction bits (23, 52, 112).
    pub frac: u32,
    /// Exponent bits (8, 11, 15).
    pub exp: u32,
}

/// Short BFP (32 bits).
pub const SHORT: Format = Format { frac: 23, exp: 8 };
/// Long BFP (64 bits).
pub const LONG: Format = Format { frac: 52, exp: 11 };
/// Extended BFP (128 bits).
pub const EXT: Format = Format { frac: 112, exp: 15 };

impl Format {
    /// The exponent bias.
    pub fn bias(self) -> i32 {
        (1 << (self.exp - 1)) - 1
    }
    fn exp_all_ones(self) -> u128 {
        (1u128 << self.exp) - 1
    }
    /// The sign bit.
    pub fn sign_bit(self) -> u128 {
        1u128 << (self.frac + self.exp)
    }
    fn frac_mask(self) -> u128 {
        (1u128 << self.frac) - 1
    }
    fn quiet_bit(self) -> u128 {
        1u128 << (self.frac - 1)
    }
    /// The default NaN: plus sign, the leftmost fraction bit one (SA22-7201 "Default
    /// NaN").
    pub fn default_nan(self) -> u128 {
        (self.exp_all_ones() << self.frac) | self.quiet_bit()
    }
    /// Infinity of the sign.
    pub fn infinity(self, negative: bool) -> u128 {
        (self.exp_all_ones() << self.frac) | if negative { self.sign_bit() } else { 0 }
    }
    fn zero(self, negative: bool) -> u128 {
        if negative {
            self.sign_bit()
        } else {
            0
        }
    }
    /// The largest finite number of the sign.
    fn max_finite(self, negative: bool) -> u128 {
        self.zero(negative) | ((self.exp_all_ones() - 1) << self.frac) | self.frac_mask()
    }
    /// The exponent adjustment of a trapped overflow or underflow result (SA22-7201
    /// "IEEE Overflow", "IEEE Underflow": 192, 1536, 24576).
    fn trap_adjust(self) -> i32 {
        3 << (self.exp - 2)
    }
    /// Whether `v` is negative (its sign bit).
    pub fn negative(self, v: u128) -> bool {
        v & self.sign_bit() != 0
    }
    /// The class of `v`.
    pub fn class(self, v: u128) -> Class {
        let e = (v >> self.frac) & self.exp_all_ones();
        let f = v & self.frac_mask();
        if e == self.exp_all_ones() {
            if f == 0 {
                Class::Infinity
            } else if f & self.quiet_bit() != 0 {
                Class::QNaN
            } else {
                Class::SNaN
            }
        } else if e == 0 {
            if f == 0 {
                Class::Zero
            } else {
                Class::Subnormal
            }
        } else {
            Class::Normal
        }
    }
    /// `v` with its sign bit set as given.
    pub fn with_sign(self, v: u128, negative: bool) -> u128 {
        (v & !self.sign_bit()) | self.zero(negative)
    }
    /// A NaN made quiet.
    fn quiet(self, v: u128) -> u128 {
        v | self.quiet_bit()
    }
    /// A finite nonzero or zero operand as sign, exponent and integer significand
    /// (value = sig * 2^exp).
    fn unpack(self, v: u128) -> (bool, i32, u128) {
        let e = ((v >> self.frac) & self.exp_all_ones()) as i32;
        let f = v & self.frac_mask();
        let neg = self.negative(v);
        if e == 0 {
            (neg, 1 - self.bias() - self.frac as i32, f)
        } else {
            (
                neg,
                e - self.bias() - self.frac as i32,
                f | (1u128 << self.frac),
            )
        }
    }
}

/// The class of a BFP value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Plus or minus zero.
    Zero,
    /// A denormalized number.
    Subnormal,
    /// A normalized number.
    Normal,
    /// Plus or minus infinity.
    Infinity,
    /// A quiet NaN.
    QNaN,
    /// A signaling NaN.
    SNaN,
}

impl Class {
    fn nan(self) -> bool {
        matches!(self, Class::QNaN | Class::SNaN)
    }
}

/// A rounding method (the FPC BFP rounding mode, or the M3 field of the instructions that
/// have one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even.
    NearestEven,
    /// Round toward zero.
    TowardZero,
    /// Round toward +infinity.
    TowardPlus,
    /// Round toward -infinity.
    TowardMinus,
    /// Round to nearest, ties away from zero (M3 = 1, "biased round to nearest").
    NearestAway,
}

impl Rounding {
    /// The FPC rounding-mode field (bits 30-31): 0 nearest, 1 toward 0, 2 toward +inf,
    /// 3 toward -inf.
    pub fn from_fpc(fpc: u32) -> Rounding {
        match fpc & 3 {
            0 => Rounding::NearestEven,
            1 => Rounding::TowardZero,
            2 => Rounding::TowardPlus,
            _ => Rounding::TowardMinus,
        }
    }
    /// Whether a magnitude with round bit `r` and sticky `s` below lsb `odd` is incremented.
    fn increments(self, negative: bool, odd: bool, r: bool, s: bool) -> bool {
        match self {
            Rounding::NearestEven => r && (s || odd),
            Rounding::NearestAway => r,
            Rounding::TowardZero => false,
            Rounding::TowardPlus => !negative && (r || s),
            Rounding::TowardMinus => negative && (r || s),
        }
    }
}

/// IEEE exception bits, in the positions of the FPC mask and flag bytes.
pub mod flag {
    /// IEEE invalid operation.
    pub const INVALID: u8 = 0x80;
    /// IEEE division by zero.
    pub const DIVIDE: u8 = 0x40;
    /// IEEE overflow.
    pub const OVERFLOW: u8 = 0x20;
    /// IEEE underflow.
    pub const UNDERFLOW: u8 = 0x10;
    /// IEEE inexact.
    pub const INEXACT: u8 = 0x08;
}

/// The result of an operation before the FPC masks are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Res {
    /// The default result (the one stored when no trap is enabled).
    pub value: u128,
    /// Invalid operation or division by zero (`flag::INVALID`, `flag::DIVIDE`).
    pub special: u8,
    /// The precise result overflows the format (after rounding to its precision).
    pub overflow: bool,
    /// The precise result is tiny (nonzero, smaller than the smallest normal number).
    pub tiny: bool,
    /// The default result is inexact.
    pub inexact: bool,
    /// The default result's magnitude was incremented by rounding.
    pub incremented: bool,
    /// The result an enabled overflow or underflow trap delivers: rounded to the format's
    /// precision with an unbounded exponent, the exponent adjusted by [`Format`]'s trap
    /// adjustment.
    pub scaled: u128,
    /// `scaled` is inexact.
    pub scaled_inexact: bool,
    /// `scaled` was incremented.
    pub scaled_incremented: bool,
}

impl Res {
    fn exact(value: u128) -> Res {
        Res {
            value,
            ..Res::default()
        }
    }
    fn invalid(value: u128) -> Res {
        Res {
            value,
            special: flag::INVALID,
            ..Res::default()
        }
    }
}

// ------------------------------------------------------------------------ wide integers

/// A 512-bit unsigned integer, little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct W([u64; 8]);

impl W {
    const ZERO: W = W([0; 8]);
    fn from(v: u128) -> W {
        let mut w = W::ZERO;
        w.0[0] = v as u64;
        w.0[1] = (v >> 64) as u64;
        w
    }
    fn low(&self) -> u128 {
        self.0[0] as u128 | (self.0[1] as u128) << 64
    }
    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }
    /// Number of significant bits.
    fn bits(&self) -> u32 {
        for i in (0..8).rev() {
            if self.0[i] != 0 {
                return i as u32 * 64 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }
    fn bit(&self, i: u32) -> bool {
        i < 512 && (self.0[(i / 64) as usize] >> (i % 64)) & 1 != 0
    }
    fn shl(&self, s: u32) -> W {
        let mut r = W::ZERO;
        let (limbs, bits) = ((s / 64) as usize, s % 64);
        for i in (limbs..8).rev() {
            let mut v = self.0[i - limbs] << bits;
            if bits != 0 && i > limbs {
                v |= self.0[i - limbs - 1] >> (64 - bits);
            }
            r.0[i] = v;
        }
        r
    }
    /// Shifted right by `s`, and whether any one bit was shifted out.
    fn shr_sticky(&self, s: u32) -> (W, bool) {
        if s >= 512 {
            return (W::ZERO, !self.is_zero());
        }
        let mut r = W::ZERO;
        let (limbs, bits) = ((s / 64) as usize, s % 64);
        for i in 0..8 - limbs {
            let mut v = self.0[i + limbs] >> bits;
            if bits != 0 && i + limbs + 1 < 8 {
                v |= self.0[i + limbs + 1] << (64 - bits);
            }
            r.0[i] = v;
        }
        let lost = r.shl(s) != *self;
        (r, lost)
    }
    fn add(&self, o: &W) -> W {
        let mut r = W::ZERO;
        let mut c = 0u64;
        for i in 0..8 {
            let (s1, c1) = self.0[i].overflowing_add(o.0[i]);
            let (s2, c2) = s1.overflowing_add(c);
            r.0[i] = s2;
            c = (c1 | c2) as u64;
        }
        r
    }
    /// `self - o` (self >= o).
    fn sub(&self, o: &W) -> W {
        let mut r = W::ZERO;
        let mut b = 0u64;
        for i in 0..8 {
            let (s1, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (s2, b2) = s1.overflowing_sub(b);
            r.0[i] = s2;
            b = (b1 | b2) as u64;
        }
        r
    }
    fn cmp(&self, o: &W) -> Ordering {
        for i in (0..8).rev() {
            match self.0[i].cmp(&o.0[i]) {
                Ordering::Equal => {}
                x => return x,
            }
        }
        Ordering::Equal
    }
    /// The product of two 128-bit numbers.
    fn mul(a: u128, b: u128) -> W {
        let a = [a as u64, (a >> 64) as u64];
        let b = [b as u64, (b >> 64) as u64];
        let mut r = W::ZERO;
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                let t = x as u128 * y as u128 + r.0[i + j] as u128 + carry;
                r.0[i + j] = t as u64;
                carry = t >> 64;
            }
            r.0[i + 2] = carry as u64;
        }
        r
    }
    fn set_bit(&mut self, i: u32) {
        self.0[(i / 64) as usize] |= 1 << (i % 64);
    }
}

/// An exact (or sticky-exact) nonzero intermediate result: `sig * 2^exp`, plus `sticky`
/// when nonzero bits lie below `sig`'s last one.
#[derive(Clone, Copy, Debug)]
struct Exact {
    neg: bool,
    exp: i32,
    sig: W,
    sticky: bool,
}

/// `sig` shifted right by `s` (left when negative) into a `u128`, with the round bit and
/// the sticky bit below it.
fn take(sig: &W, sticky: bool, s: i32) -> (u128, bool, bool) {
    if s <= 0 {
        return (sig.shl((-s) as u32).low(), false, sticky);
    }
    let (m, lost) = sig.shr_sticky(s as u32 - 1);
    let r = m.bit(0);
    (m.shr_sticky(1).0.low(), r, lost || sticky)
}

/// Rounds an exact result into `f` (SA22-7201 "Rounding", "IEEE Overflow", "IEEE
/// Underflow").
fn round(f: Format, x: Exact, mode: Rounding) -> Res {
    let n = x.sig.bits() as i32;
    debug_assert!(n > 0);
    let p = f.frac as i32 + 1;
    let bias = f.bias();
    let emin = 1 - bias;
    // The exponent of the leading bit of the precise value.
    let top = x.exp + n - 1;
    let sign = f.zero(x.neg);
    // Rounded to the precision, exponent unbounded.
    let (mut m, r, s) = take(&x.sig, x.sticky, n - p);
    let mut wide_top = top;
    let wide_incr = mode.increments(x.neg, m & 1 != 0, r, s);
    if wide_incr {
        m += 1;
        if m >> p != 0 {
            m >>= 1;
            wide_top += 1;
        }
    }
    let wide_inexact = r || s;
    let pack = |biased: i32, m: u128| -> u128 {
        sign | ((biased as u128 & f.exp_all_ones()) << f.frac) | (m & f.frac_mask())
    };
    let mut res = Res {
        scaled_inexact: wide_inexact,
        scaled_incremented: wide_incr,
        ..Res::default()
    };
    if wide_top > bias {
        res.overflow = true;
        res.scaled = pack(wide_top + bias - f.trap_adjust(), m);
        res.inexact = true;
        res.incremented = matches!(mode, Rounding::NearestEven | Rounding::NearestAway)
            || (mode == Rounding::TowardPlus && !x.neg)
            || (mode == Rounding::TowardMinus && x.neg);
        res.value = if res.incremented {
            f.infinity(x.neg)
        } else {
            f.max_finite(x.neg)
        };
        return res;
    }
    if top < emin {
        res.tiny = true;
        res.scaled = pack(wide_top + bias + f.trap_adjust(), m);
        // Denormalized: the last bit has the weight of the smallest subnormal number.
        let lsb = emin - f.frac as i32;
        let (mut d, r, s) = take(&x.sig, x.sticky, lsb - x.exp);
        res.incremented = mode.increments(x.neg, d & 1 != 0, r, s);
        if res.incremented {
            d += 1; // may carry into the exponent field: the smallest normal number
        }
        res.inexact = r || s;
        res.value = sign | d;
        return res;
    }
    res.value = pack(wide_top + bias, m);
    res.inexact = wide_inexact;
    res.incremented = wide_incr;
    res
}

/// A zero result of an exact cancellation: plus, except minus when rounding toward
/// -infinity (SA22-7201 "ADD (BFP)").
fn cancel_zero(f: Format, mode: Rounding) -> u128 {
    f.zero(mode == Rounding::TowardMinus)
}

/// The NaN result of an operation with NaN operands, in the order of precedence: the first
/// signaling NaN made quiet (an invalid operation), else the first quiet NaN (SA22-7201
/// "Results of arithmetic operations with NaN operands").
fn nan_result(f: Format, ops: &[u128]) -> Option<Res> {
    if let Some(&s) = ops.iter().find(|&&v| f.class(v) == Class::SNaN) {
        return Some(Res::invalid(f.quiet(s)));
    }
    ops.iter()
        .find(|&&v| f.class(v) == Class::QNaN)
        .map(|&q| Res::exact(q))
}

fn finish(f: Format, neg: bool, exp: i32, sig: W, sticky: bool, mode: Rounding) -> Res {
    if sig.is_zero() && !sticky {
        return Res::exact(cancel_zero(f, mode));
    }
    round(
        f,
        Exact {
            neg,
            exp,
            sig,
            sticky,
        },
        mode,
    )
}

/// The exact sum of two signed values `(neg, exp, sig)`, then rounded; `zero_sign` is the
/// sign of an exact zero sum of like-signed zeros.
fn add_exact(
    f: Format,
    a: (bool, i32, W),
    b: (bool, i32, W),
    mode: Rounding,
    // Both operands are zero: the result is this signed zero.
    both_zero: Option<u128>,
) -> Res {
    if let Some(z) = both_zero {
        return Res::exact(z);
    }
    let (mut a, mut b) = (a, b);
    if a.2.is_zero() {
        a.1 = b.1;
    }
    if b.2.is_zero() {
        b.1 = a.1;
    }
    // Far apart: the smaller one only matters as a sticky bit far below the larger's last
    // bit (its significand has at most 226 bits).
    const GAP: i32 = 250;
    let (hi, lo) = if a.1 >= b.1 { (a, b) } else { (b, a) };
    let lo = if hi.1 - lo.1 > GAP && !lo.2.is_zero() {
        (lo.0, hi.1 - GAP, W::from(1))
    } else {
        lo
    };
    let e = lo.1;
    let hs = hi.2.shl((hi.1 - e) as u32);
    let ls = lo.2;
    if hi.0 == lo.0 {
        return finish(f, hi.0, e, hs.add(&ls), false, mode);
    }
    match hs.cmp(&ls) {
        Ordering::Equal => Res::exact(cancel_zero(f, mode)),
        Ordering::Greater => finish(f, hi.0, e, hs.sub(&ls), false, mode),
        Ordering::Less => finish(f, lo.0, e, ls.sub(&hs), false, mode),
    }
}

fn unpack_w(f: Format, v: u128) -> (bool, i32, W) {
    let (n, e, s) = f.unpack(v);
    (n, e, W::from(s))
}

/// ADD and SUBTRACT (`subtract` inverts the second operand's sign, NaNs untouched).
pub fn add(f: Format, a: u128, b: u128, subtract: bool, mode: Rounding) -> Res {
    if let Some(r) = nan_result(f, &[a, b]) {
        return r;
    }
    let bneg = f.negative(b) ^ subtract;
    let (ca, cb) = (f.class(a), f.class(b));
    match (ca, cb) {
        (Class::Infinity, Class::Infinity) => {
            if f.negative(a) != bneg {
                Res::invalid(f.default_nan())
            } else {
                Res::exact(a)
            }
        }
        (Class::Infinity, _) => Res::exact(a),
        (_, Class::Infinity) => Res::exact(f.infinity(bneg)),
        _ => {
            let both_zero = (ca == Class::Zero && cb == Class::Zero).then(|| {
                if f.negative(a) == bneg {
                    f.zero(bneg)
                } else {
                    cancel_zero(f, mode)
                }
            });
            let mut ub = unpack_w(f, b);
            ub.0 = bneg;
            add_exact(f, unpack_w(f, a), ub, mode, both_zero)
        }
    }
}

/// MULTIPLY: `a * b` of format `f` into format `to` (the same, or the next longer one for
/// MDEBR/MXDBR, where the product is exact).
pub fn multiply(f: Format, to: Format, a: u128, b: u128, mode: Rounding) -> Res {
    if let Some(r) = nan_result(f, &[a, b]) {
        return Res {
            value: convert_nan(f, to, r.value),
            ..r
        };
    }
    let neg = f.negative(a) ^ f.negative(b);
    let (ca, cb) = (f.class(a), f.class(b));
    match (ca, cb) {
        (Class::Infinity, Class::Zero) | (Class::Zero, Class::Infinity) => {
            Res::invalid(to.default_nan())
        }
        (Class::Infinity, _) | (_, Class::Infinity) => Res::exact(to.infinity(neg)),
        (Class::Zero, _) | (_, Class::Zero) => Res::exact(to.zero(neg)),
        _ => {
            let (_, ea, sa) = f.unpack(a);
            let (_, eb, sb) = f.unpack(b);
            round(
                to,
                Exact {
                    neg,
                    exp: ea + eb,
                    sig: W::mul(sa, sb),
                    sticky: false,
                },
                mode,
            )
        }
    }
}

/// MULTIPLY AND ADD / SUBTRACT: `op3 * op2 + op1` (or `- op1`), one rounding
/// (SA22-7201 "MULTIPLY AND ADD (BFP)").
pub fn multiply_add(
    f: Format,
    op1: u128,
    op2: u128,
    op3: u128,
    subtract: bool,
    mode: Rounding,
) -> Res {
    if let Some(r) = nan_result(f, &[op3, op2, op1]) {
        // An invalid product also signals even when op1 is a quiet NaN.
        return r;
    }
    let pneg = f.negative(op2) ^ f.negative(op3);
    let cneg = f.negative(op1) ^ subtract;
    let (c2, c3, c1) = (f.class(op2), f.class(op3), f.class(op1));
    let p_inf = c2 == Class::Infinity || c3 == Class::Infinity;
    let p_zero = c2 == Class::Zero || c3 == Class::Zero;
    if p_inf && p_zero {
        return Res::invalid(f.default_nan());
    }
    if p_inf {
        if c1 == Class::Infinity && cneg != pneg {
            return Res::invalid(f.default_nan());
        }
        return Res::exact(f.infinity(pneg));
    }
    if c1 == Class::Infinity {
        return Res::exact(f.infinity(cneg));
    }
    let (_, e2, s2) = f.unpack(op2);
    let (_, e3, s3) = f.unpack(op3);
    let (_, e1, s1) = f.unpack(op1);
    let both_zero = (p_zero && c1 == Class::Zero).then(|| {
        if pneg == cneg {
            f.zero(pneg)
        } else {
            cancel_zero(f, mode)
        }
    });
    let prod = if p_zero { W::ZERO } else { W::mul(s2, s3) };
    add_exact(
        f,
        (pneg, e2 + e3, prod),
        (cneg, e1, W::from(s1)),
        mode,
        both_zero,
    )
}

/// Shifts a significand up so it has exactly `p` bits, adjusting the exponent.
fn normalize(e: i32, s: u128, p: u32) -> (i32, u128) {
    let n = 128 - s.leading_zeros();
    (e - (p - n) as i32, s << (p - n))
}

/// DIVIDE: `a / b`.
pub fn divide(f: Format, a: u128, b: u128, mode: Rounding) -> Res {
    if let Some(r) = nan_result(f, &[a, b]) {
        return r;
    }
    let neg = f.negative(a) ^ f.negative(b);
    match (f.class(a), f.class(b)) {
        (Class::Infinity, Class::Infinity) | (Class::Zero, Class::Zero) => {
            Res::invalid(f.default_nan())
        }
        (Class::Infinity, _) => Res::exact(f.infinity(neg)),
        (_, Class::Infinity) | (Class::Zero, _) => Res::exact(f.zero(neg)),
        (_, Class::Zero) => Res {
            value: f.infinity(neg),
            special: flag::DIVIDE,
            ..Res::default()
        },
        _ => {
            let p = f.frac + 1;
            let (_, ea, sa) = f.unpack(a);
            let (_, eb, sb) = f.unpack(b);
            let (ea, sa) = normalize(ea, sa, p);
            let (eb, sb) = normalize(eb, sb, p);
            // (sa << k) / sb has at least p + 2 bits.
            let k = p + 2;
            let num = W::from(sa).shl(k);
            let (mut q, mut rem) = (W::ZERO, 0u128);
            for i in (0..num.bits()).rev() {
                rem = (rem << 1) | num.bit(i) as u128;
                if rem >= sb {
                    rem -= sb;
                    q.set_bit(i);
                }
            }
            round(
                f,
                Exact {
                    neg,
                    exp: ea - eb - k as i32,
                    sig: q,
                    sticky: rem != 0,
                },
                mode,
            )
        }
    }
}

/// SQUARE ROOT.
pub fn sqrt(f: Format, a: u128, mode: Rounding) -> Res {
    if let Some(r) = nan_result(f, &[a]) {
        return r;
    }
    match f.class(a) {
        Class::Zero => Res::exact(a),
        _ if f.negative(a) => Res::invalid(f.default_nan()),
        Class::Infinity => Res::exact(a),
        _ => {
            let p = f.frac + 1;
            let (_, e, s) = f.unpack(a);
            let (e, s) = normalize(e, s, p);
            // radicand s << sh with exponent e - sh even; the root gets >= p + 2 bits.
            let mut sh = p + 4;
            if (e - sh as i32) & 1 != 0 {
                sh += 1;
            }
            let n = W::from(s).shl(sh);
            let (mut root, mut rem) = (W::ZERO, W::ZERO);
            let pairs = n.bits().div_ceil(2);
            for i in (0..pairs).rev() {
                rem = rem.shl(2);
                if n.bit(2 * i) {
                    rem.set_bit(0);
                }
                if n.bit(2 * i + 1) {
                    rem.set_bit(1);
                }
                let mut trial = root.shl(2);
                trial.set_bit(0);
                root = root.shl(1);
                if rem.cmp(&trial) != Ordering::Less {
                    rem = rem.sub(&trial);
                    root.set_bit(0);
                }
            }
            round(
                f,
                Exact {
                    neg: false,
                    exp: (e - sh as i32) / 2,
                    sig: root,
                    sticky: !rem.is_zero(),
                },
                mode,
            )
        }
    }
}

/// A NaN converted between formats: the fraction's leftmost bits kept, made quiet.
fn convert_nan(from: Format, to: Format, v: u128) -> u128 {
    let frac = v & from.frac_mask();
    let frac = if to.frac >= from.frac {
        frac << (to.frac - from.frac)
    } else {
        frac >> (from.frac - to.frac)
    };
    to.with_sign(to.default_nan() | frac, from.negative(v))
}

/// LOAD LENGTHENED and LOAD ROUNDED: `v` of format `from` into format `to`.
pub fn convert(from: Format, to: Format, v: u128, mode: Rounding) -> Res {
    let neg = from.negative(v);
    match from.class(v) {
        Class::SNaN => Res::invalid(convert_nan(from, to, v)),
        Class::QNaN => Res::exact(convert_nan(from, to, v)),
        Class::Infinity => Res::exact(to.infinity(neg)),
        Class::Zero => Res::exact(to.zero(neg)),
        _ => {
            let (_, e, s) = from.unpack(v);
            round(
                to,
                Exact {
                    neg,
                    exp: e,
                    sig: W::from(s),
                    sticky: false,
                },
                mode,
            )
        }
    }
}

/// CONVERT FROM FIXED: a signed 32-bit integer into `f`.
pub fn from_fixed(f: Format, v: i32, mode: Rounding) -> Res {
    if v == 0 {
        return Res::exact(0);
    }
    round(
        f,
        Exact {
            neg: v < 0,
            exp: 0,
            sig: W::from(v.unsigned_abs() as u128),
            sticky: false,
        },
        mode,
    )
}

/// A finite value rounded to an integer: (magnitude, inexact, incremented); the magnitude
/// saturates at 2^120.
fn to_integer(f: Format, v: u128, mode: Rounding) -> (u128, bool, bool) {
    let (neg, e, s) = f.unpack(v);
    if e >= 0 {
        return (if e > 8 { 1 << 120 } else { s << e }, false, false);
    }
    let (m, r, st) = take(&W::from(s), false, -e);
    let inc = mode.increments(neg, m & 1 != 0, r, st);
    (m + inc as u128, r || st, inc)
}

/// CONVERT TO FIXED (to 32 bits): the result, the CC, and the IEEE conditions (SA22-7201
/// "CONVERT TO FIXED (BFP)": a NaN or a value out of range is an invalid operation whose
/// default result is the largest number of the sign, X'80000000' for a NaN, with CC 3, and
/// inexact too, as the result is not the source's value; otherwise the CC gives the sign of
/// the source, not of the rounded result).
pub fn to_fixed(f: Format, v: u128, mode: Rounding) -> (u32, u8, Res) {
    let neg = f.negative(v);
    let invalid = |r: u32| {
        let res = Res {
            special: flag::INVALID,
            inexact: true,
            ..Res::default()
        };
        (r, 3, res)
    };
    match f.class(v) {
        Class::QNaN | Class::SNaN => return invalid(0x8000_0000),
        Class::Infinity => return invalid(if neg { 0x8000_0000 } else { 0x7FFF_FFFF }),
        Class::Zero => return (0, 0, Res::exact(0)),
        _ => {}
    }
    let (m, inexact, incremented) = to_integer(f, v, mode);
    let limit = if neg { 1u128 << 31 } else { (1u128 << 31) - 1 };
    if m > limit {
        return invalid(if neg { 0x8000_0000 } else { 0x7FFF_FFFF });
    }
    let r = if neg {
        (m as i64).wrapping_neg() as u32
    } else {
        m as u32
    };
    (
        r,
        if neg { 1 } else { 2 },
        Res {
            inexact,
            incremented,
            ..Res::default()
        },
    )
}

/// LOAD FP INTEGER: `v` rounded to an integer value in its own format.
pub fn round_to_integer(f: Format, v: u128, mode: Rounding) -> Res {
    let neg = f.negative(v);
    match f.class(v) {
        Class::SNaN => return Res::invalid(f.quiet(v)),
        Class::QNaN | Class::Infinity | Class::Zero => return Res::exact(v),
        _ => {}
    }
    let (_, e, _) = f.unpack(v);
    if e >= 0 {
        return Res::exact(v);
    }
    let (m, inexact, incremented) = to_integer(f, v, mode);
    let value = if m == 0 {
        f.zero(neg)
    } else {
        round(
            f,
            Exact {
                neg,
                exp: 0,
                sig: W::from(m),
                sticky: false,
            },
            mode,
        )
        .value
    };
    Res {
        value,
        inexact,
        incremented,
        ..Res::default()
    }
}

/// COMPARE (`signaling` false) and COMPARE AND SIGNAL: the CC (0 equal, 1 low, 2 high,
/// 3 unordered) and whether it is an invalid operation (a signaling NaN; any NaN for
/// COMPARE AND SIGNAL).
pub fn compare(f: Format, a: u128, b: u128, signaling: bool) -> (u8, bool) {
    let (ca, cb) = (f.class(a), f.class(b));
    if ca.nan() || cb.nan() {
        let invalid = signaling || ca == Class::SNaN || cb == Class::SNaN;
        return (3, invalid);
    }
    let key = |v: u128, c: Class| -> i128 {
        if c == Class::Zero {
            0
        } else {
            // Magnitude order is bit order; the sign makes it negative.
            let m = (v & !f.sign_bit()) as i128;
            if f.negative(v) {
                -m
            } else {
                m
            }
        }
    };
    let cc = match key(a, ca).cmp(&key(b, cb)) {
        Ordering::Equal => 0,
        Ordering::Less => 1,
        Ordering::Greater => 2,
    };
    (cc, false)
}

/// The CC of a BFP result: 0 zero, 1 less than zero, 2 greater than zero, 3 NaN.
pub fn result_cc(f: Format, v: u128) -> u8 {
    match f.class(v) {
        Class::Zero => 0,
        Class::QNaN | Class::SNaN => 3,
        _ if f.negative(v) => 1,
        _ => 2,
    }
}

/// TEST DATA CLASS: the mask bit of `v`'s class and sign (SA22-7201 "TEST DATA CLASS":
/// bits 52-63 of the second-operand address, from the left: +0, -0, +normal, -normal,
/// +subnormal, -subnormal, +infinity, -infinity, +QNaN, -QNaN, +SNaN, -SNaN).
pub fn class_mask_bit(f: Format, v: u128) -> u32 {
    let pos = match f.class(v) {
        Class::Zero => 0,
        Class::Normal => 1,
        Class::Subnormal => 2,
        Class::Infinity => 3,
        Class::QNaN => 4,
        Class::SNaN => 5,
    };
    0x800 >> (2 * pos + f.negative(v) as u32)
}

/// `num / den` of wide integers: the quotient (saturating at 2^127) and the remainder.
fn divide_wide(num: &W, den: &W) -> (u128, W) {
    let (mut q, mut rem) = (0u128, W::ZERO);
    for i in (0..num.bits()).rev() {
        rem = rem.shl(1);
        if num.bit(i) {
            rem.set_bit(0);
        }
        q = q.saturating_mul(2);
        if rem.cmp(den) != Ordering::Less {
            rem = rem.sub(den);
            q |= 1;
        }
    }
    (q, rem)
}

/// DIVIDE TO INTEGER (SA22-7201 chapter 19): `a / b` as an integer quotient rounded by
/// `mode` (the M4 method) and the remainder `a - b * quotient`, rounded by `fpc_mode` when
/// it is not exact (a quotient rounded away from zero past a much smaller dividend); the
/// remainder with its IEEE conditions, the quotient, and the CC: 0 remainder complete,
/// 1 complete with the quotient a NaN, 2 partial (the quotient is too large for the
/// format's precision: the program divides again).
///
/// A partial quotient is the precise quotient rounded toward zero to the precision, which
/// makes the partial remainder exact; a zero remainder has the dividend's sign.
pub fn divide_to_integer(
    f: Format,
    a: u128,
    b: u128,
    mode: Rounding,
    fpc_mode: Rounding,
) -> (Res, u128, u8) {
    if let Some(r) = nan_result(f, &[a, b]) {
        return (r, r.value, 1);
    }
    let (ca, cb) = (f.class(a), f.class(b));
    let (aneg, bneg) = (f.negative(a), f.negative(b));
    let qneg = aneg ^ bneg;
    if ca == Class::Infinity || cb == Class::Zero {
        let nan = f.default_nan();
        return (Res::invalid(nan), nan, 1);
    }
    if cb == Class::Infinity || ca == Class::Zero {
        return (Res::exact(a), f.zero(qneg), 0);
    }
    let p = f.frac as i32 + 1;
    let (_, ea, sa) = f.unpack(a);
    let (_, eb, sb) = f.unpack(b);
    let top = |e: i32, s: u128| e + 127 - s.leading_zeros() as i32;
    let (ta, tb) = (top(ea, sa), top(eb, sb));
    let remainder = |neg: bool, e: i32, mag: W| -> Res {
        if mag.is_zero() {
            return Res::exact(f.zero(aneg));
        }
        round(
            f,
            Exact {
                neg,
                exp: e,
                sig: mag,
                sticky: false,
            },
            fpc_mode,
        )
    };
    if ta - tb > p {
        // Partial: the quotient truncated to p bits, N * 2^k.
        let k = ta - tb - p;
        let num = W::from(sa).shl((ea - eb - k + 1).max(0) as u32);
        let den = W::from(sb);
        let (mut n, _) = divide_wide(&num, &den);
        if ea - eb - k + 1 < 0 {
            n = 0;
        }
        // n has p + 1 or p + 2 bits here (one extra shift for the estimate); truncate.
        let extra = (128 - n.leading_zeros()) as i32 - p;
        let (n, k) = if extra > 0 {
            (n >> extra, k - 1 + extra)
        } else {
            (n, k - 1)
        };
        // remainder = a - b * n * 2^k, exact, at exponent min(ea, eb + k).
        let e0 = ea.min(eb + k);
        let av = W::from(sa).shl((ea - e0) as u32);
        let bn = W::mul(sb, n).shl((eb + k - e0) as u32);
        let (rneg, mag) = if av.cmp(&bn) != Ordering::Less {
            (aneg, av.sub(&bn))
        } else {
            (!aneg, bn.sub(&av))
        };
        let q = round(
            f,
            Exact {
                neg: qneg,
                exp: k,
                sig: W::from(n),
                sticky: false,
            },
            Rounding::TowardZero,
        );
        let quotient = if q.overflow { q.scaled } else { q.value };
        return (
            remainder(rneg, e0, mag),
            quotient,
            if q.overflow { 3 } else { 2 },
        );
    }
    // Final: |a / b| < 2^(p+1); Q and R exactly at the common exponent e0.
    let e0 = ea.min(eb);
    if eb - ea > 2 * p + 8 {
        // |a / b| < 2^-(p+4): the quotient rounds to 0 or 1.
        let n = mode.increments(qneg, false, false, true) as u128;
        if n == 0 {
            return (Res::exact(a), f.zero(qneg), 0);
        }
        // remainder = a - b * (+-1) = a - |b| with a's sign
        let q = from_fixed(f, if qneg { -1 } else { 1 }, mode).value;
        let r = add(f, a, f.with_sign(b, aneg), true, fpc_mode);
        return (r, q, 0);
    }
    let av = W::from(sa).shl((ea - e0) as u32);
    let bv = W::from(sb).shl((eb - e0) as u32);
    let (q, r) = divide_wide(&av, &bv);
    let twice = r.shl(1);
    let (rb, st) = match twice.cmp(&bv) {
        Ordering::Less => (false, !r.is_zero()),
        Ordering::Equal => (true, false),
        Ordering::Greater => (true, true),
    };
    let n = q + mode.increments(qneg, q & 1 != 0, rb, st) as u128;
    if 128 - n.leading_zeros() as i32 > p && n != 1u128 << p {
        // Too many bits for the precision after all: partial, truncated to p bits.
        let extra = (128 - n.leading_zeros()) as i32 - p;
        let n = q >> extra;
        let bn = W::mul(sb, n).shl((eb - e0) as u32 + extra as u32);
        let (rneg, mag) = if av.cmp(&bn) != Ordering::Less {
            (aneg, av.sub(&bn))
        } else {
            (!aneg, bn.sub(&av))
        };
        let quotient = round(
            f,
            Exact {
                neg: qneg,
                exp: extra,
                sig: W::from(n),
                sticky: false,
            },
            Rounding::TowardZero,
        )
        .value;
        return (remainder(rneg, e0, mag), quotient, 2);
    }
    let (rneg, mag) = if n == q {
        (aneg, r)
    } else {
        (!aneg, bv.sub(&r))
    };
    let quotient = if n == 0 {
        f.zero(qneg)
    } else {
        round(
            f,
            Exact {
                neg: qneg,
                exp: 0,
                sig: W::from(n),
                sticky: false,
            },
            Rounding::TowardZero,
        )
        .value
    };
    (remainder(rneg, e0, mag), quotient, 0)
}

/// CONVERT BFP TO HFP (THDER, THDR): a BFP value of format `f` as a long HFP number, and
/// the CC (0 zero, 1 negative, 2 positive, 3 infinity, NaN or too large). The long HFP
/// fraction holds every BFP significand exactly; a value beyond the HFP range becomes the
/// largest HFP number of the sign (CC 3; a NaN the largest positive one), one below it a
/// true zero of the sign (CC 1 or 2) (SA22-7201 chapter 9, "CONVERT BFP TO HFP").
pub fn to_hfp(f: Format, v: u128) -> (u64, u8) {
    let neg = f.negative(v);
    let sign = (neg as u64) << 63;
    let sign_cc = if neg { 1 } else { 2 };
    match f.class(v) {
        Class::Zero => return (sign, 0),
        Class::Infinity => return (sign | 0x7FFF_FFFF_FFFF_FFFF, 3),
        // A NaN has no meaningful sign: the largest positive number (as Hercules 3.13).
        Class::QNaN | Class::SNaN => return (0x7FFF_FFFF_FFFF_FFFF, 3),
        _ => {}
    }
    let (_, e, sig) = f.unpack(v);
    let top = e + 127 - sig.leading_zeros() as i32;
    let c = top.div_euclid(4) + 65;
    if c > 127 {
        return (sign | 0x7FFF_FFFF_FFFF_FFFF, 3);
    }
    if c < 0 {
        return (sign, sign_cc);
    }
    let s = e + 312 - 4 * c;
    let frac = if s >= 0 { sig << s } else { sig >> -s } as u64;
    (sign | (c as u64) << 56 | frac, sign_cc)
}

/// CONVERT HFP TO BFP (TBEDR, TBDR): a long HFP number into BFP format `f`, rounded by
/// `mode`, and the CC (0 zero, 1 negative, 2 positive, 3 too large for the format: the
/// largest number of the sign, or infinity when rounding away from zero toward it, as an
/// IEEE overflow's default result); no IEEE exceptions (SA22-7201 chapter 9, "CONVERT HFP TO
/// BFP").
pub fn from_hfp(f: Format, v: u64, mode: Rounding) -> (u128, u8) {
    let neg = v >> 63 != 0;
    let frac = v & 0x00FF_FFFF_FFFF_FFFF;
    if frac == 0 {
        return (f.zero(neg), 0);
    }
    let c = ((v >> 56) & 0x7F) as i32;
    let r = round(
        f,
        Exact {
            neg,
            exp: 4 * (c - 78),
            sig: W::from(frac as u128),
            sticky: false,
        },
        mode,
    );
    if r.overflow {
        // Rounded away from zero, the largest number becomes infinity.
        return (r.value, 3);
    }
    let cc = if f.class(r.value) == Class::Zero {
        0
    } else if neg {
        1
    } else {
        2
    };
    (r.value, cc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator of interesting operands.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Mostly moderate exponents, sometimes extremes, denormals, zeros, infinities.
        fn f64(&mut self) -> f64 {
            let r = self.next();
            let v = match r % 8 {
                0 => f64::from_bits(r >> 12), // denormal or tiny
                1 => f64::from_bits((0x7FEu64 << 52) | (r >> 12)),
                2 => [
                    0.0,
                    -0.0,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::MIN_POSITIVE,
                ][(r >> 8) as usize % 5],
                _ => f64::from_bits(((0x3C0 + (r >> 56) % 0x80) << 52) | (self.next() >> 12)),
            };
            if r & 0x100 != 0 {
                -v
            } else {
                v
            }
        }
        fn f32(&mut self) -> f32 {
            let r = self.next();
            let v = match r % 8 {
                0 => f32::from_bits((r >> 41) as u32),
                1 => f32::from_bits((0xFE << 23) | (r >> 41) as u32),
                2 => [
                    0.0,
                    -0.0,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MIN_POSITIVE,
                ][(r >> 8) as usize % 5],
                _ => f32::from_bits(
                    (((0x70 + (r >> 56) % 0x20) as u32) << 23) | (self.next() >> 41) as u32,
                ),
            };
            if r & 0x100 != 0 {
                -v
            } else {
                v
            }
        }
    }

    const NE: Rounding = Rounding::NearestEven;

    /// Against the host's IEEE arithmetic (round to nearest even, non-NaN operands): add,
    /// subtract, multiply, divide, square root and fused multiply-add, short and long.
    #[test]
    fn agrees_with_host_ieee_in_round_to_nearest() {
        let mut g = Rng(0x1234_5678_9ABC_DEF1);
        for i in 0..200_000 {
            let (a, b, c) = (g.f64(), g.f64(), g.f64());
            let (ab, bb, cb) = (
                a.to_bits() as u128,
                b.to_bits() as u128,
                c.to_bits() as u128,
            );
            let same = |mine: u128, host: f64, what: &str| {
                if host.is_nan() {
                    assert_eq!(mine, LONG.default_nan(), "{what} {a:e} {b:e} {c:e}");
                } else {
                    assert_eq!(mine as u64, host.to_bits(), "#{i} {what} {a:e} {b:e} {c:e}");
                }
            };
            same(add(LONG, ab, bb, false, NE).value, a + b, "add");
            same(add(LONG, ab, bb, true, NE).value, a - b, "sub");
            same(multiply(LONG, LONG, ab, bb, NE).value, a * b, "mul");
            same(divide(LONG, ab, bb, NE).value, a / b, "div");
            same(sqrt(LONG, ab, NE).value, a.sqrt(), "sqrt");
            same(
                multiply_add(LONG, cb, bb, ab, false, NE).value,
                a.mul_add(b, c),
                "fma",
            );
            let (x, y, z) = (g.f32(), g.f32(), g.f32());
            let (xb, yb, zb) = (
                x.to_bits() as u128,
                y.to_bits() as u128,
                z.to_bits() as u128,
            );
            let same32 = |mine: u128, host: f32, what: &str| {
                if host.is_nan() {
                    assert_eq!(mine, SHORT.default_nan(), "{what} {x:e} {y:e} {z:e}");
                } else {
                    assert_eq!(mine as u32, host.to_bits(), "#{i} {what} {x:e} {y:e} {z:e}");
                }
            };
            same32(add(SHORT, xb, yb, false, NE).value, x + y, "add");
            same32(multiply(SHORT, SHORT, xb, yb, NE).value, x * y, "mul");
            same32(divide(SHORT, xb, yb, NE).value, x / y, "div");
            same32(sqrt(SHORT, xb, NE).value, x.sqrt(), "sqrt");
            same32(
                multiply_add(SHORT, zb, yb, xb, false, NE).value,
                x.mul_add(y, z),
                "fma",
            );
            // short to long is exact; long to short rounds as the host's `as`.
            same(convert(SHORT, LONG, xb, NE).value, x as f64, "lengthen");
            same32(convert(LONG, SHORT, ab, NE).value, a as f32, "round");
        }
    }

    /// Extended: sums and products of long operands that are exact in 113 bits, rounded
    /// back to long, are the host's long results; lengthening to extended and back is the
    /// identity.
    #[test]
    fn extended_exact_then_rounded_to_long() {
        let mut g = Rng(0xFEED_F00D_1234_0001);
        for _ in 0..100_000 {
            let (a, b) = (g.f64(), g.f64());
            let (xa, xb) = (
                convert(LONG, EXT, a.to_bits() as u128, NE).value,
                convert(LONG, EXT, b.to_bits() as u128, NE).value,
            );
            assert_eq!(convert(EXT, LONG, xa, NE).value as u64, a.to_bits());
            let p = multiply(EXT, EXT, xa, xb, NE).value;
            let host = a * b;
            if !host.is_nan() && host.is_normal() {
                assert_eq!(
                    convert(EXT, LONG, p, NE).value as u64,
                    host.to_bits(),
                    "{a:e}*{b:e}"
                );
            }
            if (a.abs().log2() - b.abs().log2()).abs() < 50.0 && !(a + b).is_nan() {
                let s = add(EXT, xa, xb, false, NE).value;
                assert_eq!(
                    convert(EXT, LONG, s, NE).value as u64,
                    (a + b).to_bits(),
                    "{a:e}+{b:e}"
                );
            }
            // MXDBR is the exact product.
            let mx = multiply(LONG, EXT, a.to_bits() as u128, b.to_bits() as u128, NE);
            assert_eq!(mx.value, p);
        }
        // sqrt(2) in extended, squared and rounded, is 2 within an ulp; 1/3*3 rounds to 1.
        let two = convert(LONG, EXT, 2f64.to_bits() as u128, NE).value;
        let three = convert(LONG, EXT, 3f64.to_bits() as u128, NE).value;
        let one = convert(LONG, EXT, 1f64.to_bits() as u128, NE).value;
        let r = sqrt(EXT, two, NE);
        assert!(r.inexact);
        assert_eq!(r.value >> 64, 0x3FFF_6A09_E667_F3BC);
        assert_eq!(
            multiply(EXT, EXT, divide(EXT, one, three, NE).value, three, NE).value,
            one
        );
    }

    /// The rounding modes, on 1 + 2^-30 (short: halfway cases and beyond), signed.
    #[test]
    fn rounding_modes() {
        let one = 1f32.to_bits() as u128;
        let tiny = (2f32.powi(-24)).to_bits() as u128; // half an ulp of 1
        let up = (1f32 + f32::EPSILON).to_bits() as u128;
        let case = |m: Rounding, b: u128| add(SHORT, one, b, false, m);
        assert_eq!(case(NE, tiny).value, one); // tie to even
        assert_eq!(case(Rounding::NearestAway, tiny).value, up); // tie away
        assert_eq!(case(Rounding::TowardZero, tiny).value, one);
        assert_eq!(case(Rounding::TowardPlus, tiny).value, up);
        assert_eq!(case(Rounding::TowardMinus, tiny).value, one);
        let r = case(Rounding::TowardPlus, tiny);
        assert!(r.inexact && r.incremented);
        // x - x is +0, but -0 rounding toward minus infinity.
        assert_eq!(add(SHORT, one, one, true, NE).value, 0);
        assert_eq!(
            add(SHORT, one, one, true, Rounding::TowardMinus).value,
            SHORT.sign_bit()
        );
        // Overflow: to infinity or to the largest number, by mode and sign.
        let max = f32::MAX.to_bits() as u128;
        let r = add(SHORT, max, max, false, Rounding::TowardZero);
        assert!(r.overflow && r.inexact && !r.incremented);
        assert_eq!(r.value as u32, f32::MAX.to_bits());
        assert_eq!(
            add(SHORT, max, max, false, NE).value as u32,
            f32::INFINITY.to_bits()
        );
        // The trapped result: (2 - 2^-23) * 2^128 scaled by 2^-192.
        assert_eq!(
            r.scaled as u32,
            (2f32.powi(-64) * (2.0 - f32::EPSILON)).to_bits()
        );
    }

    /// Underflow: tininess before rounding, the denormalized default result, the scaled
    /// trap result; an exact tiny result is not inexact.
    #[test]
    fn underflow_and_denormals() {
        let min = f64::MIN_POSITIVE.to_bits() as u128;
        let half = 0.5f64.to_bits() as u128;
        let r = multiply(LONG, LONG, min, half, NE);
        assert!(r.tiny && !r.inexact);
        assert_eq!(r.value as u64, (f64::MIN_POSITIVE / 2.0).to_bits());
        // Scaled by 2^1536: 2^-1023 * 2^1536 = 2^513.
        assert_eq!(r.scaled as u64, 2f64.powi(513).to_bits());
        // (2^-1022 - 2^-1075) rounds up to the smallest normal number: tiny before rounding.
        let below = (f64::MIN_POSITIVE - f64::from_bits(1)).to_bits() as u128;
        let r = multiply(
            LONG,
            LONG,
            below,
            (1.0 + f64::EPSILON).to_bits() as u128,
            NE,
        );
        assert!(r.tiny && r.inexact);
        assert_eq!(r.value as u64, f64::MIN_POSITIVE.to_bits());
        // Denormal operands are exact inputs.
        let d = f64::from_bits(3).to_bits() as u128;
        assert_eq!(add(LONG, d, d, false, NE).value, 6);
    }

    /// NaNs: signaling ones are invalid and made quiet, the first operand's wins among
    /// the same kind, signaling before quiet; invalid operations give the default NaN.
    #[test]
    fn nans() {
        let s1 = 0x7F80_0001u128;
        let q2 = 0xFFC0_0002u128;
        let one = 1f32.to_bits() as u128;
        let r = add(SHORT, q2, s1, false, NE);
        assert_eq!((r.value, r.special), (0x7FC0_0001, flag::INVALID));
        let r = add(SHORT, q2, one, false, NE);
        assert_eq!((r.value, r.special), (q2, 0));
        let r = add(SHORT, one, 0x7FC0_0003, false, NE);
        assert_eq!(r.value, 0x7FC0_0003);
        let inf = f32::INFINITY.to_bits() as u128;
        assert_eq!(
            add(SHORT, inf, inf, true, NE),
            Res::invalid(SHORT.default_nan())
        );
        assert_eq!(
            sqrt(SHORT, (-1f32).to_bits() as u128, NE).special,
            flag::INVALID
        );
        assert_eq!(
            sqrt(SHORT, (-0f32).to_bits() as u128, NE).value,
            SHORT.sign_bit()
        );
        let r = divide(SHORT, one, 0, NE);
        assert_eq!((r.value, r.special), (inf, flag::DIVIDE));
        // Lengthening keeps the payload's leftmost bits; rounding drops the rightmost.
        assert_eq!(convert(SHORT, LONG, s1, NE).value, 0x7FF8_0000_2000_0000);
        assert_eq!(
            convert(LONG, SHORT, 0x7FF0_0000_2000_0001, NE).value,
            0x7FC0_0001
        );
        assert_eq!(compare(SHORT, q2, one, false), (3, false));
        assert_eq!(compare(SHORT, q2, one, true), (3, true));
        assert_eq!(compare(SHORT, s1, one, false), (3, true));
        assert_eq!(compare(SHORT, 0, SHORT.sign_bit(), false), (0, false));
    }

    /// Conversions with fixed point and to integer values, with each M3 method.
    #[test]
    fn integers() {
        let v = |x: f64| x.to_bits() as u128;
        assert_eq!(to_fixed(LONG, v(2.5), NE).0, 2);
        assert_eq!(to_fixed(LONG, v(2.5), Rounding::NearestAway).0, 3);
        assert_eq!(
            to_fixed(LONG, v(-2.5), Rounding::NearestAway).0,
            -3i32 as u32
        );
        assert_eq!(
            to_fixed(LONG, v(-2.5), Rounding::TowardZero).0,
            -2i32 as u32
        );
        assert_eq!(
            to_fixed(LONG, v(-2.1), Rounding::TowardMinus).0,
            -3i32 as u32
        );
        assert_eq!(to_fixed(LONG, v(2.1), Rounding::TowardPlus).0, 3);
        let (r, cc, res) = to_fixed(LONG, v(2147483647.4), NE);
        assert_eq!((r, cc, res.inexact), (0x7FFF_FFFF, 2, true));
        let (r, cc, res) = to_fixed(LONG, v(2147483648.0), NE);
        assert_eq!(
            (r, cc, res.special, res.inexact),
            (0x7FFF_FFFF, 3, flag::INVALID, true)
        );
        // The CC is the source's sign: 0.4 rounds to 0 with CC 2.
        assert_eq!(to_fixed(LONG, v(0.4), NE).1, 2);
        assert_eq!(to_fixed(LONG, v(-2147483648.0), NE).0, 0x8000_0000);
        assert_eq!(to_fixed(LONG, LONG.default_nan(), NE).0, 0x8000_0000);
        assert_eq!(
            to_fixed(EXT, convert(LONG, EXT, v(-7.0), NE).value, NE).0,
            -7i32 as u32
        );
        let r = from_fixed(SHORT, 0x7FFF_FFFF, NE);
        assert_eq!((r.value as u32, r.inexact), (2147483648f32.to_bits(), true));
        assert_eq!(from_fixed(EXT, -1, NE).value >> 64, 0xBFFF_0000_0000_0000);
        assert_eq!(
            round_to_integer(LONG, v(-0.4), NE).value as u64,
            (-0f64).to_bits()
        );
        assert_eq!(
            round_to_integer(LONG, v(1.5), NE).value as u64,
            2f64.to_bits()
        );
        assert_eq!(
            round_to_integer(LONG, v(1.5), Rounding::TowardZero).value as u64,
            1f64.to_bits()
        );
        assert!(round_to_integer(LONG, v(1.5), NE).inexact);
        assert!(!round_to_integer(LONG, v(1e300), NE).inexact);
    }

    /// BFP to HFP and back: exact for every long BFP number in the HFP range.
    #[test]
    fn hfp_conversions() {
        assert_eq!(
            to_hfp(LONG, 1f64.to_bits() as u128),
            (0x4110_0000_0000_0000, 2)
        );
        assert_eq!(
            to_hfp(LONG, (-0.5f64).to_bits() as u128),
            (0xC080_0000_0000_0000, 1)
        );
        assert_eq!(to_hfp(SHORT, 1), (0x1B80_0000_0000_0000, 2)); // 2^-149 = 1/2 * 16^-37
        assert_eq!(to_hfp(LONG, f64::MAX.to_bits() as u128).1, 3);
        assert_eq!(to_hfp(LONG, f64::MIN_POSITIVE.to_bits() as u128), (0, 2));
        assert_eq!(
            to_hfp(LONG, LONG.default_nan() | LONG.sign_bit()),
            (0x7FFF_FFFF_FFFF_FFFF, 3)
        );
        assert_eq!(
            to_hfp(LONG, LONG.infinity(true)),
            (0xFFFF_FFFF_FFFF_FFFF, 3)
        );
        let mut g = Rng(77);
        for _ in 0..10_000 {
            let x = g.f64();
            if !x.is_finite() || x == 0.0 || x.abs() > 1e70 || x.abs() < 1e-70 {
                continue;
            }
            let (h, _) = to_hfp(LONG, x.to_bits() as u128);
            assert_eq!(
                from_hfp(LONG, h, NE).0 as u64,
                x.to_bits(),
                "{x:e} {h:016X}"
            );
        }
        let huge = 0x7FFF_FFFF_FFFF_FFFF;
        assert_eq!(
            from_hfp(SHORT, huge, Rounding::TowardZero),
            (SHORT.max_finite(false), 3)
        );
        assert_eq!(
            from_hfp(SHORT, huge, Rounding::TowardPlus),
            (SHORT.infinity(false), 3)
        );
        assert_eq!(
            from_hfp(SHORT, 0x4110_0000_0000_0001, Rounding::TowardPlus).0,
            0x3F80_0001
        );
    }

    /// DIVIDE TO INTEGER: the IEEE remainder with nearest rounding, the truncated one
    /// toward zero, a partial result for a huge quotient, the special cases.
    #[test]
    fn divide_to_integer_cases() {
        let v = |x: f64| x.to_bits() as u128;
        let d = |a: f64, b: f64, m: Rounding| {
            let (r, q, cc) = divide_to_integer(LONG, v(a), v(b), m, NE);
            (f64::from_bits(r.value as u64), f64::from_bits(q as u64), cc)
        };
        assert_eq!(d(7.0, 2.0, NE), (-1.0, 4.0, 0));
        assert_eq!(d(7.0, 2.0, Rounding::TowardZero), (1.0, 3.0, 0));
        assert_eq!(d(-7.0, 2.0, Rounding::TowardZero), (-1.0, -3.0, 0));
        assert_eq!(d(6.0, 2.0, NE), (0.0, 3.0, 0));
        assert_eq!(d(-6.0, 2.0, NE).0.to_bits(), (-0.0f64).to_bits());
        assert_eq!(d(1.0, 1e300, NE), (1.0, 0.0, 0));
        assert_eq!(d(1.0, f64::INFINITY, NE), (1.0, 0.0, 0));
        // A quotient rounded up to 1 past a tiny dividend: the remainder a - b is rounded.
        let (r, q, _) = divide_to_integer(LONG, v(1e-300), v(1e300), Rounding::TowardPlus, NE);
        assert_eq!(
            (f64::from_bits(r.value as u64), f64::from_bits(q as u64)),
            (-1e300, 1.0)
        );
        assert!(r.inexact);
        let (r, q, cc) = d(1e300, 3.0, NE);
        assert_eq!(cc, 2);
        // a = b * q + r exactly, with q an integer of 53 bits and |r| < |b| * 2^k.
        assert!(q.fract() == 0.0 && r.abs() < 3.0 * q / 2f64.powi(50));
        let (r, _, cc) = divide_to_integer(LONG, v(f64::INFINITY), v(1.0), NE, NE);
        assert_eq!((r.special, cc), (flag::INVALID, 1));
        let mut g = Rng(5);
        for _ in 0..20_000 {
            let (a, b) = (g.f64(), g.f64());
            if !a.is_finite() || !b.is_finite() || b == 0.0 || (a / b).abs() >= 2f64.powi(52) {
                continue;
            }
            let (r, q, cc) = d(a, b, NE);
            assert_eq!(cc, 0);
            // The host's IEEE remainder (round to nearest even quotient).
            let want = a - b * (a / b).round_ties_even();
            if (a / b).fract().abs() != 0.5 && (a / b) == (a / b) && want.is_finite() {
                let host_q = (a / b).round_ties_even();
                if (a / b - host_q).abs() < 0.49 {
                    assert_eq!(q, host_q, "{a:e} / {b:e}");
                }
            }
            let _ = r;
        }
    }

    /// Every operation on random bit patterns of every format, in every rounding mode,
    /// returns (a guest can hand the CPU any bits).
    #[test]
    fn any_bits_any_operation() {
        let mut g = Rng(0xBAD_F00D);
        let modes = [
            Rounding::NearestEven,
            Rounding::TowardZero,
            Rounding::TowardPlus,
            Rounding::TowardMinus,
            Rounding::NearestAway,
        ];
        for i in 0..30_000u32 {
            let f = [SHORT, LONG, EXT][i as usize % 3];
            let mask = (f.sign_bit() << 1).wrapping_sub(1);
            let mut bits = || {
                let v = (g.next() as u128) << 64 | g.next() as u128;
                // Often an extreme exponent.
                match g.next() % 4 {
                    0 => v & !(f.sign_bit() - 1 - f.frac_mask()) & mask,
                    1 => (v | (f.sign_bit() - 1 - f.frac_mask())) & mask,
                    _ => v & mask,
                }
            };
            let (a, b, c) = (bits(), bits(), bits());
            let m = modes[(i / 3) as usize % 5];
            use std::hint::black_box as bb;
            bb(add(f, a, b, i & 8 != 0, m));
            bb(multiply(f, f, a, b, m));
            if f != EXT {
                let to = if f == SHORT { LONG } else { EXT };
                bb(multiply(f, to, a, b, m));
                bb(divide_to_integer(f, a, b, m, m));
                bb(to_hfp(f, a));
                bb(from_hfp(f, a as u64, m));
            }
            bb(multiply_add(f, a, b, c, i & 16 != 0, m));
            bb(divide(f, a, b, m));
            bb(sqrt(f, a, m));
            bb(convert(f, SHORT, a, m));
            bb(convert(f, EXT, a, m));
            bb(to_fixed(f, a, m));
            bb(round_to_integer(f, a, m));
            bb(compare(f, a, b, true));
        }
    }

    #[test]
    fn test_data_class_bits() {
        assert_eq!(class_mask_bit(SHORT, 0), 0x800);
        assert_eq!(class_mask_bit(SHORT, SHORT.sign_bit()), 0x400);
        assert_eq!(class_mask_bit(SHORT, 1f32.to_bits() as u128), 0x200);
        assert_eq!(class_mask_bit(SHORT, 1), 0x080);
        assert_eq!(class_mask_bit(SHORT, SHORT.infinity(true)), 0x010);
        assert_eq!(class_mask_bit(SHORT, SHORT.default_nan()), 0x008);
        assert_eq!(class_mask_bit(SHORT, 0xFF80_0001), 0x001);
    }
}
