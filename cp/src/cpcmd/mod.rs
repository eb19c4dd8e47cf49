//! CP commands for one user, with VM/370 Release 6's message numbers and texts (*VM/370 CP
//! Command Reference for General Users*, GC20-1820; *VM/370 System Messages*, GC20-1808)
//! and VM's abbreviation rules (each command and operand has a shortest form, shown in the
//! reference by capital letters).
//!
//! A CP command is one row of [`COMMANDS`]: its name, shortest abbreviation, other names,
//! privilege classes and handler. Commands come from the console (`#CP` lines, CP mode
//! after an attention) and from DIAGNOSE X'08'; [`Cp::cp_command_from`] looks the verb up
//! among the rows the user's classes allow and runs the handler. A handler answers with a
//! [`CpResult`]: CP's return code (0, or the number of the message it gave), its response
//! lines, and what it does to the virtual machine ([`Effect`]: BEGIN, IPL, a reset,
//! LOGOFF), which [`Cp::apply_effect`] carries out, the one place that does. An unknown
//! command, and one outside the user's classes (CP hides those, CP Command Reference,
//! "Privilege Classes"), is return code 1 ([`RC_UNKNOWN`]) with `DMKCFM001E UNKNOWN CP
//! COMMAND`; DIAGNOSE X'08' drops that line (CMS's implied CP says `Unknown CP/CMS
//! command` itself).
//!
//! One file per command family: [`query`] (QUERY), [`set`] (SET, TERMINAL), [`link`]
//! (LINK, DETACH, DEFINE), [`spool`] (SPOOL, CLOSE, PURGE, TRANSFER, ORDER, CHANGE, MSG),
//! [`ipl`] (IPL, BEGIN, LOGOFF), [`debug`] (DISPLAY, STORE, ADSTOP, DUMP), [`trace`]
//! (TRACE).

use std::collections::BTreeMap;

use diagnose::Emsg;

use crate::cpu::Cpu;
use crate::vm::Cp;

mod debug;
mod ipl;
mod link;
mod query;
mod set;
mod spool;
pub mod trace;
mod users;

pub(crate) use ipl::date_time;
pub(crate) use link::LinkInfo;
pub(crate) use spool::SpoolOpts;

/// CP's return code for an unknown command (DMKCFM001E).
pub(crate) const RC_UNKNOWN: u32 = 1;

/// What a CP command does to the virtual machine besides answering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing more: in CP mode the next command is read.
    #[default]
    None,
    /// BEGIN: the virtual machine resumes where it stopped.
    Begin,
    /// An IPL: the machine was loaded and starts from its new PSW; what the guest was doing
    /// is abandoned.
    Ipl,
    /// A system reset (DEFINE STORAGE, an IPL whose channel program or PSW failed): nothing
    /// runs until an IPL; what the guest was doing is abandoned.
    Reset,
    /// LOGOFF.
    LogOff,
}

impl Effect {
    /// Whether the command ends CP mode (CP READ).
    pub(crate) fn ends_cp_mode(self) -> bool {
        self != Effect::None
    }

    /// Whether what the guest was doing (the I/O instruction or DIAGNOSE that read or gave
    /// the command) is abandoned: the CPU's batch ends.
    pub(crate) fn abandons_guest(self) -> bool {
        matches!(self, Effect::Ipl | Effect::Reset | Effect::LogOff)
    }
}

/// Result of one CP command.
#[derive(Debug, Default)]
pub(crate) struct CpResult {
    /// CP's return code: 0, or the number of the error message.
    pub rc: u32,
    /// Response lines.
    pub lines: Vec<String>,
    /// What the command does to the virtual machine.
    pub effect: Effect,
}

impl CpResult {
    /// The same result with effect `effect`.
    pub(crate) fn with(self, effect: Effect) -> CpResult {
        CpResult { effect, ..self }
    }
    pub(crate) fn ok() -> CpResult {
        CpResult::default()
    }
    /// One line with return code `rc`.
    pub(crate) fn line(rc: u32, s: impl Into<String>) -> CpResult {
        CpResult {
            rc,
            lines: vec![s.into()],
            effect: Effect::None,
        }
    }
    /// Response lines, return code 0.
    pub(crate) fn lines(lines: Vec<String>) -> CpResult {
        CpResult {
            rc: 0,
            lines,
            effect: Effect::None,
        }
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
    /// The next word as typed (not upper-cased): a password.
    pub(crate) fn next_raw(&mut self) -> Option<String> {
        let w = self.raw.split_whitespace().nth(self.at).map(str::to_string);
        self.at += 1;
        w
    }
    /// Whether words are left.
    pub(crate) fn more(&self) -> bool {
        self.at < self.words.len()
    }
}

/// A command handler: the virtual machine, its CPU, the words after the verb, and whether
/// the command was typed at the console (CP may then prompt for a password) rather than
/// given by DIAGNOSE X'08'.
pub(crate) type Handler = fn(&mut Cp, &mut Cpu, &mut Words, bool) -> CpResult;

/// Who may give a command: VM/370's privilege classes (CP Command Reference for General
/// Users, GC20-1820, "Privilege Classes": A system operator, B system resource operator,
/// C system programmer, D spooling operator, E system analyst, F service representative,
/// G general user; a user's classes are on the directory's USER statement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Classes {
    /// Any class: every user who can log on (the reference's "Any").
    Any,
    /// The users having one of these classes.
    Of(&'static str),
}

impl Classes {
    /// Whether a user with the class letters `user` may give the command.
    pub(crate) fn allow(self, user: &str) -> bool {
        match self {
            Classes::Any => true,
            Classes::Of(c) => c.chars().any(|c| user.contains(c)),
        }
    }
}

/// One CP command: a row of [`COMMANDS`].
pub(crate) struct Command {
    /// The command's name.
    pub name: &'static str,
    /// Its shortest abbreviation's length (the capital letters of the reference's format
    /// box).
    pub min: usize,
    /// Other names and their shortest lengths (MSG for MESSAGE, LOGOUT for LOGOFF).
    pub aliases: &'static [(&'static str, usize)],
    /// Who may give it.
    pub classes: Classes,
    /// What it does.
    pub handler: Handler,
}

impl Command {
    /// Whether `verb` (upper case) names this command.
    pub(crate) fn answers_to(&self, verb: &str) -> bool {
        abbrev(verb, self.name, self.min) || self.aliases.iter().any(|(a, m)| abbrev(verb, a, *m))
    }
}

/// The CP commands, in the order a verb is looked up (the first row it abbreviates wins:
/// `L` is LINK, `LOG` LOGOFF). Classes as the CP Command Reference (GC20-1820) gives
/// them: LOGOFF and MESSAGE any class, the others G. LOGON is no row: typed by a user
/// already logged on it is unknown (DMKCFM001E), as in VM/370, where LOGON is a command
/// of a terminal without a user.
pub(crate) static COMMANDS: &[Command] = &[
    Command {
        name: "LOGOFF",
        min: 3,
        aliases: &[("LOGOUT", 4)],
        classes: Classes::Any,
        handler: |cp, _, w, _| cp.cmd_logoff(w),
    },
    Command {
        name: "QUERY",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_query(cpu, w),
    },
    Command {
        name: "IPL",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_ipl(cpu, w),
    },
    Command {
        name: "BEGIN",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_begin(cpu, w),
    },
    Command {
        name: "MESSAGE",
        min: 1,
        aliases: &[("MSG", 3)],
        classes: Classes::Any,
        handler: |cp, _, w, _| cp.cmd_msg(w),
    },
    Command {
        name: "WARNING",
        min: 4,
        aliases: &[],
        classes: Classes::Of("AB"),
        handler: |cp, _, w, _| cp.cmd_warning(w),
    },
    Command {
        name: "DISCONN",
        min: 4,
        aliases: &[("DISCONNECT", 4)],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_disconnect(w),
    },
    Command {
        name: "AUTOLOG",
        min: 4,
        aliases: &[],
        classes: Classes::Of("AB"),
        handler: |cp, _, w, _| cp.cmd_autolog(w),
    },
    Command {
        name: "FORCE",
        min: 5,
        aliases: &[],
        classes: Classes::Of("A"),
        handler: |cp, _, w, _| cp.cmd_force(w),
    },
    Command {
        name: "SHUTDOWN",
        min: 8,
        aliases: &[],
        classes: Classes::Of("A"),
        handler: |cp, _, w, _| cp.cmd_shutdown(w),
    },
    Command {
        name: "SET",
        min: 3,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_set(w),
    },
    Command {
        name: "TERMINAL",
        min: 4,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_terminal(w),
    },
    Command {
        name: "SPOOL",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_spool(w),
    },
    Command {
        name: "CLOSE",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_close(w),
    },
    Command {
        name: "PURGE",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_purge(w),
    },
    Command {
        name: "TRANSFER",
        // TRANsfer (TRANSFER HELPCMD's format box): TR is TRACE's.
        min: 4,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_transfer(w),
    },
    Command {
        name: "ORDER",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_order(w),
    },
    Command {
        name: "CHANGE",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_change(w),
    },
    Command {
        name: "LINK",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, from_console| cp.cmd_link(w, from_console),
    },
    Command {
        name: "DETACH",
        min: 3,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, _, w, _| cp.cmd_detach(w),
    },
    Command {
        name: "DEFINE",
        min: 3,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_define(cpu, w),
    },
    Command {
        name: "DISPLAY",
        min: 1,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_display(cpu, w),
    },
    Command {
        name: "STORE",
        min: 3,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_store(cpu, w),
    },
    Command {
        name: "ADSTOP",
        min: 6,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_adstop(cpu, w),
    },
    Command {
        name: "DUMP",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_dump(cpu, w),
    },
    Command {
        name: "TRACE",
        min: 2,
        aliases: &[],
        classes: Classes::Of("G"),
        handler: |cp, cpu, w, _| cp.cmd_trace(cpu, w),
    },
];

/// The row of `table` that `verb` names among those a user of classes `classes` may give
/// (CP hides the others: they are unknown commands).
pub(crate) fn lookup<'t>(table: &'t [Command], verb: &str, classes: &str) -> Option<&'t Command> {
    table
        .iter()
        .filter(|c| c.classes.allow(classes))
        .find(|c| c.answers_to(verb))
}

/// VM's answer to an unknown command.
fn unknown() -> CpResult {
    CpResult::line(RC_UNKNOWN, "DMKCFM001E UNKNOWN CP COMMAND")
}

impl Cp {
    /// Runs one CP command line and applies its effect ([`Cp::apply_effect`]).
    /// `from_console`: typed by the user (CP may then prompt for a password); otherwise
    /// from DIAGNOSE X'08'.
    pub(crate) fn cp_command_from(
        &mut self,
        cpu: &mut Cpu,
        line: &str,
        from_console: bool,
    ) -> CpResult {
        let r = self.run_command(COMMANDS, cpu, line, from_console);
        self.apply_effect(r.effect);
        r
    }

    /// Looks the verb of `line` up in `table` and runs its handler (the effect is not
    /// applied).
    fn run_command(
        &mut self,
        table: &[Command],
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
        match lookup(table, &verb, &self.user.classes) {
            Some(c) => (c.handler)(self, cpu, &mut w, from_console),
            None => unknown(),
        }
    }

    /// Carries out what a command did to the virtual machine: the one place an [`Effect`]
    /// takes hold. An IPL or a reset is also left in `pending_effect` for the code that
    /// goes back to [`crate::vm::Vm::run`] (what the guest was doing is abandoned); LOGOFF
    /// shows in `logged_off`.
    pub(crate) fn apply_effect(&mut self, effect: Effect) {
        match effect {
            Effect::None | Effect::Begin => {}
            Effect::Ipl => self.reset_state = false,
            Effect::Reset => self.reset_state = true,
            Effect::LogOff => self.logoff(),
        }
        if matches!(effect, Effect::Ipl | Effect::Reset) {
            self.pending_effect = effect;
        }
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
    use crate::vm::{Input, ScriptTerminal, Status, Vm};

    /// Logs on user T of a one-user directory whose USER statement gives `classes`, with
    /// `input` on its console; T has no IPL statement (it waits in CP mode).
    fn logon(classes: &str, input: &[&str]) -> Vm {
        let text =
            format!("USER T T 1M 1M {classes}\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n");
        let dir =
            crate::directory::parse_directory_text(&text, "t", std::path::Path::new("."), false)
                .unwrap();
        let term = ScriptTerminal {
            input: input.iter().map(|s| s.to_string()).collect(),
            output: String::new(),
        };
        Vm::logon(&dir, "T", Box::new(term)).unwrap()
    }

    /// Every row of the table answers to its shortest form and every longer one (and to
    /// its other names), to no shorter form, and shares no form with another row.
    #[test]
    fn every_row_answers_to_its_abbreviations_and_not_below() {
        for row in COMMANDS {
            let found = |v: &str| lookup(COMMANDS, v, "ABCDEFG").map(|c| c.name);
            let answering = |v: &str| {
                COMMANDS
                    .iter()
                    .filter(|c| c.answers_to(v))
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
            };
            assert!(row.min >= 1 && row.min <= row.name.len(), "{}", row.name);
            for len in row.min..=row.name.len() {
                let v = &row.name[..len];
                assert_eq!(found(v), Some(row.name), "{v}");
                assert_eq!(answering(v), [row.name], "{v} is ambiguous");
            }
            if row.min > 1 {
                let v = &row.name[..row.min - 1];
                assert_ne!(found(v), Some(row.name), "{v} is below the shortest form");
            }
            assert_eq!(found(&format!("{}X", row.name)), None, "{}X", row.name);
            for (alias, min) in row.aliases {
                for len in *min..=alias.len() {
                    assert_eq!(found(&alias[..len]), Some(row.name), "{alias}");
                }
            }
        }
    }

    /// A table with an operator command, for the class check.
    static OPERATOR_TABLE: &[Command] = &[
        Command {
            name: "SHUTDOWN",
            min: 8,
            aliases: &[],
            classes: Classes::Of("A"),
            handler: |_, _, _, _| CpResult::line(0, "SHUT DOWN"),
        },
        Command {
            name: "QUERY",
            min: 1,
            aliases: &[],
            classes: Classes::Of("G"),
            handler: |cp, cpu, w, _| cp.cmd_query(cpu, w),
        },
    ];

    /// A class G user gets VM's answer to an unknown command for a class A command (CP
    /// hides what the user's classes do not allow); a class A user runs it.
    #[test]
    fn commands_outside_the_users_classes_are_unknown() {
        let mut vm = logon("G", &[]);
        let r = vm
            .cp
            .run_command(OPERATOR_TABLE, &mut vm.cpu, "SHUTDOWN", true);
        assert_eq!(
            (r.rc, r.lines),
            (RC_UNKNOWN, vec![unknown().lines[0].clone()])
        );
        let r = vm
            .cp
            .run_command(OPERATOR_TABLE, &mut vm.cpu, "QUERY USERID", true);
        assert_eq!(r.lines, ["T AT VM390"]);
        let mut vm = logon("AG", &[]);
        let r = vm
            .cp
            .run_command(OPERATOR_TABLE, &mut vm.cpu, "SHUTDOWN", true);
        assert_eq!((r.rc, r.lines), (0, vec!["SHUT DOWN".to_string()]));
    }

    /// In the real table: a user with only class A (an operator who is no general user)
    /// cannot QUERY, but MESSAGE and LOGOFF are for any class.
    #[test]
    fn class_g_commands_need_class_g() {
        let mut vm = logon("A", &[]);
        let r = vm.cp.cp_command_from(&mut vm.cpu, "QUERY TIME", true);
        assert_eq!(r.rc, RC_UNKNOWN);
        assert_eq!(r.lines, ["DMKCFM001E UNKNOWN CP COMMAND"]);
        let r = vm.cp.cp_command_from(&mut vm.cpu, "MSG T HELLO", true);
        assert_eq!(r.rc, 0);
        let r = vm.cp.cp_command_from(&mut vm.cpu, "LOGOFF", true);
        assert_eq!((r.rc, r.effect), (0, Effect::LogOff));
        assert!(vm.cp.logged_off);
        // LOGON typed by a logged-on user: unknown, as before.
        let mut vm = logon("G", &[]);
        let r = vm.cp.cp_command_from(&mut vm.cpu, "LOGON T", true);
        assert_eq!(
            (r.rc, r.lines),
            (RC_UNKNOWN, vec![unknown().lines[0].clone()])
        );
    }

    /// CP mode ends with the effect of the command that resumes or ends the machine, which
    /// is applied; the commands before it, and the lines after it, stay where they are.
    #[test]
    fn cp_mode_returns_the_effect_of_begin_ipl_logoff_and_reset() {
        let rest = |vm: &mut Vm| match vm.cp.read_terminal(Status::CpRead) {
            Input::Line(l) => l,
            other => panic!("{other:?}"),
        };
        // BEGIN: nothing changes.
        let mut vm = logon("G", &["QUERY TIME", "BEGIN", "NEXT"]);
        vm.cp.reset_state = false;
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::Begin);
        assert_eq!(vm.cp.pending_effect, Effect::None);
        assert!(!vm.cp.reset_state && !vm.cp.logged_off);
        assert_eq!(rest(&mut vm), "NEXT");
        // IPL of the built-in system: loaded, runnable, what ran is abandoned.
        let mut vm = logon("G", &["Q USERID", "IPL MINICMS", "NEXT"]);
        assert!(vm.cp.reset_state, "no IPL statement: reset at logon");
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::Ipl);
        assert_eq!(vm.cp.pending_effect, Effect::Ipl);
        assert!(!vm.cp.reset_state);
        let psw = crate::minicms::builtin_system("MINICMS").unwrap().psw;
        assert_eq!(vm.cpu.psw.to_bytes(vm.cpu.arch), psw);
        assert_eq!(rest(&mut vm), "NEXT");
        // A failed IPL of a device (the reader is empty: unit exception): reset.
        let mut vm = logon("G", &["IPL 00C", "NEXT"]);
        vm.cp.reset_state = false;
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::Reset);
        assert_eq!(vm.cp.pending_effect, Effect::Reset);
        assert!(vm.cp.reset_state);
        assert_eq!(rest(&mut vm), "NEXT");
        // DEFINE STORAGE: a system reset.
        let mut vm = logon("G", &["DEFINE STORAGE 1M", "NEXT"]);
        vm.cp.reset_state = false;
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::Reset);
        assert!(vm.cp.reset_state);
        assert_eq!(rest(&mut vm), "NEXT");
        // LOGOFF (and LOGOUT), and the end of input.
        for l in ["LOGOFF", "LOGOUT"] {
            let mut vm = logon("G", &[l, "NEXT"]);
            assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::LogOff);
            assert!(vm.cp.logged_off);
            assert_eq!(vm.cp.pending_effect, Effect::None);
            assert_eq!(rest(&mut vm), "NEXT");
        }
        let mut vm = logon("G", &["QUERY TIME"]);
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::LogOff);
        assert!(vm.cp.logged_off);
        // An IPL that fails before anything is reset (no such system) stays in CP mode.
        let mut vm = logon("G", &["IPL NOSUCH", "BEGIN"]);
        assert_eq!(vm.cp.cp_mode(&mut vm.cpu), Effect::Begin);
    }

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
