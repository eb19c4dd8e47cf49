//! CP TRACE (VM/370 R6 `TRACE HELPCMD`/`HELPCMD2` on the 19D): the virtual machine's
//! events, one line each in VM's trace formats, to the terminal, the virtual printer or
//! both; and the same events for `vm390 run --trace` (standard error, and JSON lines with
//! `--trace-file`).
//!
//! `TRace SVC|I/O|PROgram|EXTernal|PRIV|SIO|CCW|BRanch|INSTruct|ALL|CSW|DIAG ...
//! [PRINter|TERMinal|BOTH] [NORun|RUN] [OFf]`, or `TRace END`. Operands are cumulative: a
//! function named again takes its new options. The default is TERMINAL NORUN: after each
//! line at the terminal the machine stops in CP mode (CP READ) until BEGIN (HELPCMD2 note
//! 3); PRINTER implies RUN and takes neither RUN nor NORUN; a traced DIAGNOSE X'08' never
//! stops (HELPCMD2, NORun). Output to the printer goes to the virtual printer of the
//! lowest address (HELPCMD2, PRINter), a record at a time through the device.
//!
//! `DIAG` is a vm390 addition (VM/370 had none): each DIAGNOSE with its code, the Rx and
//! Ry registers on entry and on exit, and the condition code:
//! `::: vvvvvv DIAG  xxxxxxxx CODE cccc Rx eeeeeeee>xxxxxxxx Ry eeeeeeee>xxxxxxxx CC n`,
//! for X'08' followed by the command text in quotes.
//!
//! The machine's half (what is recorded, single-stepping, the `Supervisor::trace` hook) is
//! `s390-cpu`'s `cpu/trace.rs`. vm390 has no real devices: the real-device fields of VM's
//! I/O and CCW lines (`type radd`, the real CCWs) are left out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use s390_decoder::{Arch, Decoder, DisasmOptions, Opcode};

use super::{abbrev, CpResult, Words};
use crate::cpu::{Cpu, TraceEvent, TraceKind, TraceMask};
use crate::io::device::{Command, DeviceClass, IoContext, NoSink};
use crate::io::ebcdic::{char_to_ebcdic, EBCDIC_TO_UNICODE};
use crate::storage::RealAddr;
use crate::vm::Cp;

/// A TRACE function (an activity of `TRACE HELPCMD`, plus vm390's DIAG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Function {
    Svc,
    Io,
    Program,
    External,
    Priv,
    Sio,
    Ccw,
    Branch,
    Instruct,
    All,
    Csw,
    Diag,
}

impl Function {
    /// The function an operand names (its shortest forms as the HELPCMD format box has
    /// them), any case.
    pub fn parse(word: &str) -> Option<Function> {
        let w = word.to_ascii_uppercase();
        let w = w.as_str();
        Some(match w {
            "SVC" => Function::Svc,
            "I/O" | "IO" => Function::Io,
            "PRIV" => Function::Priv,
            "SIO" => Function::Sio,
            "CCW" => Function::Ccw,
            "ALL" => Function::All,
            "CSW" => Function::Csw,
            _ if abbrev(w, "PROGRAM", 3) => Function::Program,
            _ if abbrev(w, "EXTERNAL", 3) => Function::External,
            _ if abbrev(w, "BRANCH", 2) => Function::Branch,
            _ if abbrev(w, "INSTRUCT", 4) => Function::Instruct,
            _ if abbrev(w, "DIAGNOSE", 4) => Function::Diag,
            _ => return None,
        })
    }

    /// The machine's event classes the function traces (HELPCMD2: BRANCH "virtual machine
    /// interrupts, PSW instructions, and successful branches"; INSTRUCT "all instructions,
    /// virtual machine interrupts, and successful branches"; ALL everything; CCW also SIO;
    /// CSW the I/O interruption with its CSW).
    pub fn mask(self) -> TraceMask {
        let ints = TraceMask::SVC | TraceMask::PROGRAM | TraceMask::EXTERNAL | TraceMask::IO;
        match self {
            Function::Svc => TraceMask::SVC,
            Function::Io => TraceMask::IO,
            Function::Program => TraceMask::PROGRAM,
            Function::External => TraceMask::EXTERNAL,
            Function::Priv => TraceMask::PRIV,
            Function::Sio => TraceMask::SIO,
            Function::Ccw => TraceMask::SIO | TraceMask::CCW,
            Function::Csw => TraceMask::IO | TraceMask::CSW,
            Function::Branch => ints | TraceMask::BRANCH | TraceMask::PSW,
            Function::Instruct => ints | TraceMask::INSTRUCT | TraceMask::BRANCH,
            Function::All => {
                ints | TraceMask::INSTRUCT
                    | TraceMask::BRANCH
                    | TraceMask::PRIV
                    | TraceMask::SIO
                    | TraceMask::CCW
                    | TraceMask::CSW
            }
            Function::Diag => TraceMask::DIAG,
        }
    }

    /// The lower-case name (`vm390 run --trace-file`'s `kind` of the events is the event's).
    pub fn name(self) -> &'static str {
        match self {
            Function::Svc => "svc",
            Function::Io => "i/o",
            Function::Program => "program",
            Function::External => "external",
            Function::Priv => "priv",
            Function::Sio => "sio",
            Function::Ccw => "ccw",
            Function::Branch => "branch",
            Function::Instruct => "instruct",
            Function::All => "all",
            Function::Csw => "csw",
            Function::Diag => "diag",
        }
    }
}

/// Where a function's lines go and whether the machine stops after each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Options {
    printer: bool,
    terminal: bool,
    norun: bool,
}

/// `vm390 run --trace`: lines on standard error, JSON lines to a file.
pub struct HostTrace {
    /// The classes traced.
    pub mask: TraceMask,
    /// Lines on standard error.
    pub stderr: bool,
    /// `--trace-file`: one JSON object a line.
    pub json: Option<std::io::BufWriter<std::fs::File>>,
}

impl std::fmt::Debug for HostTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostTrace")
            .field("mask", &self.mask)
            .finish()
    }
}

/// A virtual machine's tracing: the TRACE functions on, and `vm390 run`'s host trace.
#[derive(Debug, Default)]
pub struct Tracing {
    functions: BTreeMap<Function, Options>,
    /// `vm390 run --trace`.
    pub host: Option<HostTrace>,
}

impl Tracing {
    /// The machine's event classes for all that is on.
    pub fn mask(&self) -> TraceMask {
        let mut m = self.host.as_ref().map_or(TraceMask::NONE, |h| h.mask);
        for f in self.functions.keys() {
            m |= f.mask();
        }
        m
    }

    /// The options of the first function on that traces event classes `class`.
    fn options_for(&self, class: TraceMask) -> Option<Options> {
        self.functions
            .iter()
            .find(|(f, _)| f.mask().has(class))
            .map(|(_, o)| *o)
    }
}

/// The event class of `e` (for which function's options apply).
fn class_of(e: &TraceEvent) -> TraceMask {
    match e.kind {
        TraceKind::Svc { .. } => TraceMask::SVC,
        TraceKind::Program { .. } => TraceMask::PROGRAM,
        TraceKind::External { .. } => TraceMask::EXTERNAL,
        TraceKind::Io { .. } => TraceMask::IO,
        TraceKind::Instruction => TraceMask::INSTRUCT,
        TraceKind::Branch { .. } => TraceMask::BRANCH,
        TraceKind::Privileged { .. } => TraceMask::PRIV | TraceMask::PSW,
        TraceKind::IoInstruction { .. } => TraceMask::SIO,
        TraceKind::Diagnose { .. } => TraceMask::DIAG,
    }
}

/// The event's kind for JSON: `svc`, `program`, `external`, `io`, `instruction`, `branch`,
/// `priv`, `sio`, `diag`.
pub fn kind_name(e: &TraceEvent) -> &'static str {
    match e.kind {
        TraceKind::Svc { .. } => "svc",
        TraceKind::Program { .. } => "program",
        TraceKind::External { .. } => "external",
        TraceKind::Io { .. } => "io",
        TraceKind::Instruction => "instruction",
        TraceKind::Branch { .. } => "branch",
        TraceKind::Privileged { .. } => "priv",
        TraceKind::IoInstruction { .. } => "sio",
        TraceKind::Diagnose { .. } => "diag",
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::new();
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// The instruction's hex as VM prints it: the first four bytes, a blank, the rest
/// (`xxxxxxxx xxxx`).
fn insn_hex(e: &TraceEvent) -> String {
    let b = &e.insn[..e.len as usize];
    if b.len() > 4 {
        format!("{} {}", hex(&b[..4]), hex(&b[4..]))
    } else {
        hex(b)
    }
}

/// Mnemonic and operands of the event's instruction from the `s390-decoder` disassembler.
fn disasm(e: &TraceEvent, arch: Arch) -> (String, String) {
    let bytes = &e.insn[..e.len as usize];
    match Decoder::new(arch).decode(bytes) {
        Ok(insn) => {
            let text = insn.display(DisasmOptions::default()).to_string();
            match text.split_once(' ') {
                Some((m, ops)) => (m.to_string(), ops.trim().to_string()),
                None => (text, String::new()),
            }
        }
        Err(_) => ("????".into(), String::new()),
    }
}

/// The lines of event `e` in VM's trace formats (TRACE HELPCMD2, "Responses").
/// `device` names a virtual device's type (`DASD`, `CONS`, `PRT`...; VM's `DEV` when there
/// is none); `csw` adds the CSW line of an I/O interruption.
pub fn format_event(
    e: &TraceEvent,
    arch: Arch,
    device: &dyn Fn(u16) -> String,
    csw: bool,
) -> Vec<String> {
    let (mnem, ops) = disasm(e, arch);
    let x = insn_hex(e);
    let line = match e.kind {
        TraceKind::Svc { code, new_ia } => {
            format!("*** {:06X} SVC  {code:02X} ==> {new_ia:06X}", e.ia)
        }
        TraceKind::Program { code, new_ia } => {
            format!("*** {:06X} PROG {code:04X} ==> {new_ia:06X}", e.ia)
        }
        TraceKind::External { code, new_ia } => {
            format!("*** {:06X} EXT  {code:04X} ==> {new_ia:06X}", e.ia)
        }
        TraceKind::Io {
            device: dev,
            new_ia,
            csw: c,
        } => {
            let mut v = Vec::new();
            if csw {
                v.push(format!("CSW V {dev:03X} {} {}", hex(&c[..4]), hex(&c[4..])));
            }
            v.push(format!(
                "*** {:06X} I/O  {dev:03X} ==> {new_ia:06X} CSW {}",
                e.ia,
                hex(&c[4..6])
            ));
            return v;
        }
        TraceKind::Instruction => format!("{:06X} {mnem:<5} {x:<13} {ops}", e.ia),
        TraceKind::Branch { target } => {
            format!("{:06X} {mnem:<5} {x:<13} ==> {target:06X}  {ops}", e.ia)
        }
        TraceKind::Privileged { psw } => {
            let op = Decoder::new(arch)
                .decode(&e.insn[..e.len as usize])
                .ok()
                .map(|i| i.opcode());
            match op {
                Some(Opcode::SSM | Opcode::STOSM | Opcode::STNSM) => {
                    format!("::: {:06X} {mnem:<5} {x} {:02X}", e.ia, psw[0])
                }
                Some(Opcode::LPSW) => {
                    let arrow = if psw[1] & 0x02 != 0 { "   " } else { "==>" };
                    format!(
                        "::: {:06X} {mnem:<5} {x} {arrow} {}  {}",
                        e.ia,
                        hex(&psw[..4]),
                        hex(&psw[4..])
                    )
                }
                _ => format!("::: {:06X} {mnem:<5} {x}  {ops}", e.ia),
            }
        }
        TraceKind::IoInstruction {
            opcode,
            device: dev,
            cc,
            caw,
        } => {
            let mut l = format!(
                "I/O {:06X} {:<5} {x} {} {dev:03X} CC {cc}",
                e.ia,
                opcode.mnemonic(),
                device(dev)
            );
            if matches!(opcode, Opcode::SIO | Opcode::SIOF) {
                let _ = write!(l, " CAW {caw:08X}");
            }
            l
        }
        TraceKind::Diagnose {
            code,
            rx,
            ry,
            entry,
            exit,
            cc,
            program,
        } => {
            let mut l =
                format!(
                "::: {:06X} DIAG  {x} CODE {:04X} R{rx} {:08X}>{:08X} R{ry} {:08X}>{:08X} CC {cc}",
                e.ia, code & 0xFFFF, entry[0], exit[0], entry[1], exit[1]
            );
            if let Some(p) = program {
                let _ = write!(l, " PROG {p:04X}");
            }
            l
        }
    };
    vec![line]
}

/// The virtual CCWs of the channel program at the CAW (format 0, command and data
/// chaining and TIC followed, at most 64), as TRACE CCW lists them:
/// `CCW vvvvvv xxxxxxxx xxxxxxxx`.
pub fn ccw_lines(cpu: &Cpu, caw: u32) -> Vec<String> {
    let mut at = caw & 0x00FF_FFF8;
    let mut out = Vec::new();
    for _ in 0..64 {
        let a = cpu.mem.absolute(RealAddr(at));
        if !cpu.mem.contains(a, 8) {
            break;
        }
        let c = &cpu.mem.bytes()[a.0 as usize..a.0 as usize + 8];
        out.push(format!("CCW {at:06X} {} {}", hex(&c[..4]), hex(&c[4..])));
        let addr = u32::from_be_bytes([0, c[1], c[2], c[3]]);
        if c[0] & 0x0F == 0x08 {
            at = addr & !7;
            continue;
        }
        if c[4] & 0xC0 == 0 {
            break;
        }
        at = at.wrapping_add(8);
    }
    out
}

/// The command text of a DIAGNOSE X'08' whose Rx and Ry were `entry` (Rx the address, Ry
/// the flags and length), as the trace line shows it; None when it is not in storage.
fn diag08_text(cpu: &Cpu, entry: [u32; 2]) -> Option<String> {
    let len = (entry[1] & 0x00FF_FFFF).min(240);
    let at = entry[0] & cpu.psw.amask();
    let mut t = String::new();
    for i in 0..len {
        let a = cpu
            .mem
            .absolute(RealAddr(at.wrapping_add(i) & cpu.psw.amask()));
        if !cpu.mem.contains(a, 1) {
            return None;
        }
        let c = EBCDIC_TO_UNICODE[cpu.mem.bytes()[a.0 as usize] as usize];
        t.push(if c.is_control() { '.' } else { c });
    }
    Some(t)
}

/// A JSON string literal of `s`.
fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The JSON object of `e` (one line): `kind`, `psw`, `ia`, `text` (its trace lines), and
/// by kind `code`, `new_ia`, `device`, `cc`, `target`, `rx`/`ry` with `entry`/`exit`.
pub fn json_line(e: &TraceEvent, lines: &[String]) -> String {
    let mut o = format!(
        "{{\"kind\":\"{}\",\"psw\":\"{}\",\"ia\":\"{:08X}\"",
        kind_name(e),
        hex(&e.psw),
        e.ia
    );
    if e.len > 0 {
        let _ = write!(o, ",\"insn\":\"{}\"", hex(&e.insn[..e.len as usize]));
    }
    match e.kind {
        TraceKind::Svc { code, new_ia }
        | TraceKind::Program { code, new_ia }
        | TraceKind::External { code, new_ia } => {
            let _ = write!(o, ",\"code\":\"{code:04X}\",\"new_ia\":\"{new_ia:08X}\"");
        }
        TraceKind::Io {
            device,
            new_ia,
            csw,
        } => {
            let _ = write!(
                o,
                ",\"device\":\"{device:03X}\",\"new_ia\":\"{new_ia:08X}\",\"csw\":\"{}\"",
                hex(&csw)
            );
        }
        TraceKind::Instruction | TraceKind::Privileged { .. } => {}
        TraceKind::Branch { target } => {
            let _ = write!(o, ",\"target\":\"{target:08X}\"");
        }
        TraceKind::IoInstruction {
            opcode, device, cc, ..
        } => {
            let _ = write!(
                o,
                ",\"op\":\"{}\",\"device\":\"{device:03X}\",\"cc\":{cc}",
                opcode.mnemonic()
            );
        }
        TraceKind::Diagnose {
            code,
            rx,
            ry,
            entry,
            exit,
            cc,
            program,
        } => {
            let _ = write!(
                o,
                ",\"code\":\"{:04X}\",\"rx\":{rx},\"ry\":{ry},\"entry\":[\"{:08X}\",\"{:08X}\"],\
                 \"exit\":[\"{:08X}\",\"{:08X}\"],\"cc\":{cc}",
                code & 0xFFFF,
                entry[0],
                entry[1],
                exit[0],
                exit[1]
            );
            if let Some(p) = program {
                let _ = write!(o, ",\"program\":\"{p:04X}\"");
            }
        }
    }
    let _ = write!(o, ",\"text\":{}}}", json_str(&lines.join("\n")));
    o
}

/// Parses `--trace KIND[,KIND...]` (the TRACE operands, any case).
pub fn parse_functions(s: &str) -> Result<Vec<Function>, String> {
    s.split(',')
        .map(|w| {
            Function::parse(w.trim()).ok_or_else(|| {
                format!(
                    "'{w}' is not a trace kind (svc, i/o, sio, ccw, csw, program, external, \
                     priv, branch, instruct, all, diag)"
                )
            })
        })
        .collect()
}

impl Cp {
    /// TRACE: see the module documentation.
    pub(super) fn cmd_trace(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        const M: &str = "DMKTRA";
        let mut funcs = Vec::new();
        let (mut printer, mut terminal, mut both) = (false, false, false);
        let (mut run, mut norun, mut off, mut end) = (false, false, false, false);
        if !w.more() {
            return CpResult::error(format!("{M}026E OPERAND MISSING OR INVALID"));
        }
        while let Some(op) = w.next() {
            if let Some(f) = Function::parse(&op) {
                funcs.push(f);
            } else if op == "END" {
                end = true;
            } else if abbrev(&op, "PRINTER", 4) {
                printer = true;
            } else if abbrev(&op, "TERMINAL", 4) {
                terminal = true;
            } else if op == "BOTH" {
                both = true;
            } else if op == "RUN" {
                run = true;
            } else if abbrev(&op, "NORUN", 3) {
                norun = true;
            } else if abbrev(&op, "OFF", 2) {
                off = true;
            } else {
                return CpResult::error(format!("{M}003E INVALID OPTION - {op}"));
            }
        }
        let was_on = !self.tracing.functions.is_empty();
        if end {
            if !funcs.is_empty() || printer || terminal || both || run || norun || off {
                return CpResult::error(format!("{M}003E INVALID OPTION - END"));
            }
            self.tracing.functions.clear();
            cpu.trace = self.tracing.mask();
            return CpResult::line(0, "TRACE ENDED");
        }
        if funcs.is_empty() {
            return CpResult::error(format!("{M}026E OPERAND MISSING OR INVALID"));
        }
        if [printer, terminal, both].iter().filter(|b| **b).count() > 1 || (run && norun) {
            return CpResult::error(format!("{M}006E CONFLICTING OPTION"));
        }
        // PRINTER: RUN is assumed, and neither RUN nor NORUN may be given (HELPCMD2).
        if printer && (run || norun) {
            let which = if run { "RUN" } else { "NORUN" };
            return CpResult::error(format!("{M}003E INVALID OPTION - {which}"));
        }
        if (printer || both) && self.trace_printer().is_none() {
            return CpResult::error(format!("{M}040E DEV 00E DOES NOT EXIST"));
        }
        for f in funcs {
            if off {
                self.tracing.functions.remove(&f);
                continue;
            }
            let opts = Options {
                printer: printer || both,
                terminal: !printer,
                norun: !printer && !run,
            };
            self.tracing.functions.insert(f, opts);
        }
        cpu.trace = self.tracing.mask();
        let on = !self.tracing.functions.is_empty();
        match (was_on, on) {
            (false, true) => CpResult::line(0, "TRACE STARTED"),
            (true, false) => CpResult::line(0, "TRACE ENDED"),
            _ => CpResult::ok(),
        }
    }

    /// The virtual printer trace output goes to: the lowest address (HELPCMD2, PRINter).
    fn trace_printer(&self) -> Option<u16> {
        self.devices
            .values()
            .find(|d| d.class() == DeviceClass::Printer)
            .map(|d| d.vaddr)
    }

    /// Writes `lines` to the virtual printer `prt`, a record each (X'09', write and space).
    fn trace_print(&mut self, prt: u16, lines: &[String]) {
        let Some(dev) = self.devices.get_mut(&prt) else {
            return;
        };
        let (unit, mut sink) = dev.unit_and_spool(&self.spool, &self.user.id);
        let mut console = NoSink;
        let mut ctx = IoContext {
            console: &mut console,
            spool: &mut sink,
        };
        for line in lines {
            let data: Vec<u8> = line
                .chars()
                .map(|c| char_to_ebcdic(c).unwrap_or(0x4B))
                .collect();
            let cmd = Command {
                code: 0x09,
                data: &data,
                count: 0,
            };
            let _ = unit.start(cmd, &mut ctx);
        }
    }

    /// The type name of virtual device `vaddr` for trace lines.
    fn trace_device(&self, vaddr: u16) -> String {
        self.devices
            .get(&vaddr)
            .map_or("DEV", |d| d.class().name())
            .to_string()
    }

    /// A traced event ([`crate::cpu::Supervisor::trace`]): its lines to where the TRACE
    /// function that asked for it sends them, and to `vm390 run`'s host trace. True to stop
    /// the machine (NORUN at the terminal; never for DIAGNOSE X'08', nor in a machine
    /// with no terminal to read, `vm390 run`'s).
    pub(crate) fn trace_event(&mut self, cpu: &mut Cpu, e: &TraceEvent) -> bool {
        let class = class_of(e);
        let csw = cpu.trace.has(TraceMask::CSW);
        let mut lines = format_event(e, cpu.arch, &|d| self.trace_device(d), csw);
        if let TraceKind::IoInstruction {
            opcode, caw, cc, ..
        } = e.kind
        {
            // The channel program of a started SIO (condition code 0).
            let sio = matches!(opcode, Opcode::SIO | Opcode::SIOF);
            if cpu.trace.has(TraceMask::CCW) && sio && cc == 0 {
                lines.extend(ccw_lines(cpu, caw));
            }
        }
        if let TraceKind::Diagnose { code: 8, entry, .. } = e.kind {
            if let (Some(l), Some(t)) = (lines.last_mut(), diag08_text(cpu, entry)) {
                let _ = write!(l, " '{t}'");
            }
        }
        if let Some(h) = self.tracing.host.as_mut() {
            if h.mask.has(class) {
                if h.stderr {
                    let mut err = std::io::stderr().lock();
                    for l in &lines {
                        let _ = writeln!(err, "{l}");
                    }
                }
                if let Some(j) = h.json.as_mut() {
                    let _ = writeln!(j, "{}", json_line(e, &lines));
                }
            }
        }
        let Some(opts) = self.tracing.options_for(class) else {
            return false;
        };
        if opts.printer {
            if let Some(prt) = self.trace_printer() {
                self.trace_print(prt, &lines);
            }
        }
        if opts.terminal {
            for l in &lines {
                self.cp_line(l);
            }
        }
        let diag08 = matches!(e.kind, TraceKind::Diagnose { code, .. } if code & 0xFFFF == 8);
        opts.terminal && opts.norun && !diag08 && !self.unattended
    }

    /// Flushes `vm390 run`'s trace file.
    pub fn flush_trace_file(&mut self) {
        if let Some(j) = self.tracing.host.as_mut().and_then(|h| h.json.as_mut()) {
            let _ = j.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: TraceKind, ia: u32, insn: &[u8]) -> TraceEvent {
        let mut b = [0u8; 6];
        b[..insn.len()].copy_from_slice(insn);
        TraceEvent {
            kind,
            ia,
            insn: b,
            len: insn.len() as u8,
            psw: [0, 0, 0, 0, 0, 0x02, 0x01, 0x30],
        }
    }

    fn fmt(e: &TraceEvent, csw: bool) -> Vec<String> {
        format_event(e, Arch::S370, &|_| "PRT".to_string(), csw)
    }

    #[test]
    fn interruption_lines_are_vms() {
        let svc = ev(
            TraceKind::Svc {
                code: 0xCA,
                new_ia: 0x1234,
            },
            0x20130,
            &[],
        );
        assert_eq!(fmt(&svc, false), ["*** 020130 SVC  CA ==> 001234"]);
        let pgm = ev(
            TraceKind::Program {
                code: 1,
                new_ia: 0x500,
            },
            0x20002,
            &[],
        );
        assert_eq!(fmt(&pgm, false), ["*** 020002 PROG 0001 ==> 000500"]);
        let ext = ev(
            TraceKind::External {
                code: 0x40,
                new_ia: 0x600,
            },
            0x700,
            &[],
        );
        assert_eq!(fmt(&ext, false), ["*** 000700 EXT  0040 ==> 000600"]);
        let csw = [0, 0, 0x0F, 0x10, 0x0C, 0, 0, 0];
        let io = ev(
            TraceKind::Io {
                device: 0x00E,
                new_ia: 0x800,
                csw,
            },
            0x900,
            &[],
        );
        assert_eq!(fmt(&io, false), ["*** 000900 I/O  00E ==> 000800 CSW 0C00"]);
        assert_eq!(
            fmt(&io, true),
            [
                "CSW V 00E 00000F10 0C000000",
                "*** 000900 I/O  00E ==> 000800 CSW 0C00"
            ]
        );
    }

    #[test]
    fn instruction_lines_disassemble() {
        let la = ev(TraceKind::Instruction, 0x1000, &[0x41, 0x10, 0x00, 0x01]);
        assert_eq!(fmt(&la, false), ["001000 LA    41100001      1,1"]);
        let mvc = ev(
            TraceKind::Instruction,
            0x1004,
            &[0xD2, 0x07, 0x10, 0x00, 0x20, 0x00],
        );
        assert_eq!(fmt(&mvc, false), ["001004 MVC   D2071000 2000 0(8,1),0(2)"]);
        let br = ev(TraceKind::Branch { target: 0x2000 }, 0x100A, &[0x07, 0xF3]);
        assert_eq!(
            fmt(&br, false),
            ["00100A BR    07F3          ==> 002000  3"]
        );
        let lpsw = ev(
            TraceKind::Privileged {
                psw: [0, 0x02, 0, 0, 0, 0, 0x0F, 0],
            },
            0x100C,
            &[0x82, 0x00, 0x02, 0x10],
        );
        assert_eq!(
            fmt(&lpsw, false),
            ["::: 00100C LPSW  82000210     00020000  00000F00"]
        );
        let run = ev(
            TraceKind::Privileged {
                psw: [0xFF, 0, 0, 0, 0, 0, 0x10, 0],
            },
            0x100C,
            &[0x82, 0x00, 0x02, 0x10],
        );
        assert_eq!(
            fmt(&run, false),
            ["::: 00100C LPSW  82000210 ==> FF000000  00001000"]
        );
    }

    #[test]
    fn io_and_diagnose_lines() {
        let sio = ev(
            TraceKind::IoInstruction {
                opcode: Opcode::SIO,
                device: 0xE,
                cc: 0,
                caw: 0x500,
            },
            0x2000,
            &[0x9C, 0x00, 0x00, 0x0E],
        );
        assert_eq!(
            fmt(&sio, false),
            ["I/O 002000 SIO   9C00000E PRT 00E CC 0 CAW 00000500"]
        );
        let d = TraceKind::Diagnose {
            code: 0x18,
            rx: 2,
            ry: 3,
            entry: [0x191, 0x400],
            exit: [0x191, 0],
            cc: 0,
            program: None,
        };
        let diag = ev(d, 0x3000, &[0x83, 0x23, 0x00, 0x18]);
        assert_eq!(
            fmt(&diag, false),
            ["::: 003000 DIAG  83230018 CODE 0018 R2 00000191>00000191 R3 00000400>00000000 CC 0"]
        );
        let j = json_line(&diag, &fmt(&diag, false));
        assert!(
            j.starts_with("{\"kind\":\"diag\",\"psw\":\"0000000000020130\""),
            "{j}"
        );
        assert!(j.contains("\"code\":\"0018\""), "{j}");
        assert!(j.contains("\"entry\":[\"00000191\",\"00000400\"]"), "{j}");
    }

    #[test]
    fn functions_parse_as_the_format_box_abbreviates() {
        assert_eq!(
            parse_functions("svc,DIAG,prog,br,instr,i/o,ext").unwrap(),
            [
                Function::Svc,
                Function::Diag,
                Function::Program,
                Function::Branch,
                Function::Instruct,
                Function::Io,
                Function::External
            ]
        );
        assert!(parse_functions("pr").is_err());
        assert!(parse_functions("bogus").is_err());
    }
}
