//! Assembles vm390's own CMS-like guest, MINICMS, from `guests/minicms/*.asm` with vm390's
//! assembler (`guests::asm`) and leaves the flat image in `OUT_DIR/minicms.bin` for
//! `cp/src/minicms.rs` to embed. The sources are concatenated in `guests::minicms::SOURCES`
//! order (the assembler has no COPY); diagnostics name the original file, line and column,
//! and any error fails the build.

use std::path::{Path, PathBuf};

use guests::minicms::{concatenate, Part, SOURCES};

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    study_guests(&manifest);
    let dir = manifest.join("../guests/minicms");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed={}", dir.display());
    for name in SOURCES {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
    }
    let (text, parts) = concatenate(&dir).unwrap_or_else(|e| fail(&[e]));
    let (result, listing) = guests::asm::assemble_with_listing("minicms", &text);
    let _ = std::fs::write(out.join("minicms.lst"), listing);
    match result {
        Ok(a) => {
            if a.origin != 0 {
                fail(&["minicms: error: the image must start at address 0".to_string()]);
            }
            // The work areas start at X'10000' (FSTBUF in minicms.asm): the image, the
            // full-screen editor at its end included, must stay below them.
            if a.image.len() > 0x10000 {
                fail(&[format!(
                    "minicms: error: the image ({} bytes) reaches the work areas at X'10000'",
                    a.image.len()
                )]);
            }
            if let Err(e) = std::fs::write(out.join("minicms.bin"), &a.image) {
                fail(&[format!("{}: error: cannot write: {e}", out.display())]);
            }
        }
        Err(diags) => {
            let msgs: Vec<String> = diags
                .iter()
                .map(|d| {
                    let (file, l) = locate(&parts, d.line);
                    format!(
                        "{}:{}:{}: error: {}",
                        file.display(),
                        l,
                        d.column,
                        d.message
                    )
                })
                .collect();
            fail(&msgs);
        }
    }
}

/// The guests of `vm390 study`, by file name in `guests/study`.
const STUDY_GUESTS: &[&str] = &["blockio", "console"];

/// The guests of `vm390 study` (`guests/study/*.asm`), each assembled into
/// `OUT_DIR/study_NAME.bin` for `cp/src/study.rs` to embed; `COPY member` takes
/// `guests/study/member.asm` (the members the guests share).
fn study_guests(manifest: &Path) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let dir = manifest.join("../guests/study");
    println!("cargo:rerun-if-changed={}", dir.display());
    let library = |member: &str| {
        let path = dir.join(format!("{}.asm", member.to_ascii_lowercase()));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).ok()?;
        Some((path.display().to_string(), text))
    };
    for name in STUDY_GUESTS {
        let path = dir.join(format!("{name}.asm"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| fail(&[format!("{}: error: cannot read: {e}", path.display())]));
        match guests::asm::assemble_with_library(name, &text, &library).result {
            Ok(a) if a.origin == 0 => {
                let bin = out.join(format!("study_{name}.bin"));
                if let Err(e) = std::fs::write(&bin, &a.image) {
                    fail(&[format!("{}: error: cannot write: {e}", bin.display())]);
                }
            }
            Ok(_) => fail(&[format!(
                "{}: error: the image must start at 0",
                path.display()
            )]),
            Err(diags) => fail(
                &diags
                    .iter()
                    .map(|d| format!("{}:{}:{}: error: {}", d.file, d.line, d.column, d.message))
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// The source file and line of line `line` of the concatenation.
fn locate(parts: &[Part], line: usize) -> (&Path, usize) {
    for p in parts.iter().rev() {
        if line >= p.first_line {
            return (&p.path, (line - p.first_line + 1).min(p.lines.max(1)));
        }
    }
    (Path::new("minicms"), line)
}

fn fail(msgs: &[String]) -> ! {
    for m in msgs {
        eprintln!("{m}");
    }
    eprintln!("a guest of vm390 did not assemble");
    std::process::exit(1);
}
