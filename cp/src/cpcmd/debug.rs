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
use crate::io::device::{Command, DeviceClass, IoContext, NoSink, RecordCount};
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
        for line in dump_lines(cpu, &dumpid, &spans) {
            let data: Vec<u8> = line
                .chars()
                .map(|c| char_to_ebcdic(c).unwrap_or(0x4B))
                .collect();
            let mut console = NoSink;
            let mut ctx = IoContext {
                console: &mut console,
                spool: &mut RecordCount(&mut dev.records),
            };
            // X'09': write, space one line after.
            let cmd = Command {
                code: 0x09,
                data: &data,
                count: 0,
            };
            let _ = dev.unit.start(cmd, &mut ctx);
        }
        let closed = self.cmd_close(&mut Words::new(&format!("{prt:03X}")));
        lines.extend(closed.lines);
        lines.push("COMMAND COMPLETE".to_string());
        CpResult::lines(lines).with(Effect::None)
    }
}
