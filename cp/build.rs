//! Assembles vm390's own CMS-like guest, MINICMS, from `guests/minicms/*.asm` with vm390's
//! assembler (`guests::asm`) and leaves the flat image in `OUT_DIR/minicms.bin` for
//! `cp/src/minicms.rs` to embed. The sources are concatenated in [`SOURCES`] order (the
//! assembler has no COPY); diagnostics name the original file, line and column, and any
//! error fails the build.

use std::path::{Path, PathBuf};

/// The MINICMS sources, in assembly order.
const SOURCES: &[&str] = &[
    "minicms.asm",
    "console.asm",
    "disk.asm",
    "files.asm",
    "commands.asm",
    "edit.asm",
    "exec.asm",
    "data.asm",
];

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../guests/minicms");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut text = String::new();
    // (first line of the part in the concatenation, file, lines in the file)
    let mut parts: Vec<(usize, PathBuf, usize)> = Vec::new();
    let mut line = 1;
    for name in SOURCES {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => fail(&[format!("{}: error: cannot read: {e}", path.display())]),
        };
        let n = src.lines().count();
        parts.push((line, path, n));
        for l in src.lines() {
            text.push_str(l);
            text.push('\n');
        }
        line += n;
    }
    let (result, listing) = guests::asm::assemble_with_listing("minicms", &text);
    let _ = std::fs::write(out.join("minicms.lst"), listing);
    match result {
        Ok(a) => {
            if a.origin != 0 {
                fail(&["minicms: error: the image must start at address 0".to_string()]);
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

/// The source file and line of line `line` of the concatenation.
fn locate(parts: &[(usize, PathBuf, usize)], line: usize) -> (&Path, usize) {
    for (first, path, n) in parts.iter().rev() {
        if line >= *first {
            return (path, (line - first + 1).min((*n).max(1)));
        }
    }
    (Path::new("minicms"), line)
}

fn fail(msgs: &[String]) -> ! {
    for m in msgs {
        eprintln!("{m}");
    }
    eprintln!("MINICMS did not assemble");
    std::process::exit(1);
}
