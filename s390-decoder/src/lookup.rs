//! The 64K first-halfword lookup tables, built at compile time from the instruction table.
//!
//! Each architecture has one `[u16; 65536]` indexed by the first halfword of an instruction.
//! An entry is 0 (no instruction), `index + 1` of the table entry, or `GROUP | g` for the
//! opcode groups whose second opcode byte is byte 5 (E3, EB, ED), resolved through a second
//! 256-entry table per group.

use crate::{Arch, Opcode, OpcodeBytes, INFO_CONST as INFO, OPCODE_COUNT};

const GROUP: u16 = 0x8000;
/// First bytes whose second opcode byte is byte 5.
const GROUPS: [u8; 3] = [0xE3, 0xEB, 0xED];

const fn group_of(b: u8) -> usize {
    let mut g = 0;
    while g < GROUPS.len() {
        if GROUPS[g] == b {
            return g;
        }
        g += 1;
    }
    panic!("opcode group not listed in GROUPS")
}

struct Tables {
    primary: [u16; 65536],
    groups: [[u16; 256]; 3],
}

const fn build(arch_bit: u8) -> Tables {
    let mut t = Tables {
        primary: [0; 65536],
        groups: [[0; 256]; 3],
    };
    let mut i = 0;
    while i < OPCODE_COUNT {
        let info = &INFO[i];
        if info.archs.0 & arch_bit != 0 {
            let v = (i + 1) as u16;
            match info.bytes {
                OpcodeBytes::One(a) => {
                    let mut j = 0;
                    while j < 256 {
                        let slot = &mut t.primary[((a as usize) << 8) | j];
                        assert!(*slot == 0, "two instructions share a first byte");
                        *slot = v;
                        j += 1;
                    }
                }
                OpcodeBytes::WithNibble(a, n) => {
                    let mut j = 0;
                    while j < 16 {
                        let slot = &mut t.primary[((a as usize) << 8) | (j << 4) | n as usize];
                        assert!(*slot == 0, "two instructions share an opcode");
                        *slot = v;
                        j += 1;
                    }
                }
                OpcodeBytes::Two(a, b) => {
                    let slot = &mut t.primary[((a as usize) << 8) | b as usize];
                    assert!(*slot == 0, "two instructions share an opcode");
                    *slot = v;
                }
                OpcodeBytes::WithByte5(a, b) => {
                    let g = group_of(a);
                    let mut j = 0;
                    while j < 256 {
                        t.primary[((a as usize) << 8) | j] = GROUP | g as u16;
                        j += 1;
                    }
                    assert!(
                        t.groups[g][b as usize] == 0,
                        "two instructions share an opcode"
                    );
                    t.groups[g][b as usize] = v;
                }
            }
        }
        i += 1;
    }
    t
}

static ALL: [Opcode; OPCODE_COUNT] = Opcode::ALL;
static S370: Tables = build(1);
static ESA390: Tables = build(2);

/// Whether instructions starting with this halfword keep a second opcode byte in byte 5.
pub(crate) fn has_byte5_opcode(halfword: u16) -> bool {
    GROUPS.contains(&((halfword >> 8) as u8))
}

/// The instruction with this first halfword (and byte 5, used only by the RXE, RXF, RSE and
/// RSL groups) in `arch`, if any. This is the interpreter's fast path: two array reads.
#[inline(always)]
pub fn lookup(arch: Arch, halfword: u16, byte5: u8) -> Option<Opcode> {
    let t = match arch {
        Arch::S370 => &S370,
        Arch::Esa390 => &ESA390,
    };
    let mut v = t.primary[halfword as usize];
    if v & GROUP != 0 {
        v = t.groups[(v & 0xFF) as usize][byte5 as usize];
    }
    if v == 0 {
        None
    } else {
        Some(ALL[(v - 1) as usize])
    }
}
