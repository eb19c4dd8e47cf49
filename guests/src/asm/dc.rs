//! DC and DS: constant types C (CA, CE), X, B, F, H, A, Y, P, Z, D, E, L with duplication
//! factors, explicit lengths and multiple nominal values (HLASM Language Reference, "DC
//! instruction"). The same parser serves literals.

use super::{align_up, err, Asm, Stmt, E, MAX_IMAGE, P};

/// A parsed DC/DS operand.
#[derive(Clone, Debug, Default)]
pub(crate) struct DcOut {
    /// Boundary the operand is aligned to (1 with an explicit length).
    pub align: i64,
    /// Length attribute (the first value's length).
    pub first_len: i64,
    /// Bytes the operand occupies.
    pub total: i64,
    /// The bytes, when asked for (`total` of them).
    pub bytes: Vec<u8>,
    /// No nominal value was given.
    pub nominal_missing: bool,
}

enum Nominal {
    None,
    Str(Vec<(char, usize)>),
    Exprs(Vec<(usize, usize)>),
}

/// EBCDIC (code page 037) for the printable ASCII characters.
pub(crate) fn ebcdic(c: char) -> Option<u8> {
    const T: &[u8; 95] = b"\x40\x5A\x7F\x7B\x5B\x6C\x50\x7D\x4D\x5D\x5C\x4E\x6B\x60\x4B\x61\
\xF0\xF1\xF2\xF3\xF4\xF5\xF6\xF7\xF8\xF9\x7A\x5E\x4C\x7E\x6E\x6F\
\x7C\xC1\xC2\xC3\xC4\xC5\xC6\xC7\xC8\xC9\xD1\xD2\xD3\xD4\xD5\xD6\
\xD7\xD8\xD9\xE2\xE3\xE4\xE5\xE6\xE7\xE8\xE9\xBA\xE0\xBB\xB0\x6D\
\x79\x81\x82\x83\x84\x85\x86\x87\x88\x89\x91\x92\x93\x94\x95\x96\
\x97\x98\x99\xA2\xA3\xA4\xA5\xA6\xA7\xA8\xA9\xC0\x4F\xD0\xA1";
    let i = (c as u32).checked_sub(0x20)?;
    T.get(i as usize).copied()
}

fn number(p: &mut P) -> Result<i64, E> {
    let at = p.i;
    let mut v: i64 = 0;
    while let Some(d) = p.peek().and_then(|c| c.to_digit(10)) {
        p.i += 1;
        v = match v.checked_mul(10).and_then(|v| v.checked_add(d as i64)) {
            Some(v) if v <= u32::MAX as i64 => v,
            _ => return err(at, "number too large"),
        };
    }
    Ok(v)
}

/// `v` in `len` bytes, big-endian; it must fit as a signed or unsigned value.
fn int_bytes(v: i64, len: i64, at: usize) -> Result<Vec<u8>, E> {
    let len = len.clamp(1, 8) as usize;
    if len < 8 {
        let bits = 8 * len as u32;
        let (min, max) = (-(1i64 << (bits - 1)), (1i64 << bits) - 1);
        if !(min..=max).contains(&v) {
            return err(at, format!("value {v} does not fit in {len} bytes"));
        }
    }
    Ok(v.to_be_bytes()[8 - len..].to_vec())
}

fn signed_int(val: &[(char, usize)], at: usize) -> Result<i64, E> {
    let at = val.first().map_or(at, |x| x.1);
    let s: String = val.iter().map(|x| x.0).collect();
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return err(at, format!("invalid decimal value '{s}'"));
    }
    match t.parse::<i64>() {
        Ok(v) if v.abs() <= u32::MAX as i64 => Ok(v),
        _ => err(at, format!("value '{s}' is too large")),
    }
}

/// Sign and decimal digits of a P or Z value (a decimal point is allowed and ignored).
fn decimal_digits(val: &[(char, usize)], at: usize) -> Result<(bool, Vec<u8>), E> {
    let at = val.first().map_or(at, |x| x.1);
    let mut neg = false;
    let mut digits = Vec::new();
    let mut dot = false;
    for (k, &(c, i)) in val.iter().enumerate() {
        match c {
            '+' | '-' if k == 0 => neg = c == '-',
            '.' if !dot => dot = true,
            '0'..='9' => digits.push(c as u8 - b'0'),
            _ => return err(i, format!("invalid character '{c}' in a decimal constant")),
        }
    }
    if digits.is_empty() {
        return err(at, "decimal constant without digits");
    }
    Ok((neg, digits))
}

/// IBM hexadecimal floating point, 4 (E), 8 (D) or 16 (L) bytes, rounded (Principles of
/// Operation, "Hexadecimal floating-point number representation"). The extended format is
/// two long numbers; the low one's characteristic is 14 less than the high one's, and both
/// carry the sign. Values are converted through an f64, so an L constant keeps the 53
/// significant bits of the decimal value.
fn hfp(val: &[(char, usize)], len: i64, extended: bool, at: usize) -> Result<Vec<u8>, E> {
    let at = val.first().map_or(at, |x| x.1);
    let s: String = val.iter().map(|x| x.0).collect();
    let t = s.trim();
    let ok = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'E' | 'e'))
        && t.chars().any(|c| c.is_ascii_digit());
    let Some(x) = t.parse::<f64>().ok().filter(|x| ok && x.is_finite()) else {
        return err(at, format!("invalid floating-point value '{s}'"));
    };
    let full = if extended {
        16
    } else if len > 4 {
        8
    } else {
        4
    };
    let frac_bits = match full {
        16 => 112,
        8 => 56,
        _ => 24,
    };
    let mut out = vec![0u8; full];
    if x != 0.0 {
        let neg = x < 0.0;
        let mut a = x.abs();
        let mut e: i32 = 0;
        while a >= 1.0 && e < 80 {
            a /= 16.0;
            e += 1;
        }
        while a < 1.0 / 16.0 && e > -80 {
            a *= 16.0;
            e -= 1;
        }
        let mut m = (a * 2f64.powi(frac_bits)).round() as u128;
        if m >= 1u128 << frac_bits {
            m >>= 4;
            e += 1;
        }
        let ch = e + 64;
        if !(0..=127).contains(&ch) {
            return err(at, format!("floating-point value '{s}' is out of range"));
        }
        let sign = (neg as u8) << 7;
        if full == 16 {
            let hi = (m >> 56) as u64;
            let lo = (m & ((1u128 << 56) - 1)) as u64;
            out[0] = sign | ch as u8;
            out[1..8].copy_from_slice(&hi.to_be_bytes()[1..]);
            out[8] = sign | ((ch - 14).rem_euclid(128)) as u8;
            out[9..].copy_from_slice(&lo.to_be_bytes()[1..]);
        } else {
            out[0] = sign | ch as u8;
            let mb = m.to_be_bytes();
            out[1..].copy_from_slice(&mb[16 - (full - 1)..]);
        }
    }
    // An explicit length keeps the leftmost bytes.
    out.resize(len.clamp(1, 16) as usize, 0);
    Ok(out)
}

impl Asm {
    /// A DC or DS statement.
    pub(super) fn dc_statement(
        &mut self,
        st: &Stmt,
        ops: &[(usize, usize)],
        is_ds: bool,
        op_at: usize,
    ) -> Result<(), E> {
        self.section();
        if ops.is_empty() {
            self.label(st, 1)?;
            return err(
                op_at,
                format!("{} requires an operand", if is_ds { "DS" } else { "DC" }),
            );
        }
        for (k, &(s, e)) in ops.iter().enumerate() {
            let mut p = P::new(&st.chars, s, e);
            let emit = self.pass == 2 && !is_ds;
            let out = match self.dc_operand(st, &mut p, is_ds, emit) {
                Ok(o) => o,
                Err(x) => {
                    if k == 0 {
                        self.label(st, 1)?;
                    }
                    return Err(x);
                }
            };
            if !p.at_end() {
                if k == 0 {
                    self.label(st, 1)?;
                }
                return err(p.i, format!("unexpected '{}'", p.peek().unwrap_or(' ')));
            }
            if !is_ds && out.nominal_missing {
                if k == 0 {
                    self.label(st, 1)?;
                }
                return err(p.i, "DC requires a nominal value");
            }
            if is_ds {
                let l = self.loc();
                self.set_loc(align_up(l, out.align));
            } else {
                self.align(out.align)?;
            }
            if k == 0 {
                self.label(st, out.first_len)?;
                if self.pass == 2 {
                    let here = self.here();
                    self.rows[self.stmt_idx].loc = Some(self.address(here));
                }
            }
            if emit {
                self.emit(&out.bytes, s)?;
            } else {
                self.advance(out.total, s)?;
            }
        }
        Ok(())
    }

    /// Parses one DC/DS operand at `p`; with `emit`, evaluates it into bytes.
    pub(super) fn dc_operand(
        &mut self,
        st: &Stmt,
        p: &mut P,
        is_ds: bool,
        emit: bool,
    ) -> Result<DcOut, E> {
        let dat = p.i;
        let dup = if p.peek().is_some_and(|c| c.is_ascii_digit()) {
            number(p)?
        } else if p.peek() == Some('(') {
            p.i += 1;
            let v = self.expr(st, p, true)?;
            p.expect(')')?;
            if v.sect.is_some() {
                return err(dat, "duplication factor must be absolute");
            }
            v.v
        } else {
            1
        };
        if !(0..=MAX_IMAGE as i64).contains(&dup) {
            return err(dat, format!("duplication factor {dup} is out of range"));
        }
        let tat = p.i;
        let Some(tc) = p.peek() else {
            return err(tat, "missing constant type");
        };
        let ty = tc.to_ascii_uppercase();
        if !"CXBFHAYPZDEL".contains(ty) {
            return err(tat, format!("unknown constant type '{tc}'"));
        }
        p.i += 1;
        let mut ascii = false;
        if ty == 'C' {
            match p.peek() {
                Some('A' | 'a') => {
                    ascii = true;
                    p.i += 1;
                }
                Some('E' | 'e') => p.i += 1,
                _ => {}
            }
        }
        let mut explicit = None;
        if matches!(p.peek(), Some('L' | 'l')) {
            p.i += 1;
            let lat = p.i;
            let l = if p.peek() == Some('(') {
                p.i += 1;
                let v = self.expr(st, p, true)?;
                p.expect(')')?;
                if v.sect.is_some() {
                    return err(lat, "length must be absolute");
                }
                v.v
            } else if p.peek().is_some_and(|c| c.is_ascii_digit()) {
                number(p)?
            } else {
                return err(lat, "missing length after L");
            };
            let max = match ty {
                'F' | 'H' | 'D' | 'E' => 8,
                'L' => 16,
                'A' => 4,
                'Y' => 2,
                'P' | 'Z' => 16,
                _ => 65535,
            };
            if !(1..=max).contains(&l) {
                return err(lat, format!("length {l} is outside 1-{max}"));
            }
            explicit = Some(l);
        }
        let nat = p.i;
        let address = matches!(ty, 'A' | 'Y');
        let nominal = match p.peek() {
            Some('\'') if !address => Nominal::Str(p.quoted()?),
            Some('(') if address => {
                p.i += 1;
                let mut list = Vec::new();
                let mut s = p.i;
                let mut depth = 0;
                let mut quote = false;
                loop {
                    match p.peek() {
                        None => return err(nat, "missing ')'"),
                        Some('\'') if quote || !super::is_attr_quote(p.c, p.i) => quote = !quote,
                        Some('(') if !quote => depth += 1,
                        Some(')') if !quote && depth == 0 => {
                            list.push((s, p.i));
                            p.i += 1;
                            break;
                        }
                        Some(')') if !quote => depth -= 1,
                        Some(',') if !quote && depth == 0 => {
                            list.push((s, p.i));
                            s = p.i + 1;
                        }
                        _ => {}
                    }
                    p.i += 1;
                }
                Nominal::Exprs(list)
            }
            _ => Nominal::None,
        };
        let default_len = match ty {
            'F' | 'A' | 'E' => 4,
            'H' | 'Y' => 2,
            'D' => 8,
            'L' => 16,
            _ => 1,
        };
        let align = match (explicit, ty) {
            (Some(_), _) => 1,
            (None, 'L') => 8,
            (None, _) => default_len,
        };
        let mut out = DcOut {
            align,
            ..DcOut::default()
        };
        let mut one: Vec<u8> = Vec::new();
        let mut lens: Vec<i64> = Vec::new();
        match nominal {
            Nominal::None => {
                out.nominal_missing = true;
                lens.push(explicit.unwrap_or(default_len));
                one.resize(lens[0] as usize, 0);
            }
            Nominal::Str(chars) if ty == 'C' => {
                let mut text = Vec::new();
                let mut k = 0;
                while k < chars.len() {
                    text.push(chars[k]);
                    if chars[k].0 == '&' && chars.get(k + 1).is_some_and(|c| c.0 == '&') {
                        k += 1;
                    }
                    k += 1;
                }
                let l = explicit.unwrap_or(text.len() as i64);
                if l == 0 {
                    return err(nat, "character constant must not be empty");
                }
                if l > 65535 {
                    return err(nat, "character constant longer than 65535 bytes");
                }
                lens.push(l);
                for &(c, i) in &text {
                    let b = if ascii {
                        (c.is_ascii() && !c.is_ascii_control()).then_some(c as u8)
                    } else {
                        ebcdic(c)
                    };
                    let Some(b) = b else {
                        return err(i, format!("character '{c}' cannot be represented"));
                    };
                    one.push(b);
                }
                one.resize(l as usize, if ascii { 0x20 } else { 0x40 });
            }
            Nominal::Str(chars) => {
                let mut values: Vec<Vec<(char, usize)>> = vec![Vec::new()];
                for &(c, i) in &chars {
                    if c == ',' {
                        values.push(Vec::new());
                    } else if let Some(v) = values.last_mut() {
                        v.push((c, i));
                    }
                }
                for val in &values {
                    let vat = val.first().map_or(nat, |x| x.1);
                    let bytes = match ty {
                        'X' | 'B' => {
                            let (radix, per) = if ty == 'X' { (16, 4) } else { (2, 1) };
                            let mut bits = Vec::new();
                            for &(c, i) in val {
                                if c == ' ' {
                                    continue;
                                }
                                let Some(d) = c.to_digit(radix) else {
                                    return err(i, format!("invalid digit '{c}'"));
                                };
                                for b in (0..per).rev() {
                                    bits.push((d >> b) & 1);
                                }
                            }
                            if bits.is_empty() {
                                return err(vat, "constant without digits");
                            }
                            let n = (bits.len() as i64 + 7) / 8;
                            let l = explicit.unwrap_or(n);
                            // Right-aligned: pad or truncate on the left.
                            let total = l as usize * 8;
                            let mut all = vec![0u32; total.saturating_sub(bits.len())];
                            let skip = bits.len().saturating_sub(total);
                            all.extend_from_slice(&bits[skip..]);
                            all.chunks(8)
                                .map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8))
                                .collect()
                        }
                        'F' | 'H' => {
                            let v = signed_int(val, vat)?;
                            int_bytes(v, explicit.unwrap_or(default_len), vat)?
                        }
                        'P' | 'Z' => {
                            let (neg, digits) = decimal_digits(val, vat)?;
                            let sign = if neg { 0xD } else { 0xC };
                            if ty == 'P' {
                                let l = explicit.unwrap_or(digits.len() as i64 / 2 + 1) as usize;
                                let mut nib = digits.clone();
                                nib.push(sign);
                                if nib.len() > 2 * l {
                                    return err(vat, "value too long for the length");
                                }
                                let mut full = vec![0u8; 2 * l - nib.len()];
                                full.extend(nib);
                                full.chunks(2).map(|c| (c[0] << 4) | c[1]).collect()
                            } else {
                                let l = explicit.unwrap_or(digits.len() as i64) as usize;
                                if digits.len() > l {
                                    return err(vat, "value too long for the length");
                                }
                                let mut full = vec![0xF0u8; l - digits.len()];
                                full.extend(digits.iter().map(|d| 0xF0 | d));
                                if let Some(last) = full.last_mut() {
                                    *last = (sign << 4) | (*last & 0x0F);
                                }
                                full
                            }
                        }
                        _ => hfp(val, explicit.unwrap_or(default_len), ty == 'L', vat)?,
                    };
                    lens.push(bytes.len() as i64);
                    one.extend(bytes);
                }
            }
            Nominal::Exprs(list) => {
                for &(s, e) in &list {
                    let l = explicit.unwrap_or(default_len);
                    lens.push(l);
                    if emit {
                        let v = self.expr_range(st, s, e, false)?;
                        let a = self.address(v);
                        let a = if l == 4 && (-(1i64 << 31)..0).contains(&a) {
                            a & 0xFFFF_FFFF
                        } else {
                            a
                        };
                        one.extend(int_bytes(a, l, s)?);
                    } else {
                        one.resize(one.len() + l as usize, 0);
                    }
                }
            }
        }
        let size: i64 = lens.iter().sum();
        out.first_len = lens.first().copied().unwrap_or(1);
        out.total = match size.checked_mul(dup) {
            Some(t) if t <= MAX_IMAGE as i64 => t,
            _ => return err(dat, "constant larger than 16 MiB"),
        };
        if emit && !is_ds {
            let mut bytes = Vec::with_capacity(out.total as usize);
            for _ in 0..dup {
                bytes.extend_from_slice(&one);
            }
            out.bytes = bytes;
        }
        Ok(out)
    }
}
