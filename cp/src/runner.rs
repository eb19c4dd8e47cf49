//! The CP side of `vm390 run`: a virtual machine with user id `RUNNER`, SET EMSG TEXT, the
//! minidisks given with `--disk` (full-pack, on CKD images) and no other devices, an
//! output-only line console at X'009' (see [`ConsoleSink`]), and the
//! DIAGNOSE codes of the `diagnose` crate's standard registry (plus Hercules' X'F08'). The
//! CPU has already checked privilege and counted the code; codes the registry does not know
//! give the specification exception.
//!
//! [`cpu_machine_methods!`] is the one copy of the `diagnose::Machine` methods that need
//! only the CPU (registers, CC, real storage, storage keys, the X'2603' interruption); the
//! runner's adapter and the CP's (`vm.rs`) both expand it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use diagnose::{
    BlockDevice, BlockIoState, ConsoleInfo, CpResponse, DeviceInfo, Emsg, IoAnswer, IoRequest,
    LocalTime, Machine, ProgramCheck, Registry, VmcfState,
};

use crate::cpu::{Cpu, Exec, ProgramInterrupt, Supervisor};
use crate::dasd;
use crate::io::dasd::{diag24_type, Minidisk};

/// The runner's supervisor: its minidisks, console and DIAG X'250' state.
#[derive(Debug, Default)]
pub struct Runner {
    /// Minidisks by virtual device number.
    disks: BTreeMap<u16, Minidisk>,
    /// DIAGNOSE X'250' environments and held completions.
    block_io: BlockIoState,
    /// DIAGNOSE X'68' VMCF authorization (RUNNER is the only virtual machine).
    vmcf: VmcfState,
    /// Where console output goes.
    console: ConsoleSink,
}

/// The address of the runner's console (VM/370's usual `CONSOLE 009 3215`).
pub const CONSOLE: u16 = 0x009;

/// Where the runner's console output goes: CP's answers to DIAG X'08' without a response
/// buffer and the rows of a DIAG X'58' display, one line each (the console is a line
/// console; EBCDIC already translated). The console is output-only and is not a virtual
/// device: the guest cannot START I/O to it and DIAG X'24' / X'210' do not describe it (CC
/// 3 for X'009' and for -1, as under Hercules 3.13 with `vm390 run`'s configuration).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum ConsoleSink {
    /// Standard output, line by line as written (`vm390 run`).
    #[default]
    Stdout,
    /// Standard error (`vm390 run --json`, whose standard output is the JSON object).
    Stderr,
    /// Kept in memory (tests, `vm390 conformance`).
    Capture(Vec<String>),
}

impl ConsoleSink {
    fn line(&mut self, line: &str) {
        use std::io::Write as _;
        match self {
            // A closed stdout or stderr loses the line; the guest is not told (a line console
            // has no way to say it), and the CP must not stop.
            ConsoleSink::Stdout => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            ConsoleSink::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            ConsoleSink::Capture(v) => v.push(line.to_string()),
        }
    }
}

/// The user id of the runner's virtual machine.
pub const USERID: &str = "RUNNER";

/// The system name `QUERY USERID` reports.
pub const SYSTEM: &str = "VM390";

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::standard)
}

/// When the runner first answered a DIAGNOSE: `vm390 run` is one CPU-bound thread, so the
/// time since then stands for the virtual machine's CPU time (DIAG X'0C').
fn started() -> Instant {
    static S: OnceLock<Instant> = OnceLock::new();
    *S.get_or_init(Instant::now)
}

/// A directory-style device type (decimal 3350 for a 3350) from a hexadecimal one.
fn decimal_devtype(hex: u16) -> u16 {
    format!("{hex:X}").parse().unwrap_or(0)
}

/// Tracks per cylinder of a minidisk (its device type as the directory writes it).
fn heads(md: &Minidisk) -> u32 {
    u16::from_str_radix(&md.devtype.to_string(), 16)
        .ok()
        .and_then(dasd::geometry)
        .map_or(0, |g| u32::from(g.heads))
}

/// DIAG X'24' / X'210' data of a CKD minidisk (VM370 VDEV/RDEV class X'04', the type byte
/// of [`diag24_type`], X'80' in VDEVFLAG when read-only).
pub(crate) fn minidisk_info(md: &Minidisk) -> DeviceInfo {
    let t = diag24_type(md.devtype) as u32;
    let ro = if md.read_only { 0x80 } else { 0 };
    DeviceInfo {
        vdev: 0x0400_0000 | (t << 16) | ro,
        rdev: Some(0x0400_0000 | (t << 16)),
    }
}

/// DIAG X'250': a CKD minidisk as a block device of `block_size`-byte blocks (keyless
/// records of that size per track, by the device's capacity formula).
pub(crate) fn minidisk_block_device(md: &Minidisk, block_size: u32) -> BlockDevice {
    let per_track = u16::from_str_radix(&md.devtype.to_string(), 16)
        .ok()
        .and_then(dasd::geometry)
        .zip(u16::try_from(block_size).ok())
        .map_or(0, |(g, bs)| g.records_per_track(0, bs));
    BlockDevice::Ckd {
        tracks: u32::from(md.cylinders) * heads(md),
        blocks_per_track: per_track,
        read_only: md.read_only,
    }
}

/// Track `track` of a minidisk as (cylinder, head).
pub(crate) fn minidisk_track(md: &Minidisk, track: u32) -> Option<(u16, u16)> {
    let h = heads(md);
    if h == 0 {
        return None;
    }
    Some((u16::try_from(track / h).ok()?, (track % h) as u16))
}

/// Makes the next held X'2603' completion pending in the CPU, if it can take one
/// ([`BlockIoState::next_interrupt`]); true if it did.
pub(crate) fn deliver_block_io(cpu: &mut Cpu, st: &mut BlockIoState) -> bool {
    match st.next_interrupt(
        cpu.cr[0],
        cpu.external_pending(diagnose::blockio::EXT_BLOCK_IO),
    ) {
        Some((subcode, param)) => {
            cpu.raise_external_param(diagnose::blockio::EXT_BLOCK_IO, subcode, param);
            true
        }
        None => false,
    }
}

/// The `diagnose::Machine` methods that need only the CPU, for an adapter with a field
/// `cpu: &mut Cpu`: registers, CC, architecture and addressing mode, real storage with the
/// PSW key or a given key, storage keys of frames, and the X'2603' interruption (queued in
/// the adapter's `block_io_state`, made pending by [`deliver_block_io`]).
macro_rules! cpu_machine_methods {
    () => {
        fn gpr(&self, r: u8) -> u32 {
            self.cpu.gpr[r as usize & 15]
        }
        fn set_gpr(&mut self, r: u8, v: u32) {
            self.cpu.gpr[r as usize & 15] = v;
        }
        fn set_cc(&mut self, cc: u8) {
            self.cpu.psw.cc = cc & 3;
        }
        fn arch(&self) -> s390_decoder::Arch {
            self.cpu.arch
        }
        fn address_mask(&self) -> u32 {
            self.cpu.psw.amask()
        }
        fn check_real(
            &mut self,
            addr: u32,
            len: u32,
            store: bool,
        ) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .check_real(addr, len, store)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .read_real(addr, buf)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .write_real(addr, data)
                .map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn check_real_key(
            &mut self,
            addr: u32,
            len: u32,
            store: bool,
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.check_real(addr, len, store);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn read_real_key(
            &mut self,
            addr: u32,
            buf: &mut [u8],
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.read_real(addr, buf);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn write_real_key(
            &mut self,
            addr: u32,
            data: &[u8],
            key: u8,
        ) -> Result<(), diagnose::ProgramCheck> {
            let psw_key = std::mem::replace(&mut self.cpu.psw.key, key);
            let r = self.cpu.write_real(addr, data);
            self.cpu.psw.key = psw_key;
            r.map_err(|p| diagnose::ProgramCheck(p.0))
        }
        fn set_storage_key(&mut self, addr: u32, key: u8) -> Result<(), diagnose::ProgramCheck> {
            self.cpu
                .check_real(addr & !0xFFF, 1, false)
                .map_err(|p| diagnose::ProgramCheck(p.0))?;
            let abs = self
                .cpu
                .mem
                .absolute($crate::storage::RealAddr(addr & !0xFFF));
            // Both 2 KB key blocks of the 4 KB frame.
            for half in [0, 0x800] {
                let a = $crate::storage::AbsAddr(abs.0 + half);
                let old = self.cpu.mem.key(a);
                self.cpu.mem.set_key(a, (old & 0x07) | (key & 0xF8));
            }
            Ok(())
        }
        fn block_io_interrupt(&mut self, subcode: u16, param: u32) {
            if let Some(st) = self.block_io_state() {
                st.held.push_back((subcode, param));
            }
            // The adapter's block_io_state makes the next held completion pending.
            let _ = self.block_io_state();
        }
    };
}
pub(crate) use cpu_machine_methods;

impl Runner {
    /// A runner without devices.
    pub fn new() -> Runner {
        Runner::default()
    }

    /// Sends console output to `sink` from now on.
    pub fn set_console(&mut self, sink: ConsoleSink) {
        self.console = sink;
    }

    /// The console lines kept by [`ConsoleSink::Capture`] (empty for the other sinks).
    pub fn console_lines(&self) -> &[String] {
        match &self.console {
            ConsoleSink::Capture(v) => v,
            _ => &[],
        }
    }

    /// Attaches the CKD image `path` (Hercules CKD_P370 / CKD_C370, or emx370 .ckdc) as a
    /// full-pack minidisk at `vaddr`: read-write when the file is writable and `read_only`
    /// is false, else read-only. Errors name the file.
    pub fn attach_disk(&mut self, vaddr: u16, path: &Path, read_only: bool) -> Result<(), String> {
        if self.disks.contains_key(&vaddr) {
            return Err(format!("device {vaddr:03X} is already attached"));
        }
        let writable =
            !read_only && std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
        // An image another process writes (it holds the image's lock) is attached
        // read-only, with a message naming the file and that process.
        let (img, read_only) = match dasd::open(path, !writable) {
            Err(e @ dasd::DasdError::Locked { .. }) => {
                eprintln!("vm390: {e}: attached read-only");
                (dasd::open(path, true).map_err(|e| e.to_string())?, true)
            }
            r => (r.map_err(|e| e.to_string())?, read_only),
        };
        let devtype = decimal_devtype(img.geometry().devtype);
        let cyls = img.cylinders();
        let volser = img
            .volser()
            .map(|v| crate::io::ebcdic::ebcdic_to_text(&v))
            .unwrap_or_default();
        let md = Minidisk::new(vaddr, devtype, 0, cyls, read_only, volser, img);
        self.disks.insert(vaddr, md);
        Ok(())
    }

    /// Writes what the minidisks hold back to their images (at the end of a run).
    pub fn flush(&mut self) -> Result<(), String> {
        for md in self.disks.values_mut() {
            md.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Supervisor for Runner {
    fn diagnose(&mut self, cpu: &mut Cpu, rx: u8, ry: u8, code: u32) -> Exec {
        let _ = started();
        // Hercules' X'F08' (instruction count of this CPU into Rx, ../shared/docs/hercules.md
        // section 1.4): answered so that Hercules timing guests such as loop.S run unchanged
        // and can be measured side by side.
        if code & 0xFFFF == 0xF08 {
            cpu.gpr[rx as usize] = cpu.instructions as u32;
            return Ok(());
        }
        let mut vm = RunnerVm { cpu, runner: self };
        registry()
            .dispatch(&mut vm, code, rx, ry)
            .map_err(|ProgramCheck(c)| ProgramInterrupt(c))
    }

    /// An enabled wait: a block-I/O completion held while the service-signal subclass was
    /// masked becomes pending once the guest has enabled it.
    fn wait(&mut self, cpu: &mut Cpu) -> bool {
        deliver_block_io(cpu, &mut self.block_io)
    }
}

/// The runner's CP commands (DIAG X'08'): `QUERY USERID`; anything else is unknown.
pub fn cp_command(command: &str) -> CpResponse {
    let words: Vec<String> = command
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let words: Vec<&str> = words.iter().map(|w| w.as_str()).collect();
    match words.as_slice() {
        [q, "USERID"] if "QUERY".starts_with(q) && !q.is_empty() => CpResponse {
            lines: vec![format!("{USERID} AT {SYSTEM}")],
            rc: 0,
        },
        _ => CpResponse::unknown(),
    }
}

/// The runner's virtual machine as the DIAGNOSE handlers see it.
struct RunnerVm<'a> {
    cpu: &'a mut Cpu,
    runner: &'a mut Runner,
}

impl Machine for RunnerVm<'_> {
    cpu_machine_methods!();

    fn storage_size(&self) -> u32 {
        self.cpu.mem.size()
    }
    fn userid(&self) -> String {
        USERID.to_string()
    }
    fn emsg(&self) -> Emsg {
        Emsg::Text
    }
    fn local_time(&self) -> LocalTime {
        diagnose::tz::local_now()
    }
    fn cpu_time_us(&self) -> (u64, u64) {
        let us = started().elapsed().as_micros() as u64;
        (us, us)
    }
    fn device(&self, devno: u16) -> Option<DeviceInfo> {
        self.runner.disks.get(&devno).map(minidisk_info)
    }
    fn console(&self) -> Option<ConsoleInfo> {
        Some(ConsoleInfo {
            devno: CONSOLE,
            terminal_code: 0,
        })
    }
    fn cp_command(&mut self, command: &str, _refuse_link_password: bool) -> CpResponse {
        cp_command(command)
    }
    fn console_write(&mut self, line: &str) {
        self.runner.console.line(line);
    }
    fn console_display(&mut self, devno: u16, lines: &[String]) {
        let _ = devno;
        for l in lines {
            self.runner.console.line(l);
        }
    }
    fn dasd_io(&mut self, req: IoRequest) -> IoAnswer {
        let Some(md) = u16::try_from(req.devno)
            .ok()
            .and_then(|v| self.runner.disks.get_mut(&v))
        else {
            return IoAnswer::NOT_ATTACHED;
        };
        let mut stores = Vec::new();
        let r = md.diag18(&mut self.cpu.mem, req.ccw, req.extra, &mut stores);
        for (a, l) in stores {
            self.cpu.stored(a, l);
        }
        IoAnswer {
            cc: r.cc,
            r15: r.r15,
            sense: None,
        }
    }
    fn block_device(&self, devno: u16, block_size: u32) -> BlockDevice {
        match self.runner.disks.get(&devno) {
            Some(md) => minidisk_block_device(md, block_size),
            None => BlockDevice::NotDefined,
        }
    }
    fn ckd_read(&mut self, devno: u16, track: u32, rec: u8) -> Option<Vec<u8>> {
        let md = self.runner.disks.get_mut(&devno)?;
        let (c, h) = minidisk_track(md, track)?;
        md.read_record(c, h, rec)
    }
    fn ckd_write(&mut self, devno: u16, track: u32, rec: u8, data: &[u8]) -> bool {
        let Some(md) = self.runner.disks.get_mut(&devno) else {
            return false;
        };
        let Some((c, h)) = minidisk_track(md, track) else {
            return false;
        };
        md.read_record(c, h, rec)
            .is_some_and(|d| d.len() == data.len())
            && md.write_record(c, h, rec, data)
    }
    fn block_io_state(&mut self) -> Option<&mut BlockIoState> {
        deliver_block_io(self.cpu, &mut self.runner.block_io);
        Some(&mut self.runner.block_io)
    }
    fn vmcf_state(&mut self) -> Option<&mut VmcfState> {
        Some(&mut self.runner.vmcf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp_commands() {
        assert_eq!(cp_command("query userid").lines, ["RUNNER AT VM390"]);
        assert_eq!(cp_command("Q  USERID").rc, 0);
        assert_eq!(cp_command("QUERYX USERID"), CpResponse::unknown());
        assert_eq!(cp_command("LOGOFF"), CpResponse::unknown());
        assert_eq!(cp_command(""), CpResponse::unknown());
    }

    #[test]
    fn devtypes() {
        assert_eq!(decimal_devtype(0x3350), 3350);
        assert_eq!(decimal_devtype(0x3390), 3390);
    }
}
