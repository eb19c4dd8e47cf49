//! An HLASM-style two-pass assembler for guest images.
//!
//! Source format, directives and instruction operands follow the IBM High Level Assembler
//! Language Reference (SC26-4940): name in column 1, operation, operands and remarks separated
//! by blanks, continuation with a non-blank in column 72; CSECT, DSECT, START, END, USING,
//! DROP, EQU, ORG, LTORG, CNOP, DC and DS (types C CA CE X B F H A Y P Z D E L), literals
//! pooled at LTORG and END, implicit addresses resolved through USING (ordinary, labelled
//! with `LABEL.SYMBOL` references, and dependent), source macros and conditional assembly
//! (MACRO/MEND, AIF, AGO, SETx, MNOTE, ...), COPY members ([`assemble_with_library`];
//! [`assemble_file`] looks in the source's directory). Every instruction of the
//! `s390-decoder` table and its extended branch mnemonics is encoded with
//! [`s390_decoder::encode`].
//!
//! The result is a flat image from the origin (0, or the START value) to the last byte
//! assembled. Errors are reported as `file:line:column: error: message`; assembly goes on
//! after an error so that one run reports them all.

mod copy;
mod dc;
mod macros;
mod source;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_macros;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use s390_decoder::{
    encode, parse_extended_mnemonic, Length, LengthSpec, Opcode, Operand, OperandSpec, Storage,
};

use source::{is_attr_quote, is_sym_char, is_sym_start, split_operands, Stmt};

/// Deepest nesting of parentheses and signs in an expression.
pub(crate) const MAX_NESTING: u32 = 100;

/// The largest image the assembler builds.
pub const MAX_IMAGE: usize = 16 << 20;
const MAX_LOC: i64 = 0x7FFF_FFFF;

/// One error, located in the source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Source line (1-based).
    pub line: usize,
    /// Column (1-based).
    pub column: usize,
    /// The file name as given.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A successful assembly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembly {
    /// Address of the first byte of the image.
    pub origin: u32,
    /// The image: origin to the last byte assembled, gaps zero-filled.
    pub image: Vec<u8>,
    /// The listing: location, object code, statement; then the symbol cross-reference.
    pub listing: String,
}

/// Assembles `text` (named `file` in messages). Returns the image or every error found.
pub fn assemble(file: &str, text: &str) -> Result<Assembly, Vec<Diagnostic>> {
    let (result, _) = assemble_with_listing(file, text);
    result
}

/// Assembles `text`; the listing is returned as well when there are errors.
pub fn assemble_with_listing(
    file: &str,
    text: &str,
) -> (Result<Assembly, Vec<Diagnostic>>, String) {
    let o = assemble_with_notes(file, text);
    (o.result, o.listing)
}

/// Everything one assembly produces.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The image, or every error found.
    pub result: Result<Assembly, Vec<Diagnostic>>,
    /// The listing (also when there are errors).
    pub listing: String,
    /// Notes: MNOTEs of severity below 8 and `MNOTE *,'text'`; print them with
    /// [`Diagnostic::note`].
    pub notes: Vec<Diagnostic>,
}

impl Diagnostic {
    /// The diagnostic followed by the offending source line of `source` and a caret under
    /// the column:
    ///
    /// ```text
    /// t.asm:3:18: error: undefined symbol NOWHERE
    ///     3 |          L     1,NOWHERE
    ///       |                  ^
    /// ```
    pub fn render(&self, source: &str) -> String {
        self.render_text(self.line.checked_sub(1).and_then(|l| source.lines().nth(l)))
    }

    /// [`Diagnostic::render`] given the offending line's text.
    fn render_text(&self, line: Option<&str>) -> String {
        let Some(text) = line else {
            return self.to_string();
        };
        let text: String = text
            .chars()
            .map(|c| if c == '\t' || c == '\r' { ' ' } else { c })
            .collect();
        let num = self.line.to_string();
        format!(
            "{self}\n{num:>5} | {}\n{:>5} | {}^",
            text.trim_end(),
            "",
            " ".repeat(self.column.saturating_sub(1))
        )
    }

    /// The diagnostic as a note: `file:line:column: note: message`.
    pub fn note(&self) -> String {
        format!(
            "{}:{}:{}: note: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Assembles `text`, returning the notes (MNOTE) as well as the image or errors.
pub fn assemble_with_notes(file: &str, text: &str) -> Outcome {
    assemble_with_library(file, text, &|_| None)
}

/// Where COPY finds its members: the member name (upper case) to the file name for
/// messages and the text, or None when there is no such member.
pub type Library<'a> = dyn Fn(&str) -> Option<(String, String)> + 'a;

/// Assembles `text`, with `COPY member` statements taking their source from `library`.
pub fn assemble_with_library(file: &str, text: &str, library: &Library) -> Outcome {
    assemble_inner(file, text, library, true)
}

/// [`assemble_with_library`]; the listing is made only if `want_listing` (else it is
/// empty: the listing of a large source is as large as the source again).
fn assemble_inner(file: &str, text: &str, library: &Library, want_listing: bool) -> Outcome {
    let (stmts, mut copy_diags) = copy::include(file, source::statements(text), library);
    let mut ex = macros::expand(file, stmts);
    ex.diags.append(&mut copy_diags);
    let stmts = ex.stmts;
    let mut a = Asm::new(file);
    a.run(&stmts);
    let listing = if want_listing {
        a.listing(&stmts)
    } else {
        String::new()
    };
    drop(stmts);
    let mut diags: Vec<Diagnostic> = a
        .diags
        .into_iter()
        .chain(ex.diags)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // The main source's messages first, then each COPY member's, in line order.
    diags.sort_by(|a, b| {
        (a.file != file, &a.file, a.line, a.column, &a.message).cmp(&(
            b.file != file,
            &b.file,
            b.line,
            b.column,
            &b.message,
        ))
    });
    let notes = ex.notes;
    if !diags.is_empty() {
        return Outcome {
            result: Err(diags),
            listing,
            notes,
        };
    }
    let origin = a.origin.clamp(0, MAX_LOC) as u32;
    let mut image = a.image;
    image.truncate(a.image_end);
    Outcome {
        result: Ok(Assembly {
            origin,
            image,
            listing: if want_listing {
                listing.clone()
            } else {
                String::new()
            },
        }),
        listing,
        notes,
    }
}

/// Assembles the file `source` into `output` (and the listing into `listing`, if given).
/// Nothing at `output` or `listing` is touched unless the assembly succeeds, and then only
/// a regular writable file or a new file is written: see [`assemble_file_with_notes`].
pub fn assemble_file(
    source: &Path,
    output: &Path,
    listing: Option<&Path>,
) -> Result<(), Vec<String>> {
    assemble_file_with_notes(source, output, listing).map(|_| ())
}

/// [`assemble_file`], also returning the notes (MNOTEs below severity 8) as printable
/// lines: `Ok(notes)` on success, and on failure the notes and errors in source order.
///
/// An output path (image or listing) is refused before anything is assembled when it names
/// the source, the other output, or something that is not a regular file (a directory, a
/// symbolic link, a FIFO, a device) or a read-only file (checked from the permission bits,
/// so also for root, whom the system would let write). After an error nothing is written
/// and what was at the output paths is left as it was; a file this function created and
/// could not finish writing is removed, and no other.
pub fn assemble_file_with_notes(
    source: &Path,
    output: &Path,
    listing: Option<&Path>,
) -> Result<Vec<String>, Vec<String>> {
    let bytes = match std::fs::read(source) {
        Ok(b) => b,
        Err(e) => {
            return Err(vec![format!(
                "{}: error: cannot read: {e}",
                source.display()
            )])
        }
    };
    let mut refused = Vec::new();
    for (what, path) in std::iter::once(("image", output)).chain(listing.map(|l| ("listing", l))) {
        if let Err(m) = output_target(path, source, what) {
            refused.push(m);
        }
    }
    if let Some(l) = listing {
        if same_file(l, output) {
            refused.push(format!(
                "{}: error: the listing and the image are the same file",
                l.display()
            ));
        }
    }
    if !refused.is_empty() {
        return Err(refused);
    }
    let text = String::from_utf8_lossy(&bytes);
    let name = source.display().to_string();
    let dir = source.parent().map(Path::to_path_buf).unwrap_or_default();
    let Outcome {
        result,
        listing: list,
        notes,
    } = assemble_inner(
        &name,
        &text,
        &|member| copy::from_directory(&dir, member),
        listing.is_some(),
    );
    let asm = match result {
        Ok(a) => a,
        Err(d) => {
            // Each message shows its source line: the lines of the source and of each COPY
            // member are indexed once (looking a line up from the start for every message
            // was quadratic).
            let lines: Vec<&str> = text.lines().collect();
            let mut members: HashMap<String, Option<String>> = HashMap::new();
            let mut all: Vec<(bool, String, usize, usize, String)> = d
                .iter()
                .map(|d| {
                    let at = d.line.checked_sub(1);
                    // A COPY member's message shows the member's line.
                    let shown = if d.file == name {
                        d.render_text(at.and_then(|l| lines.get(l).copied()))
                    } else {
                        let member = members.entry(d.file.clone()).or_insert_with(|| {
                            std::fs::read(&d.file)
                                .ok()
                                .map(|b| String::from_utf8_lossy(&b).into_owned())
                        });
                        match member {
                            Some(m) => d.render(m),
                            None => d.to_string(),
                        }
                    };
                    (d.file != name, d.file.clone(), d.line, d.column, shown)
                })
                .chain(
                    notes
                        .iter()
                        .map(|n| (n.file != name, n.file.clone(), n.line, n.column, n.note())),
                )
                .collect();
            all.sort();
            return Err(all.into_iter().map(|x| x.4).collect());
        }
    };
    // The listing first: the image is written only when everything else was.
    let mut targets = Vec::new();
    if let Some(l) = listing {
        targets.push((l, list.as_bytes(), "listing"));
    }
    targets.push((output, asm.image.as_slice(), "image"));
    for (path, data, what) in targets {
        if let Err(e) = write_output(path, data) {
            return Err(vec![format!(
                "{}: error: cannot write the {what}: {e}",
                path.display()
            )]);
        }
    }
    Ok(notes.iter().map(Diagnostic::note).collect())
}

/// Whether `a` and `b` name the same existing file (same device and inode).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Checks that `path` may receive an output (`what`: image or listing) of assembling
/// `source`: it does not exist, or it is a regular file that is not read-only and not the
/// source itself.
fn output_target(path: &Path, source: &Path, what: &str) -> Result<(), String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(format!(
                "{}: error: cannot use for the {what}: {e}",
                path.display()
            ))
        }
    };
    let t = meta.file_type();
    let refuse = |why: &str| {
        Err(format!(
            "{}: error: will not write the {what} there: {why}",
            path.display()
        ))
    };
    if t.is_symlink() {
        return refuse("it is a symbolic link, not a regular file");
    }
    if !t.is_file() {
        return refuse(if t.is_dir() {
            "it is a directory"
        } else {
            "it is not a regular file (a device, FIFO or socket)"
        });
    }
    if same_file(path, source) {
        return refuse("it is the source file");
    }
    if meta.permissions().readonly() {
        return refuse("the file is read-only");
    }
    Ok(())
}

/// Writes `data` to `path`: into the existing regular file (keeping its inode, owner and
/// mode), or into a new file created here, which is removed again if writing fails.
fn write_output(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => {
            let r = f.write_all(data).and_then(|()| f.sync_all());
            if r.is_err() {
                drop(f);
                let _ = std::fs::remove_file(path);
            }
            r
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Checked before assembling; checked again here, since it may have changed.
            let meta = std::fs::symlink_metadata(path)?;
            if !meta.file_type().is_file() || meta.permissions().readonly() {
                return Err(std::io::Error::other(
                    "it is no longer a regular writable file",
                ));
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)?;
            f.write_all(data)
        }
        Err(e) => Err(e),
    }
}

/// An error at a character of the statement.
#[derive(Clone, Debug)]
pub(crate) struct E {
    at: usize,
    msg: String,
    undefined: bool,
}

pub(crate) fn err<T>(at: usize, msg: impl Into<String>) -> Result<T, E> {
    Err(E {
        at,
        msg: msg.into(),
        undefined: false,
    })
}

/// An expression value: absolute, or relocatable (an offset in a section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Val {
    v: i64,
    sect: Option<usize>,
    /// Length attribute of the leftmost term.
    len: Option<i64>,
    /// USING label qualifying the symbol (`LBL.FIELD`), an index into `Asm::quals`.
    qual: Option<u32>,
}

impl Val {
    fn abs(v: i64) -> Val {
        Val {
            v,
            sect: None,
            len: None,
            qual: None,
        }
    }
}

/// A cursor over part of a statement.
pub(crate) struct P<'s> {
    c: &'s [char],
    i: usize,
    end: usize,
}

impl<'s> P<'s> {
    fn new(c: &'s [char], start: usize, end: usize) -> P<'s> {
        P {
            c,
            i: start,
            end: end.min(c.len()),
        }
    }
    fn peek(&self) -> Option<char> {
        if self.i < self.end {
            self.c.get(self.i).copied()
        } else {
            None
        }
    }
    fn peek2(&self) -> Option<char> {
        if self.i + 1 < self.end {
            self.c.get(self.i + 1).copied()
        } else {
            None
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
    fn at_end(&self) -> bool {
        self.i >= self.end
    }
    fn expect(&mut self, ch: char) -> Result<(), E> {
        if self.eat(ch) {
            Ok(())
        } else {
            match self.peek() {
                Some(c) => err(self.i, format!("expected '{ch}', found '{c}'")),
                None => err(self.i, format!("expected '{ch}'")),
            }
        }
    }
    fn symbol(&mut self) -> Option<String> {
        if !self.peek().is_some_and(is_sym_start) {
            return None;
        }
        let s = self.i;
        while self.peek().is_some_and(is_sym_char) {
            self.i += 1;
        }
        Some(
            self.c[s..self.i]
                .iter()
                .collect::<String>()
                .to_ascii_uppercase(),
        )
    }
    /// Text between quotes (the opening quote is next), `''` standing for one quote.
    fn quoted(&mut self) -> Result<Vec<(char, usize)>, E> {
        let open = self.i;
        self.expect('\'')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return err(open, "missing closing quote"),
                Some('\'') => {
                    if self.peek2() == Some('\'') {
                        out.push(('\'', self.i));
                        self.i += 2;
                    } else {
                        self.i += 1;
                        return Ok(out);
                    }
                }
                Some(c) => {
                    out.push((c, self.i));
                    self.i += 1;
                }
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Section {
    name: String,
    dsect: bool,
    loc: i64,
    max: i64,
    base: i64,
}

#[derive(Clone, Debug)]
struct Sym {
    sect: Option<usize>,
    v: i64,
    len: i64,
    line: usize,
}

/// An active USING (HLASM Language Reference, "USING instruction"): ordinary (a base
/// register), labelled (used only by `LABEL.SYMBOL` references) or dependent (the base is
/// an address that is itself resolved through another USING).
#[derive(Clone, Copy, Debug)]
struct Using {
    reg: u8,
    sect: Option<usize>,
    v: i64,
    /// The label, an index into `Asm::quals`.
    label: Option<u32>,
    /// Dependent USING: the address (section, offset) the base is mapped to.
    dep: Option<(Option<usize>, i64)>,
}

#[derive(Clone, Debug)]
struct Lit {
    stmt: usize,
    start: usize,
    end: usize,
    len: i64,
    place: Option<(usize, i64)>,
}

/// A listing row: the statement's location and the first 8 bytes of its object code (held
/// in place: a vector per statement cost an allocation each).
#[derive(Clone, Copy, Debug, Default)]
struct Row {
    loc: Option<i64>,
    obj: [u8; 8],
    obj_len: u8,
}

struct Asm {
    file: String,
    pass: u8,
    sections: Vec<Section>,
    cur: Option<usize>,
    first_csect: Option<usize>,
    origin: i64,
    origin_set: bool,
    syms: HashMap<String, Sym>,
    usings: Vec<Using>,
    /// USING labels seen as qualifiers or on USING statements.
    quals: Vec<String>,
    lits: Vec<Lit>,
    lit_map: HashMap<(String, usize), usize>,
    /// Pass 1: the literals of the pool being collected, in order of appearance (finding
    /// them in `lit_map` at each LTORG was quadratic in the number of pools).
    pending: Vec<usize>,
    pools: Vec<Vec<usize>>,
    pool_no: usize,
    diags: Vec<Diagnostic>,
    image: Vec<u8>,
    image_end: usize,
    rows: Vec<Row>,
    refs: BTreeMap<String, Vec<usize>>,
    after: Vec<(Option<usize>, i64)>,
    deferred: Vec<usize>,
    stmt_idx: usize,
    line: usize,
    ended: bool,
    /// Current expression nesting.
    nesting: u32,
    /// Inside the operand of a literal.
    in_literal: bool,
}

/// Location-counter alignment.
fn align_up(v: i64, a: i64) -> i64 {
    if a <= 1 {
        v
    } else {
        (v + a - 1).div_euclid(a) * a
    }
}

impl Asm {
    fn new(file: &str) -> Asm {
        Asm {
            file: file.to_string(),
            pass: 1,
            sections: Vec::new(),
            cur: None,
            first_csect: None,
            origin: 0,
            origin_set: false,
            syms: HashMap::new(),
            usings: Vec::new(),
            quals: Vec::new(),
            lits: Vec::new(),
            lit_map: HashMap::new(),
            pending: Vec::new(),
            pools: Vec::new(),
            pool_no: 0,
            diags: Vec::new(),
            image: Vec::new(),
            image_end: 0,
            rows: Vec::new(),
            refs: BTreeMap::new(),
            after: Vec::new(),
            deferred: Vec::new(),
            stmt_idx: 0,
            line: 0,
            ended: false,
            nesting: 0,
            in_literal: false,
        }
    }

    fn report(&mut self, st: &Stmt, e: E) {
        if e.undefined && self.pass == 1 {
            return;
        }
        let (line, column) = st.at(e.at);
        let message = match &st.ctx {
            Some(c) => format!("{} ({c})", e.msg),
            None => e.msg,
        };
        self.diags.push(Diagnostic {
            file: st.file_name(&self.file).to_string(),
            line,
            column,
            message,
        });
    }

    fn run(&mut self, stmts: &[Stmt]) {
        // Pass 1: symbols, sizes, literal pools.
        self.rows = vec![Row::default(); stmts.len()];
        self.after = vec![(None, 0); stmts.len()];
        self.pass_over(stmts);
        // EQUs whose operands were defined later.
        loop {
            let before = self.deferred.len();
            let list = std::mem::take(&mut self.deferred);
            for i in list {
                if let Some(st) = stmts.get(i) {
                    self.stmt_idx = i;
                    self.line = st.line;
                    if self.equ(st, false).is_err() {
                        self.deferred.push(i);
                    }
                }
            }
            if self.deferred.is_empty() || self.deferred.len() == before {
                break;
            }
        }
        self.deferred.clear();
        // Section bases: control sections one after another, doubleword aligned.
        let mut next = self.origin;
        for s in self.sections.iter_mut() {
            if s.dsect {
                s.base = 0;
            } else {
                s.base = align_up(next, 8);
                next = s.base + s.max;
            }
        }
        // Pass 2: values, addressability, object code.
        self.pass = 2;
        for s in self.sections.iter_mut() {
            s.loc = 0;
            s.max = 0;
        }
        self.cur = None;
        self.usings.clear();
        self.pool_no = 0;
        self.ended = false;
        self.pass_over(stmts);
    }

    fn pass_over(&mut self, stmts: &[Stmt]) {
        for (i, st) in stmts.iter().enumerate() {
            if self.ended {
                break;
            }
            self.stmt_idx = i;
            self.line = st.line;
            if st.comment {
                continue;
            }
            if let Err(e) = self.statement(stmts, st) {
                self.report(st, e);
            }
            if self.pass == 1 {
                if let Some(a) = self.after.get_mut(i) {
                    *a = (self.cur, self.cur.map_or(0, |c| self.sections[c].loc));
                }
            } else if let Some(&(sect, loc)) = self.after.get(i) {
                // Keep pass 2 in step with pass 1 whatever errors occurred.
                if sect.is_some() && sect == self.cur {
                    self.set_loc(loc);
                }
            }
        }
        if !self.ended {
            let st = stmts.last().cloned().unwrap_or_default();
            self.end_pool(stmts, &st);
        }
    }

    // ---- location counter and sections -------------------------------------------------

    fn section(&mut self) -> usize {
        match self.cur {
            Some(c) => c,
            None => {
                let c = self.open_section("", false);
                self.cur = Some(c);
                c
            }
        }
    }

    fn open_section(&mut self, name: &str, dsect: bool) -> usize {
        if let Some(i) = self
            .sections
            .iter()
            .position(|s| s.name == name && s.dsect == dsect)
        {
            return i;
        }
        self.sections.push(Section {
            name: name.to_string(),
            dsect,
            loc: 0,
            max: 0,
            base: 0,
        });
        let i = self.sections.len() - 1;
        if !dsect && self.first_csect.is_none() {
            self.first_csect = Some(i);
            self.sections[i].base = self.origin;
        }
        i
    }

    fn loc(&self) -> i64 {
        self.cur.map_or(0, |c| self.sections[c].loc)
    }

    fn set_loc(&mut self, v: i64) {
        if let Some(c) = self.cur {
            let s = &mut self.sections[c];
            s.loc = v;
            s.max = s.max.max(v);
        }
    }

    fn advance(&mut self, n: i64, at: usize) -> Result<(), E> {
        let v = self.loc().saturating_add(n);
        if !(0..=MAX_LOC).contains(&v) {
            return err(at, "location counter out of range");
        }
        self.set_loc(v);
        Ok(())
    }

    /// Aligns the location counter, filling a control section with zeros.
    fn align(&mut self, a: i64) -> Result<(), E> {
        let l = self.loc();
        let n = align_up(l, a) - l;
        if n > 0 {
            self.emit(&vec![0; n as usize], 0)?;
        }
        Ok(())
    }

    /// Absolute address of a value (pass 2 knows the section bases).
    fn address(&self, v: Val) -> i64 {
        match v.sect {
            Some(s) => self.sections.get(s).map_or(0, |s| s.base) + v.v,
            None => v.v,
        }
    }

    fn here(&mut self) -> Val {
        let s = self.section();
        Val {
            v: self.sections[s].loc,
            sect: Some(s),
            len: None,
            qual: None,
        }
    }

    /// Places `bytes` at the location counter and advances it.
    fn emit(&mut self, bytes: &[u8], at: usize) -> Result<(), E> {
        let s = self.section();
        if self.pass == 2 && !self.sections[s].dsect && !bytes.is_empty() {
            let addr = self.sections[s].base + self.sections[s].loc;
            let off = addr - self.origin;
            if off < 0 {
                return err(at, "address is below the origin of the image");
            }
            let end = off as usize + bytes.len();
            if end > MAX_IMAGE {
                return err(at, "image larger than 16 MiB");
            }
            if self.image.len() < end {
                self.image.resize(end, 0);
            }
            self.image[off as usize..end].copy_from_slice(bytes);
            self.image_end = self.image_end.max(end);
            let row = &mut self.rows[self.stmt_idx];
            if row.loc.is_none() {
                row.loc = Some(addr);
            }
            for &b in bytes.iter().take(8 - row.obj_len as usize) {
                row.obj[row.obj_len as usize] = b;
                row.obj_len += 1;
            }
        }
        self.advance(bytes.len() as i64, at)
    }

    fn define(&mut self, st: &Stmt, name: &str, at: usize, v: Val, len: i64) -> Result<(), E> {
        if name.starts_with('.') {
            return Ok(()); // sequence symbol
        }
        let up = name.to_ascii_uppercase();
        let valid = up.chars().next().is_some_and(is_sym_start)
            && up.chars().all(is_sym_char)
            && up.len() <= 63;
        if !valid {
            return err(at, format!("invalid name '{name}'"));
        }
        if self.pass == 2 {
            return Ok(());
        }
        if let Some(old) = self.syms.get(&up) {
            return err(
                at,
                format!("symbol {up} is already defined on line {}", old.line),
            );
        }
        self.syms.insert(
            up,
            Sym {
                sect: v.sect,
                v: v.v,
                len,
                line: st.line,
            },
        );
        Ok(())
    }

    fn label(&mut self, st: &Stmt, len: i64) -> Result<(), E> {
        if let Some((name, at)) = &st.name {
            let here = self.here();
            self.define(st, name, *at, here, len)?;
        }
        Ok(())
    }

    // ---- statements ---------------------------------------------------------------------

    fn statement(&mut self, stmts: &[Stmt], st: &Stmt) -> Result<(), E> {
        let Some((op, op_at)) = st.op.clone() else {
            return err(0, "missing operation");
        };
        if self.pass == 2 {
            if let Some(s) = self.cur {
                self.rows[self.stmt_idx].loc = Some(self.address(Val {
                    v: self.sections[s].loc,
                    sect: Some(s),
                    len: None,
                    qual: None,
                }));
            }
        }
        let (os, oe) = st.operands;
        let ops = split_operands(&st.chars, os, oe);
        match op.as_str() {
            "CSECT" | "START" => {
                let name = st.name.as_ref().map(|(n, _)| n.to_ascii_uppercase());
                let name = name.unwrap_or_default();
                if op == "START" {
                    if self.pass == 1 && self.first_csect.is_some() {
                        return err(op_at, "START must come before any control section");
                    }
                    let v = match ops.first() {
                        Some(&(s, e)) => {
                            let v = self.abs_expr(st, s, e, true)?;
                            if !(0..=MAX_LOC).contains(&v) {
                                return err(s, format!("origin {v} is out of range"));
                            }
                            v
                        }
                        None => 0,
                    };
                    self.origin = v;
                    self.origin_set = true;
                }
                let existing = self
                    .sections
                    .iter()
                    .position(|s| s.name == name && !s.dsect);
                let c = self.open_section(&name, false);
                self.cur = Some(c);
                if existing.is_none() {
                    if let Some((n, at)) = &st.name {
                        let v = Val {
                            v: 0,
                            sect: Some(c),
                            len: None,
                            qual: None,
                        };
                        self.define(st, n, *at, v, 1)?;
                    }
                }
                Ok(())
            }
            "DSECT" => {
                let Some((n, at)) = &st.name else {
                    return err(op_at, "DSECT requires a name");
                };
                let name = n.to_ascii_uppercase();
                let existing = self.sections.iter().position(|s| s.name == name && s.dsect);
                let c = self.open_section(&name, true);
                self.cur = Some(c);
                if existing.is_none() {
                    let v = Val {
                        v: 0,
                        sect: Some(c),
                        len: None,
                        qual: None,
                    };
                    self.define(st, n, *at, v, 1)?;
                }
                Ok(())
            }
            "USING" => self.using(st, &ops, op_at),
            "DROP" => {
                if ops.is_empty() {
                    self.usings.clear();
                }
                for &(s, e) in &ops {
                    if self.pass == 2 {
                        // A USING label, or a register of ordinary USINGs.
                        let text: String = st.chars[s..e].iter().collect::<String>();
                        let up = text.to_ascii_uppercase();
                        if let Some(q) = self.quals.iter().position(|q| *q == up) {
                            let q = Some(q as u32);
                            if self.usings.iter().any(|u| u.label == q) {
                                self.usings.retain(|u| u.label != q);
                                continue;
                            }
                        }
                        let r = self.register(st, s, e)?;
                        let ordinary =
                            |u: &Using| u.label.is_none() && u.dep.is_none() && u.reg == r;
                        if !self.usings.iter().any(ordinary) {
                            return err(s, format!("register {r} is not in a USING"));
                        }
                        self.usings.retain(|u| !ordinary(u));
                    }
                }
                Ok(())
            }
            "EQU" => self.equ(st, true),
            "ORG" => {
                self.section();
                self.label(st, 1)?;
                match ops.first() {
                    None => {
                        let c = self.section();
                        let m = self.sections[c].max;
                        self.set_loc(m);
                        Ok(())
                    }
                    Some(&(s, e)) => {
                        let v = self.expr_range(st, s, e, true)?;
                        let c = self.section();
                        let off = match v.sect {
                            Some(vs) if vs == c => v.v,
                            None if Some(c) == self.first_csect || self.sections[c].dsect => {
                                v.v - self.sections[c].base
                            }
                            _ => return err(s, "ORG operand must be in the current section"),
                        };
                        if !(0..=MAX_LOC).contains(&off) {
                            return err(s, "ORG operand is below the start of the section");
                        }
                        self.set_loc(off);
                        Ok(())
                    }
                }
            }
            "LTORG" => {
                self.section();
                self.align(8)?;
                self.label(st, 1)?;
                self.pool(stmts);
                Ok(())
            }
            "END" => {
                if let Some(&(s, e)) = ops.first() {
                    if self.pass == 2 {
                        self.expr_range(st, s, e, false)?;
                    }
                }
                self.end_pool(stmts, st);
                self.ended = true;
                Ok(())
            }
            "CNOP" => {
                if ops.len() != 2 {
                    return err(op_at, "CNOP requires two operands");
                }
                let b = self.abs_expr(st, ops[0].0, ops[0].1, true)?;
                let w = self.abs_expr(st, ops[1].0, ops[1].1, true)?;
                if w != 4 && w != 8 {
                    return err(ops[1].0, "CNOP boundary must be 4 or 8");
                }
                if b < 0 || b >= w || b % 2 != 0 {
                    return err(
                        ops[0].0,
                        "CNOP byte must be an even number below the boundary",
                    );
                }
                self.section();
                self.align(2)?;
                while self.loc().rem_euclid(w) != b {
                    self.emit(&[0x07, 0x00], op_at)?;
                }
                self.label(st, 1)
            }
            "DC" | "DS" => self.dc_statement(st, &ops, op == "DS", op_at),
            "PRINT" | "TITLE" | "SPACE" | "EJECT" => Ok(()),
            _ if macros::is_conditional(&op) => err(op_at, format!("{op} is not supported here")),
            "COPY" => err(op_at, "COPY cannot be generated by a macro"),
            _ => self.instruction(st, &op, op_at, &ops),
        }
    }

    fn equ(&mut self, st: &Stmt, first: bool) -> Result<(), E> {
        let op_at = st.op.as_ref().map_or(0, |o| o.1);
        let Some((name, at)) = st.name.clone() else {
            return err(op_at, "EQU requires a name");
        };
        let ops = split_operands(&st.chars, st.operands.0, st.operands.1);
        let Some(&(s, e)) = ops.first() else {
            return err(op_at, "EQU requires an operand");
        };
        let r = self.expr_range(st, s, e, false);
        let v = match r {
            Ok(v) => v,
            Err(e) if e.undefined && self.pass == 1 && first => {
                self.deferred.push(self.stmt_idx);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let mut len = v.len.unwrap_or(1);
        if let Some(&(ls, le)) = ops.get(1) {
            if ls < le {
                len = self.abs_expr(st, ls, le, false)?;
                if !(0..=65535).contains(&len) {
                    return err(ls, format!("length {len} is outside 0-65535"));
                }
            }
        }
        self.define(st, &name, at, v, len)
    }

    /// The index of USING label `name` in `quals`.
    fn qual(&mut self, name: &str) -> u32 {
        match self.quals.iter().position(|q| q == name) {
            Some(i) => i as u32,
            None => {
                self.quals.push(name.to_string());
                (self.quals.len() - 1) as u32
            }
        }
    }

    /// `[LABEL] USING base,reg[,reg...]` or the dependent `[LABEL] USING base,address`.
    fn using(&mut self, st: &Stmt, ops: &[(usize, usize)], op_at: usize) -> Result<(), E> {
        if ops.len() < 2 {
            return err(op_at, "USING requires a base address and a register");
        }
        let label = match &st.name {
            Some((n, at)) if !n.starts_with('.') => {
                let up = n.to_ascii_uppercase();
                let valid = up.chars().next().is_some_and(is_sym_start)
                    && up.chars().all(is_sym_char)
                    && up.len() <= 63;
                if !valid {
                    return err(*at, format!("invalid USING label '{n}'"));
                }
                Some(self.qual(&up))
            }
            _ => None,
        };
        if self.pass == 1 {
            return Ok(());
        }
        let (s, e) = ops[0];
        let base = self.expr_range(st, s, e, false)?;
        if label.is_some() {
            // A labelled USING replaces the previous one with the same label.
            self.usings.retain(|u| u.label != label);
        }
        let (rs, re) = ops[1];
        let second = self.expr_range(st, rs, re, false)?;
        if second.sect.is_some() {
            if ops.len() > 2 {
                return err(ops[2].0, "a dependent USING takes one base address");
            }
            self.usings.push(Using {
                reg: 0,
                sect: base.sect,
                v: base.v,
                label,
                dep: Some((second.sect, second.v)),
            });
            return Ok(());
        }
        let mut regs = Vec::with_capacity(ops.len() - 1);
        for (k, &(rs, re)) in ops[1..].iter().enumerate() {
            let r = self.register(st, rs, re)?;
            // Register 0 as a base stands for address 0 (HLASM Language Reference, "Using
            // general register zero": the base must be absolute or relocatable zero and
            // register 0 the first base register). HLASM warns (ASMA302W) and assembles
            // as if the base were zero, which silently gives other addresses than the
            // source says; here it is an error.
            if r == 0 && k > 0 {
                return err(
                    rs,
                    "register 0 can only be the first base register of a USING",
                );
            }
            if r == 0 && self.address(base) != 0 {
                return err(
                    s,
                    format!(
                        "USING with base register 0 needs base address 0, not X'{:X}': register 0 as a base stands for address 0 (HLASM ASMA302W)",
                        self.address(base)
                    ),
                );
            }
            regs.push(r);
        }
        for (k, r) in regs.into_iter().enumerate() {
            if label.is_none() {
                self.usings
                    .retain(|u| u.label.is_some() || u.dep.is_some() || u.reg != r);
            }
            self.usings.push(Using {
                reg: r,
                sect: base.sect,
                v: base.v + 4096 * k as i64,
                label,
                dep: None,
            });
        }
        Ok(())
    }

    fn pool(&mut self, stmts: &[Stmt]) {
        let k = self.pool_no;
        self.pool_no += 1;
        if self.pass == 1 {
            let mut order = std::mem::take(&mut self.pending);
            let class = |len: i64| match () {
                _ if len % 8 == 0 => 0,
                _ if len % 4 == 0 => 1,
                _ if len % 2 == 0 => 2,
                _ => 3,
            };
            order.sort_by_key(|&i| class(self.lits[i].len));
            let c = self.section();
            for &i in &order {
                let l = self.sections[c].loc;
                self.lits[i].place = Some((c, l));
                let n = self.lits[i].len;
                let _ = self.advance(n, 0);
            }
            self.pools.push(order);
        } else {
            let order = self.pools.get(k).cloned().unwrap_or_default();
            for i in order {
                let lit = self.lits[i].clone();
                let Some(st) = stmts.get(lit.stmt) else {
                    continue;
                };
                if let Some((c, off)) = lit.place {
                    if Some(c) == self.cur {
                        self.set_loc(off);
                    }
                }
                let mut p = P::new(&st.chars, lit.start, lit.end);
                self.in_literal = true;
                let r = self.dc_operand(st, &mut p, false, true);
                self.in_literal = false;
                match r {
                    Ok(out) => {
                        if let Err(e) = self.emit(&out.bytes, lit.start) {
                            self.report(st, e);
                        }
                    }
                    Err(e) => {
                        self.report(st, e);
                        let _ = self.advance(lit.len, 0);
                    }
                }
            }
        }
    }

    fn end_pool(&mut self, stmts: &[Stmt], st: &Stmt) {
        let has = !self.pending.is_empty();
        if self.pass == 2 && self.pools.get(self.pool_no).is_none_or(|p| p.is_empty()) {
            return;
        }
        if self.pass == 1 && !has {
            return;
        }
        // The last pool goes at the end of the first control section.
        let target = self.first_csect.unwrap_or_else(|| self.section());
        self.cur = Some(target);
        let m = self.sections[target].max;
        self.set_loc(m);
        if let Err(e) = self.align(8) {
            self.report(st, e);
        }
        self.pool(stmts);
    }

    // ---- expressions --------------------------------------------------------------------

    /// Evaluates the whole of `c[s..e]` as an expression.
    fn expr_range(&mut self, st: &Stmt, s: usize, e: usize, sizing: bool) -> Result<Val, E> {
        let mut p = P::new(&st.chars, s, e);
        if p.at_end() {
            return err(s, "missing operand");
        }
        let v = self.expr(st, &mut p, sizing)?;
        if !p.at_end() {
            return err(p.i, format!("unexpected '{}'", p.peek().unwrap_or(' ')));
        }
        Ok(v)
    }

    fn abs_expr(&mut self, st: &Stmt, s: usize, e: usize, sizing: bool) -> Result<i64, E> {
        let v = self.expr_range(st, s, e, sizing)?;
        if v.sect.is_some() {
            return err(s, "expression must be absolute");
        }
        Ok(v.v)
    }

    fn register(&mut self, st: &Stmt, s: usize, e: usize) -> Result<u8, E> {
        let v = self.abs_expr(st, s, e, false)?;
        if !(0..=15).contains(&v) {
            return err(s, format!("register {v} is outside 0-15"));
        }
        Ok(v as u8)
    }

    pub(crate) fn expr(&mut self, st: &Stmt, p: &mut P, sizing: bool) -> Result<Val, E> {
        let mut left = self.term(st, p, sizing)?;
        loop {
            let at = p.i;
            let add = match p.peek() {
                Some('+') => true,
                Some('-') => false,
                _ => return Ok(left),
            };
            p.i += 1;
            let right = self.term(st, p, sizing)?;
            left = self.add(left, right, add, at)?;
        }
    }

    fn add(&self, l: Val, r: Val, add: bool, at: usize) -> Result<Val, E> {
        let ov = || E {
            at,
            msg: "arithmetic overflow".into(),
            undefined: false,
        };
        let v = |x: Option<i64>| x.ok_or_else(ov);
        match (l.sect, r.sect, add) {
            (_, None, true) => Ok(Val {
                v: v(l.v.checked_add(r.v))?,
                ..l
            }),
            (None, Some(_), true) => Ok(Val {
                v: v(l.v.checked_add(r.v))?,
                sect: r.sect,
                len: l.len,
                qual: l.qual.or(r.qual),
            }),
            (Some(_), Some(_), true) => err(at, "relocatable terms cannot be added"),
            (_, None, false) => Ok(Val {
                v: v(l.v.checked_sub(r.v))?,
                ..l
            }),
            (Some(a), Some(b), false) => {
                let d = if a == b {
                    v(l.v.checked_sub(r.v))?
                } else {
                    v(self.address(l).checked_sub(self.address(r)))?
                };
                Ok(Val {
                    v: d,
                    sect: None,
                    len: l.len,
                    qual: None,
                })
            }
            (None, Some(_), false) => err(
                at,
                "a relocatable term cannot be subtracted from an absolute one",
            ),
        }
    }

    fn term(&mut self, st: &Stmt, p: &mut P, sizing: bool) -> Result<Val, E> {
        let mut left = self.factor(st, p, sizing)?;
        loop {
            let at = p.i;
            let mul = match p.peek() {
                Some('*') => true,
                Some('/') => false,
                _ => return Ok(left),
            };
            p.i += 1;
            let right = self.factor(st, p, sizing)?;
            if left.sect.is_some() || right.sect.is_some() {
                return err(at, "relocatable term in multiplication or division");
            }
            let v = if mul {
                left.v.checked_mul(right.v)
            } else if right.v == 0 {
                Some(0)
            } else {
                left.v.checked_div(right.v)
            };
            let Some(v) = v else {
                return err(at, "arithmetic overflow");
            };
            left = Val { v, ..left };
        }
    }

    /// A factor; nesting (parentheses, signs, literals) is limited to [`MAX_NESTING`] so
    /// that no source can exhaust the stack.
    fn factor(&mut self, st: &Stmt, p: &mut P, sizing: bool) -> Result<Val, E> {
        if self.nesting >= MAX_NESTING {
            return err(p.i, "expression nested too deeply");
        }
        self.nesting += 1;
        let r = self.factor_inner(st, p, sizing);
        self.nesting -= 1;
        r
    }

    fn factor_inner(&mut self, st: &Stmt, p: &mut P, sizing: bool) -> Result<Val, E> {
        let at = p.i;
        match p.peek() {
            Some('+') => {
                p.i += 1;
                self.factor(st, p, sizing)
            }
            Some('-') => {
                p.i += 1;
                let v = self.factor(st, p, sizing)?;
                if v.sect.is_some() {
                    return err(at, "a relocatable term cannot be negated");
                }
                match v.v.checked_neg() {
                    Some(n) => Ok(Val { v: n, ..v }),
                    None => err(at, "arithmetic overflow"),
                }
            }
            _ => self.primary(st, p, sizing),
        }
    }

    fn primary(&mut self, st: &Stmt, p: &mut P, sizing: bool) -> Result<Val, E> {
        let at = p.i;
        let Some(c) = p.peek() else {
            return err(at, "missing term");
        };
        match c {
            '(' => {
                p.i += 1;
                let v = self.expr(st, p, sizing)?;
                p.expect(')')?;
                Ok(v)
            }
            '*' => {
                p.i += 1;
                let mut v = self.here();
                v.len = Some(self.stmt_len_attr(st));
                Ok(v)
            }
            '=' => {
                let (v, _) = self.literal(st, p)?;
                Ok(v)
            }
            '0'..='9' => {
                let mut v: i64 = 0;
                while let Some(d) = p.peek().and_then(|c| c.to_digit(10)) {
                    p.i += 1;
                    v = match v.checked_mul(10).and_then(|v| v.checked_add(d as i64)) {
                        Some(v) if v <= u32::MAX as i64 => v,
                        _ => return err(at, "decimal term too large"),
                    };
                }
                Ok(Val::abs(v))
            }
            _ if p.peek2() == Some('\'')
                && matches!(c, 'L' | 'l')
                && is_attr_quote(p.c, p.i + 1) =>
            {
                p.i += 2;
                if p.eat('*') {
                    return Ok(Val::abs(self.stmt_len_attr(st)));
                }
                if p.peek() == Some('=') {
                    let (_, len) = self.literal(st, p)?;
                    return Ok(Val::abs(len));
                }
                let sat = p.i;
                let Some(name) = p.symbol() else {
                    return err(sat, "expected a symbol after L'");
                };
                let sym = self.lookup(&name, sat, sizing)?;
                Ok(Val::abs(sym.len))
            }
            _ if p.peek2() == Some('\'') && matches!(c, 'X' | 'x' | 'B' | 'b' | 'C' | 'c') => {
                p.i += 1;
                let chars = p.quoted()?;
                self_defining(c.to_ascii_uppercase(), &chars, at).map(Val::abs)
            }
            _ if is_sym_start(c) => {
                let mut name = p.symbol().unwrap_or_default();
                let mut qual = None;
                let mut sat = at;
                if p.peek() == Some('.') && p.peek2().is_some_and(is_sym_start) {
                    // A qualified symbol LABEL.SYMBOL, resolved through that labelled USING.
                    qual = Some(self.qual(&name));
                    p.i += 1;
                    sat = p.i;
                    name = p.symbol().unwrap_or_default();
                }
                let sym = self.lookup(&name, sat, sizing)?;
                Ok(Val {
                    v: sym.v,
                    sect: sym.sect,
                    len: Some(sym.len),
                    qual,
                })
            }
            _ => err(at, format!("unexpected '{c}'")),
        }
    }

    /// Length attribute of `*`: the length of the statement's instruction, else 1.
    fn stmt_len_attr(&self, st: &Stmt) -> i64 {
        st.op
            .as_ref()
            .and_then(|(op, _)| {
                Opcode::from_mnemonic(op)
                    .or_else(|| parse_extended_mnemonic(op).map(|x| x.base))
                    .map(|o| o.length() as i64)
            })
            .unwrap_or(1)
    }

    fn lookup(&mut self, name: &str, at: usize, sizing: bool) -> Result<Sym, E> {
        match self.syms.get(name) {
            Some(s) => {
                let s = s.clone();
                if self.pass == 2 {
                    let refs = self.refs.entry(name.to_string()).or_default();
                    if refs.last() != Some(&self.line) {
                        refs.push(self.line);
                    }
                }
                Ok(s)
            }
            None => Err(E {
                at,
                msg: if sizing && self.pass == 1 {
                    format!("symbol {name} is undefined or defined later (a length or count must be known here)")
                } else {
                    format!("undefined symbol {name}")
                },
                undefined: !sizing,
            }),
        }
    }

    /// A literal (`=` next): its address and length. Pass 1 enters it in the current pool.
    fn literal(&mut self, st: &Stmt, p: &mut P) -> Result<(Val, i64), E> {
        let at = p.i;
        p.expect('=')?;
        let start = p.i;
        if self.in_literal {
            return err(at, "a literal cannot contain a literal");
        }
        self.in_literal = true;
        let out = self.dc_operand(st, p, false, false);
        self.in_literal = false;
        let out = out?;
        if out.nominal_missing {
            return err(at, "a literal requires a nominal value");
        }
        let key: String = p.c[start..p.i].iter().collect();
        let k = (key, self.pool_no);
        let idx = match self.lit_map.get(&k) {
            Some(&i) => i,
            None => {
                if self.pass == 2 {
                    return err(at, "literal not seen in pass 1");
                }
                self.lits.push(Lit {
                    stmt: self.stmt_idx,
                    start,
                    end: p.i,
                    len: out.total,
                    place: None,
                });
                let i = self.lits.len() - 1;
                self.lit_map.insert(k, i);
                self.pending.push(i);
                i
            }
        };
        let lit = &self.lits[idx];
        match lit.place {
            Some((sect, v)) => Ok((
                Val {
                    v,
                    sect: Some(sect),
                    len: Some(out.first_len),
                    qual: None,
                },
                out.first_len,
            )),
            None => Err(E {
                at,
                msg: "literal has no pool".into(),
                undefined: true,
            }),
        }
    }

    // ---- instructions -------------------------------------------------------------------

    fn instruction(
        &mut self,
        st: &Stmt,
        op: &str,
        op_at: usize,
        ops: &[(usize, usize)],
    ) -> Result<(), E> {
        let (opcode, mask) = match Opcode::from_mnemonic(op) {
            Some(o) => (o, None),
            None => match parse_extended_mnemonic(op) {
                Some(x) => (x.base, Some(x.mask)),
                None => return err(op_at, format!("unknown operation {op}")),
            },
        };
        self.section();
        self.align(2)?;
        let len = opcode.length() as i64;
        self.label(st, len)?;
        let specs = opcode.info().operands;
        let given = ops.len() + mask.is_some() as usize;
        // An instruction without operands takes the rest of the line as remarks.
        let ops: &[(usize, usize)] = if specs.is_empty() { &[] } else { ops };
        if self.pass == 1 {
            for &(s, e) in ops {
                if st.chars.get(s) == Some(&'=') {
                    let mut p = P::new(&st.chars, s, e);
                    if let Err(e) = self.literal(st, &mut p) {
                        if !e.undefined {
                            self.report(st, e);
                        }
                    }
                }
            }
            return self.advance(len, op_at);
        }
        if !specs.is_empty() && given != specs.len() {
            let at = ops.get(specs.len()).map_or(op_at, |o| o.0);
            self.advance(len, op_at)?;
            return err(
                at,
                format!(
                    "{op} takes {} operands, found {}",
                    specs.len() - mask.is_some() as usize,
                    ops.len()
                ),
            );
        }
        let insn = self.here();
        let mut operands = Vec::with_capacity(specs.len());
        let mut first_err = None;
        let mut k = 0;
        for (i, spec) in specs.iter().enumerate() {
            if i == 0 {
                if let Some(m) = mask {
                    operands.push(Operand::Mask(m));
                    continue;
                }
            }
            let (s, e) = ops[k];
            k += 1;
            match self.operand(st, spec, s, e, insn, i - mask.is_some() as usize) {
                Ok(o) => operands.push(o),
                Err(e) => {
                    if first_err.is_none() {
                        first_err = Some(e);
                    }
                    operands.push(Operand::Gpr(0));
                }
            }
        }
        if let Some(e) = first_err {
            self.advance(len, op_at)?;
            return Err(e);
        }
        match encode(opcode, &operands) {
            Ok(enc) => self.emit(enc.as_bytes(), op_at),
            Err(e) => {
                self.advance(len, op_at)?;
                err(ops.first().map_or(op_at, |o| o.0), e.to_string())
            }
        }
    }

    fn operand(
        &mut self,
        st: &Stmt,
        spec: &OperandSpec,
        s: usize,
        e: usize,
        insn: Val,
        n: usize,
    ) -> Result<Operand, E> {
        let n = n + 1;
        match *spec {
            OperandSpec::Gpr { .. }
            | OperandSpec::Fpr { .. }
            | OperandSpec::Ar { .. }
            | OperandSpec::Cr { .. }
            | OperandSpec::Mask { .. } => {
                let v = self.abs_expr(st, s, e, false)?;
                if !(0..=15).contains(&v) {
                    return err(
                        s,
                        format!("operand {n}: register or mask {v} is outside 0-15"),
                    );
                }
                Ok(match spec {
                    OperandSpec::Mask { .. } => Operand::Mask(v as u8),
                    _ => Operand::Gpr(v as u8),
                })
            }
            OperandSpec::Unsigned { start, width } | OperandSpec::Signed { start, width } => {
                let v = self.expr_range(st, s, e, false)?;
                let v = self.address(v);
                let signed = matches!(spec, OperandSpec::Signed { .. });
                let (min, max) = if signed {
                    (-(1i64 << (width - 1)), (1i64 << width) - 1)
                } else {
                    (0, (1i64 << width) - 1)
                };
                if !(min..=max).contains(&v) {
                    return err(
                        s,
                        format!("operand {n}: value {v} does not fit in {width} bits"),
                    );
                }
                let _ = start;
                if v < 0 {
                    Ok(Operand::Signed(v as i32))
                } else {
                    Ok(Operand::Unsigned(v as u32))
                }
            }
            OperandSpec::Relative { width, .. } => {
                let v = self.expr_range(st, s, e, false)?;
                let d = self.address(v) - self.address(insn);
                if d % 2 != 0 {
                    return err(
                        s,
                        format!("operand {n}: branch target is not on a halfword boundary"),
                    );
                }
                let h = d / 2;
                let lim = 1i64 << (width - 1);
                if !(-lim..lim).contains(&h) {
                    return err(s, format!("operand {n}: branch target is out of range"));
                }
                Ok(Operand::Relative(h as i32))
            }
            OperandSpec::Storage { index, length, .. } => {
                self.storage(st, s, e, index.is_some(), length, n)
            }
        }
    }

    /// A storage operand: `D(X,B)`, `D(,B)`, `D(X)`, `D(B)`, `D(L,B)`, `D(L)`, implicit
    /// addresses and literals.
    fn storage(
        &mut self,
        st: &Stmt,
        s: usize,
        e: usize,
        has_index: bool,
        length: LengthSpec,
        n: usize,
    ) -> Result<Operand, E> {
        let mut p = P::new(&st.chars, s, e);
        if p.at_end() {
            return err(s, format!("operand {n}: missing storage operand"));
        }
        let d = self.expr(st, &mut p, false)?;
        let mut parts: Vec<(usize, usize)> = Vec::new();
        if p.peek() == Some('(') {
            let open = p.i;
            p.i += 1;
            let mut depth = 0;
            let mut ps = p.i;
            loop {
                match p.peek() {
                    None => return err(open, "missing ')'"),
                    Some('(') => depth += 1,
                    Some(')') if depth == 0 => {
                        parts.push((ps, p.i));
                        p.i += 1;
                        break;
                    }
                    Some(')') => depth -= 1,
                    Some(',') if depth == 0 => {
                        parts.push((ps, p.i));
                        ps = p.i + 1;
                    }
                    _ => {}
                }
                p.i += 1;
            }
        }
        if !p.at_end() {
            return err(p.i, format!("unexpected '{}'", p.peek().unwrap_or(' ')));
        }
        if parts.len() > 2 {
            return err(parts[2].0, format!("operand {n}: too many subfields"));
        }
        let has_len = !matches!(length, LengthSpec::None);
        let mut index = 0u8;
        let mut base_reg: Option<u8> = None;
        let mut len_val: Option<i64> = None;
        let mut len_reg: Option<u8> = None;
        let first = parts.first().copied().filter(|(a, b)| a < b);
        match parts.len() {
            0 => {}
            1 => {
                let (a, b) = parts[0];
                if a >= b {
                    return err(a, format!("operand {n}: empty subfield"));
                }
                if has_index {
                    index = self.register(st, a, b)?;
                } else if let LengthSpec::Register { .. } = length {
                    len_reg = Some(self.register(st, a, b)?);
                } else if has_len {
                    len_val = Some(self.abs_expr(st, a, b, false)?);
                } else {
                    base_reg = Some(self.register(st, a, b)?);
                }
            }
            _ => {
                let (bs, be) = parts[1];
                if bs >= be {
                    return err(bs, format!("operand {n}: missing base register"));
                }
                base_reg = Some(self.register(st, bs, be)?);
                if let Some((a, b)) = first {
                    if has_index {
                        index = self.register(st, a, b)?;
                    } else if let LengthSpec::Register { .. } = length {
                        len_reg = Some(self.register(st, a, b)?);
                    } else if has_len {
                        len_val = Some(self.abs_expr(st, a, b, false)?);
                    } else {
                        return err(
                            a,
                            format!("operand {n}: this operand takes no index register"),
                        );
                    }
                }
            }
        }
        let (disp, base) = match base_reg {
            Some(b) => {
                if d.sect.is_some() {
                    return err(s, format!("operand {n}: displacement must be absolute with an explicit base register"));
                }
                if !(0..=4095).contains(&d.v) {
                    return err(
                        s,
                        format!("operand {n}: displacement {} is outside 0-4095", d.v),
                    );
                }
                (d.v as u16, b)
            }
            None => self.resolve(d, s, n)?,
        };
        let length = match length {
            LengthSpec::None => Length::None,
            LengthSpec::Register { .. } => match len_reg {
                Some(r) => Length::Register(r),
                None => return err(s, format!("operand {n}: a register is required: D(R,B)")),
            },
            LengthSpec::Bytes8 { .. } | LengthSpec::Bytes4 { .. } => {
                let max = if matches!(length, LengthSpec::Bytes8 { .. }) {
                    256
                } else {
                    16
                };
                let l = match len_val {
                    Some(l) => l,
                    None => {
                        let l = if base_reg.is_some() {
                            1
                        } else {
                            d.len.unwrap_or(1)
                        };
                        l.min(max)
                    }
                };
                if !(0..=max).contains(&l) {
                    return err(s, format!("operand {n}: length {l} is outside 1-{max}"));
                }
                Length::Bytes(l.max(1) as u16)
            }
        };
        Ok(Operand::Storage(Storage {
            disp,
            index,
            base,
            length,
        }))
    }

    /// Base register and displacement for an implicit address.
    fn resolve(&self, d: Val, at: usize, n: usize) -> Result<(u16, u8), E> {
        if let Some(q) = d.qual {
            if !self.usings.iter().any(|u| u.label == Some(q)) {
                let name = self.quals.get(q as usize).map_or("", String::as_str);
                return err(
                    at,
                    format!("operand {n}: {name} is not an active USING label"),
                );
            }
        } else if d.sect.is_none() && (0..=4095).contains(&d.v) {
            // Absolute addresses 0-4095 need no USING: base register 0, displacement the
            // address; a USING that covers the address is preferred (HLASM Language
            // Reference, "Base registers for absolute addresses": USING 0,3 makes LA 7,5
            // X'41703005').
            return Ok(match self.resolve_in(None, d.v, None, 0) {
                Some((off, r)) if off <= d.v => (off as u16, r),
                _ => (d.v as u16, 0),
            });
        }
        match self.resolve_in(d.sect, d.v, d.qual, 0) {
            Some((off, r)) => Ok((off as u16, r)),
            None => err(
                at,
                format!(
                    "operand {n}: address X'{:X}' is not addressable (no USING covers it)",
                    self.address(d)
                ),
            ),
        }
    }

    /// The best (smallest displacement, then highest register) base for (sect, v) among
    /// the USINGs with label `qual`; dependent USINGs map the address onward (at most 16
    /// deep, so that circular dependent USINGs end).
    fn resolve_in(
        &self,
        sect: Option<usize>,
        v: i64,
        qual: Option<u32>,
        depth: u32,
    ) -> Option<(i64, u8)> {
        if depth > 16 {
            return None;
        }
        let mut best: Option<(i64, u8)> = None;
        for u in self.usings.iter().filter(|u| u.label == qual) {
            let off = match (sect, u.sect) {
                (Some(a), Some(b)) if a == b => v - u.v,
                (None, None) => v - u.v,
                _ => continue,
            };
            if !(0..=4095).contains(&off) {
                continue;
            }
            let cand = match u.dep {
                None => (off, u.reg),
                Some((ts, tv)) => {
                    let t = tv + off;
                    let direct = (ts.is_none() && (0..=4095).contains(&t)).then_some((t, 0));
                    match direct.or_else(|| self.resolve_in(ts, t, None, depth + 1)) {
                        Some(c) => c,
                        None => continue,
                    }
                }
            };
            let better = match best {
                None => true,
                Some((bo, br)) => cand.0 < bo || (cand.0 == bo && cand.1 > br),
            };
            if better {
                best = Some(cand);
            }
        }
        best
    }

    // ---- listing ------------------------------------------------------------------------

    fn listing(&self, stmts: &[Stmt]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "  LOC   OBJECT CODE       STMT  SOURCE STATEMENT");
        for (i, st) in stmts.iter().enumerate() {
            let row = self.rows.get(i).copied().unwrap_or_default();
            let loc = match row.loc {
                Some(l) if !st.comment => format!("{:06X}", l),
                _ => String::new(),
            };
            let mut obj = String::new();
            for b in &row.obj[..row.obj_len as usize] {
                let _ = write!(obj, "{b:02X}");
            }
            let mark = if st.generated { '+' } else { ' ' };
            for (k, line) in st.lines().enumerate() {
                if k == 0 {
                    let _ = writeln!(out, "{loc:<6} {obj:<16} {:>5}{mark} {line}", st.line);
                } else {
                    let _ = writeln!(out, "{:<6} {:<16} {:>5}  {line}", "", "", st.line + k);
                }
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "SYMBOL                           LENGTH   VALUE     DEFN  REFERENCES"
        );
        let mut names: Vec<&String> = self.syms.keys().collect();
        names.sort();
        for name in names {
            let s = &self.syms[name];
            let v = self.address(Val {
                v: s.v,
                sect: s.sect,
                len: None,
                qual: None,
            });
            let refs = self
                .refs
                .get(name)
                .map(|r| {
                    r.iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{name:<32} {:>6}   {:08X} {:>5}  {refs}",
                s.len, v as u32, s.line
            );
        }
        out
    }
}

/// Value of a self-defining term `X'..'`, `B'..'`, `C'..'`.
fn self_defining(kind: char, chars: &[(char, usize)], at: usize) -> Result<i64, E> {
    let mut v: i64 = 0;
    match kind {
        'X' | 'B' => {
            let radix = if kind == 'X' { 16 } else { 2 };
            let bits = if kind == 'X' { 4 } else { 1 };
            if chars.is_empty() {
                return err(at, "empty self-defining term");
            }
            if chars.len() * bits > 32 {
                return err(at, "self-defining term too large");
            }
            for &(c, i) in chars {
                let Some(d) = c.to_digit(radix) else {
                    return err(i, format!("invalid digit '{c}'"));
                };
                v = (v << bits) | d as i64;
            }
        }
        _ => {
            if chars.is_empty() {
                return err(at, "empty self-defining term");
            }
            if chars.len() > 4 {
                return err(at, "character self-defining term longer than 4 characters");
            }
            for &(c, i) in chars {
                let Some(b) = dc::ebcdic(c) else {
                    return err(i, format!("character '{c}' has no EBCDIC code"));
                };
                v = (v << 8) | b as i64;
            }
        }
    }
    Ok(v)
}
