//! The sources of MINICMS, vm390's own CMS-like guest (`guests/minicms/*.asm`). The
//! assembler has no COPY, so the files are assembled as one text in [`SOURCES`] order; `cp`'s
//! build script does that to embed the image, and the golden-listing test here does the same.
//!
//! MINICMS's own help texts, one file `NAME.helpcmd` a topic in `guests/minicms/help/`
//! (the R6 file name `name HELPCMD`, see `HELP HELPCMD` on the 19D), become assembler source
//! too ([`help_source`]), placed before `data.asm`: the HELP command types them.

use std::path::Path;

/// The MINICMS source files, in assembly order.
pub const SOURCES: &[&str] = &[
    "minicms.asm",
    "console.asm",
    "disk.asm",
    "files.asm",
    "commands.asm",
    "help.asm",
    "edit.asm",
    "exec.asm",
    "spool.asm",
    "edit2.asm",
    "exec2.asm",
    "fsedit.asm",
    "data.asm",
];

/// The folder of the help texts, under `guests/minicms`.
pub const HELP_DIR: &str = "help";

/// The extension of a help text file (R6's file type HELPCMD).
pub const HELP_EXT: &str = "helpcmd";

/// The source file before which the generated help texts go.
const HELP_BEFORE: &str = "data.asm";

/// Where the help texts lie in MINICMS's storage (above the program, below the stack).
pub const HELP_ORIGIN: u32 = 0x6000;

/// The longest line of a help text (R6's help files are formatted to 79 columns).
pub const HELP_WIDTH: usize = 79;

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
        if *name == HELP_BEFORE {
            let path = dir.join(HELP_DIR);
            let src = help_source(&path)?;
            let n = src.lines().count();
            text.push_str(&src);
            parts.push(Part {
                path,
                first_line: line,
                lines: n,
            });
            line += n;
        }
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

/// The help topics in `help` (the `guests/minicms/help` folder): (topic name, file), in
/// name order. A name is 1 to 8 letters, digits, `$`, `#` or `@`, as a CMS file name.
pub fn help_files(help: &Path) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let rd = std::fs::read_dir(help)
        .map_err(|e| format!("{}: error: cannot read the folder: {e}", help.display()))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| format!("{}: error: {e}", help.display()))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(HELP_EXT) {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let ok = (1..=8).contains(&stem.len())
            && stem
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "$#@".contains(c));
        if !ok {
            return Err(format!(
                "{}: error: a help topic's name is 1 to 8 upper-case letters, digits, $, # or @",
                path.display()
            ));
        }
        out.push((stem, path));
    }
    out.sort();
    Ok(out)
}

/// Assembler source for the help texts in `help`: `HELPTAB`, a 12-byte entry a topic (its
/// name, the address of its text) ended by X'FF', and the texts, each a run of records (a
/// length byte, the characters) ended by a length X'FF', all at [`HELP_ORIGIN`]. A line may
/// hold printable ASCII other than `[`, `]` and `^` (whose EBCDIC bytes differ between code
/// pages 037 and 1047) and be at most [`HELP_WIDTH`] characters long.
pub fn help_source(help: &Path) -> Result<String, String> {
    let files = help_files(help)?;
    let mut s = String::new();
    s.push_str(&format!(
        "*{dash}\n\
         * The help texts, made by guests::minicms from {dir}/*.{ext}:\n\
         * HELPTAB, 12 bytes a topic (name, address of its text), ends\n\
         * with X'FF'; a text is records (length byte, characters) ended by\n\
         * a length X'FF'. They lie at X'{HELP_ORIGIN:X}', above the program.\n\
         *{dash}\n\
         HLPRESUM EQU   *\n         ORG   MINICMS+X'{HELP_ORIGIN:X}'\n",
        dash = "-".repeat(69),
        dir = HELP_DIR,
        ext = HELP_EXT,
    ));
    let mut first = true;
    for (i, (name, _)) in files.iter().enumerate() {
        let label = if first { "HELPTAB " } else { "        " };
        first = false;
        s.push_str(&format!("{label} DC    CL8'{name}',A(HLP{:04})\n", i + 1));
    }
    if files.is_empty() {
        s.push_str("HELPTAB  DS    0F\n");
    }
    s.push_str("         DC    X'FF'\n");
    for (i, (_, path)) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: error: cannot read: {e}", path.display()))?;
        s.push_str(&format!("HLP{:04} DS    0H\n", i + 1));
        for (n, l) in text.lines().enumerate() {
            let l = l.trim_end();
            let where_ = || format!("{}:{}", path.display(), n + 1);
            if l.chars().count() > HELP_WIDTH {
                return Err(format!(
                    "{}: error: the line is longer than {HELP_WIDTH} characters",
                    where_()
                ));
            }
            if let Some((c, ch)) = l
                .chars()
                .enumerate()
                .find(|&(_, c)| !(' '..='~').contains(&c) || "[]^".contains(c))
            {
                return Err(format!(
                    "{}:{}: error: {ch:?} is not a character a help text may hold \
                     (printable ASCII other than [ ] ^)",
                    where_(),
                    c + 1
                ));
            }
            s.push_str(&format!("         DC    AL1({})\n", l.len()));
            // The text in pieces of at most 50 source characters (' and & doubled).
            let mut piece = String::new();
            for c in l.chars() {
                let esc = match c {
                    '\'' => "''".to_string(),
                    '&' => "&&".to_string(),
                    c => c.to_string(),
                };
                if piece.len() + esc.len() > 50 {
                    s.push_str(&format!("         DC    C'{piece}'\n"));
                    piece.clear();
                }
                piece.push_str(&esc);
            }
            if !piece.is_empty() {
                s.push_str(&format!("         DC    C'{piece}'\n"));
            }
        }
        s.push_str("         DC    X'FF'\n");
    }
    s.push_str("HELPEND  EQU   *\n         ORG   HLPRESUM\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(t.path().join(name), text).unwrap();
        }
        t
    }

    #[test]
    fn help_texts_become_a_table_and_counted_records() {
        let t = help_dir(&[
            ("TYPE.helpcmd", "TYPE  it's a & b\n\nend\n"),
            ("ACCESS.helpcmd", "ACCESS\n"),
            ("notes.txt", "ignored"),
        ]);
        let s = help_source(t.path()).unwrap();
        let a = s.find("CL8'ACCESS',A(HLP0001)").unwrap();
        let b = s.find("CL8'TYPE',A(HLP0002)").unwrap();
        assert!(a < b, "{s}");
        assert!(s.contains("DC    AL1(16)\n         DC    C'TYPE  it''s a && b'\n"));
        assert!(s.contains("DC    AL1(0)\n"));
        assert!(s.lines().all(|l| l.len() <= 71), "{s}");
    }

    #[test]
    fn bad_help_texts_are_refused_naming_the_file_and_line() {
        let t = help_dir(&[("C.helpcmd", "ok\nint a[2];\n")]);
        let e = help_source(t.path()).unwrap_err();
        assert!(e.contains("C.helpcmd:2:6: error:"), "{e}");
        let t = help_dir(&[("C.helpcmd", &"x".repeat(80))]);
        let e = help_source(t.path()).unwrap_err();
        assert!(e.contains("C.helpcmd:1: error: the line is longer"), "{e}");
        let t = help_dir(&[("lower.helpcmd", "x")]);
        let e = help_source(t.path()).unwrap_err();
        assert!(
            e.contains("lower.helpcmd: error: a help topic's name"),
            "{e}"
        );
    }
}
