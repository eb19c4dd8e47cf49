//! HLASM extended branch mnemonics (HLASM Language Reference, "Branching with extended
//! mnemonic codes"): a branch-on-condition instruction with its mask fixed. One table serves
//! the disassembler (the first spelling of each mask is the one printed) and the assembler.

use crate::Opcode;

/// An extended mnemonic: `name` is `base` with its M1 field set to `mask`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedMnemonic {
    /// HLASM spelling.
    pub name: &'static str,
    /// The branch-on-condition instruction it stands for.
    pub base: Opcode,
    /// The mask it supplies.
    pub mask: u8,
}

const fn e(name: &'static str, base: Opcode, mask: u8) -> ExtendedMnemonic {
    ExtendedMnemonic { name, base, mask }
}

use Opcode::{BC, BCR, BRC, BRCL};

#[rustfmt::skip]
/// Every extended mnemonic; for each (base, mask) the first listed is the one disassembly prints.
pub static EXTENDED_MNEMONICS: &[ExtendedMnemonic] = &[
    e("B", BC, 15), e("NOP", BC, 0), e("BO", BC, 1), e("BH", BC, 2), e("BP", BC, 2),
    e("BL", BC, 4), e("BM", BC, 4), e("BNE", BC, 7), e("BNZ", BC, 7), e("BE", BC, 8),
    e("BZ", BC, 8), e("BNL", BC, 11), e("BNM", BC, 11), e("BNH", BC, 13), e("BNP", BC, 13),
    e("BNO", BC, 14),
    e("BR", BCR, 15), e("NOPR", BCR, 0), e("BOR", BCR, 1), e("BHR", BCR, 2), e("BPR", BCR, 2),
    e("BLR", BCR, 4), e("BMR", BCR, 4), e("BNER", BCR, 7), e("BNZR", BCR, 7), e("BER", BCR, 8),
    e("BZR", BCR, 8), e("BNLR", BCR, 11), e("BNMR", BCR, 11), e("BNHR", BCR, 13),
    e("BNPR", BCR, 13), e("BNOR", BCR, 14),
    e("J", BRC, 15), e("JNOP", BRC, 0), e("JO", BRC, 1), e("JH", BRC, 2), e("JP", BRC, 2),
    e("JL", BRC, 4), e("JM", BRC, 4), e("JNE", BRC, 7), e("JNZ", BRC, 7), e("JE", BRC, 8),
    e("JZ", BRC, 8), e("JNL", BRC, 11), e("JNM", BRC, 11), e("JNH", BRC, 13), e("JNP", BRC, 13),
    e("JNO", BRC, 14), e("BRU", BRC, 15), e("BRO", BRC, 1), e("BRH", BRC, 2), e("BRP", BRC, 2),
    e("BRL", BRC, 4), e("BRM", BRC, 4), e("BRNE", BRC, 7), e("BRNZ", BRC, 7), e("BRE", BRC, 8),
    e("BRZ", BRC, 8), e("BRNL", BRC, 11), e("BRNM", BRC, 11), e("BRNH", BRC, 13),
    e("BRNP", BRC, 13), e("BRNO", BRC, 14),
    e("JLU", BRCL, 15), e("JLNOP", BRCL, 0), e("JLO", BRCL, 1), e("JLH", BRCL, 2),
    e("JLP", BRCL, 2), e("JLL", BRCL, 4), e("JLM", BRCL, 4), e("JLNE", BRCL, 7),
    e("JLNZ", BRCL, 7), e("JLE", BRCL, 8), e("JLZ", BRCL, 8), e("JLNL", BRCL, 11),
    e("JLNM", BRCL, 11), e("JLNH", BRCL, 13), e("JLNP", BRCL, 13), e("JLNO", BRCL, 14),
    e("BRUL", BRCL, 15), e("BROL", BRCL, 1), e("BRHL", BRCL, 2), e("BRPL", BRCL, 2),
    e("BRLL", BRCL, 4), e("BRML", BRCL, 4), e("BRNEL", BRCL, 7), e("BRNZL", BRCL, 7),
    e("BREL", BRCL, 8), e("BRZL", BRCL, 8), e("BRNLL", BRCL, 11), e("BRNML", BRCL, 11),
    e("BRNHL", BRCL, 13), e("BRNPL", BRCL, 13), e("BRNOL", BRCL, 14),
];

/// The extended mnemonic disassembly prints for `base` with `mask`, if there is one.
pub fn extended_mnemonic(base: Opcode, mask: u8) -> Option<&'static str> {
    EXTENDED_MNEMONICS
        .iter()
        .find(|x| x.base == base && x.mask == mask)
        .map(|x| x.name)
}

/// Looks up an extended mnemonic by name (case-insensitive).
pub fn parse_extended_mnemonic(name: &str) -> Option<ExtendedMnemonic> {
    EXTENDED_MNEMONICS
        .iter()
        .find(|x| x.name.eq_ignore_ascii_case(name))
        .copied()
}
