//! The sources of MINICMS, vm390's own CMS-like guest (`guests/minicms/*.asm`). The
//! assembler has no COPY, so the files are assembled as one text in [`SOURCES`] order; `cp`'s
//! build script does that to embed the image, and the golden-listing test here does the same.

use std::path::Path;

/// The MINICMS source files, in assembly order.
pub const SOURCES: &[&str] = &[
    "minicms.asm",
    "console.asm",
    "disk.asm",
    "files.asm",
    "commands.asm",
    "edit.asm",
    "exec.asm",
    "data.asm",
];

/// One source file in the concatenated text: its path, the line of the text where it
/// starts (1-based) and its number of lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The file.
    pub path: std::path::PathBuf,
    /// Its first line in the concatenated text.
    pub first_line: usize,
    /// Its number of lines.
    pub lines: usize,
}

/// Reads the [`SOURCES`] from `dir` (the `guests/minicms` folder) and joins them.
pub fn concatenate(dir: &Path) -> Result<(String, Vec<Part>), String> {
    let mut text = String::new();
    let mut parts = Vec::new();
    let mut line = 1;
    for name in SOURCES {
        let path = dir.join(name);
        let src = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: error: cannot read: {e}", path.display()))?;
        let n = src.lines().count();
        for l in src.lines() {
            text.push_str(l);
            text.push('\n');
        }
        parts.push(Part {
            path,
            first_line: line,
            lines: n,
        });
        line += n;
    }
    Ok((text, parts))
}
