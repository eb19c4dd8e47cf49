//! The commands between users and of the operator: MESSAGE and WARNING, DISCONNECT,
//! AUTOLOG, FORCE, SHUTDOWN, and QUERY NAMES, USERS and userid (*VM/370 CP Command
//! Reference for General Users*, GC20-1820; *VM/370 Operator's Guide*, GC20-1806; the R6
//! HELP files MESSAGE, DISCONN, LOGON and CPQUERY HELPCMD2). Also what the machine's thread
//! does with what the system leaves for it ([`Cp::take_mail`]) and the end of its session
//! at LOGOFF ([`Cp::leave_system`]).

use super::{date_time, CpResult, Effect, Words};
use crate::spool::{lock, Queue, SpoolFile};
use crate::system::{Disconnected, Forced, MsgKind, NotSent};
use crate::vm::Cp;

impl Cp {
    /// MSG userid|*|OPERATOR text (MESSAGE HELPCMD2): the line reaches the other user's
    /// console at once.
    pub(super) fn cmd_msg(&mut self, w: &mut Words) -> CpResult {
        self.send_message(w, MsgKind::Msg, "DMKMSG")
    }

    /// WARNING userid|OPERATOR text: as MSG, for users with `SET WNG ON`.
    pub(super) fn cmd_warning(&mut self, w: &mut Words) -> CpResult {
        self.send_message(w, MsgKind::Warning, "DMKWNG")
    }

    fn send_message(&mut self, w: &mut Words, kind: MsgKind, module: &str) -> CpResult {
        let Some(to) = w.next() else {
            return CpResult::error(format!("{module}020E USERID MISSING OR INVALID"));
        };
        let text = w.rest_raw();
        let to = if to == "*" { self.user.id.clone() } else { to };
        let from = self.user.id.clone();
        let off = || {
            let what = if kind == MsgKind::Msg { "MSG" } else { "WNG" };
            CpResult::error(format!("{module}057W {to} NOT RECEIVING; {what} OFF"))
        };
        if to == from {
            // To oneself: the line is the response, before anything the guest writes next.
            let on = match kind {
                MsgKind::Msg => self.settings.msg,
                MsgKind::Warning => self.settings.wng,
            };
            if !on {
                return off();
            }
            return CpResult::line(0, crate::system::message_line(&from, &text, kind));
        }
        match self.system.message(&from, &to, &text, kind) {
            Ok(()) => CpResult::ok(),
            Err(NotSent::Off) => off(),
            Err(NotSent::Disconnected) => {
                CpResult::error(format!("{module}057W {to} NOT RECEIVING; DISCONNECTED"))
            }
            Err(NotSent::NotLoggedOn)
                if to == "OPERATOR" || self.system.directory.user(&to).is_some() =>
            {
                CpResult::error(format!("{module}045E {to} NOT LOGGED ON"))
            }
            Err(NotSent::NotLoggedOn) => {
                CpResult::error(format!("{module}053E {to} NOT IN CP DIRECTORY"))
            }
        }
    }

    /// DISCONNECT [HOLD] (DISCONN HELPCMD2): the terminal goes back to its session, the
    /// machine runs on with no terminal (in CP mode it resumes: BEGIN), and a later LOGON
    /// reconnects it.
    pub(super) fn cmd_disconnect(&mut self, w: &mut Words) -> CpResult {
        match w.next().as_deref() {
            None | Some("HOLD") => {}
            Some(o) => return CpResult::error(format!("DMKDSC003E INVALID OPTION - {o}")),
        }
        let (date, time, wd) = date_time();
        self.cp_line(&format!("DISCONNECT AT {time} {wd} {date}"));
        self.disconnect_terminal();
        let users = self.system.user_count();
        self.system.tell_operator(
            &self.user.id,
            &format!("DISCONNECT {} USERS = {users:03}", self.user.id),
        );
        if self.reset_state {
            CpResult::ok()
        } else {
            CpResult::ok().with(Effect::Begin)
        }
    }

    /// The terminal goes back to the session that connected it; the console is
    /// [`Disconnected`] from now on.
    pub(crate) fn disconnect_terminal(&mut self) {
        self.blok.disconnect();
        self.line_open = false;
        if !self.send_terminal_home() {
            self.terminal = Box::new(Disconnected::of(&self.system, &self.blok));
        }
    }

    /// Sends the terminal back to the session that connected it, with [`Disconnected`] in
    /// its place; false (the terminal stays) when no session is waiting for it.
    fn send_terminal_home(&mut self) -> bool {
        let Some(home) = self.home.take() else {
            return false;
        };
        let old = std::mem::replace(
            &mut self.terminal,
            Box::new(Disconnected::of(&self.system, &self.blok)),
        );
        let _ = home.send(old);
        true
    }

    /// AUTOLOG userid [password] (class A and B): logs the user on with no terminal.
    pub(super) fn cmd_autolog(&mut self, w: &mut Words) -> CpResult {
        let Some(to) = w.next() else {
            return CpResult::error("DMKLOG020E USERID MISSING OR INVALID");
        };
        let Some(user) = self.system.directory.user(&to).filter(|u| !u.is_nolog()) else {
            return CpResult::error(format!("DMKLOG053E {to} NOT IN CP DIRECTORY"));
        };
        if !w
            .next_raw()
            .is_some_and(|p| p.eq_ignore_ascii_case(&user.password))
        {
            return CpResult::error("DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE");
        }
        let id = user.id.clone();
        match self.system.autolog(&id) {
            Ok(()) => CpResult::line(
                0,
                format!(
                    "AUTO LOGON  ***  {id} USERS = {:03}",
                    self.system.user_count()
                ),
            ),
            Err(e) => CpResult::error(e.message(&id)),
        }
    }

    /// FORCE userid (class A): logs the user off.
    pub(super) fn cmd_force(&mut self, w: &mut Words) -> CpResult {
        let Some(to) = w.next() else {
            return CpResult::error("DMKUSO020E USERID MISSING OR INVALID");
        };
        if to == self.user.id {
            return CpResult::ok().with(Effect::LogOff);
        }
        let Some(b) = self.system.user(&to) else {
            return CpResult::error(format!("DMKUSO045E {to} NOT LOGGED ON"));
        };
        let dsc = b.disconnected();
        b.force(Forced::Force);
        CpResult::line(
            0,
            format!(
                "{}LOGOFF AS {to} USERS = {:03} FORCED",
                if dsc { "USER DSC " } else { "" },
                self.system.user_count().saturating_sub(1)
            ),
        )
    }

    /// SHUTDOWN (class A): every user is logged off, their disks flushed and spool files
    /// closed; the system ends.
    pub(super) fn cmd_shutdown(&mut self, w: &mut Words) -> CpResult {
        if let Some(o) = w.next() {
            return CpResult::error(format!("DMKCPS003E INVALID OPTION - {o}"));
        }
        let system = self.system.clone();
        // The other machines are told from a thread of its own: this one logs off too, and
        // SHUTDOWN waits for all machines. The response is written now: LOGOFF takes the
        // terminal away.
        self.cp_line("DMKCKP960I SYSTEM WARM START DATA SAVED");
        std::thread::spawn(move || system.shutdown());
        CpResult::ok().with(Effect::LogOff)
    }

    /// The name of `b`'s terminal as QUERY shows it: this machine's own console by its
    /// virtual address, `DSC` for a disconnected user, else the terminal's name.
    fn terminal_of(&self, b: &crate::system::VmBlok) -> String {
        if b.userid == self.user.id && !b.disconnected() {
            if let Some(v) = self.console_vaddr() {
                return format!("{v:03X}");
            }
        }
        b.terminal_name()
    }

    /// QUERY NAMES: the logged-on users and their terminals (`DSC`: disconnected).
    pub(super) fn query_names(&self) -> CpResult {
        let names: Vec<String> = self
            .system
            .users()
            .iter()
            .map(|b| format!("{:<8} - {}", b.userid, self.terminal_of(b)))
            .collect();
        CpResult::lines(names.chunks(4).map(|c| c.join(" , ")).collect())
    }

    /// QUERY USERS: how many users are logged on (none dial in: `000 DIALED`).
    pub(super) fn query_users(&self) -> CpResult {
        let n = self.system.user_count();
        let s = if n == 1 { "USER" } else { "USERS" };
        CpResult::line(0, format!("{n:03} {s} , 000 DIALED"))
    }

    /// QUERY userid: the user's terminal, or that the user is not logged on.
    pub(super) fn query_user(&self, userid: &str) -> Option<CpResult> {
        if let Some(b) = self.system.user(userid) {
            return Some(CpResult::line(
                0,
                format!("{:<8} - {}", b.userid, self.terminal_of(&b)),
            ));
        }
        if self.system.directory.user(userid).is_some() {
            return Some(CpResult::error(format!(
                "DMKCQG045E {userid} NOT LOGGED ON"
            )));
        }
        None
    }

    /// Takes what the system left for this machine: console lines are written and a
    /// reconnecting terminal replaces the disconnected console (`RECONNECTED AT`, LOGON
    /// HELPCMD2). FORCE is left for the caller ([`crate::system::VmBlok::forced`]).
    /// Whether the user reconnected (the terminal is then in CP mode).
    pub(crate) fn take_mail(&mut self) -> bool {
        let mail = self.blok.take_mail();
        let mut reconnected = false;
        if let Some((terminal, home)) = mail.reconnect {
            self.terminal = terminal;
            self.home = home;
            self.line_open = false;
            self.blok
                .connected(self.terminal.name(), self.terminal.messenger());
            let (date, time, wd) = date_time();
            self.cp_line(&format!("RECONNECTED AT {time} {wd} {date}"));
            self.spool_kept_console();
            self.system.tell_operator(
                &self.user.id,
                &format!(
                    "RECONNECT AS {} USERS = {:03}",
                    self.user.id,
                    self.system.user_count()
                ),
            );
            reconnected = true;
        }
        for l in mail.lines {
            self.cp_line(&l);
        }
        reconnected
    }

    /// The console output kept while disconnected becomes a printer spool file of the
    /// user's, named `userid CONSOLE` (as `SPOOL CONSOLE START` would have made it).
    pub(crate) fn spool_kept_console(&mut self) {
        let lines = self.blok.take_kept();
        if lines.is_empty() {
            return;
        }
        let cp = self.settings.codepage;
        let records: Vec<Vec<u8>> = lines.iter().map(|l| cp.text_to_ebcdic(l)).collect();
        let (date, time, _) = date_time();
        let file = SpoolFile {
            id: 0,
            origin: self.user.id.clone(),
            owner: self.user.id.clone(),
            queue: Queue::Prt,
            made_by: Queue::Prt,
            class: 'T',
            name: self.user.id.clone(),
            ftype: "CONSOLE".into(),
            dist: self.user.id.clone(),
            copies: 1,
            hold: false,
            date: date[..5].to_string(),
            time: time[..5].to_string(),
            records,
        };
        if let Err(e) = lock(&self.spool).add_new(file) {
            eprintln!(
                "vm390: {}: console output while disconnected is lost: {e}",
                self.user.id
            );
        }
    }

    /// The end of the session at LOGOFF: the machine leaves the system's table, what its
    /// console said while disconnected is spooled, the operator is told, and the terminal
    /// goes back to its session.
    pub(crate) fn leave_system(&mut self) {
        self.spool_kept_console();
        self.system.unregister(&self.blok);
        // A forced user's logoff was answered to FORCE (`... LOGOFF AS userid USERS = nnn
        // FORCED`); the operator hears of the others.
        if self.blok.forced() != Some(Forced::Force) {
            self.system.tell_operator(
                &self.user.id,
                &format!(
                    "{}LOGOFF AS {} USERS = {:03}",
                    if self.blok.disconnected() {
                        "USER DSC "
                    } else {
                        ""
                    },
                    self.user.id,
                    self.system.user_count()
                ),
            );
        }
        self.send_terminal_home();
    }
}
