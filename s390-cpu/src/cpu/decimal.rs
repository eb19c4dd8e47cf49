//! Packed-decimal instructions, as pure functions over operand bytes.
//!
//! Everything here follows IBM ESA/390 Principles of Operation, SA22-7201: chapter 8
//! "Decimal Instructions" (AP, CP, DP, ED, EDMK, MP, SRP, SP, TP, ZAP) and the decimal
//! conversions of chapter 7 "General Instructions" (CVB, CVD, MVO, PACK, UNPK).
//!
//! The functions know nothing about the CPU or guest storage: the caller fetches the
//! operands (which also gives it the access exceptions in the right order), calls the
//! function, stores [`DecimalResult::as_bytes`] as the first operand, sets the condition
//! code unless it is [`CC_UNCHANGED`], and turns a [`DecimalFault`] into the program
//! interruption.
//!
//! Packed format: two decimal digits per byte, the rightmost four bits of the rightmost
//! byte hold the sign. Digit codes are 0-9; sign codes are A-F, where A, C, E and F are
//! plus and B and D are minus. Results get the preferred signs C (plus) and D (minus).
//!
//! Internally an operand is a magnitude in a `u128` (31 digits need 103 bits) and a
//! sign; nothing allocates.

/// Condition-code value meaning "the instruction leaves the condition code unchanged"
/// (MP, DP, PACK, UNPK, MVO).
pub const CC_UNCHANGED: u8 = 0xFF;

/// Why a decimal instruction is not completed (the caller turns this into the program
/// interruption).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalFault {
    /// Data exception (DXC 0, "decimal operand"): an invalid digit or sign code in an
    /// operand that the instruction checks, an MP multiplicand without enough leftmost
    /// zeros, an invalid SRP rounding digit, or an invalid ED/EDMK source digit.
    Data,
    /// Decimal-divide exception: DP with a zero divisor or a quotient too large for
    /// its field.
    Divide,
    /// Specification exception: MP or DP with L2 greater than 8 or L2 not less than L1.
    Specification,
    /// Fixed-point-divide exception: CVB result outside the 32-bit signed range. The
    /// rightmost 32 bits of the result are still placed in the register; see
    /// [`convert_to_binary_wrapping`].
    FixedPointDivide,
}

/// Result of an arithmetic instruction: the bytes to store as the first operand (len =
/// L1 bytes) and the condition code. `overflow` = decimal overflow occurred (cc is then
/// 3, the truncated result IS stored, and the caller raises the decimal-overflow
/// interruption if the PSW mask bit allows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalResult {
    /// The result; only the first `len` bytes are meaningful.
    pub bytes: [u8; 16],
    /// Length of the result in bytes (always the first-operand length).
    pub len: usize,
    /// Condition code 0-3, or [`CC_UNCHANGED`].
    pub cc: u8,
    /// Decimal overflow occurred.
    pub overflow: bool,
}

impl DecimalResult {
    /// The result bytes to store at the first-operand location.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn unchanged_cc(bytes: [u8; 16], len: usize) -> Self {
        DecimalResult {
            bytes,
            len,
            cc: CC_UNCHANGED,
            overflow: false,
        }
    }
}

/// Result of EDIT and EDIT AND MARK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EditResult {
    /// The edited result; only the first `len` bytes are meaningful.
    pub bytes: [u8; 256],
    /// Length of the result in bytes (the pattern length, L + 1).
    pub len: usize,
    /// Condition code 0-2 from the last field.
    pub cc: u8,
    /// For EDMK: offset into the pattern of the rightmost result byte that was a zoned
    /// source digit selected while the significance indicator was off (the address
    /// EDMK puts in general register 1); `None` leaves register 1 unchanged.
    pub mark: Option<usize>,
    /// Number of source bytes that were fetched.
    pub source_used: usize,
}

impl EditResult {
    /// The result bytes to store over the pattern.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

// ---------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------

/// Powers of ten 10^0 ..= 10^38 (10^38 is the largest that fits in a u128).
const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

const PLUS: u8 = 0x0C;
const MINUS: u8 = 0x0D;

/// A checked packed-decimal operand.
#[derive(Clone, Copy, Debug)]
struct Packed {
    mag: u128,
    neg: bool,
}

#[inline]
fn check_len(len: usize) {
    assert!(
        (1..=16).contains(&len),
        "packed-decimal operand length {len} outside 1..=16"
    );
}

/// Number of digit positions in a packed field of `len` bytes.
#[inline]
fn digits(len: usize) -> usize {
    2 * len - 1
}

#[inline]
fn is_minus(sign: u8) -> bool {
    sign == 0x0B || sign == 0x0D
}

/// A byte that is not the sign byte is valid when both nibbles are digits.
#[inline]
fn bad_digit_byte(b: u8) -> bool {
    b >= 0xA0 || (b & 0x0F) >= 0x0A
}

const NIBBLES: u64 = 0x0F0F_0F0F_0F0F_0F0F;

/// Value of up to 8 bytes of packed digits (no sign nibble), or `None` if a nibble is
/// not a decimal digit. All eight byte lanes are worked on at once.
#[inline]
fn bcd_value(bytes: &[u8]) -> Option<u64> {
    debug_assert!(bytes.len() <= 8);
    let x = match <[u8; 8]>::try_from(bytes) {
        Ok(word) => u64::from_be_bytes(word),
        Err(_) => bytes.iter().fold(0u64, |x, &b| (x << 8) | u64::from(b)),
    };
    let (high, low) = ((x >> 4) & NIBBLES, x & NIBBLES);
    // A nibble of 10 or more carries into the top half of its byte lane when 6 is added.
    if ((high + 0x0606_0606_0606_0606) | (low + 0x0606_0606_0606_0606)) & !NIBBLES != 0 {
        return None;
    }
    let v = high * 10 + low; // byte lanes 0..=99
    let v = ((v >> 8) & 0x00FF_00FF_00FF_00FF) * 100 + (v & 0x00FF_00FF_00FF_00FF);
    let v = ((v >> 16) & 0x0000_FFFF_0000_FFFF) * 10_000 + (v & 0x0000_FFFF_0000_FFFF);
    Some((v >> 32) * 100_000_000 + (v & 0xFFFF_FFFF))
}

/// Check a packed operand for valid digit and sign codes and return its value.
#[inline]
fn parse(op: &[u8]) -> Result<Packed, DecimalFault> {
    check_len(op.len());
    let Some((&last, body)) = op.split_last() else {
        unreachable!()
    };
    // Up to 7 leading bytes (14 digits) go into `hi`, the last 8 body bytes plus the
    // digit of the sign byte (17 digits) into `lo`; both fit a u64.
    let split = body.len().saturating_sub(8);
    let sign = last & 0x0F;
    let hi = if split == 0 {
        Some(0)
    } else {
        bcd_value(&body[..split])
    };
    let (Some(hi), Some(lo)) = (hi, bcd_value(&body[split..])) else {
        return Err(DecimalFault::Data);
    };
    if last >= 0xA0 || sign < 0x0A {
        return Err(DecimalFault::Data);
    }
    let lo = lo * 10 + u64::from(last >> 4);
    let lo_digits = 2 * (body.len() - split) + 1;
    let mag = if hi == 0 {
        u128::from(lo)
    } else {
        u128::from(hi) * POW10[lo_digits] + u128::from(lo)
    };
    Ok(Packed {
        mag,
        neg: is_minus(sign),
    })
}

/// Store `mag` (truncated to the field's 2n-1 digit positions) and a preferred sign
/// into the packed field `out`.
#[inline]
fn emit(out: &mut [u8], mag: u128, neg: bool) {
    let n = out.len();
    check_len(n);
    debug_assert!(mag < POW10[32]);
    // lo holds digits 0..=18, hi digits 19..=30.
    let (mut lo, hi) = if mag < POW10[19] {
        (mag as u64, 0u64)
    } else {
        ((mag % POW10[19]) as u64, (mag / POW10[19]) as u64)
    };
    let sign = if neg { MINUS } else { PLUS };
    out[n - 1] = (((lo % 10) as u8) << 4) | sign;
    lo /= 10;
    // Digit pairs right to left: bytes n-2 ..= n-10 from lo, the rest from hi.
    let body = &mut out[..n - 1];
    let split = body.len().saturating_sub(9);
    let (hi_bytes, lo_bytes) = body.split_at_mut(split);
    fill_pairs(lo_bytes, lo);
    fill_pairs(hi_bytes, hi);
}

/// Store the low decimal digits of `v`, two per byte, right to left into `out`.
#[inline]
fn fill_pairs(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        if v == 0 {
            *b = 0;
            continue;
        }
        let pair = (v % 100) as u8;
        v /= 100;
        *b = ((pair / 10) << 4) | (pair % 10);
    }
}

/// Build the result of AP, SP, ZAP and SRP: store the (possibly truncated) value,
/// make a zero result positive unless there was overflow, and set the condition code.
#[inline]
fn signed_result(len: usize, mag: u128, neg: bool, overflow: bool) -> DecimalResult {
    let limit = POW10[digits(len)];
    let truncated = if mag < limit { mag } else { mag % limit };
    let neg = neg && (overflow || truncated != 0);
    let cc = if overflow {
        3
    } else if truncated == 0 {
        0
    } else if neg {
        1
    } else {
        2
    };
    let mut bytes = [0u8; 16];
    emit(&mut bytes[..len], truncated, neg);
    DecimalResult {
        bytes,
        len,
        cc,
        overflow,
    }
}

/// Algebraic sum of two sign-magnitude values.
#[inline]
fn signed_add(a: Packed, b: Packed) -> Packed {
    if a.neg == b.neg {
        Packed {
            mag: a.mag + b.mag,
            neg: a.neg,
        }
    } else if a.mag >= b.mag {
        Packed {
            mag: a.mag - b.mag,
            neg: a.neg,
        }
    } else {
        Packed {
            mag: b.mag - a.mag,
            neg: b.neg,
        }
    }
}

#[inline]
fn sum_result(len: usize, sum: Packed) -> DecimalResult {
    let overflow = sum.mag >= POW10[digits(len)];
    signed_result(len, sum.mag, sum.neg, overflow)
}

// ---------------------------------------------------------------------------------------
// Decimal arithmetic (chapter 8)
// ---------------------------------------------------------------------------------------

/// ADD DECIMAL (AP), SA22-7201 chapter 8 "Decimal Instructions", ADD DECIMAL.
///
/// Both operands are checked for valid digits and signs (data exception). The sum gets
/// the algebraic sign with the preferred code; a zero sum is positive except that, on
/// overflow, a zero (truncated) result keeps the sign of the true sum. On overflow the
/// rightmost 2*L1-1 digits are stored and cc is 3. cc: 0 zero, 1 less than zero, 2
/// greater than zero, 3 overflow.
///
/// # Panics
/// If an operand length is outside 1..=16 (the L fields cannot encode that).
pub fn add(op1: &[u8], op2: &[u8]) -> Result<DecimalResult, DecimalFault> {
    let a = parse(op1)?;
    let b = parse(op2)?;
    Ok(sum_result(op1.len(), signed_add(a, b)))
}

/// SUBTRACT DECIMAL (SP), SA22-7201 chapter 8, SUBTRACT DECIMAL.
///
/// As [`add`], with the sign of the second operand inverted.
///
/// # Panics
/// If an operand length is outside 1..=16.
pub fn subtract(op1: &[u8], op2: &[u8]) -> Result<DecimalResult, DecimalFault> {
    let a = parse(op1)?;
    let mut b = parse(op2)?;
    b.neg = !b.neg;
    Ok(sum_result(op1.len(), signed_add(a, b)))
}

/// ZERO AND ADD (ZAP), SA22-7201 chapter 8, ZERO AND ADD.
///
/// Only the second operand is checked; the first operand's contents do not matter (so
/// only its length is taken). Result, sign and condition code as for [`add`] of zero and
/// the second operand.
///
/// # Panics
/// If a length is outside 1..=16.
pub fn zero_and_add(op1_len: usize, op2: &[u8]) -> Result<DecimalResult, DecimalFault> {
    check_len(op1_len);
    let b = parse(op2)?;
    Ok(sum_result(op1_len, b))
}

/// COMPARE DECIMAL (CP), SA22-7201 chapter 8, COMPARE DECIMAL.
///
/// Both operands are checked. Comparison is algebraic, so +0 equals -0. Returns the
/// condition code: 0 equal, 1 first operand low, 2 first operand high.
///
/// # Panics
/// If an operand length is outside 1..=16.
pub fn compare(op1: &[u8], op2: &[u8]) -> Result<u8, DecimalFault> {
    let a = parse(op1)?;
    let b = parse(op2)?;
    let (a_neg, b_neg) = (a.neg && a.mag != 0, b.neg && b.mag != 0);
    let cc = match (a_neg, b_neg) {
        (true, false) => 1,
        (false, true) => 2,
        (neg, _) => match a.mag.cmp(&b.mag) {
            core::cmp::Ordering::Equal => 0,
            core::cmp::Ordering::Less => {
                if neg {
                    2
                } else {
                    1
                }
            }
            core::cmp::Ordering::Greater => {
                if neg {
                    1
                } else {
                    2
                }
            }
        },
    };
    Ok(cc)
}

/// MULTIPLY DECIMAL (MP), SA22-7201 chapter 8, MULTIPLY DECIMAL.
///
/// Specification exception if L2 > 8 or L2 >= L1 (recognized before the data checks).
/// Both operands are checked, and the multiplicand must have at least as many bytes of
/// leftmost zeros as the multiplier has bytes (data exception otherwise), so the
/// product always fits. The product's sign follows the rules of algebra even when an
/// operand is zero (so -0 results are possible). The condition code is unchanged
/// (`cc` = [`CC_UNCHANGED`]).
///
/// # Panics
/// If an operand length is outside 1..=16.
pub fn multiply(op1: &[u8], op2: &[u8]) -> Result<DecimalResult, DecimalFault> {
    let (l1, l2) = (op1.len(), op2.len());
    check_len(l1);
    check_len(l2);
    if l2 > 8 || l2 >= l1 {
        return Err(DecimalFault::Specification);
    }
    let a = parse(op1)?;
    let b = parse(op2)?;
    // Leftmost L2 bytes (2*L2 digits) zero <=> the value has at most 2*(L1-L2)-1 digits.
    if a.mag >= POW10[digits(l1 - l2)] {
        return Err(DecimalFault::Data);
    }
    let product = if a.mag <= u128::from(u64::MAX) && b.mag <= u128::from(u64::MAX) {
        u128::from(a.mag as u64) * u128::from(b.mag as u64)
    } else {
        a.mag * b.mag
    };
    let mut bytes = [0u8; 16];
    emit(&mut bytes[..l1], product, a.neg != b.neg);
    Ok(DecimalResult::unchanged_cc(bytes, l1))
}

/// DIVIDE DECIMAL (DP), SA22-7201 chapter 8, DIVIDE DECIMAL.
///
/// Specification exception if L2 > 8 or L2 >= L1; data exception for invalid codes in
/// either operand; decimal-divide exception if the divisor is zero or the quotient does
/// not fit in 2*(L1-L2)-1 digits. The result is the quotient (L1-L2 bytes, leftmost)
/// followed by the remainder (L2 bytes, rightmost). The quotient's sign follows the
/// rules of algebra and the remainder has the dividend's sign, both even when zero.
/// The condition code is unchanged (`cc` = [`CC_UNCHANGED`]).
///
/// # Panics
/// If an operand length is outside 1..=16.
pub fn divide(op1: &[u8], op2: &[u8]) -> Result<DecimalResult, DecimalFault> {
    let (l1, l2) = (op1.len(), op2.len());
    check_len(l1);
    check_len(l2);
    if l2 > 8 || l2 >= l1 {
        return Err(DecimalFault::Specification);
    }
    let dividend = parse(op1)?;
    let divisor = parse(op2)?;
    if divisor.mag == 0 {
        return Err(DecimalFault::Divide);
    }
    let ql = l1 - l2;
    // Quotient too large <=> dividend >= divisor * 10^(quotient digits); the divisor has
    // at most 15 digits and the quotient field at most 29, so this cannot overflow.
    if dividend.mag >= divisor.mag * POW10[digits(ql)] {
        return Err(DecimalFault::Divide);
    }
    let (q, r) = if dividend.mag <= u128::from(u64::MAX) {
        let (n, d) = (dividend.mag as u64, divisor.mag as u64);
        (u128::from(n / d), u128::from(n % d))
    } else {
        (dividend.mag / divisor.mag, dividend.mag % divisor.mag)
    };
    let mut bytes = [0u8; 16];
    emit(&mut bytes[..ql], q, dividend.neg != divisor.neg);
    emit(&mut bytes[ql..l1], r, dividend.neg);
    Ok(DecimalResult::unchanged_cc(bytes, l1))
}

/// SHIFT AND ROUND DECIMAL (SRP), SA22-7201 chapter 8, SHIFT AND ROUND DECIMAL.
///
/// `shift` is the rightmost six bits of the second-operand address, a signed count:
/// 0-31 shift left, 32-63 shift right by 64 minus the value (1-32 places). `round` is
/// the I3 field; it is added to the leftmost digit shifted out on a right shift, any
/// carry rounding the result up. The first operand and the rounding digit are checked
/// (data exception) whatever the shift. Losing a nonzero digit on a left shift is
/// decimal overflow: the truncated result is stored, cc 3, and the result keeps the
/// original sign even if zero. Otherwise a zero result is positive. cc: 0 zero, 1 less
/// than zero, 2 greater than zero, 3 overflow.
///
/// # Panics
/// If the operand length is outside 1..=16.
pub fn shift_and_round(op1: &[u8], shift: u8, round: u8) -> Result<DecimalResult, DecimalFault> {
    let len = op1.len();
    let a = parse(op1)?;
    if round > 9 {
        return Err(DecimalFault::Data);
    }
    let d = digits(len);
    let shift = usize::from(shift & 0x3F);
    if shift < 32 {
        let (mag, overflow) = if shift == 0 {
            (a.mag, false)
        } else if shift >= d {
            (0, a.mag != 0)
        } else {
            let keep = POW10[d - shift];
            ((a.mag % keep) * POW10[shift], a.mag >= keep)
        };
        Ok(signed_result(len, mag, a.neg, overflow))
    } else {
        let n = 64 - shift; // 1..=32
                            // Leftmost digit shifted out is digit n-1 (counting from the right, from 0).
        let out_digit = (a.mag / POW10[n - 1]) % 10;
        let carry = u128::from(out_digit + u128::from(round) >= 10);
        let mag = a.mag / POW10[n] + carry;
        Ok(signed_result(len, mag, a.neg, false))
    }
}

/// TEST DECIMAL (TP), SA22-7201 chapter 8, TEST DECIMAL.
///
/// Returns the condition code: 0 all digit and sign codes valid, 1 sign invalid, 2 at
/// least one digit code invalid, 3 sign invalid and at least one digit code invalid.
///
/// # Panics
/// If the operand length is outside 1..=16.
pub fn test_decimal(op: &[u8]) -> u8 {
    check_len(op.len());
    let Some((&last, body)) = op.split_last() else {
        unreachable!()
    };
    let bad_digits = last >= 0xA0 || body.iter().any(|&b| bad_digit_byte(b));
    let bad_sign = (last & 0x0F) < 0x0A;
    (u8::from(bad_digits) << 1) | u8::from(bad_sign)
}

// ---------------------------------------------------------------------------------------
// EDIT and EDIT AND MARK (chapter 8)
// ---------------------------------------------------------------------------------------

const DIGIT_SELECTOR: u8 = 0x20;
const SIGNIFICANCE_STARTER: u8 = 0x21;
const FIELD_SEPARATOR: u8 = 0x22;

/// EDIT (ED) and EDIT AND MARK (EDMK), SA22-7201 chapter 8, EDIT and EDIT AND MARK.
///
/// `pattern` is the first operand (1-256 bytes); `source` is the second operand, of
/// which at least as many bytes as the pattern has digit selectors and significance
/// starters must be supplied (fewer are used when sign codes end source bytes early).
///
/// The first pattern byte is the fill byte, and is also processed as a pattern byte.
/// A digit selector (X'20') or significance starter (X'21') takes the next source
/// digit, left digit of a source byte first; when a left digit is taken, the right four
/// bits of that byte are examined: a sign code there is not a digit, the next digit
/// comes from the next byte, and a plus code (A, C, E, F) turns the significance
/// indicator off after the digit is handled. The digit selected becomes the zoned digit
/// X'Fd' if the indicator is on or the digit is nonzero, else the fill byte; a nonzero
/// digit or a significance starter turns the indicator on. A field separator (X'22')
/// becomes the fill byte and turns the indicator off; any other (message) byte is kept
/// when the indicator is on and replaced by the fill byte when it is off.
///
/// Data exception when a left source digit is not 0-9 (a right digit can only be a
/// digit or a sign). cc from the last field (digits after the last field separator):
/// 0 all zero or no digits, 1 nonzero and indicator on at the end (less than zero), 2
/// nonzero and indicator off (greater than zero).
///
/// For EDMK, [`EditResult::mark`] is the offset of the rightmost result byte that got
/// a nonzero source digit while the indicator was off.
///
/// # Panics
/// If the pattern length is outside 1..=256 or `source` is shorter than the caller
/// guaranteed (it ran out of digits).
pub fn edit(pattern: &[u8], source: &[u8]) -> Result<EditResult, DecimalFault> {
    assert!(
        (1..=256).contains(&pattern.len()),
        "ED pattern length {} outside 1..=256",
        pattern.len()
    );
    let fill = pattern[0];
    let mut out = [0u8; 256];
    let mut significance = false;
    let mut field_nonzero = false;
    let mut mark = None;
    let mut used = 0usize;
    // The right digit of the current source byte when it is still to be used.
    let mut pending_right: Option<u8> = None;

    for (i, &p) in pattern.iter().enumerate() {
        out[i] = match p {
            DIGIT_SELECTOR | SIGNIFICANCE_STARTER => {
                let (digit, plus_sign) = match pending_right.take() {
                    Some(d) => (d, false),
                    None => {
                        let b = source[used];
                        used += 1;
                        let (left, right) = (b >> 4, b & 0x0F);
                        if left > 9 {
                            return Err(DecimalFault::Data);
                        }
                        if right <= 9 {
                            pending_right = Some(right);
                            (left, false)
                        } else {
                            (left, !is_minus(right))
                        }
                    }
                };
                let result = if significance || digit != 0 {
                    if !significance {
                        mark = Some(i);
                    }
                    0xF0 | digit
                } else {
                    fill
                };
                if digit != 0 {
                    field_nonzero = true;
                }
                if p == SIGNIFICANCE_STARTER || digit != 0 {
                    significance = true;
                }
                if plus_sign {
                    significance = false;
                }
                result
            }
            FIELD_SEPARATOR => {
                significance = false;
                field_nonzero = false;
                fill
            }
            _ => {
                if significance {
                    p
                } else {
                    fill
                }
            }
        };
    }

    let cc = match (field_nonzero, significance) {
        (false, _) => 0,
        (true, true) => 1,
        (true, false) => 2,
    };
    Ok(EditResult {
        bytes: out,
        len: pattern.len(),
        cc,
        mark,
        source_used: used,
    })
}

// ---------------------------------------------------------------------------------------
// Conversions and moves (chapter 7)
// ---------------------------------------------------------------------------------------

/// CONVERT TO BINARY (CVB), SA22-7201 chapter 7 "General Instructions", CONVERT TO
/// BINARY: the value of the 8-byte packed operand, or its rightmost 32 bits and `true`
/// when it is outside -2^31..=2^31-1 (the caller then stores those bits in R1 and
/// raises the fixed-point-divide exception). Data exception for invalid codes.
pub fn convert_to_binary_wrapping(op: &[u8; 8]) -> Result<(i32, bool), DecimalFault> {
    let p = parse(op)?;
    // At most 15 digits, so this fits an i64.
    let v = if p.neg { -(p.mag as i64) } else { p.mag as i64 };
    Ok((v as i32, i32::try_from(v).is_err()))
}

/// CONVERT TO BINARY (CVB), SA22-7201 chapter 7, CONVERT TO BINARY.
///
/// Data exception for invalid digit or sign codes; fixed-point-divide exception when
/// the value does not fit in 32 bits (use [`convert_to_binary_wrapping`] for the
/// rightmost 32 bits that the instruction still places in R1 in that case).
pub fn convert_to_binary(op: &[u8; 8]) -> Result<i32, DecimalFault> {
    match convert_to_binary_wrapping(op)? {
        (v, false) => Ok(v),
        (_, true) => Err(DecimalFault::FixedPointDivide),
    }
}

/// CONVERT TO DECIMAL (CVD), SA22-7201 chapter 7, CONVERT TO DECIMAL: the 8-byte packed
/// value of `v` with sign C (zero and positive) or D (negative).
pub fn convert_to_decimal(v: i32) -> [u8; 8] {
    let mut out = [0u8; 8];
    emit(&mut out, u128::from(v.unsigned_abs()), v < 0);
    out
}

/// Check that `start..start+len` is a 1..=16-byte field inside a window of `size`.
fn check_field(size: usize, start: usize, len: usize) {
    check_len(len);
    assert!(
        start.checked_add(len).is_some_and(|end| end <= size),
        "field {start}+{len} outside a {size}-byte window"
    );
}

/// PACK, SA22-7201 chapter 7, PACK, performed inside one buffer holding both operands,
/// for when they overlap in storage: the first operand is `window[op1..op1+l1]`, the
/// second `window[op2..op2+l2]`. The operands are processed right to left one byte at a
/// time, each result byte stored right after the second-operand bytes it needs are
/// fetched, which is what the POP defines for overlapping operands. No validity checks;
/// the condition code is unchanged.
///
/// # Panics
/// If a field is empty, longer than 16 bytes, or outside the window.
pub fn pack_in_window(window: &mut [u8], op1: usize, l1: usize, op2: usize, l2: usize) {
    check_field(window.len(), op1, l1);
    check_field(window.len(), op2, l2);
    let (e1, e2) = (op1 + l1 - 1, op2 + l2 - 1);
    // Rightmost byte: zone and numeric exchanged.
    window[e1] = window[e2].rotate_left(4);
    let mut fetched = 1; // second-operand bytes used so far, from the right
    for k in 1..l1 {
        let mut v = 0u8;
        if fetched < l2 {
            v = window[e2 - fetched] & 0x0F;
            fetched += 1;
            if fetched < l2 {
                v |= window[e2 - fetched] << 4;
                fetched += 1;
            }
        }
        window[e1 - k] = v;
    }
}

/// PACK, SA22-7201 chapter 7, PACK: the zoned second operand packed into `op1_len`
/// bytes. The rightmost byte's zone and numeric are exchanged (so its zone becomes the
/// sign); the numerics of the other bytes become digits, two per byte, right to left;
/// the result is padded with zeros on the left, or excess leftmost source bytes are
/// ignored. No validity checks; the condition code is unchanged
/// ([`CC_UNCHANGED`]). For destructively overlapping operands use [`pack_in_window`].
///
/// # Panics
/// If a length is outside 1..=16.
pub fn pack(op1_len: usize, op2: &[u8]) -> DecimalResult {
    check_len(op1_len);
    check_len(op2.len());
    let mut w = [0u8; 32];
    w[16..16 + op2.len()].copy_from_slice(op2);
    pack_in_window(&mut w, 0, op1_len, 16, op2.len());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&w[..16]);
    DecimalResult::unchanged_cc(bytes, op1_len)
}

/// UNPACK (UNPK), SA22-7201 chapter 7, UNPACK, performed inside one buffer holding both
/// operands (see [`pack_in_window`]): right to left one byte at a time, each result byte
/// stored right after the second-operand byte it needs is fetched.
///
/// # Panics
/// If a field is empty, longer than 16 bytes, or outside the window.
pub fn unpack_in_window(window: &mut [u8], op1: usize, l1: usize, op2: usize, l2: usize) {
    check_field(window.len(), op1, l1);
    check_field(window.len(), op2, l2);
    let (e1, e2) = (op1 + l1 - 1, op2 + l2 - 1);
    window[e1] = window[e2].rotate_left(4);
    let mut fetched = 1;
    let mut held_left: Option<u8> = None;
    for k in 1..l1 {
        let digit = if let Some(d) = held_left.take() {
            d
        } else if fetched < l2 {
            let b = window[e2 - fetched];
            fetched += 1;
            held_left = Some(b >> 4);
            b & 0x0F
        } else {
            0
        };
        window[e1 - k] = 0xF0 | digit;
    }
}

/// UNPACK (UNPK), SA22-7201 chapter 7, UNPACK: the packed second operand unpacked into
/// `op1_len` zoned bytes. The rightmost byte's nibbles are exchanged (the sign becomes
/// the zone); every other digit gets zone F; the result is padded with X'F0' on the
/// left, or excess leftmost source digits are ignored. No validity checks; condition
/// code unchanged ([`CC_UNCHANGED`]). For destructively overlapping operands use
/// [`unpack_in_window`].
///
/// # Panics
/// If a length is outside 1..=16.
pub fn unpack(op1_len: usize, op2: &[u8]) -> DecimalResult {
    check_len(op1_len);
    check_len(op2.len());
    let mut w = [0u8; 32];
    w[16..16 + op2.len()].copy_from_slice(op2);
    unpack_in_window(&mut w, 0, op1_len, 16, op2.len());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&w[..16]);
    DecimalResult::unchanged_cc(bytes, op1_len)
}

/// MOVE WITH OFFSET (MVO), SA22-7201 chapter 7, MOVE WITH OFFSET, performed inside one
/// buffer holding both operands (see [`pack_in_window`]): right to left one byte at a
/// time, the rightmost first-operand byte fetched before it is replaced.
///
/// # Panics
/// If a field is empty, longer than 16 bytes, or outside the window.
pub fn move_with_offset_in_window(window: &mut [u8], op1: usize, l1: usize, op2: usize, l2: usize) {
    check_field(window.len(), op1, l1);
    check_field(window.len(), op2, l2);
    let (e1, e2) = (op1 + l1 - 1, op2 + l2 - 1);
    let keep = window[e1] & 0x0F;
    let b = window[e2];
    window[e1] = (b << 4) | keep;
    let mut held = b >> 4;
    let mut fetched = 1;
    for k in 1..l1 {
        let v = if fetched < l2 {
            let b = window[e2 - fetched];
            fetched += 1;
            let v = (b << 4) | held;
            held = b >> 4;
            v
        } else {
            let v = held;
            held = 0;
            v
        };
        window[e1 - k] = v;
    }
}

/// MOVE WITH OFFSET (MVO), SA22-7201 chapter 7, MOVE WITH OFFSET: the second operand is
/// placed to the left of the rightmost four bits of the first operand, which are kept;
/// the result is padded with zero digits on the left, or excess leftmost second-operand
/// digits are ignored. No validity checks; condition code unchanged
/// ([`CC_UNCHANGED`]). For destructively overlapping operands use
/// [`move_with_offset_in_window`].
///
/// # Panics
/// If an operand length is outside 1..=16.
pub fn move_with_offset(op1: &[u8], op2: &[u8]) -> DecimalResult {
    check_len(op1.len());
    check_len(op2.len());
    let mut w = [0u8; 32];
    w[..op1.len()].copy_from_slice(op1);
    w[16..16 + op2.len()].copy_from_slice(op2);
    move_with_offset_in_window(&mut w, 0, op1.len(), 16, op2.len());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&w[..16]);
    DecimalResult::unchanged_cc(bytes, op1.len())
}

#[cfg(test)]
mod tests {
    use super::DecimalFault::{Data, Divide, FixedPointDivide, Specification};
    use super::*;

    /// Assert a result's bytes, cc and overflow flag.
    #[track_caller]
    fn check(r: Result<DecimalResult, DecimalFault>, bytes: &[u8], cc: u8, overflow: bool) {
        let r = r.expect("instruction faulted");
        assert_eq!(r.as_bytes(), bytes, "result bytes");
        assert_eq!(r.cc, cc, "condition code");
        assert_eq!(r.overflow, overflow, "overflow");
    }

    /// Reference encoder for the cross-checks: formats through a decimal string.
    fn enc(v: i128, len: usize) -> Vec<u8> {
        let s = format!("{:0w$}", v.unsigned_abs(), w = 2 * len - 1);
        let s = &s[s.len() - (2 * len - 1)..];
        let mut nibbles: Vec<u8> = s.bytes().map(|c| c - b'0').collect();
        nibbles.push(if v < 0 { 0xD } else { 0xC });
        nibbles.chunks(2).map(|c| (c[0] << 4) | c[1]).collect()
    }

    /// Reference decoder: value of a valid packed field.
    fn dec(b: &[u8]) -> i128 {
        let mut v: i128 = 0;
        for (i, &x) in b.iter().enumerate() {
            v = v * 10 + i128::from(x >> 4);
            if i + 1 < b.len() {
                v = v * 10 + i128::from(x & 0xF);
            }
        }
        if matches!(b[b.len() - 1] & 0xF, 0xB | 0xD) {
            -v
        } else {
            v
        }
    }

    /// Tiny deterministic generator (xorshift64*), so the tests need no crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// A value with a random number of digits (0..=max_digits) and random sign.
        fn value(&mut self, max_digits: usize) -> i128 {
            let nd = self.below(max_digits as u64 + 1) as usize;
            let mut v: i128 = 0;
            for _ in 0..nd {
                v = v * 10 + i128::from(self.below(10) as u8);
            }
            if self.below(2) == 0 {
                -v
            } else {
                v
            }
        }
    }

    // ----- parse / emit ---------------------------------------------------------------

    #[test]
    fn all_sign_codes() {
        for (s, neg) in [
            (0xA, false),
            (0xB, true),
            (0xC, false),
            (0xD, true),
            (0xE, false),
            (0xF, false),
        ] {
            let p = parse(&[0x12, 0x30 | s]).unwrap();
            assert_eq!((p.mag, p.neg), (123, neg), "sign {s:X}");
        }
        for s in 0..=9u8 {
            assert_eq!(parse(&[0x12, 0x30 | s]).unwrap_err(), Data);
        }
    }

    #[test]
    fn parse_and_emit_31_digits() {
        let max = [
            0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99,
            0x99, 0x9D,
        ];
        let p = parse(&max).unwrap();
        assert_eq!(p.mag, POW10[31] - 1);
        assert!(p.neg);
        let mut out = [0u8; 16];
        emit(&mut out, p.mag, true);
        assert_eq!(out, max);
        let digits = [
            0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78,
            0x90, 0x1F,
        ];
        let p = parse(&digits).unwrap();
        assert_eq!(p.mag, 1234567890123456789012345678901);
        emit(&mut out, p.mag, false);
        assert_eq!(out[15], 0x1C);
        assert_eq!(out[..15], digits[..15]);
    }

    #[test]
    fn invalid_digit_in_every_position_is_data() {
        for len in 1..=16 {
            for pos in 0..(2 * len - 1) {
                let mut f = vec![0u8; len];
                f[len - 1] = 0x0C;
                let byte = pos / 2;
                f[byte] |= if pos % 2 == 0 { 0xA0 } else { 0x0F };
                assert_eq!(parse(&f).unwrap_err(), Data, "len {len} digit {pos}");
                assert_ne!(test_decimal(&f) & 2, 0);
            }
        }
    }

    // ----- AP ------------------------------------------------------------------------

    #[test]
    fn ap_basic() {
        check(add(&[0x12, 0x3C], &[0x4C]), &[0x12, 0x7C], 2, false);
        check(
            add(&[0x00, 0x12, 0x3C], &[0x99, 0x9D]),
            &[0x00, 0x87, 0x6D],
            1,
            false,
        );
        check(add(&[0x12, 0x3D], &[0x12, 0x3C]), &[0x00, 0x0C], 0, false);
        // Non-preferred signs in, preferred out.
        check(add(&[0x01, 0x2F], &[0x3A]), &[0x01, 0x5C], 2, false);
        check(add(&[0x01, 0x2B], &[0x3B]), &[0x01, 0x5D], 1, false);
        check(add(&[0x01, 0x2E], &[0x01, 0x3B]), &[0x00, 0x1D], 1, false);
    }

    #[test]
    fn ap_zero_sums_are_positive() {
        check(add(&[0x0D], &[0x0D]), &[0x0C], 0, false);
        check(add(&[0x00, 0x0B], &[0x0F]), &[0x00, 0x0C], 0, false);
        check(add(&[0x5D], &[0x5C]), &[0x0C], 0, false);
    }

    #[test]
    fn ap_overflow() {
        // 999 + 1 = 1000 in a 2-byte (3-digit) field: 000, true sign plus, cc 3.
        check(add(&[0x99, 0x9C], &[0x1C]), &[0x00, 0x0C], 3, true);
        // Negative zero with overflow keeps the sign of the true sum.
        check(add(&[0x99, 0x9D], &[0x1D]), &[0x00, 0x0D], 3, true);
        // Truncated nonzero.
        check(add(&[0x99, 0x9C], &[0x99, 0x9C]), &[0x99, 0x8C], 3, true);
        check(add(&[0x5C], &[0x7C]), &[0x2C], 3, true);
        // 31-digit maxima.
        let mut nines = [0x99u8; 16];
        nines[15] = 0x9C;
        let mut expect = [0x99u8; 16];
        expect[15] = 0x8C;
        check(add(&nines, &nines), &expect, 3, true);
    }

    #[test]
    fn ap_same_field_doubles() {
        // AP X,X with coincident operands: the caller passes the same bytes twice.
        let x = [0x00, 0x45, 0x6C];
        check(add(&x, &x), &[0x00, 0x91, 0x2C], 2, false);
    }

    #[test]
    fn ap_data_exceptions() {
        assert_eq!(add(&[0x1A, 0x2C], &[0x1C]).unwrap_err(), Data);
        assert_eq!(add(&[0x12, 0x3C], &[0x19]).unwrap_err(), Data);
        assert_eq!(add(&[0xA2, 0x3C], &[0x1C]).unwrap_err(), Data);
        assert_eq!(add(&[0x12, 0x3C], &[0xF1, 0x1C]).unwrap_err(), Data);
    }

    #[test]
    fn ap_sp_cross_check() {
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        for _ in 0..20_000 {
            let l1 = 1 + rng.below(16) as usize;
            let l2 = 1 + rng.below(16) as usize;
            let a = rng.value(2 * l1 - 1);
            let b = rng.value(2 * l2 - 1);
            let (f1, f2) = (enc(a, l1), enc(b, l2));
            for (r, truth) in [(add(&f1, &f2), a + b), (subtract(&f1, &f2), a - b)] {
                let r = r.unwrap();
                let limit = 10i128.pow(2 * l1 as u32 - 1);
                let overflow = truth.abs() >= limit;
                assert_eq!(r.overflow, overflow);
                let truncated = truth % limit; // keeps the sign of truth
                let mut expect = enc(truncated, l1);
                if truncated == 0 && overflow && truth < 0 {
                    *expect.last_mut().unwrap() |= 0x01; // C -> D
                }
                assert_eq!(r.as_bytes(), &expect[..], "{a} {b} {truth} len {l1}");
                let cc = if overflow {
                    3
                } else {
                    match truth.signum() {
                        0 => 0,
                        -1 => 1,
                        _ => 2,
                    }
                };
                assert_eq!(r.cc, cc);
            }
        }
    }

    // ----- SP ------------------------------------------------------------------------

    #[test]
    fn sp_basic() {
        check(subtract(&[0x12, 0x3C], &[0x4C]), &[0x11, 0x9C], 2, false);
        check(
            subtract(&[0x01, 0x2C], &[0x12, 0x3C]),
            &[0x11, 0x1D],
            1,
            false,
        );
        check(subtract(&[0x12, 0x3D], &[0x4D]), &[0x11, 0x9D], 1, false);
        check(subtract(&[0x12, 0x3D], &[0x4C]), &[0x12, 0x7D], 1, false);
        // X - X = +0 even for a negative X.
        check(
            subtract(&[0x12, 0x3D], &[0x12, 0x3D]),
            &[0x00, 0x0C],
            0,
            false,
        );
        check(subtract(&[0x0C], &[0x0D]), &[0x0C], 0, false);
    }

    #[test]
    fn sp_overflow_and_negative_zero() {
        check(subtract(&[0x99, 0x9D], &[0x1C]), &[0x00, 0x0D], 3, true);
        check(subtract(&[0x99, 0x9C], &[0x1D]), &[0x00, 0x0C], 3, true);
        check(subtract(&[0x5D], &[0x6C]), &[0x1D], 3, true);
    }

    #[test]
    fn sp_data_exceptions() {
        assert_eq!(subtract(&[0x12, 0x33], &[0x1C]).unwrap_err(), Data);
        assert_eq!(subtract(&[0x12, 0x3C], &[0x1B, 0x1C]).unwrap_err(), Data);
    }

    // ----- ZAP -----------------------------------------------------------------------

    #[test]
    fn zap_basic() {
        check(
            zero_and_add(4, &[0x12, 0x3F]),
            &[0x00, 0x00, 0x12, 0x3C],
            2,
            false,
        );
        check(
            zero_and_add(3, &[0x00, 0x12, 0x3B]),
            &[0x00, 0x12, 0x3D],
            1,
            false,
        );
        check(zero_and_add(1, &[0x00, 0x00, 0x5A]), &[0x5C], 2, false);
        check(
            zero_and_add(16, &[0x9D]),
            &{
                let mut e = [0u8; 16];
                e[15] = 0x9D;
                e
            },
            1,
            false,
        );
    }

    #[test]
    fn zap_negative_zero_becomes_positive() {
        check(zero_and_add(2, &[0x00, 0x0D]), &[0x00, 0x0C], 0, false);
        check(zero_and_add(3, &[0x0B]), &[0x00, 0x00, 0x0C], 0, false);
    }

    #[test]
    fn zap_overflow() {
        check(zero_and_add(1, &[0x12, 0x3C]), &[0x3C], 3, true);
        // Truncated to zero: keeps the minus sign.
        check(zero_and_add(1, &[0x01, 0x0D]), &[0x0D], 3, true);
        check(zero_and_add(2, &[0x12, 0x34, 0x5D]), &[0x34, 0x5D], 3, true);
    }

    #[test]
    fn zap_checks_only_op2() {
        assert_eq!(zero_and_add(3, &[0x1F, 0x2C]).unwrap_err(), Data);
        assert_eq!(zero_and_add(3, &[0x12, 0x34]).unwrap_err(), Data);
    }

    // ----- CP ------------------------------------------------------------------------

    #[test]
    fn cp_all_cases() {
        assert_eq!(compare(&[0x12, 0x3C], &[0x12, 0x3F]), Ok(0));
        assert_eq!(compare(&[0x00, 0x12, 0x3C], &[0x12, 0x3A]), Ok(0));
        assert_eq!(compare(&[0x0C], &[0x00, 0x0D]), Ok(0));
        assert_eq!(compare(&[0x0D], &[0x0B]), Ok(0));
        assert_eq!(compare(&[0x12, 0x3C], &[0x12, 0x4C]), Ok(1));
        assert_eq!(compare(&[0x12, 0x5C], &[0x12, 0x4C]), Ok(2));
        assert_eq!(compare(&[0x12, 0x3D], &[0x12, 0x4D]), Ok(2));
        assert_eq!(compare(&[0x12, 0x5D], &[0x12, 0x4D]), Ok(1));
        assert_eq!(compare(&[0x1D], &[0x0C]), Ok(1));
        assert_eq!(compare(&[0x0C], &[0x1D]), Ok(2));
        assert_eq!(compare(&[0x0D], &[0x1D]), Ok(2));
        assert_eq!(compare(&[0x0D], &[0x1C]), Ok(1));
        assert_eq!(compare(&[0x9D], &[0x99, 0x99, 0x9C]), Ok(1));
    }

    #[test]
    fn cp_data_exceptions() {
        assert_eq!(compare(&[0x12, 0x3C], &[0x1C, 0x1C]).unwrap_err(), Data);
        assert_eq!(compare(&[0x12, 0x39], &[0x1C]).unwrap_err(), Data);
    }

    // ----- MP ------------------------------------------------------------------------

    #[test]
    fn mp_pop_example() {
        // 38460- x 321- = 12345660+ (the Principles of Operation MP example).
        let r = multiply(&[0x00, 0x00, 0x00, 0x38, 0x46, 0x0D], &[0x32, 0x1D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x00, 0x01, 0x23, 0x45, 0x66, 0x0C]);
        assert_eq!(r.cc, CC_UNCHANGED);
        assert!(!r.overflow);
    }

    #[test]
    fn mp_signs_including_zero() {
        let r = multiply(&[0x00, 0x12, 0x3C], &[0x2D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x00, 0x24, 0x6D]);
        let r = multiply(&[0x00, 0x12, 0x3F], &[0x2A]).unwrap();
        assert_eq!(r.as_bytes(), &[0x00, 0x24, 0x6C]);
        // Zero product keeps the algebraic sign.
        let r = multiply(&[0x00, 0x00, 0x0C], &[0x5D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x00, 0x00, 0x0D]);
        let r = multiply(&[0x00, 0x00, 0x0D], &[0x0D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x00, 0x00, 0x0C]);
    }

    #[test]
    fn mp_largest() {
        // 15-digit multiplier and a 15-digit multiplicand in a 16-byte field.
        let mut m1 = [0u8; 16];
        m1[8..].copy_from_slice(&[0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9C]);
        let m2 = [0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9D];
        let r = multiply(&m1, &m2).unwrap();
        let v = (10i128.pow(15) - 1) * (10i128.pow(15) - 1);
        assert_eq!(r.as_bytes(), &enc(-v, 16)[..]);
        assert_eq!(
            r.as_bytes(),
            &[
                0x09, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x1D
            ]
        );
    }

    #[test]
    fn mp_specification() {
        let op1 = [0u8; 16];
        let mut op1c = op1;
        op1c[15] = 0x0C;
        assert_eq!(multiply(&op1c, &[0x00; 9]).unwrap_err(), Specification);
        assert_eq!(
            multiply(&[0x00, 0x1C], &[0x00, 0x2C]).unwrap_err(),
            Specification
        );
        assert_eq!(multiply(&[0x1C], &[0x00, 0x2C]).unwrap_err(), Specification);
        // Specification is recognized before data.
        assert_eq!(
            multiply(&[0xFF, 0xFF], &[0xFF, 0xFF]).unwrap_err(),
            Specification
        );
    }

    #[test]
    fn mp_data() {
        // Multiplicand needs L2 bytes of leftmost zeros.
        assert_eq!(multiply(&[0x01, 0x23, 0x4C], &[0x2C]).unwrap_err(), Data);
        assert_eq!(
            multiply(&[0x00, 0x12, 0x3C], &[0x00, 0x2C]).unwrap_err(),
            Data
        );
        let r = multiply(&[0x00, 0x00, 0x99, 0x9C], &[0x99, 0x9C]).unwrap();
        assert_eq!(r.as_bytes(), &[0x09, 0x98, 0x00, 0x1C]);
        // Invalid codes.
        assert_eq!(
            multiply(&[0x00, 0x12, 0x3C], &[0x2C]).unwrap().as_bytes(),
            &[0x00, 0x24, 0x6C]
        );
        assert_eq!(multiply(&[0x00, 0x12, 0x33], &[0x2C]).unwrap_err(), Data);
        assert_eq!(multiply(&[0x00, 0x12, 0x3C], &[0x22]).unwrap_err(), Data);
        assert_eq!(multiply(&[0x0A, 0x12, 0x3C], &[0x2C]).unwrap_err(), Data);
    }

    // ----- DP ------------------------------------------------------------------------

    #[test]
    fn dp_pop_example() {
        // 12345678+ / 321- = 38460- remainder 18+.
        let r = divide(&[0x01, 0x23, 0x45, 0x67, 0x8C], &[0x32, 0x1D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x38, 0x46, 0x0D, 0x01, 0x8C]);
        assert_eq!(r.cc, CC_UNCHANGED);
        assert!(!r.overflow);
    }

    #[test]
    fn dp_signs() {
        // -7 / 2 = -3 remainder -1.
        let r = divide(&[0x00, 0x7D], &[0x2C]).unwrap();
        assert_eq!(r.as_bytes(), &[0x3D, 0x1D]);
        // -6 / -2 = +3 remainder -0 (remainder keeps the dividend sign even if zero).
        let r = divide(&[0x00, 0x6D], &[0x2D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x3C, 0x0D]);
        // 1 / -2 = -0 remainder +1 (quotient sign algebraic even if zero).
        let r = divide(&[0x00, 0x1C], &[0x2D]).unwrap();
        assert_eq!(r.as_bytes(), &[0x0D, 0x1C]);
        // 0- / 5+ = 0- remainder 0-.
        let r = divide(&[0x00, 0x0B], &[0x5F]).unwrap();
        assert_eq!(r.as_bytes(), &[0x0D, 0x0D]);
    }

    #[test]
    fn dp_largest() {
        // 31-digit dividend, 15-digit divisor, 15-digit quotient.
        let mut d1 = [0u8; 16];
        d1[0] = 0x09; // a nonzero leftmost digit would always be a divide exception
        d1[15] = 0x0C;
        let divisor = [0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9C];
        // dividend = 9 * 10^29, quotient = 900000000000000 (15 digits), remainder...
        let n: i128 = 9 * 10i128.pow(29);
        let d: i128 = 10i128.pow(15) - 1;
        let r = divide(&d1, &divisor).unwrap();
        let mut expect = enc(n / d, 8);
        expect.extend(enc(n % d, 8));
        assert_eq!(r.as_bytes(), &expect[..]);
    }

    #[test]
    fn dp_cross_check() {
        let mut rng = Rng(42);
        let mut done = 0;
        while done < 5_000 {
            let l2 = 1 + rng.below(8) as usize;
            let l1 = l2 + 1 + rng.below((16 - l2) as u64) as usize;
            let a = rng.value(2 * l1 - 1);
            let b = rng.value(2 * l2 - 1);
            let r = divide(&enc(a, l1), &enc(b, l2));
            if b == 0 {
                assert_eq!(r.unwrap_err(), Divide);
                continue;
            }
            let q = a.abs() / b.abs();
            if q >= 10i128.pow(2 * (l1 - l2) as u32 - 1) {
                assert_eq!(r.unwrap_err(), Divide);
                continue;
            }
            let r = r.unwrap();
            let (bq, br) = r.as_bytes().split_at(l1 - l2);
            assert_eq!(dec(bq).abs(), q);
            assert_eq!(dec(br).abs(), a.abs() % b.abs());
            assert_eq!(
                bq[bq.len() - 1] & 0xF,
                if (a < 0) != (b < 0) { 0xD } else { 0xC }
            );
            assert_eq!(br[br.len() - 1] & 0xF, if a < 0 { 0xD } else { 0xC });
            done += 1;
        }
    }

    #[test]
    fn dp_divide_exceptions() {
        // Zero divisor, either sign, even with a zero dividend.
        assert_eq!(divide(&[0x00, 0x12, 0x3C], &[0x0C]).unwrap_err(), Divide);
        assert_eq!(
            divide(&[0x00, 0x00, 0x0C], &[0x00, 0x0D]).unwrap_err(),
            Divide
        );
        // Quotient too large: 10000 / 10 = 1000 needs 4 digits, the field has 3.
        assert_eq!(
            divide(&[0x00, 0x10, 0x00, 0x0C], &[0x01, 0x0C]).unwrap_err(),
            Divide
        );
        // Quotient 999 just fits: 9990 / 10.
        let r = divide(&[0x00, 0x09, 0x99, 0x0C], &[0x01, 0x0C]).unwrap();
        assert_eq!(r.as_bytes(), &[0x99, 0x9C, 0x00, 0x0C]);
        // Leftmost dividend digit nonzero always means too large.
        assert_eq!(divide(&[0x10, 0x0C], &[0x9C]).unwrap_err(), Divide);
    }

    #[test]
    fn dp_specification_and_data() {
        assert_eq!(divide(&[0x1C], &[0x1C]).unwrap_err(), Specification);
        assert_eq!(
            divide(&[0x00, 0x1C], &[0x00, 0x1C]).unwrap_err(),
            Specification
        );
        let mut big = [0u8; 16];
        big[15] = 0x1C;
        let mut nine = [0u8; 9];
        nine[8] = 0x1C;
        assert_eq!(divide(&big, &nine).unwrap_err(), Specification);
        // Specification before data.
        assert_eq!(divide(&[0xFF], &[0xFF, 0xFF]).unwrap_err(), Specification);
        // Data before divide (invalid zero divisor).
        assert_eq!(divide(&[0x00, 0x12, 0x3C], &[0x01]).unwrap_err(), Data);
        assert_eq!(divide(&[0x00, 0x1A, 0x3C], &[0x0C]).unwrap_err(), Data);
    }

    // ----- SRP -----------------------------------------------------------------------

    #[test]
    fn srp_left() {
        check(
            shift_and_round(&[0x00, 0x01, 0x23, 0x4C], 3, 0),
            &[0x12, 0x34, 0x00, 0x0C],
            2,
            false,
        );
        check(
            shift_and_round(&[0x00, 0x12, 0x3D], 1, 5),
            &[0x01, 0x23, 0x0D],
            1,
            false,
        );
        // Only the low six bits of the address count.
        check(
            shift_and_round(&[0x00, 0x12, 0x3D], 0x41, 0),
            &[0x01, 0x23, 0x0D],
            1,
            false,
        );
        // Zero stays zero (positive), no overflow even at 31.
        check(
            shift_and_round(&[0x00, 0x0D], 31, 0),
            &[0x00, 0x0C],
            0,
            false,
        );
    }

    #[test]
    fn srp_left_overflow() {
        check(
            shift_and_round(&[0x01, 0x23, 0x4C], 2, 0),
            &[0x23, 0x40, 0x0C],
            3,
            true,
        );
        // All nonzero digits lost: zero result keeps the original (minus) sign.
        check(
            shift_and_round(&[0x00, 0x12, 0x3D], 5, 0),
            &[0x00, 0x00, 0x0D],
            3,
            true,
        );
        check(shift_and_round(&[0x1D], 31, 0), &[0x0D], 3, true);
        check(shift_and_round(&[0x1B], 1, 0), &[0x0D], 3, true);
        // Exactly full: no overflow.
        check(
            shift_and_round(&[0x00, 0x1C], 2, 0),
            &[0x10, 0x0C],
            2,
            false,
        );
        // Large shifts of long fields.
        let mut f = [0u8; 16];
        f[15] = 0x1C;
        let mut e = [0u8; 16];
        e[0] = 0x10;
        e[15] = 0x0C;
        check(shift_and_round(&f, 30, 0), &e, 2, false);
        e[0] = 0;
        check(shift_and_round(&f, 31, 0), &e, 3, true);
    }

    #[test]
    fn srp_right_with_rounding() {
        // 12345678 right 3 with rounding 5: 12346.
        check(
            shift_and_round(&[0x01, 0x23, 0x45, 0x67, 0x8C], 64 - 3, 5),
            &[0x00, 0x00, 0x12, 0x34, 0x6C],
            2,
            false,
        );
        // Same without rounding: 12345.
        check(
            shift_and_round(&[0x01, 0x23, 0x45, 0x67, 0x8C], 64 - 3, 0),
            &[0x00, 0x00, 0x12, 0x34, 0x5C],
            2,
            false,
        );
        // Carry propagation: 99995 right 1 round 5 = 10000.
        check(
            shift_and_round(&[0x00, 0x99, 0x99, 0x5F], 63, 5),
            &[0x00, 0x10, 0x00, 0x0C],
            2,
            false,
        );
        // Negative value rounds by magnitude: -15 right 1 round 5 = -2.
        check(
            shift_and_round(&[0x01, 0x5D], 63, 5),
            &[0x00, 0x2D],
            1,
            false,
        );
        // -4 right 1 round 5 = -0 -> +0.
        check(shift_and_round(&[0x4D], 63, 5), &[0x0C], 0, false);
        // 5 right 1 round 5 = 1.
        check(shift_and_round(&[0x5C], 63, 5), &[0x1C], 2, false);
        // Rounding digit 9 with 1 shifted out rounds up.
        check(
            shift_and_round(&[0x00, 0x1C], 63, 9),
            &[0x00, 0x1C],
            2,
            false,
        );
    }

    #[test]
    fn srp_right_extremes() {
        // Right 32 (shift value 100000): everything shifted out; rounding looks at a digit
        // beyond the field, which is zero.
        let mut f = [0x99u8; 16];
        f[15] = 0x9D;
        let mut zero = [0u8; 16];
        zero[15] = 0x0C;
        check(shift_and_round(&f, 32, 9), &zero, 0, false);
        // Right 31 of 31 nines with rounding 5: leftmost shifted digit 9 + 5 carries.
        let mut one = [0u8; 16];
        one[15] = 0x1D;
        check(shift_and_round(&f, 64 - 31, 5), &one, 1, false);
        // Right 1 of a 1-byte field.
        check(shift_and_round(&[0x7C], 63, 0), &[0x0C], 0, false);
    }

    #[test]
    fn srp_zero_shift() {
        check(
            shift_and_round(&[0x12, 0x3F], 0, 0),
            &[0x12, 0x3C],
            2,
            false,
        );
        check(
            shift_and_round(&[0x00, 0x0D], 0, 0),
            &[0x00, 0x0C],
            0,
            false,
        );
        check(
            shift_and_round(&[0x12, 0x3B], 0, 9),
            &[0x12, 0x3D],
            1,
            false,
        );
    }

    #[test]
    fn srp_data_exceptions() {
        assert_eq!(shift_and_round(&[0x12, 0x34], 1, 0).unwrap_err(), Data);
        assert_eq!(shift_and_round(&[0x1A, 0x3C], 0, 0).unwrap_err(), Data);
        // Rounding digit checked even when no rounding happens.
        assert_eq!(shift_and_round(&[0x12, 0x3C], 0, 10).unwrap_err(), Data);
        assert_eq!(shift_and_round(&[0x12, 0x3C], 2, 0xF).unwrap_err(), Data);
        assert_eq!(shift_and_round(&[0x12, 0x3C], 63, 0xA).unwrap_err(), Data);
    }

    // ----- TP ------------------------------------------------------------------------

    #[test]
    fn tp_condition_codes() {
        assert_eq!(test_decimal(&[0x12, 0x3C]), 0);
        assert_eq!(test_decimal(&[0x0F]), 0);
        assert_eq!(test_decimal(&[0x12, 0x34]), 1);
        assert_eq!(test_decimal(&[0x1A, 0x3C]), 2);
        assert_eq!(test_decimal(&[0xA2, 0x3C]), 2);
        assert_eq!(test_decimal(&[0x12, 0xFC]), 2);
        assert_eq!(test_decimal(&[0x1A, 0x34]), 3);
        assert_eq!(test_decimal(&[0xF5]), 3);
        assert_eq!(test_decimal(&[0x00; 16]), 1);
    }

    // ----- ED / EDMK -----------------------------------------------------------------

    #[track_caller]
    fn check_edit(
        pattern: &[u8],
        source: &[u8],
        bytes: &[u8],
        cc: u8,
        mark: Option<usize>,
    ) -> usize {
        let r = edit(pattern, source).expect("edit faulted");
        assert_eq!(r.as_bytes(), bytes, "edited bytes");
        assert_eq!(r.cc, cc, "condition code");
        assert_eq!(r.mark, mark, "mark");
        r.source_used
    }

    #[test]
    fn ed_pop_example() {
        // Pattern " dd,dsd.dd CR" and source 0257426- (2,574.26 negative): the
        // Principles of Operation's worked EDIT example, result "  2,574.26 CR", cc 1.
        let pattern = [
            0x40, 0x20, 0x20, 0x6B, 0x20, 0x21, 0x20, 0x4B, 0x20, 0x20, 0x40, 0xC3, 0xD9,
        ];
        let source = [0x02, 0x57, 0x42, 0x6D];
        let used = check_edit(
            &pattern,
            &source,
            &[
                0x40, 0x40, 0xF2, 0x6B, 0xF5, 0xF7, 0xF4, 0x4B, 0xF2, 0xF6, 0x40, 0xC3, 0xD9,
            ],
            1,
            Some(2),
        );
        assert_eq!(used, 4);
        // The same source with a plus sign: the sign turns significance off, so the
        // " CR" message bytes become fill; cc 2.
        check_edit(
            &pattern,
            &[0x02, 0x57, 0x42, 0x6C],
            &[
                0x40, 0x40, 0xF2, 0x6B, 0xF5, 0xF7, 0xF4, 0x4B, 0xF2, 0xF6, 0x40, 0x40, 0x40,
            ],
            2,
            Some(2),
        );
    }

    #[test]
    fn ed_zero_source_and_significance_starter() {
        let pattern = [
            0x40, 0x20, 0x20, 0x6B, 0x20, 0x21, 0x20, 0x4B, 0x20, 0x20, 0x40, 0xC3, 0xD9,
        ];
        // All zeros, minus: the starter forces ".00", the indicator is still on, but cc is
        // 0 because the digits are all zero; the message bytes after the sign stay.
        check_edit(
            &pattern,
            &[0x00, 0x00, 0x00, 0x0D],
            &[
                0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xF0, 0x4B, 0xF0, 0xF0, 0x40, 0xC3, 0xD9,
            ],
            0,
            None,
        );
        // No starter, fill blank, all zeros: the whole field is blanked.
        check_edit(
            &[0x40, 0x20, 0x20, 0x20],
            &[0x00, 0x0C],
            &[0x40; 4],
            0,
            None,
        );
    }

    #[test]
    fn ed_asterisk_fill_and_mark() {
        // "*dd,ddd.dd" with 00 12 34 5C: "****123.45"; EDMK marks the "1".
        let pattern = [0x5C, 0x20, 0x20, 0x6B, 0x20, 0x20, 0x20, 0x4B, 0x20, 0x20];
        check_edit(
            &pattern,
            &[0x00, 0x12, 0x34, 0x5C],
            &[0x5C, 0x5C, 0x5C, 0x5C, 0xF1, 0xF2, 0xF3, 0x4B, 0xF4, 0xF5],
            2,
            Some(4),
        );
    }

    #[test]
    fn ed_fill_byte_that_is_a_digit_selector() {
        // The first byte is both the fill (X'20') and a digit selector.
        check_edit(
            &[0x20, 0x20, 0x20],
            &[0x01, 0x2C],
            &[0x20, 0xF1, 0xF2],
            2,
            Some(1),
        );
        check_edit(
            &[0x20, 0x20, 0x20],
            &[0x10, 0x2C],
            &[0xF1, 0xF0, 0xF2],
            2,
            Some(0),
        );
        // Significance starter as fill: zero digit gives fill, then significance is on.
        check_edit(
            &[0x21, 0x20, 0x20],
            &[0x00, 0x0D],
            &[0x21, 0xF0, 0xF0],
            0,
            None,
        );
    }

    #[test]
    fn ed_minus_keeps_significance_plus_turns_it_off() {
        // The sign byte is never fetched here, so the indicator stays on although the
        // number is positive: the message byte is kept and cc is 1.
        let used = check_edit(
            &[0x40, 0x20, 0x20, 0x60],
            &[0x12, 0x3C],
            &[0x40, 0xF1, 0xF2, 0x60],
            1,
            Some(1),
        );
        assert_eq!(used, 1);
        // Here the sign comes with the last digit used: 1 2 then byte 3D.
        check_edit(
            &[0x40, 0x20, 0x20, 0x20, 0x60],
            &[0x12, 0x3D],
            &[0x40, 0xF1, 0xF2, 0xF3, 0x60],
            1,
            Some(1),
        );
        check_edit(
            &[0x40, 0x20, 0x20, 0x20, 0x60],
            &[0x12, 0x3B],
            &[0x40, 0xF1, 0xF2, 0xF3, 0x60],
            1,
            Some(1),
        );
        for plus in [0xA, 0xC, 0xE, 0xF] {
            check_edit(
                &[0x40, 0x20, 0x20, 0x20, 0x60],
                &[0x12, 0x30 | plus],
                &[0x40, 0xF1, 0xF2, 0xF3, 0x40],
                2,
                Some(1),
            );
        }
    }

    #[test]
    fn ed_sign_in_left_digit_with_significance_off_then_on_again() {
        // Two sources back to back in one field without a separator: after a plus sign
        // the indicator is off again, so a later nonzero digit is marked again.
        let pattern = [0x40, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20];
        let used = check_edit(
            &pattern,
            &[0x12, 0x3C, 0x04, 0x5C],
            &[0x40, 0xF1, 0xF2, 0xF3, 0x40, 0xF4, 0xF5],
            2,
            Some(5),
        );
        assert_eq!(used, 4);
    }

    #[test]
    fn ed_multiple_fields_cc_from_last() {
        // Field 1: nonzero negative; separator; field 2: zero -> cc 0.
        let pattern = [0x40, 0x20, 0x20, 0x20, 0x60, 0x22, 0x20, 0x20, 0x20, 0x60];
        check_edit(
            &pattern,
            &[0x12, 0x3D, 0x00, 0x0D],
            &[0x40, 0xF1, 0xF2, 0xF3, 0x60, 0x40, 0x40, 0x40, 0x40, 0x40],
            0,
            Some(1),
        );
        // Field 2 nonzero positive -> cc 2, mark in field 2.
        check_edit(
            &pattern,
            &[0x00, 0x0D, 0x04, 0x5C],
            &[0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xF4, 0xF5, 0x40],
            2,
            Some(7),
        );
        // Field 2 nonzero negative -> cc 1.
        check_edit(
            &pattern,
            &[0x00, 0x0C, 0x00, 0x7D],
            &[0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xF7, 0x60],
            1,
            Some(8),
        );
        // Pattern ending with a field separator: the last field has no digits, cc 0.
        check_edit(
            &[0x40, 0x20, 0x20, 0x20, 0x22],
            &[0x12, 0x3D],
            &[0x40, 0xF1, 0xF2, 0xF3, 0x40],
            0,
            Some(1),
        );
    }

    #[test]
    fn ed_starter_mark_rules() {
        // A significance starter with a zero digit sets the indicator but does not mark;
        // later nonzero digits are not marked either because the indicator is on.
        check_edit(
            &[0x40, 0x21, 0x20, 0x20],
            &[0x00, 0x5C],
            &[0x40, 0x40, 0xF0, 0xF5],
            2,
            None,
        );
        // A nonzero digit at the starter is marked.
        check_edit(
            &[0x40, 0x21, 0x20, 0x20],
            &[0x10, 0x5C],
            &[0x40, 0xF1, 0xF0, 0xF5],
            2,
            Some(1),
        );
    }

    #[test]
    fn ed_message_only_pattern() {
        // No digit selectors: everything but nothing becomes fill; no source used.
        let r = edit(&[0x5C, 0xC1, 0xC2], &[]).unwrap();
        assert_eq!(r.as_bytes(), &[0x5C, 0x5C, 0x5C]);
        assert_eq!((r.cc, r.mark, r.source_used), (0, None, 0));
    }

    #[test]
    fn ed_data_exceptions() {
        // Invalid left digit.
        assert_eq!(edit(&[0x40, 0x20], &[0xA1]).unwrap_err(), Data);
        // A sign code in a left (digit) position.
        assert_eq!(
            edit(&[0x40, 0x20, 0x20, 0x20], &[0x12, 0xC3]).unwrap_err(),
            Data
        );
        // A right nibble that is a sign ends the byte; the next byte's left nibble is
        // then the digit, and is checked.
        assert_eq!(edit(&[0x40, 0x20, 0x20], &[0x1C, 0xF0]).unwrap_err(), Data);
        // Only digits that are used are checked.
        assert!(edit(&[0x40, 0x20], &[0x1C, 0xFF]).is_ok());
    }

    #[test]
    fn ed_long_pattern() {
        let mut pattern = [0x20u8; 256];
        pattern[0] = 0x40;
        let mut source = [0x11u8; 128];
        source[127] = 0x1D;
        let r = edit(&pattern, &source).unwrap();
        assert_eq!(r.len, 256);
        assert_eq!(r.as_bytes()[0], 0x40);
        assert!(r.as_bytes()[1..].iter().all(|&b| b == 0xF1));
        assert_eq!((r.cc, r.mark, r.source_used), (1, Some(1), 128));
    }

    // ----- PACK / UNPK / MVO ---------------------------------------------------------

    #[test]
    fn pack_pop_example() {
        let r = pack(4, &[0xF1, 0xF2, 0xF3, 0xF4, 0xC5]);
        assert_eq!(r.as_bytes(), &[0x00, 0x12, 0x34, 0x5C]);
        assert_eq!(r.cc, CC_UNCHANGED);
    }

    #[test]
    fn pack_lengths_and_no_checks() {
        // Short result: leftmost source digits lost.
        assert_eq!(
            pack(2, &[0xF1, 0xF2, 0xF3, 0xF4, 0xC5]).as_bytes(),
            &[0x34, 0x5C]
        );
        assert_eq!(pack(1, &[0xF1, 0xD2]).as_bytes(), &[0x2D]);
        // One source byte only swaps.
        assert_eq!(pack(3, &[0x12]).as_bytes(), &[0x00, 0x00, 0x21]);
        // Zones ignored except the rightmost; no validity checks at all.
        assert_eq!(
            pack(3, &[0xAB, 0x3C, 0x7E, 0x4F]).as_bytes(),
            &[0x0B, 0xCE, 0xF4]
        );
        // Even number of source bytes.
        assert_eq!(
            pack(3, &[0xF9, 0xF8, 0xF7, 0xF6]).as_bytes(),
            &[0x09, 0x87, 0x6F]
        );
        // 8-byte result from 16 source bytes: the leftmost digit is lost.
        let src: Vec<u8> = (0..16u8).map(|i| 0xF0 | (i % 10)).collect();
        assert_eq!(
            pack(8, &src).as_bytes(),
            &[0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x5F]
        );
    }

    #[test]
    fn unpack_pop_example() {
        let r = unpack(5, &[0x01, 0x23, 0x4D]);
        assert_eq!(r.as_bytes(), &[0xF0, 0xF1, 0xF2, 0xF3, 0xD4]);
        assert_eq!(r.cc, CC_UNCHANGED);
    }

    #[test]
    fn unpack_lengths_and_no_checks() {
        assert_eq!(
            unpack(7, &[0x12, 0x3C]).as_bytes(),
            &[0xF0, 0xF0, 0xF0, 0xF0, 0xF1, 0xF2, 0xC3]
        );
        assert_eq!(unpack(2, &[0x12, 0x34, 0x5C]).as_bytes(), &[0xF4, 0xC5]);
        assert_eq!(unpack(1, &[0x5F]).as_bytes(), &[0xF5]);
        assert_eq!(
            unpack(4, &[0xAB, 0xCD]).as_bytes(),
            &[0xF0, 0xFA, 0xFB, 0xDC]
        );
        // 17 source digits into 16 bytes: the leftmost digit is lost.
        let r = unpack(16, &[0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x7C]);
        assert_eq!(
            r.as_bytes(),
            &[
                0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5,
                0xF6, 0xC7
            ]
        );
    }

    #[test]
    fn mvo_pop_example() {
        let r = move_with_offset(&[0x77, 0x88, 0x99, 0x0C], &[0x12, 0x34, 0x56]);
        assert_eq!(r.as_bytes(), &[0x01, 0x23, 0x45, 0x6C]);
        assert_eq!(r.cc, CC_UNCHANGED);
    }

    #[test]
    fn mvo_lengths() {
        // Short first operand: leftmost second-operand digits lost.
        assert_eq!(
            move_with_offset(&[0x00, 0x0F], &[0x12, 0x34, 0x56]).as_bytes(),
            &[0x45, 0x6F]
        );
        assert_eq!(move_with_offset(&[0xFF], &[0x12]).as_bytes(), &[0x2F]);
        // Kept nibble is not checked; no validity checks anywhere.
        assert_eq!(
            move_with_offset(&[0xAA, 0xA3], &[0xBC]).as_bytes(),
            &[0x0B, 0xC3]
        );
        assert_eq!(
            move_with_offset(&[0x11; 5], &[0x12, 0x34]).as_bytes(),
            &[0x00, 0x00, 0x01, 0x23, 0x41]
        );
    }

    #[test]
    fn window_variants_match_plain_ones_when_disjoint() {
        let mut rng = Rng(7);
        for _ in 0..2_000 {
            let l1 = 1 + rng.below(16) as usize;
            let l2 = 1 + rng.below(16) as usize;
            let mut src = [0u8; 16];
            let mut dst = [0u8; 16];
            for b in &mut src {
                *b = rng.next() as u8;
            }
            for b in &mut dst {
                *b = rng.next() as u8;
            }
            let (src, dst) = (&src[..l2], &dst[..l1]);
            // Place op2 first, then op1, in a 40-byte window with a gap.
            let mut w = [0u8; 40];
            w[2..2 + l2].copy_from_slice(src);
            w[20..20 + l1].copy_from_slice(dst);
            let mut w1 = w;
            pack_in_window(&mut w1, 20, l1, 2, l2);
            assert_eq!(&w1[20..20 + l1], pack(l1, src).as_bytes());
            let mut w2 = w;
            unpack_in_window(&mut w2, 20, l1, 2, l2);
            assert_eq!(&w2[20..20 + l1], unpack(l1, src).as_bytes());
            let mut w3 = w;
            move_with_offset_in_window(&mut w3, 20, l1, 2, l2);
            assert_eq!(&w3[20..20 + l1], move_with_offset(dst, src).as_bytes());
        }
    }

    #[test]
    fn overlapping_operands() {
        // PACK in place (same address and length) packs correctly.
        let mut w = [0xF1, 0xF2, 0xF3, 0xF4, 0xC5];
        pack_in_window(&mut w, 0, 5, 0, 5);
        assert_eq!(w, [0x00, 0x00, 0x12, 0x34, 0x5C]);
        // MVO FLD(3),FLD(2): divide by ten, the classic idiom (keeps FLD's sign).
        let mut w = [0x12, 0x34, 0x5C];
        move_with_offset_in_window(&mut w, 0, 3, 0, 2);
        assert_eq!(w, [0x01, 0x23, 0x4C]);
        // UNPK in place overwrites source bytes before they are fetched: byte-at-a-time
        // behaviour, not the result of a full read first.
        let mut w = [0x00, 0x01, 0x23, 0x4C];
        unpack_in_window(&mut w, 0, 4, 0, 4);
        // Right to left: byte 3 <- C4; byte 2 <- F3 (held 2); byte 1 <- F2;
        // byte 0 <- low digit of w[1], which is now F2 -> F2.
        assert_eq!(w, [0xF2, 0xF2, 0xF3, 0xC4]);
        // MVO with the first operand one byte to the right of the second: the reads
        // stay ahead of the writes, so this matches a full read first.
        let mut w = [0x12, 0x34, 0x56, 0x7C];
        move_with_offset_in_window(&mut w, 1, 3, 0, 3);
        assert_eq!(w, [0x12, 0x23, 0x45, 0x6C]);
        // MVO with the first operand ending left of the second: each fetch sees the
        // byte just stored (a full read first would give 45 67 C6).
        let mut w = [0x12, 0x34, 0x56, 0x7C];
        move_with_offset_in_window(&mut w, 0, 3, 0, 4);
        assert_eq!(w, [0x7C, 0x67, 0xC6, 0x7C]);
    }

    // ----- CVB / CVD -----------------------------------------------------------------

    #[test]
    fn cvb_pop_example() {
        // 00 00 00 00 00 25 59 4D -> -25594 = X'FFFF9C06'.
        let v = convert_to_binary(&[0x00, 0x00, 0x00, 0x00, 0x00, 0x25, 0x59, 0x4D]).unwrap();
        assert_eq!(v, -25594);
        assert_eq!(v as u32, 0xFFFF_9C06);
    }

    #[test]
    fn cvb_edges() {
        let max = [0x00, 0x00, 0x02, 0x14, 0x74, 0x83, 0x64, 0x7C];
        assert_eq!(convert_to_binary(&max), Ok(i32::MAX));
        let min = [0x00, 0x00, 0x02, 0x14, 0x74, 0x83, 0x64, 0x8D];
        assert_eq!(convert_to_binary(&min), Ok(i32::MIN));
        let over = [0x00, 0x00, 0x02, 0x14, 0x74, 0x83, 0x64, 0x8C];
        assert_eq!(convert_to_binary(&over), Err(FixedPointDivide));
        assert_eq!(convert_to_binary_wrapping(&over), Ok((i32::MIN, true)));
        let under = [0x00, 0x00, 0x02, 0x14, 0x74, 0x83, 0x64, 0x9D];
        assert_eq!(convert_to_binary(&under), Err(FixedPointDivide));
        assert_eq!(convert_to_binary_wrapping(&under), Ok((i32::MAX, true)));
        // Largest 15-digit values: low 32 bits of the two's complement.
        let big = [0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9C];
        assert_eq!(
            convert_to_binary_wrapping(&big),
            Ok((999_999_999_999_999i64 as i32, true))
        );
        assert_eq!(
            convert_to_binary_wrapping(&big).unwrap().0 as u32,
            0xA4C6_7FFF
        );
        let big_neg = [0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9B];
        assert_eq!(
            convert_to_binary_wrapping(&big_neg).unwrap().0 as u32,
            0x5B39_8001
        );
        assert_eq!(convert_to_binary(&[0, 0, 0, 0, 0, 0, 0, 0x0D]), Ok(0));
        assert_eq!(convert_to_binary(&[0, 0, 0, 0, 0, 0, 0, 0x1F]), Ok(1));
        assert_eq!(convert_to_binary(&[0, 0, 0, 0, 0, 0, 0, 0x1B]), Ok(-1));
    }

    #[test]
    fn cvb_data_exceptions() {
        assert_eq!(convert_to_binary(&[0, 0, 0, 0, 0, 0, 0, 0x19]), Err(Data));
        assert_eq!(
            convert_to_binary(&[0, 0, 0, 0, 0, 0, 0x0A, 0x1C]),
            Err(Data)
        );
        assert_eq!(
            convert_to_binary(&[0xA0, 0, 0, 0, 0, 0, 0, 0x1C]),
            Err(Data)
        );
        // Data takes precedence over an out-of-range value.
        assert_eq!(
            convert_to_binary(&[0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99]),
            Err(Data)
        );
    }

    #[test]
    fn cvd_values() {
        // The POP example: X'00000F0F' = 3855.
        assert_eq!(
            convert_to_decimal(0x0F0F),
            [0, 0, 0, 0, 0, 0x03, 0x85, 0x5C]
        );
        assert_eq!(convert_to_decimal(0), [0, 0, 0, 0, 0, 0, 0, 0x0C]);
        assert_eq!(convert_to_decimal(-1), [0, 0, 0, 0, 0, 0, 0, 0x1D]);
        assert_eq!(
            convert_to_decimal(i32::MAX),
            [0, 0, 0x02, 0x14, 0x74, 0x83, 0x64, 0x7C]
        );
        assert_eq!(
            convert_to_decimal(i32::MIN),
            [0, 0, 0x02, 0x14, 0x74, 0x83, 0x64, 0x8D]
        );
        assert_eq!(
            convert_to_decimal(-25594),
            [0, 0, 0, 0, 0, 0x25, 0x59, 0x4D]
        );
    }

    #[test]
    fn cvd_cvb_round_trip() {
        let mut rng = Rng(99);
        for _ in 0..10_000 {
            let v = rng.next() as i32;
            assert_eq!(convert_to_binary(&convert_to_decimal(v)), Ok(v));
        }
    }
}
