//! Turns `instructions.txt` (the one instruction table) into Rust: the `Opcode` enum and the
//! static table of `OpInfo` entries. The lookup tables are built from that table by `const fn`s
//! in `src/lookup.rs`, the disassembler and the encoder read the same entries.

use std::fmt::Write as _;
use std::path::PathBuf;

struct Entry {
    line: usize,
    opcode: String,
    mnemonic: String,
    format: String,
    operands: String,
    archs: String,
    privilege: char,
    description: String,
}

fn fail(line: usize, msg: &str) -> ! {
    panic!("instructions.txt:{line}: {msg}");
}

fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut cols = t.split_whitespace();
        let mut next = |what: &str| -> String {
            cols.next()
                .unwrap_or_else(|| fail(line, &format!("missing column {what}")))
                .to_string()
        };
        let opcode = next("opcode");
        let mnemonic = next("mnemonic");
        let format = next("format");
        let operands = next("operands");
        let archs = next("arch");
        let privilege = next("priv");
        let description: Vec<&str> = cols.collect();
        if description.is_empty() {
            fail(line, "missing description");
        }
        let privilege = match privilege.as_str() {
            "P" | "Q" | "-" => privilege.chars().next().unwrap(),
            other => fail(line, &format!("bad privilege column {other:?}")),
        };
        out.push(Entry {
            line,
            opcode,
            mnemonic,
            format,
            operands,
            archs,
            privilege,
            description: description.join(" "),
        });
    }
    out
}

/// Bit position (from bit 0 of the instruction) of each named field in a format.
fn field(format: &str, name: &str, line: usize) -> (u32, u32) {
    // (start bit, width)
    let nib = |s| (s, 4);
    match (format, name) {
        ("RR", "1") => nib(8),
        ("RR", "2") => nib(12),
        ("RRE", "1") => nib(24),
        ("RRE", "2") => nib(28),
        ("RRF", "1") => nib(24),
        ("RRF", "2") => nib(28),
        ("RRF", "3") => nib(16),
        ("RRF", "4") => nib(20),
        ("RRD", "1") => nib(16),
        ("RRD", "3") => nib(24),
        ("RRD", "2") => nib(28),
        ("RX" | "RXE" | "RS" | "RSE" | "RSI" | "RI" | "RIL", "1") => nib(8),
        ("RS" | "RSE" | "RSI", "3") => nib(12),
        ("RXF", "3") => nib(8),
        ("RXF", "1") => nib(32),
        ("SS", "1") => nib(8),
        ("SS", "3") => nib(12),
        _ => fail(line, &format!("format {format} has no field {name}")),
    }
}

fn operand_specs(e: &Entry) -> Vec<String> {
    if e.operands == "-" {
        return Vec::new();
    }
    let f = e.format.as_str();
    let mut specs = Vec::new();
    let mut slot = 0u32; // which base-displacement slot the next storage operand takes
    let mut list = Vec::new();
    // Split on commas outside parentheses.
    let mut depth = 0;
    let mut cur = String::new();
    for c in e.operands.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            list.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    list.push(cur);
    for op in list {
        let line = e.line;
        if op.starts_with('D') {
            // Storage operand D<n>(...)
            let inner = op
                .split_once('(')
                .map(|(_, r)| r.trim_end_matches(')'))
                .unwrap_or("");
            let parts: Vec<&str> = if inner.is_empty() {
                Vec::new()
            } else {
                inner.split(',').collect()
            };
            let (base_bit, disp_bit) = match slot {
                0 => (16, 20),
                1 => (32, 36),
                _ => fail(line, "more than two storage operands"),
            };
            slot += 1;
            let (index, length) = match parts.as_slice() {
                [_] | [] => ("None".to_string(), "LengthSpec::None".to_string()),
                [x, _b] if x.starts_with('X') => {
                    if !matches!(f, "RX" | "RXE" | "RXF") {
                        fail(line, "an index register only in RX, RXE, RXF");
                    }
                    ("Some(12)".to_string(), "LengthSpec::None".into())
                }
                [l, _b] if *l == "L" => {
                    if f != "SS" {
                        fail(line, "L only in SS");
                    }
                    ("None".into(), "LengthSpec::Bytes8 { start: 8 }".into())
                }
                [l, _b] if *l == "L1" => ("None".into(), "LengthSpec::Bytes4 { start: 8 }".into()),
                [l, _b] if *l == "L2" => ("None".into(), "LengthSpec::Bytes4 { start: 12 }".into()),
                [r, _b] if r.starts_with('R') => (
                    "None".into(),
                    format!(
                        "LengthSpec::Register {{ start: {} }}",
                        field(f, &r[1..], line).0
                    ),
                ),
                _ => fail(line, &format!("bad storage operand {op}")),
            };
            specs.push(format!(
                "OperandSpec::Storage {{ base: {base_bit}, disp: {disp_bit}, index: {index}, length: {length} }}"
            ));
            continue;
        }
        let (kind, num) = op.split_at(1);
        let spec = match kind {
            "R" | "F" | "A" | "C" | "M" => {
                let (start, _) = field(f, num, line);
                let k = match kind {
                    "R" => "Gpr",
                    "F" => "Fpr",
                    "A" => "Ar",
                    "C" => "Cr",
                    _ => "Mask",
                };
                format!("OperandSpec::{k} {{ start: {start} }}")
            }
            "U" | "I" | "J" => {
                let (start, width) = match (f, num) {
                    ("I", "1") => (8, 8),
                    ("SI", "2") => (8, 8),
                    ("SS", "3") => (12, 4),
                    ("RI" | "RSI", "2") => (16, 16),
                    ("RIL", "2") => (16, 32),
                    _ => fail(line, &format!("format {f} has no immediate {op}")),
                };
                let k = match kind {
                    "U" => "Unsigned",
                    "I" => "Signed",
                    _ => "Relative",
                };
                format!("OperandSpec::{k} {{ start: {start}, width: {width} }}")
            }
            _ => fail(line, &format!("unknown operand {op}")),
        };
        specs.push(spec);
    }
    specs
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let table = manifest.join("instructions.txt");
    println!("cargo:rerun-if-changed={}", table.display());
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(&table).expect("read instructions.txt");
    let entries = parse(&text);

    let mut out = String::new();
    out.push_str("// Generated by build.rs from instructions.txt. Do not edit.\n\n");
    out.push_str("/// Every instruction in the table, named by its HLASM mnemonic.\n");
    out.push_str("#[allow(clippy::upper_case_acronyms, missing_docs)]\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr(u16)]\npub enum Opcode {\n");
    for (i, e) in entries.iter().enumerate() {
        writeln!(
            out,
            "    /// {} (`{}`, {} format)",
            e.description, e.opcode, e.format
        )
        .unwrap();
        writeln!(out, "    {} = {i},", e.mnemonic).unwrap();
    }
    out.push_str("}\n\n");
    writeln!(
        out,
        "/// Number of entries in the instruction table.\npub const OPCODE_COUNT: usize = {};\n",
        entries.len()
    )
    .unwrap();
    out.push_str("impl Opcode {\n    /// Every opcode, in table order.\n    pub const ALL: [Opcode; OPCODE_COUNT] = [\n");
    for e in &entries {
        writeln!(out, "        Opcode::{},", e.mnemonic).unwrap();
    }
    out.push_str("    ];\n}\n\n");
    out.push_str("pub(crate) static INFO: [OpInfo; OPCODE_COUNT] = INFO_CONST;\n#[allow(clippy::large_const_arrays)]\npub(crate) const INFO_CONST: [OpInfo; OPCODE_COUNT] = [\n");
    for e in &entries {
        let code = match e.opcode.len() {
            2 => format!("OpcodeBytes::One(0x{})", e.opcode),
            3 => format!(
                "OpcodeBytes::WithNibble(0x{}, 0x{})",
                &e.opcode[..2],
                &e.opcode[2..]
            ),
            4 => format!(
                "OpcodeBytes::Two(0x{}, 0x{})",
                &e.opcode[..2],
                &e.opcode[2..]
            ),
            6 if &e.opcode[2..4] == ".." => {
                format!(
                    "OpcodeBytes::WithByte5(0x{}, 0x{})",
                    &e.opcode[..2],
                    &e.opcode[4..]
                )
            }
            _ => fail(e.line, &format!("bad opcode {}", e.opcode)),
        };
        let format = match e.format.as_str() {
            "E" | "I" | "RR" | "RRE" | "RRF" | "RRD" | "RX" | "RXE" | "RXF" | "RS" | "RSE"
            | "RSL" | "RSI" | "RI" | "RIL" | "S" | "SI" | "SS" | "SSE" => e.format.clone(),
            other => fail(e.line, &format!("unknown format {other}")),
        };
        let mut archs = Vec::new();
        for a in e.archs.split(',') {
            archs.push(match a {
                "370" => "Archs::S370.0",
                "390" => "Archs::ESA390.0",
                other => fail(e.line, &format!("unknown arch {other}")),
            });
        }
        let privilege = match e.privilege {
            'P' => "Privilege::Privileged",
            'Q' => "Privilege::SemiPrivileged",
            _ => "Privilege::Unprivileged",
        };
        let specs = operand_specs(e);
        writeln!(
            out,
            "    OpInfo {{ mnemonic: {:?}, bytes: {code}, format: Format::{format}, operands: &[{}], archs: Archs({}), privilege: {privilege}, description: {:?} }},",
            e.mnemonic,
            specs.join(", "),
            archs.join(" | "),
            e.description
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("table.rs");
    std::fs::write(dest, out).expect("write table.rs");
}
