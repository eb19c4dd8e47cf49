//! The assembler (`guests::asm`) against GNU as (`s390x-linux-gnu-as -m31 -mesa`): every
//! ESA/390 instruction of the table with seeded random operands, written in HLASM syntax for
//! us and in GNU syntax for gas, must assemble to the same bytes. And a round trip: the
//! disassembly (`vm390 disasm` text) of a random image reassembles to the identical image.
//! And DC constants (F, H, A, Y, X, B, CA with lengths and duplication) against gas data
//! directives.

use std::fmt::Write as _;
use std::process::Command;

use conformance::{oracle, random_operands, Rng};
use s390_decoder::{
    disassemble_line, encode, Arch, Decoder, DisasmOptions, Length, Opcode, Operand, OperandSpec,
};

const PER_OPCODE: usize = 12;
const SEED: u64 = 0xA55E_3B1E;

/// The operands in HLASM syntax (explicit base registers, varied spellings).
fn hlasm(rng: &mut Rng, op: Opcode, ops: &[Operand]) -> String {
    let mut out = String::new();
    for (i, (o, spec)) in ops.iter().zip(op.info().operands).enumerate() {
        if i > 0 {
            out.push(',');
        }
        match *o {
            Operand::Gpr(r) | Operand::Fpr(r) | Operand::Ar(r) | Operand::Cr(r) => {
                write!(out, "{r}").unwrap()
            }
            Operand::Mask(m) => match rng.below(3) {
                0 => write!(out, "B'{m:04b}'").unwrap(),
                1 => write!(out, "X'{m:X}'").unwrap(),
                _ => write!(out, "{m}").unwrap(),
            },
            Operand::Unsigned(v) => match rng.below(2) {
                0 => write!(out, "X'{v:X}'").unwrap(),
                _ => write!(out, "{v}").unwrap(),
            },
            Operand::Signed(v) => write!(out, "{v}").unwrap(),
            Operand::Relative(h) => {
                let b = 2 * h as i64;
                if b < 0 {
                    write!(out, "*{b}").unwrap()
                } else {
                    write!(out, "*+{b}").unwrap()
                }
            }
            Operand::Storage(s) => {
                write!(out, "{}", s.disp).unwrap();
                let has_index = matches!(spec, OperandSpec::Storage { index: Some(_), .. });
                match s.length {
                    Length::Bytes(n) => write!(out, "({n},{})", s.base).unwrap(),
                    Length::Register(r) => write!(out, "({r},{})", s.base).unwrap(),
                    Length::None if has_index => match (s.index, rng.below(2)) {
                        (0, 0) => write!(out, "(,{})", s.base).unwrap(),
                        (x, _) => write!(out, "({x},{})", s.base).unwrap(),
                    },
                    Length::None => write!(out, "({})", s.base).unwrap(),
                }
            }
        }
    }
    out
}

/// The operands in GNU as syntax.
fn gnu(op: Opcode, ops: &[Operand]) -> String {
    let mut out = String::new();
    for (i, (o, spec)) in ops.iter().zip(op.info().operands).enumerate() {
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
                let b = 2 * h as i64;
                if b < 0 {
                    write!(out, ".{b}").unwrap()
                } else {
                    write!(out, ".+{b}").unwrap()
                }
            }
            Operand::Storage(s) => {
                write!(out, "{}", s.disp).unwrap();
                match s.length {
                    Length::Bytes(n) => write!(out, "({n},%r{})", s.base).unwrap(),
                    Length::Register(r) => write!(out, "(%r{r},%r{})", s.base).unwrap(),
                    Length::None if matches!(spec, OperandSpec::Storage { index: None, .. }) => {
                        write!(out, "(%r{})", s.base).unwrap()
                    }
                    Length::None => write!(out, "(%r{},%r{})", s.index, s.base).unwrap(),
                }
            }
        }
    }
    out
}

fn run_gas(gas: &std::path::Path, source: &str, tag: &str) -> Vec<u8> {
    let objcopy = oracle("s390x-linux-gnu-objcopy").expect("objcopy beside as");
    let dir = std::env::temp_dir().join(format!("vm390-asm-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = dir.join("t.s");
    let o = dir.join("t.o");
    let bin = dir.join("t.bin");
    std::fs::write(&s, source).unwrap();
    let out = Command::new(gas)
        .args(["-m31", "-mesa", "-o"])
        .arg(&o)
        .arg(&s)
        .output()
        .expect("run as");
    assert!(
        out.status.success(),
        "as failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(objcopy)
        .args(["-O", "binary", "-j", ".text"])
        .arg(&o)
        .arg(&bin)
        .output()
        .expect("run objcopy");
    assert!(out.status.success(), "objcopy failed");
    let bytes = std::fs::read(&bin).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

#[test]
fn every_esa390_instruction_assembles_like_gnu_as() {
    let Some(gas) = oracle("s390x-linux-gnu-as") else {
        return;
    };
    let mut rng = Rng::new(SEED);
    let mut ours_src = String::new();
    let mut gnu_src = String::new();
    let mut lines = Vec::new(); // (offset, length, HLASM line, GNU line)
    let mut at = 0usize;
    for op in Opcode::ALL {
        if !op.in_arch(Arch::Esa390) {
            continue;
        }
        for _ in 0..PER_OPCODE {
            let ops = random_operands(&mut rng, op, true, 16);
            encode(op, &ops).unwrap_or_else(|e| panic!("{}: {e}", op.mnemonic()));
            let h = format!(
                "         {:<6} {}",
                op.mnemonic(),
                hlasm(&mut rng, op, &ops)
            );
            let g = format!(
                "\t{}\t{}",
                op.mnemonic().to_ascii_lowercase(),
                gnu(op, &ops)
            );
            writeln!(ours_src, "{h}").unwrap();
            writeln!(gnu_src, "{g}").unwrap();
            lines.push((at, op.length(), h, g));
            at += op.length();
        }
    }
    let ours = match guests::asm::assemble("gen.asm", &ours_src) {
        Ok(a) => a.image,
        Err(d) => panic!(
            "{} errors, first: {}",
            d.len(),
            d.iter()
                .take(20)
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    std::fs::write(std::env::temp_dir().join("vm390-asm-gnu.s"), &gnu_src).unwrap();
    let theirs = run_gas(&gas, &gnu_src, "diff");
    assert_eq!(ours.len(), at);
    assert!(theirs.len() >= at, "gas output too short");
    let mut failures = Vec::new();
    for (off, len, h, g) in &lines {
        let a = &ours[*off..off + len];
        let b = &theirs[*off..off + len];
        if a != b {
            failures.push(format!("{h:<40} {a:02X?}\n{g:<40} {b:02X?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        lines.len(),
        failures[..failures.len().min(30)].join("\n")
    );
}

/// A random image: valid instructions of both architectures and some undecodable bytes.
fn random_image(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut image = Vec::new();
    for _ in 0..n {
        if rng.below(10) == 0 {
            let first = rng.below(256) as u8;
            let len = s390_decoder::instruction_length(first);
            let mut bytes = vec![first];
            bytes.extend((1..len).map(|_| rng.below(256) as u8));
            // Bits outside every operand field do not survive disassembly: normalize.
            match Decoder::new(Arch::Esa390).decode(&bytes) {
                Ok(insn) => {
                    let enc = encode(insn.opcode(), &insn.operands()).unwrap();
                    image.extend_from_slice(enc.as_bytes());
                }
                Err(_) => image.extend_from_slice(&bytes),
            }
            continue;
        }
        let op = *rng.pick(&Opcode::ALL);
        let ops = random_operands(rng, op, false, 16);
        let enc = encode(op, &ops).unwrap();
        image.extend_from_slice(enc.as_bytes());
    }
    image
}

#[test]
fn disassembly_reassembles_to_the_same_image() {
    let mut rng = Rng::new(SEED ^ 0x7777);
    for round in 0..20 {
        let mut image = random_image(&mut rng, 300);
        if round % 2 == 1 {
            image.push(0xD2); // a truncated instruction at the end
        }
        for extended in [true, false] {
            let decoder = Decoder::new(Arch::Esa390);
            let opts = DisasmOptions {
                extended_mnemonics: extended,
            };
            let mut src = String::new();
            let mut starts = Vec::new();
            let mut at = 0;
            while at < image.len() {
                let line = disassemble_line(&decoder, at as u32, &image[at..], opts);
                // "00000000  5812 3010       L     1,16(2,3)"
                let body = line.text.get(26..).unwrap_or("");
                writeln!(src, "         {body}").unwrap();
                starts.push((at, line.text.clone()));
                at += line.len;
            }
            let got = match guests::asm::assemble("rt.asm", &src) {
                Ok(a) => a.image,
                Err(d) => panic!(
                    "round {round}: {}\n{}",
                    d.iter()
                        .take(10)
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    src.lines().take(5).collect::<Vec<_>>().join("\n")
                ),
            };
            if got != image {
                let first = got
                    .iter()
                    .zip(&image)
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(image.len()));
                let line = starts.iter().rev().find(|(a, _)| *a <= first);
                panic!(
                    "round {round}: image differs at {first:#x} (lengths {} and {}) in {line:?}",
                    got.len(),
                    image.len()
                );
            }
        }
    }
}

/// DC constants against GNU as data directives: F, H, A, Y, X, B, CA, C, with explicit
/// lengths and several values, aligned the way DC aligns (`.balign`).
#[test]
fn dc_constants_assemble_like_gnu_as() {
    let Some(gas) = oracle("s390x-linux-gnu-as") else {
        return;
    };
    let mut rng = Rng::new(SEED ^ 0xDC);
    let mut ours = String::new();
    let mut theirs = String::new();
    for _ in 0..400 {
        match rng.below(8) {
            0 => {
                let v = rng.range(i32::MIN as i64, i32::MAX as i64);
                writeln!(ours, "         DC    F'{v}'").unwrap();
                writeln!(theirs, "\t.balign 4,0\n\t.long {v}").unwrap();
            }
            1 => {
                let v = rng.range(-32768, 32767);
                let w = rng.range(-32768, 32767);
                writeln!(ours, "         DC    H'{v},{w}'").unwrap();
                writeln!(theirs, "\t.balign 2,0\n\t.short {v},{w}").unwrap();
            }
            2 => {
                let v = rng.below(1 << 31);
                writeln!(ours, "         DC    A({v},X'{v:X}')").unwrap();
                writeln!(theirs, "\t.balign 4,0\n\t.long {v},{v}").unwrap();
            }
            3 => {
                let v = rng.below(1 << 16);
                writeln!(ours, "         DC    Y({v}),AL1({})", v & 0xFF).unwrap();
                writeln!(theirs, "\t.balign 2,0\n\t.short {v}\n\t.byte {}", v & 0xFF).unwrap();
            }
            4 => {
                let n = rng.range(1, 8) as usize;
                let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                let dup = rng.range(1, 3);
                writeln!(ours, "         DC    {dup}X'{hex}'").unwrap();
                for _ in 0..dup {
                    let list: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
                    writeln!(theirs, "\t.byte {}", list.join(",")).unwrap();
                }
            }
            5 => {
                let v = rng.below(1 << 12);
                writeln!(ours, "         DC    B'{v:b}',XL3'{v:X}'").unwrap();
                // B'..' takes as many bytes as its digits need.
                if v >= 256 {
                    writeln!(theirs, "\t.byte {},{}", v >> 8, v & 0xFF).unwrap();
                } else {
                    writeln!(theirs, "\t.byte {v}").unwrap();
                }
                writeln!(theirs, "\t.byte 0,{},{}", v >> 8, v & 0xFF).unwrap();
            }
            6 => {
                let n = rng.range(1, 12) as usize;
                let text: String = (0..n)
                    .map(|_| *rng.pick(&['A', 'z', '0', ' ', '#', '$', '.', '(']))
                    .collect();
                let len = n + rng.below(3) as usize;
                writeln!(ours, "         DC    CAL{len}'{text}'").unwrap();
                writeln!(theirs, "\t.ascii \"{text:<len$}\"").unwrap();
            }
            _ => {
                let v = rng.range(-128, 127);
                writeln!(ours, "         DC    FL1'{v}',HL3'{v}'").unwrap();
                let b = (v as i32 as u32).to_be_bytes();
                writeln!(theirs, "\t.byte {},{},{},{}", b[3], b[1], b[2], b[3]).unwrap();
            }
        }
    }
    let got = match guests::asm::assemble("dc.asm", &ours) {
        Ok(a) => a.image,
        Err(d) => panic!("{}", d[0]),
    };
    let want = run_gas(&gas, &theirs, "dc");
    let n = got.len();
    assert!(want.len() >= n, "gas output too short");
    if let Some(at) = got.iter().zip(&want[..n]).position(|(a, b)| a != b) {
        let from = at.saturating_sub(8);
        panic!(
            "first difference at {at:#x}: ours {:02X?}, gas {:02X?}\n{}\n{}",
            &got[from..(at + 8).min(n)],
            &want[from..(at + 8).min(n)],
            ours.lines().take(6).collect::<Vec<_>>().join("\n"),
            theirs.lines().take(10).collect::<Vec<_>>().join("\n")
        );
    }
}
