//! SPOOL, CLOSE and MSG (CP Command Reference for General Users; messages of DMKCSP,
//! DMKCSQ and DMKMSG).
//!
//! The punch and printer keep the records the guest writes in an open file; CLOSE makes
//! it a file of the system spool ([`crate::spool`]): in the owner's punch or printer queue,
//! or, for a device spooled TO a user, in that user's reader (`PUN FILE 0001 TO CMSUSER COPY
//! 001 NOHOLD`). PURGE, TRANSFER, ORDER and CHANGE work on the files of one's own queues.

use super::date_time;
use super::{abbrev, parse_vaddr, CpResult, Words};
use crate::io::device::DeviceClass;
use crate::spool::{lock, Queue, ReaderEnd, SpoolError, SpoolFile};
use crate::vm::Cp;

pub(crate) use crate::io::device::SpoolOpts;

impl Cp {
    /// The device a SPOOL / CLOSE operand names: vaddr, or PRINTER / PUNCH / READER /
    /// CONSOLE (the first such device).
    fn spool_device(&self, s: &str) -> Option<u16> {
        let class = if abbrev(s, "PRINTER", 3) || s == "PRT" {
            DeviceClass::Printer
        } else if abbrev(s, "PUNCH", 3) || s == "PUN" {
            DeviceClass::Punch
        } else if abbrev(s, "READER", 3) || s == "RDR" {
            DeviceClass::Reader
        } else if abbrev(s, "CONSOLE", 4) {
            DeviceClass::Console
        } else {
            return parse_vaddr(s);
        };
        self.devices
            .values()
            .find(|d| d.class() == class)
            .map(|d| d.vaddr)
    }

    /// SPOOL vaddr|PRT|PUN|RDR|CONS options: CLASS c, CONT / NOCONT, HOLD / NOHOLD,
    /// COPY n, TO userid|*, OFF, START / STOP (console).
    pub(super) fn cmd_spool(&mut self, w: &mut Words) -> CpResult {
        const MISSING: &str = "DMKCSP026E OPERAND MISSING OR INVALID";
        let Some(d) = w.next() else {
            return CpResult::error("DMKCSP022E VADDR MISSING OR INVALID");
        };
        let Some(v) = self.spool_device(&d) else {
            return CpResult::error("DMKCSP022E VADDR MISSING OR INVALID");
        };
        let user = self.user.id.clone();
        let known = self
            .system
            .directory
            .users
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>();
        let Some(dev) = self.devices.get_mut(&v) else {
            return CpResult::error(format!("DMKCSP040E DEV {v:03X} DOES NOT EXIST"));
        };
        let is_reader = dev.class() == DeviceClass::Reader;
        let is_console = dev.class() == DeviceClass::Console;
        if !matches!(
            dev.class(),
            DeviceClass::Reader | DeviceClass::Punch | DeviceClass::Printer | DeviceClass::Console
        ) {
            return CpResult::error(format!("DMKCSP143E DEV {v:03X} NOT SPOOLED"));
        }
        let mut o = dev.spool.clone();
        if !w.more() {
            return CpResult::error(MISSING);
        }
        while let Some(opt) = w.next() {
            let p = opt.as_str();
            if abbrev(p, "CLASS", 2) || (p.len() == 1 && !matches!(p, "*")) {
                let c = if p.len() == 1 && !abbrev(p, "CLASS", 2) {
                    Some(opt.clone())
                } else {
                    w.next()
                };
                let Some(c) = c
                    .filter(|c| c.len() == 1)
                    .and_then(|c| c.chars().next())
                    .filter(|c| c.is_ascii_alphanumeric() || (*c == '*' && is_reader))
                else {
                    return CpResult::error("DMKCSP028E CLASS MISSING OR INVALID");
                };
                o.class = c;
            } else if abbrev(p, "CONT", 4) {
                o.cont = true;
            } else if abbrev(p, "NOCONT", 3) {
                o.cont = false;
            } else if abbrev(p, "HOLD", 4) {
                o.hold = true;
            } else if abbrev(p, "NOHOLD", 3) {
                o.hold = false;
            } else if abbrev(p, "COPY", 2) && !is_reader {
                match w.next().and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=99).contains(&n) => o.copies = n,
                    _ => return CpResult::error(MISSING),
                }
            } else if p == "TO" && !is_reader {
                match w.next() {
                    // TO *: one's own reader; OFF: the real device again.
                    Some(u) if u == "*" => o.to = Some(user.clone()),
                    Some(u) if u == "OFF" => o.to = None,
                    Some(u) if known.contains(&u) => o.to = Some(u),
                    Some(u) => {
                        return CpResult::error(format!("DMKCSP053E {u} NOT IN CP DIRECTORY"))
                    }
                    None => return CpResult::error("DMKCSP020E USERID MISSING OR INVALID"),
                }
            } else if p == "OFF" {
                o.to = None;
            } else if is_console && abbrev(p, "START", 4) {
                o.spooled = true;
            } else if is_console && abbrev(p, "STOP", 4) {
                o.spooled = false;
            } else {
                return CpResult::error(format!("DMKCSP003E INVALID OPTION - {p}"));
            }
        }
        if is_console {
            self.console_spooling = o.spooled;
        }
        dev.spool = o;
        CpResult::ok()
    }

    /// CLOSE vaddr|PRT|PUN|RDR [HOLD|NOHOLD] [PURGE] [NAME fn [ft]] [DIST code]: the
    /// records written since the last CLOSE become a spool file, in the user's punch or
    /// printer queue or, for a device spooled TO a user, in that user's reader. CLOSE of a
    /// reader ends the file it reads (purged; kept and held with HOLD or SPOOL RDR HOLD).
    pub(super) fn cmd_close(&mut self, w: &mut Words) -> CpResult {
        let Some(d) = w.next() else {
            return CpResult::error("DMKCSQ022E VADDR MISSING OR INVALID");
        };
        let Some(v) = self.spool_device(&d) else {
            return CpResult::error("DMKCSQ022E VADDR MISSING OR INVALID");
        };
        let Some(dev) = self.devices.get(&v) else {
            return CpResult::error(format!("DMKCSQ040E DEV {v:03X} DOES NOT EXIST"));
        };
        let kind = match dev.class() {
            DeviceClass::Punch => Queue::Pun,
            DeviceClass::Printer => Queue::Prt,
            DeviceClass::Reader => Queue::Rdr,
            DeviceClass::Console => Queue::Prt,
            DeviceClass::Dasd | DeviceClass::Special => {
                return CpResult::error(format!("DMKCSQ143E DEV {v:03X} NOT SPOOLED"))
            }
        };
        let mut hold_opt = None;
        let mut purge = false;
        let mut name = String::new();
        let mut ftype = String::new();
        let mut dist = self.user.id.clone();
        while let Some(o) = w.next() {
            if abbrev(&o, "HOLD", 2) {
                hold_opt = Some(true);
            } else if abbrev(&o, "NOHOLD", 3) {
                hold_opt = Some(false);
            } else if abbrev(&o, "PURGE", 2) {
                purge = true;
            } else if abbrev(&o, "NAME", 1) {
                name = w.next().unwrap_or_default();
                ftype = w.next().unwrap_or_default();
            } else if abbrev(&o, "DIST", 1) {
                match w.next() {
                    Some(c) if c.len() <= 8 => dist = c,
                    _ => return CpResult::error("DMKCSQ026E OPERAND MISSING OR INVALID"),
                }
            } else {
                return CpResult::error(format!("DMKCSQ003E INVALID OPTION - {o}"));
            }
        }
        let Some(dev) = self.devices.get_mut(&v) else {
            return CpResult::ok();
        };
        let hold = hold_opt.unwrap_or(dev.spool.hold);
        if kind == Queue::Rdr {
            // CLOSE HELPCMD2, usage note 5: CLOSE HOLD saves the file, CLOSE NOHOLD (or
            // PURGE) releases it, plain CLOSE does what the end of the file does.
            let end = if purge || hold_opt == Some(false) {
                ReaderEnd::Purge
            } else if hold_opt == Some(true) {
                ReaderEnd::Save
            } else {
                ReaderEnd::by_spool(dev.spool.hold, dev.spool.cont)
            };
            let r = lock(&self.spool).finish_read(&mut dev.reading, end);
            return r.map_or_else(spool_error, |()| CpResult::ok());
        }
        let Some((id, owner, copies)) =
            (match self.close_file(v, kind, hold, purge, name, ftype, dist) {
                Ok(x) => x,
                Err(e) => return spool_error(e),
            })
        else {
            return CpResult::ok();
        };
        // CLOSE HELPCMD2, "Responses": only for several copies, a file sent to a user's
        // reader, or one in user hold.
        let sent = self.devices.get(&v).is_some_and(|d| d.spool.to.is_some());
        if copies < 2 && !sent && !hold {
            return CpResult::ok();
        }
        self.imsg(format!(
            "{} FILE {id:04} {} {owner} COPY {copies:03} {}",
            kind.name(),
            if sent { "TO" } else { "FOR" },
            if hold { "HOLD" } else { "NOHOLD" }
        ))
    }

    /// Closes the open file of punch or printer `v` (of kind `kind`): a spool file in the
    /// user's queue or the reader of the user the device is spooled TO; with `purge` the
    /// records are dropped. Gives the spool id, the owner and the copies of the new file
    /// (`None`: nothing was written, or PURGE).
    #[allow(clippy::too_many_arguments)]
    fn close_file(
        &mut self,
        v: u16,
        kind: Queue,
        hold: bool,
        purge: bool,
        name: String,
        ftype: String,
        dist: String,
    ) -> Result<Option<(u32, String, u8)>, SpoolError> {
        let Some(dev) = self.devices.get_mut(&v) else {
            return Ok(None);
        };
        let open = std::mem::take(&mut dev.open);
        if open.records.is_empty() {
            return Ok(None);
        }
        if purge {
            lock(&self.spool).release(open.space);
            return Ok(None);
        }
        let spool = dev.spool.clone();
        let (date, time, _) = date_time();
        let (queue, owner) = match &spool.to {
            Some(u) => (Queue::Rdr, u.clone()),
            None => (kind, self.user.id.clone()),
        };
        let file = SpoolFile {
            id: 0,
            origin: self.user.id.clone(),
            owner: owner.clone(),
            queue,
            made_by: kind,
            class: spool.class,
            name,
            ftype,
            dist,
            copies: spool.copies,
            hold,
            date: date[..5].to_string(),
            time: time[..5].to_string(),
            records: open.records,
        };
        let id = lock(&self.spool).add(file)?;
        if queue == Queue::Prt {
            self.print_out(id);
        }
        Ok(Some((id, owner, spool.copies)))
    }

    /// The system printer: with a printer directory (`vm390 --print-to DIR`), a printer
    /// file is printed as it is closed, as VM's real printer takes the files of its queue:
    /// written to `DIR/SPOOLID-OWNER-NAME-TYPE.txt` as ASCII lines, `copies` times, and
    /// removed from the queue. A file that cannot be written stays in the queue (and the
    /// host's reason goes to standard error); an existing host file is never replaced.
    fn print_out(&mut self, id: u32) {
        let Some(dir) = self.system.printer_dir() else {
            return;
        };
        let mut sp = lock(&self.spool);
        let Some(f) = sp.file(id) else {
            return;
        };
        if f.hold {
            return;
        }
        let mut name = format!("{id:04}-{}", f.owner);
        for part in [&f.name, &f.ftype] {
            if !part.is_empty() {
                name.push('-');
                name.push_str(part);
            }
        }
        name.push_str(".txt");
        let mut text = String::new();
        for _ in 0..f.copies.max(1) {
            for r in &f.records {
                text.push_str(&crate::spool::record_text(r));
                text.push('\n');
            }
        }
        let path = dir.join(name);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut out| std::io::Write::write_all(&mut out, text.as_bytes()));
        match written {
            Ok(()) => {
                if let Err(e) = sp.purge(id) {
                    eprintln!("vm390: printer: spool file {id:04}: {e}");
                }
            }
            Err(e) => eprintln!(
                "vm390: printer: {}: {e}: spool file {id:04} stays in the queue",
                path.display()
            ),
        }
    }

    /// DETACH and LOGOFF: the open file of a punch or printer is closed (as CLOSE without
    /// options), so nothing the guest wrote is lost; a reader's file is left where it is.
    pub(crate) fn close_at_detach(&mut self, v: u16) {
        let Some(d) = self.devices.get(&v) else {
            return;
        };
        let kind = match d.class() {
            DeviceClass::Punch => Queue::Pun,
            // The console's spool file (SPOOL CONSOLE START) is a printer file.
            DeviceClass::Printer | DeviceClass::Console => Queue::Prt,
            _ => return,
        };
        let hold = d.spool.hold;
        let dist = self.user.id.clone();
        if let Err(e) = self.close_file(v, kind, hold, false, String::new(), String::new(), dist) {
            self.cp_line(&format!("VM390: SPOOL ERROR: {e}"));
        }
    }

    /// The files of the user's queue `queue` that `sel` names.
    fn select_files(&self, queue: Queue, sel: &Selection) -> Result<Vec<u32>, CpResult> {
        let sp = lock(&self.spool);
        let mine: Vec<&SpoolFile> = sp
            .files()
            .iter()
            .filter(|f| f.queue == queue && f.owner == self.user.id)
            .collect();
        let ids: Vec<u32> = match sel {
            Selection::All => mine.iter().map(|f| f.id).collect(),
            Selection::Class(c) => mine
                .iter()
                .filter(|f| f.class == *c)
                .map(|f| f.id)
                .collect(),
            Selection::Ids(ids) => {
                for id in ids {
                    if !mine.iter().any(|f| f.id == *id) {
                        return Err(CpResult::error(format!(
                            "DMKCSU042E SPOOLID {id:04} DOES NOT EXIST"
                        )));
                    }
                }
                ids.clone()
            }
        };
        Ok(ids)
    }

    /// PURGE [RDR|PRT|PUN] [spoolid ...|CLASS c|ALL]: removes one's own spool files.
    pub(super) fn cmd_purge(&mut self, w: &mut Words) -> CpResult {
        let (queue, sel) = match parse_selection(w, "DMKCSU") {
            Ok(x) => x,
            Err(r) => return r,
        };
        if let Some(o) = w.next() {
            return CpResult::error(format!("DMKCSU003E INVALID OPTION - {o}"));
        }
        let ids = match self.select_files(queue, &sel) {
            Ok(ids) => ids,
            Err(r) => return r,
        };
        for d in self.devices.values_mut() {
            if d.reading.is_some_and(|p| ids.contains(&p.id)) {
                d.reading = None;
            }
        }
        let mut sp = lock(&self.spool);
        for id in &ids {
            if let Err(e) = sp.purge(*id) {
                return spool_error(e);
            }
        }
        self.imsg(files_done(ids.len(), "PURGED"))
    }

    /// TRANSFER [RDR|PRT|PUN] spoolid ...|CLASS c|ALL TO userid [RDR]: one's own files go
    /// to another user's reader.
    pub(super) fn cmd_transfer(&mut self, w: &mut Words) -> CpResult {
        let (queue, sel) = match parse_selection(w, "DMKCSU") {
            Ok(x) => x,
            Err(r) => return r,
        };
        let to = match (w.next().as_deref(), w.next()) {
            (Some("TO"), Some(u)) if u == "*" => self.user.id.clone(),
            (Some("TO"), Some(u)) if self.system.directory.user(&u).is_some() => u,
            (Some("TO"), Some(u)) => {
                return CpResult::error(format!("DMKCSU053E {u} NOT IN CP DIRECTORY"))
            }
            _ => return CpResult::error("DMKCSU020E USERID MISSING OR INVALID"),
        };
        match w.next() {
            None => {}
            Some(r) if abbrev(&r, "READER", 3) || r == "RDR" => {}
            Some(o) => return CpResult::error(format!("DMKCSU003E INVALID OPTION - {o}")),
        }
        let ids = match self.select_files(queue, &sel) {
            Ok(ids) => ids,
            Err(r) => return r,
        };
        let mut sp = lock(&self.spool);
        let mut lines = Vec::new();
        for id in &ids {
            let r = sp.update(*id, |f| {
                f.owner = to.clone();
                f.queue = Queue::Rdr;
            });
            if let Err(e) = r {
                return spool_error(e);
            }
            lines.push(format!("RDR FILE {id:04} TRANSFERRED TO {to}"));
        }
        drop(sp);
        if !self.settings.imsg {
            return CpResult::ok();
        }
        lines.push(files_done(ids.len(), "TRANSFERRED"));
        CpResult::lines(lines)
    }

    /// ORDER [RDR|PRT|PUN] spoolid ...: those files come first in the queue, in that
    /// order.
    pub(super) fn cmd_order(&mut self, w: &mut Words) -> CpResult {
        let (queue, sel) = match parse_selection(w, "DMKCSU") {
            Ok(x) => x,
            Err(r) => return r,
        };
        if let Some(o) = w.next() {
            return CpResult::error(format!("DMKCSU003E INVALID OPTION - {o}"));
        }
        let ids = match self.select_files(queue, &sel) {
            Ok(ids) => ids,
            Err(r) => return r,
        };
        let r = lock(&self.spool).order(&ids);
        r.map_or_else(spool_error, |()| {
            self.imsg(files_done(ids.len(), "ORDERED"))
        })
    }

    /// CHANGE [RDR|PRT|PUN] spoolid ...|CLASS c|ALL options: CLASS c, NAME fn [ft],
    /// HOLD / NOHOLD, COPY n, DIST code.
    pub(super) fn cmd_change(&mut self, w: &mut Words) -> CpResult {
        const MISSING: &str = "DMKCSU026E OPERAND MISSING OR INVALID";
        let (queue, sel) = match parse_selection(w, "DMKCSU") {
            Ok(x) => x,
            Err(r) => return r,
        };
        let mut class = None;
        let mut name = None;
        let mut hold = None;
        let mut copies = None;
        let mut dist = None;
        if !w.more() {
            return CpResult::error(MISSING);
        }
        while let Some(o) = w.next() {
            if abbrev(&o, "CLASS", 2) {
                match w
                    .next()
                    .filter(|c| c.len() == 1)
                    .and_then(|c| c.chars().next())
                {
                    Some(c) if c.is_ascii_alphanumeric() => class = Some(c),
                    _ => return CpResult::error("DMKCSU028E CLASS MISSING OR INVALID"),
                }
            } else if abbrev(&o, "NAME", 2) {
                let f = w.next().unwrap_or_default();
                let t = w.next().unwrap_or_default();
                name = Some((f, t));
            } else if abbrev(&o, "HOLD", 4) {
                hold = Some(true);
            } else if abbrev(&o, "NOHOLD", 3) {
                hold = Some(false);
            } else if abbrev(&o, "COPY", 2) {
                match w.next().and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=99).contains(&n) => copies = Some(n),
                    _ => return CpResult::error(MISSING),
                }
            } else if abbrev(&o, "DIST", 2) {
                match w.next() {
                    Some(c) if c.len() <= 8 => dist = Some(c),
                    _ => return CpResult::error(MISSING),
                }
            } else {
                return CpResult::error(format!("DMKCSU003E INVALID OPTION - {o}"));
            }
        }
        let ids = match self.select_files(queue, &sel) {
            Ok(ids) => ids,
            Err(r) => return r,
        };
        let mut sp = lock(&self.spool);
        for id in &ids {
            let r = sp.update(*id, |f| {
                if let Some(c) = class {
                    f.class = c;
                }
                if let Some((n, t)) = &name {
                    f.name = n.clone();
                    f.ftype = t.clone();
                }
                if let Some(h) = hold {
                    f.hold = h;
                }
                if let Some(c) = copies {
                    f.copies = c;
                }
                if let Some(d) = &dist {
                    f.dist = d.clone();
                }
            });
            if let Err(e) = r {
                return spool_error(e);
            }
        }
        drop(sp);
        self.imsg(files_done(ids.len(), "CHANGED"))
    }
}

/// Which of a queue's files a PURGE, TRANSFER, ORDER or CHANGE names.
#[derive(Debug)]
enum Selection {
    /// ALL (or nothing named).
    All,
    /// CLASS c.
    Class(char),
    /// Spool ids.
    Ids(Vec<u32>),
}

/// `[RDR|PRT|PUN] spoolid ...|CLASS c|ALL` (the queue is the reader unless named).
fn parse_selection(w: &mut Words, module: &str) -> Result<(Queue, Selection), CpResult> {
    let mut queue = Queue::Rdr;
    let mut ids = Vec::new();
    while let Some(t) = w.peek() {
        let t = t.to_string();
        if ids.is_empty() && (abbrev(&t, "READER", 2) || t == "RDR") {
            queue = Queue::Rdr;
        } else if ids.is_empty() && (abbrev(&t, "PRINTER", 2) || t == "PRT") {
            queue = Queue::Prt;
        } else if ids.is_empty() && (abbrev(&t, "PUNCH", 2) || t == "PUN") {
            queue = Queue::Pun;
        } else if ids.is_empty() && t == "ALL" {
            w.next();
            return Ok((queue, Selection::All));
        } else if ids.is_empty() && abbrev(&t, "CLASS", 2) {
            w.next();
            return match w
                .next()
                .filter(|c| c.len() == 1)
                .and_then(|c| c.chars().next())
            {
                Some(c) if c.is_ascii_alphanumeric() => Ok((queue, Selection::Class(c))),
                _ => Err(CpResult::error(format!(
                    "{module}028E CLASS MISSING OR INVALID"
                ))),
            };
        } else if !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            match t.parse::<u32>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => {
                    return Err(CpResult::error(format!(
                        "{module}042E SPOOLID {t} DOES NOT EXIST"
                    )))
                }
            }
        } else {
            break;
        }
        w.next();
    }
    if ids.is_empty() {
        Ok((queue, Selection::All))
    } else {
        Ok((queue, Selection::Ids(ids)))
    }
}

/// `nnnn FILES PURGED` / `NO FILES PURGED` (PURGE, CHANGE, ORDER, TRANSFER HELPCMD2,
/// "Response").
fn files_done(n: usize, what: &str) -> String {
    if n == 0 {
        format!("NO FILES {what}")
    } else {
        format!("{n:04} FILES {what}")
    }
}

/// A host failure of the spool as CP's answer.
fn spool_error(e: SpoolError) -> CpResult {
    CpResult::error(format!("VM390: SPOOL ERROR: {e}"))
}

#[cfg(test)]
mod tests {
    use crate::spool::{lock, Queue, SpoolFile};
    use crate::vm::{ScriptTerminal, Vm};

    /// User T with a reader, its spool in memory holding reader files A, B, C (spool ids
    /// 1-3, class A).
    fn machine() -> Vm {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let vm = Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap();
        for n in ["A", "B", "C"] {
            let mut sp = lock(&vm.cp.spool);
            sp.reserve(1).unwrap();
            sp.add(SpoolFile {
                id: 0,
                origin: "T".into(),
                owner: "T".into(),
                queue: Queue::Rdr,
                made_by: Queue::Pun,
                class: 'A',
                name: n.into(),
                ftype: "DECK".into(),
                dist: "T".into(),
                copies: 1,
                hold: false,
                date: "12/07".into(),
                time: "20:00".into(),
                records: vec![vec![0xC1]],
            })
            .unwrap();
        }
        vm
    }

    fn cmd(vm: &mut Vm, c: &str) -> Vec<String> {
        vm.cp.cp_command_from(&mut vm.cpu, c, true).lines
    }

    /// The spool ids of the reader in queue order.
    fn order(vm: &mut Vm) -> Vec<String> {
        cmd(vm, "QUERY READER ALL")
            .iter()
            .skip(1)
            .map(|l| l[9..13].to_string())
            .collect()
    }

    #[test]
    fn order_puts_files_first() {
        let mut vm = machine();
        assert_eq!(order(&mut vm), ["0001", "0002", "0003"]);
        assert_eq!(cmd(&mut vm, "ORDER RDR 3 2"), ["0002 FILES ORDERED"]);
        assert_eq!(order(&mut vm), ["0003", "0002", "0001"]);
        assert_eq!(
            cmd(&mut vm, "ORDER 7"),
            ["DMKCSU042E SPOOLID 0007 DOES NOT EXIST"]
        );
        // The reader reads in the new order.
        let first = lock(&vm.cp.spool).first_readable("T", '*');
        assert_eq!(first, Some(3));
    }

    #[test]
    fn change_hold_class_and_name() {
        let mut vm = machine();
        assert_eq!(cmd(&mut vm, "CHANGE RDR 1 HOLD"), ["0001 FILES CHANGED"]);
        assert_eq!(lock(&vm.cp.spool).first_readable("T", '*'), Some(2));
        assert_eq!(
            cmd(&mut vm, "CHANGE RDR CLASS A CLASS C NAME NEW ONE"),
            ["0003 FILES CHANGED"]
        );
        let q = cmd(&mut vm, "QUERY RDR ALL");
        assert!(
            q[1].starts_with("T        0001 C PUN 000001 01  USER"),
            "{q:?}"
        );
        assert!(q[2].contains("NEW       ONE"), "{q:?}");
        assert_eq!(cmd(&mut vm, "CHANGE RDR 1 NOHOLD"), ["0001 FILES CHANGED"]);
        assert_eq!(lock(&vm.cp.spool).first_readable("T", '*'), Some(1));
        assert_eq!(
            cmd(&mut vm, "CHANGE RDR 1 BOGUS"),
            ["DMKCSU003E INVALID OPTION - BOGUS"]
        );
    }

    #[test]
    fn purge_all_and_by_class() {
        let mut vm = machine();
        assert_eq!(cmd(&mut vm, "PURGE RDR CLASS B"), ["NO FILES PURGED"]);
        assert_eq!(cmd(&mut vm, "PURGE 2"), ["0001 FILES PURGED"]);
        assert_eq!(cmd(&mut vm, "PURGE RDR ALL"), ["0002 FILES PURGED"]);
        assert_eq!(cmd(&mut vm, "QUERY RDR"), ["NO RDR FILES"]);
        assert_eq!(lock(&vm.cp.spool).used(), 0);
    }

    /// QUERY READER without ALL stops after the hold status; a spool id shows one file
    /// in full; QUERY FILES counts (QUERY HELPCMD2).
    #[test]
    fn query_short_full_and_files() {
        let mut vm = machine();
        let q = cmd(&mut vm, "QUERY READER");
        assert_eq!(q[0], "OWNERID  FILE CLASS RECDS  CPY HOLD");
        assert_eq!(q[1], "T        0001 A PUN 000001 01  NONE");
        let q = cmd(&mut vm, "QUERY READER 2");
        assert_eq!(q.len(), 2, "{q:?}");
        assert!(
            q[1].contains(" 0002 A PUN ") && q[1].contains("B         DECK"),
            "{q:?}"
        );
        assert_eq!(
            cmd(&mut vm, "QUERY FILES"),
            ["FILES: 003 RDR, NO PRT, NO PUN"]
        );
        assert_eq!(
            cmd(&mut vm, "QUERY FILES CLASS B"),
            ["FILES: NO RDR, NO PRT, NO PUN"]
        );
    }
}
