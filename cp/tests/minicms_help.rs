//! MINICMS's HELP (issue #18): every command MINICMS dispatches has a help text that
//! `HELP` lists and `HELP name` types; `HELP nonsense` says so as R6's HELP EXEC does; with
//! the 19D of the VM/370 R6 sample material accessed, R6's own HELP files are listed and
//! typed too. And the console's code page: `SET CODEPAGE 1047` / `CP TERMINAL CODEPAGE`.
//! All through the `vm390` binary in scripted mode.

use std::path::{Path, PathBuf};

mod common;

use common::minicms::{default_session, replies, run};

/// `guests/minicms`.
fn minicms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests/minicms")
}

/// The commands MINICMS dispatches: the names in its command table CMDTAB (data.asm),
/// read from the source.
fn dispatched_commands() -> Vec<String> {
    let src = std::fs::read_to_string(minicms_dir().join("data.asm")).unwrap();
    let mut names = Vec::new();
    let mut inside = false;
    for line in src.lines() {
        if line.starts_with("CMDTAB ") {
            inside = true;
        }
        if !inside {
            continue;
        }
        if line.contains("DC    X'FF'") {
            break;
        }
        let at = line.find("CL8'").expect("a CMDTAB entry") + 4;
        let name = &line[at..at + line[at..].find('\'').unwrap()];
        names.push(name.to_string());
    }
    assert!(names.len() >= 10, "CMDTAB read: {names:?}");
    names
}

/// The lines of a help text file, as they are typed (trailing blanks dropped).
fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn every_command_has_a_help_text_that_help_lists_and_types() {
    let commands: Vec<String> = dispatched_commands()
        .into_iter()
        .filter(|c| c != "?")
        .collect();
    let help = minicms_dir().join("help");
    let mut input = String::from("HELP\n?\n");
    for c in &commands {
        assert!(
            help.join(format!("{c}.helpcmd")).is_file(),
            "{c} has no help text guests/minicms/help/{c}.helpcmd"
        );
        input.push_str(&format!("HELP {c}\n"));
    }
    input.push_str("HELP NONSENSE\nLOGOFF\n");
    let out = default_session(&input);
    assert!(
        out.contains("Type HELP for a list of commands."),
        "the logon suggests HELP:\n{out}"
    );
    let r = replies(&out);
    assert_eq!(r.len(), 3 + commands.len(), "a reply a command:\n{out}");
    // HELP alone: a line for every command, the first line of its help text.
    for c in &commands {
        let first = &file_lines(&help.join(format!("{c}.helpcmd")))[0];
        assert!(first.starts_with(c.as_str()), "{c}: {first}");
        assert!(r[0].contains(first), "HELP does not list {c}:\n{out}");
    }
    assert_eq!(r[1], r[0], "? is HELP");
    // HELP name: the whole text, as the file has it.
    for (i, c) in commands.iter().enumerate() {
        let want = file_lines(&help.join(format!("{c}.helpcmd")));
        assert_eq!(r[2 + i], want, "HELP {c}:\n{out}");
    }
    // HELP nonsense: R6 HELP EXEC's message and return code 28.
    assert_eq!(r[2 + commands.len()], ["No help found for NONSENSE"]);
    assert!(
        out.contains("No help found for NONSENSE\nReady(00028);"),
        "{out}"
    );
    assert!(
        !out.lines().any(|l| l == "Unknown CP/CMS command"),
        "HELP and ? are MINICMS commands:\n{out}"
    );
}

#[test]
fn with_the_19d_help_lists_and_types_vm370s_help_files() {
    let Some(shared) = common::shared(&["shared_19D.cckd"]) else {
        return;
    };
    let t = common::with_19d(&shared);
    let direct = t.path().join("mini.direct");
    let input = "HELP\nACCESS 19D B\nHELP\nLISTFILE * HELPCMD B\nHELP DDR\n\
                 TYPE DDR HELPCMD B\nHELP LISTFILE\nHELP EDIT CHANGE\n\
                 TYPE CHANGE HELPEDT B\nHELP EDIT NOPE\nHELP LISTFILE FOO\n\
                 HELP A B C\nHELP DDR ( MORE\nTYPE DDR HELPCMD2 B\n\
                 HELP LISTFILE (ALL\nTYPE LISTFILE HELPCMD B\nTYPE LISTFILE HELPCMD2 B\n\
                 HELP NOPE (MORE\n#CP LOGOFF\n";
    let out = run(
        &[
            "--directory",
            &direct.to_string_lossy(),
            "--logon",
            "CMSUSER",
        ],
        input,
        t.path(),
    );
    let r = replies(&out);
    assert_eq!(r.len(), 18, "a reply a command:\n{out}");
    // Before the ACCESS: MINICMS's own commands only.
    assert!(
        !r[0].iter().any(|l| l.contains("VM/370 help files")),
        "{out}"
    );
    // After: the names of every HELPCMD file of the 19D, as LISTFILE finds them.
    let names: Vec<String> = r[3]
        .iter()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert!(
                w.len() == 3 && w[1] == "HELPCMD" && w[2].starts_with('B'),
                "{l}"
            );
            w[0].to_string()
        })
        .collect();
    assert!(names.len() > 100, "the 19D's HELPCMD files: {names:?}");
    let head = r[2]
        .iter()
        .position(|l| l == "VM/370 help files on disk B (19D); HELP name types one:")
        .unwrap_or_else(|| panic!("no VM/370 heading:\n{out}"));
    assert_eq!(&r[2][..head - 1], &r[0][..], "MINICMS's list comes first");
    let listed: Vec<String> = r[2][head + 1..]
        .iter()
        .flat_map(|l| l.split_whitespace().map(str::to_string))
        .collect();
    assert_eq!(listed, names);
    // HELP name with no MINICMS text of its own: the 19D's file, as TYPE shows it.
    // R6's HELP EXEC: BRIEF says when there is a second level (DDR HELPCMD2).
    assert!(r[4][0].starts_with("DDR "), "{out}");
    let mut brief = r[5].clone();
    brief.push("For more details, type HELP DDR ( MORE".to_string());
    assert_eq!(r[4], brief);
    // MINICMS's own text takes precedence over R6's LISTFILE HELPCMD.
    let own = file_lines(&minicms_dir().join("help/LISTFILE.helpcmd"));
    assert_eq!(r[6], own);
    // HELP EDIT subcommand: R6's HELPEDT file.
    assert!(r[7][0].starts_with("CHANGE "), "{out}");
    let mut brief = r[8].clone();
    brief.push("For more details, type HELP EDIT CHANGE ( MORE".to_string());
    assert_eq!(r[7], brief);
    // ( MORE: the second level; ( ALL: both, R6's even where MINICMS has its own text.
    assert!(r[13].len() > 3, "{out}");
    assert_eq!(r[12], r[13]);
    assert_eq!(r[14], [r[15].clone(), r[16].clone()].concat());
    assert_eq!(r[17], ["No more help found for NOPE"]);
    assert_eq!(r[9], ["No help found for EDIT NOPE"]);
    assert_eq!(r[10], ["FOO is not a valid topic for LISTFILE"]);
    assert_eq!(r[11], ["C is an invalid operand."]);
    assert!(
        out.contains("No help found for EDIT NOPE\nReady(00028);"),
        "{out}"
    );
    assert!(
        out.contains("C is an invalid operand.\nReady(00024);"),
        "{out}"
    );
}

#[test]
fn code_page_1047_shows_and_takes_square_brackets() {
    // Under 037 (the default) Ý and ¨ are X'AD' and X'BD'; under 1047 those bytes are
    // [ and ], and typing [ ] gives them. Two files: one typed under 037, one under 1047.
    let input = "EDIT OLD C A\nINPUT A\u{DD}1\u{A8} = 0;\nFILE\n\
                 SET CODEPAGE 1047\nEDIT NEW C A\nINPUT B[2] = 1;\nFILE\n\
                 TYPE OLD C A\nTYPE NEW C A\n\
                 SET CODEPAGE 037\nTYPE OLD C A\nTYPE NEW C A\n\
                 CP TERMINAL CODEPAGE 1047\nTYPE NEW C A\n\
                 CP TERMINAL CODEPAGE 500\nTYPE NEW C A\nCP QUERY TERMINAL\nLOGOFF\n";
    let out = default_session(input);
    let typed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("A") || l.starts_with("B"))
        .collect();
    assert_eq!(
        typed,
        [
            "A[1] = 0;",
            "B[2] = 1;",
            "A\u{DD}1\u{A8} = 0;",
            "B\u{DD}2\u{A8} = 1;",
            "B[2] = 1;",
            "B[2] = 1;",
        ],
        "{out}"
    );
    assert!(
        out.contains("DMKCFT002E INVALID OPERAND - 500"),
        "an unknown code page is refused and the setting kept:\n{out}"
    );
    assert!(out.contains("\nCODEPAGE 1047\n"), "QUERY TERMINAL:\n{out}");
}

#[test]
fn a_helpcmd_file_of_the_users_own_is_listed_and_typed() {
    let out = default_session(
        "EDIT MYTOOL HELPCMD A\nINPUT MYTOOL DOES MY THINGS.\nFILE\nHELP MYTOOL\nHELP\nLOGOFF\n",
    );
    let r = replies(&out);
    // r[0] is the editor's session.
    assert_eq!(r[1], ["MYTOOL DOES MY THINGS."], "{out}");
    let n = r[2].len();
    assert_eq!(
        &r[2][n - 2..],
        [
            "VM/370 help files on disk A (191); HELP name types one:",
            "MYTOOL"
        ],
        "{out}"
    );
}
