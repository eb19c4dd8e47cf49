//! Conditional assembly and source macros, done before the two assembly passes (HLASM
//! Language Reference SC26-4940, part 3 "Macro language" and chapter 9 "How to write
//! conditional assembly instructions").
//!
//! Supported: MACRO/MEND definitions in the source (prototype with a name-field parameter,
//! positional parameters and keyword parameters with defaults, sublists `(A,B)` with
//! `&P(n)` and `N'&P`), `&SYSNDX`, `&SYSLIST(n)`, `&SYSNEST`, `&SYSMAC`, `&SYSECT`;
//! LCLA/LCLB/LCLC,
//! GBLA/GBLB/GBLC (scalars and arrays), SETA/SETB/SETC (implicitly local when undeclared),
//! AIF (also the extended `AIF (c1).A,(c2).B`), AGO (also computed `AGO (n).A,.B`), ANOP,
//! ACTR, MEXIT, MNOTE; sequence symbols; substitution of `&var` in the name, operation and
//! operand fields of model statements with `.` for concatenation; nested macro calls.
//! Conditional assembly works in open code too. Attributes: `K'` (count), `N'` (number of
//! sublist items), `T'` (type: O omitted, N self-defining term, K character SET symbol, and
//! for an ordinary symbol the type of its definition, found by look-ahead in open code).
//!
//! Expansion is bounded: each macro invocation (and open code) may branch at most ACTR
//! times (4096 unless set by ACTR), calls nest at most [`MAX_DEPTH`] deep and the whole
//! expansion processes at most [`MAX_STEPS`] statements; going over is an error, never a hang.

use std::collections::HashMap;
use std::rc::Rc;

use s390_decoder::{parse_extended_mnemonic, Opcode};

use super::source::{self, is_attr_quote, is_sym_char, is_sym_start, split_operands, Stmt};
use super::{err, self_defining, Diagnostic, E};

/// How deep macro calls may nest.
pub const MAX_DEPTH: usize = 100;
/// Statements the expansion may process in all (conditional and model statements).
pub const MAX_STEPS: usize = 200_000;
/// The default ACTR: branches (AIF taken, AGO) allowed per macro invocation.
pub const DEFAULT_ACTR: i64 = 4096;
/// Characters the expansion may generate in all.
pub const MAX_OUT_CHARS: usize = 8 << 20;
/// Longest SETC value (HLASM's limit).
const MAX_SETC: usize = 4064;
/// Largest SET symbol subscript.
const MAX_SUBSCRIPT: i64 = 65535;

/// The result of expansion: the statements to assemble (with listing-only entries marked as
/// comments), errors, and MNOTE notes.
pub(crate) struct Expansion {
    pub stmts: Vec<Stmt>,
    pub diags: Vec<Diagnostic>,
    pub notes: Vec<Diagnostic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    A,
    B,
    C,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::A => "A",
            Kind::B => "B",
            Kind::C => "C",
        }
    }
}

/// A SET symbol: a scalar (subscript 0) or an array (subscripts from 1).
#[derive(Clone, Debug)]
struct Var {
    kind: Kind,
    array: bool,
    vals: HashMap<i64, Ev>,
}

impl Var {
    fn new(kind: Kind, array: bool) -> Var {
        Var {
            kind,
            array,
            vals: HashMap::new(),
        }
    }
    fn get(&self, k: i64) -> Ev {
        match self.vals.get(&k) {
            Some(v) => v.clone(),
            None => match self.kind {
                Kind::A | Kind::B => Ev::Num(0),
                Kind::C => Ev::Text(String::new()),
            },
        }
    }
}

/// A value in a conditional-assembly expression.
#[derive(Clone, Debug, PartialEq)]
enum Ev {
    /// Arithmetic (SETA, SETB, numbers, K', N').
    Num(i64),
    /// A quoted character string or a type attribute: compared as characters.
    Str(String),
    /// Text from a parameter or SETC symbol: a number where one is needed.
    Text(String),
}

impl Ev {
    fn text(&self) -> String {
        match self {
            // Outside arithmetic a SETA value is its absolute value in decimal (HLASM
            // Language Reference, "Using SETA symbols").
            Ev::Num(n) => n.unsigned_abs().to_string(),
            Ev::Str(s) | Ev::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug)]
struct MacroDef {
    name: String,
    name_param: Option<String>,
    positional: Vec<String>,
    keywords: Vec<(String, String)>,
    body: Vec<Stmt>,
    seq: HashMap<String, usize>,
}

struct Frame {
    mac: Option<Rc<MacroDef>>,
    params: HashMap<String, String>,
    /// `&SYSLIST`: [0] the name field, then the positional operands.
    syslist: Vec<String>,
    locals: HashMap<String, Var>,
    globals: Vec<String>,
    sysndx: u32,
    actr: i64,
    ctx: Option<Rc<str>>,
}

enum Flow {
    Next,
    Jump(usize),
    Exit,
}

struct Expander<'f> {
    file: &'f str,
    macros: HashMap<String, Rc<MacroDef>>,
    globals: HashMap<String, Var>,
    frames: Vec<Frame>,
    out: Vec<Stmt>,
    diags: Vec<Diagnostic>,
    notes: Vec<Diagnostic>,
    sysndx: u32,
    steps: usize,
    abort: bool,
    /// Type attributes of ordinary symbols, by look-ahead over open code.
    types: HashMap<String, char>,
    /// Sequence symbols of open code.
    open_seq: HashMap<String, usize>,
    /// Current expression nesting.
    nesting: u32,
    /// Characters generated so far.
    out_chars: usize,
    /// `&SYSECT`: the section of the last CSECT, START or DSECT.
    sysect: String,
}

/// Whether `op` is a macro-definition or conditional-assembly operation (handled here, never
/// by the two passes).
pub(super) fn is_conditional(op: &str) -> bool {
    matches!(
        op,
        "MACRO"
            | "MEND"
            | "AIF"
            | "AGO"
            | "ANOP"
            | "ACTR"
            | "SETA"
            | "SETB"
            | "SETC"
            | "LCLA"
            | "LCLB"
            | "LCLC"
            | "GBLA"
            | "GBLB"
            | "GBLC"
            | "MEXIT"
            | "MNOTE"
    )
}

/// Whether anything in `stmts` needs the macro processor.
fn needed(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| !s.comment && s.chars.contains(&'&'))
        || stmts
            .iter()
            .any(|s| s.op.as_ref().is_some_and(|(o, _)| is_conditional(o)))
}

/// Expands macros and conditional assembly in `stmts`.
pub(crate) fn expand(file: &str, stmts: Vec<Stmt>) -> Expansion {
    if !needed(&stmts) {
        return Expansion {
            stmts,
            diags: Vec::new(),
            notes: Vec::new(),
        };
    }
    let mut x = Expander {
        file,
        macros: HashMap::new(),
        globals: HashMap::new(),
        frames: vec![Frame {
            mac: None,
            params: HashMap::new(),
            syslist: Vec::new(),
            locals: HashMap::new(),
            globals: Vec::new(),
            sysndx: 0,
            actr: DEFAULT_ACTR,
            ctx: None,
        }],
        out: Vec::with_capacity(stmts.len()),
        diags: Vec::new(),
        notes: Vec::new(),
        sysndx: 0,
        steps: 0,
        abort: false,
        types: look_ahead(&stmts),
        open_seq: HashMap::new(),
        nesting: 0,
        out_chars: 0,
        sysect: String::new(),
    };
    x.open_seq = x.open_code_sequence_symbols(&stmts);
    x.run_body(&stmts);
    Expansion {
        stmts: x.out,
        diags: x.diags,
        notes: x.notes,
    }
}

/// Type attributes of the symbols defined in open code (HLASM "lookahead").
fn look_ahead(stmts: &[Stmt]) -> HashMap<String, char> {
    let mut out = HashMap::new();
    for st in stmts {
        let (Some((name, _)), Some((op, _))) = (&st.name, &st.op) else {
            continue;
        };
        if st.comment || !name.chars().next().is_some_and(is_sym_start) {
            continue;
        }
        let t = match op.as_str() {
            "DC" | "DS" => {
                let (s, e) = st.operands;
                let first: String = st.chars[s.min(e)..e].iter().collect();
                first
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .chars()
                    .next()
                    .filter(char::is_ascii_alphabetic)
                    .map_or('U', |c| c.to_ascii_uppercase())
            }
            "CSECT" | "START" | "DSECT" => 'J',
            "EQU" => 'U',
            _ if Opcode::from_mnemonic(op).is_some() || parse_extended_mnemonic(op).is_some() => {
                'I'
            }
            _ => 'M',
        };
        out.entry(name.to_ascii_uppercase()).or_insert(t);
    }
    out
}

/// `&NAME` at `c[i]` (the ampersand): the upper-case name and the index after it.
fn var_name(c: &[char], i: usize, end: usize) -> Option<(String, usize)> {
    if c.get(i) != Some(&'&') || i + 1 >= end || !is_sym_start(c[i + 1]) {
        return None;
    }
    let mut j = i + 1;
    while j < end && is_sym_char(c[j]) {
        j += 1;
    }
    Some((
        c[i + 1..j].iter().collect::<String>().to_ascii_uppercase(),
        j,
    ))
}

/// The items of a sublist `(A,B,C)`, or None when `v` is not one.
fn sublist(v: &str) -> Option<Vec<String>> {
    let c: Vec<char> = v.chars().collect();
    if c.first() != Some(&'(') || c.last() != Some(&')') || c.len() < 2 {
        return None;
    }
    // The opening parenthesis must close at the very end.
    let mut depth = 0;
    let mut quote = false;
    for (i, &ch) in c.iter().enumerate() {
        match ch {
            '\'' if quote || !is_attr_quote(&c, i) => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => {
                depth -= 1;
                if depth == 0 && i + 1 != c.len() {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(
        split_operands(&c, 1, c.len() - 1)
            .into_iter()
            .map(|(s, e)| c[s..e].iter().collect())
            .collect(),
    )
}

/// Whether `s` is a self-defining term (decimal, X'..', B'..', C'..').
fn self_defining_value(s: &str) -> Option<i64> {
    let c: Vec<char> = s.chars().collect();
    if !c.is_empty() && c.iter().all(|c| c.is_ascii_digit()) {
        return s.parse::<i64>().ok().filter(|v| *v <= i32::MAX as i64);
    }
    if c.len() >= 3 && c[1] == '\'' && *c.last()? == '\'' {
        let kind = c[0].to_ascii_uppercase();
        if !matches!(kind, 'X' | 'B' | 'C') {
            return None;
        }
        let mut inner = Vec::new();
        let mut i = 2;
        while i + 1 < c.len() {
            if c[i] == '\'' {
                if c.get(i + 1) == Some(&'\'') && i + 2 < c.len() {
                    i += 1;
                } else {
                    return None;
                }
            }
            inner.push((c[i], i));
            i += 1;
        }
        return self_defining(kind, &inner, 0).ok();
    }
    None
}

/// EBCDIC collating order for character comparisons.
fn ebcdic_key(s: &str) -> Vec<u16> {
    s.chars()
        .map(|c| super::dc::ebcdic(c).map_or(0x100 + (c as u32 & 0xFF) as u16, u16::from))
        .collect()
}

fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    // The shorter string is always the lower (HLASM "Character relations").
    a.chars()
        .count()
        .cmp(&b.chars().count())
        .then_with(|| ebcdic_key(a).cmp(&ebcdic_key(b)))
}

/// A cursor over a conditional-assembly operand.
struct Cur<'s> {
    c: &'s [char],
    i: usize,
    end: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<char> {
        (self.i < self.end).then(|| self.c[self.i])
    }
    fn peek_at(&self, k: usize) -> Option<char> {
        (self.i + k < self.end).then(|| self.c[self.i + k])
    }
    fn skip_blanks(&mut self) {
        while self.peek() == Some(' ') {
            self.i += 1;
        }
    }
    fn eat(&mut self, ch: char) -> bool {
        if self.peek() == Some(ch) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, ch: char) -> Result<(), E> {
        if self.eat(ch) {
            return Ok(());
        }
        match self.peek() {
            Some(c) => err(self.i, format!("expected '{ch}', found '{c}'")),
            None => err(self.i, format!("expected '{ch}'")),
        }
    }
    /// A word of letters (an operator such as EQ or AND), not consumed.
    fn word(&self) -> Option<String> {
        let mut j = self.i;
        while j < self.end && self.c[j].is_ascii_alphabetic() {
            j += 1;
        }
        if j == self.i || (j < self.end && is_sym_char(self.c[j])) {
            return None;
        }
        Some(
            self.c[self.i..j]
                .iter()
                .collect::<String>()
                .to_ascii_uppercase(),
        )
    }
}

fn check_i32(v: i64, at: usize) -> Result<i64, E> {
    if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        Ok(v)
    } else {
        err(
            at,
            "arithmetic overflow in a conditional-assembly expression",
        )
    }
}

impl Expander<'_> {
    fn frame(&self) -> &Frame {
        self.frames.last().expect("open code frame")
    }
    fn frame_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("open code frame")
    }

    fn diag(&mut self, st: &Stmt, e: E) {
        let (line, column) = st.at(e.at);
        let mut message = e.msg;
        if let Some(c) = st.ctx.as_ref().or(self.frame().ctx.as_ref()) {
            message = format!("{message} ({c})");
        }
        self.diags.push(Diagnostic {
            file: st.file_name(self.file).to_string(),
            line,
            column,
            message,
        });
    }

    /// Lists a statement without assembling it.
    fn list_only(&mut self, st: &Stmt) {
        let mut s = st.clone();
        s.comment = true;
        self.out.push(s);
    }

    fn open_code_sequence_symbols(&mut self, stmts: &[Stmt]) -> HashMap<String, usize> {
        let mut seq = HashMap::new();
        let mut depth = 0usize;
        for (i, st) in stmts.iter().enumerate() {
            if st.comment {
                continue;
            }
            let op = st.op.as_ref().map_or("", |o| o.0.as_str());
            if op == "MACRO" {
                depth += 1;
                continue;
            }
            if op == "MEND" {
                depth = depth.saturating_sub(1);
                continue;
            }
            if depth > 0 {
                continue;
            }
            self.sequence_symbol(st, i, &mut seq);
        }
        seq
    }

    fn sequence_symbol(&mut self, st: &Stmt, i: usize, seq: &mut HashMap<String, usize>) {
        if let Some((n, at)) = &st.name {
            if let Some(rest) = n.strip_prefix('.') {
                let valid =
                    rest.chars().next().is_some_and(is_sym_start) && rest.chars().all(is_sym_char);
                if !valid {
                    let e = E {
                        at: *at,
                        msg: format!("invalid sequence symbol '{n}'"),
                        undefined: false,
                    };
                    self.diag(st, e);
                    return;
                }
                let up = n.to_ascii_uppercase();
                if let std::collections::hash_map::Entry::Vacant(v) = seq.entry(up.clone()) {
                    v.insert(i);
                } else {
                    let e = E {
                        at: *at,
                        msg: format!("sequence symbol {up} is already defined"),
                        undefined: false,
                    };
                    self.diag(st, e);
                }
            }
        }
    }

    /// Runs open code or a macro body.
    fn run_body(&mut self, body: &[Stmt]) {
        let open = self.frames.len() == 1;
        let mut i = 0;
        while i < body.len() && !self.abort {
            let st = &body[i];
            i += 1;
            self.steps += 1;
            if self.steps > MAX_STEPS {
                let e = E {
                    at: 0,
                    msg: format!(
                        "conditional assembly and macro expansion went over {MAX_STEPS} statements (endless loop?)"
                    ),
                    undefined: false,
                };
                self.diag(st, e);
                self.abort = true;
                return;
            }
            if st.comment {
                if open {
                    self.out.push(st.clone());
                }
                continue;
            }
            let op = st.op.as_ref().map_or(String::new(), |o| o.0.clone());
            let conditional = is_conditional(&op);
            if !conditional {
                self.model(st);
                continue;
            }
            if open && op != "MACRO" {
                self.list_only(st);
            }
            let flow = match op.as_str() {
                "MACRO" => {
                    let end = matching_mend(body, i - 1);
                    if open {
                        for s in &body[i - 1..end.map_or(body.len(), |e| e + 1)] {
                            self.list_only(s);
                        }
                        self.define(body, i - 1, end);
                    } else {
                        let op_at = st.op.as_ref().map_or(0, |o| o.1);
                        self.diag(
                            st,
                            E {
                                at: op_at,
                                msg: "a macro definition inside a macro is not supported".into(),
                                undefined: false,
                            },
                        );
                    }
                    i = end.map_or(body.len(), |e| e + 1);
                    Ok(Flow::Next)
                }
                "MEND" => err(st.op.as_ref().map_or(0, |o| o.1), "MEND without MACRO"),
                _ => self.conditional(st, &op),
            };
            match flow {
                Ok(Flow::Next) => {}
                Ok(Flow::Exit) => return,
                Ok(Flow::Jump(to)) => {
                    let f = self.frame_mut();
                    f.actr -= 1;
                    if f.actr < 0 {
                        let e = E {
                            at: st.op.as_ref().map_or(0, |o| o.1),
                            msg: "ACTR branch limit reached (endless loop?); expansion stopped"
                                .into(),
                            undefined: false,
                        };
                        self.diag(st, e);
                        if open {
                            self.abort = true;
                        }
                        return;
                    }
                    i = to;
                }
                Err(e) => self.diag(st, e),
            }
        }
    }

    /// A conditional-assembly statement other than MACRO/MEND.
    fn conditional(&mut self, st: &Stmt, op: &str) -> Result<Flow, E> {
        let op_at = st.op.as_ref().map_or(0, |o| o.1);
        let (os, oe) = st.operands;
        let ops = split_operands(&st.chars, os, oe);
        match op {
            "ANOP" => Ok(Flow::Next),
            "MEXIT" => {
                if self.frames.len() == 1 {
                    return err(op_at, "MEXIT outside a macro");
                }
                Ok(Flow::Exit)
            }
            "ACTR" => {
                let Some(&(s, e)) = ops.first() else {
                    return err(op_at, "ACTR requires an operand");
                };
                let v = self.arith(st, s, e)?;
                self.frame_mut().actr = v;
                Ok(Flow::Next)
            }
            "LCLA" | "LCLB" | "LCLC" | "GBLA" | "GBLB" | "GBLC" => {
                let kind = match &op[3..] {
                    "A" => Kind::A,
                    "B" => Kind::B,
                    _ => Kind::C,
                };
                let global = op.starts_with('G');
                if ops.is_empty() {
                    return err(op_at, format!("{op} requires an operand"));
                }
                for (s, e) in ops {
                    self.declare(st, s, e, kind, global)?;
                }
                Ok(Flow::Next)
            }
            "SETA" | "SETB" | "SETC" => {
                let kind = match op {
                    "SETA" => Kind::A,
                    "SETB" => Kind::B,
                    _ => Kind::C,
                };
                self.set(st, kind, &ops, op_at)?;
                Ok(Flow::Next)
            }
            "AIF" => {
                if ops.is_empty() {
                    return err(op_at, "AIF requires an operand");
                }
                for (s, e) in ops {
                    let mut p = Cur {
                        c: &st.chars,
                        i: s,
                        end: e,
                    };
                    if p.peek() != Some('(') {
                        return err(s, "AIF requires a parenthesized condition: AIF (cond).SEQ");
                    }
                    p.i += 1;
                    p.skip_blanks();
                    let v = self.lexpr(st, &mut p)?;
                    p.skip_blanks();
                    p.expect(')')?;
                    let target = self.seq_target(st, &mut p)?;
                    if self.truth(&v, s)? {
                        return Ok(Flow::Jump(target));
                    }
                }
                Ok(Flow::Next)
            }
            "AGO" => {
                let Some(&(s, e)) = ops.first() else {
                    return err(op_at, "AGO requires a sequence symbol");
                };
                let mut p = Cur {
                    c: &st.chars,
                    i: s,
                    end: e,
                };
                if p.peek() == Some('(') {
                    // Computed AGO: (n).S1,.S2,... goes to the n-th symbol, else on.
                    p.i += 1;
                    p.skip_blanks();
                    let v = self.expr(st, &mut p)?;
                    let n = self.num(&v, s)?;
                    p.skip_blanks();
                    p.expect(')')?;
                    let mut targets = vec![self.seq_target(st, &mut p)?];
                    for &(s2, e2) in &ops[1..] {
                        let mut q = Cur {
                            c: &st.chars,
                            i: s2,
                            end: e2,
                        };
                        targets.push(self.seq_target(st, &mut q)?);
                    }
                    return Ok(match usize::try_from(n) {
                        Ok(k) if (1..=targets.len()).contains(&k) => Flow::Jump(targets[k - 1]),
                        _ => Flow::Next,
                    });
                }
                if ops.len() > 1 {
                    return err(ops[1].0, "AGO takes one sequence symbol");
                }
                Ok(Flow::Jump(self.seq_target(st, &mut p)?))
            }
            "MNOTE" => {
                self.mnote(st, &ops, op_at)?;
                Ok(Flow::Next)
            }
            _ => err(op_at, format!("{op} is not supported")),
        }
    }

    /// `.SEQ` at the cursor (to the end of the operand): its index in the current body.
    fn seq_target(&mut self, st: &Stmt, p: &mut Cur) -> Result<usize, E> {
        let at = p.i;
        if !p.eat('.') {
            return err(at, "expected a sequence symbol (.NAME)");
        }
        let s = p.i;
        while p.peek().is_some_and(is_sym_char) {
            p.i += 1;
        }
        if p.i == s || !is_sym_start(st.chars[s]) || p.i != p.end {
            return err(at, "invalid sequence symbol");
        }
        let name: String = st.chars[at..p.i].iter().collect::<String>();
        let name = name.to_ascii_uppercase();
        let found = match &self.frame().mac {
            Some(m) => m.seq.get(&name).copied(),
            None => self.open_seq.get(&name).copied(),
        };
        match found {
            Some(i) => Ok(i),
            None => err(at, format!("undefined sequence symbol {name}")),
        }
    }
}

/// Index of the MEND closing the MACRO at `start`.
fn matching_mend(body: &[Stmt], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, st) in body.iter().enumerate().skip(start) {
        if st.comment {
            continue;
        }
        match st.op.as_ref().map(|o| o.0.as_str()) {
            Some("MACRO") => depth += 1,
            Some("MEND") => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What an attribute reference `K'&X`, `N'&X`, `T'&X` refers to.
enum Target {
    /// A parameter, `&SYSLIST(n)` or `&SYSNDX`: text.
    Text(String),
    /// `&SYSLIST` or a SET symbol array without subscript: the number of items, the name.
    List(usize, String),
    /// A SET symbol (or an element of one).
    Set(Kind, Ev, Option<usize>),
}

impl Expander<'_> {
    // ---- definitions and calls ----------------------------------------------------------

    /// Records the macro defined by `body[start..=end]` (MACRO at `start`, MEND at `end`).
    fn define(&mut self, body: &[Stmt], start: usize, end: Option<usize>) {
        let mac_st = &body[start];
        let mac_at = mac_st.op.as_ref().map_or(0, |o| o.1);
        let Some(end) = end else {
            self.diag(
                mac_st,
                E {
                    at: mac_at,
                    msg: "MACRO without MEND".into(),
                    undefined: false,
                },
            );
            return;
        };
        let Some(proto_i) = (start + 1..end).find(|&i| !body[i].comment) else {
            self.diag(
                mac_st,
                E {
                    at: mac_at,
                    msg: "macro definition without a prototype statement".into(),
                    undefined: false,
                },
            );
            return;
        };
        let proto = &body[proto_i];
        match self.prototype(proto, &body[proto_i + 1..end], &body[end]) {
            Ok(def) => {
                self.macros.insert(def.name.clone(), Rc::new(def));
            }
            Err(e) => self.diag(proto, e),
        }
    }

    fn prototype(&mut self, proto: &Stmt, body: &[Stmt], mend: &Stmt) -> Result<MacroDef, E> {
        let Some((name, op_at)) = proto.op.clone() else {
            return err(0, "prototype statement without a macro name");
        };
        let valid = name.chars().next().is_some_and(is_sym_start)
            && name.chars().all(is_sym_char)
            && name.len() <= 63;
        if !valid || is_conditional(&name) {
            return err(op_at, format!("invalid macro name '{name}'"));
        }
        let mut all: Vec<String> = Vec::new();
        let mut check = |n: &str, at: usize| -> Result<String, E> {
            let c: Vec<char> = n.chars().collect();
            match var_name(&c, 0, c.len()) {
                Some((v, j)) if j == c.len() => {
                    if v.starts_with("SYS") {
                        return err(at, format!("&{v}: parameter names must not begin with SYS"));
                    }
                    if all.contains(&v) {
                        return err(at, format!("parameter &{v} is defined twice"));
                    }
                    all.push(v.clone());
                    Ok(v)
                }
                _ => err(at, format!("invalid parameter '{n}'")),
            }
        };
        let name_param = match &proto.name {
            Some((n, at)) => Some(check(n, *at)?),
            None => None,
        };
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        let (os, oe) = proto.operands;
        for (s, e) in split_operands(&proto.chars, os, oe) {
            let text: String = proto.chars[s..e].iter().collect();
            match text.find('=') {
                Some(eq) => {
                    let k = check(&text[..eq], s)?;
                    keywords.push((k, text[eq + 1..].to_string()));
                }
                None => positional.push(check(&text, s)?),
            }
        }
        let mut seq = HashMap::new();
        for (i, st) in body.iter().enumerate() {
            if !st.comment {
                self.sequence_symbol(st, i, &mut seq);
            }
        }
        self.sequence_symbol(mend, body.len(), &mut seq);
        Ok(MacroDef {
            name,
            name_param,
            positional,
            keywords,
            body: body.to_vec(),
            seq,
        })
    }

    /// A model statement (or an ordinary open-code statement): substituted, then a macro
    /// call or a statement to assemble.
    fn model(&mut self, st: &Stmt) {
        let g = match self.substitute(st) {
            Ok(g) => g,
            Err(e) => {
                self.diag(st, e);
                return;
            }
        };
        if g.comment {
            return;
        }
        if g.generated {
            self.out_chars += g.chars.len();
            if self.out_chars > MAX_OUT_CHARS {
                let e = E {
                    at: 0,
                    msg: format!("macro expansion generated more than {MAX_OUT_CHARS} characters"),
                    undefined: false,
                };
                self.diag(st, e);
                self.abort = true;
                return;
            }
        }
        let op = g.op.as_ref().map(|o| o.0.clone()).unwrap_or_default();
        if let Some(def) = self.macros.get(&op).cloned() {
            self.call(&g, def);
        } else {
            if matches!(op.as_str(), "CSECT" | "START" | "DSECT") {
                self.sysect = g
                    .name
                    .as_ref()
                    .map_or(String::new(), |n| n.0.to_ascii_uppercase());
            }
            self.out.push(g);
        }
    }

    /// Substitutes the variable symbols in the name, operation and operand fields.
    fn substitute(&mut self, st: &Stmt) -> Result<Stmt, E> {
        let in_macro = self.frames.len() > 1;
        let op_end = st.op.as_ref().map_or(0, |(o, at)| at + o.chars().count());
        // After an operation without operands the rest of the line is remarks.
        let no_operands = st.op.as_ref().is_some_and(|(o, _)| {
            matches!(o.as_str(), "LTORG" | "EJECT" | "CSECT" | "DSECT")
                || Opcode::from_mnemonic(o).is_some_and(|x| x.info().operands.is_empty())
        });
        let end = if no_operands {
            op_end
        } else {
            st.operands.1.max(op_end)
        }
        .min(st.chars.len());
        let seq_name = st.name.as_ref().is_some_and(|(n, _)| n.starts_with('.'));
        if !in_macro && !seq_name && !st.chars[..end].contains(&'&') {
            return Ok(st.clone());
        }
        let mut chars = Vec::with_capacity(st.chars.len());
        let mut pos = source::Positions::with_capacity(st.chars.len());
        let name_len = match (&st.name, seq_name) {
            (Some((n, _)), true) => n.chars().count(),
            _ => 0,
        };
        let mut p = Cur {
            c: &st.chars,
            i: 0,
            end,
        };
        while let Some(ch) = p.peek() {
            let at = p.i;
            if at < name_len {
                chars.push(' ');
                pos.push(st.at(at));
                p.i += 1;
                continue;
            }
            if ch == '&' {
                if p.peek_at(1) == Some('&') {
                    chars.extend(['&', '&']);
                    pos.push(st.at(at));
                    pos.push(st.at(at + 1));
                    p.i += 2;
                    continue;
                }
                let v = self.var_ref(st, &mut p)?.text();
                p.eat('.');
                if chars.len() + v.len() > 4 * MAX_SETC {
                    return err(at, "statement too long after substitution");
                }
                for c in v.chars() {
                    chars.push(c);
                    pos.push(st.at(at));
                }
                // In the name and operation fields, keep the next field in its column
                // when the blanks allow it (as HLASM lists generated statements).
                if at < st.operands.0 && p.peek() == Some(' ') {
                    let written = p.i - at;
                    let got = v.chars().count();
                    if got < written {
                        chars.extend(std::iter::repeat_n(' ', written - got));
                        for _ in got..written {
                            pos.push(st.at(at));
                        }
                    } else {
                        let mut extra = got - written;
                        while extra > 0 && p.peek() == Some(' ') && p.peek_at(1) == Some(' ') {
                            p.i += 1;
                            extra -= 1;
                        }
                    }
                }
                continue;
            }
            chars.push(ch);
            pos.push(st.at(at));
            p.i += 1;
        }
        chars.extend_from_slice(&st.chars[end..]);
        for i in end..st.pos.len() {
            pos.push(st.at(i));
        }
        let text: String = chars.iter().collect();
        let g = Stmt {
            chars,
            pos,
            line: st.line,
            text: if in_macro {
                Rc::from(text.trim_end())
            } else {
                st.text.clone()
            },
            comment: false,
            name: None,
            op: None,
            operands: (0, 0),
            ctx: if in_macro {
                self.frame().ctx.clone()
            } else {
                st.ctx.clone()
            },
            generated: in_macro,
            file: st.file.clone(),
        };
        Ok(source::finish(g))
    }

    /// Expands a call of `def` written as `st` (already substituted).
    fn call(&mut self, st: &Stmt, def: Rc<MacroDef>) {
        self.list_only(st);
        let op_at = st.op.as_ref().map_or(0, |o| o.1);
        if self.frames.len() > MAX_DEPTH {
            self.diag(
                st,
                E {
                    at: op_at,
                    msg: format!(
                        "macro calls nested more than {MAX_DEPTH} deep (endless recursion?)"
                    ),
                    undefined: false,
                },
            );
            self.abort = true;
            return;
        }
        let mut params = HashMap::new();
        let mut syslist = vec![st.name.as_ref().map_or(String::new(), |n| n.0.clone())];
        let mut given: HashMap<String, String> = HashMap::new();
        let (os, oe) = st.operands;
        for (s, e) in split_operands(&st.chars, os, oe) {
            let text: String = st.chars[s..e].iter().collect();
            let mut j = s;
            while j < e && is_sym_char(st.chars[j]) {
                j += 1;
            }
            if j > s && j < e && st.chars[j] == '=' && is_sym_start(st.chars[s]) {
                let key = st.chars[s..j]
                    .iter()
                    .collect::<String>()
                    .to_ascii_uppercase();
                if !def.keywords.iter().any(|(k, _)| *k == key) {
                    // HLASM ASMA017W: an undefined keyword is a positional operand.
                    let (line, column) = st.at(s);
                    let ctx = st.ctx.as_ref().map_or(String::new(), |c| format!(" ({c})"));
                    self.notes.push(Diagnostic {
                        file: st.file_name(self.file).to_string(),
                        line,
                        column,
                        message: format!(
                            "macro {} has no keyword parameter &{key}; {text} is a positional operand{ctx}",
                            def.name
                        ),
                    });
                    syslist.push(text);
                    continue;
                }
                if given.contains_key(&key) {
                    let e = E {
                        at: s,
                        msg: format!("keyword parameter &{key} is given twice"),
                        undefined: false,
                    };
                    self.diag(st, e);
                    continue;
                }
                given.insert(key, st.chars[j + 1..e].iter().collect());
            } else {
                syslist.push(text);
            }
        }
        for (k, name) in def.positional.iter().enumerate() {
            params.insert(
                name.clone(),
                syslist.get(k + 1).cloned().unwrap_or_default(),
            );
        }
        for (k, default) in &def.keywords {
            let v = given.remove(k).unwrap_or_else(|| default.clone());
            params.insert(k.clone(), v);
        }
        if let Some(n) = &def.name_param {
            params.insert(n.clone(), syslist[0].clone());
        }
        self.sysndx += 1;
        let line = match &st.file {
            Some(f) => format!("{f}:{}", st.at(op_at).0),
            None => st.at(op_at).0.to_string(),
        };
        // The call chain, innermost first; deep chains keep the two innermost and the
        // outermost call.
        let ctx: Rc<str> = match &st.ctx {
            Some(parent) => {
                let items: Vec<&str> = parent.split(", in macro ").collect();
                let parent = if items.len() > 2 {
                    format!(
                        "{}, in macro {}, ..., in macro {}",
                        items[0],
                        items[1],
                        items[items.len() - 1]
                    )
                } else {
                    parent.to_string()
                };
                format!("in macro {} called at line {line}, {parent}", def.name)
            }
            None => format!("in macro {} called at line {line}", def.name),
        }
        .into();
        self.frames.push(Frame {
            mac: Some(def.clone()),
            params,
            syslist,
            locals: HashMap::new(),
            globals: Vec::new(),
            sysndx: self.sysndx,
            actr: DEFAULT_ACTR,
            ctx: Some(ctx),
        });
        self.run_body(&def.body);
        self.frames.pop();
    }

    // ---- SET symbols --------------------------------------------------------------------

    fn declare(
        &mut self,
        st: &Stmt,
        s: usize,
        e: usize,
        kind: Kind,
        global: bool,
    ) -> Result<(), E> {
        let Some((name, j)) = var_name(&st.chars, s, e) else {
            return err(s, "expected a variable symbol (&NAME)");
        };
        let mut p = Cur {
            c: &st.chars,
            i: j,
            end: e,
        };
        let array = if p.eat('(') {
            let v = self.expr(st, &mut p)?;
            let n = self.num(&v, j)?;
            p.expect(')')?;
            if !(1..=MAX_SUBSCRIPT).contains(&n) {
                return err(j, format!("dimension {n} is outside 1-{MAX_SUBSCRIPT}"));
            }
            true
        } else {
            false
        };
        if p.i != e {
            return err(p.i, format!("unexpected '{}'", st.chars[p.i]));
        }
        if name.starts_with("SYS") {
            return err(s, format!("&{name} is a system variable symbol"));
        }
        let f = self.frame();
        if f.params.contains_key(&name) {
            return err(s, format!("&{name} is a parameter"));
        }
        if f.locals.contains_key(&name) || f.globals.contains(&name) {
            return err(s, format!("&{name} is already declared"));
        }
        if global {
            match self.globals.get(&name) {
                Some(v) if v.kind != kind || v.array != array => {
                    return err(
                        s,
                        format!(
                            "&{name} is already declared as GBL{}{}",
                            v.kind.name(),
                            if v.array { " array" } else { "" }
                        ),
                    )
                }
                Some(_) => {}
                None => {
                    self.globals.insert(name.clone(), Var::new(kind, array));
                }
            }
            self.frame_mut().globals.push(name);
        } else {
            self.frame_mut().locals.insert(name, Var::new(kind, array));
        }
        Ok(())
    }

    fn var(&self, name: &str) -> Option<&Var> {
        let f = self.frame();
        match f.locals.get(name) {
            Some(v) => Some(v),
            None if f.globals.iter().any(|g| g == name) => self.globals.get(name),
            None => None,
        }
    }

    fn var_mut(&mut self, name: &str) -> Option<&mut Var> {
        let f = self.frames.last_mut().expect("open code frame");
        if f.locals.contains_key(name) {
            return f.locals.get_mut(name);
        }
        if f.globals.iter().any(|g| g == name) {
            return self.globals.get_mut(name);
        }
        None
    }

    fn set(
        &mut self,
        st: &Stmt,
        kind: Kind,
        ops: &[(usize, usize)],
        op_at: usize,
    ) -> Result<(), E> {
        let setop = format!("SET{}", kind.name());
        let Some((n, nat)) = st.name.clone() else {
            return err(
                op_at,
                format!("{setop} requires a variable symbol in the name field"),
            );
        };
        let nend = nat + n.chars().count();
        let Some((name, j)) = var_name(&st.chars, nat, nend) else {
            return err(
                nat,
                format!("{setop} requires a variable symbol in the name field"),
            );
        };
        let mut p = Cur {
            c: &st.chars,
            i: j,
            end: nend,
        };
        let sub = if p.eat('(') {
            let v = self.expr(st, &mut p)?;
            let k = self.num(&v, j)?;
            p.expect(')')?;
            if !(1..=MAX_SUBSCRIPT).contains(&k) {
                return err(j, format!("subscript {k} is outside 1-{MAX_SUBSCRIPT}"));
            }
            Some(k)
        } else {
            None
        };
        if p.i != nend {
            return err(p.i, format!("unexpected '{}'", st.chars[p.i]));
        }
        if name.starts_with("SYS") {
            return err(
                nat,
                format!("&{name} is a system variable symbol and cannot be set"),
            );
        }
        if self.frame().params.contains_key(&name) {
            return err(nat, format!("&{name} is a parameter and cannot be set"));
        }
        if ops.is_empty() {
            return err(op_at, format!("{setop} requires an operand"));
        }
        if self.var(&name).is_none() {
            // An undeclared SET symbol is an implicitly declared local one.
            self.frame_mut()
                .locals
                .insert(name.clone(), Var::new(kind, sub.is_some()));
        }
        let mut vals = Vec::new();
        for &(s, e) in ops {
            let mut q = Cur {
                c: &st.chars,
                i: s,
                end: e,
            };
            if q.i >= q.end {
                return err(s, "missing operand");
            }
            let v = self.lexpr(st, &mut q)?;
            if q.i != e {
                return err(q.i, format!("unexpected '{}'", st.chars[q.i]));
            }
            vals.push(match kind {
                Kind::A => Ev::Num(check_i32(self.num(&v, s)?, s)?),
                Kind::B => Ev::Num(self.truth(&v, s)? as i64),
                Kind::C => {
                    let t = v.text();
                    if t.chars().count() > MAX_SETC {
                        return err(s, format!("character value longer than {MAX_SETC}"));
                    }
                    Ev::Text(t)
                }
            });
        }
        let Some(var) = self.var_mut(&name) else {
            return err(nat, format!("undefined variable symbol &{name}"));
        };
        if var.kind != kind {
            return err(
                nat,
                format!("&{name} is a SET{} symbol, not {setop}", var.kind.name()),
            );
        }
        if var.array != sub.is_some() {
            return err(
                nat,
                if var.array {
                    format!("&{name} is an array: a subscript is required")
                } else {
                    format!("&{name} is not an array")
                },
            );
        }
        if !var.array && vals.len() > 1 {
            return err(ops[1].0, format!("{setop} of a scalar takes one operand"));
        }
        let first = sub.unwrap_or(0);
        for (k, v) in vals.into_iter().enumerate() {
            let idx = first + k as i64;
            if var.array && idx > MAX_SUBSCRIPT {
                return err(
                    op_at,
                    format!("subscript {idx} is outside 1-{MAX_SUBSCRIPT}"),
                );
            }
            var.vals.insert(idx, v);
        }
        Ok(())
    }

    /// `&NAME[(subscript)]` at the cursor: its value.
    fn var_ref(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        match self.var_target(st, p)? {
            (_, Target::Text(t)) => Ok(Ev::Text(t)),
            (_, Target::Set(_, v, _)) => Ok(v),
            (at, Target::List(_, name)) => err(at, format!("&{name} requires a subscript")),
        }
    }

    fn var_target(&mut self, st: &Stmt, p: &mut Cur) -> Result<(usize, Target), E> {
        let at = p.i;
        let Some((name, j)) = var_name(p.c, p.i, p.end) else {
            return err(
                at,
                "'&' must begin a variable symbol (write && for an ampersand)",
            );
        };
        p.i = j;
        let sub = if p.peek() == Some('(') {
            p.i += 1;
            p.skip_blanks();
            let v = self.expr(st, p)?;
            let n = self.num(&v, j)?;
            p.skip_blanks();
            p.expect(')')?;
            if !(0..=MAX_SUBSCRIPT).contains(&n) {
                return err(j, format!("subscript {n} is outside 0-{MAX_SUBSCRIPT}"));
            }
            Some(n as usize)
        } else {
            None
        };
        let f = self.frame();
        let in_macro = f.mac.is_some();
        let t = match name.as_str() {
            "SYSNDX" | "SYSLIST" if !in_macro => {
                return err(at, format!("&{name} is only defined inside a macro"))
            }
            "SYSNDX" => Target::Text(format!("{:04}", f.sysndx)),
            "SYSECT" => Target::Text(self.sysect.clone()),
            "SYSNEST" => Target::Set(Kind::A, Ev::Num(self.frames.len() as i64 - 1), None),
            "SYSMAC" => Target::Text(
                f.mac
                    .as_ref()
                    .map_or("OPEN CODE".to_string(), |m| m.name.clone()),
            ),
            "SYSLIST" => match sub {
                Some(n) => Target::Text(f.syslist.get(n).cloned().unwrap_or_default()),
                None => Target::List(f.syslist.len().saturating_sub(1), name.clone()),
            },
            _ => {
                if let Some(v) = f.params.get(&name) {
                    match sub {
                        None => Target::Text(v.clone()),
                        Some(n) => Target::Text(match sublist(v) {
                            Some(items) => n
                                .checked_sub(1)
                                .and_then(|k| items.get(k))
                                .cloned()
                                .unwrap_or_default(),
                            None if n == 1 => v.clone(),
                            None => String::new(),
                        }),
                    }
                } else if let Some(var) = self.var(&name) {
                    match (var.array, sub) {
                        (true, None) => Target::Set(var.kind, Ev::Num(0), None),
                        (false, Some(_)) => return err(at, format!("&{name} is not an array")),
                        (true, Some(0)) => {
                            return err(j, "subscript 0 is outside 1-65535".to_string())
                        }
                        (true, Some(n)) => Target::Set(var.kind, var.get(n as i64), Some(n)),
                        (false, None) => Target::Set(var.kind, var.get(0), None),
                    }
                } else {
                    return err(at, format!("undefined variable symbol &{name}"));
                }
            }
        };
        // An array without subscript is only valid under N'.
        if let Target::Set(_, _, None) = t {
            if self.var(&name).is_some_and(|v| v.array) {
                return Ok((at, Target::List(self.array_count(&name), name)));
            }
        }
        Ok((at, t))
    }

    fn array_count(&self, name: &str) -> usize {
        self.var(name)
            .and_then(|v| v.vals.keys().max().copied())
            .map_or(0, |m| m.max(0) as usize)
    }

    // ---- expressions --------------------------------------------------------------------

    fn num(&self, v: &Ev, at: usize) -> Result<i64, E> {
        match v {
            Ev::Num(n) => Ok(*n),
            Ev::Str(s) | Ev::Text(s) => match self_defining_value(s) {
                Some(n) => Ok(n),
                None => err(at, format!("'{s}' is not a number (a self-defining term)")),
            },
        }
    }

    fn truth(&self, v: &Ev, at: usize) -> Result<bool, E> {
        Ok(self.num(v, at)? != 0)
    }

    /// The whole of `c[s..e]` as an arithmetic expression.
    fn arith(&mut self, st: &Stmt, s: usize, e: usize) -> Result<i64, E> {
        let mut p = Cur {
            c: &st.chars,
            i: s,
            end: e,
        };
        let v = self.expr(st, &mut p)?;
        if p.i != e {
            return err(p.i, format!("unexpected '{}'", st.chars[p.i]));
        }
        self.num(&v, s)
    }

    /// Logical expression: OR / XOR of ANDs.
    fn lexpr(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        let mut v = self.land(st, p)?;
        loop {
            let save = p.i;
            p.skip_blanks();
            let at = p.i;
            match p.word().as_deref() {
                Some(w @ ("OR" | "XOR")) => {
                    p.i += w.len();
                    let r = self.land(st, p)?;
                    let (a, b) = (self.truth(&v, at)?, self.truth(&r, at)?);
                    v = Ev::Num(if w == "OR" { a || b } else { a != b } as i64);
                }
                _ => {
                    p.i = save;
                    return Ok(v);
                }
            }
        }
    }

    fn land(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        let mut v = self.lnot(st, p)?;
        loop {
            let save = p.i;
            p.skip_blanks();
            let at = p.i;
            if p.word().as_deref() == Some("AND") {
                p.i += 3;
                let r = self.lnot(st, p)?;
                v = Ev::Num((self.truth(&v, at)? && self.truth(&r, at)?) as i64);
            } else {
                p.i = save;
                return Ok(v);
            }
        }
    }

    fn lnot(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        p.skip_blanks();
        let at = p.i;
        if p.word().as_deref() == Some("NOT") {
            p.i += 3;
            if self.nesting >= super::MAX_NESTING {
                return err(at, "expression nested too deeply");
            }
            self.nesting += 1;
            let v = self.lnot(st, p);
            self.nesting -= 1;
            let v = v?;
            return Ok(Ev::Num(!self.truth(&v, at)? as i64));
        }
        self.rel(st, p)
    }

    fn rel(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        let a = self.expr(st, p)?;
        let save = p.i;
        p.skip_blanks();
        let at = p.i;
        let Some(w) = p
            .word()
            .filter(|w| matches!(w.as_str(), "EQ" | "NE" | "LT" | "LE" | "GT" | "GE"))
        else {
            p.i = save;
            return Ok(a);
        };
        p.i += 2;
        p.skip_blanks();
        let b = self.expr(st, p)?;
        let chars = matches!(a, Ev::Str(_)) || matches!(b, Ev::Str(_));
        let ord = if chars {
            if let (Ev::Num(_), _) | (_, Ev::Num(_)) = (&a, &b) {
                return err(at, "a character value cannot be compared with a number");
            }
            compare(&a.text(), &b.text())
        } else {
            match (self.num(&a, at), self.num(&b, at)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                (Err(e), _) | (_, Err(e)) => {
                    if let (Ev::Text(x), Ev::Text(y)) = (&a, &b) {
                        compare(x, y)
                    } else {
                        return Err(e);
                    }
                }
            }
        };
        use std::cmp::Ordering::*;
        let r = match w.as_str() {
            "EQ" => ord == Equal,
            "NE" => ord != Equal,
            "LT" => ord == Less,
            "LE" => ord != Greater,
            "GT" => ord == Greater,
            _ => ord != Less,
        };
        Ok(Ev::Num(r as i64))
    }

    /// Arithmetic (or a single character) expression.
    fn expr(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        let mut v = self.term(st, p)?;
        loop {
            let save = p.i;
            p.skip_blanks();
            let at = p.i;
            let add = match p.peek() {
                Some('+') => true,
                Some('-') => false,
                _ => {
                    p.i = save;
                    return Ok(v);
                }
            };
            p.i += 1;
            let r = self.term(st, p)?;
            let (x, y) = (self.num(&v, at)?, self.num(&r, at)?);
            v = Ev::Num(check_i32(if add { x + y } else { x - y }, at)?);
        }
    }

    fn term(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        let mut v = self.unary(st, p)?;
        loop {
            let save = p.i;
            p.skip_blanks();
            let at = p.i;
            let mul = match p.peek() {
                Some('*') => true,
                Some('/') => false,
                _ => {
                    p.i = save;
                    return Ok(v);
                }
            };
            p.i += 1;
            let r = self.unary(st, p)?;
            let (x, y) = (self.num(&v, at)?, self.num(&r, at)?);
            let z = if mul {
                x * y
            } else if y == 0 {
                0 // HLASM: division by zero gives zero
            } else {
                x / y
            };
            v = Ev::Num(check_i32(z, at)?);
        }
    }

    fn unary(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        if self.nesting >= super::MAX_NESTING {
            return err(p.i, "expression nested too deeply");
        }
        self.nesting += 1;
        let r = self.unary_inner(st, p);
        self.nesting -= 1;
        r
    }

    fn unary_inner(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        p.skip_blanks();
        let at = p.i;
        match p.peek() {
            Some('+') => {
                p.i += 1;
                let v = self.unary(st, p)?;
                Ok(Ev::Num(self.num(&v, at)?))
            }
            Some('-') => {
                p.i += 1;
                let v = self.unary(st, p)?;
                Ok(Ev::Num(check_i32(-self.num(&v, at)?, at)?))
            }
            _ => self.primary(st, p),
        }
    }

    fn primary(&mut self, st: &Stmt, p: &mut Cur) -> Result<Ev, E> {
        p.skip_blanks();
        let at = p.i;
        let Some(c) = p.peek() else {
            return err(at, "missing term");
        };
        let up = c.to_ascii_uppercase();
        let v = match c {
            '(' => {
                p.i += 1;
                let v = self.lexpr(st, p)?;
                p.skip_blanks();
                p.expect(')')?;
                if p.peek() == Some('\'') {
                    // Duplication factor: (n)'text'.
                    let n = self.num(&v, at)?;
                    let s = self.qstring(st, p)?;
                    let n = usize::try_from(n).unwrap_or(0);
                    if s.chars().count().saturating_mul(n) > MAX_SETC {
                        return err(at, format!("character value longer than {MAX_SETC}"));
                    }
                    let s = self.substring(st, p, s.repeat(n))?;
                    Ev::Str(s)
                } else {
                    v
                }
            }
            '\'' => {
                let s = self.qstring(st, p)?;
                Ev::Str(self.substring(st, p, s)?)
            }
            '&' => {
                let v = self.var_ref(st, p)?;
                if p.peek() == Some('.') && p.peek_at(1) == Some('\'') {
                    p.i += 1;
                }
                v
            }
            '0'..='9' => {
                let mut n: i64 = 0;
                while let Some(d) = p.peek().and_then(|c| c.to_digit(10)) {
                    p.i += 1;
                    n = n * 10 + d as i64;
                    if n > i32::MAX as i64 {
                        return err(at, "number too large");
                    }
                }
                Ev::Num(n)
            }
            _ if p.peek_at(1) == Some('\'') && matches!(up, 'X' | 'B' | 'C') => {
                p.i += 2;
                let mut chars = Vec::new();
                loop {
                    match p.peek() {
                        None => return err(at, "missing closing quote"),
                        Some('\'') if p.peek_at(1) == Some('\'') => {
                            chars.push(('\'', p.i));
                            p.i += 2;
                        }
                        Some('\'') => {
                            p.i += 1;
                            break;
                        }
                        Some(ch) => {
                            chars.push((ch, p.i));
                            p.i += 1;
                        }
                    }
                }
                Ev::Num(self_defining(up, &chars, at)?)
            }
            _ if p.peek_at(1) == Some('\'') && matches!(up, 'K' | 'N' | 'T') => {
                p.i += 2;
                if up == 'T' && p.peek().is_some_and(is_sym_start) {
                    let s = p.i;
                    while p.peek().is_some_and(is_sym_char) {
                        p.i += 1;
                    }
                    let name = st.chars[s..p.i]
                        .iter()
                        .collect::<String>()
                        .to_ascii_uppercase();
                    return Ok(Ev::Str(
                        self.types.get(&name).copied().unwrap_or('U').to_string(),
                    ));
                }
                if p.peek() != Some('&') {
                    return err(p.i, format!("expected a variable symbol after {up}'"));
                }
                let (vat, t) = self.var_target(st, p)?;
                match up {
                    'K' => Ev::Num(match t {
                        Target::Text(s) | Target::Set(_, Ev::Text(s), _) => {
                            s.chars().count() as i64
                        }
                        Target::Set(_, v, _) => v.text().chars().count() as i64,
                        Target::List(..) => return err(vat, "K' requires a subscript here"),
                    }),
                    'N' => Ev::Num(match t {
                        Target::Text(s) => match sublist(&s) {
                            Some(items) => items.len() as i64,
                            None => (!s.is_empty()) as i64,
                        },
                        Target::List(n, _) => n as i64,
                        Target::Set(..) => 1,
                    }),
                    _ => Ev::Str(
                        match t {
                            Target::Text(s) => self.type_of(&s),
                            Target::Set(Kind::C, v, _) => self.type_of(&v.text()),
                            Target::Set(..) => 'N',
                            Target::List(..) => 'U',
                        }
                        .to_string(),
                    ),
                }
            }
            _ if p.peek_at(1) == Some('\'') && matches!(up, 'L' | 'D' | 'I' | 'S' | 'O') => {
                return err(
                    at,
                    format!("attribute {up}' is not supported in conditional assembly"),
                );
            }
            _ if is_sym_start(c) => {
                let w: String = p.c[p.i..p.end]
                    .iter()
                    .take_while(|&&c| is_sym_char(c))
                    .collect();
                return err(
                    at,
                    format!(
                        "ordinary symbol {w} cannot be used in a conditional-assembly expression"
                    ),
                );
            }
            _ => return err(at, format!("unexpected '{c}'")),
        };
        // Concatenation of character values: 'A'.'B'.
        if let Ev::Str(mut s) = v {
            while p.peek() == Some('.') && matches!(p.peek_at(1), Some('\'' | '(' | '&')) {
                p.i += 1;
                let r = self.primary(st, p)?;
                s.push_str(&r.text());
                if s.chars().count() > MAX_SETC {
                    return err(at, format!("character value longer than {MAX_SETC}"));
                }
            }
            return Ok(Ev::Str(s));
        }
        Ok(v)
    }

    /// Type attribute of an operand value.
    fn type_of(&self, s: &str) -> char {
        if s.is_empty() {
            'O'
        } else if self_defining_value(s).is_some() {
            'N'
        } else {
            self.types
                .get(&s.to_ascii_uppercase())
                .copied()
                .unwrap_or('U')
        }
    }

    /// `(start,length)` after a character value, if present.
    fn substring(&mut self, st: &Stmt, p: &mut Cur, s: String) -> Result<String, E> {
        if p.peek() != Some('(') {
            return Ok(s);
        }
        let at = p.i;
        p.i += 1;
        let a = self.expr(st, p)?;
        let start = self.num(&a, at)?;
        p.skip_blanks();
        p.expect(',')?;
        p.skip_blanks();
        let chars: Vec<char> = s.chars().collect();
        let len = if p.eat('*') {
            chars.len() as i64
        } else {
            let b = self.expr(st, p)?;
            self.num(&b, at)?
        };
        p.skip_blanks();
        p.expect(')')?;
        if start < 1 || len < 0 {
            return err(at, format!("invalid substring ({start},{len})"));
        }
        let from = ((start - 1) as usize).min(chars.len());
        let to = from.saturating_add(len as usize).min(chars.len());
        Ok(chars[from..to].iter().collect())
    }

    /// A quoted character value: `''` is one quote, `&&` stays two ampersands, variable
    /// symbols are substituted.
    fn qstring(&mut self, st: &Stmt, p: &mut Cur) -> Result<String, E> {
        let open = p.i;
        p.expect('\'')?;
        let mut out = String::new();
        loop {
            match p.peek() {
                None => return err(open, "missing closing quote"),
                Some('\'') => {
                    if p.peek_at(1) == Some('\'') {
                        out.push('\'');
                        p.i += 2;
                    } else {
                        p.i += 1;
                        return Ok(out);
                    }
                }
                Some('&') if p.peek_at(1) == Some('&') => {
                    out.push_str("&&");
                    p.i += 2;
                }
                Some('&') => {
                    let v = self.var_ref(st, p)?;
                    p.eat('.');
                    out.push_str(&v.text());
                }
                Some(c) => {
                    out.push(c);
                    p.i += 1;
                }
            }
            if out.len() > 4 * MAX_SETC {
                return err(open, format!("character value longer than {MAX_SETC}"));
            }
        }
    }

    /// MNOTE [severity,]'message' (HLASM Language Reference, "MNOTE instruction"):
    /// severity 8 or more is an error; lower severities and `*` are notes.
    fn mnote(&mut self, st: &Stmt, ops: &[(usize, usize)], op_at: usize) -> Result<(), E> {
        let (sev, msg) = match ops {
            [m] => (Some(0), *m),
            [s, m] => {
                let text: String = st.chars[s.0..s.1].iter().collect();
                let sev = match text.as_str() {
                    "" => Some(1),
                    "*" => None,
                    _ => {
                        let v = self.arith(st, s.0, s.1)?;
                        if !(0..=255).contains(&v) {
                            return err(s.0, format!("MNOTE severity {v} is outside 0-255"));
                        }
                        Some(v)
                    }
                };
                (sev, *m)
            }
            _ => return err(op_at, "MNOTE takes a severity and a quoted message"),
        };
        let mut p = Cur {
            c: &st.chars,
            i: msg.0,
            end: msg.1,
        };
        if p.peek() != Some('\'') {
            return err(msg.0, "MNOTE message must be in quotes");
        }
        let text = self.qstring(st, &mut p)?.replace("&&", "&");
        if p.i != msg.1 {
            return err(p.i, format!("unexpected '{}'", st.chars[p.i]));
        }
        let (line, column) = st.at(op_at);
        let mut message = match sev {
            Some(s) if s >= 8 => text,
            Some(s) => format!("MNOTE {s}: {text}"),
            None => text,
        };
        if let Some(c) = st.ctx.as_ref().or(self.frame().ctx.as_ref()) {
            message = format!("{message} ({c})");
        }
        let d = Diagnostic {
            file: st.file_name(self.file).to_string(),
            line,
            column,
            message,
        };
        if sev.is_some_and(|s| s >= 8) {
            self.diags.push(d);
        } else {
            self.notes.push(d);
        }
        Ok(())
    }
}
