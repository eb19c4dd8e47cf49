//! DIAGNOSE (opcode X'83') as vm390's CP answers it: one handler per code, each citing the
//! manual it implements, reaching the virtual machine only through the [`Machine`] trait so
//! that every handler can be tested against [`mock::MockMachine`].
//!
//! The sources are those of `diagnose-spec.md` (the project's DIAGNOSE notes): VM370 = *VM/370
//! System Programmer's Guide* Rel 6, GC20-1807-7, "DIAGNOSE Instruction in a Virtual Machine";
//! VMSP = *VM/SP System Programmer's Guide* Rel 3, SC19-6203-2; ZVM / ZCB = z/VM documentation
//! and control-block pages; LNX = the Linux kernel's callers.
//!
//! # How a DIAGNOSE reaches a handler
//!
//! 1. The CPU checks privilege first: in the problem state DIAGNOSE is a privileged-operation
//!    exception (X'0002') *before* the code is looked at (VM370, KVM). The [`Registry`] is
//!    therefore only ever called in the supervisor state and does not check it again.
//! 2. The code is the low 16 bits of the second-operand effective address B2+D2 (the model
//!    recommended by diagnose-spec.md section 1, as KVM and the z/VM documentation form it).
//! 3. [`Registry::dispatch`] starts from "specification exception": a code that is not a
//!    multiple of 4, or that no handler is registered for, gives X'0006' (VM370: "must be a
//!    multiple of four"; ZVM DEFINE DIAGNOSE usage note 1: undefined codes give a
//!    specification exception).
//! 4. Every program check a handler returns is *suppressing*: the handler has changed nothing
//!    (registers, condition code, storage) when it returns `Err`, and the CPU reports it with
//!    ILC 2 and the old PSW past the DIAGNOSE.

pub mod blockio;
pub mod display;
pub mod ebcdic;
mod handlers;
pub mod mock;
pub mod spool;
pub mod tz;
pub mod vmcf;

use std::collections::BTreeMap;

pub use blockio::{BlockDevice, BlockEnv, BlockIoState};
pub use handlers::NOT_IMPLEMENTED;
pub use s390_decoder::Arch;
pub use spool::{Sfblok, SpoolInputAnswer, SpoolInputOp};
pub use vmcf::VmcfState;

/// A program-interruption code a handler ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramCheck(pub u16);

impl ProgramCheck {
    /// Privileged-operation exception.
    pub const PRIVILEGED: Self = Self(0x02);
    /// Protection exception.
    pub const PROTECTION: Self = Self(0x04);
    /// Addressing exception.
    pub const ADDRESSING: Self = Self(0x05);
    /// Specification exception.
    pub const SPECIFICATION: Self = Self(0x06);
}

/// The `SET EMSG` setting (VM370 CP command SET EMSG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Emsg {
    /// `SET EMSG ON`: message code and text.
    On,
    /// `SET EMSG CODE`: the message code only.
    Code,
    /// `SET EMSG TEXT`: the text only (the default of a CMS user).
    #[default]
    Text,
    /// `SET EMSG OFF`: nothing.
    Off,
}

/// Local date and time, and the time-zone differential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LocalTime {
    /// Year (four digits).
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
    /// Hour 0-23.
    pub hour: u8,
    /// Minute 0-59.
    pub minute: u8,
    /// Second 0-59 (60 in a leap second).
    pub second: u8,
    /// Local time minus UTC, in seconds (east positive).
    pub utc_offset: i32,
}

/// What DIAG X'24' and X'210' return for a virtual device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// VDEVTYPC, VDEVTYPE, VDEVSTAT, VDEVFLAG (one byte each, in that order).
    pub vdev: u32,
    /// RDEVTYPC, RDEVTYPE, RDEVMDL, RDEVFTR (for a console the line length in the last byte);
    /// `None` when the virtual device has no real device (spooled unit record).
    pub rdev: Option<u32>,
}

/// The virtual console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleInfo {
    /// Its device number.
    pub devno: u16,
    /// The terminal code DIAG X'24' returns in byte 0 of Rx.
    pub terminal_code: u8,
}

/// What a CP command answered.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CpResponse {
    /// Response lines (without line ends), host characters.
    pub lines: Vec<String>,
    /// The CP completion code: 0, or the message number of the error.
    pub rc: u32,
}

impl CpResponse {
    /// The answer to a command CP does not know: return code 1 (DMKCFM001E "UNKNOWN CP
    /// COMMAND"), no response lines.
    pub fn unknown() -> CpResponse {
        CpResponse {
            lines: Vec::new(),
            rc: 1,
        }
    }
}

/// A synchronous I/O request of DIAG X'18' or X'20'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoRequest {
    /// Virtual device address (from Rx).
    pub devno: u32,
    /// Real address of the CCW string (from Ry).
    pub ccw: u32,
    /// DIAG X'18': the number of READ/WRITE CCWs (R15 on entry). DIAG X'20': the storage key
    /// in the high byte of Ry (VMSP).
    pub extra: u32,
}

/// How DIAG X'18' or X'20' ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoAnswer {
    /// Condition code.
    pub cc: u8,
    /// Return code for R15 (`None`: R15 unchanged).
    pub r15: Option<u32>,
    /// DIAG X'20' CC 3: sense bytes 0-1 for the low halfword of Ry.
    pub sense: Option<u16>,
}

impl IoAnswer {
    /// CC 1 with R15 = 1: the device is not attached (VM370 X'18' and X'20').
    pub const NOT_ATTACHED: IoAnswer = IoAnswer {
        cc: 1,
        r15: Some(1),
        sense: None,
    };
}

/// DIAG X'64' subfunctions (Ry on entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentOp {
    /// X'00' LOADSYS, shared.
    LoadShared,
    /// X'04' LOADSYS, nonshared.
    LoadNonshared,
    /// X'08' PURGESYS.
    Purge,
    /// X'0C' FINDSYS.
    Find,
}

/// How DIAG X'64' ended: the condition code and new Rx / Ry values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentAnswer {
    /// Condition code.
    pub cc: u8,
    /// New Rx, if any.
    pub rx: Option<u32>,
    /// New Ry, if any.
    pub ry: Option<u32>,
}

impl SegmentAnswer {
    /// CC 2 with Ry = 44: no such segment (VM370, VMSP; LNX maps rc 44 to "no such segment").
    pub const NO_SUCH_SEGMENT: SegmentAnswer = SegmentAnswer {
        cc: 2,
        rx: None,
        ry: Some(44),
    };
}

/// A DIAG X'4C' accounting request (VM370, VMSP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountingRequest {
    /// Functions 0, 4, 8, C: a record for `userid` (`None`: the caller) with an account number
    /// and/or distribution code when the function has them.
    Record {
        /// The function code (0, 4, 8 or X'C').
        function: u32,
        /// The user the record is for; `None` when Rx was 0 ("for myself").
        userid: Option<String>,
        /// The account number (functions 4 and C).
        account: Option<String>,
        /// The distribution code (functions 8 and C).
        distribution: Option<String>,
    },
    /// Function X'10': a record with up to 70 bytes of user data (EBCDIC, as stored).
    UserData(Vec<u8>),
}

/// What the handlers need from the virtual machine. Addresses are guest REAL addresses
/// ("real to the virtual machine", VM370): the implementation applies prefixing and the
/// storage-key checks of the current PSW key, and reports addressing (X'0005') and
/// protection (X'0004') as [`ProgramCheck`]s.
pub trait Machine {
    /// General register `r` (0-15).
    fn gpr(&self, r: u8) -> u32;
    /// Sets general register `r`.
    fn set_gpr(&mut self, r: u8, v: u32);
    /// Sets the condition code (0-3).
    fn set_cc(&mut self, cc: u8);
    /// The architecture the virtual machine runs in.
    fn arch(&self) -> Arch;
    /// The mask of the current addressing mode (X'00FFFFFF' or X'7FFFFFFF'); addresses in
    /// registers are taken in the guest's current addressing mode.
    fn address_mask(&self) -> u32 {
        match self.arch() {
            Arch::S370 => 0x00FF_FFFF,
            Arch::Esa390 => 0x7FFF_FFFF,
        }
    }
    /// Checks that `len` bytes at real `addr` may be fetched (or stored, when `store`)
    /// without changing anything.
    fn check_real(&mut self, addr: u32, len: u32, store: bool) -> Result<(), ProgramCheck>;
    /// Fetches `buf.len()` bytes at real `addr`; on a fault nothing was fetched.
    fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), ProgramCheck>;
    /// Stores `data` at real `addr`; on a fault nothing was stored.
    fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), ProgramCheck>;
    /// The virtual machine's storage size in bytes.
    fn storage_size(&self) -> u32;
    /// The user id (host characters, at most 8).
    fn userid(&self) -> String;
    /// The `SET EMSG` setting.
    fn emsg(&self) -> Emsg;
    /// The local date and time now.
    fn local_time(&self) -> LocalTime;
    /// Virtual CPU time and total (virtual + CP) CPU time used, in microseconds.
    fn cpu_time_us(&self) -> (u64, u64) {
        (0, 0)
    }
    /// The processor address (as STAP stores it).
    fn processor_address(&self) -> u16 {
        0
    }
    /// The virtual device `devno`, if there is one.
    fn device(&self, devno: u16) -> Option<DeviceInfo>;
    /// The virtual console, if one is attached.
    fn console(&self) -> Option<ConsoleInfo>;
    /// The screen of the 3270 display at the virtual console (rows, columns), for DIAG
    /// X'8C'; None when the console is not a 3270 display (a line terminal, no terminal).
    fn console_screen(&self) -> Option<(u16, u16)> {
        None
    }
    /// Runs one CP command (host characters, as typed). `refuse_link_password` is DIAG X'08'
    /// flag X'80'. Default: CP knows no commands.
    fn cp_command(&mut self, command: &str, refuse_link_password: bool) -> CpResponse {
        let _ = (command, refuse_link_password);
        CpResponse::unknown()
    }
    /// Writes a line to the virtual console (CP output of a DIAG X'08' without a buffer).
    fn console_write(&mut self, line: &str) {
        let _ = line;
    }
    /// DIAG X'58' on a line console: shows `lines`, the rows a CCW X'19' chain put in the
    /// output area of console `devno` (already cut to 80 columns and trimmed, empty lines
    /// included), each as one console output line starting on a new line, the way the
    /// console shows a 3215 write. Default: each through [`Machine::console_write`].
    fn console_display(&mut self, devno: u16, lines: &[String]) {
        let _ = devno;
        for l in lines {
            self.console_write(l);
        }
    }
    /// DIAG X'58' CCW X'19' on a 3270 display console: the output area of the console screen
    /// is erased first when `erase`, then `rows` (as [`Machine::console_display`] gets them)
    /// are put in it from output line `line` (0 = the top). Default: the rows through
    /// [`Machine::console_display`].
    fn console_display_at(&mut self, devno: u16, erase: bool, line: u32, rows: &[String]) {
        let _ = (erase, line);
        if !rows.is_empty() {
            self.console_display(devno, rows);
        }
    }
    /// DIAG X'58' full screen (CCW X'29' or X'2A') on console `devno`
    /// ([`display::FullScreenOp`]). Default: the console is no 3270 display.
    fn fullscreen(
        &mut self,
        devno: u16,
        op: display::FullScreenOp<'_>,
    ) -> display::FullScreenAnswer {
        let _ = (devno, op);
        display::FullScreenAnswer::NotDisplay
    }
    /// Makes the ending status `csw` (the 8 bytes of a CSW) of a DIAG X'58' full-screen I/O
    /// pending for console `devno`, for TEST I/O or an I/O interruption. Default: dropped.
    fn console_status(&mut self, devno: u16, csw: [u8; 8]) {
        let _ = (devno, csw);
    }
    /// DIAG X'14' on the virtual reader `devno` (`None` for X'0FFF', which names a spool
    /// file, not a device). Default: no such device (CC 3, Ry+1 = 4).
    fn spool_input(&mut self, devno: Option<u16>, op: SpoolInputOp) -> SpoolInputAnswer {
        let _ = (devno, op);
        SpoolInputAnswer::BAD_DEVICE
    }
    /// DIAG X'18' standard DASD I/O. Default: no such device (CC 1, R15 = 1).
    fn dasd_io(&mut self, req: IoRequest) -> IoAnswer {
        let _ = req;
        IoAnswer::NOT_ATTACHED
    }
    /// DIAG X'20' general I/O. Default: no such device (CC 1, R15 = 1).
    fn general_io(&mut self, req: IoRequest) -> IoAnswer {
        let _ = req;
        IoAnswer::NOT_ATTACHED
    }
    /// DIAG X'64' on the saved segment `name` (host characters, blanks trimmed). Default: the
    /// segment does not exist.
    fn saved_segment(&mut self, op: SegmentOp, name: &str) -> SegmentAnswer {
        let _ = (op, name);
        SegmentAnswer::NO_SUCH_SEGMENT
    }
    /// DIAG X'4C' accounting; returns the condition code. Default: CC 1, the user's directory
    /// entry lacks the ACCOUNT option.
    fn account(&mut self, req: AccountingRequest) -> u8 {
        let _ = req;
        1
    }
    /// Like [`Machine::check_real`] with access key `key` instead of the PSW key (the key
    /// in a DIAG X'250' BIOPL). Default: the PSW key's check.
    fn check_real_key(
        &mut self,
        addr: u32,
        len: u32,
        store: bool,
        key: u8,
    ) -> Result<(), ProgramCheck> {
        let _ = key;
        self.check_real(addr, len, store)
    }
    /// Like [`Machine::read_real`] with access key `key`.
    fn read_real_key(&mut self, addr: u32, buf: &mut [u8], key: u8) -> Result<(), ProgramCheck> {
        let _ = key;
        self.read_real(addr, buf)
    }
    /// Like [`Machine::write_real`] with access key `key`.
    fn write_real_key(&mut self, addr: u32, data: &[u8], key: u8) -> Result<(), ProgramCheck> {
        let _ = key;
        self.write_real(addr, data)
    }
    /// Sets the storage key (access-control bits and fetch-protection bit, `key & 0xF8`) of
    /// the 4 KB frame at real `addr` (DIAG X'214' cancel-and-validate). Default: keys are not
    /// kept.
    fn set_storage_key(&mut self, addr: u32, key: u8) -> Result<(), ProgramCheck> {
        let _ = (addr, key);
        Ok(())
    }
    /// DIAG X'250': the virtual device `devno` as a block device of `block_size`-byte
    /// blocks. Default: no such device.
    fn block_device(&self, devno: u16, block_size: u32) -> BlockDevice {
        let _ = (devno, block_size);
        BlockDevice::NotDefined
    }
    /// Reads record `rec` (1-based) of track `track` (counted from the minidisk's first
    /// track, cylinder x tracks per cylinder + head) of CKD minidisk `devno`; `None` when
    /// there is no such record.
    fn ckd_read(&mut self, devno: u16, track: u32, rec: u8) -> Option<Vec<u8>> {
        let _ = (devno, track, rec);
        None
    }
    /// Replaces the data of record `rec` of track `track` of CKD minidisk `devno`; false
    /// when it cannot be written.
    fn ckd_write(&mut self, devno: u16, track: u32, rec: u8, data: &[u8]) -> bool {
        let _ = (devno, track, rec, data);
        false
    }
    /// The virtual machine's DIAG X'250' state (environments, completions not yet
    /// presented); `None`: this CP keeps none, every device is "not defined".
    fn block_io_state(&mut self) -> Option<&mut BlockIoState> {
        None
    }
    /// Makes the block-I/O external interruption X'2603' pending with `subcode` (for the
    /// halfword at X'84') and the interruption parameter `param` (the word at X'80').
    /// Default: dropped.
    fn block_io_interrupt(&mut self, subcode: u16, param: u32) {
        let _ = (subcode, param);
    }
    /// The virtual machine's way to its CP's VMCF (the system's [`vmcf::Hub`] and its user
    /// id); `None`: this CP does not implement VMCF (DIAG X'68' is then a specification
    /// exception).
    fn vmcf_state(&mut self) -> Option<&mut VmcfState> {
        None
    }
    /// Makes the VMCF external interruption X'4001' pending (its header is already in the
    /// external-interrupt buffer: [`vmcf::present`]). Default: dropped.
    fn vmcf_interrupt(&mut self) {}
}

/// One DIAGNOSE code's handler.
pub trait DiagHandler: Send + Sync {
    /// The code (a multiple of 4).
    fn code(&self) -> u32;
    /// Its name.
    fn name(&self) -> &'static str;
    /// The documents it implements (diagnose-spec.md source tags and section).
    fn source(&self) -> &'static str;
    /// Runs it with register fields `rx`, `ry`. On `Err` nothing has changed.
    fn call(&self, m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck>;
}

/// The handlers, keyed by code.
pub struct Registry {
    handlers: BTreeMap<u32, Box<dyn DiagHandler>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
    }
}

impl Registry {
    /// A registry with no handlers (every code gives the specification exception).
    pub fn empty() -> Registry {
        Registry {
            handlers: BTreeMap::new(),
        }
    }

    /// Every handler this crate implements.
    pub fn standard() -> Registry {
        let mut r = Registry::empty();
        for h in handlers::all() {
            r.register(h);
        }
        r
    }

    /// Adds (or replaces) the handler of `h.code()`.
    pub fn register(&mut self, h: Box<dyn DiagHandler>) {
        self.handlers.insert(h.code(), h);
    }

    /// The handler of `code`, if registered.
    pub fn get(&self, code: u32) -> Option<&dyn DiagHandler> {
        self.handlers.get(&code).map(|h| h.as_ref())
    }

    /// The handlers in code order.
    pub fn handlers(&self) -> impl Iterator<Item = &dyn DiagHandler> {
        self.handlers.values().map(|h| h.as_ref())
    }

    /// Runs DIAGNOSE with the second-operand effective address `ea` (the code is its low 16
    /// bits) and register fields `rx`, `ry`. Privilege has been checked by the CPU. Codes
    /// that are not a multiple of 4, or have no handler, give the specification exception.
    pub fn dispatch(
        &self,
        m: &mut dyn Machine,
        ea: u32,
        rx: u8,
        ry: u8,
    ) -> Result<(), ProgramCheck> {
        let code = ea & 0xFFFF;
        if !code.is_multiple_of(4) {
            return Err(ProgramCheck::SPECIFICATION);
        }
        match self.handlers.get(&code) {
            Some(h) => h.call(m, rx & 15, ry & 15),
            None => Err(ProgramCheck::SPECIFICATION),
        }
    }
}

#[cfg(test)]
mod tests;
