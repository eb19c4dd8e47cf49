//! # s390-decoder
//!
//! One instruction table for IBM System/370 and ESA/390 (plus the z900 instructions usable in
//! ESA/390 mode), kept in `instructions.txt`. From it come:
//!
//! - the [`Opcode`] enum and its [`OpInfo`] (mnemonic, opcode bytes, [`Format`], operands,
//!   architectures, privilege, description);
//! - the 64K first-halfword lookup tables, one per [`Arch`] (see [`lookup`]);
//! - [`decode`]: allocation-free, returns a `Copy` [`Instruction`] with its operands;
//! - the disassembler in HLASM syntax ([`Instruction::display`]);
//! - the encoder ([`encode`]), with range checks, for the assembler and for tests.
//!
//! Sources: IBM ESA/390 Principles of Operation SA22-7201, Appendix B (instruction lists and
//! formats, chapter 5 "Instruction formats"); IBM System/370 Principles of Operation
//! GA22-7000, Appendix B.
#![warn(missing_docs)]

mod disasm;
mod encode;
mod extended;
mod lookup;

pub use disasm::{
    disassemble_line, zero_run_line, DisasmLine, DisasmOptions, Disassembly, MAX_BODY, MIN_ZERO_RUN,
};
pub use encode::{encode, EncodeError, Encoded};
pub use extended::{
    extended_mnemonic, parse_extended_mnemonic, ExtendedMnemonic, EXTENDED_MNEMONICS,
};
pub use lookup::lookup;

include!(concat!(env!("OUT_DIR"), "/table.rs"));

/// The architecture an instruction stream is decoded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// IBM System/370 (GA22-7000), as VM/370 CMS runs.
    S370,
    /// IBM ESA/390 (SA22-7201), with the z900 instructions usable in ESA/390 mode.
    Esa390,
}

impl Arch {
    const fn bit(self) -> u8 {
        match self {
            Arch::S370 => Archs::S370.0,
            Arch::Esa390 => Archs::ESA390.0,
        }
    }
    /// The other architecture.
    pub const fn other(self) -> Arch {
        match self {
            Arch::S370 => Arch::Esa390,
            Arch::Esa390 => Arch::S370,
        }
    }
    /// Short name as used on the command line (`s370`, `esa390`).
    pub const fn name(self) -> &'static str {
        match self {
            Arch::S370 => "s370",
            Arch::Esa390 => "esa390",
        }
    }
}

/// The set of architectures that have an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Archs(pub u8);

impl Archs {
    /// System/370.
    pub const S370: Archs = Archs(1);
    /// ESA/390.
    pub const ESA390: Archs = Archs(2);
    /// Whether `arch` is in the set.
    pub const fn contains(self, arch: Arch) -> bool {
        self.0 & arch.bit() != 0
    }
}

/// Instruction formats (SA22-7201 section 5.2.2; RRD is the RRF layout with R1 in bits 16-19
/// used by the BFP multiply-and-add instructions).
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `op16`
    E,
    /// `op8 I8`
    I,
    /// `op8 R1 R2`
    RR,
    /// `op16 //// //// R1 R2`
    RRE,
    /// `op16 R3/M3 M4 R1 R2`
    RRF,
    /// `op16 R1 //// R3 R2`
    RRD,
    /// `op8 R1 X2 B2 D2`
    RX,
    /// `op8 R1 X2 B2 D2 //////// op8`
    RXE,
    /// `op8 R3 X2 B2 D2 R1 //// op8`
    RXF,
    /// `op8 R1 R3 B2 D2`
    RS,
    /// `op8 R1 R3 B2 D2 //////// op8`
    RSE,
    /// `op8 L1 //// B1 D1 //////// op8`
    RSL,
    /// `op8 R1 R3 I16`
    RSI,
    /// `op8 R1 op4 I16`
    RI,
    /// `op8 R1 op4 I32`
    RIL,
    /// `op16 B2 D2` (or `op8 //////// B2 D2`)
    S,
    /// `op8 I8 B1 D1`
    SI,
    /// `op8 L B1 D1 B2 D2` (and its L1/L2, R1/R3 variants)
    SS,
    /// `op16 B1 D1 B2 D2`
    SSE,
}

impl Format {
    /// Instruction length in bytes.
    pub const fn length(self) -> usize {
        match self {
            Format::E | Format::I | Format::RR => 2,
            Format::RRE
            | Format::RRF
            | Format::RRD
            | Format::RX
            | Format::RS
            | Format::RSI
            | Format::RI
            | Format::S
            | Format::SI => 4,
            Format::RXE
            | Format::RXF
            | Format::RSE
            | Format::RSL
            | Format::RIL
            | Format::SS
            | Format::SSE => 6,
        }
    }
}

/// Instruction length from the first byte: bits 0-1 are 00 (2 bytes), 01 or 10 (4), 11 (6).
/// SA22-7201 section 5.2.1.
#[inline(always)]
pub const fn instruction_length(first_byte: u8) -> usize {
    match first_byte >> 6 {
        0 => 2,
        1 | 2 => 4,
        _ => 6,
    }
}

/// Privilege class of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Privilege {
    /// Executes in problem state.
    Unprivileged,
    /// Privileged in problem state unless an authority control (key mask, extraction
    /// authority, ...) allows it.
    SemiPrivileged,
    /// Privileged-operation exception in problem state.
    Privileged,
}

/// Where the opcode sits in the instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpcodeBytes {
    /// Byte 0.
    One(u8),
    /// Byte 0 and bits 12-15 (RI, RIL).
    WithNibble(u8, u8),
    /// Bytes 0 and 1.
    Two(u8, u8),
    /// Byte 0 and byte 5 (RXE, RXF, RSE, RSL).
    WithByte5(u8, u8),
}

/// How an operand is encoded: bit positions count from bit 0 of the instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandSpec {
    /// General register in the 4-bit field at `start`.
    Gpr {
        /// First bit.
        start: u8,
    },
    /// Floating-point register.
    Fpr {
        /// First bit.
        start: u8,
    },
    /// Access register.
    Ar {
        /// First bit.
        start: u8,
    },
    /// Control register.
    Cr {
        /// First bit.
        start: u8,
    },
    /// 4-bit mask.
    Mask {
        /// First bit.
        start: u8,
    },
    /// Unsigned immediate.
    Unsigned {
        /// First bit.
        start: u8,
        /// Width in bits.
        width: u8,
    },
    /// Signed (two's complement) immediate.
    Signed {
        /// First bit.
        start: u8,
        /// Width in bits.
        width: u8,
    },
    /// Signed number of halfwords relative to the instruction address.
    Relative {
        /// First bit.
        start: u8,
        /// Width in bits.
        width: u8,
    },
    /// Base-displacement storage operand: base register at `base`, 12-bit displacement at
    /// `disp`, optional index register and length field.
    Storage {
        /// First bit of the base field.
        base: u8,
        /// First bit of the displacement field.
        disp: u8,
        /// First bit of the index field, if any.
        index: Option<u8>,
        /// The length field, if any.
        length: LengthSpec,
    },
}

/// The length field of a storage operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LengthSpec {
    /// No length.
    None,
    /// 8-bit length code (bytes - 1).
    Bytes8 {
        /// First bit.
        start: u8,
    },
    /// 4-bit length code (bytes - 1).
    Bytes4 {
        /// First bit.
        start: u8,
    },
    /// A register number in the length position (MVCK, MVCP, MVCS).
    Register {
        /// First bit.
        start: u8,
    },
}

/// One entry of the instruction table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// HLASM mnemonic.
    pub mnemonic: &'static str,
    /// Opcode bytes and where they sit.
    pub bytes: OpcodeBytes,
    /// Instruction format.
    pub format: Format,
    /// Operands in assembler order.
    pub operands: &'static [OperandSpec],
    /// Architectures that have the instruction.
    pub archs: Archs,
    /// Privilege class.
    pub privilege: Privilege,
    /// One-line description (the Principles of Operation name).
    pub description: &'static str,
}

impl Opcode {
    /// The table entry.
    #[inline(always)]
    pub fn info(self) -> &'static OpInfo {
        &INFO[self as usize]
    }
    /// HLASM mnemonic.
    pub fn mnemonic(self) -> &'static str {
        self.info().mnemonic
    }
    /// Instruction length in bytes.
    pub fn length(self) -> usize {
        self.info().format.length()
    }
    /// Table index (`self as usize`).
    pub const fn index(self) -> usize {
        self as usize
    }
    /// The opcode with this table index.
    pub fn from_index(i: usize) -> Option<Opcode> {
        Opcode::ALL.get(i).copied()
    }
    /// Looks up an opcode by its mnemonic (case-insensitive); extended mnemonics are not
    /// included, see [`parse_extended_mnemonic`].
    pub fn from_mnemonic(name: &str) -> Option<Opcode> {
        Opcode::ALL
            .iter()
            .copied()
            .find(|o| o.mnemonic().eq_ignore_ascii_case(name))
    }
    /// Whether the instruction exists in `arch`.
    pub fn in_arch(self, arch: Arch) -> bool {
        self.info().archs.contains(arch)
    }
    /// The opcode bits set in an otherwise zero instruction, left-aligned in 48 bits.
    pub fn opcode_bits(self) -> u64 {
        match self.info().bytes {
            OpcodeBytes::One(a) => (a as u64) << 40,
            OpcodeBytes::WithNibble(a, n) => ((a as u64) << 40) | ((n as u64) << 32),
            OpcodeBytes::Two(a, b) => ((a as u64) << 40) | ((b as u64) << 32),
            OpcodeBytes::WithByte5(a, b) => ((a as u64) << 40) | (b as u64),
        }
    }
}

/// Decoded length field of a storage operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Length {
    /// The operand has no length field.
    None,
    /// Number of bytes (the length code plus one).
    Bytes(u16),
    /// A register number in the length position.
    Register(u8),
}

/// Base-displacement storage operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Storage {
    /// 12-bit displacement.
    pub disp: u16,
    /// Index register (0 = none).
    pub index: u8,
    /// Base register (0 = none).
    pub base: u8,
    /// Length field.
    pub length: Length,
}

/// A decoded operand value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// General register.
    Gpr(u8),
    /// Floating-point register.
    Fpr(u8),
    /// Access register.
    Ar(u8),
    /// Control register.
    Cr(u8),
    /// Mask.
    Mask(u8),
    /// Unsigned immediate.
    Unsigned(u32),
    /// Signed immediate.
    Signed(i32),
    /// Halfwords relative to the instruction address.
    Relative(i32),
    /// Storage operand.
    Storage(Storage),
}

/// A decoded instruction: the opcode and its bytes. `Copy`, 16 bytes, no allocation; the
/// operands are extracted from the bytes when asked for ([`Instruction::operands`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instruction {
    opcode: Opcode,
    raw: u64,
}

/// The operands of an instruction, in assembler order (dereferences to `[Operand]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operands {
    ops: [Operand; 4],
    len: u8,
}

impl core::ops::Deref for Operands {
    type Target = [Operand];
    fn deref(&self) -> &[Operand] {
        &self.ops[..self.len as usize]
    }
}

impl PartialEq<&[Operand]> for Operands {
    fn eq(&self, other: &&[Operand]) -> bool {
        **self == **other
    }
}

/// Extracts `width` bits starting at bit `start` of a 48-bit left-aligned instruction.
#[inline(always)]
pub const fn field(raw: u64, start: u8, width: u8) -> u64 {
    (raw >> (48 - start as u32 - width as u32)) & ((1u64 << width) - 1)
}

impl Instruction {
    /// The opcode.
    #[inline]
    pub fn opcode(&self) -> Opcode {
        self.opcode
    }
    /// Length in bytes (2, 4 or 6).
    #[inline]
    pub fn length(&self) -> usize {
        instruction_length((self.raw >> 40) as u8)
    }
    /// The operands in assembler order, extracted per the table.
    #[inline]
    pub fn operands(&self) -> Operands {
        let specs = self.opcode.info().operands;
        let mut ops = [Operand::Gpr(0); 4];
        for (slot, spec) in ops.iter_mut().zip(specs) {
            *slot = extract(self.raw, spec);
        }
        Operands {
            ops,
            len: specs.len() as u8,
        }
    }
    /// The instruction bytes, left-aligned in 48 bits (a 2-byte instruction occupies bits
    /// 0-15).
    #[inline]
    pub fn raw(&self) -> u64 {
        self.raw
    }
    /// The instruction bytes.
    pub fn bytes(&self) -> ([u8; 6], usize) {
        let b = self.raw.to_be_bytes();
        let mut out = [0u8; 6];
        out.copy_from_slice(&b[2..8]);
        (out, self.length())
    }
    /// The instruction with these bytes (left-aligned in 48 bits), known to be `opcode`.
    #[inline]
    pub fn from_raw(opcode: Opcode, raw: u64) -> Instruction {
        Instruction { opcode, raw }
    }
}

#[inline(always)]
fn extract(raw: u64, spec: &OperandSpec) -> Operand {
    match *spec {
        OperandSpec::Gpr { start } => Operand::Gpr(field(raw, start, 4) as u8),
        OperandSpec::Fpr { start } => Operand::Fpr(field(raw, start, 4) as u8),
        OperandSpec::Ar { start } => Operand::Ar(field(raw, start, 4) as u8),
        OperandSpec::Cr { start } => Operand::Cr(field(raw, start, 4) as u8),
        OperandSpec::Mask { start } => Operand::Mask(field(raw, start, 4) as u8),
        OperandSpec::Unsigned { start, width } => {
            Operand::Unsigned(field(raw, start, width) as u32)
        }
        OperandSpec::Signed { start, width } => {
            Operand::Signed(sign_extend(field(raw, start, width), width))
        }
        OperandSpec::Relative { start, width } => {
            Operand::Relative(sign_extend(field(raw, start, width), width))
        }
        OperandSpec::Storage {
            base,
            disp,
            index,
            length,
        } => Operand::Storage(Storage {
            disp: field(raw, disp, 12) as u16,
            base: field(raw, base, 4) as u8,
            index: match index {
                Some(x) => field(raw, x, 4) as u8,
                None => 0,
            },
            length: match length {
                LengthSpec::None => Length::None,
                LengthSpec::Bytes8 { start } => Length::Bytes(field(raw, start, 8) as u16 + 1),
                LengthSpec::Bytes4 { start } => Length::Bytes(field(raw, start, 4) as u16 + 1),
                LengthSpec::Register { start } => Length::Register(field(raw, start, 4) as u8),
            },
        }),
    }
}

#[inline(always)]
const fn sign_extend(v: u64, width: u8) -> i32 {
    let shift = 64 - width as u32;
    ((v << shift) as i64 >> shift) as i32
}

/// Why bytes did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the instruction length needs.
    Truncated {
        /// Bytes the instruction needs (2, 4 or 6).
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// No instruction has this opcode (in either architecture).
    InvalidOpcode {
        /// The first halfword.
        first_halfword: u16,
        /// Byte 5 for the opcode groups that keep their second opcode byte there.
        byte5: Option<u8>,
    },
    /// The opcode is an instruction of the other architecture only.
    OtherArchitecture {
        /// The instruction in the other architecture.
        opcode: Opcode,
        /// The architecture that was asked for.
        asked: Arch,
    },
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Truncated { need, have } => {
                write!(
                    f,
                    "instruction truncated: needs {need} bytes, {have} available"
                )
            }
            DecodeError::InvalidOpcode {
                first_halfword,
                byte5: None,
            } => write!(f, "invalid opcode {first_halfword:04X}"),
            DecodeError::InvalidOpcode {
                first_halfword,
                byte5: Some(b),
            } => write!(f, "invalid opcode {:02X}..{b:02X}", first_halfword >> 8),
            DecodeError::OtherArchitecture { opcode, asked } => write!(
                f,
                "{} is not an instruction of {}",
                opcode.mnemonic(),
                asked.name()
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes for one architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoder {
    arch: Arch,
}

impl Decoder {
    /// A decoder for `arch`.
    pub const fn new(arch: Arch) -> Decoder {
        Decoder { arch }
    }
    /// The architecture decoded.
    pub const fn arch(&self) -> Arch {
        self.arch
    }
    /// Decodes one instruction from the start of `bytes`.
    #[inline]
    pub fn decode(&self, bytes: &[u8]) -> Result<Instruction, DecodeError> {
        let have = bytes.len();
        if have == 0 {
            return Err(DecodeError::Truncated { need: 2, have });
        }
        let need = instruction_length(bytes[0]);
        if have < need {
            return Err(DecodeError::Truncated { need, have });
        }
        let mut raw = 0u64;
        for &b in &bytes[..need] {
            raw = (raw << 8) | b as u64;
        }
        raw <<= 8 * (6 - need);
        let halfword = (raw >> 32) as u16;
        let byte5 = raw as u8;
        match lookup(self.arch, halfword, byte5) {
            Some(opcode) => Ok(Instruction::from_raw(opcode, raw)),
            None => match lookup(self.arch.other(), halfword, byte5) {
                Some(opcode) => Err(DecodeError::OtherArchitecture {
                    opcode,
                    asked: self.arch,
                }),
                None => Err(DecodeError::InvalidOpcode {
                    first_halfword: halfword,
                    byte5: lookup::has_byte5_opcode(halfword).then_some(byte5),
                }),
            },
        }
    }
}

/// Decodes one ESA/390 instruction from the start of `bytes`.
#[inline]
pub fn decode(bytes: &[u8]) -> Result<Instruction, DecodeError> {
    Decoder::new(Arch::Esa390).decode(bytes)
}
