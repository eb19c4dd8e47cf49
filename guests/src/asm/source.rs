//! Source lines to statements: fixed HLASM columns (name in column 1, continuation mark in
//! column 72, continued text from column 16, columns 73-80 ignored), comment lines `*` and
//! `.*`, and the split of a statement into name, operation and operand fields.

/// One logical statement (a line and its continuations).
#[derive(Clone, Debug, Default)]
pub(crate) struct Stmt {
    /// The statement text, columns 1-71 and the continued parts.
    pub chars: Vec<char>,
    /// (line, column) of every character, 1-based.
    pub pos: Vec<(usize, usize)>,
    /// First source line (1-based).
    pub line: usize,
    /// The source lines as written, for the listing.
    pub lines: Vec<String>,
    /// Comment or blank: nothing to assemble.
    pub comment: bool,
    /// Name field (as written) and its start.
    pub name: Option<(String, usize)>,
    /// Operation (upper case) and its start.
    pub op: Option<(String, usize)>,
    /// The operand field: start and end (exclusive).
    pub operands: (usize, usize),
}

impl Stmt {
    /// (line, column) of character `i`, or just past the end.
    pub fn at(&self, i: usize) -> (usize, usize) {
        match self.pos.get(i) {
            Some(&p) => p,
            None => match self.pos.last() {
                Some(&(l, c)) => (l, c + 1),
                None => (self.line, 1),
            },
        }
    }
}

/// Whether `c` may appear in a symbol.
pub(crate) fn is_sym_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '@' | '#' | '$' | '_')
}

/// Whether `c` may start a symbol.
pub(crate) fn is_sym_start(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '@' | '#' | '$' | '_')
}

/// Whether the quote at `i` is the quote of an attribute reference `L'SYM` (not a string).
pub(crate) fn is_attr_quote(c: &[char], i: usize) -> bool {
    i >= 1
        && matches!(c[i - 1], 'L' | 'l')
        && (i < 2 || !is_sym_char(c[i - 2]))
        && c.get(i + 1)
            .is_some_and(|&n| is_sym_start(n) || n == '*' || n == '=')
}

/// Splits source text into statements.
pub(crate) fn statements(text: &str) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut cur: Option<Stmt> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let chars: Vec<char> = raw
            .chars()
            .map(|c| if c == '\t' || c == '\r' { ' ' } else { c })
            .collect();
        let continued = chars.get(71).is_some_and(|&c| c != ' ');
        let body_end = chars.len().min(71);
        match cur.as_mut() {
            Some(st) => {
                st.lines.push(raw.to_string());
                for (col, &c) in chars.iter().enumerate().take(body_end).skip(15) {
                    st.chars.push(c);
                    st.pos.push((line_no, col + 1));
                }
            }
            None => {
                let mut st = Stmt {
                    line: line_no,
                    lines: vec![raw.to_string()],
                    ..Stmt::default()
                };
                let first: String = chars.iter().take(2).collect();
                if first.starts_with('*') || first == ".*" {
                    st.comment = true;
                }
                for (col, &c) in chars.iter().enumerate().take(body_end) {
                    st.chars.push(c);
                    st.pos.push((line_no, col + 1));
                }
                cur = Some(st);
            }
        }
        if continued {
            // An operand field broken after a comma goes on in column 16 of the next line.
            if let Some(st) = cur.as_mut() {
                let keep = st
                    .chars
                    .iter()
                    .rposition(|&c| c != ' ')
                    .map_or(0, |i| i + 1);
                if keep > 0 && st.chars[keep - 1] == ',' && !st.comment {
                    st.chars.truncate(keep);
                    st.pos.truncate(keep);
                }
            }
        } else {
            if let Some(st) = cur.take() {
                out.push(finish(st));
            }
        }
    }
    if let Some(st) = cur.take() {
        out.push(finish(st));
    }
    out
}

fn finish(mut st: Stmt) -> Stmt {
    if st.comment {
        return st;
    }
    let c = &st.chars;
    if c.iter().all(|&x| x == ' ') {
        st.comment = true;
        return st;
    }
    let mut i = 0;
    if c.first().is_some_and(|&x| x != ' ') {
        let start = 0;
        while i < c.len() && c[i] != ' ' {
            i += 1;
        }
        st.name = Some((c[start..i].iter().collect(), start));
    }
    while i < c.len() && c[i] == ' ' {
        i += 1;
    }
    if i < c.len() {
        let start = i;
        while i < c.len() && c[i] != ' ' {
            i += 1;
        }
        let op: String = c[start..i].iter().collect();
        st.op = Some((op.to_ascii_uppercase(), start));
    }
    while i < c.len() && c[i] == ' ' {
        i += 1;
    }
    let start = i;
    let mut quote = false;
    while i < c.len() {
        let ch = c[i];
        if ch == '\'' {
            if quote || !is_attr_quote(c, i) {
                quote = !quote;
            }
        } else if ch == ' ' && !quote {
            break;
        }
        i += 1;
    }
    st.operands = (start, i);
    st
}

/// Splits `c[start..end]` at commas outside parentheses and quotes.
pub(crate) fn split_operands(c: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if start >= end {
        return out;
    }
    let mut depth = 0i32;
    let mut quote = false;
    let mut s = start;
    for i in start..end.min(c.len()) {
        match c[i] {
            '\'' if quote || !is_attr_quote(c, i) => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ',' if !quote && depth <= 0 => {
                out.push((s, i));
                s = i + 1;
            }
            _ => {}
        }
    }
    out.push((s, end));
    out
}
