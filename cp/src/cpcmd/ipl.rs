//! IPL, BEGIN and LOGOFF, CP mode, and the system reset of DEFINE STORAGE.
//!
//! `IPL name` loads a named saved system ([`Cp::ipl_system`]); `IPL vaddr` does what the
//! hardware's initial program load does (*IBM System/370 Principles of Operation*,
//! GA22-7000, "Initial Program Loading"): a READ IPL CCW (X'02', data address 0, count 24,
//! command chaining and SLI) is run on the device, the channel program goes on with the
//! CCW at address 8, and when it ends with channel end and device end and nothing else, the
//! device address is stored at X'02' and the PSW at 0 is loaded. A DASD's READ IPL reads
//! record 1 of cylinder 0, head 0; a card reader's reads the first card.

use std::path::PathBuf;

use super::{abbrev, parse_vaddr, strip_cp_prefix, CpResult, Effect, Words};
use crate::cpu::{initial_control_registers, Cpu, Psw};
use crate::io::device::{run_device_chain, ConsoleBuffer, IoContext};
use crate::io::{self, unit, Stores};
use crate::storage::{AbsAddr, RealAddr};
use crate::vm::{hex_psw, note_store, Cp, Input, Status};
use s390_decoder::Arch;

/// Return code of an IPL whose channel program or PSW failed (the machine is left reset,
/// in CP mode). Not 1, which CMS takes for an unknown command.
const RC_IPL_FAILED: u32 = 2;

/// The PSW a CPU reset leaves: a disabled wait (nothing runs until an IPL).
const RESET_PSW: [u8; 8] = [0, 2, 0, 0, 0, 0, 0, 0];

impl Cp {
    /// Logs the user off.
    pub fn logoff(&mut self) {
        if self.logged_off {
            return;
        }
        let (date, time, wd) = date_time();
        let secs = self.logon.elapsed().as_secs();
        self.cp_line(&format!(
            "CONNECT= {:02}:{:02}:{:02} VIRTCPU= 000:00.00 TOTCPU= 000:00.00",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ));
        self.cp_line(&format!("LOGOFF AT {time} {wd} {date}"));
        self.logged_off = true;
        // LOGOFF ends VMCF: senders of pending messages get data transfer error 5.
        self.vmcf.reset();
        let vaddrs: Vec<u16> = self.devices.keys().copied().collect();
        for v in vaddrs {
            self.close_at_detach(v);
        }
        self.flush_disks();
        let tdisks: Vec<PathBuf> = self
            .devices
            .values_mut()
            .filter_map(|d| d.tdisk.take())
            .collect();
        self.devices.clear();
        self.system.drop_links(&self.user.id, None);
        for p in tdisks {
            let _ = std::fs::remove_file(p);
        }
        self.leave_system();
    }

    pub(super) fn cmd_logoff(&mut self, w: &mut Words) -> CpResult {
        match w.next().as_deref() {
            None | Some("HOLD") => {}
            Some(o) => return CpResult::error(format!("DMKUSO003E INVALID OPTION - {o}")),
        }
        CpResult::ok().with(Effect::LogOff)
    }

    pub(super) fn cmd_begin(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        let _ = cpu;
        if let Some(a) = w.next() {
            // BEGIN hexloc: resume at that address.
            match u32::from_str_radix(&a, 16) {
                Ok(x) if x <= 0x00FF_FFFF => cpu.psw.ia = x,
                _ => return CpResult::error("DMKCFV004E HEXLOC MISSING OR INVALID"),
            }
        }
        // A machine never IPLed (or reset) runs when it has been given somewhere to start:
        // BEGIN hexloc, or a PSW put in place with STORE PSW (BEGIN HELPCMD: "resume
        // execution ... at the location pointed to by the virtual machine's current PSW").
        // Its zero PSW of logon, or the disabled wait a reset leaves, is nothing to run: it
        // stays in CP READ.
        let psw = cpu.psw.to_bytes(cpu.arch);
        if self.reset_state && psw != [0; 8] && psw != RESET_PSW {
            self.reset_state = false;
        }
        CpResult::ok().with(Effect::Begin)
    }

    /// IPL name|vaddr [CLEAR] [PARM text].
    pub(super) fn cmd_ipl(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        let Some(target) = w.next() else {
            return CpResult::error("DMKCFG026E OPERAND MISSING OR INVALID");
        };
        let mut clear = false;
        while let Some(o) = w.next() {
            if abbrev(&o, "CLEAR", 2) {
                clear = true;
            } else if abbrev(&o, "PARM", 4) {
                break;
            } else {
                return CpResult::error(format!("DMKCFG003E INVALID OPTION - {o}"));
            }
        }
        let is_device =
            self.system.directory.nss(&target).is_none() && parse_vaddr(&target).is_some();
        if is_device {
            let v = parse_vaddr(&target).unwrap_or(0);
            if !self.devices.contains_key(&v) {
                return CpResult::error(format!("DMKCFG040E DEV {v:03X} DOES NOT EXIST"));
            }
            return match self.ipl_device(cpu, v, clear) {
                Ok(()) => CpResult::ok().with(Effect::Ipl),
                Err(e) => e,
            };
        }
        match self.ipl_system(cpu, &target) {
            Ok(()) => CpResult::ok().with(Effect::Ipl),
            Err(e) => CpResult::error(e),
        }
    }

    /// Initial program load from device `vaddr` (see the module comment). A failure after
    /// the reset leaves the machine reset ([`Effect::Reset`]).
    fn ipl_device(&mut self, cpu: &mut Cpu, vaddr: u16, clear: bool) -> Result<(), CpResult> {
        if !self.devices.get(&vaddr).is_some_and(|d| d.unit.can_ipl()) {
            return Err(CpResult::error(format!(
                "DMKCFG003E INVALID OPTION - {vaddr:03X}"
            )));
        }
        self.reset_cpu(cpu, clear);
        let ipl_ccw: [u8; 8] = [0x02, 0, 0, 0, 0x60, 0, 0, 24];
        let _ = cpu.mem.load(AbsAddr(0), &ipl_ccw);
        note_store(cpu, 0, 8);
        let mut stores: Stores = Vec::new();
        let mut console = ConsoleBuffer::default();
        let Some(dev) = self.devices.get_mut(&vaddr) else {
            return Err(CpResult::ok());
        };
        let (unit, mut sink) = dev.unit_and_spool(&self.spool, &self.user.id);
        let mut ctx = IoContext {
            console: &mut console,
            spool: &mut sink,
        };
        let end = run_device_chain(&mut cpu.mem, 0, 0, &mut stores, unit, &mut ctx, None);
        for (a, l) in stores {
            note_store(cpu, a, l);
        }
        let csw = end.csw;
        if !end.started
            || csw.unit != (unit::CHANNEL_END | unit::DEVICE_END)
            || csw.channel & !(io::chan::INCORRECT_LENGTH | io::chan::PCI) != 0
        {
            return Err(CpResult::line(
                RC_IPL_FAILED,
                format!("IPL {vaddr:03X} FAILED: CSW {}", hex_psw(&csw.to_bytes())),
            )
            .with(Effect::Reset));
        }
        // The I/O address goes to bytes 2-3 (BC mode), then the PSW at 0 is loaded.
        let a = cpu.mem.absolute(RealAddr(2));
        cpu.mem.write_u16(a, vaddr);
        note_store(cpu, 2, 2);
        let mut psw = [0u8; 8];
        psw.copy_from_slice(&cpu.mem.bytes()[0..8]);
        let (p, valid) = Psw::from_bytes(Arch::S370, psw);
        if !valid {
            return Err(CpResult::line(
                RC_IPL_FAILED,
                format!("IPL {vaddr:03X} FAILED: PSW '{}' NOT VALID", hex_psw(&psw)),
            )
            .with(Effect::Reset));
        }
        cpu.psw = p;
        if self.trace {
            eprintln!("IPL {vaddr:03X}: PSW {}", hex_psw(&psw));
        }
        Ok(())
    }

    /// CPU reset: registers, PSW (a disabled wait: nothing to run until an IPL), pending
    /// I/O, loaded segments; storage and keys cleared too when `clear`.
    fn reset_cpu(&mut self, cpu: &mut Cpu, clear: bool) {
        if clear {
            // Storage and keys zeroed without touching the pages (see `Storage::clear`).
            cpu.mem.clear();
        }
        cpu.gpr = [0; 16];
        cpu.fpr = [0; 16];
        cpu.fpc = 0; // cleared by initial CPU reset (SA22-7201 figure 4-3)
        cpu.cr = initial_control_registers(cpu.arch);
        cpu.psw = Psw::from_bytes(Arch::S370, RESET_PSW).0;
        cpu.invalidate_all();
        self.pending.clear();
        // System reset resets the I/O devices too (GA22-7000, "System Reset"): a
        // unit-check condition waiting for SENSE is gone.
        for d in self.devices.values_mut() {
            d.unit.reset();
        }
        self.loaded.clear();
        self.sync_segments(cpu);
        self.stash = None;
        // A reset ends VMCF authorization (VMSP VMCF data transfer error code 5).
        self.vmcf.reset();
    }

    /// The system reset of DEFINE STORAGE: storage cleared, the CPU reset. The command
    /// returns [`Effect::Reset`]: the virtual machine is left in CP mode until an IPL.
    pub(crate) fn system_reset(&mut self, cpu: &mut Cpu) {
        self.reset_cpu(cpu, true);
    }

    /// CP mode (CP READ): lines are CP commands until one that resumes or ends the
    /// machine (BEGIN, an IPL, a reset, LOGOFF; with `SET RUN ON` any command once the
    /// machine has something to run). Returns that command's effect ([`Effect::Begin`]
    /// for SET RUN, [`Effect::LogOff`] at the end of input); an IPL's or a reset's is also
    /// left in `pending_effect`.
    ///
    /// A line may begin with `#CP` or with the word `CP` (users coming from CMS type it out
    /// of habit): both are dropped. VM/370 R6 answers `CP QUERY TIME` in CP mode with
    /// DMKCFM001E UNKNOWN CP COMMAND (its CP-mode parser, DMKCFM, knows no `CP` command;
    /// GC20-1820 lists none); later VM releases accept the prefix in CP mode, and so does
    /// vm390 -- a deliberate difference from R6.
    pub(crate) fn cp_mode(&mut self, cpu: &mut Cpu) -> Effect {
        loop {
            let line = match self.read_terminal(Status::CpRead) {
                Input::Line(l) => l,
                Input::Attention | Input::Wake => continue,
                Input::End => {
                    self.apply_effect(Effect::LogOff);
                    return Effect::LogOff;
                }
            };
            let cmd = strip_cp_prefix(&line).unwrap_or(&line);
            let cmd = strip_cp_word(cmd).trim().to_string();
            if cmd.is_empty() {
                continue;
            }
            let r = self.cp_command_from(cpu, &cmd, true);
            self.show(&r);
            if r.effect.ends_cp_mode() {
                return r.effect;
            }
            if self.logged_off {
                return Effect::LogOff;
            }
            if self.settings.run && !self.reset_state {
                return Effect::Begin;
            }
        }
    }
}

/// `line` without a leading word `CP` (any case), as CP mode takes it (see
/// [`Cp::cp_mode`]); `CP` alone leaves nothing.
fn strip_cp_word(line: &str) -> &str {
    let t = line.trim_start();
    match t.get(..2) {
        Some(w) if w.eq_ignore_ascii_case("CP") => {
            let rest = &t[2..];
            if rest.is_empty() || rest.starts_with([' ', '\t']) {
                rest.trim_start()
            } else {
                line
            }
        }
        _ => line,
    }
}

/// Day of the week (0 = Sunday) of a civil date.
fn weekday(y: i64, m: u32, d: u32) -> u32 {
    // Days from civil (H. Hinnant's algorithm); 1970-01-01 was a Thursday.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days + 4).rem_euclid(7) as u32
}

const WEEKDAYS: [&str; 7] = [
    "SUNDAY",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
];

/// Local date `MM/DD/YY`, time `HH:MM:SS` and weekday, as CP's messages show them.
pub(crate) fn date_time() -> (String, String, &'static str) {
    let t = diagnose::tz::local_now();
    (
        format!("{:02}/{:02}/{:02}", t.month, t.day, t.year % 100),
        format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second),
        WEEKDAYS[weekday(t.year as i64, t.month as u32, t.day as u32) as usize],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::{ScriptTerminal, Vm};

    /// The control registers of an initial CPU reset (GA22-7000-10: CR0 X'000000E0', CR2
    /// X'FFFFFFFF', CR14 X'C2000000', CR15 X'00000200'), the same in a new CPU, after the
    /// reset of an IPL from a device and of DEFINE STORAGE (which clears the FPC as well),
    /// and in the built-in MINICMS.
    #[test]
    fn one_initial_cpu_reset() {
        let mut s370 = [0u32; 16];
        s370[0] = 0x0000_00E0;
        s370[2] = 0xFFFF_FFFF;
        s370[14] = 0xC200_0000;
        s370[15] = 0x0000_0200;
        assert_eq!(initial_control_registers(Arch::S370), s370);
        let mut esa = s370;
        esa[2] = 0;
        assert_eq!(initial_control_registers(Arch::Esa390), esa);
        let mem = crate::storage::Storage::new(1 << 20).unwrap();
        assert_eq!(Cpu::new(Arch::S370, mem).cr, s370);
        let mem = crate::storage::Storage::new(1 << 20).unwrap();
        assert_eq!(Cpu::new(Arch::Esa390, mem).cr, esa);
        let minicms = crate::minicms::builtin_system("MINICMS").unwrap();
        assert_eq!(minicms.cr, s370);
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let mut vm = Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap();
        for command in ["IPL 00C", "DEFINE STORAGE 1M"] {
            vm.cpu.cr = [0x1234_5678; 16];
            vm.cpu.fpc = 0x8808_0001;
            let r = vm.cp.cp_command_from(&mut vm.cpu, command, true);
            assert_eq!(r.effect, Effect::Reset, "{command}: {:?}", r.lines);
            assert_eq!(vm.cpu.cr, s370, "{command}");
            // The FPC too (SA22-7201 figure 4-3: cleared by initial CPU reset).
            assert_eq!(vm.cpu.fpc, 0, "{command}");
        }
    }

    #[test]
    fn cp_word_is_dropped_in_cp_mode() {
        assert_eq!(strip_cp_word("CP QUERY TIME"), "QUERY TIME");
        assert_eq!(strip_cp_word("  cp q time"), "q time");
        assert_eq!(strip_cp_word("CP"), "");
        assert_eq!(strip_cp_word("CPX Q"), "CPX Q");
        assert_eq!(strip_cp_word("CLOSE 00E"), "CLOSE 00E");
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(1970, 1, 1), 4);
        assert_eq!(weekday(2026, 11, 24), 2);
        assert_eq!(weekday(2000, 2, 29), 2);
    }
}
