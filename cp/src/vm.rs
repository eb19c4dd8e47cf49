//! A virtual machine: a user from the directory, its CPU and storage, its virtual devices
//! (3215 console, spooled unit-record devices, CKD minidisks), and the control program's
//! side of it: the [`Supervisor`] that answers START I/O and the other I/O instructions,
//! presents I/O interruptions, and handles the DIAGNOSE codes VM/370 R6 CMS issues
//! (X'00', 08, 0C, 10, 18, 20, 24, 58, 5C, 60, 64). The CP commands (and LOGOFF, device
//! building and LINK at logon) are in `cpcmd/`; CP mode (CP READ) is `Cp::cp_mode` there.
//!
//! `IPL CMS` follows `docs/cms370-guest.md` 2.1: the saved system's pages, storage keys,
//! PSW, general, floating-point and control registers are restored; CMS then finds, loads
//! and purges CMSSEG through DIAGNOSE X'64'.
//!
//! The console is a [`Terminal`]: a source of input lines (and attentions) and a sink for
//! output text. Every channel program completes at once; a console read takes the next
//! input line when the START I/O is issued (lines that begin with `#CP` are CP commands and
//! are not given to the guest; `#CP` alone, or an attention, enters CP mode). At the end of
//! input the user is logged off.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use s390_decoder::{Arch, Opcode};

use diagnose::{
    ConsoleInfo, CpResponse, DeviceInfo, Emsg, IoAnswer, IoRequest, LocalTime, Machine,
    ProgramCheck, Registry, SegmentAnswer, SegmentOp,
};

use crate::cpu::{Cpu, Exec, ProgramInterrupt, Psw, Stop, Supervisor};
use crate::directory::{Directory, IplTarget, User};
use crate::io::dasd::Minidisk;
use crate::io::device::{run_device_chain, ChannelDevice, ConsoleBuffer, DeviceClass, IoContext};
use crate::io::{self, unit, ChainEnd, CmdKind, Csw, Stores};
use crate::nss::{self, SavedSystem};
use crate::spool::DeviceSpool;
use crate::storage::{AbsAddr, RealAddr, Storage};

use crate::cpcmd::{date_time, strip_cp_prefix, Effect, LinkInfo, Settings, SpoolOpts, RC_UNKNOWN};

/// What the terminal gave when CP read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A line (without its line end).
    Line(String),
    /// The attention key (Ctrl-C on a terminal).
    Attention,
    /// The end of input.
    End,
    /// Nothing typed: the system has something for the virtual machine (a message, a
    /// reconnection, FORCE); [`Cp::read_terminal`] takes it and reads again.
    Wake,
}

/// The status VM shows in the corner of a display terminal: who reads the terminal, or
/// that the virtual machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The virtual machine reads its console.
    VmRead,
    /// CP reads a command (CP mode).
    CpRead,
    /// The virtual machine runs.
    Running,
}

impl Status {
    /// The text VM shows: `VM READ`, `CP READ`, `RUNNING`.
    pub fn text(self) -> &'static str {
        match self {
            Status::VmRead => "VM READ",
            Status::CpRead => "CP READ",
            Status::Running => "RUNNING",
        }
    }
}

/// The user's terminal. It is `Send`: a virtual machine's thread takes it over at LOGON
/// and hands it back at DISCONNECT and LOGOFF (see `system.rs`).
pub trait Terminal: Send {
    /// The next input line (without its line end); None at the end of input.
    fn read_line(&mut self) -> Option<String>;
    /// The next input for a read in `status` (VM READ or CP READ): a line, an attention
    /// or the end of input. By default the next line.
    fn read_input(&mut self, status: Status) -> Input {
        let _ = status;
        match self.read_line() {
            Some(l) => Input::Line(l),
            None => Input::End,
        }
    }
    /// A password for a read in `status`: read masked (not shown) and kept in no
    /// history. By default the next input.
    fn read_password(&mut self, status: Status) -> Input {
        self.read_input(status)
    }
    /// Writes output text; `\n` ends a line.
    fn write(&mut self, text: &str);
    /// Whether the attention key was pressed while the virtual machine ran (and resets it).
    fn attention(&mut self) -> bool {
        false
    }
    /// The virtual machine runs (status RUNNING).
    fn running(&mut self) {}
    /// Whether the terminal itself shows what the user types (then `SET ECHO ON` adds
    /// nothing).
    fn shows_input(&self) -> bool {
        false
    }
    /// Whether the host asked the control program to end (SIGTERM, SIGHUP): the user is
    /// then logged off as at VM's SHUTDOWN, and reads give the end of input.
    fn shutdown(&mut self) -> bool {
        false
    }
    /// The side of the terminal other threads reach (messages from other users shown at
    /// once, a read woken); None if it has none (messages wait for the next read).
    fn messenger(&self) -> Option<std::sync::Arc<dyn crate::system::Messenger>> {
        None
    }
    /// The terminal's name as `QUERY NAMES` shows it.
    fn name(&self) -> String {
        "CONS".into()
    }
    /// Whether the end of input is a dropped connection (a network terminal): the user
    /// is then disconnected, not logged off, as VM does when a line drops.
    fn hung_up(&self) -> bool {
        false
    }
    /// The screen of a 3270 display terminal (rows, columns); None for a line terminal
    /// (DIAG X'8C').
    fn screen_size(&self) -> Option<(u16, u16)> {
        None
    }
    /// The program function keys as `SET PFnn` defined them (number to `IMMED text` or
    /// `DELAYED text`), given before each read: a display terminal applies them to the
    /// PF keys pressed. By default ignored (no PF keys).
    fn set_pf_keys(&mut self, keys: &std::collections::BTreeMap<u8, String>) {
        let _ = keys;
    }
    /// DIAG X'58' CCW X'19' on a 3270 display: the output area of the console screen is
    /// erased when `erase`, then `rows` go in from output line `line`. False (the default)
    /// when the terminal is no display.
    fn display_at(&mut self, erase: bool, line: usize, rows: &[String]) -> bool {
        let _ = (erase, line, rows);
        false
    }
    /// DIAG X'58' full screen (`vm/fullscreen.rs`): sends the 3270 data stream `stream`
    /// (its TN3270 command code first) to the display; an ERASE/WRITE (ALTERNATE) puts the
    /// display under the guest's control (full-screen mode), with PA1 read as a key when
    /// `pa1_to_guest`. False (the default) when the terminal is no 3270 display.
    fn fullscreen_write(&mut self, stream: &[u8], pa1_to_guest: bool) -> bool {
        let _ = (stream, pa1_to_guest);
        false
    }
    /// Whether the display is in full-screen mode (no line I/O since the guest's last
    /// ERASE/WRITE).
    fn in_fullscreen(&self) -> bool {
        false
    }
    /// The next inbound 3270 record (AID, cursor address, fields) the display sent, waiting
    /// for one when `wait`. By default none.
    fn fullscreen_input(&mut self, wait: bool) -> FullScreenInput {
        let _ = wait;
        FullScreenInput::None
    }
    /// Sends the read command `command` (X'F2' READ BUFFER, X'F6' READ MODIFIED) and
    /// returns the display's answer; None when none came.
    fn fullscreen_read(&mut self, command: u8) -> Option<Vec<u8>> {
        let _ = command;
        None
    }
}

/// What [`Terminal::fullscreen_input`] gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FullScreenInput {
    /// An inbound record: AID, cursor address and fields.
    Record(Vec<u8>),
    /// PA1 (CP mode).
    Attention,
    /// The terminal went (or full-screen mode ended).
    End,
    /// Nothing (yet).
    None,
}

/// A terminal fed from a list of lines, collecting output (tests, scripts).
#[derive(Debug, Default)]
pub struct ScriptTerminal {
    /// Lines still to be read.
    pub input: VecDeque<String>,
    /// Everything written.
    pub output: String,
}

impl Terminal for ScriptTerminal {
    fn read_line(&mut self) -> Option<String> {
        self.input.pop_front()
    }
    fn write(&mut self, text: &str) {
        self.output.push_str(text);
    }
}

/// A virtual device: the device itself (behind [`ChannelDevice`]) and what CP keeps about
/// it (spooling options, the link of a minidisk, a temporary minidisk's image).
#[derive(Debug)]
pub struct Device {
    /// Virtual address.
    pub vaddr: u16,
    /// The device: console, reader, punch, printer, minidisk, ...
    pub unit: Box<dyn ChannelDevice>,
    /// Spooling options (unit-record devices and the console).
    pub(crate) spool: SpoolOpts,
    /// A punch's or printer's records since the last CLOSE.
    pub(crate) open: crate::spool::OpenFile,
    /// A reader's place in the file it reads.
    pub(crate) reading: Option<crate::spool::ReaderPos>,
    /// A minidisk: whose it is and how it is linked.
    pub(crate) link: Option<LinkInfo>,
    /// A temporary minidisk: its image file (removed at DETACH and LOGOFF).
    pub(crate) tdisk: Option<PathBuf>,
}

impl Device {
    /// The device's unit and a spool sink over its spooling state (class and options, the
    /// punch's or printer's open file, the reader's place) in the system spool `spool`, for
    /// one channel program of `user`'s.
    pub(crate) fn unit_and_spool<'a>(
        &'a mut self,
        spool: &'a crate::spool::SpoolHandle,
        user: &'a str,
    ) -> (&'a mut dyn ChannelDevice, DeviceSpool<'a>) {
        let Device {
            unit,
            spool: opts,
            open,
            reading,
            ..
        } = self;
        let sink = DeviceSpool {
            spool,
            user,
            opts,
            open,
            reader: reading,
            full: false,
            error: None,
        };
        (unit.as_mut(), sink)
    }

    /// The device's class.
    pub fn class(&self) -> DeviceClass {
        self.unit.class()
    }
    /// The device as a CKD minidisk, if it is one.
    pub fn minidisk(&self) -> Option<&Minidisk> {
        self.unit.as_minidisk()
    }
    /// The device as a CKD minidisk, for change.
    pub fn minidisk_mut(&mut self) -> Option<&mut Minidisk> {
        self.unit.as_minidisk_mut()
    }
}

mod fullscreen;
mod vmcf;

/// An I/O interruption waiting to be presented.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingIo {
    pub(crate) vaddr: u16,
    csw: Csw,
}

/// Why [`Vm::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The user logged off (LOGOFF, or the end of input).
    LoggedOff,
}

/// The control program's state for one virtual machine (the CPU's [`Supervisor`]).
pub struct Cp {
    /// The directory entry of the user.
    pub user: User,
    /// The system this virtual machine belongs to.
    pub(crate) system: std::sync::Arc<crate::system::System>,
    /// What the system knows of this virtual machine.
    pub(crate) blok: std::sync::Arc<crate::system::VmBlok>,
    /// Where the terminal goes back at DISCONNECT and LOGOFF (the session that connected
    /// it); None for a machine started disconnected or by a test.
    pub(crate) home: Option<crate::system::Home>,
    /// Virtual devices by address.
    pub devices: BTreeMap<u16, Device>,
    pub(crate) pending: VecDeque<PendingIo>,
    pub(crate) terminal: Box<dyn Terminal>,
    /// The last output did not end its line.
    pub(crate) line_open: bool,
    /// `SPOOL CONSOLE START` is in effect: console output is also a printer spool file
    /// (the console device's open file, closed by CLOSE CONSOLE and LOGOFF).
    pub(crate) console_spooling: bool,
    /// Console output of a line not yet ended, for the console spool file.
    console_partial: String,
    /// Saved segments read so far.
    segments: BTreeMap<String, SavedSystem>,
    /// Segments loaded into this virtual machine.
    pub(crate) loaded: BTreeMap<String, (u32, u32)>,
    /// The user has logged off.
    pub logged_off: bool,
    /// A line read from the terminal, not yet given to the guest.
    pub(crate) stash: Option<String>,
    pub(crate) logon: Instant,
    /// Defined storage size (what DIAGNOSE X'60' reports).
    pub storage_size: u32,
    /// An IPL or a reset by a CP command given while the guest ran (a `#CP` line, an
    /// attention, DIAGNOSE X'08'): the I/O instruction or DIAGNOSE in progress ends without
    /// its usual completion, and so does the CPU's batch. Taken on the way back to
    /// [`Vm::run`]; [`Effect::None`] otherwise.
    pub(crate) pending_effect: Effect,
    /// DIAGNOSE X'250' block-I/O environments and held completions.
    block_io: diagnose::BlockIoState,
    /// DIAGNOSE X'68': this machine's way to the system's VMCF; its authorization is ended
    /// by IPL, system reset and LOGOFF (an implicit UNAUTHORIZE: VMSP VMCF data transfer
    /// error code 5). See `vm/vmcf.rs`.
    pub(crate) vmcf: diagnose::VmcfState,
    /// Trace DIAGNOSE and I/O to stderr.
    pub trace: bool,
    /// CP TRACE and `vm390 run --trace` (`cpcmd/trace.rs`).
    pub tracing: crate::cpcmd::trace::Tracing,
    /// The `SET EMSG` setting (DIAGNOSE X'5C').
    pub emsg: Emsg,
    /// The other SET and TERMINAL settings.
    pub(crate) settings: Settings,
    /// The system spool (shared with the other virtual machines of this CP).
    pub(crate) spool: crate::spool::SpoolHandle,
    /// The virtual machine was reset (DEFINE STORAGE, a failed IPL) and has nothing to run
    /// until an IPL.
    pub(crate) reset_state: bool,
    /// A virtual machine with no directory entry (`vm390 run`, see `unattended.rs`): its
    /// line console at X'009' is output only and not a virtual device, it answers Hercules'
    /// DIAGNOSE X'F08', and its CPU time is the time since it started.
    pub(crate) unattended: bool,
    /// An enabled wait reads the console and can also be ended by VMCF: a read that VMCF
    /// traffic wakes returns (see `vm/vmcf.rs`).
    pub(crate) vmcf_ends_read: bool,
    /// DIAG X'58' full screen: the record the last attention announced, for the read
    /// that follows, and whether a WRITE STRUCTURED FIELD waits for its answer
    /// (`vm/fullscreen.rs`).
    pub(crate) fullscreen: fullscreen::FullScreenState,
    /// Hypercall accounting by DIAGNOSE code (`CP QUERY DIAGNOSE`, `vm390 run --json`).
    pub hypercalls: BTreeMap<u32, DiagAccount>,
    /// The CPU's instruction count at the end of the last DIAGNOSE.
    last_diag_at: u64,
    /// I/O interruptions presented to the guest.
    pub io_reflected: u64,
    /// S/370 I/O instructions (SIO, SIOF, TIO, CLRIO, HIO, HDV, TCH) CP carried out for
    /// the guest: with DIAGNOSEs and interruptions, the times the guest entered CP.
    pub io_instructions: u64,
}

/// What the accounting keeps of one DIAGNOSE code: the hypercalls a guest made with it
/// (a vm390 addition, for the paravirtualization study: issue #15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiagAccount {
    /// Calls.
    pub calls: u64,
    /// Host time spent in CP for them.
    pub host: std::time::Duration,
    /// Guest instructions run between the previous DIAGNOSE (of any code) and these.
    pub instructions_between: u64,
}

impl std::fmt::Debug for Cp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cp")
            .field("user", &self.user.id)
            .field("devices", &self.devices.keys().collect::<Vec<_>>())
            .field("logged_off", &self.logged_off)
            .finish()
    }
}

/// A logged-on virtual machine.
pub struct Vm {
    /// The CPU and its storage.
    pub cpu: Cpu,
    /// The control program's side.
    pub cp: Cp,
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vm")
            .field("cpu", &self.cpu)
            .field("cp", &self.cp)
            .finish()
    }
}

/// The start of the line LOGON writes when the directory's storage size is more than
/// System/370's 16M of real storage (24-bit addresses) and 16M is used instead. VM/370 R6
/// has no message for this (its directory holds at most 16M), so it is vm390's own.
const STORAGE_CLAMPED: &str = "VM390: DIRECTORY STORAGE";

/// A program interruption that ends the CPU's current batch without an interruption (the
/// CPU's internal "stop batch" code): used after LOGOFF so no more guest instructions run.
const STOP_BATCH: ProgramInterrupt = ProgramInterrupt::END_BATCH;

impl Vm {
    /// Logs `userid` on with the directory, builds its devices, and IPLs what its `IPL`
    /// statement names (a named saved system). Messages go to `terminal`. The machine is
    /// the only one of a system of its own and runs on the caller's thread (tests,
    /// tools); [`crate::system::System::connect`] logs users on in a shared system.
    pub fn logon(
        directory: &Directory,
        userid: &str,
        terminal: Box<dyn Terminal>,
    ) -> Result<Vm, String> {
        let system = crate::system::System::new(directory.clone())?;
        Vm::logon_here(&system, userid, terminal)
    }

    /// Logs `userid` on in `system` on the caller's thread (which then runs it): for
    /// tests and tools that drive a machine of a shared system step by step.
    pub fn logon_here(
        system: &std::sync::Arc<crate::system::System>,
        userid: &str,
        terminal: Box<dyn Terminal>,
    ) -> Result<Vm, String> {
        let user = system
            .directory
            .user(userid)
            .filter(|u| !u.is_nolog())
            .ok_or_else(|| format!("{} not in CP directory", userid.to_ascii_uppercase()))?;
        let blok = std::sync::Arc::new(crate::system::VmBlok::new(
            &user.id,
            &user.classes,
            &terminal.name(),
        ));
        if !system.register(&blok) {
            return Err(format!("{} is already logged on", user.id));
        }
        Vm::logon_in(system, blok.clone(), terminal, None).map_err(|(e, _)| {
            system.unregister(&blok);
            e
        })
    }

    /// Builds the virtual machine of `blok`'s user (entered in `system`'s table), its
    /// devices and IPL, with `terminal` as its console (`home`: where the terminal goes
    /// back). A failure gives the terminal back.
    pub(crate) fn logon_in(
        system: &std::sync::Arc<crate::system::System>,
        blok: std::sync::Arc<crate::system::VmBlok>,
        terminal: Box<dyn Terminal>,
        home: Option<crate::system::Home>,
    ) -> Result<Vm, (String, Box<dyn Terminal>)> {
        let directory = &system.directory;
        let userid = blok.userid.clone();
        // A NOLOG user cannot log on: LOGON answers as for a user not in the directory.
        let Some(user) = directory.user(&userid).filter(|u| !u.is_nolog()).cloned() else {
            return Err((format!("{userid} not in CP directory"), terminal));
        };
        // S/370 real storage ends at 16M (24-bit addresses): a larger directory size is
        // clamped, and LOGON says so (see `STORAGE_CLAMPED`).
        let clamped = user.storage > nss::STORAGE_LIMIT;
        let storage_size = user.storage.min(nss::STORAGE_LIMIT) as u32;
        // Real storage also covers the saved segments above defined storage (CMSSEG at
        // X'F00000' lies just beyond CMSUSER's 15M).
        let mut real = u64::from(storage_size).max(user.max_storage.min(nss::STORAGE_LIMIT));
        for e in &directory.nss {
            if let Some(a) = nss::known_load_address(&e.name) {
                let end = u64::from(a) + (1 << 20);
                real = real.max(end.min(nss::STORAGE_LIMIT));
            }
        }
        let real = real.max(crate::storage::MIN_SIZE).div_ceil(1 << 16) << 16;
        let mut mem = match Storage::new(real) {
            Ok(m) => m,
            Err(e) => return Err((format!("guest storage: {e}"), terminal)),
        };
        // Only defined storage exists until a saved segment is loaded above it.
        mem.set_defined(storage_size);
        let cpu = Cpu::new(Arch::S370, mem);
        let mut cp = Cp::new(user.clone(), system.clone(), blok, terminal, storage_size);
        cp.home = home;
        cp.blok
            .connected(cp.terminal.name(), cp.terminal.messenger());
        cp.build_devices();
        let (date, time, wd) = date_time();
        cp.cp_line(&format!("LOGON AT {time} {wd} {date}",));
        if clamped {
            cp.cp_line(&format!(
                "{STORAGE_CLAMPED} {} EXCEEDS THE S/370 MAXIMUM; STORAGE = {}",
                size_text_u64(user.storage),
                size_text(storage_size)
            ));
        }
        if let Some(note) = no_s_disk_note(&user, &cp.devices) {
            cp.cp_line(note);
        }
        let mut vm = Vm { cpu, cp };
        // With no IPL statement, or an IPL that fails, the virtual machine has nothing to
        // run: it waits in CP mode (CP READ) for an IPL, as VM/370 leaves such a user.
        let ipled = match user.ipl.clone().map(|i| i.target) {
            None => false,
            Some(IplTarget::System(name)) => match vm.cp.ipl_system(&mut vm.cpu, &name) {
                Ok(()) => true,
                Err(e) => {
                    vm.cp.cp_line(&e);
                    false
                }
            },
            Some(IplTarget::Device(v)) => {
                let r = vm
                    .cp
                    .cp_command_from(&mut vm.cpu, &format!("IPL {v:03X}"), true);
                vm.cp.show(&r);
                // Nothing ran yet: there is no guest operation to abandon.
                vm.cp.pending_effect = Effect::None;
                r.rc == 0
            }
        };
        if !ipled {
            vm.cp.reset_state = true;
        }
        Ok(vm)
    }

    /// Runs the virtual machine until the user logs off. When the guest stops (a disabled
    /// wait, a program-interruption loop, a wait nothing can end) the terminal is in CP
    /// mode: lines are CP commands until one resumes the guest (BEGIN, IPL).
    pub fn run(&mut self) -> RunEnd {
        const SLICE: u64 = 1 << 20;
        loop {
            if self.cp.logged_off {
                return RunEnd::LoggedOff;
            }
            if self.cp.reset_state {
                // Nothing to run until an IPL.
                self.cp_mode();
                continue;
            }
            self.cp.terminal.running();
            let limit = self.cpu.instructions.saturating_add(SLICE);
            let stop = self.cpu.run(&mut self.cp, limit);
            // VMCF traffic from other machines, between slices.
            self.cp.present_vmcf(&mut self.cpu);
            if self.cp.terminal.shutdown() {
                self.cp.logoff();
            }
            if self.cp.blok.signalled() && self.cp.take_mail() {
                // Reconnected: the terminal is in CP mode (LOGON HELPCMD2, DISCONN
                // HELPCMD2 note 3).
                self.cp_mode();
                continue;
            }
            if self.cp.logged_off {
                return RunEnd::LoggedOff;
            }
            if std::mem::take(&mut self.cp.pending_effect) != Effect::None {
                // Re-IPLed or reset by a CP command while the guest ran (which removes
                // an address stop, ADSTOP HELPCMD2 note 1).
                self.cpu.stop_address = None;
                continue;
            }
            if self.cp.terminal.attention() {
                // The attention key while the machine ran: CP mode.
                self.cp_mode();
                continue;
            }
            match stop {
                Stop::InstructionLimit => continue,
                // A reset machine (DEFINE STORAGE) waits for an IPL in CP mode.
                Stop::DisabledWait if self.cp.reset_state => continue,
                Stop::DisabledWait => {
                    let psw = self.cpu.psw.to_bytes(self.cpu.arch);
                    self.cp.cp_line(&format!(
                        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW '{}'",
                        hex_psw(&psw)
                    ));
                    self.cp_mode();
                }
                Stop::ProgramInterruptLoop => {
                    let psw = self.cpu.psw.to_bytes(self.cpu.arch);
                    self.cp.cp_line(&format!(
                        "DMKDSP452W CP ENTERED; PROGRAM INTERRUPT LOOP, PSW '{}'",
                        hex_psw(&psw)
                    ));
                    self.cp_mode();
                }
                Stop::EnabledWaitForever | Stop::Halted => self.cp_mode(),
                // ADSTOP reached (the CPU removed it): the machine stops before the
                // instruction, in CP mode (ADSTOP HELPCMD2, "Response").
                Stop::AddressStop => {
                    let at = self.cpu.psw.ia;
                    self.cp.cp_line(&format!("ADSTOP AT {at:06X}"));
                    self.cp_mode();
                }
            }
        }
    }

    /// CP mode: read CP commands until one resumes the guest or the user logs off (the
    /// command's effect was applied; the loop above goes on from the machine's state).
    fn cp_mode(&mut self) {
        self.cp.cp_mode(&mut self.cpu);
        if std::mem::take(&mut self.cp.pending_effect) != Effect::None {
            // An IPL or a reset removes an address stop.
            self.cpu.stop_address = None;
        }
    }
}

/// The body of a virtual machine's thread (see `system.rs`): logs `blok`'s user on with
/// `terminal` (None as `home`: an AUTOLOG, the machine starts disconnected), says on
/// `ready` whether that worked, and runs the machine until it logs off.
pub(crate) fn run_thread(
    system: std::sync::Arc<crate::system::System>,
    blok: std::sync::Arc<crate::system::VmBlok>,
    terminal: Box<dyn Terminal>,
    home: Option<crate::system::Home>,
    ready: crate::system::Started,
) {
    let terminal: Box<dyn Terminal> = if home.is_none() {
        Box::new(crate::system::Disconnected::of(&system, &blok))
    } else {
        terminal
    };
    let mut vm = match Vm::logon_in(&system, blok, terminal, home) {
        Ok(vm) => vm,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    // A defect of vm390 that panics here must not leave the user in the table or its
    // disks unflushed: the machine is logged off and the other users go on.
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.run()));
    if ran.is_err() {
        eprintln!(
            "vm390: internal error in the virtual machine of {}: logged off",
            vm.cp.user.id
        );
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.cp.logoff()));
        let blok = vm.cp.blok.clone();
        vm.cp.system.unregister(&blok);
    }
}

/// Eight bytes as CP shows a PSW or a CSW: `XXXXXXXX XXXXXXXX`.
pub(crate) fn hex_psw(b: &[u8; 8]) -> String {
    format!(
        "{:02X}{:02X}{:02X}{:02X} {:02X}{:02X}{:02X}{:02X}",
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
    )
}

impl Cp {
    /// The CP's state for `user` as at logon, before its devices are built: no devices,
    /// nothing pending, `SET EMSG TEXT` (CP Command Reference, SET EMSG) and the other
    /// settings as LOGON leaves them.
    pub(crate) fn new(
        user: User,
        system: std::sync::Arc<crate::system::System>,
        blok: std::sync::Arc<crate::system::VmBlok>,
        terminal: Box<dyn Terminal>,
        storage_size: u32,
    ) -> Cp {
        let spool = system.spool.clone();
        let vmcf = diagnose::VmcfState::new(system.vmcf.clone(), &user.id);
        Cp {
            user,
            system,
            blok,
            home: None,
            devices: BTreeMap::new(),
            pending: VecDeque::new(),
            terminal,
            line_open: false,
            segments: BTreeMap::new(),
            loaded: BTreeMap::new(),
            logged_off: false,
            stash: None,
            logon: Instant::now(),
            storage_size,
            pending_effect: Effect::None,
            block_io: Default::default(),
            vmcf,
            trace: std::env::var_os("VM390_TRACE").is_some(),
            tracing: Default::default(),
            emsg: Emsg::Text,
            settings: Settings::default(),
            spool,
            reset_state: false,
            unattended: false,
            vmcf_ends_read: false,
            fullscreen: Default::default(),
            console_spooling: false,
            console_partial: String::new(),
            hypercalls: BTreeMap::new(),
            last_diag_at: 0,
            io_reflected: 0,
            io_instructions: 0,
        }
    }

    /// Attaches `unit` at `vaddr` (replacing a device there).
    pub(crate) fn add(&mut self, vaddr: u16, unit: Box<dyn ChannelDevice>) {
        self.devices.insert(
            vaddr,
            Device {
                vaddr,
                unit,
                spool: SpoolOpts::default(),
                open: Default::default(),
                reading: None,
                link: None,
                tdisk: None,
            },
        );
    }

    /// Flushes every minidisk image written in this session (errors go to stderr).
    pub fn flush_disks(&mut self) {
        for d in self.devices.values_mut() {
            if let Some(m) = d.minidisk_mut() {
                if let Err(e) = m.flush() {
                    eprintln!("vm390: minidisk {:03X}: {e}", m.vaddr);
                }
            }
        }
    }

    /// Writes a CP message line (ending an open guest line first).
    pub fn cp_line(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.line_open {
            self.terminal.write("\n");
            self.line_open = false;
            self.spool_console("\n");
        }
        self.terminal.write(text);
        self.terminal.write("\n");
        self.spool_console(text);
        self.spool_console("\n");
    }

    /// With `SPOOL CONSOLE START`, console output `text` also goes to the console's spool
    /// file, a record per line (*VM/370 CP Command Reference*, SPOOL: "START ... begins
    /// spooling of the virtual console"); the lines are printer records in the console's
    /// open file, which CLOSE CONSOLE and LOGOFF make a printer file. A full spool stops
    /// the spooling (`SPOOL CONSOLE STOP`) with CP's spool-full message.
    fn spool_console(&mut self, text: &str) {
        if !self.console_spooling {
            return;
        }
        self.console_partial.push_str(text);
        while let Some(i) = self.console_partial.find('\n') {
            let line: String = self.console_partial.drain(..=i).collect();
            let record = self.settings.codepage.text_to_ebcdic(&line[..i]);
            let Some(v) = self.console_vaddr() else {
                return;
            };
            let full = crate::spool::lock(&self.spool)
                .reserve(record.len())
                .is_err();
            if full {
                self.console_spooling = false;
                if let Some(d) = self.devices.get_mut(&v) {
                    d.spool.spooled = false;
                }
                self.terminal.write(&format!(
                    "VM390: SPOOL SPACE FULL; CONSOLE {v:03X} NOT SPOOLED\n"
                ));
                return;
            }
            if let Some(d) = self.devices.get_mut(&v) {
                d.open.space += crate::spool::record_space(record.len());
                d.open.records.push(record);
            }
        }
    }

    /// Guest output: `text` (with `\n` line ends), then a line end if `cr`.
    fn guest_write(&mut self, text: &str, cr: bool) {
        let mut s = text.to_string();
        if cr {
            s.push('\n');
        }
        if s.is_empty() {
            return;
        }
        self.line_open = !s.ends_with('\n');
        self.terminal.write(&s);
        self.spool_console(&s);
    }

    /// The next terminal input (a stashed line first). With `SET ECHO ON` a line is
    /// written back on a terminal that does not show input itself.
    pub(crate) fn read_terminal(&mut self, status: Status) -> Input {
        if let Some(l) = self.stash.take() {
            return Input::Line(l);
        }
        let i = loop {
            // What the system left: messages, FORCE, a reconnection (which puts the
            // terminal in CP mode: an attention for a VM READ).
            if self.take_mail() && status == Status::VmRead {
                return Input::Attention;
            }
            if self.blok.forced().is_some() {
                return Input::End;
            }
            self.terminal.set_pf_keys(&self.settings.pf);
            match self.terminal.read_input(status) {
                Input::Wake if self.vmcf_wakes(status) => return Input::Wake,
                Input::Wake => continue,
                // A dropped connection: DISCONNECT; the read waits for a reconnection.
                Input::End if self.terminal.hung_up() => {
                    self.disconnect_terminal();
                    let users = self.system.user_count();
                    let id = self.user.id.clone();
                    self.system
                        .tell_operator(&id, &format!("DISCONNECT {id} USERS = {users:03}"));
                    continue;
                }
                i => break i,
            }
        };
        // Input ends the output line the guest left open (the user pressed Enter).
        if let Input::Line(l) = &i {
            if self.settings.echo && !self.terminal.shows_input() {
                if self.line_open {
                    self.terminal.write(l);
                    self.terminal.write("\n");
                } else {
                    self.cp_line(l);
                }
            }
        }
        self.line_open = false;
        i
    }

    /// The next line for the guest: `#CP` lines are run as CP commands on the way, `#CP`
    /// alone and an attention enter CP mode. None at the end of input (the user is then
    /// logged off), after LOGOFF and after an IPL.
    fn read_for_guest(&mut self, cpu: &mut Cpu) -> Option<String> {
        loop {
            let effect = match self.read_terminal(Status::VmRead) {
                // VMCF traffic ends an enabled wait's read (the caller presents it).
                Input::Wake if self.vmcf_ends_read => return None,
                Input::Wake => continue,
                Input::Attention => self.cp_mode(cpu),
                Input::End => {
                    self.apply_effect(Effect::LogOff);
                    Effect::LogOff
                }
                Input::Line(line) => match strip_cp_prefix(&line) {
                    Some("") => self.cp_mode(cpu),
                    Some(cmd) => {
                        let cmd = cmd.to_string();
                        let r = self.cp_command_from(cpu, &cmd, true);
                        self.show(&r);
                        r.effect
                    }
                    None => return Some(line),
                },
            };
            if effect.abandons_guest() || self.logged_off {
                return None;
            }
        }
    }

    /// IPLs the named saved system `name`: storage cleared, the saved pages, keys, registers
    /// and PSW restored, pending I/O and loaded segments dropped.
    pub fn ipl_system(&mut self, cpu: &mut Cpu, name: &str) -> Result<(), String> {
        let name = name.to_ascii_uppercase();
        let sys = match self.system.directory.nss(&name).filter(|e| e.ipl).cloned() {
            Some(entry) => {
                let sys =
                    nss::load_nss(&entry).map_err(|e| format!("DMKVMI177E PAGING ERROR: {e}"))?;
                // A file cut at a page boundary reads well but lacks pages: when the PSW
                // addresses none of the saved pages, the system cannot start (it would run
                // zeroes). As CP says when a saved page cannot be read: a paging error.
                let ia = sys.psw_instruction_address();
                if !sys.contains(ia) {
                    return Err(format!(
                        "DMKVMI177E PAGING ERROR: {}: the PSW's address X'{ia:06X}' is not in                          the saved pages X'{:06X}'-X'{:06X}' (a truncated file?)",
                        entry.path.display(),
                        sys.first_address(),
                        sys.last_address()
                    ));
                }
                sys
            }
            // Built-in saved systems (MINICMS) when the directory does not declare the name.
            None => crate::minicms::builtin_system(&name)
                .ok_or_else(|| format!("DMKVMI024E SYSTEM {name} DOES NOT EXIST"))?,
        };
        // A saved PSW that is not valid fails the IPL before anything is changed.
        let (psw, valid) = Psw::from_bytes(Arch::S370, sys.psw);
        if !valid {
            return Err(format!("DMKVMI025E SYSTEM {name} HAS AN INVALID PSW"));
        }
        // Storage and keys zeroed without touching the pages (see `Storage::clear`).
        cpu.mem.clear();
        cpu.mem.set_prefix(0);
        place_segment(&mut cpu.mem, &sys);
        cpu.gpr = sys.gpr;
        cpu.fpr = [0; 16];
        cpu.fpc = 0;
        cpu.ar = [0; 16];
        for (i, f) in sys.fpr.iter().enumerate() {
            cpu.fpr[i * 2] = *f;
        }
        cpu.cr = sys.cr;
        cpu.psw = psw;
        cpu.invalidate_all();
        self.pending.clear();
        self.loaded.clear();
        self.sync_segments(cpu);
        self.stash = None;
        // IPL resets the virtual machine: VMCF authorization ends (VMSP VMCF data transfer
        // error code 5, "... or implicitly reset his virtual machine").
        self.vmcf.reset();
        if self.trace {
            eprintln!("IPL {name}: PSW {}", hex_psw(&sys.psw));
        }
        Ok(())
    }

    /// Tells storage which saved segments are loaded: above defined storage only they
    /// exist (an access elsewhere is an addressing exception).
    pub(crate) fn sync_segments(&self, cpu: &mut Cpu) {
        let ranges: Vec<(u32, u32)> = self.loaded.values().copied().collect();
        cpu.mem.set_segments(&ranges);
    }

    /// A saved segment by name, read from its file once.
    fn segment(&mut self, name: &str) -> Option<&SavedSystem> {
        if !self.segments.contains_key(name) {
            let e = self.system.directory.nss(name)?.clone();
            let s = nss::load_nss(&e).ok()?;
            self.segments.insert(name.to_string(), s);
        }
        self.segments.get(name)
    }

    // ------------------------------------------------------------------ I/O

    fn enabled_for(cpu: &Cpu, vaddr: u16) -> bool {
        let ch = (vaddr >> 8) as u32;
        if cpu.psw.bc_mode(cpu.arch) {
            if ch < 6 {
                cpu.psw.mask & (0x80 >> ch) != 0
            } else {
                cpu.psw.mask & 0x02 != 0
            }
        } else {
            cpu.psw.mask & 0x02 != 0 && ch < 32 && cpu.cr[2] & (0x8000_0000 >> ch) != 0
        }
    }

    fn store_csw(cpu: &mut Cpu, csw: &Csw) {
        let a = cpu.mem.absolute(RealAddr(0x40));
        cpu.mem.write_u64(a, u64::from_be_bytes(csw.to_bytes()));
        note_store(cpu, a.0, 8);
    }

    fn take_pending_for(&mut self, vaddr: u16) -> Option<Csw> {
        let i = self.pending.iter().position(|p| p.vaddr == vaddr)?;
        self.pending.remove(i).map(|p| p.csw)
    }

    /// Whether the channel program at `ccw_addr` reads from the console (a read command
    /// reachable by command chaining in its first CCWs).
    fn chain_reads(mem: &Storage, mut at: u32) -> bool {
        for _ in 0..32 {
            let Some(c) = io::Ccw::fetch(mem, at) else {
                return false;
            };
            if c.is_tic() {
                at = c.addr;
                continue;
            }
            if CmdKind::of(c.cmd) == CmdKind::Read {
                return true;
            }
            if c.flags & (io::flag::CC | io::flag::CD) == 0 {
                return false;
            }
            at = at.wrapping_add(8);
        }
        false
    }

    /// Runs a channel program for device `vaddr` (which exists).
    fn start_chain(&mut self, cpu: &mut Cpu, vaddr: u16, key: u8, ccw_addr: u32) -> ChainEnd {
        // A console read takes its line (running #CP commands) before the channel runs.
        let is_console = self
            .devices
            .get(&vaddr)
            .is_some_and(|d| d.unit.reads_terminal());
        let mut console = ConsoleBuffer::default();
        if is_console && Self::chain_reads(&cpu.mem, ccw_addr) {
            match self.read_for_guest(cpu) {
                Some(l) => console.input = Some(self.settings.codepage.text_to_ebcdic(&l)),
                None => {
                    // Logged off or re-IPL: nothing more happens in this machine.
                    return ChainEnd {
                        csw: Csw {
                            key,
                            ccw_addr: ccw_addr + 8,
                            unit: unit::CHANNEL_END | unit::DEVICE_END,
                            ..Default::default()
                        },
                        started: true,
                    };
                }
            }
        }
        let mut stores: Stores = Vec::new();
        let Some(dev) = self.devices.get_mut(&vaddr) else {
            return ChainEnd {
                csw: Csw::default(),
                started: false,
            };
        };
        let (unit, mut sink) = dev.unit_and_spool(&self.spool, &self.user.id);
        let mut ctx = IoContext {
            console: &mut console,
            spool: &mut sink,
        };
        let end = run_device_chain(
            &mut cpu.mem,
            key,
            ccw_addr & 0x00FF_FFFF,
            &mut stores,
            unit,
            &mut ctx,
            self.trace.then_some(vaddr),
        );
        let (full, error) = (sink.full, sink.error);
        if full {
            let class = self.devices.get(&vaddr).map_or("DEV", |d| d.class().name());
            self.cp_line(&format!(
                "{} {class} {vaddr:03X} NOT READY",
                crate::spool::SPOOL_FULL
            ));
        }
        if let Some(e) = error {
            self.cp_line(&format!("VM390: SPOOL ERROR: {e}"));
        }
        for (data, cr) in console.output {
            let text = self.settings.codepage.ebcdic_to_text(&data);
            self.guest_write(&text, cr);
        }
        for (a, l) in stores {
            note_store(cpu, a, l);
        }
        end
    }

    // ------------------------------------------------------------------ DIAGNOSE

    /// After a CP command run for the guest: LOGOFF stops the CPU, a re-IPL or a reset
    /// restarts it.
    fn after_command(&mut self, cpu: &mut Cpu) -> Exec {
        if self.logged_off {
            cpu.psw.mask = 0;
            cpu.psw.flags |= crate::cpu::psw::FLAG_WAIT;
            return Err(STOP_BATCH);
        }
        if std::mem::take(&mut self.pending_effect) != Effect::None {
            return Err(STOP_BATCH);
        }
        Ok(())
    }

    /// DIAGNOSE X'18' on device `vaddr`.
    fn dasd_io(&mut self, cpu: &mut Cpu, req: IoRequest) -> IoAnswer {
        let vaddr = (req.devno & 0xFFFF) as u16;
        let (cc, r15) = match self.devices.get_mut(&vaddr).map(|d| d.minidisk_mut()) {
            None => (1, Some(1)),
            Some(Some(md)) => {
                let mut stores = Vec::new();
                let r = md.diag18(&mut cpu.mem, req.ccw, req.extra, &mut stores);
                for (a, l) in stores {
                    note_store(cpu, a, l);
                }
                (r.cc, r.r15)
            }
            Some(_) => (1, Some(2)),
        };
        if self.trace {
            eprintln!(
                "DIAG 18 {vaddr:03X} chain {:06X} n {} -> cc {cc} r15 {r15:?}",
                req.ccw, req.extra
            );
        }
        IoAnswer {
            cc,
            r15,
            sense: None,
        }
    }

    /// DIAGNOSE X'20' on device `vaddr`: a console, unit-record or minidisk channel
    /// program, run synchronously without an interruption (GC20-1807-7, "DIAGNOSE Code
    /// X'20'": "tape, disk, and unit record"). R6 CMS's DMSINS reads the label record of
    /// the 192 this way (SEEK, SEARCH ID EQUAL, TIC, READ DATA of cylinder 0, head 0,
    /// record 3) and accesses the disk as D when the label starts `CMS=`. A unit check
    /// gives the device's sense byte 0 for the low halfword of Ry.
    /// DIAGNOSE X'14' on virtual reader `devno` (X'0FFF': the first reader): CC 3 with
    /// Ry+1 = 4 when there is no such device, 8 when it is not a reader (VM370 X'14').
    fn spool_input(
        &mut self,
        devno: Option<u16>,
        op: diagnose::SpoolInputOp,
    ) -> diagnose::SpoolInputAnswer {
        use diagnose::SpoolInputAnswer as A;
        let dev = match devno {
            Some(v) => match self.devices.get_mut(&v) {
                None => return A::BAD_DEVICE,
                Some(d) if d.class() != DeviceClass::Reader => return A::WRONG_TYPE,
                Some(d) => d,
            },
            None => match self
                .devices
                .values_mut()
                .find(|d| d.class() == DeviceClass::Reader)
            {
                Some(d) => d,
                None => return A::BAD_DEVICE,
            },
        };
        let r = crate::spool::lock(&self.spool).diag14(
            &self.user.id,
            dev.spool.class,
            dev.spool.hold,
            &mut dev.reading,
            op,
        );
        match r {
            Ok(a) => a,
            Err(e) => {
                // The host failed: as a paging I/O error (CC 3, Ry+1 = 16).
                self.cp_line(&format!("VM390: SPOOL ERROR: {e}"));
                A {
                    cc: 3,
                    code: Some(16),
                    data: None,
                }
            }
        }
    }

    fn general_io(&mut self, cpu: &mut Cpu, req: IoRequest) -> IoAnswer {
        let vaddr = (req.devno & 0xFFFF) as u16;
        let key = (req.extra >> 28) as u8;
        let mut sense = None;
        let (cc, r15) = match self.devices.get(&vaddr) {
            None => (1, 1),
            Some(_) => {
                if self.pending.iter().any(|p| p.vaddr == vaddr) {
                    (1, 5)
                } else {
                    let c = self.start_chain(cpu, vaddr, key, req.ccw).csw;
                    if c.unit & unit::UNIT_CHECK != 0 {
                        // A unit check (with or without incorrect length) is an error of
                        // the device: its sense goes back.
                        sense = self
                            .devices
                            .get(&vaddr)
                            .map(|d| u16::from(d.unit.sense().first().copied().unwrap_or(0)) << 8);
                        (3, 13)
                    } else if c.channel & io::chan::INCORRECT_LENGTH != 0 {
                        (2, 3)
                    } else if c.channel & !io::chan::PCI != 0 {
                        (3, 13)
                    } else if c.unit & unit::UNIT_EXCEPTION != 0 {
                        (2, 2)
                    } else {
                        (0, 0)
                    }
                }
            }
        };
        if self.trace {
            eprintln!(
                "DIAG 20 {vaddr:03X} chain {:06X} -> cc {cc} r15 {r15}",
                req.ccw
            );
        }
        IoAnswer {
            cc,
            r15: (cc != 0).then_some(r15),
            sense,
        }
    }

    /// DIAGNOSE X'64' on the segment `name`.
    fn saved_segment(&mut self, cpu: &mut Cpu, op: SegmentOp, name: &str) -> SegmentAnswer {
        let name = name.to_ascii_uppercase();
        if self.trace {
            eprintln!("DIAG 64 {name} {op:?}");
        }
        let Some(seg) = self.segment(&name).cloned() else {
            return SegmentAnswer::NO_SUCH_SEGMENT;
        };
        let (first, last) = (seg.first_address(), seg.last_address());
        let loaded = self.loaded.contains_key(&name);
        let answer = |cc, rx, ry| SegmentAnswer { cc, rx, ry };
        match op {
            SegmentOp::Find => answer(if loaded { 0 } else { 1 }, Some(first), Some(last)),
            SegmentOp::LoadShared | SegmentOp::LoadNonshared => {
                if last >= cpu.mem.size() {
                    return answer(2, None, Some(177));
                }
                // Segments overlapping this one are purged first.
                let overlapping: Vec<String> = self
                    .loaded
                    .iter()
                    .filter(|(n, (f, l))| **n != name && *f <= last && first <= *l)
                    .map(|(n, _)| n.clone())
                    .collect();
                for n in overlapping {
                    if let Some((f, l)) = self.loaded.remove(&n) {
                        clear_range(cpu, f, l);
                    }
                }
                self.loaded.insert(name, (first, last));
                self.sync_segments(cpu);
                place_segment(&mut cpu.mem, &seg);
                note_store(cpu, first, last - first + 1);
                answer(0, Some(first), None)
            }
            SegmentOp::Purge => match self.loaded.remove(&name) {
                Some((f, l)) => {
                    clear_range(cpu, f, l);
                    self.sync_segments(cpu);
                    answer(0, None, None)
                }
                None => answer(1, None, None),
            },
        }
    }

    /// The virtual console's address.
    pub(crate) fn console_vaddr(&self) -> Option<u16> {
        self.devices
            .values()
            .find(|d| d.class() == DeviceClass::Console)
            .map(|d| d.vaddr)
    }

    /// DIAGNOSE X'24' information for device `vaddr`.
    fn device_info(&self, vaddr: u16) -> Option<DeviceInfo> {
        let dev = self.devices.get(&vaddr)?;
        let w = dev.unit.diag24();
        let (vdev, mut rdev) = (w.vdev, w.rdev);
        // The console of a user at a 3270: the real device is the display (GC20-1807-7
        // DIAG X'24': RDEVTYPC, RDEVTYPE, RDEVMDL and, for a console, the line length;
        // class CLASGRAF X'40', type TYP3277 X'04', which MECAFF's CHK3270 looks for).
        if let (DeviceClass::Console, Some((rows, cols))) =
            (dev.class(), self.terminal.screen_size())
        {
            let model = u32::from(crate::net::tn3270::model_of_size(
                usize::from(rows),
                usize::from(cols),
            ));
            rdev = 0x4004_0000 | model << 8 | u32::from(cols.min(255));
        }
        Some(DeviceInfo {
            vdev,
            rdev: Some(rdev),
        })
    }
}

/// Said once at logon when the user IPLs the CMS named system without a 190 minidisk (the
/// sample material of `../shared/cms370` has none): the saved nucleus still lists the
/// S-disk's files, so every command that lives there fails with DMSMOD104S
/// (docs/cms370-guest.md section 6), and MINICMS is the way to a CMS-like system that has
/// them.
const NO_S_DISK: &str = "vm390: no 190 (S) minidisk: CMS commands that live on the \
     S-disk will give DMSMOD104S; IPL MINICMS for a CMS-like system with them";

/// [`NO_S_DISK`] when `user` IPLs the named system CMS and has no device 190.
fn no_s_disk_note(user: &User, devices: &BTreeMap<u16, Device>) -> Option<&'static str> {
    let cms = matches!(
        user.ipl.as_ref().map(|i| &i.target),
        Some(IplTarget::System(name)) if name.eq_ignore_ascii_case("CMS")
    );
    (cms && !devices.contains_key(&0x190)).then_some(NO_S_DISK)
}

/// The virtual machine as the `diagnose` crate's handlers see it.
struct VmMachine<'a> {
    cp: &'a mut Cp,
    cpu: &'a mut Cpu,
}

impl Machine for VmMachine<'_> {
    crate::machine::cpu_machine_methods!();

    fn storage_size(&self) -> u32 {
        self.cp.storage_size
    }
    fn userid(&self) -> String {
        self.cp.user.id.clone()
    }
    fn emsg(&self) -> Emsg {
        self.cp.emsg
    }
    fn local_time(&self) -> LocalTime {
        diagnose::tz::local_now()
    }
    fn cpu_time_us(&self) -> (u64, u64) {
        if self.cp.unattended {
            // `vm390 run` is one CPU-bound thread: the time since it started stands for
            // the virtual machine's CPU time.
            let us = self.cp.logon.elapsed().as_micros() as u64;
            return (us, us);
        }
        // A nominal 10 instructions per microsecond of virtual CPU time.
        let virt = self.cpu.instructions / 10;
        (virt, virt)
    }
    fn device(&self, devno: u16) -> Option<DeviceInfo> {
        let d = self.cp.device_info(devno);
        if self.cp.trace {
            eprintln!("DIAG 24 {devno:03X} -> {d:X?}");
        }
        d
    }
    fn console(&self) -> Option<ConsoleInfo> {
        let unattended = self.cp.unattended.then_some(crate::unattended::CONSOLE);
        self.cp
            .console_vaddr()
            .or(unattended)
            .map(|devno| ConsoleInfo {
                devno,
                terminal_code: 0,
            })
    }
    fn console_screen(&self) -> Option<(u16, u16)> {
        self.cp.terminal.screen_size()
    }
    fn cp_command(&mut self, command: &str, _refuse_link_password: bool) -> CpResponse {
        let r = self.cp.cp_command_from(self.cpu, command, false);
        if self.cp.trace {
            eprintln!("DIAG 08 {command:?} -> rc {} {:?}", r.rc, r.lines);
        }
        if r.rc == RC_UNKNOWN {
            // CMS hands every command it does not know to CP (implied CP) and says itself
            // that it is unknown: CP gives its return code and writes nothing.
            return CpResponse::unknown();
        }
        CpResponse {
            lines: r.lines,
            rc: r.rc,
        }
    }
    fn console_write(&mut self, line: &str) {
        self.cp.cp_line(line);
    }
    /// DIAG X'58' rows on the user's line console, as the guest's own 3215 writes appear
    /// (an open output line is ended first; empty rows are empty lines).
    fn console_display_at(&mut self, devno: u16, erase: bool, line: u32, rows: &[String]) {
        if !self.cp.terminal.display_at(erase, line as usize, rows) && !rows.is_empty() {
            self.console_display(devno, rows);
        }
    }
    fn fullscreen(
        &mut self,
        devno: u16,
        op: diagnose::display::FullScreenOp<'_>,
    ) -> diagnose::display::FullScreenAnswer {
        self.cp.fullscreen_op(devno, op)
    }
    fn console_status(&mut self, devno: u16, csw: [u8; 8]) {
        self.cp.console_status(devno, csw);
    }
    fn console_display(&mut self, _devno: u16, lines: &[String]) {
        if self.cp.line_open {
            self.cp.guest_write("", true);
        }
        for l in lines {
            self.cp.guest_write(l, true);
        }
    }
    fn dasd_io(&mut self, req: IoRequest) -> IoAnswer {
        self.cp.dasd_io(self.cpu, req)
    }
    fn general_io(&mut self, req: IoRequest) -> IoAnswer {
        self.cp.general_io(self.cpu, req)
    }
    fn spool_input(
        &mut self,
        devno: Option<u16>,
        op: diagnose::SpoolInputOp,
    ) -> diagnose::SpoolInputAnswer {
        self.cp.spool_input(devno, op)
    }
    fn saved_segment(&mut self, op: SegmentOp, name: &str) -> SegmentAnswer {
        self.cp.saved_segment(self.cpu, op, name)
    }
    fn block_device(&self, devno: u16, block_size: u32) -> diagnose::BlockDevice {
        match self.cp.devices.get(&devno).map(|d| d.minidisk()) {
            Some(Some(md)) => crate::machine::minidisk_block_device(md, block_size),
            Some(_) => diagnose::BlockDevice::NotSupported,
            None => diagnose::BlockDevice::NotDefined,
        }
    }
    fn ckd_read(&mut self, devno: u16, track: u32, rec: u8) -> Option<Vec<u8>> {
        let md = self.cp.devices.get_mut(&devno)?.minidisk_mut()?;
        let (c, h) = crate::machine::minidisk_track(md, track)?;
        md.read_record(c, h, rec)
    }
    fn ckd_write(&mut self, devno: u16, track: u32, rec: u8, data: &[u8]) -> bool {
        let Some(md) = self
            .cp
            .devices
            .get_mut(&devno)
            .and_then(|d| d.minidisk_mut())
        else {
            return false;
        };
        let Some((c, h)) = crate::machine::minidisk_track(md, track) else {
            return false;
        };
        md.read_record(c, h, rec)
            .is_some_and(|d| d.len() == data.len())
            && md.write_record(c, h, rec, data)
    }
    fn block_io_state(&mut self) -> Option<&mut diagnose::BlockIoState> {
        crate::machine::deliver_block_io(self.cpu, &mut self.cp.block_io);
        Some(&mut self.cp.block_io)
    }
    fn vmcf_state(&mut self) -> Option<&mut diagnose::VmcfState> {
        Some(&mut self.cp.vmcf)
    }
    fn vmcf_interrupt(&mut self) {
        self.cpu.raise_external(diagnose::vmcf::EXT_VMCF);
    }
}

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::standard)
}

/// Copies a saved segment's pages and storage keys into storage.
fn place_segment(mem: &mut Storage, seg: &SavedSystem) {
    for (addr, page) in &seg.pages {
        let _ = mem.load(AbsAddr(*addr), page);
    }
    for (i, k) in seg.keys.iter().enumerate() {
        let a = seg.load_address as u64 + (i as u64) * crate::storage::KEY_BLOCK as u64;
        if a < mem.size() as u64 {
            mem.set_key(AbsAddr(a as u32), *k);
        }
    }
}

/// Zeroes storage `first..=last` and its keys (a purged segment).
fn clear_range(cpu: &mut Cpu, first: u32, last: u32) {
    let end = (last as u64 + 1).min(cpu.mem.size() as u64) as u32;
    if first >= end {
        return;
    }
    cpu.mem.bytes_mut()[first as usize..end as usize].fill(0);
    let mut a = first;
    while a < end {
        cpu.mem.set_key(AbsAddr(a), 0);
        a += crate::storage::KEY_BLOCK;
    }
    note_store(cpu, first, end - first);
}

/// Tells the CPU that storage changed outside it (predecoded instructions there are redone).
pub(crate) fn note_store(cpu: &mut Cpu, abs: u32, len: u32) {
    cpu.stored(abs, len);
}

pub(crate) fn size_text(bytes: u32) -> String {
    size_text_u64(u64::from(bytes))
}

/// A storage size as QUERY VIRTUAL STORAGE shows it: `nnnnnM`, or `nnnnnK`.
fn size_text_u64(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{:05}M", bytes >> 20)
    } else {
        format!("{:05}K", bytes >> 10)
    }
}

impl Cp {
    /// DIAGNOSE `code` (see [`Supervisor::diagnose`], which accounts for it).
    fn diagnose_call(&mut self, cpu: &mut Cpu, rx: u8, ry: u8, code: u32) -> Exec {
        if self.logged_off {
            return self.after_command(cpu);
        }
        // Hercules' X'F08' (instruction count of this CPU into Rx, ../shared/docs/hercules.md
        // section 1.4) for `vm390 run`, so that Hercules timing guests such as loop.S run
        // unchanged and can be measured side by side.
        if self.unattended && code & 0xFFFF == 0xF08 {
            cpu.gpr[rx as usize & 15] = cpu.instructions as u32;
            return Ok(());
        }
        let r = registry().dispatch(&mut VmMachine { cp: self, cpu }, code, rx, ry);
        if let Err(ProgramCheck(c)) = r {
            if self.trace {
                eprintln!("DIAG {:02X} -> program check {c:04X}", code & 0xFFFF);
            }
            return Err(ProgramInterrupt(c));
        }
        self.after_command(cpu)
    }
}

impl Supervisor for Cp {
    fn trace(&mut self, cpu: &mut Cpu, event: &crate::cpu::TraceEvent) -> bool {
        self.trace_event(cpu, event)
    }

    fn diagnose(&mut self, cpu: &mut Cpu, rx: u8, ry: u8, code: u32) -> Exec {
        // Hypercall accounting: two clock readings and a map update per DIAGNOSE.
        let start = Instant::now();
        let between = cpu.instructions.saturating_sub(self.last_diag_at);
        let r = self.diagnose_call(cpu, rx, ry, code);
        let a = self.hypercalls.entry(code & 0xFFFF).or_default();
        a.calls += 1;
        a.host += start.elapsed();
        a.instructions_between += between;
        self.last_diag_at = cpu.instructions;
        r
    }

    fn s370_io(&mut self, cpu: &mut Cpu, op: Opcode, addr: u32) -> Result<u8, ProgramInterrupt> {
        self.io_instructions += 1;
        if self.logged_off {
            return Ok(3);
        }
        let vaddr = (addr & 0xFFFF) as u16;
        if op == Opcode::TCH {
            let ch = vaddr >> 8;
            return Ok(if self.devices.keys().any(|v| v >> 8 == ch) {
                0
            } else {
                3
            });
        }
        if !self.devices.contains_key(&vaddr) {
            return Ok(3);
        }
        match op {
            Opcode::SIO | Opcode::SIOF => {
                if let Some(mut csw) = self.take_pending_for(vaddr) {
                    csw.unit |= unit::BUSY;
                    Self::store_csw(cpu, &csw);
                    return Ok(1);
                }
                let caw_a = cpu.mem.absolute(RealAddr(0x48));
                let caw = cpu.mem.read_u32(caw_a);
                let key = (caw >> 28) as u8;
                let ccw = caw & 0x00FF_FFFF;
                if caw & 0x0F00_0000 != 0 || ccw & 7 != 0 {
                    let csw = Csw {
                        key,
                        channel: io::chan::PROGRAM_CHECK,
                        ..Default::default()
                    };
                    Self::store_csw(cpu, &csw);
                    return Ok(1);
                }
                let end = self.start_chain(cpu, vaddr, key, ccw);
                if self.logged_off {
                    // No more guest instructions after LOGOFF.
                    cpu.psw.mask = 0;
                    cpu.psw.flags |= crate::cpu::psw::FLAG_WAIT;
                    return Ok(0);
                }
                if std::mem::take(&mut self.pending_effect) != Effect::None {
                    // Re-IPLed or reset: the machine goes on from its new state.
                    return Ok(0);
                }
                if self.trace {
                    eprintln!("SIO {vaddr:03X} -> CSW {:02X?}", end.csw.to_bytes());
                }
                if !end.started {
                    Self::store_csw(cpu, &end.csw);
                    return Ok(1);
                }
                self.pending.push_back(PendingIo {
                    vaddr,
                    csw: end.csw,
                });
                Ok(0)
            }
            Opcode::TIO | Opcode::CLRIO => match self
                .take_pending_for(vaddr)
                .or_else(|| self.fullscreen_poll(vaddr))
            {
                Some(csw) => {
                    Self::store_csw(cpu, &csw);
                    Ok(1)
                }
                None => Ok(0),
            },
            // HIO, HDV: nothing is ever in progress (every channel program has ended).
            _ => Ok(0),
        }
    }

    fn io_pending(&mut self, cpu: &mut Cpu) -> bool {
        self.pending.iter().any(|p| Self::enabled_for(cpu, p.vaddr))
    }

    fn take_io_interrupt(&mut self, cpu: &mut Cpu) -> bool {
        let Some(i) = self
            .pending
            .iter()
            .position(|p| Self::enabled_for(cpu, p.vaddr))
        else {
            return false;
        };
        let Some(p) = self.pending.remove(i) else {
            return false;
        };
        Self::store_csw(cpu, &p.csw);
        self.io_reflected += 1;
        cpu.io_interrupt(p.vaddr);
        true
    }

    fn wait(&mut self, cpu: &mut Cpu) -> bool {
        // An enabled wait with nothing pending: the next terminal line is an attention
        // from the console (its text goes to the read the guest then starts).
        if self.logged_off {
            return false;
        }
        // A block-I/O completion held while the service-signal subclass was masked becomes
        // pending once the guest has enabled it.
        if crate::machine::deliver_block_io(cpu, &mut self.block_io) {
            return true;
        }
        if let Some(woken) = self.vmcf_wait(cpu) {
            return woken;
        }
        let Some(console) = self.console_vaddr() else {
            return false;
        };
        if !Self::enabled_for(cpu, console) {
            return false;
        }
        if let Some(woken) = self.fullscreen_wait(cpu, console) {
            return woken;
        }
        match self.wait_read(cpu) {
            None => true,
            Some(Some(line)) => {
                self.stash = Some(line);
                self.pending.push_back(PendingIo {
                    vaddr: console,
                    csw: Csw {
                        unit: unit::ATTENTION,
                        ..Default::default()
                    },
                });
                true
            }
            // Re-IPLed (or reset): the CPU goes on with the new PSW.
            Some(None) => std::mem::take(&mut self.pending_effect) != Effect::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::ebcdic::text_to_ebcdic;

    /// A user with a console and no IPL, running `program` at X'1000' with `input`.
    fn tiny_vm(program: &[u8], input: &[&str]) -> Vm {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let term = ScriptTerminal {
            input: input.iter().map(|s| s.to_string()).collect(),
            output: String::new(),
        };
        let mut vm = Vm::logon(&dir, "T", Box::new(term)).unwrap();
        vm.cpu.mem.load(AbsAddr(0x1000), program).unwrap();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        // Not IPLed, but given a program to run.
        vm.cp.reset_state = false;
        vm
    }

    #[test]
    fn start_io_writes_and_interrupts() {
        let mut vm = tiny_vm(
            &[
                0x9C, 0x00, 0x00, 0x09, // SIO 009
                0x82, 0x00, 0x0F, 0x00, // LPSW X'F00': enabled wait
            ],
            &[],
        );
        let m = &mut vm.cpu.mem;
        m.load(AbsAddr(0xF00), &[0x80, 0x02, 0, 0, 0, 0, 0x10, 0x08])
            .unwrap();
        m.load(AbsAddr(0x78), &[0x00, 0x02, 0, 0, 0, 0, 0x20, 0x00])
            .unwrap();
        m.load(AbsAddr(0x48), &[0, 0, 0x08, 0x00]).unwrap();
        m.load(AbsAddr(0x800), &[0x09, 0, 0x09, 0x00, 0x20, 0, 0, 5])
            .unwrap();
        m.load(AbsAddr(0x900), &text_to_ebcdic("HELLO")).unwrap();
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        let m = &vm.cpu.mem;
        // CSW: CCW address + 8, channel end and device end, residual 0.
        assert_eq!(m.read_u64(AbsAddr(0x40)), 0x0000_0808_0C00_0000);
        // The I/O old PSW holds the device address.
        assert_eq!(m.read_u16(AbsAddr(0x3A)), 0x0009);
    }

    /// Printer output: the CSW is computed from the channel program (last CCW of the
    /// command chain + 8, channel end and device end, its count less what it transferred:
    /// nothing for a NO-OP), and CLOSE makes the records a spool file.
    #[test]
    fn printer_csw_and_close() {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let term = ScriptTerminal::default();
        let mut vm = Vm::logon(&dir, "T", Box::new(term)).unwrap();
        let m = &mut vm.cpu.mem;
        m.load(
            AbsAddr(0x1000),
            &[
                0x9C, 0x00, 0x00, 0x0E, // SIO 00E
                0x82, 0x00, 0x0F, 0x00, // LPSW X'F00': disabled wait
            ],
        )
        .unwrap();
        m.load(AbsAddr(0xF00), &[0x00, 0x02, 0, 0, 0, 0, 0, 0])
            .unwrap();
        m.load(AbsAddr(0x48), &[0, 0, 0x08, 0x00]).unwrap();
        let ccws: [[u8; 8]; 3] = [
            [0x09, 0, 0x09, 0x00, 0x40, 0, 0, 10], // write, command chaining
            [0x09, 0, 0x09, 0x00, 0x40, 0, 0, 4],  // write, command chaining
            [0x03, 0, 0x00, 0x00, 0x20, 0, 0, 1],  // NO-OP, SLI
        ];
        for (i, c) in ccws.iter().enumerate() {
            m.load(AbsAddr(0x800 + 8 * i as u32), c).unwrap();
        }
        m.load(AbsAddr(0x900), &text_to_ebcdic("PRINT LINE"))
            .unwrap();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        // The I/O interruption is pending (the PSW is disabled): TIO stores the CSW.
        let _ = vm.cpu.run(&mut vm.cp, 100);
        let csw = vm
            .cp
            .take_pending_for(0x00E)
            .expect("an interruption is pending");
        let last = ccws.len() as u32 - 1;
        let expected = Csw {
            key: 0,
            ccw_addr: 0x800 + 8 * last + 8,
            unit: unit::CHANNEL_END | unit::DEVICE_END,
            channel: 0,
            count: u16::from_be_bytes([ccws[2][6], ccws[2][7]]),
        };
        assert_eq!(csw.to_bytes(), expected.to_bytes());
        // One copy, for the user's own printer queue, not held: no response (CLOSE
        // HELPCMD2, "Responses").
        let r = vm.cp.cp_command_from(&mut vm.cpu, "CLOSE 00E", true);
        assert_eq!(r.lines, Vec::<String>::new());
        let r = vm.cp.cp_command_from(&mut vm.cpu, "QUERY PRINTER", true);
        assert_eq!(r.lines.len(), 2, "{:?}", r.lines);
        assert!(
            r.lines[1].contains(" 0001 A PRT 000002 01 "),
            "{:?}",
            r.lines
        );
    }

    /// The printer takes immediate carriage control (skip to channel 1 X'8B', space one
    /// line X'0B'), as DEBUG's DUMP in R6 CMS sends it, without a unit check.
    #[test]
    fn printer_takes_carriage_control() {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let mut vm = Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap();
        let m = &mut vm.cpu.mem;
        m.load(AbsAddr(0x1000), &[0x9C, 0x00, 0x00, 0x0E]).unwrap(); // SIO 00E
        m.load(AbsAddr(0x1004), &[0x82, 0x00, 0x0F, 0x00]).unwrap(); // LPSW X'F00'
        m.load(AbsAddr(0xF00), &[0x00, 0x02, 0, 0, 0, 0, 0, 0])
            .unwrap();
        m.load(AbsAddr(0x48), &[0, 0, 0x08, 0x00]).unwrap();
        let ccws: [[u8; 8]; 3] = [
            [0x8B, 0, 0x09, 0x00, 0x60, 0, 0, 1], // skip to channel 1, CC + SLI
            [0x09, 0, 0x09, 0x00, 0x40, 0, 0, 10], // write, CC
            [0x0B, 0, 0x09, 0x00, 0x20, 0, 0, 1], // space one line, SLI
        ];
        for (i, c) in ccws.iter().enumerate() {
            m.load(AbsAddr(0x800 + 8 * i as u32), c).unwrap();
        }
        m.load(AbsAddr(0x900), &text_to_ebcdic("PRINT LINE"))
            .unwrap();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        let _ = vm.cpu.run(&mut vm.cp, 100);
        let csw = vm.cp.take_pending_for(0x00E).expect("an interruption");
        assert_eq!(csw.unit, unit::CHANNEL_END | unit::DEVICE_END, "{csw:X?}");
        assert_eq!(csw.ccw_addr, 0x818);
        // The line is one record of the spool file.
        // One copy, for the user's own printer queue, not held: no response (CLOSE
        // HELPCMD2, "Responses").
        let r = vm.cp.cp_command_from(&mut vm.cpu, "CLOSE 00E", true);
        assert_eq!(r.lines, Vec::<String>::new());
        let r = vm.cp.cp_command_from(&mut vm.cpu, "QUERY PRINTER", true);
        assert!(
            r.lines[1].contains(" 0001 A PRT 000001 01 "),
            "{:?}",
            r.lines
        );
    }

    /// DIAGNOSE X'20' runs a CKD channel program on a minidisk (R6 CMS reads the 192's
    /// label this way): a SEARCH ID EQUAL for a record the track lacks ends in a unit check,
    /// CC 3, R15 = 13 and sense byte 0 (no record found) in the low halfword of Ry; a seek
    /// outside the minidisk is a command reject.
    #[test]
    fn diagnose_20_on_a_minidisk() {
        let tmp = tempfile::tempdir().unwrap();
        drop(crate::dasd::create_ckd(&tmp.path().join("d.ckd"), 0x3350, 2).unwrap());
        let text = "DASD VOL001 3350 d.ckd\nUSER T T 1M 1M G\n CONSOLE 009 3215\n \
                    MDISK 191 3350 000 002 VOL001 MR\n";
        let dir = crate::directory::parse_directory_text(text, "t", tmp.path(), true).unwrap();
        let mut vm = Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap();
        let run = |vm: &mut Vm, seek_cyl: u8| {
            let m = &mut vm.cpu.mem;
            m.load(
                AbsAddr(0x600),
                &[
                    0x41, 0x20, 0x01, 0x91, // LA 2,X'191'
                    0x41, 0x40, 0x0A, 0x00, // LA 4,X'A00'
                    0x83, 0x24, 0x00, 0x20, // DIAG 2,4,X'20'
                    0x41, 0x50, 0x00, 0x00, // LA 5,0 (the CC stays)
                    0x47, 0x80, 0x06, 0x22, // BC 8,X'622': R5 = CC
                    0x41, 0x55, 0x00, 0x01, // LA 5,1(5)
                    0x47, 0x40, 0x06, 0x22, // BC 4,X'622'
                    0x41, 0x55, 0x00, 0x01, // LA 5,1(5)
                    0x47, 0x20, 0x06, 0x22, // BC 2,X'622'
                    0x41, 0x55, 0x00, 0x01, // LA 5,1(5)
                    0x82, 0x00, 0x0F, 0x00, // X'622': LPSW X'F00', disabled wait
                ],
            )
            .unwrap();
            m.load(AbsAddr(0xF00), &[0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
            let ccws: [[u8; 8]; 4] = [
                [0x07, 0, 0x0B, 0x00, 0x40, 0, 0, 6],  // SEEK
                [0x31, 0, 0x0B, 0x02, 0x40, 0, 0, 5],  // SEARCH ID EQUAL
                [0x08, 0, 0x0A, 0x08, 0x00, 0, 0, 1],  // TIC *-8
                [0x06, 0, 0x0C, 0x00, 0x20, 0, 0, 16], // READ DATA
            ];
            for (i, c) in ccws.iter().enumerate() {
                m.load(AbsAddr(0xA00 + 8 * i as u32), c).unwrap();
            }
            m.load(AbsAddr(0xB00), &[0, 0, 0, seek_cyl, 0, 0, 3])
                .unwrap();
            vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x06, 0]).0;
            let limit = vm.cpu.instructions + 100;
            let _ = vm.cpu.run(&mut vm.cp, limit);
            (vm.cpu.gpr[5], vm.cpu.gpr[15], vm.cpu.gpr[4])
        };
        // The search ID argument at X'B02' is 00 00 00 00 03: record 3 of the track.
        assert_eq!(run(&mut vm, 0), (3, 13, 0x0800));
        assert_eq!(run(&mut vm, 5), (3, 13, 0x8000));
        // No interruption is left pending.
        assert!(vm.cp.take_pending_for(0x191).is_none());
    }

    #[test]
    fn console_read_and_bad_io() {
        let mut vm = tiny_vm(
            &[
                0x9C, 0x00, 0x01, 0x23, // SIO 123: not operational
                0x9C, 0x00, 0x00, 0x09, // SIO 009: read
                0x82, 0x00, 0x0F, 0x00, // LPSW X'F00'
            ],
            &["#CP QUERY USERID", "hi there"],
        );
        let m = &mut vm.cpu.mem;
        m.load(AbsAddr(0xF00), &[0x80, 0x02, 0, 0, 0, 0, 0x10, 0x0C])
            .unwrap();
        m.load(AbsAddr(0x78), &[0x00, 0x02, 0, 0, 0, 0, 0x20, 0x00])
            .unwrap();
        m.load(AbsAddr(0x48), &[0, 0, 0x08, 0x00]).unwrap();
        m.load(AbsAddr(0x800), &[0x0A, 0, 0x09, 0x00, 0x20, 0, 0, 20])
            .unwrap();
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        assert_eq!(
            &vm.cpu.mem.bytes()[0x900..0x908],
            &text_to_ebcdic("hi there")[..]
        );
        // Residual count 12 with SLI: no incorrect length.
        assert_eq!(vm.cpu.mem.read_u64(AbsAddr(0x40)), 0x0000_0808_0C00_000C);
    }

    /// A terminal whose output the test keeps a handle on.
    #[derive(Default, Clone)]
    struct SharedTerminal {
        input: std::sync::Arc<std::sync::Mutex<VecDeque<String>>>,
        output: Output,
    }

    /// The output of a [`SharedTerminal`].
    #[derive(Default, Clone)]
    struct Output(std::sync::Arc<std::sync::Mutex<String>>);

    impl Output {
        fn borrow(&self) -> std::sync::MutexGuard<'_, String> {
            self.0.lock().unwrap()
        }
    }

    impl Terminal for SharedTerminal {
        fn read_line(&mut self) -> Option<String> {
            self.input.lock().unwrap().pop_front()
        }
        fn write(&mut self, text: &str) {
            self.output.0.lock().unwrap().push_str(text);
        }
    }

    /// Logs `user` of directory `text` on with `input`; returns the machine and a handle
    /// on the terminal.
    fn logon_with(
        text: &str,
        base: &std::path::Path,
        user: &str,
        input: &[&str],
    ) -> (Vm, SharedTerminal) {
        let dir = crate::directory::parse_directory_text(text, "t", base, false).unwrap();
        let term = SharedTerminal::default();
        term.input
            .lock()
            .unwrap()
            .extend(input.iter().map(|s| s.to_string()));
        let vm = Vm::logon(&dir, user, Box::new(term.clone())).unwrap();
        (vm, term)
    }

    /// The machine of `tiny_vm` with a program that loads a disabled-wait PSW, and a
    /// terminal handle.
    fn disabled_wait_vm(input: &[&str]) -> (Vm, SharedTerminal) {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n";
        let (mut vm, term) = logon_with(text, std::path::Path::new("."), "T", input);
        let m = &mut vm.cpu.mem;
        m.load(AbsAddr(0x1000), &[0x82, 0x00, 0x0F, 0x00]).unwrap(); // LPSW X'F00'
        m.load(AbsAddr(0xF00), &[0x00, 0x02, 0, 0, 0, 0, 0x0B, 0x0B])
            .unwrap();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        vm.cp.reset_state = false;
        (vm, term)
    }

    /// `CP QUERY TIME` in CP mode (after DMKDSP450W): the CP prefix users type out of
    /// habit is taken, as later VM releases do (not R6, see `Cp::cp_mode`).
    #[test]
    fn cp_prefix_in_cp_mode() {
        let (mut vm, term) = disabled_wait_vm(&["CP QUERY TIME", "cp q userid", "LOGOFF"]);
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        let out = term.output.borrow();
        assert!(
            out.contains("DMKDSP450W CP ENTERED; DISABLED WAIT PSW"),
            "{out}"
        );
        assert!(out.contains("\nTIME IS "), "{out}");
        assert!(out.contains("\nT AT "), "{out}");
        assert!(!out.contains("DMKCFM001E"), "{out}");
    }

    /// Every CP command of the command set (cpcmd/mod.rs `cp_command_from`), each typed
    /// plain and with the CP prefix, then `CP LOGOFF`.
    fn every_cp_command() -> Vec<String> {
        let commands = [
            "QUERY TIME",
            "QUERY USERID",
            "QUERY VIRTUAL",
            "QUERY SET",
            "QUERY TERMINAL",
            "QUERY PRINTER",
            "SET MSG ON",
            "TERMINAL LINEND #",
            "SPOOL PRINTER CLASS A",
            "CLOSE 00E",
            "MSG T HELLO",
            "DEFINE PRINTER 00F",
            "DETACH 00F",
            "LINK T 191 191 RR",
            "BEGIN",
            "IPL NOSUCH",
            "DEFINE STORAGE 1M",
        ];
        let mut input: Vec<String> = Vec::new();
        for c in commands {
            input.push(c.to_string());
            input.push(format!("CP {c}"));
        }
        input.push("CP LOGOFF".to_string());
        input
    }

    /// Runs [`every_cp_command`] on `vm`: none is unknown, and the session ends logged off.
    fn check_every_cp_command(mut vm: Vm, term: SharedTerminal) -> String {
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        let out = term.output.borrow().clone();
        assert!(!out.contains("DMKCFM001E"), "{out}");
        assert_eq!(out.matches("\nTIME IS ").count(), 2, "{out}");
        // QUERY VIRTUAL and DEFINE STORAGE, twice each.
        assert_eq!(out.matches("\nSTORAGE = 00001M").count(), 4, "{out}");
        assert!(out.contains("LOGOFF AT"), "{out}");
        out
    }

    /// Every CP command in CP mode after a disabled wait (DMKDSP450W). The first BEGIN
    /// resumes the guest, which stops in its disabled wait again; the second too; after
    /// DEFINE STORAGE (a system reset) nothing runs.
    #[test]
    fn every_cp_command_works_in_cp_mode_after_a_disabled_wait() {
        let input = every_cp_command();
        let input: Vec<&str> = input.iter().map(|s| s.as_str()).collect();
        let (vm, term) = disabled_wait_vm(&input);
        let out = check_every_cp_command(vm, term);
        assert_eq!(out.matches("DMKDSP450W").count(), 3, "{out}");
    }

    /// Every CP command in CP mode after a program-interruption loop (DMKDSP452W: zeroed
    /// storage run from the zero PSW).
    #[test]
    fn every_cp_command_works_in_cp_mode_after_a_program_interrupt_loop() {
        let input = every_cp_command();
        let input: Vec<&str> = input.iter().map(|s| s.as_str()).collect();
        let (mut vm, term) = disabled_wait_vm(&input);
        vm.cpu.mem.bytes_mut().fill(0);
        vm.cpu.invalidate_all();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0; 8]).0;
        let out = check_every_cp_command(vm, term);
        assert_eq!(out.matches("DMKDSP452W").count(), 3, "{out}");
    }

    /// Every CP command in CP mode of a user never IPLed: BEGIN has nothing to resume.
    #[test]
    fn every_cp_command_works_in_cp_mode_before_an_ipl() {
        let input = every_cp_command();
        let input: Vec<&str> = input.iter().map(|s| s.as_str()).collect();
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00E 1403 A\n";
        let (vm, term) = logon_with(text, std::path::Path::new("."), "T", &input);
        let out = check_every_cp_command(vm, term);
        assert!(!out.contains("DMKDSP"), "{out}");
    }

    /// A user with no IPL statement waits in CP mode: CP commands answered, no guest
    /// instruction run, LOGOFF ends it.
    #[test]
    fn no_ipl_waits_in_cp_mode() {
        let text = "USER BARE BARE 1M 1M G\n CONSOLE 009 3215\n";
        let (mut vm, term) = logon_with(
            text,
            std::path::Path::new("."),
            "BARE",
            &["QUERY TIME", "BEGIN", "LOGOFF"],
        );
        let t = Instant::now();
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        assert!(t.elapsed().as_secs() < 5);
        assert_eq!(vm.cpu.instructions, 0);
        let out = term.output.borrow();
        assert!(out.contains("\nTIME IS "), "{out}");
        assert!(out.contains("LOGOFF AT"), "{out}");
    }

    /// An IPL that fails at logon (a garbage saved-system file: DMKVMI177E) leaves the user
    /// in CP mode, not running zeroes.
    #[test]
    fn failed_ipl_waits_in_cp_mode() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("BAD.segment"),
            b"garbage, not a saved system",
        )
        .unwrap();
        let text = "NSS CMS BAD.segment IPL\nUSER BARE BARE 1M 1M G\n IPL CMS\n CONSOLE 009 3215\n";
        let (mut vm, term) = logon_with(text, tmp.path(), "BARE", &["QUERY USERID", "LOGOFF"]);
        assert_eq!(vm.run(), RunEnd::LoggedOff);
        assert_eq!(vm.cpu.instructions, 0);
        let out = term.output.borrow();
        assert!(out.contains("DMKVMI177E"), "{out}");
        assert!(out.contains("\nBARE AT "), "{out}");
    }

    /// A NOLOG user cannot be logged on.
    #[test]
    fn nolog_user_cannot_log_on() {
        let text = "USER MAINT NOLOG 1M 1M G\n CONSOLE 009 3215\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let r = Vm::logon(&dir, "MAINT", Box::new(ScriptTerminal::default()));
        assert!(r.is_err());
    }

    /// Storage is what the directory defines: a 1M user's store at X'F00000' is an
    /// addressing exception although real storage covers CMSSEG there, until CMSSEG is
    /// loaded (DIAG X'64' LOADSYS); DIAG X'60' says 1M.
    #[test]
    fn storage_above_the_defined_size_does_not_exist() {
        let tmp = tempfile::tempdir().unwrap();
        // A one-page CMSSEG (`nss` module layout): a header page (PSW, registers, keys
        // X'00') and one saved page.
        std::fs::write(tmp.path().join("CMSSEG.segment"), vec![0u8; 2 * 4096]).unwrap();
        let text = "NSS CMSSEG CMSSEG.segment\nUSER ONE ONE 1M 1M G\n CONSOLE 009 3215\n";
        let (mut vm, _term) = logon_with(text, tmp.path(), "ONE", &[]);
        assert!(vm.cpu.mem.size() > 0xF0_0000, "real storage covers CMSSEG");
        let m = &mut vm.cpu.mem;
        // X'1000': DIAG 2,0,X'60'; ST 0,0(1) with R1 = X'F00000'.
        m.load(
            AbsAddr(0x1000),
            &[0x83, 0x20, 0x00, 0x60, 0x50, 0x00, 0x10, 0x00],
        )
        .unwrap();
        // Program new PSW: a disabled wait.
        m.load(AbsAddr(0x68), &[0x00, 0x02, 0, 0, 0, 0, 0, 0])
            .unwrap();
        vm.cpu.gpr[1] = 0xF0_0000;
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        vm.cp.reset_state = false;
        let stop = vm.cpu.run(&mut vm.cp, 100);
        assert_eq!(stop, Stop::DisabledWait);
        assert_eq!(vm.cpu.gpr[2], 1 << 20);
        // The old program PSW: code 5 (addressing).
        assert_eq!(vm.cpu.mem.read_u16(AbsAddr(0x2A)), 0x0005);
        // Loaded, CMSSEG's page exists.
        let a = vm
            .cp
            .saved_segment(&mut vm.cpu, SegmentOp::LoadShared, "CMSSEG");
        assert_eq!(a.cc, 0);
        assert!(vm.cpu.mem.contains(AbsAddr(0xF0_0000), 4096));
        assert!(!vm.cpu.mem.contains(AbsAddr(0xF0_1000), 1));
        let a = vm.cp.saved_segment(&mut vm.cpu, SegmentOp::Purge, "CMSSEG");
        assert_eq!(a.cc, 0);
        assert!(!vm.cpu.mem.contains(AbsAddr(0xF0_0000), 1));
    }

    /// A directory size beyond S/370's 16M is clamped, LOGON says so, and DIAG X'60' and
    /// QUERY VIRTUAL STORAGE give the size used.
    #[test]
    fn storage_above_16m_is_clamped_with_a_message() {
        let text = "USER BIG BIG 2048M 2048M G\n CONSOLE 009 3215\n";
        let (mut vm, term) = logon_with(text, std::path::Path::new("."), "BIG", &[]);
        assert_eq!(vm.cp.storage_size, 16 << 20);
        assert!(
            term.output.borrow().contains(
                "VM390: DIRECTORY STORAGE 02048M EXCEEDS THE S/370 MAXIMUM; STORAGE = 00016M"
            ),
            "{}",
            term.output.borrow()
        );
        let r = vm
            .cp
            .cp_command_from(&mut vm.cpu, "QUERY VIRTUAL STORAGE", true);
        assert_eq!(r.lines, vec!["STORAGE = 00016M".to_string()]);
        vm.cpu
            .mem
            .load(AbsAddr(0x1000), &[0x83, 0x20, 0x00, 0x60])
            .unwrap();
        vm.cpu
            .mem
            .load(AbsAddr(0x1004), &[0x82, 0x00, 0x0F, 0x00])
            .unwrap();
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        let _ = vm.cpu.run(&mut vm.cp, 100);
        assert_eq!(vm.cpu.gpr[2], 16 << 20);
    }
}
