//! CP's debugging commands: DISPLAY, STORE, ADSTOP and DUMP, with the operand forms and
//! responses of VM/370 R6's own HELP files (`DISPLAY HELPCMD`/`HELPCMD2`, `STORE`,
//! `ADSTOP`, `DUMP`, on the 19D) and the *VM/370 CP Command Reference for General Users*
//! (GC20-1820).
//!
//! Storage is the virtual machine's real storage ("first-level storage ... real to the
//! virtual machine", DISPLAY HELPCMD2 note 1): a location is a real address, prefixed to
//! an absolute one. CP ignores storage keys. What STORE writes goes through
//! [`note_store`], so predecoded instructions and compiled regions there are redone.
//!
//! Messages (module DMKCDB for DISPLAY and DUMP, DMKCDS for STORE and ADSTOP): 003E
//! INVALID OPTION, 004E INVALID HEXLOC, 005E INVALID HEXDATA, 009E INVALID RANGE, 010E
//! INVALID REGISTER, 026E OPERAND MISSING OR INVALID, 160E HEXLOC ... EXCEEDS STORAGE.
//! The numbers are VM/370's; the texts follow *VM/370 System Messages* (GC20-1808) as far
//! as we could reconstruct them without the manual at hand.

use super::{abbrev, CpResult, Effect, Words};
use crate::cpu::{Cpu, Psw};
use crate::io::device::{Command, DeviceClass, IoContext, NoSink};
use crate::io::ebcdic::{char_to_ebcdic, EBCDIC_TO_UNICODE};
use crate::storage::{RealAddr, KEY_BLOCK};
use crate::vm::{note_store, Cp};

/// Real location of the CSW (8 bytes).
const CSW: u32 = 0x40;
/// Real location of the CAW (4 bytes).
const CAW: u32 = 0x48;

/// How a storage or register operand without its own letter is displayed: as the last
/// explicit one (DISPLAY HELPCMD2 note 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `L`: hexadecimal.
    Loc,
    /// `T`: hexadecimal with EBCDIC translation.
    Trans,
    /// `K`: storage keys.
    Key,
    /// `G`: general registers.
    Gpr,
    /// `Y`: floating-point registers.
    Fpr,
    /// `X`: control registers.
    Cr,
}

/// The end of an operand's range: none, `-`/`:` a last location, `.` a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Only the first location (or register).
    Single,
    /// To this last one (`None`: END, the last there is).
    To(Option<u32>),
    /// This many (`None`: END).
    Count(Option<u32>),
}

/// An operand error: its message number and text after the module name.
type OpError = String;

/// The byte at real `real` of the virtual machine, if it exists.
fn real_byte(cpu: &Cpu, real: u32) -> Option<u8> {
    let a = cpu.mem.absolute(RealAddr(real));
    cpu.mem
        .contains(a, 1)
        .then(|| cpu.mem.bytes()[a.0 as usize])
}

/// The word at real `real` (zero where storage does not exist; the callers check).
fn real_word(cpu: &Cpu, real: u32) -> u32 {
    let mut w = 0u32;
    for i in 0..4 {
        w = (w << 8) | u32::from(real_byte(cpu, real.wrapping_add(i)).unwrap_or(0));
    }
    w
}

/// The last location of the virtual machine's storage (what END means).
fn last_loc(cpu: &Cpu) -> u32 {
    cpu.mem.defined().saturating_sub(1)
}

/// Whether real location `real` exists (defined storage or a saved segment above it).
fn exists(cpu: &Cpu, real: u32) -> bool {
    real_byte(cpu, real).is_some()
}

/// A hexadecimal location: 1 to 8 digits (VM/370's 6, and 8 for ESA/390 storage above
/// 16M).
fn hexloc(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Splits a range `first[-|:|.]last` into its first part, and its end.
fn split_range(s: &str) -> (&str, Option<(char, &str)>) {
    match s.find(['-', ':', '.']) {
        Some(i) => (&s[..i], Some((s.as_bytes()[i] as char, &s[i + 1..]))),
        None => (s, None),
    }
}

/// The end part of a storage range (`-last`, `.count`, `END`), `op` for messages.
fn storage_end(end: Option<(char, &str)>, module: &str, op: &str) -> Result<End, OpError> {
    let Some((delim, text)) = end else {
        return Ok(End::Single);
    };
    let value = if text.is_empty() || text == "END" {
        None
    } else {
        match hexloc(text) {
            Some(v) => Some(v),
            None => return Err(format!("{module}009E INVALID RANGE - {op}")),
        }
    };
    Ok(if delim == '.' {
        End::Count(value)
    } else {
        End::To(value)
    })
}

/// The first and last location of a storage operand whose first part is `first` (empty:
/// 0, or all of storage when the operand is a bare letter or a range from nothing).
fn storage_span(
    cpu: &Cpu,
    first: &str,
    end: End,
    module: &str,
    op: &str,
) -> Result<(u32, u32), OpError> {
    let whole = first.is_empty() && end == End::Single;
    let start = if first.is_empty() {
        0
    } else {
        hexloc(first).ok_or_else(|| format!("{module}004E INVALID HEXLOC - {first}"))?
    };
    if !exists(cpu, start) {
        return Err(format!("{module}160E HEXLOC {start:06X} EXCEEDS STORAGE"));
    }
    let last = match end {
        End::Single if whole => last_loc(cpu),
        End::Single => start,
        End::To(None) | End::Count(None) => last_loc(cpu).max(start),
        End::To(Some(l)) => l,
        End::Count(Some(0)) => return Err(format!("{module}009E INVALID RANGE - {op}")),
        End::Count(Some(n)) => start.saturating_add(n - 1),
    };
    if last < start {
        return Err(format!("{module}009E INVALID RANGE - {op}"));
    }
    if !exists(cpu, last) {
        return Err(format!("{module}160E HEXLOC {last:06X} EXCEEDS STORAGE"));
    }
    Ok((start, last))
}

/// The EBCDIC translation of `bytes`: printable characters, `.` for the others.
fn translate(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b >= 0x40 && b != 0xFF {
                let c = EBCDIC_TO_UNICODE[b as usize];
                if c.is_ascii_graphic() || c == ' ' {
                    return c;
                }
            }
            '.'
        })
        .collect()
}

/// The storage key of the block holding real `real` as CP shows it (access key and
/// fetch-protection bit, reference and change bits: what ISK gives).
fn key_of(cpu: &Cpu, real: u32) -> u8 {
    cpu.mem.key(cpu.mem.absolute(RealAddr(real))) & 0xFE
}

/// Storage lines as DISPLAY shows them (HELPCMD2, "Displaying Storage Locations"):
/// `xxxxxx word1 word2 word3 word4 (key) *EBCDIC TRANSLATION*`, four words a line, the
/// key where a line starts a 2K block, the translation with `T`. `L` rounds the first
/// location down to a word, `T` to 16 bytes; the last is rounded up to a word.
fn storage_lines(cpu: &Cpu, first: u32, last: u32, trans: bool, per_line: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = if trans { first & !15 } else { first & !3 };
    // With the translation, whole lines of 16 bytes.
    let end = u64::from(if trans { last | 15 } else { last | 3 }) + 1;
    let mut gap_from = None;
    while u64::from(at) < end {
        let n = (end - u64::from(at)).min(u64::from(per_line)) as u32;
        if !exists(cpu, at) {
            gap_from.get_or_insert(at);
            at = at.wrapping_add(n);
            continue;
        }
        if let Some(g) = gap_from.take() {
            out.push(format!("{g:06X} TO {:06X} NONADDRESSABLE STORAGE", at - 1));
        }
        let mut line = format!("{at:06X}");
        let mut bytes = Vec::new();
        for i in (0..n).step_by(4) {
            line.push_str(&format!(" {:08X}", real_word(cpu, at + i)));
            for j in 0..4 {
                bytes.push(real_byte(cpu, at + i + j).unwrap_or(0));
            }
        }
        if at.is_multiple_of(KEY_BLOCK) {
            line.push_str(&format!(" ({:02X})", key_of(cpu, at)));
        }
        if trans {
            line.push_str(&format!(" *{}*", translate(&bytes)));
        }
        out.push(line);
        at = at.wrapping_add(n);
    }
    if let Some(g) = gap_from {
        out.push(format!(
            "{g:06X} TO {:06X} NONADDRESSABLE STORAGE",
            (end - 1) as u32
        ));
    }
    out
}

/// Key lines (HELPCMD2, "Displaying Storage Keys"): `xxxxxx TO xxxxxx   KEY = kk`, one
/// for each run of 2K blocks with the same key.
fn key_lines(cpu: &Cpu, first: u32, last: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = first & !(KEY_BLOCK - 1);
    let end = u64::from(last | (KEY_BLOCK - 1)) + 1;
    let mut run: Option<(u32, u32, u8)> = None;
    while u64::from(at) < end {
        if exists(cpu, at) {
            let k = key_of(cpu, at);
            match &mut run {
                Some((_, to, rk)) if *rk == k && *to + 1 == at => *to = at + KEY_BLOCK - 1,
                _ => {
                    if let Some((f, t, k)) = run.take() {
                        out.push(format!("{f:06X} TO {t:06X}   KEY = {k:02X}"));
                    }
                    run = Some((at, at + KEY_BLOCK - 1, k));
                }
            }
        }
        at = at.wrapping_add(KEY_BLOCK);
        if at == 0 {
            break;
        }
    }
    if let Some((f, t, k)) = run {
        out.push(format!("{f:06X} TO {t:06X}   KEY = {k:02X}"));
    }
    out
}

/// A register number: decimal 0 to 15 or one hexadecimal digit.
fn reg_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 {
        return None;
    }
    if let Ok(n) = s.parse::<u32>() {
        return (n <= 15).then_some(n);
    }
    (s.len() == 1).then(|| u32::from_str_radix(s, 16).ok())?
}

/// The registers a `G`, `X` or `Y` operand names (`rest`: after the letter).
fn register_span(kind: Kind, rest: &str, module: &str) -> Result<Vec<usize>, OpError> {
    let bad = || format!("{module}010E INVALID REGISTER - {rest}");
    let (first, end) = split_range(rest);
    let fpr = kind == Kind::Fpr;
    let top = if fpr { 6 } else { 15 };
    let start = if first.is_empty() {
        0
    } else {
        reg_number(first).ok_or_else(bad)?
    };
    if start > top || (fpr && start % 2 != 0) {
        return Err(bad());
    }
    let step = if fpr { 2 } else { 1 };
    let last = match end {
        None if first.is_empty() => top,
        None => start,
        Some((_, "")) | Some((_, "END")) => top,
        Some(('.', n)) => {
            let n = reg_number(n).filter(|n| *n >= 1).ok_or_else(bad)?;
            let last = start + (n - 1) * step;
            if last > top {
                return Err(format!("{module}009E INVALID RANGE - {rest}"));
            }
            last
        }
        Some((_, l)) => {
            let l = reg_number(l).ok_or_else(bad)?;
            if l > top || l < start || (fpr && l % 2 != 0) {
                return Err(format!("{module}009E INVALID RANGE - {rest}"));
            }
            l
        }
    };
    Ok((start..=last)
        .step_by(step as usize)
        .map(|r| r as usize)
        .collect())
}

/// A long hexadecimal floating-point number in E format: `.xxxxxxxxxxxxxxxxx  E xx`
/// (17 decimal digits of fraction, a signed decimal exponent).
fn e_format(v: u64) -> String {
    let negative = v >> 63 != 0;
    let characteristic = ((v >> 56) & 0x7F) as i32;
    let fraction = v & 0x00FF_FFFF_FFFF_FFFF;
    if fraction == 0 {
        return format!(
            "{}.00000000000000000  E 00",
            if negative { "-" } else { " " }
        );
    }
    let value = fraction as f64 / (1u64 << 56) as f64 * 16f64.powi(characteristic - 64);
    // d.dddddddddddddddde±x: 17 significant digits; as .ddd... the exponent is x + 1.
    let s = format!("{value:.16e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp = exp.parse::<i32>().unwrap_or(0) + 1;
    format!(
        "{}.{digits}  E{}{:02}",
        if negative { "-" } else { " " },
        if exp < 0 { '-' } else { ' ' },
        exp.unsigned_abs()
    )
}

/// Register lines: four to a line for general and control registers (`GPR n = ...`,
/// `ECR n = ...`), one floating-point register a line with its E format.
fn register_lines(cpu: &Cpu, kind: Kind, regs: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    if kind == Kind::Fpr {
        for &r in regs {
            let v = cpu.fpr[r];
            out.push(format!("FPR {r} = {v:016X} {}", e_format(v)));
        }
        return out;
    }
    let (name, vals) = match kind {
        Kind::Cr => ("ECR", &cpu.cr),
        _ => ("GPR", &cpu.gpr),
    };
    for chunk in regs.chunks(4) {
        let mut line = format!("{name} {:X} =", chunk[0]);
        for &r in chunk {
            line.push_str(&format!(" {:08X}", vals[r]));
        }
        out.push(line);
    }
    out
}

/// Two words as DISPLAY shows the PSW and the CSW: `xxxxxxxx  xxxxxxxx`.
fn two_words(b: &[u8; 8]) -> String {
    format!(
        "{:08X}  {:08X}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u32::from_be_bytes([b[4], b[5], b[6], b[7]])
    )
}

/// What one DISPLAY operand shows, with the display type it sets.
fn display_operand(cpu: &Cpu, op: &str, kind: &mut Kind) -> Result<Vec<String>, OpError> {
    const M: &str = "DMKCDB";
    if abbrev(op, "PSW", 1) {
        return Ok(vec![format!(
            "PSW = {}",
            two_words(&cpu.psw.to_bytes(cpu.arch))
        )]);
    }
    if op == "CAW" {
        return Ok(vec![format!("CAW = {:08X}", real_word(cpu, CAW))]);
    }
    if op == "CSW" {
        let mut b = [0u8; 8];
        for (i, x) in b.iter_mut().enumerate() {
            *x = real_byte(cpu, CSW + i as u32).unwrap_or(0);
        }
        return Ok(vec![format!("CSW = {}", two_words(&b))]);
    }
    let (explicit, rest) = match op.as_bytes().first() {
        Some(b'L') => (Some(Kind::Loc), &op[1..]),
        Some(b'T') => (Some(Kind::Trans), &op[1..]),
        Some(b'K') => (Some(Kind::Key), &op[1..]),
        Some(b'G') => (Some(Kind::Gpr), &op[1..]),
        Some(b'Y') => (Some(Kind::Fpr), &op[1..]),
        Some(b'X') => (Some(Kind::Cr), &op[1..]),
        Some(c) if c.is_ascii_hexdigit() || matches!(c, b'-' | b':' | b'.') => (None, op),
        _ => return Err(format!("{M}003E INVALID OPTION - {op}")),
    };
    if let Some(k) = explicit {
        *kind = k;
    }
    match *kind {
        Kind::Gpr | Kind::Fpr | Kind::Cr => {
            let regs = register_span(*kind, rest, M)?;
            Ok(register_lines(cpu, *kind, &regs))
        }
        Kind::Loc | Kind::Trans | Kind::Key => {
            let (first, end) = split_range(rest);
            let end = storage_end(end, M, op)?;
            let (first, last) = storage_span(cpu, first, end, M, op)?;
            Ok(match *kind {
                Kind::Key => key_lines(cpu, first, last),
                k => storage_lines(cpu, first, last, k == Kind::Trans, 16),
            })
        }
    }
}

/// Hexadecimal digits as a value (`digits` at most 16).
fn hex_value(s: &str, digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > digits || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// Whether `s` is hexadecimal data (the operands after a STORE location or register).
fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Stores `data` at real location `at` of the virtual machine (CP ignores keys); the
/// store is noted so decoded instructions there are redone.
fn store_bytes(cpu: &mut Cpu, at: u32, data: &[u8]) -> Result<(), OpError> {
    for (i, &b) in data.iter().enumerate() {
        let real = at.wrapping_add(i as u32);
        let a = cpu.mem.absolute(RealAddr(real));
        if !cpu.mem.contains(a, 1) {
            return Err(format!("DMKCDS160E HEXLOC {real:06X} EXCEEDS STORAGE"));
        }
        cpu.mem.bytes_mut()[a.0 as usize] = b;
        note_store(cpu, a.0, 1);
    }
    Ok(())
}

/// The words of a STORE operand: the hexadecimal data words after it.
fn take_data(w: &mut Words) -> Vec<String> {
    let mut v = Vec::new();
    while let Some(p) = w.peek() {
        if !is_hex(p) {
            break;
        }
        v.push(w.next().unwrap_or_default());
    }
    v
}

/// One STORE operand and the data after it.
fn store_operand(cpu: &mut Cpu, op: &str, w: &mut Words) -> Result<(), OpError> {
    const M: &str = "DMKCDS";
    let data = take_data(w);
    let need = |d: &[String]| {
        if d.is_empty() {
            Err(format!("{M}026E OPERAND MISSING OR INVALID"))
        } else {
            Ok(())
        }
    };
    if abbrev(op, "PSW", 1) {
        need(&data)?;
        if data.len() > 2 {
            return Err(format!("{M}005E INVALID HEXDATA - {}", data[2]));
        }
        let mut b = cpu.psw.to_bytes(cpu.arch);
        let words = data
            .iter()
            .map(|d| hex_value(d, 8).map(|v| v as u32).ok_or(d))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|d| format!("{M}005E INVALID HEXDATA - {d}"))?;
        let from = 2 - words.len();
        for (i, v) in words.iter().enumerate() {
            b[(from + i) * 4..(from + i) * 4 + 4].copy_from_slice(&v.to_be_bytes());
        }
        cpu.psw = Psw::from_bytes(cpu.arch, b).0;
        return Ok(());
    }
    let (letter, rest) = match op.as_bytes().first() {
        Some(c @ (b'L' | b'S' | b'G' | b'X' | b'Y')) => (Some(*c), &op[1..]),
        Some(c) if c.is_ascii_hexdigit() => (None, op),
        _ => return Err(format!("{M}003E INVALID OPTION - {op}")),
    };
    match letter {
        None | Some(b'L') => {
            need(&data)?;
            let at = hexloc(rest).ok_or_else(|| format!("{M}004E INVALID HEXLOC - {rest}"))? & !3;
            let mut bytes = Vec::new();
            for d in &data {
                let v = hex_value(d, 16).ok_or_else(|| format!("{M}005E INVALID HEXDATA - {d}"))?;
                if d.len() > 8 {
                    bytes.extend_from_slice(&v.to_be_bytes());
                } else {
                    bytes.extend_from_slice(&(v as u32).to_be_bytes());
                }
            }
            store_bytes(cpu, at, &bytes)
        }
        Some(b'S') => {
            need(&data)?;
            let mut at = hexloc(rest).ok_or_else(|| format!("{M}004E INVALID HEXLOC - {rest}"))?;
            for d in &data {
                let bytes: Vec<u8> = (0..d.len() / 2)
                    .map(|i| u8::from_str_radix(&d[2 * i..2 * i + 2], 16).unwrap_or(0))
                    .collect();
                store_bytes(cpu, at, &bytes)?;
                at = at.wrapping_add(bytes.len() as u32);
                if d.len() % 2 != 0 {
                    // The last digit is not stored (STORE HELPCMD, Shexloc).
                    return Err(format!("{M}005E INVALID HEXDATA - {d}"));
                }
            }
            Ok(())
        }
        Some(l) => {
            need(&data)?;
            let bad = || format!("{M}010E INVALID REGISTER - {rest}");
            let mut r = reg_number(rest).ok_or_else(bad)? as usize;
            let fpr = l == b'Y';
            if fpr {
                // 0 to 7; an odd register is the even one before it.
                if r > 7 {
                    return Err(bad());
                }
                r &= !1;
            }
            for d in &data {
                if r > if fpr { 6 } else { 15 } {
                    return Err(format!("{M}010E INVALID REGISTER - {d}"));
                }
                if fpr {
                    let v =
                        hex_value(d, 16).ok_or_else(|| format!("{M}005E INVALID HEXDATA - {d}"))?;
                    // Left-justified in the doubleword.
                    cpu.fpr[r] = v << (4 * (16 - d.len()));
                    r += 2;
                } else {
                    let v = hex_value(d, 8)
                        .ok_or_else(|| format!("{M}005E INVALID HEXDATA - {d}"))?
                        as u32;
                    if l == b'G' {
                        cpu.gpr[r] = v;
                    } else {
                        cpu.cr[r] = v;
                    }
                    r += 1;
                }
            }
            Ok(())
        }
    }
}

/// The dump of the virtual machine as DUMP prints it (DUMP HELPCMD/HELPCMD2): the dump
/// identifier, the PSW, general, floating-point and control registers, the storage keys,
/// and storage `first`..=`last` eight words a line with the EBCDIC translation.
fn dump_lines(cpu: &Cpu, dumpid: &str, spans: &[(u32, u32)]) -> Vec<String> {
    let mut out = Vec::new();
    if !dumpid.is_empty() {
        out.push(dumpid.to_string());
    }
    out.push(format!("PSW = {}", two_words(&cpu.psw.to_bytes(cpu.arch))));
    let all: Vec<usize> = (0..16).collect();
    out.extend(register_lines(cpu, Kind::Gpr, &all));
    out.extend(register_lines(cpu, Kind::Fpr, &[0, 2, 4, 6]));
    out.extend(register_lines(cpu, Kind::Cr, &all));
    for &(first, last) in spans {
        out.push(String::new());
        out.extend(key_lines(cpu, first, last));
        out.push(String::new());
        out.extend(storage_lines(cpu, first & !31, last, true, 32));
    }
    out
}

impl Cp {
    /// DISPLAY [L|T|K]hexloc[-|:|.end] | Greg | Yreg | Xreg | PSW | CAW | CSW ...: the
    /// operands are shown in order; at an invalid one its message ends the command (the
    /// ones before it were shown, DISPLAY HELPCMD2 note 2).
    pub(super) fn cmd_display(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        let mut kind = Kind::Loc;
        let mut lines = Vec::new();
        if !w.more() {
            return CpResult::lines(storage_lines(cpu, 0, 0, false, 16));
        }
        while let Some(op) = w.next() {
            match display_operand(cpu, &op, &mut kind) {
                Ok(l) => lines.extend(l),
                Err(e) => {
                    let mut r = CpResult::error(e);
                    lines.append(&mut r.lines);
                    r.lines = lines;
                    return r;
                }
            }
        }
        CpResult::lines(lines)
    }

    /// STORE [L]hexloc hexword... | Shexloc hexdata | Greg|Xreg|Yreg hexword... | PSW
    /// [hexword1] hexword2: operands in any order; an invalid one ends the command with
    /// its message, the ones before it were stored (STORE HELPCMD2 note 2). Response:
    /// `STORE COMPLETE`.
    pub(super) fn cmd_store(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        if !w.more() {
            return CpResult::error("DMKCDS026E OPERAND MISSING OR INVALID");
        }
        while let Some(op) = w.next() {
            if op == "STATUS" {
                return CpResult::error(format!("DMKCDS003E INVALID OPTION - {op}"));
            }
            if let Err(e) = store_operand(cpu, &op, w) {
                return CpResult::error(e);
            }
        }
        CpResult::line(0, "STORE COMPLETE")
    }

    /// ADSTOP hexloc|OFF: stop the virtual machine when the instruction at real `hexloc`
    /// is the next to execute ([`Cpu::stop_address`]; the run loop says `ADSTOP AT
    /// xxxxxx` and enters CP mode). VM/370 puts an SVC X'B3' there; we need not touch
    /// the guest's storage. One address stop at a time; it is removed when reached, by
    /// an IPL or reset, by ADSTOP OFF, or by a new ADSTOP.
    pub(super) fn cmd_adstop(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        let Some(op) = w.next() else {
            return CpResult::error("DMKCDS026E OPERAND MISSING OR INVALID");
        };
        if let Some(extra) = w.next() {
            return CpResult::error(format!("DMKCDS003E INVALID OPTION - {extra}"));
        }
        if op == "OFF" {
            cpu.stop_address = None;
            return CpResult::ok();
        }
        let Some(at) = hexloc(&op).filter(|a| a % 2 == 0) else {
            return CpResult::error(format!("DMKCDS004E INVALID HEXLOC - {op}"));
        };
        if !exists(cpu, at) {
            return CpResult::error(format!("DMKCDS160E HEXLOC {at:06X} EXCEEDS STORAGE"));
        }
        cpu.stop_address = Some(at);
        CpResult::ok()
    }

    /// DUMP [L|T]hexloc[-|:|.end] ... [*dumpid]: the PSW, registers, keys and storage to
    /// the virtual printer, as printer records written through the device, then closed
    /// (a spool file). `DUMPING LOC xxxxxx` at each 64K boundary, `COMMAND COMPLETE`.
    pub(super) fn cmd_dump(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        const M: &str = "DMKCDB";
        let rest = w.rest_raw();
        let (ops, dumpid) = match rest.find('*') {
            Some(i) => (
                rest[..i].to_ascii_uppercase(),
                rest[i + 1..].trim().to_string(),
            ),
            None => (rest.to_ascii_uppercase(), String::new()),
        };
        while w.next().is_some() {}
        let Some(prt) = self
            .devices
            .values()
            .find(|d| d.class() == DeviceClass::Printer)
            .map(|d| d.vaddr)
        else {
            return CpResult::error("DMKCDB040E DEV 00E DOES NOT EXIST");
        };
        let mut spans = Vec::new();
        let words: Vec<&str> = ops.split_whitespace().collect();
        if words.is_empty() {
            spans.push((0, last_loc(cpu)));
        }
        for op in words {
            let rest = op.strip_prefix(['L', 'T']).unwrap_or(op);
            if !rest.is_empty()
                && !rest.starts_with(|c: char| c.is_ascii_hexdigit() || "-:.".contains(c))
            {
                return CpResult::error(format!("{M}003E INVALID OPTION - {op}"));
            }
            let (first, end) = split_range(rest);
            let span = storage_end(end, M, op).and_then(|e| storage_span(cpu, first, e, M, op));
            match span {
                Ok(s) => spans.push(s),
                Err(e) => return CpResult::error(e),
            }
        }
        let mut lines = Vec::new();
        for &(first, last) in &spans {
            let mut seg = (first & !0xFFFF) + 0x1_0000;
            while seg <= last && seg != 0 {
                lines.push(format!("DUMPING LOC {seg:06X}"));
                seg = seg.wrapping_add(0x1_0000);
            }
        }
        let Some(dev) = self.devices.get_mut(&prt) else {
            return CpResult::ok();
        };
        let (unit, mut sink) = dev.unit_and_spool(&self.spool, &self.user.id);
        let mut console = NoSink;
        let mut ctx = IoContext {
            console: &mut console,
            spool: &mut sink,
        };
        for line in dump_lines(cpu, &dumpid, &spans) {
            let data: Vec<u8> = line
                .chars()
                .map(|c| char_to_ebcdic(c).unwrap_or(0x4B))
                .collect();
            // X'09': write, space one line after.
            let cmd = Command {
                code: 0x09,
                data: &data,
                count: 0,
            };
            let _ = unit.start(cmd, &mut ctx);
        }
        if sink.full {
            lines.push(format!(
                "{} PRT {prt:03X} NOT READY",
                crate::spool::SPOOL_FULL
            ));
        }
        let closed = self.cmd_close(&mut Words::new(&format!("{prt:03X}")));
        lines.extend(closed.lines);
        lines.push("COMMAND COMPLETE".to_string());
        CpResult::lines(lines).with(Effect::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Stop;
    use crate::storage::AbsAddr;
    use crate::vm::{ScriptTerminal, Vm};

    /// User T (1M, class G, with a printer) logged on, its CPU in the reset state.
    fn vm() -> Vm {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap()
    }

    /// The response lines and return code of `line`.
    fn cmd(vm: &mut Vm, line: &str) -> (u32, Vec<String>) {
        let r = vm.cp.cp_command_from(&mut vm.cpu, line, true);
        (r.rc, r.lines)
    }

    fn put(vm: &mut Vm, abs: u32, data: &[u8]) {
        vm.cpu.mem.load(AbsAddr(abs), data).unwrap();
    }

    #[test]
    fn display_storage_locations_ranges_counts_and_translation() {
        let mut vm = vm();
        put(
            &mut vm,
            0x1010,
            b"\xC1\xC2\xC3\xC4\x00\x00\x00\x05\x12\x34\x56\x78\xF1\xF2\xF3\x40",
        );
        // One location: its word (rounded down to a fullword).
        assert_eq!(
            cmd(&mut vm, "DISPLAY 1013"),
            (0, vec!["001010 C1C2C3C4".into()])
        );
        // A range and a count: four words a line; the last rounded up to a fullword.
        assert_eq!(
            cmd(&mut vm, "D L1010-1019").1,
            ["001010 C1C2C3C4 00000005 12345678"]
        );
        assert_eq!(cmd(&mut vm, "D 1014.2").1, ["001014 00000005"]);
        assert_eq!(
            cmd(&mut vm, "D 1014:END").1.len(),
            (0x10_0000usize - 0x1014).div_ceil(16)
        );
        // T: from the 16-byte boundary, with the EBCDIC translation.
        assert_eq!(
            cmd(&mut vm, "D T1014").1,
            ["001010 C1C2C3C4 00000005 12345678 F1F2F340 *ABCD........123 *"]
        );
        // A line at a 2K boundary shows the key; a later operand without a letter is of the
        // last explicit type.
        vm.cpu.mem.set_key(AbsAddr(0x1000), 0x30);
        assert_eq!(
            cmd(&mut vm, "D T1000 1010").1,
            [
                "001000 00000000 00000000 00000000 00000000 (30) *................*",
                "001010 C1C2C3C4 00000005 12345678 F1F2F340 *ABCD........123 *",
            ]
        );
        // Nothing, and a bare letter or range: location 0, all of storage.
        assert_eq!(cmd(&mut vm, "D").1, ["000000 00000000 (00)"]);
        assert_eq!(cmd(&mut vm, "D L").1.len(), 0x10_0000 / 16);
        assert_eq!(cmd(&mut vm, "D -").1.len(), 0x10_0000 / 16);
        assert_eq!(
            cmd(&mut vm, "D -8").1,
            ["000000 00000000 00000000 00000000 (00)"]
        );
        // Real storage: page 0 is the prefix page.
        put(&mut vm, 0x3000, &[0xAB, 0xCD, 0xEF, 0x01]);
        vm.cpu.mem.set_prefix(0x3000);
        assert_eq!(cmd(&mut vm, "D 0").1, ["000000 ABCDEF01 (00)"]);
    }

    #[test]
    fn display_keys_groups_blocks_of_one_key() {
        let mut vm = vm();
        vm.cpu.mem.set_key(AbsAddr(0x800), 0xE0);
        vm.cpu.mem.set_key(AbsAddr(0x1000), 0xE0);
        assert_eq!(
            cmd(&mut vm, "D K0-1FFF").1,
            [
                "000000 TO 0007FF   KEY = 00",
                "000800 TO 000FFF   KEY = E0",
                "001000 TO 0017FF   KEY = E0",
                "001800 TO 001FFF   KEY = 00",
            ]
            .iter()
            .filter(|l| !l.starts_with("001000"))
            .map(|l| l.replace("000800 TO 000FFF", "000800 TO 0017FF"))
            .collect::<Vec<_>>()
        );
        assert_eq!(cmd(&mut vm, "D K1234").1, ["001000 TO 0017FF   KEY = E0"]);
    }

    #[test]
    fn display_registers_psw_caw_csw() {
        let mut vm = vm();
        for r in 0..16 {
            vm.cpu.gpr[r] = 0x1111_1111 * r as u32;
            vm.cpu.cr[r] = 0x100 + r as u32;
        }
        vm.cpu.fpr[0] = 0x4110_0000_0000_0000; // 1.0
        vm.cpu.fpr[2] = 0xC130_0000_0000_0000; // -3.0
        vm.cpu.fpr[4] = 0x4010_0000_0000_0000; // 1/16
        let g = cmd(&mut vm, "D G").1;
        assert_eq!(g.len(), 4);
        assert_eq!(g[3], "GPR C = CCCCCCCC DDDDDDDD EEEEEEEE FFFFFFFF");
        // Decimal or hexadecimal register numbers; a range, a count, END.
        assert_eq!(cmd(&mut vm, "D G14-F").1, ["GPR E = EEEEEEEE FFFFFFFF"]);
        assert_eq!(
            cmd(&mut vm, "D G2.3").1,
            ["GPR 2 = 22222222 33333333 44444444"]
        );
        assert_eq!(
            cmd(&mut vm, "D G13-END").1,
            ["GPR D = DDDDDDDD EEEEEEEE FFFFFFFF"]
        );
        assert_eq!(
            cmd(&mut vm, "D G1 2").1,
            ["GPR 1 = 11111111", "GPR 2 = 22222222"]
        );
        assert_eq!(
            cmd(&mut vm, "D Y").1,
            [
                "FPR 0 = 4110000000000000  .10000000000000000  E 01",
                "FPR 2 = C130000000000000 -.30000000000000000  E 01",
                "FPR 4 = 4010000000000000  .62500000000000000  E-01",
                "FPR 6 = 0000000000000000  .00000000000000000  E 00",
            ]
        );
        assert_eq!(cmd(&mut vm, "D Y2.2").1.len(), 2);
        assert_eq!(cmd(&mut vm, "D X0.2").1, ["ECR 0 = 00000100 00000101"]);
        let psw = vm.cpu.psw.to_bytes(vm.cpu.arch);
        assert_eq!(
            cmd(&mut vm, "D P").1,
            [format!("PSW = {}", two_words(&psw))]
        );
        put(&mut vm, 0x40, &[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x12, 0x34]);
        assert_eq!(
            cmd(&mut vm, "D CAW CSW PSW").1[..2],
            ["CAW = 00001234", "CSW = 01020304  05060708"]
        );
    }

    #[test]
    fn display_errors_end_the_command_after_the_valid_operands() {
        let mut vm = vm();
        let cases: &[(&str, u32, &str)] = &[
            ("D ZZ", 3, "DMKCDB003E INVALID OPTION - ZZ"),
            ("D LXYZ", 4, "DMKCDB004E INVALID HEXLOC - XYZ"),
            ("D 20-10", 9, "DMKCDB009E INVALID RANGE - 20-10"),
            ("D 20.0", 9, "DMKCDB009E INVALID RANGE - 20.0"),
            ("D 20-XY", 9, "DMKCDB009E INVALID RANGE - 20-XY"),
            ("D 100000", 160, "DMKCDB160E HEXLOC 100000 EXCEEDS STORAGE"),
            (
                "D FFF00.200",
                160,
                "DMKCDB160E HEXLOC 1000FF EXCEEDS STORAGE",
            ),
            ("D G16", 10, "DMKCDB010E INVALID REGISTER - 16"),
            ("D Y1", 10, "DMKCDB010E INVALID REGISTER - 1"),
            ("D Y0.5", 9, "DMKCDB009E INVALID RANGE - 0.5"),
            ("D G5-2", 9, "DMKCDB009E INVALID RANGE - 5-2"),
        ];
        for (line, rc, msg) in cases {
            assert_eq!(cmd(&mut vm, line), (*rc, vec![msg.to_string()]), "{line}");
        }
        let (rc, lines) = cmd(&mut vm, "D G1 ZZ G2");
        assert_eq!(rc, 3);
        assert_eq!(
            lines,
            ["GPR 1 = 00000000", "DMKCDB003E INVALID OPTION - ZZ"]
        );
    }

    #[test]
    fn store_storage_registers_and_psw() {
        let mut vm = vm();
        let ok = (0, vec!["STORE COMPLETE".to_string()]);
        // L: words from the fullword boundary, right-adjusted; 9-16 digits a doubleword.
        assert_eq!(cmd(&mut vm, "STORE 1002 C1 123456789"), ok);
        assert_eq!(
            cmd(&mut vm, "D 1000.C").1,
            ["001000 000000C1 00000001 23456789 (00)"]
        );
        // S: bytes, unaligned.
        assert_eq!(cmd(&mut vm, "STO S1001 AABB CC"), ok);
        assert_eq!(cmd(&mut vm, "D 1000").1, ["001000 00AABBCC (00)"]);
        // Registers: successive from reg; Y left-justified, odd means the even before it.
        assert_eq!(cmd(&mut vm, "STORE G14 1 2 X3 ABC Y3 4110 42"), ok);
        assert_eq!(
            (vm.cpu.gpr[14], vm.cpu.gpr[15], vm.cpu.cr[3]),
            (1, 2, 0xABC)
        );
        assert_eq!(
            (vm.cpu.fpr[2], vm.cpu.fpr[4]),
            (0x4110_0000_0000_0000, 0x4200_0000_0000_0000)
        );
        // PSW: one word is the second word; two words both.
        vm.cpu.psw = Psw::from_bytes(vm.cpu.arch, [0, 0, 0, 0, 0, 0, 0, 0]).0;
        assert_eq!(cmd(&mut vm, "STORE PSW 2000"), ok);
        assert_eq!(cmd(&mut vm, "D PSW").1, ["PSW = 00000000  00002000"]);
        assert_eq!(cmd(&mut vm, "STORE P 00040000 3000"), ok);
        assert_eq!(cmd(&mut vm, "D PSW").1, ["PSW = 00040000  00003000"]);
        // Prefixing: real page 0 is the prefix page.
        vm.cpu.mem.set_prefix(0x5000);
        assert_eq!(cmd(&mut vm, "STORE 10 FEEDFACE"), ok);
        assert_eq!(vm.cpu.mem.read_u32(AbsAddr(0x5010)), 0xFEED_FACE);
    }

    #[test]
    fn store_errors() {
        let mut vm = vm();
        let cases: &[(&str, u32, &str)] = &[
            ("STORE", 26, "DMKCDS026E OPERAND MISSING OR INVALID"),
            ("STORE 1000", 26, "DMKCDS026E OPERAND MISSING OR INVALID"),
            ("STORE ZZ 1", 3, "DMKCDS003E INVALID OPTION - ZZ"),
            (
                "STORE 1000 12345678123456781",
                5,
                "DMKCDS005E INVALID HEXDATA - 12345678123456781",
            ),
            (
                "STORE G1 123456789",
                5,
                "DMKCDS005E INVALID HEXDATA - 123456789",
            ),
            ("STORE G16 1", 10, "DMKCDS010E INVALID REGISTER - 16"),
            ("STORE G15 1 2", 10, "DMKCDS010E INVALID REGISTER - 2"),
            ("STORE Y8 1", 10, "DMKCDS010E INVALID REGISTER - 8"),
            ("STORE PSW 1 2 3", 5, "DMKCDS005E INVALID HEXDATA - 3"),
            (
                "STORE FFFFC 1 2",
                160,
                "DMKCDS160E HEXLOC 100000 EXCEEDS STORAGE",
            ),
            ("STORE STATUS", 3, "DMKCDS003E INVALID OPTION - STATUS"),
        ];
        for (line, rc, msg) in cases {
            assert_eq!(cmd(&mut vm, line), (*rc, vec![msg.to_string()]), "{line}");
        }
        // The operands before the invalid one were stored; an odd digit is not.
        assert_eq!(cmd(&mut vm, "STORE G1 5 S2000 ABC").0, 5);
        assert_eq!(vm.cpu.gpr[1], 5);
        assert_eq!(cmd(&mut vm, "D 2000").1, ["002000 AB000000 (00)"]);
    }

    /// What STORE writes over instructions the CPU has already decoded (and compiled) is
    /// what runs next: the store goes through `note_store`.
    #[test]
    fn store_over_decoded_instructions_is_what_runs() {
        let mut vm = vm();
        // X'1000': LA 1,1; BR 2 (R2 = X'1000').
        put(&mut vm, 0x1000, &[0x41, 0x10, 0x00, 0x01, 0x07, 0xF2]);
        vm.cpu.psw = Psw::from_bytes(vm.cpu.arch, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        vm.cpu.gpr[2] = 0x1000;
        let stop = vm.cpu.run(&mut vm.cp, 50_000);
        assert_eq!(stop, Stop::InstructionLimit);
        assert_eq!(vm.cpu.gpr[1], 1);
        // LA 1,2.
        assert_eq!(cmd(&mut vm, "STORE 1000 41100002").0, 0);
        let limit = vm.cpu.instructions + 50_000;
        vm.cpu.run(&mut vm.cp, limit);
        assert_eq!(vm.cpu.gpr[1], 2);
        assert_eq!(cmd(&mut vm, "STORE S1003 03").0, 0);
        let limit = vm.cpu.instructions + 50_000;
        vm.cpu.run(&mut vm.cp, limit);
        assert_eq!(vm.cpu.gpr[1], 3);
    }

    #[test]
    fn adstop_sets_and_removes_the_address_stop() {
        let mut vm = vm();
        assert_eq!(cmd(&mut vm, "ADSTOP 1000"), (0, vec![]));
        assert_eq!(vm.cpu.stop_address, Some(0x1000));
        assert_eq!(cmd(&mut vm, "ADSTOP 2000").0, 0);
        assert_eq!(vm.cpu.stop_address, Some(0x2000), "one at a time");
        assert_eq!(cmd(&mut vm, "ADSTOP OFF").0, 0);
        assert_eq!(vm.cpu.stop_address, None);
        let cases: &[(&str, u32, &str)] = &[
            ("ADSTOP", 26, "DMKCDS026E OPERAND MISSING OR INVALID"),
            ("ADSTOP 1001", 4, "DMKCDS004E INVALID HEXLOC - 1001"),
            ("ADSTOP XYZ", 4, "DMKCDS004E INVALID HEXLOC - XYZ"),
            (
                "ADSTOP 100000",
                160,
                "DMKCDS160E HEXLOC 100000 EXCEEDS STORAGE",
            ),
            ("ADSTOP 1000 2000", 3, "DMKCDS003E INVALID OPTION - 2000"),
        ];
        for (line, rc, msg) in cases {
            assert_eq!(cmd(&mut vm, line), (*rc, vec![msg.to_string()]), "{line}");
        }
        assert_eq!(vm.cpu.stop_address, None);
        // ADST is not ADSTOP (the command has no abbreviation).
        assert_eq!(cmd(&mut vm, "ADST 1000").0, super::super::RC_UNKNOWN);
    }

    #[test]
    fn dump_writes_printer_records_and_closes_a_spool_file() {
        let mut vm = vm();
        let (rc, lines) = cmd(&mut vm, "DUMP 0-1FFFF * before the fix");
        assert_eq!(rc, 0);
        assert_eq!(
            lines.first().map(String::as_str),
            Some("DUMPING LOC 010000")
        );
        assert_eq!(lines.last().map(String::as_str), Some("COMMAND COMPLETE"));
        let spool = crate::spool::lock(&vm.cp.spool);
        let f = spool.files().last().expect("a printer spool file");
        assert_eq!(f.queue, crate::spool::Queue::Prt);
        // Dump id, PSW, 4 GPR, 4 FPR, 4 CR lines, keys, storage 32 bytes a line.
        assert_eq!(
            f.records.len(),
            1 + 1 + 4 + 4 + 4 + 1 + 1 + 1 + 0x20000 / 32
        );
        drop(spool);
        assert_eq!(cmd(&mut vm, "DUMP 100000").0, 160);
        assert_eq!(
            cmd(&mut vm, "DUMP G1").1,
            ["DMKCDB003E INVALID OPTION - G1"]
        );
    }

    #[test]
    fn e_format_of_long_hexadecimal_floating_point() {
        assert_eq!(e_format(0x4110_0000_0000_0000), " .10000000000000000  E 01");
        assert_eq!(e_format(0x4264_0000_0000_0000), " .10000000000000000  E 03");
        assert_eq!(e_format(0x8000_0000_0000_0000), "-.00000000000000000  E 00");
    }
}
