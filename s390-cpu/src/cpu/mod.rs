//! The CPU: S/370 and ESA/390 instruction execution, interruptions and the run loop.
//!
//! Guest faults are values: every instruction returns `Result<(), ProgramInterrupt>` and `?`
//! carries a program check up to the run loop, which stores the old PSW and loads the new one
//! as the architecture says. Nothing a guest does can panic the CP.

pub mod bfp;
mod bfp_ops;
pub mod decimal;
mod decimal_ops;
mod exec;
mod fast;
mod float_ops;
pub mod hfp;
pub mod jit;
mod op;
pub mod psw;
mod real;
pub mod trace;

use s390_decoder::Arch;

pub use op::Op;
pub use psw::Psw;
pub use trace::{TraceEvent, TraceKind, TraceMask};

use crate::storage::{AbsAddr, AccessFault, RealAddr, Storage};

/// A program-interruption code (SA22-7201 figure 6-4; GA22-7000 chapter 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramInterrupt(pub u16);

impl ProgramInterrupt {
    /// Operation exception.
    pub const OPERATION: Self = Self(0x01);
    /// Privileged-operation exception.
    pub const PRIVILEGED: Self = Self(0x02);
    /// Execute exception.
    pub const EXECUTE: Self = Self(0x03);
    /// Protection exception.
    pub const PROTECTION: Self = Self(0x04);
    /// Addressing exception.
    pub const ADDRESSING: Self = Self(0x05);
    /// Specification exception.
    pub const SPECIFICATION: Self = Self(0x06);
    /// Data exception.
    pub const DATA: Self = Self(0x07);
    /// Fixed-point-overflow exception.
    pub const FIXED_OVERFLOW: Self = Self(0x08);
    /// Fixed-point-divide exception.
    pub const FIXED_DIVIDE: Self = Self(0x09);
    /// Decimal-overflow exception.
    pub const DECIMAL_OVERFLOW: Self = Self(0x0A);
    /// Decimal-divide exception.
    pub const DECIMAL_DIVIDE: Self = Self(0x0B);
    /// Exponent-overflow exception.
    pub const EXPONENT_OVERFLOW: Self = Self(0x0C);
    /// Exponent-underflow exception.
    pub const EXPONENT_UNDERFLOW: Self = Self(0x0D);
    /// Significance exception.
    pub const SIGNIFICANCE: Self = Self(0x0E);
    /// Floating-point-divide exception.
    pub const FLOATING_DIVIDE: Self = Self(0x0F);
    /// Special-operation exception.
    pub const SPECIAL_OPERATION: Self = Self(0x13);
    /// Square-root exception.
    pub const SQUARE_ROOT: Self = Self(0x1D);
    /// Monitor event.
    pub const MONITOR_EVENT: Self = Self(0x40);
    /// Not an interruption: returned by an instruction or by the supervisor (from DIAGNOSE or
    /// an I/O instruction) to end the CPU's current batch, so the run loop looks at the PSW
    /// again (after LOGOFF, re-IPL, or a PSW change).
    pub const END_BATCH: Self = Self(0xFFFF);
    /// Not an interruption: a branch instruction of the run loop's fast path (see
    /// `fast.rs`) was taken and has put its target in the PSW.
    pub(crate) const JUMPED: Self = Self(0xFFFD);
}

impl ProgramInterrupt {
    /// Whether the instruction that raised this interruption was suppressed or nullified
    /// (GA22-7000 chapter 6, "Program Interruption", the type of ending of each
    /// exception), so that it changed nothing but the PSW swap: then raising it again at
    /// once is a loop. Not the exceptions whose instruction completes (fixed-point and
    /// decimal overflow, exponent overflow and underflow, significance, the
    /// fixed-point-divide of CVB, monitor event, PER): each round of those changes
    /// registers or storage.
    fn leaves_state_unchanged(self) -> bool {
        matches!(self.0, 0x01..=0x07 | 0x0B | 0x0F | 0x10..=0x13 | 0x1D)
    }
}

impl From<AccessFault> for ProgramInterrupt {
    fn from(f: AccessFault) -> Self {
        match f {
            AccessFault::Addressing => ProgramInterrupt::ADDRESSING,
            AccessFault::Protection => ProgramInterrupt::PROTECTION,
        }
    }
}

/// The last program interruption taken (what it stored in low storage, kept for reports
/// such as `vm390 run`'s; SA22-7201 "Program interruption").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramCheck {
    /// The interruption code.
    pub code: u16,
    /// The instruction-length code in bytes (0, 2, 4 or 6).
    pub ilc: u8,
    /// The program old PSW.
    pub old_psw: Psw,
}

/// Result of executing one instruction.
pub type Exec = Result<(), ProgramInterrupt>;

/// Why the CPU stopped running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A wait-state PSW with every interruption disabled.
    DisabledWait,
    /// A program-interruption loop: a program interruption whose new PSW is invalid, or
    /// one whose new PSW makes its first instruction raise the identical interruption
    /// again (see [`ProgramCheckRecord`]).
    ProgramInterruptLoop,
    /// The instruction limit was reached.
    InstructionLimit,
    /// An enabled wait with no interruption that could ever end it.
    EnabledWaitForever,
    /// The supervisor asked to stop (a CP command, end of input).
    Halted,
    /// The next instruction is at the address stop ([`Cpu::stop_address`], CP's ADSTOP),
    /// which is removed: nothing of it has executed.
    AddressStop,
}

/// The control program's side of the virtual machine: what the CPU hands over.
pub trait Supervisor {
    /// DIAGNOSE `code` with register fields `rx`, `ry` (privilege already checked). The default
    /// answer is the specification exception of an unknown code.
    fn diagnose(&mut self, cpu: &mut Cpu, rx: u8, ry: u8, code: u32) -> Exec {
        let _ = (cpu, rx, ry, code);
        Err(ProgramInterrupt::SPECIFICATION)
    }
    /// An S/370 I/O instruction (SIO, SIOF, TIO, CLRIO, HIO, HDV, TCH) for device `addr`;
    /// returns the condition code. Default: not operational.
    fn s370_io(
        &mut self,
        cpu: &mut Cpu,
        op: s390_decoder::Opcode,
        addr: u32,
    ) -> Result<u8, ProgramInterrupt> {
        let _ = (cpu, op, addr);
        Ok(3)
    }
    /// Whether an I/O interruption is pending (checked when the CPU is enabled).
    fn io_pending(&mut self, cpu: &mut Cpu) -> bool {
        let _ = cpu;
        false
    }
    /// Presents a pending I/O interruption (stores what the architecture stores), if any.
    fn take_io_interrupt(&mut self, cpu: &mut Cpu) -> bool {
        let _ = cpu;
        false
    }
    /// The CPU entered an enabled wait with nothing pending: the supervisor may block for input.
    /// Returns false when nothing can ever arrive.
    fn wait(&mut self, cpu: &mut Cpu) -> bool {
        let _ = cpu;
        false
    }
    /// A traced event ([`Cpu::trace`]): the supervisor shows or records it. Returns true
    /// to stop the machine after it (TRACE ... NORUN): [`Cpu::run`] then returns
    /// [`Stop::Halted`]. Default: ignored.
    fn trace(&mut self, cpu: &mut Cpu, event: &TraceEvent) -> bool {
        let _ = (cpu, event);
        false
    }
}

/// Why [`Cpu::run_in_page`] stopped.
#[derive(Clone, Copy, Debug)]
enum PageExit {
    /// At this page offset.
    At(u32),
    /// A branch left the page (or went to an odd address); the PSW has its target.
    Jumped,
    /// The instruction at this page offset raised this exception.
    Fault(u32, ProgramInterrupt),
}

/// A supervisor with no devices that refuses every DIAGNOSE.
#[derive(Debug, Default)]
pub struct NoSupervisor;
impl Supervisor for NoSupervisor {}

/// Low-storage locations (SA22-7201 figure 3-9; GA22-7000 figure 3-4).
pub mod low {
    /// Restart new PSW.
    pub const RESTART_NEW: u32 = 0x00;
    /// Restart old PSW.
    pub const RESTART_OLD: u32 = 0x08;
    /// External old PSW.
    pub const EXTERNAL_OLD: u32 = 0x18;
    /// Supervisor-call old PSW.
    pub const SVC_OLD: u32 = 0x20;
    /// Program old PSW.
    pub const PROGRAM_OLD: u32 = 0x28;
    /// I/O old PSW.
    pub const IO_OLD: u32 = 0x38;
    /// S/370 interval timer.
    pub const INTERVAL_TIMER: u32 = 0x50;
    /// External new PSW.
    pub const EXTERNAL_NEW: u32 = 0x58;
    /// Supervisor-call new PSW.
    pub const SVC_NEW: u32 = 0x60;
    /// Program new PSW.
    pub const PROGRAM_NEW: u32 = 0x68;
    /// I/O new PSW.
    pub const IO_NEW: u32 = 0x78;
    /// CPU address (external interruption).
    pub const EXT_CPU_ADDR: u32 = 0x84;
    /// External-interruption code.
    pub const EXT_CODE: u32 = 0x86;
    /// SVC interruption identification (ILC, code).
    pub const SVC_ID: u32 = 0x88;
    /// Program interruption identification (ILC, code).
    pub const PGM_ID: u32 = 0x8C;
    /// Data-exception code (ESA/390), in the word at X'90'.
    pub const DXC: u32 = 0x90;
    /// Monitor class number.
    pub const MONITOR_CLASS: u32 = 0x95;
    /// Monitor code.
    pub const MONITOR_CODE: u32 = 0x9C;
}

/// External-interruption codes.
pub mod ext {
    /// Interval timer (S/370).
    pub const INTERVAL_TIMER: u16 = 0x0080;
    /// Clock comparator.
    pub const CLOCK_COMPARATOR: u16 = 0x1004;
    /// CPU timer.
    pub const CPU_TIMER: u16 = 0x1005;
}

/// TOD clock: microseconds since 1900 in bits 0-51.
fn host_tod() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // 1900-01-01 to 1970-01-01: 2,208,988,800 seconds.
    let us = (now.as_micros() as u64).wrapping_add(2_208_988_800 * 1_000_000);
    us << 12
}

/// What the loop check keeps of the last program interruption: VM/370's CP stops a virtual
/// machine with DMKDSP452W PROGRAM INTERRUPT LOOP when its program new PSW causes an
/// immediate identical program interruption without executing any instruction (*VM/370
/// System Messages*, GC20-1808, DMKDSP452W). An interruption is identical when its code,
/// its old PSW and the new PSW loaded are the same and no instruction ran in between but the
/// one that raised it (the instruction count moved by at most one): nothing the next one
/// does can then differ, so the guest would loop for ever. Only the exception path looks at
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProgramCheckRecord {
    /// `Cpu::instructions` when it was taken (the faulting instruction counted).
    instructions: u64,
    /// The interruption code.
    code: u16,
    /// The old PSW stored.
    old: [u8; 8],
    /// The new PSW loaded.
    new: [u8; 8],
}

/// One CPU with its storage.
pub struct Cpu {
    /// General registers.
    pub gpr: [u32; 16],
    /// Floating-point registers (short values in the high 32 bits).
    pub fpr: [u64; 16],
    /// Control registers.
    pub cr: [u32; 16],
    /// Access registers.
    pub ar: [u32; 16],
    /// Floating-point-control register.
    pub fpc: u32,
    /// The PSW. While an instruction executes, `psw.ia` already addresses the next one.
    pub psw: Psw,
    /// The architecture (S/370 or ESA/390).
    pub arch: Arch,
    /// Main storage.
    pub mem: Storage,
    /// Instructions executed.
    pub instructions: u64,
    /// Address of the instruction executing (for relative branches and EX).
    pub(crate) cur_ia: u32,
    /// Real address of the page of the instruction executing on the run loop's straight
    /// path (its `Op::off` completes the address).
    pub(crate) cur_base: u32,
    /// Length of the instruction executing (its ILC in bytes; EX's when executed by EX).
    pub(crate) cur_len: u8,
    in_execute: bool,
    /// The data-exception code of a data exception being reported.
    pub(crate) dxc: u8,
    /// The last program interruption taken, if any.
    pub last_program_check: Option<ProgramCheck>,
    /// Clock comparator.
    pub clock_comparator: u64,
    /// CPU timer, kept as the TOD value at which it reaches zero.
    cpu_timer_zero_at: u64,
    tod_offset: i64,
    last_timer_tod: u64,
    pending_ext: Vec<u16>,
    /// Pending external interruptions that carry a subcode (stored at X'84') and a
    /// parameter (stored at X'80'): (code, subcode, parameter).
    ext_params: Vec<(u16, u16, u32)>,
    /// Counts of DIAGNOSE codes executed.
    pub diag_counts: std::collections::BTreeMap<u32, u64>,
    /// Predecoded instructions of the pages that were executed.
    icache: op::ICache,
    /// Compiled regions of hot code.
    jit: jit::Jit,
    /// The last program interruption, for the loop check ([`ProgramCheckRecord`]).
    loop_check: Option<ProgramCheckRecord>,
    /// An address stop (CP's ADSTOP, *VM/370 CP Command Reference*, GC20-1820): [`Cpu::run`]
    /// returns [`Stop::AddressStop`] when the next instruction is at this real address, and
    /// removes the stop. While one is set, `run` executes one instruction per pass of its
    /// loop (interruptions are taken before the check, so the stop is exact); with none
    /// set the loop costs one test per batch of instructions.
    pub stop_address: Option<u32>,
    /// What is traced (CP's TRACE, `vm390 run --trace`; see [`trace`]). While it is not
    /// empty, `run` executes one instruction per pass through the interpreter and hands the
    /// events to [`Supervisor::trace`]; empty, it costs one test per batch and one per
    /// interruption.
    pub trace: TraceMask,
    /// Events recorded and not yet handed to the supervisor.
    trace_events: Vec<TraceEvent>,
    /// An interruption was taken during the instruction being traced.
    trace_interrupted: bool,
}

impl std::fmt::Debug for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cpu")
            .field("psw", &self.psw)
            .field("gpr", &self.gpr)
            .finish()
    }
}

/// The control registers after an initial CPU reset, the one place vm390 gives them (a new
/// CPU, the reset of a virtual machine's IPL, the built-in saved system MINICMS).
///
/// S/370 (GA22-7000-10, "Assignment of Control Register Fields" and "Machine-Check
/// Control-Register Bits"): CR0 X'000000E0' (interval-timer, interrupt-key and
/// external-signal masks), CR2 X'FFFFFFFF' (every channel mask), CR14 X'C2000000'
/// (check-stop control, synchronous MCEL control, external-damage subclass mask), CR15
/// X'00000200' (the machine-check extended-logout address, 512). ESA/390 (SA22-7201,
/// "Assignment of Control Register Fields"): CR0 X'000000E0' and CR14 X'C2000000' as in
/// S/370, no channel masks; CR15 stays X'00000200' as vm390 has set it so far (in ESA/390
/// CR15 is the linkage-stack-entry address, which nothing here uses yet).
pub fn initial_control_registers(arch: Arch) -> [u32; 16] {
    let mut cr = [0u32; 16];
    cr[0] = 0x0000_00E0;
    cr[14] = 0xC200_0000;
    cr[15] = 0x0000_0200;
    if arch == Arch::S370 {
        cr[2] = 0xFFFF_FFFF;
    }
    cr
}

impl Cpu {
    /// A CPU in the reset state with `mem` as its storage.
    pub fn new(arch: Arch, mem: Storage) -> Cpu {
        let cr = initial_control_registers(arch);
        let size = mem.size() as usize;
        let now = host_tod();
        Cpu {
            gpr: [0; 16],
            fpr: [0; 16],
            cr,
            ar: [0; 16],
            fpc: 0,
            psw: Psw::default(),
            arch,
            mem,
            instructions: 0,
            cur_ia: 0,
            cur_base: 0,
            cur_len: 0,
            in_execute: false,
            dxc: 0,
            last_program_check: None,
            clock_comparator: u64::MAX,
            cpu_timer_zero_at: u64::MAX,
            tod_offset: 0,
            last_timer_tod: now,
            pending_ext: Vec::new(),
            ext_params: Vec::new(),
            diag_counts: Default::default(),
            icache: op::ICache::new(size),
            jit: jit::Jit::new(jit::threshold_from_env()),
            loop_check: None,
            stop_address: None,
            trace: TraceMask::NONE,
            trace_events: Vec::new(),
            trace_interrupted: false,
        }
    }

    /// The TOD clock value now.
    pub fn tod(&self) -> u64 {
        (host_tod() as i64).wrapping_add(self.tod_offset) as u64
    }
    /// Sets the TOD clock (SCK).
    pub fn set_tod(&mut self, v: u64) {
        self.tod_offset = (v as i64).wrapping_sub(host_tod() as i64);
    }
    /// The CPU timer value now.
    pub fn cpu_timer(&self) -> i64 {
        if self.cpu_timer_zero_at == u64::MAX {
            return i64::MAX;
        }
        (self.cpu_timer_zero_at as i64).wrapping_sub(self.tod() as i64)
    }
    /// Sets the CPU timer (SPT).
    pub fn set_cpu_timer(&mut self, v: i64) {
        self.cpu_timer_zero_at = (self.tod() as i64).wrapping_add(v) as u64;
    }

    /// Loads the PSW from 8 bytes at absolute 0, as IPL does.
    pub fn ipl_psw(&mut self) -> Result<(), Stop> {
        let b = self.read_psw_at(0);
        let (psw, valid) = Psw::from_bytes(self.arch, b);
        self.psw = psw;
        if valid {
            Ok(())
        } else {
            Err(Stop::ProgramInterruptLoop)
        }
    }

    fn read_psw_at(&self, real: u32) -> [u8; 8] {
        let a = self.mem.absolute(RealAddr(real));
        self.mem.read_u64(a).to_be_bytes()
    }

    fn write_psw_at(&mut self, real: u32, psw: &Psw) {
        let a = self.mem.absolute(RealAddr(real));
        self.mem
            .write_u64(a, u64::from_be_bytes(psw.to_bytes(self.arch)));
        self.icache.invalidate_range(a.0, 8);
    }

    fn write_low_u8(&mut self, real: u32, v: u8) {
        let a = self.mem.absolute(RealAddr(real)).0 as usize;
        self.mem.bytes_mut()[a] = v;
        self.icache.invalidate_range(a as u32, 1);
    }
    fn write_low_u16(&mut self, real: u32, v: u16) {
        let a = self.mem.absolute(RealAddr(real));
        self.mem.write_u16(a, v);
        self.icache.invalidate_range(a.0, 2);
    }

    /// Swaps PSWs for an interruption: stores the current PSW at `old`, loads the one at
    /// `new`. Returns false if the new PSW is invalid.
    fn swap_psw(&mut self, old: u32, new: u32) -> bool {
        let cur = self.psw;
        self.write_psw_at(old, &cur);
        let (psw, valid) = Psw::from_bytes(self.arch, self.read_psw_at(new));
        self.psw = psw;
        valid
    }

    /// Takes a program interruption with the current instruction's ILC. Returns false on a
    /// program-interruption loop: the program new PSW is invalid, or it raised this identical
    /// interruption at once ([`ProgramCheckRecord`]).
    pub fn program_interrupt(&mut self, code: ProgramInterrupt) -> bool {
        let ilc = self.cur_len;
        self.program_interrupt_ilc(code, ilc)
    }

    fn program_interrupt_ilc(&mut self, code: ProgramInterrupt, ilc_bytes: u8) -> bool {
        if self.psw.bc_mode(self.arch) {
            self.psw.int_code = code.0;
            self.psw.ilc = ilc_bytes >> 1;
        } else {
            self.write_low_u8(low::PGM_ID, 0);
            self.write_low_u8(low::PGM_ID + 1, ilc_bytes);
            self.write_low_u16(low::PGM_ID + 2, code.0);
            // A data exception stores its data-exception code in the word at X'90'
            // (SA22-7201 "Data-exception code"): 0 for decimal operands, 1 for an AFP
            // register used while the AFP-register control is off.
            if code == ProgramInterrupt::DATA && self.arch == Arch::Esa390 {
                let dxc = std::mem::take(&mut self.dxc);
                // With the AFP-register control on, the DXC goes into the FPC too
                // (SA22-7201 "Data-exception code").
                if self.cr[0] & 0x0004_0000 != 0 {
                    self.fpc = (self.fpc & !0xFF00) | (dxc as u32) << 8;
                }
                let a = self.mem.absolute(RealAddr(low::DXC));
                self.mem.write_u32(a, dxc as u32);
                self.icache.invalidate_range(a.0, 4);
            }
        }
        self.last_program_check = Some(ProgramCheck {
            code: code.0,
            ilc: ilc_bytes,
            old_psw: self.psw,
        });
        let old = self.psw.to_bytes(self.arch);
        if !self.swap_psw(low::PROGRAM_OLD, low::PROGRAM_NEW) {
            return false;
        }
        if !self.trace.is_empty() {
            let kind = TraceKind::Program {
                code: code.0,
                new_ia: self.psw.ia,
            };
            self.trace_interruption(TraceMask::PROGRAM, kind, old);
        }
        let now = ProgramCheckRecord {
            instructions: self.instructions,
            code: code.0,
            old,
            new: self.psw.to_bytes(self.arch),
        };
        let looping = self.loop_check.is_some_and(|p| {
            code.leaves_state_unchanged()
                && p.code == now.code
                && p.old == now.old
                && p.new == now.new
                && now.instructions <= p.instructions.saturating_add(1)
        });
        self.loop_check = Some(now);
        !looping
    }

    fn svc_interrupt(&mut self, code: u8) -> bool {
        let ilc = self.cur_len;
        if self.psw.bc_mode(self.arch) {
            self.psw.int_code = code as u16;
            self.psw.ilc = ilc >> 1;
        } else {
            self.write_low_u8(low::SVC_ID, 0);
            self.write_low_u8(low::SVC_ID + 1, ilc);
            self.write_low_u16(low::SVC_ID + 2, code as u16);
        }
        let old = self.psw.to_bytes(self.arch);
        let valid = self.swap_psw(low::SVC_OLD, low::SVC_NEW);
        if !self.trace.is_empty() {
            let kind = TraceKind::Svc {
                code: code as u16,
                new_ia: self.psw.ia,
            };
            self.trace_interruption(TraceMask::SVC, kind, old);
        }
        valid
    }

    /// Presents an external interruption with `code`.
    pub fn external_interrupt(&mut self, code: u16) -> bool {
        let with = self.ext_params.iter().position(|p| p.0 == code);
        let with = with.map(|i| self.ext_params.remove(i));
        if self.psw.bc_mode(self.arch) {
            self.psw.int_code = code;
        } else {
            self.write_low_u16(low::EXT_CPU_ADDR, with.map_or(0, |p| p.1));
            self.write_low_u16(low::EXT_CODE, code);
            if let Some((_, _, param)) = with {
                self.write_low_u16(0x80, (param >> 16) as u16);
                self.write_low_u16(0x82, param as u16);
            }
        }
        let old = self.psw.to_bytes(self.arch);
        let valid = self.swap_psw(low::EXTERNAL_OLD, low::EXTERNAL_NEW);
        if !self.trace.is_empty() {
            let kind = TraceKind::External {
                code,
                new_ia: self.psw.ia,
            };
            self.trace_interruption(TraceMask::EXTERNAL, kind, old);
        }
        valid
    }

    /// Queues external interruption `code` carrying `subcode` (stored in the halfword at
    /// X'84', where other external interruptions store the CPU address) and the
    /// external-interruption parameter `param` (the word at X'80'), as the service-signal
    /// class does (SA22-7201 "Service Signal"; DIAGNOSE X'250' block-I/O completion X'2603').
    pub fn raise_external_param(&mut self, code: u16, subcode: u16, param: u32) {
        self.ext_params.retain(|p| p.0 != code);
        self.ext_params.push((code, subcode, param));
        self.raise_external(code);
    }

    /// Whether external interruption `code` is pending.
    pub fn external_pending(&self, code: u16) -> bool {
        self.pending_ext.contains(&code)
    }

    /// Presents an I/O interruption: stores the old PSW (with `bc_code`, the device address, in
    /// BC mode) and loads the I/O new PSW. The caller has stored the CSW.
    pub fn io_interrupt(&mut self, bc_code: u16) -> bool {
        if self.psw.bc_mode(self.arch) {
            self.psw.int_code = bc_code;
        } else if self.arch == Arch::S370 {
            // EC mode: the device address goes to X'BA'.
            self.write_low_u16(0xBA, bc_code);
        }
        let old = self.psw.to_bytes(self.arch);
        let valid = self.swap_psw(low::IO_OLD, low::IO_NEW);
        if !self.trace.is_empty() {
            let csw = self.read_psw_at(0x40);
            let kind = TraceKind::Io {
                device: bc_code,
                new_ia: self.psw.ia,
                csw,
            };
            self.trace_interruption(TraceMask::IO, kind, old);
        }
        valid
    }

    /// Queues an external interruption (presented when the CPU is enabled).
    pub fn raise_external(&mut self, code: u16) {
        if !self.pending_ext.contains(&code) {
            self.pending_ext.push(code);
        }
    }

    /// Updates the timers and queues their external interruptions.
    fn tick_timers(&mut self) {
        let now = self.tod();
        // Clock comparator: CR0 bit 20 subclass mask (X'00000800').
        if self.clock_comparator != u64::MAX
            && now > self.clock_comparator
            && self.cr[0] & 0x800 != 0
        {
            self.raise_external(ext::CLOCK_COMPARATOR);
        }
        // CPU timer: CR0 bit 21 (X'00000400').
        if self.cpu_timer_zero_at != u64::MAX && self.cpu_timer() < 0 && self.cr[0] & 0x400 != 0 {
            self.raise_external(ext::CPU_TIMER);
        }
        if self.arch == Arch::S370 {
            // Interval timer at X'50': bit 23 is 1/300 s; CR0 bit 24 (X'80') is its mask.
            let elapsed_us = (now.wrapping_sub(self.last_timer_tod) >> 12) as i64;
            let units = elapsed_us * 300 * 256 / 1_000_000; // bit 31 units (1/76800 s)
            if units > 0 {
                self.last_timer_tod = now;
                let a = self.mem.absolute(RealAddr(low::INTERVAL_TIMER));
                let old = self.mem.read_u32(a) as i32;
                let new = old.wrapping_sub(units as i32);
                self.mem.write_u32(a, new as u32);
                if old >= 0 && new < 0 && self.cr[0] & 0x80 != 0 {
                    self.raise_external(ext::INTERVAL_TIMER);
                }
            }
        }
    }

    /// Moves the TOD clock forward to the next timer event (clock comparator, CPU timer,
    /// S/370 interval timer); false when no armed timer will ever fire.
    fn skip_to_next_timer(&mut self) -> bool {
        let now = self.tod();
        let mut target = u64::MAX;
        if self.clock_comparator != u64::MAX && self.cr[0] & 0x800 != 0 {
            target = target.min(self.clock_comparator.saturating_add(1 << 12));
        }
        if self.cpu_timer_zero_at != u64::MAX && self.cr[0] & 0x400 != 0 {
            target = target.min(self.cpu_timer_zero_at.saturating_add(1 << 12));
        }
        if self.arch == Arch::S370 && self.cr[0] & 0x80 != 0 {
            let a = self.mem.absolute(RealAddr(low::INTERVAL_TIMER));
            let v = self.mem.read_u32(a) as i32;
            if v >= 0 {
                // Bit 31 of the interval timer is 1/76800 s; the TOD's bit 51 is 1 us.
                let us = (v as u64 + 1) * 1_000_000 / 76_800 + 1;
                target = target.min(now.saturating_add(us << 12));
            }
        }
        if target == u64::MAX {
            return false;
        }
        if target > now {
            self.tod_offset = self.tod_offset.wrapping_add((target - now) as i64);
        }
        self.tick_timers();
        true
    }

    /// Presents a pending external interruption if enabled. Returns Err on an invalid new PSW.
    fn take_pending(&mut self, sup: &mut dyn Supervisor) -> Result<bool, Stop> {
        if self.psw.ext_enabled() && !self.pending_ext.is_empty() {
            let code = self.pending_ext.remove(0);
            // An interruption between two program checks changes what the next one does.
            self.loop_check = None;
            if !self.external_interrupt(code) {
                return Err(Stop::ProgramInterruptLoop);
            }
            return Ok(true);
        }
        if self.psw.io_enabled(self.arch) && sup.io_pending(self) {
            let taken = sup.take_io_interrupt(self);
            if taken {
                self.loop_check = None;
                let (_, valid) = Psw::from_bytes(self.arch, self.psw.to_bytes(self.arch));
                if !valid {
                    return Err(Stop::ProgramInterruptLoop);
                }
            }
            return Ok(taken);
        }
        Ok(false)
    }

    /// Runs until a stop condition or `limit` instructions (counted in `self.instructions`).
    pub fn run(&mut self, sup: &mut dyn Supervisor, limit: u64) -> Stop {
        const BATCH: u64 = 4096;
        let mut idle = 0u64;
        loop {
            self.tick_timers();
            if let Err(stop) = self.take_pending(sup) {
                return stop;
            }
            if !self.trace.is_empty() {
                // Cold: tracing (see `trace`): the events of interruptions taken above.
                if let Some(stop) = self.flush_trace(sup) {
                    return stop;
                }
            }
            if self.psw.wait() {
                let enabled = self.psw.ext_enabled() || self.psw.io_enabled(self.arch);
                if !enabled {
                    return Stop::DisabledWait;
                }
                // Enabled wait: until an interruption is due.
                let timers_armed = self.psw.ext_enabled()
                    && ((self.clock_comparator != u64::MAX && self.cr[0] & 0x800 != 0)
                        || (self.cpu_timer_zero_at != u64::MAX && self.cr[0] & 0x400 != 0)
                        || (self.arch == Arch::S370 && self.cr[0] & 0x80 != 0));
                if self.psw.ext_enabled() && !self.pending_ext.is_empty() {
                    continue;
                }
                if sup.wait(self) {
                    continue;
                }
                // Nothing but a timer can end this wait: let virtual time pass to the next
                // timer event at once, as an idle virtual machine's time passes. Each such
                // wait counts against the limit so a guest that only ever waits still stops.
                if timers_armed && self.skip_to_next_timer() {
                    idle += 1;
                    if self.instructions.saturating_add(idle) >= limit {
                        return Stop::InstructionLimit;
                    }
                    continue;
                }
                return Stop::EnabledWaitForever;
            }
            let mut batch = BATCH;
            if let Some(at) = self.stop_address {
                // Cold: an address stop is set (see `stop_address`).
                if self.psw.ia == at {
                    self.stop_address = None;
                    return Stop::AddressStop;
                }
                batch = 1;
            }
            if self.instructions >= limit {
                return Stop::InstructionLimit;
            }
            if !self.trace.is_empty() {
                // Cold: tracing, one instruction at a time through the interpreter.
                if let Some(stop) = self.trace_step(sup) {
                    return stop;
                }
                continue;
            }
            let budget = (limit - self.instructions).min(batch);
            if let Err(stop) = self.run_batch(sup, budget) {
                return stop;
            }
        }
    }

    /// Executes up to `budget` instructions; returns early on a PSW change that needs the
    /// outer loop (wait state, enabling).
    ///
    /// The loop runs through the predecoded slots of one page at a time
    /// ([`Cpu::run_in_page`]). A [`op::Flow::Straight`] instruction (branches included) is
    /// called with only its own address stored; the PSW's instruction address is brought up
    /// to date when the run leaves the page or ends, when an instruction raises an exception,
    /// or by a branch taken. Anything else gets the updated PSW, its length and the count, and
    /// the page is looked up again after it.
    fn run_batch(&mut self, sup: &mut dyn Supervisor, budget: u64) -> Result<(), Stop> {
        let start = self.instructions;
        let mut left = budget;
        let result = 'batch: loop {
            if left == 0 {
                break Ok(());
            }
            let ia = self.psw.ia;
            let abs = self.mem.absolute(RealAddr(ia));
            if ia & 1 != 0 || !self.mem.contains(abs, 2) {
                left -= 1;
                self.instructions = start + (budget - left);
                if let Err(stop) = self.step_uncached(sup, ia) {
                    break Err(stop);
                }
                continue;
            }
            if self.jit.enabled() {
                match self.jit_run(ia, abs.0, left) {
                    // Ran(0): the budget is smaller than the region's first block.
                    jit::JitRun::Interpret | jit::JitRun::Ran(0) => {}
                    jit::JitRun::Ran(n) => {
                        left -= n;
                        continue 'batch;
                    }
                    jit::JitRun::Fault(n, at, op, code) => {
                        left -= n;
                        match self.exception_at(sup, at, &op, code, start + (budget - left)) {
                            None => continue 'batch,
                            Some(r) => break 'batch r,
                        }
                    }
                }
            }
            let page = self.icache.page(abs.0);
            let base = ia & !0xFFF;
            let (exit, now_left) = self.run_in_page(&page, base, ia & 0xFFF, left);
            left = now_left;
            let off = match exit {
                PageExit::Jumped => continue 'batch,
                PageExit::Fault(at, code) => {
                    let op = page.slot(at).op;
                    match self.exception_at(sup, base | at, &op, code, start + (budget - left)) {
                        None => continue 'batch,
                        Some(r) => break 'batch r,
                    }
                }
                PageExit::At(at) => at,
            };
            if off >= 0x1000 || left == 0 {
                self.psw.ia = (base + off) & self.psw.amask();
                continue 'batch;
            }
            let slot = page.slot(off);
            if !slot.valid() {
                // Decode (storing into the cache needs the page let go of), execute.
                drop(page);
                self.psw.ia = base | off;
                left -= 1;
                self.instructions = start + (budget - left);
                match self.step_uncached(sup, base | off) {
                    Ok(true) => continue 'batch,
                    Ok(false) => break 'batch Ok(()),
                    Err(stop) => break 'batch Err(stop),
                }
            }
            // Anything else gets the updated PSW, its length and the count, and the page
            // is looked up again after it. The page is let go of first: such an
            // instruction (EX) may decode into it.
            let op = slot.op;
            drop(page);
            left -= 1;
            self.enter(base | off, op.len);
            self.instructions = start + (budget - left);
            if let Err(code) = (op.handler)(self, &op) {
                match self.after_exception(sup, &op, code) {
                    None => continue 'batch,
                    Some(r) => break 'batch r,
                }
            }
            continue 'batch;
        };
        self.instructions = start + (budget - left);
        result
    }

    /// Runs the straight-line instructions ([`op::Flow::Straight`], including the branches of
    /// `fast.rs`) of `page` (real page `base`) from page offset `off` on, following branches
    /// taken inside the page, with `left` instructions allowed. Returns why it stopped and
    /// what is left: [`PageExit::At`] an offset where the caller takes over (the end of the
    /// page, the limit, or an instruction that is not straight or not decoded),
    /// [`PageExit::Jumped`] out of the page (the PSW has the target), or
    /// [`PageExit::Fault`] an exception of the instruction at an offset (counted). It keeps
    /// little state so that all of it lives in registers across the handler calls.
    #[inline(never)]
    fn run_in_page(
        &mut self,
        page: &op::Page,
        base: u32,
        mut off: u32,
        mut left: u64,
    ) -> (PageExit, u64) {
        self.cur_base = base;
        // With regions compiled, every branch taken goes back to the run loop, which counts
        // the entries and runs the regions.
        let stay = !self.jit.enabled();
        loop {
            if left == 0 {
                return (PageExit::At(off), left);
            }
            let slot = page.slot(off);
            if !slot.straight() {
                return (PageExit::At(off), left);
            }
            let op = &slot.op;
            left -= 1;
            match (op.handler)(self, op) {
                Ok(()) => {
                    off += op.len as u32;
                    if off >= 0x1000 {
                        return (PageExit::At(off), left);
                    }
                }
                Err(ProgramInterrupt::JUMPED) => {
                    let next = self.psw.ia;
                    if next & !0xFFF != base || next & 1 != 0 || !stay {
                        return (PageExit::Jumped, left);
                    }
                    off = next & 0xFFF;
                }
                Err(code) => return (PageExit::Fault(off, code), left),
            }
        }
    }

    /// Fetches (decoding and caching when it can) and executes the instruction at `ia`,
    /// which the cache does not hold. Ok(true) to go on, Ok(false) to end the batch.
    #[cold]
    fn step_uncached(&mut self, sup: &mut dyn Supervisor, ia: u32) -> Result<bool, Stop> {
        match self.fetch_op(ia) {
            Ok(op) => match self.step(sup, ia, &op) {
                None => Ok(true),
                Some(Ok(())) => Ok(false),
                Some(Err(stop)) => Err(stop),
            },
            Err(code) => {
                if !self.program_interrupt_ilc(code, self.cur_len) {
                    return Err(Stop::ProgramInterruptLoop);
                }
                Ok(false)
            }
        }
    }

    /// Makes the instruction at `ia` of `len` bytes the one executing, as the general
    /// handlers and the interruptions expect: its address and length stored, the PSW's
    /// instruction address at the next one.
    #[inline(always)]
    fn enter(&mut self, ia: u32, len: u8) {
        self.cur_ia = ia;
        self.cur_len = len;
        self.psw.ia = ia.wrapping_add(len as u32) & self.psw.amask();
    }

    /// Executes one instruction at `ia` (already counted). None to go on; Some to end the
    /// batch.
    #[inline(always)]
    fn step(&mut self, sup: &mut dyn Supervisor, ia: u32, op: &Op) -> Option<Result<(), Stop>> {
        let mut op = *op;
        op.off = (ia & 0xFFF) as u16;
        self.cur_base = ia & !0xFFF;
        self.enter(ia, op.len);
        match (op.handler)(self, &op) {
            Ok(()) => None,
            Err(code) => self.after_exception(sup, &op, code),
        }
    }

    /// The exception `code` of `op` at `ia`, reported by a run that did not keep the PSW up
    /// to date, with `instructions` counted (that one included). None to go on; Some to end
    /// the batch.
    #[cold]
    fn exception_at(
        &mut self,
        sup: &mut dyn Supervisor,
        ia: u32,
        op: &Op,
        code: ProgramInterrupt,
        instructions: u64,
    ) -> Option<Result<(), Stop>> {
        self.enter(ia, op.len);
        self.instructions = instructions;
        self.after_exception(sup, op, code)
    }

    #[cold]
    fn after_exception(
        &mut self,
        sup: &mut dyn Supervisor,
        op: &Op,
        code: ProgramInterrupt,
    ) -> Option<Result<(), Stop>> {
        if code == ProgramInterrupt::JUMPED {
            return None;
        }
        let code = if code == exec::NEEDS_SUPERVISOR {
            match self.execute_supervised(sup, op) {
                Ok(()) => return None,
                Err(c) => c,
            }
        } else {
            code
        };
        if code == exec::STOP_BATCH {
            return Some(Ok(()));
        }
        if !self.program_interrupt(code) {
            return Some(Err(Stop::ProgramInterruptLoop));
        }
        Some(Ok(()))
    }

    /// Fetches (from the predecoded cache, or decodes) the instruction at `ia`.
    #[inline(always)]
    fn fetch_op(&mut self, ia: u32) -> Result<Op, ProgramInterrupt> {
        if ia & 1 != 0 {
            self.cur_len = 0;
            return Err(ProgramInterrupt::SPECIFICATION);
        }
        let abs = self.mem.absolute(RealAddr(ia));
        if let Some(op) = self.icache.get(abs.0) {
            return Ok(op);
        }
        self.fetch_op_slow(ia, abs)
    }

    #[cold]
    fn fetch_op_slow(&mut self, ia: u32, abs: AbsAddr) -> Result<Op, ProgramInterrupt> {
        let bytes = self.fetch_instruction_bytes(ia, abs)?;
        let op = Op::decode(self.arch, &bytes);
        if op.len > 0 && (ia & 0xFFF) + op.len as u32 <= 0x1000 {
            self.icache.put(abs.0, op, self.mem.size());
        }
        self.cur_len = op.len;
        Ok(op)
    }

    fn fetch_instruction_bytes(
        &mut self,
        ia: u32,
        abs: AbsAddr,
    ) -> Result<[u8; 6], ProgramInterrupt> {
        let mut bytes = [0u8; 6];
        if !self.mem.contains(abs, 2) {
            self.cur_len = 0;
            return Err(ProgramInterrupt::ADDRESSING);
        }
        if ia & 0xFFF <= 0x1000 - 6 && self.mem.contains(abs, 6) {
            // All six bytes in the page (and so at consecutive absolute addresses).
            let a = abs.0 as usize;
            bytes.copy_from_slice(&self.mem.bytes()[a..a + 6]);
            self.cur_len = s390_decoder::instruction_length(bytes[0]) as u8;
            return Ok(bytes);
        }
        bytes[0] = self.mem.bytes()[abs.0 as usize];
        bytes[1] = self.mem.bytes()[abs.0 as usize + 1];
        let len = s390_decoder::instruction_length(bytes[0]);
        self.cur_len = len as u8;
        for (i, b) in bytes.iter_mut().enumerate().take(len).skip(2) {
            let a = self
                .mem
                .absolute(RealAddr(ia.wrapping_add(i as u32) & self.psw.amask()));
            if !self.mem.contains(a, 1) {
                return Err(ProgramInterrupt::ADDRESSING);
            }
            *b = self.mem.bytes()[a.0 as usize];
        }
        Ok(bytes)
    }

    /// Marks `len` bytes from absolute address `abs` as stored into, so predecoded
    /// instructions (and compiled regions) there are redone. The control program calls it
    /// after it changes guest storage outside the CPU (a DIAGNOSE reading a block into the
    /// guest, a CP command altering storage).
    #[inline(always)]
    pub fn stored(&self, abs: u32, len: u32) {
        self.icache.invalidate_range(abs, len);
    }

    /// Invalidates every predecoded instruction (after storage was changed from outside).
    pub fn invalidate_all(&self) {
        self.icache.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BC-mode S/370 CPU on 64K of zeroed storage at PSW `psw`.
    fn cpu_at(psw: [u8; 8]) -> Cpu {
        let mut cpu = Cpu::new(Arch::S370, Storage::new(64 * 1024).unwrap());
        cpu.psw = Psw::from_bytes(Arch::S370, psw).0;
        cpu
    }

    /// Zeroed storage: the zero PSW addresses X'00', opcode X'00' is an operation
    /// exception, and the program new PSW at X'68' is the zero PSW again. Every PSW is
    /// valid, yet nothing can ever change: the loop is caught at its second round.
    #[test]
    fn program_check_loop_through_a_valid_new_psw() {
        let mut cpu = cpu_at([0; 8]);
        let stop = cpu.run(&mut NoSupervisor, 10_000_000);
        assert_eq!(stop, Stop::ProgramInterruptLoop);
        assert!(cpu.instructions <= 3, "{} instructions", cpu.instructions);
        // The operation exception was presented: code 1 in the old PSW at X'28'.
        assert_eq!(cpu.mem.read_u16(AbsAddr(0x2A)), 0x0001);
    }

    /// A fixed-point overflow completes its instruction: AR 1,1 at the program new PSW's
    /// address overflows twice in a row (X'40000000' doubled, then X'80000000' doubled,
    /// each CC 3 with an identical old PSW) but changes R1 each round, and the third round
    /// runs on. Not a loop.
    #[test]
    fn a_completing_exception_is_not_a_loop() {
        // BC-mode PSW, program mask X'8' (fixed-point overflow) in byte 4.
        let psw = [0, 0, 0, 0, 0x08, 0, 0x10, 0];
        let mut cpu = cpu_at(psw);
        cpu.mem.load(AbsAddr(0x68), &psw).unwrap();
        // X'1000': AR 1,1; then a disabled-wait LPSW.
        cpu.mem
            .load(AbsAddr(0x1000), &[0x1A, 0x11, 0x82, 0x00, 0x0F, 0x00])
            .unwrap();
        cpu.mem
            .load(AbsAddr(0xF00), &[0x00, 0x02, 0, 0, 0, 0, 0, 0])
            .unwrap();
        cpu.gpr[1] = 0x4000_0000;
        let stop = cpu.run(&mut NoSupervisor, 1000);
        assert_eq!(stop, Stop::DisabledWait);
        assert_eq!(cpu.gpr[1], 0);
    }

    /// A program-check handler that runs an instruction before it goes back (here: it
    /// counts in R1, then LPSW X'28' resumes after the failing halfword, so each round's
    /// old PSW differs) is a program, not a loop: it runs to the limit.
    #[test]
    fn a_handler_that_runs_is_not_a_loop() {
        let mut cpu = cpu_at([0, 0, 0, 0, 0, 0, 0x10, 0]);
        cpu.mem
            .load(AbsAddr(0x68), &[0, 0, 0, 0, 0, 0, 0x20, 0])
            .unwrap();
        // X'2000': LA 1,1(1); LPSW X'28'.
        cpu.mem
            .load(
                AbsAddr(0x2000),
                &[0x41, 0x11, 0x00, 0x01, 0x82, 0x00, 0x00, 0x28],
            )
            .unwrap();
        let stop = cpu.run(&mut NoSupervisor, 3000);
        assert_eq!(stop, Stop::InstructionLimit);
        assert!(cpu.gpr[1] > 500, "R1 = {}", cpu.gpr[1]);
    }

    /// A handler that executes one instruction (LPSW of a fixed PSW back to the failing
    /// X'1000') makes every round identical, but an instruction ran between the program
    /// checks: not CP's loop (no new PSW that faults at once), so it runs to the limit.
    #[test]
    fn an_instruction_between_program_checks_is_not_a_loop() {
        let mut cpu = cpu_at([0, 0, 0, 0, 0, 0, 0x10, 0]);
        cpu.mem
            .load(AbsAddr(0x68), &[0, 0, 0, 0, 0, 0, 0x20, 0])
            .unwrap();
        // X'2000': LPSW X'2100'; X'2100': the PSW of X'1000'.
        cpu.mem
            .load(AbsAddr(0x2000), &[0x82, 0x00, 0x21, 0x00])
            .unwrap();
        cpu.mem
            .load(AbsAddr(0x2100), &[0, 0, 0, 0, 0, 0, 0x10, 0])
            .unwrap();
        let stop = cpu.run(&mut NoSupervisor, 1000);
        assert_eq!(stop, Stop::InstructionLimit);
    }

    /// An address stop ends the run before the instruction at its address, even in a loop
    /// that ran hot (predecoded, possibly compiled) before the stop was set; it is removed
    /// when reached, so the next run goes on from there.
    #[test]
    fn an_address_stop_stops_before_the_instruction_and_is_removed() {
        let mut cpu = cpu_at([0, 0, 0, 0, 0, 0, 0x10, 0]);
        // X'1000': LA 1,1(1); LA 2,1(2); BR 3 (R3 = X'1000').
        cpu.mem
            .load(
                AbsAddr(0x1000),
                &[0x41, 0x11, 0, 1, 0x41, 0x22, 0, 1, 0x07, 0xF3],
            )
            .unwrap();
        cpu.gpr[3] = 0x1000;
        assert_eq!(cpu.run(&mut NoSupervisor, 30_000), Stop::InstructionLimit);
        cpu.stop_address = Some(0x1004);
        let before = cpu.instructions;
        assert_eq!(cpu.run(&mut NoSupervisor, 60_000), Stop::AddressStop);
        assert_eq!(cpu.psw.ia, 0x1004);
        assert_eq!(cpu.gpr[1], cpu.gpr[2] + 1, "stopped between the two LAs");
        assert!(cpu.instructions - before <= 3);
        assert_eq!(cpu.stop_address, None);
        assert_eq!(cpu.run(&mut NoSupervisor, 60_000), Stop::InstructionLimit);
        assert_eq!(cpu.gpr[1], cpu.gpr[2]);
    }
}
