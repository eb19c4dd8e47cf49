//! Round trip through the `vm390` binary: `vm390 disasm IMAGE` printed as a source (the
//! statement columns of each line) and assembled with `vm390 asm` gives back the identical
//! image. Images: bench/workload's built image, a generated image holding every instruction
//! of the table for each architecture (with and without extended mnemonics), and the real
//! VM/370 CMS segments in ../shared/cms370/.
//!
//! The CMS segments hold data that decodes as instructions with bits set outside every
//! operand field (for example `8002 0128`, SSM with a non-zero second byte); `vm390 disasm`
//! prints those as `DC X'..'`, so those images round-trip byte for byte too.

use std::path::{Path, PathBuf};
use std::process::Command;

use conformance::{random_operands, shared_dir, vm390_release, workspace_root, Rng};
use s390_decoder::{disassemble_line, encode, Arch, Decoder, DisasmOptions, Opcode};

/// Where the statement starts in a `vm390 disasm` line
/// (`00000404  C0D0 0000 0562  LARL  13,*+2756`).
const STMT_COLUMN: usize = 26;

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vm390-asm-rt-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `vm390 disasm` of `image`, turned into assembler source.
fn disasm_source(vm390: &Path, image: &Path, arch: &str, extended: bool) -> String {
    let mut cmd = Command::new(vm390);
    cmd.args(["disasm", "--arch", arch]).arg(image);
    if !extended {
        cmd.arg("--no-extended");
    }
    let out = cmd.output().expect("run vm390 disasm");
    assert!(out.status.success(), "vm390 disasm failed");
    let text = String::from_utf8(out.stdout).expect("disasm output is UTF-8");
    let mut src = String::new();
    for line in text.lines() {
        let addr = line.get(..8).unwrap_or("");
        assert!(
            addr.chars().all(|c| c.is_ascii_hexdigit()) && line.len() > STMT_COLUMN,
            "unexpected disassembly line {line:?}"
        );
        src.push_str("         ");
        src.push_str(&line[STMT_COLUMN..]);
        src.push('\n');
    }
    src
}

/// Disassembles `image` with the binary and assembles the result with the binary.
fn round_trip(vm390: &Path, dir: &Path, image: &[u8], arch: &str, extended: bool) -> Vec<u8> {
    let bin = dir.join("in.bin");
    let asm = dir.join("rt.asm");
    let out = dir.join("out.bin");
    std::fs::write(&bin, image).unwrap();
    std::fs::write(&asm, disasm_source(vm390, &bin, arch, extended)).unwrap();
    let _ = std::fs::remove_file(&out);
    let res = Command::new(vm390)
        .arg("asm")
        .arg(&asm)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run vm390 asm");
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        res.status.success(),
        "vm390 asm failed ({arch}, extended {extended}):\n{}",
        stderr.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    std::fs::read(&out).unwrap()
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len())),
    )
}

#[test]
fn workload_image_round_trips() {
    let vm390 = vm390_release();
    let dir = scratch("workload");
    let image = std::fs::read(workspace_root().join("bench/workload/workload.bin"))
        .expect("bench/workload/workload.bin is in the repository");
    for arch in ["esa390", "s370"] {
        for extended in [true, false] {
            let got = round_trip(&vm390, &dir, &image, arch, extended);
            assert_eq!(
                first_difference(&got, &image),
                None,
                "workload.bin ({arch}, extended {extended}): lengths {} and {}",
                got.len(),
                image.len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_table_instruction_round_trips() {
    let vm390 = vm390_release();
    let dir = scratch("table");
    let mut rng = Rng::new(0x0DD_BA11);
    for (arch, name) in [(Arch::S370, "s370"), (Arch::Esa390, "esa390")] {
        let mut image = Vec::new();
        let mut count = 0;
        for op in Opcode::ALL {
            if !op.in_arch(arch) {
                continue;
            }
            count += 1;
            for _ in 0..4 {
                let ops = random_operands(&mut rng, op, false, 12);
                let enc = encode(op, &ops).unwrap_or_else(|e| panic!("{}: {e}", op.mnemonic()));
                image.extend_from_slice(enc.as_bytes());
            }
        }
        assert!(
            count > 100,
            "{name}: only {count} instructions in the table"
        );
        for extended in [true, false] {
            let got = round_trip(&vm390, &dir, &image, name, extended);
            if let Some(at) = first_difference(&got, &image) {
                let line = disassemble_line(
                    &Decoder::new(arch),
                    at as u32,
                    &image[at..],
                    DisasmOptions {
                        extended_mnemonics: extended,
                    },
                );
                panic!(
                    "{name}, extended {extended}: image differs at {at:#x} (lengths {} and {}) near {:?}",
                    got.len(),
                    image.len(),
                    line.text
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cms_segments_round_trip() {
    let Some(shared) = shared_dir() else {
        return;
    };
    let vm390 = vm390_release();
    let dir = scratch("cms");
    for file in ["CMS.segment", "CMSSEG.segment"] {
        let image = std::fs::read(shared.join("cms370").join(file)).expect("read CMS segment");
        let got = round_trip(&vm390, &dir, &image, "s370", true);
        assert_eq!(got.len(), image.len(), "{file}: length");
        if let Some(at) = first_difference(&got, &image) {
            panic!("{file}: image differs at {at:#x}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `vm390 asm` as a user runs it: notes and errors on stderr, exit status 1 and nothing
/// written after an error (the old image is left as it was), the listing with the macro
/// expansion.
#[test]
fn vm390_asm_reports_errors_notes_and_writes_listing() {
    let vm390 = vm390_release();
    let dir = scratch("cli");
    let src = dir.join("m.asm");
    let img = dir.join("m.bin");
    let lst = dir.join("m.lst");
    let good = [
        "         MACRO\n",
        "&L       TWICE &V\n",
        "&L       DC    AL1(&V,&V)\n",
        "         MNOTE *,'TWICE &V'\n",
        "         MEND\n",
        "A        TWICE 7\n",
    ]
    .concat();
    std::fs::write(&src, &good).unwrap();
    let out = Command::new(&vm390)
        .arg("asm")
        .arg(&src)
        .arg("-o")
        .arg(&img)
        .arg("--listing")
        .arg(&lst)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{}:4:10: note: TWICE 7 (in macro TWICE called at line 6)\n",
            src.display()
        )
    );
    assert_eq!(std::fs::read(&img).unwrap(), vec![7, 7]);
    let listing = std::fs::read_to_string(&lst).unwrap();
    assert!(
        listing.contains("000000 0707                 3+ A        DC    AL1(7,7)"),
        "{listing}"
    );
    std::fs::write(&src, format!("{good}         L     1,NOWHERE\n")).unwrap();
    let out = Command::new(&vm390)
        .arg("asm")
        .arg(&src)
        .arg("-o")
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{}:4:10: note: TWICE 7 (in macro TWICE called at line 6)\n\
             {}:7:18: error: undefined symbol NOWHERE\n    7 |          L     1,NOWHERE\n      |                  ^\n",
            src.display(),
            src.display()
        )
    );
    assert_eq!(
        std::fs::read(&img).unwrap(),
        vec![7, 7],
        "the old image must be left as it was after an error"
    );
    // Issue #12 item 5: `-o SOURCE` is refused and the source kept.
    let before = std::fs::read(&src).unwrap();
    let out = Command::new(&vm390)
        .arg("asm")
        .arg(&src)
        .arg("-o")
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("it is the source file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&src).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}
