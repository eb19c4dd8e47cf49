//! Differential test of the decoder and disassembler against GNU objdump
//! (`s390x-linux-gnu-objdump -m s390:31-bit -M esa`): every ESA/390 instruction in the table,
//! with seeded random operands, 24 encodings each, must get the same mnemonic and operands.

use std::fmt::Write as _;
use std::process::Command;

use conformance::{oracle, random_operands, Rng};
use s390_decoder::{encode, Arch, Decoder, Length, Opcode, Operand};

const PER_OPCODE: usize = 24;
const SEED: u64 = 0x5390_0B1D;

/// Our operands in GNU as syntax, for comparison with objdump.
fn gnu_operands(op: Opcode, addr: u64, ops: &[Operand]) -> String {
    let mut out = String::new();
    for (i, o) in ops.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match *o {
            Operand::Gpr(r) => write!(out, "%r{r}").unwrap(),
            Operand::Fpr(r) => write!(out, "%f{r}").unwrap(),
            Operand::Ar(r) => write!(out, "%a{r}").unwrap(),
            Operand::Cr(r) => write!(out, "%c{r}").unwrap(),
            Operand::Mask(m) => write!(out, "{m}").unwrap(),
            Operand::Unsigned(v) => write!(out, "{v}").unwrap(),
            Operand::Signed(v) => write!(out, "{v}").unwrap(),
            Operand::Relative(h) => {
                let target = (addr as i64 + 2 * h as i64) as u64 & 0xFFFF_FFFF;
                write!(out, "0x{target:x}").unwrap()
            }
            Operand::Storage(s) => {
                write!(out, "{}", s.disp).unwrap();
                let base = |b: u8| format!("%r{b}");
                match s.length {
                    Length::Bytes(n) => write!(out, "({n},{})", base(s.base)).unwrap(),
                    Length::Register(r) => write!(out, "(%r{r},{})", base(s.base)).unwrap(),
                    Length::None => match (s.index, s.base) {
                        (0, 0) => {}
                        (0, b) => write!(out, "(%r{b})").unwrap(),
                        (x, b) => write!(out, "(%r{x},{})", base(b)).unwrap(),
                    },
                }
            }
        }
    }
    let _ = op;
    out
}

/// objdump's condition suffixes and the mask each stands for.
const CONDITIONS: &[(&str, u8)] = &[
    ("o", 1),
    ("h", 2),
    ("p", 2),
    ("nle", 3),
    ("l", 4),
    ("m", 4),
    ("nhe", 5),
    ("lh", 6),
    ("ne", 7),
    ("nz", 7),
    ("e", 8),
    ("z", 8),
    ("nlh", 9),
    ("he", 10),
    ("nl", 11),
    ("nm", 11),
    ("le", 12),
    ("nh", 13),
    ("np", 13),
    ("no", 14),
];

/// Rewrites objdump's extended branch mnemonics as the base instruction with its mask.
fn normalize_objdump(mnemonic: &str, operands: &str) -> (String, String) {
    let with_mask = |base: &str, mask: u8| {
        let ops = if operands.is_empty() {
            format!("{mask}")
        } else {
            format!("{mask},{operands}")
        };
        (base.to_string(), ops)
    };
    let table: [(&str, &str, &str); 5] = [
        ("jg", "", "brcl"),
        ("j", "", "brc"),
        ("b", "r", "bcr"),
        ("b", "", "bc"),
        ("br", "", "brc"),
    ];
    match mnemonic {
        "nopr" => return with_mask("bcr", 0),
        "nop" => return with_mask("bc", 0),
        "jnop" => return with_mask("brc", 0),
        "jgnop" => return with_mask("brcl", 0),
        "br" => return with_mask("bcr", 15),
        _ => {}
    }
    for (prefix, suffix, base) in table {
        if let Some(rest) = mnemonic.strip_prefix(prefix) {
            if let Some(cond) = rest.strip_suffix(suffix) {
                if cond.is_empty() {
                    return with_mask(base, 15);
                }
                if let Some((_, m)) = CONDITIONS.iter().find(|(c, _)| *c == cond) {
                    // Only where the base really is a branch on condition.
                    if !["bal", "bas", "bct", "bxh", "bxle"]
                        .iter()
                        .any(|b| mnemonic.starts_with(b))
                    {
                        return with_mask(base, *m);
                    }
                }
            }
        }
    }
    (mnemonic.to_string(), operands.to_string())
}

#[test]
fn every_esa390_instruction_matches_objdump() {
    let Some(objdump) = oracle("s390x-linux-gnu-objdump") else {
        return;
    };
    let mut rng = Rng::new(SEED);
    let mut image = Vec::new();
    let mut expected = Vec::new(); // (addr, opcode, our GNU rendering)
    for op in Opcode::ALL {
        if !op.in_arch(Arch::Esa390) {
            continue;
        }
        for _ in 0..PER_OPCODE {
            let ops = random_operands(&mut rng, op, false, 20);
            let enc = encode(op, &ops).unwrap_or_else(|e| panic!("{}: {e}", op.mnemonic()));
            let addr = image.len() as u64;
            let insn = Decoder::new(Arch::Esa390).decode(enc.as_bytes()).unwrap();
            assert_eq!(insn.opcode(), op);
            assert_eq!(
                &*insn.operands(),
                &ops[..],
                "{} decode(encode) differs",
                op.mnemonic()
            );
            expected.push((addr, op, gnu_operands(op, addr, &insn.operands())));
            image.extend_from_slice(enc.as_bytes());
        }
    }
    let dir = std::env::temp_dir().join(format!("vm390-objdump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("all.bin");
    std::fs::write(&bin, &image).unwrap();
    let out = Command::new(objdump)
        .args(["-D", "-b", "binary", "-m", "s390:31-bit", "-M", "esa"])
        .arg(&bin)
        .output()
        .expect("run objdump");
    assert!(
        out.status.success(),
        "objdump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut theirs = std::collections::HashMap::new();
    for line in text.lines() {
        // "   2a:\t58 12 30 10       \tl\t%r1,16(%r2,%r3)"
        let mut parts = line.split('\t');
        let Some(addr) = parts.next().and_then(|a| a.trim().strip_suffix(':')) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr, 16) else {
            continue;
        };
        let _bytes = parts.next();
        let mnemonic = parts.next().unwrap_or("").trim().to_string();
        let operands = parts.next().unwrap_or("").trim().to_string();
        theirs.insert(addr, (mnemonic, operands));
    }
    let mut failures = Vec::new();
    let mut by_opcode = std::collections::BTreeMap::new();
    for (addr, op, ours) in &expected {
        let (m, o) = theirs.get(addr).cloned().unwrap_or_default();
        let (m, o) = normalize_objdump(&m, &o);
        let ours_m = op.mnemonic().to_ascii_lowercase();
        if m != ours_m || o != *ours {
            *by_opcode.entry(op.mnemonic()).or_insert(0) += 1;
            if failures.len() < 60 {
                failures.push(format!(
                    "{addr:#x}: ours `{ours_m} {ours}` objdump `{m} {o}`"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches by opcode {:?}\n{}",
        by_opcode.values().sum::<i32>(),
        by_opcode,
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Instructions objdump accepts in ESA/390 mode that came after the z900 (the table's scope):
/// HFP multiply-and-add (z990), the message-security assist (z990), ASN-and-LX reuse (z990).
const AFTER_Z900: &[&str] = &[
    "mad", "madr", "mae", "maer", "msd", "msdr", "mse", "mser", "km", "kmc", "kmac", "kimd",
    "klmd", "epair", "esair", "ssair", "pti",
];

#[test]
fn every_opcode_objdump_knows_in_esa390_is_in_the_table() {
    let Some(objdump) = oracle("s390x-linux-gnu-objdump") else {
        return;
    };
    // Every first halfword (and every byte 5 of the E3, EB, ED groups), other fields zero.
    let mut image = Vec::new();
    let mut addrs = Vec::new();
    for h in 0..=0xFFFFu32 {
        let a = (h >> 8) as u8;
        let len = s390_decoder::instruction_length(a);
        if [0xE3, 0xEB, 0xED].contains(&a) {
            if h & 0xFF != 0 {
                continue;
            }
            for b5 in 0..=255u8 {
                addrs.push(image.len());
                image.extend_from_slice(&[a, 0, 0, 0, 0, b5]);
            }
            continue;
        }
        addrs.push(image.len());
        image.extend_from_slice(&[a, h as u8]);
        image.resize(image.len() + len - 2, 0);
    }
    let dir = std::env::temp_dir().join(format!("vm390-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("sweep.bin");
    std::fs::write(&bin, &image).unwrap();
    let out = Command::new(objdump)
        .args(["-D", "-b", "binary", "-m", "s390:31-bit", "-M", "esa"])
        .arg(&bin)
        .output()
        .expect("run objdump");
    let text = String::from_utf8(out.stdout).unwrap();
    let decoder = Decoder::new(Arch::Esa390);
    let mut missing = std::collections::BTreeSet::new();
    let mut checked = 0;
    for line in text.lines() {
        let mut parts = line.split('\t');
        let Some(addr) = parts.next().and_then(|a| a.trim().strip_suffix(':')) else {
            continue;
        };
        let Ok(addr) = usize::from_str_radix(addr, 16) else {
            continue;
        };
        let _ = parts.next();
        let mnemonic = parts.next().unwrap_or("").trim();
        if mnemonic.is_empty() || mnemonic.starts_with('.') || AFTER_Z900.contains(&mnemonic) {
            continue;
        }
        checked += 1;
        if decoder.decode(&image[addr..]).is_err() {
            missing.insert(mnemonic.to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        checked > 10_000,
        "objdump output not understood ({checked} lines)"
    );
    assert!(
        missing.is_empty(),
        "objdump decodes, we do not: {missing:?}"
    );
}
