//! SET (EMSG, IMSG, MSG, WNG, RUN, ECHO, PFnn) and TERMINAL (MODE, LINEND, CHARDEL,
//! LINEDEL, ESCAPE, ATTN, APL, TEXT, LINESIZE, and vm390's CODEPAGE); messages from DMKCFS / DMKCFT.
//!
//! `SET EMSG` decides what DIAGNOSE X'5C' leaves of an error message: ON code and text,
//! TEXT (the default at logon) the text only, CODE the code only, OFF nothing.

use diagnose::Emsg;

use super::query::pf_number;
use super::{abbrev, CpResult, Words};
use crate::vm::Cp;

/// ON or OFF.
fn on_off(w: &mut Words) -> Option<bool> {
    match w.next().as_deref() {
        Some("ON") => Some(true),
        Some("OFF") => Some(false),
        _ => None,
    }
}

impl Cp {
    pub(super) fn cmd_set(&mut self, w: &mut Words) -> CpResult {
        const MISSING: &str = "DMKCFS026E OPERAND MISSING OR INVALID";
        let Some(what) = w.next() else {
            return CpResult::error(MISSING);
        };
        let s = what.as_str();
        if abbrev(s, "EMSG", 4) {
            self.emsg = match w.next().as_deref() {
                Some("ON") => Emsg::On,
                Some("OFF") => Emsg::Off,
                Some("CODE") => Emsg::Code,
                Some("TEXT") => Emsg::Text,
                _ => return CpResult::error(MISSING),
            };
            return CpResult::ok();
        }
        let flag: Option<&mut bool> = if abbrev(s, "IMSG", 4) {
            Some(&mut self.settings.imsg)
        } else if s == "MSG" {
            Some(&mut self.settings.msg)
        } else if s == "WNG" {
            Some(&mut self.settings.wng)
        } else if s == "RUN" {
            Some(&mut self.settings.run)
        } else if s == "ECHO" {
            Some(&mut self.settings.echo)
        } else {
            None
        };
        if let Some(flag) = flag {
            return match on_off(w) {
                Some(b) => {
                    *flag = b;
                    // Other users' messages are checked against the system's copy.
                    self.blok
                        .set_receiving(Some(self.settings.msg), Some(self.settings.wng));
                    CpResult::ok()
                }
                None => CpResult::error(MISSING),
            };
        }
        if let Some(n) = pf_number(s) {
            let Some(n) = n else {
                return CpResult::error(MISSING);
            };
            // SET PFnn RECALL|RETRIEVE alone: the retrieve key (*VM/370 R6* `CPSET HELPCMD`).
            if let Some(m) = w.peek() {
                if (m == "RETRIEVE" || m == "RECALL")
                    && w.rest_raw().split_whitespace().count() == 1
                {
                    self.settings.pf.insert(n, "RETRIEVE".into());
                    return CpResult::ok();
                }
            }
            // SET PFnn [DELAYED|IMMED] text; no text: the key is undefined again.
            let mut mode = "DELAYED";
            if let Some(m) = w.peek() {
                if m == "DELAYED" || m == "IMMED" {
                    mode = if m == "IMMED" { "IMMED" } else { "DELAYED" };
                    w.next();
                }
            }
            let text = w.rest_raw();
            if text.is_empty() {
                self.settings.pf.remove(&n);
            } else {
                self.settings.pf.insert(n, format!("{mode} {text}"));
            }
            return CpResult::ok();
        }
        // Options of other classes or of no effect here.
        for (full, min) in [("ACNT", 4), ("LINEDIT", 4), ("TIMER", 3), ("ISAM", 4)] {
            if abbrev(s, full, min) {
                return match w.next() {
                    Some(_) => CpResult::ok(),
                    None => CpResult::error(MISSING),
                };
            }
        }
        CpResult::error(format!("DMKCFS003E INVALID OPTION - {s}"))
    }

    pub(super) fn cmd_terminal(&mut self, w: &mut Words) -> CpResult {
        const MISSING: &str = "DMKCFT026E OPERAND MISSING OR INVALID";
        if !w.more() {
            return CpResult::error(MISSING);
        }
        while let Some(opt) = w.next() {
            let o = opt.as_str();
            let char_opt = |w: &mut Words| -> Result<Option<char>, CpResult> {
                match w.next() {
                    Some(v) if v == "OFF" => Ok(None),
                    Some(v) if v == "ON" => Err(CpResult::ok()),
                    Some(v) if v.chars().count() == 1 => Ok(v.chars().next()),
                    _ => Err(CpResult::error(MISSING)),
                }
            };
            if abbrev(o, "MODE", 4) {
                match w.next().as_deref() {
                    Some("VM") => self.settings.mode_cp = false,
                    Some("CP") => self.settings.mode_cp = true,
                    Some(x) => return CpResult::error(format!("DMKCFT002E INVALID OPERAND - {x}")),
                    None => return CpResult::error(MISSING),
                }
            } else if abbrev(o, "LINEND", 4) {
                match char_opt(w) {
                    Ok(c) => self.settings.linend = c,
                    Err(e) if e.rc == 0 => self.settings.linend = Some('#'),
                    Err(e) => return e,
                }
            } else if abbrev(o, "CHARDEL", 4) {
                match char_opt(w) {
                    Ok(c) => self.settings.chardel = c,
                    Err(e) if e.rc == 0 => self.settings.chardel = Some('@'),
                    Err(e) => return e,
                }
            } else if abbrev(o, "LINEDEL", 5) {
                match char_opt(w) {
                    Ok(c) => self.settings.linedel = c,
                    Err(e) if e.rc == 0 => self.settings.linedel = Some('¢'),
                    Err(e) => return e,
                }
            } else if abbrev(o, "ESCAPE", 3) {
                match char_opt(w) {
                    Ok(c) => self.settings.escape = c,
                    Err(e) if e.rc == 0 => self.settings.escape = Some('"'),
                    Err(e) => return e,
                }
            } else if abbrev(o, "ATTN", 4) {
                match on_off(w) {
                    Some(b) => self.settings.attn = b,
                    None => return CpResult::error(MISSING),
                }
            } else if o == "APL" {
                match on_off(w) {
                    Some(b) => self.settings.apl = b,
                    None => return CpResult::error(MISSING),
                }
            } else if o == "TEXT" {
                match on_off(w) {
                    Some(b) => self.settings.text = b,
                    None => return CpResult::error(MISSING),
                }
            } else if abbrev(o, "LINESIZE", 5) {
                match w.next().and_then(|n| n.parse::<u16>().ok()) {
                    Some(n) if (1..=255).contains(&n) => self.settings.linesize = n,
                    _ => return CpResult::error(MISSING),
                }
            } else if abbrev(o, "CODEPAGE", 4) {
                // vm390's own operand: the console's EBCDIC code page, 037 or 1047.
                match w.next() {
                    Some(n) => match crate::io::ebcdic::CodePage::parse(&n) {
                        Some(p) => self.settings.codepage = p,
                        None => {
                            return CpResult::error(format!("DMKCFT002E INVALID OPERAND - {n}"))
                        }
                    },
                    None => return CpResult::error(MISSING),
                }
            } else {
                return CpResult::error(format!("DMKCFT002E INVALID OPERAND - {o}"));
            }
        }
        CpResult::ok()
    }
}
