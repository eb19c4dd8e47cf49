//! The disassembler: HLASM syntax, from the same table entries the decoder uses.
//!
//! `L     1,16(2,3)`, `MVC   0(8,1),8(2)`, `DIAG  2,4,X'24'`, `J     *+16`. Registers print as
//! numbers, storage operands as `D(X,B)` with the index or base left out when zero, relative
//! operands as `*+n` from the instruction's own address (so the text reassembles anywhere).

use core::fmt::{self, Display, Write as _};

use crate::{
    extended_mnemonic, instruction_length, Decoder, Instruction, Length, LengthSpec, Opcode,
    Operand, OperandSpec, Storage,
};

/// Disassembler options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisasmOptions {
    /// Print branch-on-condition instructions with HLASM extended mnemonics (`BE`, `J`, `NOPR`).
    pub extended_mnemonics: bool,
}

impl Default for DisasmOptions {
    fn default() -> Self {
        DisasmOptions {
            extended_mnemonics: true,
        }
    }
}

/// An instruction ready to print (see [`Instruction::display`]).
#[derive(Clone, Copy, Debug)]
pub struct Disassembly<'a> {
    insn: &'a Instruction,
    opts: DisasmOptions,
}

impl Instruction {
    /// The instruction in HLASM syntax.
    pub fn display(&self, opts: DisasmOptions) -> Disassembly<'_> {
        Disassembly { insn: self, opts }
    }
}

/// Writes a storage operand `D(X,B)`, `D(L,B)`, `D(B)`, `D`.
fn write_storage(
    f: &mut fmt::Formatter<'_>,
    s: &Storage,
    has_index: bool,
    hex_disp: bool,
) -> fmt::Result {
    if hex_disp && s.base == 0 && s.index == 0 {
        return write!(f, "X'{:X}'", s.disp);
    }
    write!(f, "{}", s.disp)?;
    match s.length {
        Length::Bytes(n) if s.base == 0 => write!(f, "({n})"),
        Length::Bytes(n) => write!(f, "({n},{})", s.base),
        Length::Register(r) if s.base == 0 => write!(f, "({r})"),
        Length::Register(r) => write!(f, "({r},{})", s.base),
        Length::None if has_index => match (s.index, s.base) {
            (0, 0) => Ok(()),
            (x, 0) => write!(f, "({x})"),
            (0, b) => write!(f, "(,{b})"),
            (x, b) => write!(f, "({x},{b})"),
        },
        Length::None => match s.base {
            0 => Ok(()),
            b => write!(f, "({b})"),
        },
    }
}

impl Display for Disassembly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let insn = self.insn;
        let opcode = insn.opcode();
        let specs = opcode.info().operands;
        let all = insn.operands();
        let mut ops: &[Operand] = &all;
        let mut specs_iter = specs;
        let mut name = opcode.mnemonic();
        if self.opts.extended_mnemonics {
            if let Some(Operand::Mask(m)) = ops.first() {
                if let Some(ext) = extended_mnemonic(opcode, *m) {
                    name = ext;
                    ops = &ops[1..];
                    specs_iter = &specs[1..];
                }
            }
        }
        if ops.is_empty() {
            return f.write_str(name);
        }
        write!(f, "{name:<6}")?;
        if name.len() >= 6 {
            f.write_char(' ')?;
        }
        for (i, (op, spec)) in ops.iter().zip(specs_iter).enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            match (*op, *spec) {
                (
                    Operand::Gpr(r)
                    | Operand::Fpr(r)
                    | Operand::Ar(r)
                    | Operand::Cr(r)
                    | Operand::Mask(r),
                    _,
                ) => write!(f, "{r}")?,
                (Operand::Unsigned(v), OperandSpec::Unsigned { width: 16, .. }) => {
                    write!(f, "X'{v:04X}'")?
                }
                (Operand::Unsigned(v), OperandSpec::Unsigned { width: 8, start: 8 })
                    if opcode != Opcode::SVC =>
                {
                    write!(f, "X'{v:02X}'")?
                }
                (Operand::Unsigned(v), _) => write!(f, "{v}")?,
                (Operand::Signed(v), _) => write!(f, "{v}")?,
                (Operand::Relative(h), _) => {
                    let bytes = h as i64 * 2;
                    if bytes < 0 {
                        write!(f, "*{bytes}")?
                    } else {
                        write!(f, "*+{bytes}")?
                    }
                }
                (Operand::Storage(s), OperandSpec::Storage { index, .. }) => {
                    write_storage(f, &s, index.is_some(), opcode == Opcode::DIAG)?
                }
                (Operand::Storage(s), _) => write_storage(f, &s, false, false)?,
            }
        }
        Ok(())
    }
}

/// One line of a disassembly listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisasmLine {
    /// Address of the first byte.
    pub addr: u32,
    /// Bytes consumed (the instruction length, or what was left).
    pub len: usize,
    /// The line: address, bytes in hex, mnemonic and operands.
    pub text: String,
    /// Whether the bytes decoded as an instruction.
    pub decoded: bool,
}

/// Longest line body a disassembly statement may have so that, with the statement in
/// column 10 as in a source, it ends by column 71 (column 72 would mark a continuation).
pub const MAX_BODY: usize = 62;

/// The fewest zero bytes [`zero_run_line`] folds into one `DC XL..'00'` line.
pub const MIN_ZERO_RUN: usize = 8;

/// The bits (numbered from 0, the leftmost bit of the instruction) that the opcode and the
/// operand fields of `op` occupy, as a mask of the instruction left-aligned in 48 bits.
fn used_bits(op: Opcode) -> u64 {
    let field = |start: u8, width: u8| field_mask(start as u32, width as u32);
    let info = op.info();
    let mut used = match info.bytes {
        crate::OpcodeBytes::One(_) => field(0, 8),
        crate::OpcodeBytes::WithNibble(..) => field(0, 8) | field(12, 4),
        crate::OpcodeBytes::Two(..) => field(0, 16),
        crate::OpcodeBytes::WithByte5(..) => field(0, 8) | field(40, 8),
    };
    for spec in info.operands {
        used |= match *spec {
            OperandSpec::Gpr { start }
            | OperandSpec::Fpr { start }
            | OperandSpec::Ar { start }
            | OperandSpec::Cr { start }
            | OperandSpec::Mask { start } => field(start, 4),
            OperandSpec::Unsigned { start, width }
            | OperandSpec::Signed { start, width }
            | OperandSpec::Relative { start, width } => field(start, width),
            OperandSpec::Storage {
                base,
                disp,
                index,
                length,
            } => {
                field(base, 4)
                    | field(disp, 12)
                    | index.map_or(0, |x| field(x, 4))
                    | match length {
                        LengthSpec::None => 0,
                        LengthSpec::Bytes8 { start } => field(start, 8),
                        LengthSpec::Bytes4 { start } | LengthSpec::Register { start } => {
                            field(start, 4)
                        }
                    }
            }
        };
    }
    used
}

/// Why `insn` does not reassemble to its own bytes: the unused fields that hold one bits,
/// as `bits 8-15 not zero` (each maximal run of bits outside the opcode and operand fields
/// that holds a one), or None when every one bit is in a field.
fn unused_bits_note(insn: &Instruction) -> Option<String> {
    let len_bits = insn.length() as u32 * 8;
    let in_insn = !0u64 << (48 - len_bits) & ((1u64 << 48) - 1);
    let unused = !used_bits(insn.opcode()) & in_insn;
    let ones = insn.raw() & unused;
    if ones == 0 {
        return None;
    }
    let bit = |b: u32| (unused >> (47 - b)) & 1 == 1;
    let mut runs = Vec::new();
    let mut b = 0;
    while b < len_bits {
        if !bit(b) {
            b += 1;
            continue;
        }
        let start = b;
        while b < len_bits && bit(b) {
            b += 1;
        }
        let mask = field_mask(start, b - start);
        if insn.raw() & mask != 0 {
            runs.push(format!("{start}-{}", b - 1));
        }
    }
    Some(format!("bits {} not zero", runs.join(", ")))
}

/// The mask of `width` bits from bit `start` in a 48-bit instruction.
fn field_mask(start: u32, width: u32) -> u64 {
    ((1u64 << width) - 1) << (48 - start - width)
}

/// Disassembles the instruction at the start of `bytes` (address `addr`) into one listing
/// line. Bytes that do not decode become a `DC X'..'` line of the length their first byte
/// gives (or what is left), so a listing always goes on.
///
/// An instruction with one bits in a field it does not use (SSM, LPSW, TS with a non-zero
/// second byte, IPTE or EFPC with bits 16-23 set...) decodes and executes, but its mnemonic
/// form would assemble to other bytes: it is printed as the constant, so that the listing
/// reassembles byte for byte, with a remark naming the instruction:
/// `DC    X'80AA2D40'  * SSM 3392(2) (bits 8-15 not zero)`. The line body is kept within
/// [`MAX_BODY`] characters (the reason, then the end of the remark, give way).
pub fn disassemble_line(
    decoder: &Decoder,
    addr: u32,
    bytes: &[u8],
    opts: DisasmOptions,
) -> DisasmLine {
    let canonical = |insn: &crate::Instruction| {
        let (raw, len) = insn.bytes();
        crate::encode(insn.opcode(), &insn.operands()).is_ok_and(|e| e.as_bytes() == &raw[..len])
    };
    let constant = |len: usize| {
        let mut hex = String::new();
        for b in &bytes[..len] {
            let _ = write!(hex, "{b:02X}");
        }
        format!("DC    X'{hex}'")
    };
    let (len, body, decoded) = match decoder.decode(bytes) {
        Ok(insn) if canonical(&insn) => (insn.length(), insn.display(opts).to_string(), true),
        Ok(insn) => {
            let len = insn.length();
            let shown = insn.display(opts).to_string();
            let shown = match shown.split_once(' ') {
                Some((m, ops)) => format!("{m} {}", ops.trim_start()),
                None => shown,
            };
            let dc = constant(len);
            let why = unused_bits_note(&insn)
                .unwrap_or_else(|| "does not reassemble to these bytes".into());
            // The longest form that fits: the constant in its column, then the constant
            // just after DC, then without the reason, then cut.
            let compact = dc.replacen("DC    ", "DC ", 1);
            let body = [
                format!("{dc}  * {shown} ({why})"),
                format!("{compact}  * {shown} ({why})"),
                format!("{compact}  * {shown}"),
            ]
            .into_iter()
            .find(|b| b.len() <= MAX_BODY)
            .unwrap_or_else(|| {
                let mut b = format!("{compact}  * {shown}");
                b.truncate(MAX_BODY);
                b
            });
            (len, body, false)
        }
        Err(_) => {
            let len = instruction_length(bytes[0]).min(bytes.len());
            (len, constant(len), false)
        }
    };
    line(addr, &bytes[..len], body, decoded)
}

/// The listing line of `bytes` at `addr` with statement `body`.
fn line(addr: u32, bytes: &[u8], body: String, decoded: bool) -> DisasmLine {
    let mut hex = String::new();
    for (i, b) in bytes.iter().take(6).enumerate() {
        if i > 0 && i % 2 == 0 {
            hex.push(' ');
        }
        let _ = write!(hex, "{b:02X}");
    }
    DisasmLine {
        addr,
        len: bytes.len(),
        text: format!("{addr:08X}  {hex:<14}  {body}"),
        decoded,
    }
}

/// When `bytes` starts with at least [`MIN_ZERO_RUN`] zero bytes: one line for the run,
/// `DC    XL24'00'`, which assembles to as many zero bytes. The run is cut to an even
/// length (at most 65534 bytes; an X constant holds 65535), so that what follows stays on
/// the halfword the instruction sweep puts it on (an assembler aligns instructions to
/// halfwords). The bytes column shows the first six.
pub fn zero_run_line(addr: u32, bytes: &[u8]) -> Option<DisasmLine> {
    let n = bytes.iter().take(65534).take_while(|&&b| b == 0).count() & !1;
    (n >= MIN_ZERO_RUN).then(|| line(addr, &bytes[..n], format!("DC    XL{n}'00'"), false))
}
