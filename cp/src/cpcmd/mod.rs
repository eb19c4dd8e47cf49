//! CP commands for one user, with VM/370 Release 6's message numbers and texts (*VM/370 CP
//! Command Reference for General Users*, GC20-1820; *VM/370 System Messages*, GC20-1808)
//! and VM's abbreviation rules (each command and operand has a shortest form, shown in the
//! reference by capital letters).
//!
//! Commands come from the console (`#CP` lines, CP mode after an attention) and from
//! DIAGNOSE X'08'. A command answers with a [`CpResult`]: CP's return code (0, or the number
//! of the message it gave) and its response lines. An unknown command is return code 1
//! ([`RC_UNKNOWN`]) with `DMKCFM001E UNKNOWN CP COMMAND`; DIAGNOSE X'08' drops that line
//! (CMS's implied CP says `Unknown CP/CMS command` itself).
//!
//! One file per command family: [`query`] (QUERY), [`set`] (SET, TERMINAL), [`link`]
//! (LINK, DETACH, DEFINE), [`spool`] (SPOOL, CLOSE, MSG), [`ipl`] (IPL, BEGIN, LOGOFF).

use std::collections::BTreeMap;

use diagnose::Emsg;

use crate::cpu::Cpu;

use super::Cp;

mod ipl;
mod link;
mod query;
mod set;
mod spool;

pub(crate) use ipl::date_time;
pub(crate) use link::LinkInfo;
pub(crate) use spool::{SpoolFile, SpoolOpts};

/// CP's return code for an unknown command (DMKCFM001E).
pub(crate) const RC_UNKNOWN: u32 = 1;

/// Result of one CP command.
#[derive(Debug, Default)]
pub(crate) struct CpResult {
    /// CP's return code: 0, or the number of the error message.
    pub rc: u32,
    /// Response lines.
    pub lines: Vec<String>,
}

impl CpResult {
    pub(crate) fn ok() -> CpResult {
        CpResult::default()
    }
    /// One line with return code `rc`.
    pub(crate) fn line(rc: u32, s: impl Into<String>) -> CpResult {
        CpResult {
            rc,
            lines: vec![s.into()],
        }
    }
    /// Response lines, return code 0.
    pub(crate) fn lines(lines: Vec<String>) -> CpResult {
        CpResult { rc: 0, lines }
    }
    /// An error message `DMKmmmnnnE text`: the return code is its number nnn.
    pub(crate) fn error(msg: impl Into<String>) -> CpResult {
        let msg = msg.into();
        let rc = msg.get(6..9).and_then(|n| n.parse().ok()).unwrap_or(1);
        CpResult::line(rc, msg)
    }
}

/// The `SET` and `TERMINAL` settings of a virtual machine (what `QUERY SET` and
/// `QUERY TERMINAL` show).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// `SET IMSG`: CP's informational responses (`DASD 191 DETACHED`, ...).
    pub imsg: bool,
    /// `SET MSG`: messages from other users (and oneself).
    pub msg: bool,
    /// `SET WNG`: warnings from the operator.
    pub wng: bool,
    /// `SET RUN`: after a CP command in CP mode the virtual machine resumes by itself.
    pub run: bool,
    /// `SET ECHO`: console input lines are written back to the console (on a terminal
    /// that does not show what is typed, e.g. a script).
    pub echo: bool,
    /// `SET PFnn`: program function key settings.
    pub pf: BTreeMap<u8, String>,
    /// `TERMINAL MODE CP`: an attention always goes to CP.
    pub mode_cp: bool,
    /// `TERMINAL LINEND`, `CHARDEL`, `LINEDEL`, `ESCAPE` characters (None = OFF).
    pub linend: Option<char>,
    pub chardel: Option<char>,
    pub linedel: Option<char>,
    pub escape: Option<char>,
    /// `TERMINAL ATTN`, `APL`, `TEXT`, `LINESIZE`.
    pub attn: bool,
    pub apl: bool,
    pub text: bool,
    pub linesize: u16,
    /// `TERMINAL CODEPAGE`: the console's EBCDIC code page (037 at logon).
    pub codepage: crate::io::ebcdic::CodePage,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            imsg: true,
            msg: true,
            wng: true,
            run: false,
            echo: false,
            pf: BTreeMap::new(),
            mode_cp: false,
            linend: Some('#'),
            chardel: Some('@'),
            linedel: Some('¢'),
            escape: Some('"'),
            attn: true,
            apl: false,
            text: false,
            linesize: 130,
            codepage: crate::io::ebcdic::CodePage::Cp037,
        }
    }
}

/// The text of an `Emsg` setting as `QUERY SET` shows it.
pub(crate) fn emsg_text(e: Emsg) -> &'static str {
    match e {
        Emsg::On => "ON",
        Emsg::Off => "OFF",
        Emsg::Code => "CODE",
        Emsg::Text => "TEXT",
    }
}

/// Whether `word` is an abbreviation of `full` at least `min` characters long.
pub(crate) fn abbrev(word: &str, full: &str, min: usize) -> bool {
    word.len() >= min && word.len() <= full.len() && full.starts_with(word)
}

/// The text after a `#CP` prefix (case-insensitive), if the line has one.
pub(crate) fn strip_cp_prefix(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.len() >= 3 && t.is_char_boundary(3) && t[..3].eq_ignore_ascii_case("#CP") {
        let rest = &t[3..];
        if rest.is_empty() || rest.starts_with(' ') {
            return Some(rest.trim_start());
        }
    }
    None
}

/// A virtual device address: 1 to 3 hexadecimal digits, at most X'5FF' (a BC-mode virtual
/// machine; CP Command Reference, LINK: "any address up to X'5FF' is valid").
pub(crate) fn parse_vaddr(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 3 {
        return None;
    }
    u16::from_str_radix(s, 16).ok().filter(|v| *v <= 0x5FF)
}

/// A storage size `nnnK` or `nnM` (no suffix: K); None when it is not a number or not a
/// multiple of 4K.
pub(crate) fn parse_storage(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1u64 << 10),
        b'M' => (&s[..s.len() - 1], 1u64 << 20),
        _ => (s, 1u64 << 10),
    };
    let n: u64 = num.parse().ok()?;
    let bytes = n.checked_mul(mult)?;
    (bytes > 0 && bytes % 4096 == 0).then_some(bytes)
}

/// The words of a command line: upper case, split at blanks.
pub(crate) struct Words<'a> {
    words: Vec<String>,
    /// The line as typed (for message text and passwords).
    pub raw: &'a str,
    at: usize,
}

impl<'a> Words<'a> {
    pub(crate) fn new(raw: &'a str) -> Words<'a> {
        Words {
            words: raw
                .split_whitespace()
                .map(|w| w.to_ascii_uppercase())
                .collect(),
            raw,
            at: 0,
        }
    }
    /// The next word.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Option<String> {
        let w = self.words.get(self.at).cloned();
        self.at += 1;
        w
    }
    /// The next word without taking it.
    pub(crate) fn peek(&self) -> Option<&str> {
        self.words.get(self.at).map(|s| s.as_str())
    }
    /// The raw text after the words taken so far.
    pub(crate) fn rest_raw(&self) -> String {
        self.raw
            .split_whitespace()
            .skip(self.at)
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// Whether words are left.
    pub(crate) fn more(&self) -> bool {
        self.at < self.words.len()
    }
}

impl Cp {
    /// Runs one CP command line. `from_console`: typed by the user (CP may then prompt for
    /// a password); otherwise from DIAGNOSE X'08'.
    pub(crate) fn cp_command(&mut self, cpu: &mut Cpu, line: &str) -> CpResult {
        let from_console = !self.in_diagnose;
        self.cp_command_from(cpu, line, from_console)
    }

    pub(crate) fn cp_command_from(
        &mut self,
        cpu: &mut Cpu,
        line: &str,
        from_console: bool,
    ) -> CpResult {
        let mut w = Words::new(line.trim());
        let Some(verb) = w.next() else {
            return CpResult::ok();
        };
        if self.trace {
            eprintln!("CP command: {}", line.trim());
        }
        let v = verb.as_str();
        if abbrev(v, "LOGOFF", 3) || abbrev(v, "LOGOUT", 4) {
            return self.cmd_logoff(&mut w);
        }
        if abbrev(v, "QUERY", 1) {
            return self.cmd_query(cpu, &mut w);
        }
        if abbrev(v, "IPL", 1) {
            return self.cmd_ipl(cpu, &mut w);
        }
        if abbrev(v, "BEGIN", 1) {
            return self.cmd_begin(cpu, &mut w);
        }
        if abbrev(v, "MESSAGE", 1) || abbrev(v, "MSG", 3) {
            return self.cmd_msg(&mut w);
        }
        if abbrev(v, "SET", 3) {
            return self.cmd_set(&mut w);
        }
        if abbrev(v, "TERMINAL", 4) {
            return self.cmd_terminal(&mut w);
        }
        if abbrev(v, "SPOOL", 2) {
            return self.cmd_spool(&mut w);
        }
        if abbrev(v, "CLOSE", 1) {
            return self.cmd_close(&mut w);
        }
        if abbrev(v, "LINK", 1) {
            return self.cmd_link(&mut w, from_console);
        }
        if abbrev(v, "DETACH", 3) {
            return self.cmd_detach(&mut w);
        }
        if abbrev(v, "DEFINE", 3) {
            return self.cmd_define(cpu, &mut w);
        }
        if abbrev(v, "LOGON", 1) || abbrev(v, "LOGIN", 4) {
            // Already logged on (DMKCFM: LOGON is a command of a terminal without a user).
            return CpResult::error("DMKCFM001E UNKNOWN CP COMMAND");
        }
        CpResult::line(RC_UNKNOWN, "DMKCFM001E UNKNOWN CP COMMAND")
    }

    /// Writes the lines of `r` to the console.
    pub(crate) fn show(&mut self, r: &CpResult) {
        for l in &r.lines {
            self.cp_line(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp_prefix_and_abbreviations() {
        assert_eq!(strip_cp_prefix("#cp q time"), Some("q time"));
        assert_eq!(strip_cp_prefix("#CP"), Some(""));
        assert_eq!(strip_cp_prefix("#CPX"), None);
        assert_eq!(strip_cp_prefix("hello"), None);
        assert!(abbrev("Q", "QUERY", 1));
        assert!(abbrev("LOG", "LOGOFF", 3));
        assert!(!abbrev("LO", "LOGOFF", 3));
        assert!(!abbrev("QUERYX", "QUERY", 1));
    }

    #[test]
    fn operands() {
        assert_eq!(parse_vaddr("191"), Some(0x191));
        assert_eq!(parse_vaddr("5FF"), Some(0x5FF));
        assert_eq!(parse_vaddr("600"), None);
        assert_eq!(parse_vaddr("1234"), None);
        assert_eq!(parse_vaddr("XYZ"), None);
        assert_eq!(parse_storage("1M"), Some(1 << 20));
        assert_eq!(parse_storage("512K"), Some(512 << 10));
        assert_eq!(parse_storage("512"), Some(512 << 10));
        assert_eq!(parse_storage("3K"), None);
        assert_eq!(parse_storage("0M"), None);
        assert_eq!(parse_storage("M"), None);
        assert_eq!(
            CpResult::error("DMKLNK107E X 191 NOT LINKED; NOT IN CP DIRECTORY").rc,
            107
        );
    }
}
