//! QUERY (CP Command Reference for General Users, "QUERY"): TIME, USERID, VIRTUAL,
//! STORAGE, DASD, CONSOLE, READER / PUNCH / PRINTER (spool files), NAMES, USERS, SET,
//! TERMINAL, PFnn and a device address. Messages from DMKCQG / DMKCQP.

use super::date_time;
use super::{abbrev, emsg_text, parse_vaddr, CpResult, Words};
use crate::cpu::Cpu;
use crate::io::device::{DeviceClass, QueryContext};
use crate::spool::{lock, Queue};
use crate::vm::{size_text, Cp, Device};

impl Cp {
    pub(super) fn cmd_query(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        let _ = cpu;
        let Some(what) = w.next() else {
            return CpResult::error("DMKCQG026E OPERAND MISSING OR INVALID");
        };
        let q = what.as_str();
        if abbrev(q, "TIME", 1) {
            let (date, time, wd) = date_time();
            return CpResult::lines(vec![
                format!("TIME IS {time} {wd} {date}"),
                self.connect_line(),
            ]);
        }
        if abbrev(q, "USERID", 6) {
            return CpResult::line(0, format!("{} AT VM390", self.user.id));
        }
        if abbrev(q, "STORAGE", 3) {
            return CpResult::line(0, format!("STORAGE = {}", size_text(self.storage_size)));
        }
        if abbrev(q, "VIRTUAL", 1) {
            return self.query_virtual(w);
        }
        if abbrev(q, "DIAGNOSE", 4) {
            return CpResult::lines(self.query_diagnose());
        }
        if abbrev(q, "DASD", 4) {
            return self.query_class(w, |d| d.class() == DeviceClass::Dasd, "DASD");
        }
        if abbrev(q, "CONSOLE", 4) {
            return self.query_class(w, |d| d.class() == DeviceClass::Console, "CONS");
        }
        if abbrev(q, "READER", 1) || q == "RDR" {
            return self.query_files(w, Queue::Rdr);
        }
        if abbrev(q, "FILES", 5) {
            return self.query_spool_totals(w);
        }
        if abbrev(q, "PUNCH", 2) || q == "PUN" {
            return self.query_files(w, Queue::Pun);
        }
        if abbrev(q, "PRINTER", 2) || q == "PRT" {
            return self.query_files(w, Queue::Prt);
        }
        if abbrev(q, "NAMES", 1) {
            return self.query_names();
        }
        if abbrev(q, "USERS", 1) {
            return self.query_users();
        }
        if q == "SET" {
            return CpResult::lines(self.query_set());
        }
        if abbrev(q, "TERMINAL", 4) {
            return CpResult::lines(self.query_terminal());
        }
        if let Some(n) = pf_number(q) {
            return match n {
                Some(n) => CpResult::line(0, self.pf_line(n)),
                None => CpResult::lines((1..=24).map(|n| self.pf_line(n)).collect()),
            };
        }
        if let Some(v) = parse_vaddr(q) {
            return match self.devices.get(&v) {
                Some(d) => CpResult::line(0, self.device_line(d)),
                None => CpResult::error(format!("DMKCQG040E DEV {v:03X} DOES NOT EXIST")),
            };
        }
        // QUERY userid: a logged-on user's terminal.
        if let Some(r) = self.query_user(q) {
            return r;
        }
        if q.len() <= 8 {
            return CpResult::error(format!("DMKCQG045E {q} NOT LOGGED ON"));
        }
        CpResult::error(format!("DMKCQG003E INVALID OPTION - {q}"))
    }

    /// QUERY DIAGNOSE (a vm390 addition, for the paravirtualization study): the hypercalls
    /// of this virtual machine by DIAGNOSE code, with the host time CP spent on them and
    /// the guest instructions run between one DIAGNOSE and the next, then the I/O
    /// interruptions presented.
    pub(crate) fn query_diagnose(&self) -> Vec<String> {
        let mut lines = vec!["DIAG      CALLS    CP TIME (MS)   INSTRUCTIONS BETWEEN".to_string()];
        for (code, a) in &self.hypercalls {
            lines.push(format!(
                "{code:04X} {:>10} {:>14.3} {:>22}",
                a.calls,
                a.host.as_secs_f64() * 1e3,
                a.instructions_between
            ));
        }
        lines.push(format!("I/O INTERRUPTIONS REFLECTED {}", self.io_reflected));
        lines
    }

    /// `CONNECT= hh:mm:ss VIRTCPU= mmm:ss.hh TOTCPU= mmm:ss.hh`.
    pub(crate) fn connect_line(&self) -> String {
        let secs = self.logon.elapsed().as_secs();
        format!(
            "CONNECT= {:02}:{:02}:{:02} VIRTCPU= 000:00.00 TOTCPU= 000:00.00",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }

    fn query_virtual(&mut self, w: &mut Words) -> CpResult {
        match w.next().as_deref() {
            None | Some("ALL") => {
                let mut lines = vec![format!("STORAGE = {}", size_text(self.storage_size))];
                lines.extend(self.devices.values().map(|d| self.device_line(d)));
                CpResult::lines(lines)
            }
            Some(s) if abbrev(s, "STORAGE", 3) => {
                CpResult::line(0, format!("STORAGE = {}", size_text(self.storage_size)))
            }
            Some(s) if abbrev(s, "DASD", 4) => {
                self.query_class(w, |d| d.class() == DeviceClass::Dasd, "DASD")
            }
            Some(s) if abbrev(s, "CONSOLE", 4) => {
                self.query_class(w, |d| d.class() == DeviceClass::Console, "CONS")
            }
            Some(s) if abbrev(s, "READER", 1) || s == "RDR" => {
                self.query_class(w, |d| d.class() == DeviceClass::Reader, "RDR")
            }
            Some(s) if abbrev(s, "PUNCH", 2) || s == "PUN" => {
                self.query_class(w, |d| d.class() == DeviceClass::Punch, "PUN")
            }
            Some(s) if abbrev(s, "PRINTER", 2) || s == "PRT" => {
                self.query_class(w, |d| d.class() == DeviceClass::Printer, "PRT")
            }
            Some(s) => match parse_vaddr(s) {
                Some(v) => match self.devices.get(&v) {
                    Some(d) => CpResult::line(0, self.device_line(d)),
                    None => CpResult::error(format!("DMKCQG040E DEV {v:03X} DOES NOT EXIST")),
                },
                None => CpResult::error(format!("DMKCQG003E INVALID OPTION - {s}")),
            },
        }
    }

    /// QUERY [VIRTUAL] DASD / CONS / ... [vaddr].
    fn query_class(&self, w: &mut Words, pick: fn(&Device) -> bool, name: &str) -> CpResult {
        if let Some(a) = w.next() {
            let Some(v) = parse_vaddr(&a) else {
                return CpResult::error("DMKCQG022E VADDR MISSING OR INVALID");
            };
            return match self.devices.get(&v).filter(|d| pick(d)) {
                Some(d) => CpResult::line(0, self.device_line(d)),
                None => CpResult::error(format!("DMKCQG040E DEV {v:03X} DOES NOT EXIST")),
            };
        }
        let lines: Vec<String> = self
            .devices
            .values()
            .filter(|d| pick(d))
            .map(|d| self.device_line(d))
            .collect();
        if lines.is_empty() {
            return CpResult::line(0, format!("NO {name} ATTACHED"));
        }
        CpResult::lines(lines)
    }

    /// The `QUERY VIRTUAL` line of a device.
    pub(crate) fn device_line(&self, d: &Device) -> String {
        d.unit.describe(&QueryContext {
            vaddr: d.vaddr,
            owner: &self.user.id,
            spool: &d.spool,
            term_start: self.settings.mode_cp,
            temporary: d.tdisk.is_some(),
        })
    }

    /// QUERY READER / PUNCH / PRINTER [ALL|spoolid] (QUERY HELPCMD2, "QUERY READER, QUERY
    /// PRINTER, QUERY PUNCH"): the user's files in that queue, each with the user who
    /// created it, its spool id, class, originating device, records, copies and hold
    /// status; the date, time, name, type and distribution code only with ALL or a spool
    /// id.
    fn query_files(&self, w: &mut Words, kind: Queue) -> CpResult {
        let name = kind.name();
        let mut all = false;
        let mut only = None;
        while let Some(o) = w.next() {
            if o == "ALL" {
                all = true;
            } else if let Some(id) = (o.len() <= 4)
                .then(|| o.parse::<u32>().ok())
                .flatten()
                .filter(|&id| id > 0)
            {
                all = true;
                only = Some(id);
            } else if !(o == "*" || abbrev(&o, "HOLD", 4) || o == self.user.id) {
                return CpResult::error(format!("DMKCQP003E INVALID OPTION - {o}"));
            }
        }
        let sp = lock(&self.spool);
        let files: Vec<_> = sp
            .files()
            .iter()
            .filter(|f| f.queue == kind && f.owner == self.user.id)
            .filter(|f| only.is_none_or(|id| f.id == id))
            .collect();
        if files.is_empty() {
            return CpResult::line(0, format!("NO {name} FILES"));
        }
        let mut head = "OWNERID  FILE CLASS RECDS  CPY HOLD".to_string();
        if all {
            head.push_str("   DATE  TIME     NAME      TYPE      DIST");
        }
        let mut lines = vec![head];
        for f in files {
            let mut l = format!(
                "{:<8} {:04} {} {} {:06} {:02}  {:<4}",
                f.origin,
                f.id,
                f.class,
                f.made_by.name(),
                f.records.len(),
                f.copies,
                if f.hold { "USER" } else { "NONE" },
            );
            if all {
                l.push_str(&format!(
                    "  {} {} {:<8}  {:<8}  {}",
                    f.date, f.time, f.name, f.ftype, f.dist
                ));
            }
            lines.push(l.trim_end().to_string());
        }
        CpResult::lines(lines)
    }

    /// QUERY FILES [CLASS c] (QUERY HELPCMD2): how many reader, printer and punch files
    /// the user has.
    fn query_spool_totals(&self, w: &mut Words) -> CpResult {
        let mut class = None;
        while let Some(o) = w.next() {
            if abbrev(&o, "CLASS", 2) {
                match w
                    .next()
                    .filter(|c| c.len() == 1)
                    .and_then(|c| c.chars().next())
                {
                    Some(c) => class = Some(c),
                    None => return CpResult::error("DMKCQP028E CLASS MISSING OR INVALID"),
                }
            } else {
                return CpResult::error(format!("DMKCQP003E INVALID OPTION - {o}"));
            }
        }
        let sp = lock(&self.spool);
        let count = |q: Queue| {
            let n = sp
                .files()
                .iter()
                .filter(|f| f.queue == q && f.owner == self.user.id)
                .filter(|f| class.is_none_or(|c| f.class == c))
                .count();
            if n == 0 {
                format!("NO {}", q.name())
            } else {
                format!("{n:03} {}", q.name())
            }
        };
        CpResult::line(
            0,
            format!(
                "FILES: {}, {}, {}",
                count(Queue::Rdr),
                count(Queue::Prt),
                count(Queue::Pun)
            ),
        )
    }

    /// The lines of QUERY SET.
    pub(crate) fn query_set(&self) -> Vec<String> {
        let s = &self.settings;
        let on = |b: bool| if b { "ON " } else { "OFF" };
        vec![
            format!(
                "MSG {}, WNG {}, EMSG {}, ACNT OFF, RUN {}",
                on(s.msg),
                on(s.wng),
                emsg_text(self.emsg),
                on(s.run)
            ),
            format!(
                "LINEDIT ON , TIMER OFF, ISAM OFF, ECMODE OFF, IMSG {}, ECHO {}",
                on(s.imsg),
                on(s.echo)
            ),
        ]
    }

    /// The lines of QUERY TERMINAL.
    fn query_terminal(&self) -> Vec<String> {
        let s = &self.settings;
        let ch = |c: Option<char>| c.map_or("OFF".to_string(), |c| c.to_string());
        let on = |b: bool| if b { "ON" } else { "OFF" };
        vec![
            format!(
                "LINEND {}, LINESIZE {:03}, ATTN {}, APL {}, TEXT {}",
                ch(s.linend),
                s.linesize,
                on(s.attn),
                on(s.apl),
                on(s.text)
            ),
            format!(
                "MODE {}, CHARDEL {}, LINEDEL {}, ESCAPE {}",
                if s.mode_cp { "CP" } else { "VM" },
                ch(s.chardel),
                ch(s.linedel),
                ch(s.escape)
            ),
            // vm390's own line, after R6's two: the console's code page.
            format!("CODEPAGE {}", s.codepage.number()),
        ]
    }

    fn pf_line(&self, n: u8) -> String {
        match self.settings.pf.get(&n) {
            Some(t) => format!("PF{n:02} {t}"),
            None => format!("PF{n:02} UNDEFINED"),
        }
    }
}

/// `PFnn` (Some(Some(n)), 1..=24), `PF` alone (Some(None)), or not a PF operand (None).
pub(super) fn pf_number(s: &str) -> Option<Option<u8>> {
    let d = s.strip_prefix("PF")?;
    if d.is_empty() {
        return Some(None);
    }
    let n: u8 = d.parse().ok().filter(|_| d.len() <= 2)?;
    (1..=24).contains(&n).then_some(Some(n))
}
