//! COPY: source members included in place of the COPY statement (HLASM Language
//! Reference, "COPY instruction"), before macro processing, so members may hold macro
//! definitions. Statements from a member carry its file name for messages.

use std::path::Path;
use std::rc::Rc;

use super::source::{self, is_sym_char, is_sym_start, Stmt};
use super::{Diagnostic, Library};

/// How deep COPY members may include further members (HLASM allows five levels).
pub const MAX_COPY_DEPTH: usize = 5;

/// Replaces every `COPY member` in `stmts` by the member's statements.
pub(crate) fn include(
    file: &str,
    stmts: Vec<Stmt>,
    library: &Library,
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    if !stmts
        .iter()
        .any(|s| !s.comment && s.op.as_ref().is_some_and(|o| o.0 == "COPY"))
    {
        return (stmts, Vec::new());
    }
    let mut out = Vec::with_capacity(stmts.len());
    let mut diags = Vec::new();
    let mut chain = Vec::new();
    splice(file, stmts, library, &mut chain, &mut out, &mut diags);
    (out, diags)
}

fn splice(
    file: &str,
    stmts: Vec<Stmt>,
    library: &Library,
    chain: &mut Vec<String>,
    out: &mut Vec<Stmt>,
    diags: &mut Vec<Diagnostic>,
) {
    for st in stmts {
        let Some((op, op_at)) = st.op.clone().filter(|_| !st.comment) else {
            out.push(st);
            continue;
        };
        if op != "COPY" {
            out.push(st);
            continue;
        }
        let mut error = |st: &Stmt, at: usize, message: String| {
            let (line, column) = st.at(at);
            diags.push(Diagnostic {
                file: st.file_name(file).to_string(),
                line,
                column,
                message,
            });
        };
        let (s, e) = st.operands;
        let name: String = st.chars[s..e]
            .iter()
            .collect::<String>()
            .to_ascii_uppercase();
        let mut listed = st.clone();
        listed.comment = true;
        out.push(listed);
        let valid = name.chars().next().is_some_and(is_sym_start)
            && name.chars().all(is_sym_char)
            && name.len() <= 63;
        if !valid {
            let at = if s < e { s } else { op_at };
            error(&st, at, "COPY requires a member name".to_string());
            continue;
        }
        if chain.contains(&name) {
            error(&st, s, format!("COPY member {name} includes itself"));
            continue;
        }
        if chain.len() >= MAX_COPY_DEPTH {
            error(
                &st,
                s,
                format!("COPY members nested more than {MAX_COPY_DEPTH} deep"),
            );
            continue;
        }
        let Some((path, text)) = library(&name) else {
            error(&st, s, format!("COPY member {name} not found"));
            continue;
        };
        let member: Rc<str> = path.into();
        let mut inner = source::statements(&text);
        for m in inner.iter_mut() {
            m.file = Some(member.clone());
        }
        chain.push(name);
        splice(file, inner, library, chain, out, diags);
        chain.pop();
    }
}

/// A COPY library in a directory: the member `NAME` is the first of `NAME`, `NAME.asm`,
/// `name.asm`, `NAME.copy`, `name.copy` that can be read.
pub(crate) fn from_directory(dir: &Path, member: &str) -> Option<(String, String)> {
    let lower = member.to_ascii_lowercase();
    let names = [
        member.to_string(),
        format!("{member}.asm"),
        format!("{lower}.asm"),
        format!("{member}.copy"),
        format!("{lower}.copy"),
    ];
    for n in names {
        let p = dir.join(&n);
        if let Ok(bytes) = std::fs::read(&p) {
            return Some((
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    None
}
