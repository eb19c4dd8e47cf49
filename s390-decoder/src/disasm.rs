//! The disassembler: HLASM syntax, from the same table entries the decoder uses.
//!
//! `L     1,16(2,3)`, `MVC   0(8,1),8(2)`, `DIAG  2,4,X'24'`, `J     *+16`. Registers print as
//! numbers, storage operands as `D(X,B)` with the index or base left out when zero, relative
//! operands as `*+n` from the instruction's own address (so the text reassembles anywhere).

use core::fmt::{self, Display, Write as _};

use crate::{
    extended_mnemonic, instruction_length, Decoder, Instruction, Length, Opcode, Operand,
    OperandSpec, Storage,
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

/// Disassembles the instruction at the start of `bytes` (address `addr`) into one listing
/// line. Bytes that do not decode become a `DC X'..'` line of the length their first byte
/// gives (or what is left), so a listing always goes on.
pub fn disassemble_line(
    decoder: &Decoder,
    addr: u32,
    bytes: &[u8],
    opts: DisasmOptions,
) -> DisasmLine {
    // An instruction with bits set outside all its operand fields (for example SSM with a
    // non-zero R1 field) is shown as a constant: its mnemonic form would assemble to other
    // bytes.
    let canonical = |insn: &crate::Instruction| {
        let (raw, len) = insn.bytes();
        crate::encode(insn.opcode(), &insn.operands()).is_ok_and(|e| e.as_bytes() == &raw[..len])
    };
    let (len, body, decoded) = match decoder.decode(bytes) {
        Ok(insn) if canonical(&insn) => (insn.length(), insn.display(opts).to_string(), true),
        _ => {
            let len = instruction_length(bytes[0]).min(bytes.len());
            let mut hex = String::new();
            for b in &bytes[..len] {
                let _ = write!(hex, "{b:02X}");
            }
            (len, format!("DC    X'{hex}'"), false)
        }
    };
    let mut hex = String::new();
    for (i, b) in bytes[..len].iter().enumerate() {
        if i > 0 && i % 2 == 0 {
            hex.push(' ');
        }
        let _ = write!(hex, "{b:02X}");
    }
    DisasmLine {
        addr,
        len,
        text: format!("{addr:08X}  {hex:<14}  {body}"),
        decoded,
    }
}
