//! SPOOL, CLOSE and MSG (CP Command Reference for General Users; messages of DMKCSP,
//! DMKCSQ and DMKMSG).
//!
//! The punch and printer count the records the guest writes; CLOSE makes them a spool
//! file (`PRT FILE 0001 TO CMSUSER COPY 01 NOHOLD`) that QUERY PRINTER / PUNCH lists.
//! The spool files stay in this CP (spooling to host files and between users comes later).

use super::date_time;
use super::{abbrev, parse_vaddr, CpResult, Words};
use crate::io::device::DeviceClass;
use crate::vm::Cp;

pub(crate) use crate::io::device::SpoolOpts;

/// Which queue a spool file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    Rdr,
    Pun,
    Prt,
}

impl FileKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            FileKind::Rdr => "RDR",
            FileKind::Pun => "PUN",
            FileKind::Prt => "PRT",
        }
    }
}

/// A closed spool file.
#[derive(Clone, Debug)]
pub(crate) struct SpoolFile {
    pub kind: FileKind,
    /// Spool file number (spoolid).
    pub number: u32,
    pub class: char,
    pub records: u32,
    pub copies: u8,
    pub hold: bool,
    /// `MM/DD` and `HH:MM` of the CLOSE.
    pub date: String,
    pub time: String,
    /// NAME operands of CLOSE.
    pub name: String,
    pub ftype: String,
}

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
                    Some(u) if u == "*" => o.to = None,
                    Some(u) if u == "OFF" => o.to = None,
                    Some(u) if known.contains(&u) => o.to = (u != user).then_some(u),
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
        dev.spool = o;
        CpResult::ok()
    }

    /// CLOSE vaddr|PRT|PUN|RDR [HOLD|NOHOLD] [PURGE] [NAME fn ft]: the records written since
    /// the last CLOSE become a spool file.
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
            DeviceClass::Punch => FileKind::Pun,
            DeviceClass::Printer => FileKind::Prt,
            DeviceClass::Reader => FileKind::Rdr,
            DeviceClass::Console => FileKind::Prt,
            DeviceClass::Dasd | DeviceClass::Special => {
                return CpResult::error(format!("DMKCSQ143E DEV {v:03X} NOT SPOOLED"))
            }
        };
        let mut hold = dev.spool.hold;
        let mut purge = false;
        let mut name = String::new();
        let mut ftype = String::new();
        while let Some(o) = w.next() {
            if abbrev(&o, "HOLD", 2) {
                hold = true;
            } else if abbrev(&o, "NOHOLD", 3) {
                hold = false;
            } else if abbrev(&o, "PURGE", 2) {
                purge = true;
            } else if abbrev(&o, "NAME", 1) {
                name = w.next().unwrap_or_default();
                ftype = w.next().unwrap_or_default();
            } else {
                return CpResult::error(format!("DMKCSQ003E INVALID OPTION - {o}"));
            }
        }
        let Some(dev) = self.devices.get_mut(&v) else {
            return CpResult::ok();
        };
        let records = std::mem::take(&mut dev.records);
        if kind == FileKind::Rdr || records == 0 {
            // A reader file is closed by reading it; nothing written: no file.
            return CpResult::ok();
        }
        if purge {
            return CpResult::ok();
        }
        let spool = dev.spool.clone();
        self.next_spool += 1;
        let number = self.next_spool;
        let (date, time, _) = date_time();
        let to = spool.to.clone().unwrap_or_else(|| self.user.id.clone());
        self.spool_files.push(SpoolFile {
            kind,
            number,
            class: spool.class,
            records,
            copies: spool.copies,
            hold,
            date: date[..5].to_string(),
            time: time[..5].to_string(),
            name,
            ftype,
        });
        self.imsg(format!(
            "{} FILE {number:04} TO {to} COPY {:02} {}",
            kind.name(),
            spool.copies,
            if hold { "HOLD" } else { "NOHOLD" }
        ))
    }

    /// MSG userid|* text: a message to a logged-on user (here: only oneself).
    pub(super) fn cmd_msg(&mut self, w: &mut Words) -> CpResult {
        let Some(to) = w.next() else {
            return CpResult::error("DMKMSG020E USERID MISSING OR INVALID");
        };
        let text = w.rest_raw();
        if to == "*" || to == self.user.id {
            if !self.settings.msg {
                return CpResult::error(format!(
                    "DMKMSG057W {} NOT RECEIVING; MSG OFF",
                    self.user.id
                ));
            }
            return CpResult::line(0, format!("MSG FROM {}: {text}", self.user.id));
        }
        if to == "OPERATOR" || self.directory.user(&to).is_some() {
            return CpResult::error(format!("DMKMSG045E {to} NOT LOGGED ON"));
        }
        CpResult::error(format!("DMKMSG053E {to} NOT IN CP DIRECTORY"))
    }
}
