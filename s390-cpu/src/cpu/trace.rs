//! Tracing of virtual machine events, the machine's half of CP's TRACE command (VM/370 R6
//! `TRACE HELPCMD`/`HELPCMD2`) and of `vm390 run --trace`.
//!
//! [`Cpu::trace`] is a mask of [`TraceMask`] classes. With it empty nothing here runs: the
//! run loop tests it once per pass (a batch of instructions or an interruption), and each
//! interruption routine once. With any class on, [`Cpu::run`] executes one instruction per
//! pass through the interpreter (never a compiled region), records the events of that
//! instruction ([`TraceEvent`]) and hands them to [`Supervisor::trace`], which formats them
//! and says whether the machine stops (`NORUN`): then `run` returns [`Stop::Halted`].

use s390_decoder::{Opcode, Privilege};

use super::{Cpu, Op, Stop, Supervisor};
use crate::storage::RealAddr;

/// The classes of events traced, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceMask(pub u32);

impl TraceMask {
    /// No tracing.
    pub const NONE: Self = Self(0);
    /// SVC interruptions.
    pub const SVC: Self = Self(1 << 0);
    /// Program interruptions.
    pub const PROGRAM: Self = Self(1 << 1);
    /// External interruptions.
    pub const EXTERNAL: Self = Self(1 << 2);
    /// I/O interruptions.
    pub const IO: Self = Self(1 << 3);
    /// The CSW stored by an I/O interruption (the event carries it; the I/O class must be
    /// on too).
    pub const CSW: Self = Self(1 << 4);
    /// The S/370 I/O instructions (SIO, SIOF, TIO, CLRIO, HIO, HDV, TCH).
    pub const SIO: Self = Self(1 << 5);
    /// The channel programs of SIO (the supervisor lists them; SIO must be on too).
    pub const CCW: Self = Self(1 << 6);
    /// Non-I/O privileged instructions, after they executed.
    pub const PRIV: Self = Self(1 << 7);
    /// The PSW instructions (LPSW, SSM, STOSM, STNSM), as PRIV shows them.
    pub const PSW: Self = Self(1 << 8);
    /// Successful branches (a new instruction address without an interruption).
    pub const BRANCH: Self = Self(1 << 9);
    /// Every instruction.
    pub const INSTRUCT: Self = Self(1 << 10);
    /// DIAGNOSE with its code, registers on entry and exit and condition code (a vm390
    /// addition).
    pub const DIAG: Self = Self(1 << 11);

    /// Whether any class of `other` is on.
    #[inline(always)]
    pub fn has(self, other: TraceMask) -> bool {
        self.0 & other.0 != 0
    }
    /// Whether nothing is traced.
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for TraceMask {
    type Output = TraceMask;
    fn bitor(self, o: TraceMask) -> TraceMask {
        TraceMask(self.0 | o.0)
    }
}

impl std::ops::BitOrAssign for TraceMask {
    fn bitor_assign(&mut self, o: TraceMask) {
        self.0 |= o.0;
    }
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// An SVC interruption with its code.
    Svc { code: u16, new_ia: u32 },
    /// A program interruption with its code.
    Program { code: u16, new_ia: u32 },
    /// An external interruption with its code.
    External { code: u16, new_ia: u32 },
    /// An I/O interruption from `device`, with the CSW at X'40' (S/370).
    Io {
        device: u16,
        new_ia: u32,
        csw: [u8; 8],
    },
    /// An instruction that executed (INSTRUCT).
    Instruction,
    /// A successful branch to `target`.
    Branch { target: u32 },
    /// A privileged instruction that executed, with the PSW after it.
    Privileged { psw: [u8; 8] },
    /// An S/370 I/O instruction for `device` and its condition code, and the CAW at X'48'.
    IoInstruction {
        opcode: Opcode,
        device: u16,
        cc: u8,
        caw: u32,
    },
    /// A DIAGNOSE: its code, register numbers, their values on entry and on exit, the
    /// condition code after it, and the program interruption it ended with, if any.
    Diagnose {
        code: u32,
        rx: u8,
        ry: u8,
        entry: [u32; 2],
        exit: [u32; 2],
        cc: u8,
        program: Option<u16>,
    },
}

/// One traced event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// What happened.
    pub kind: TraceKind,
    /// The instruction's address; for an interruption the old PSW's instruction address.
    pub ia: u32,
    /// The instruction's bytes (`len` of them; none for an interruption).
    pub insn: [u8; 6],
    /// The instruction's length in bytes (0 for an interruption).
    pub len: u8,
    /// The PSW: the old PSW of an interruption, else the PSW after the instruction.
    pub psw: [u8; 8],
}

impl Cpu {
    /// Records an interruption of class `class` (called by the interruption routines after
    /// they stored the old PSW and loaded the new one, only when [`Cpu::trace`] is not
    /// empty).
    #[cold]
    pub(super) fn trace_interruption(&mut self, class: TraceMask, kind: TraceKind, old: [u8; 8]) {
        self.trace_interrupted = true;
        if !self.trace.has(class) {
            return;
        }
        let ia = u32::from_be_bytes([old[4], old[5], old[6], old[7]]) & 0x7FFF_FFFF;
        let ia = if self.psw.bc_mode(self.arch) || self.arch == s390_decoder::Arch::S370 {
            ia & 0x00FF_FFFF
        } else {
            ia
        };
        self.trace_events.push(TraceEvent {
            kind,
            ia,
            insn: [0; 6],
            len: 0,
            psw: old,
        });
    }

    /// The bytes of the instruction of `len` bytes at real `ia` (zeros where there is no
    /// storage).
    fn trace_bytes(&self, ia: u32, len: u8) -> [u8; 6] {
        let mut b = [0u8; 6];
        for (i, x) in b.iter_mut().enumerate().take(len as usize) {
            let a = self
                .mem
                .absolute(RealAddr(ia.wrapping_add(i as u32) & self.psw.amask()));
            if self.mem.contains(a, 1) {
                *x = self.mem.bytes()[a.0 as usize];
            }
        }
        b
    }

    /// Records an instruction event of `kind` for `op` at `ia`.
    pub(super) fn trace_instruction(&mut self, kind: TraceKind, ia: u32, len: u8) {
        let insn = self.trace_bytes(ia, len);
        let psw = self.psw.to_bytes(self.arch);
        self.trace_events.push(TraceEvent {
            kind,
            ia,
            insn,
            len,
            psw,
        });
    }

    /// DIAGNOSE `code` traced: the supervisor's call with the registers before and after.
    #[cold]
    pub(super) fn traced_diagnose(
        &mut self,
        sup: &mut dyn Supervisor,
        rx: u8,
        ry: u8,
        code: u32,
    ) -> super::Exec {
        let (ia, len) = (self.cur_ia, self.cur_len);
        let entry = [self.gpr[rx as usize & 15], self.gpr[ry as usize & 15]];
        let r = sup.diagnose(self, rx, ry, code);
        let exit = [self.gpr[rx as usize & 15], self.gpr[ry as usize & 15]];
        let program = match r {
            Err(c) if c.0 < 0x100 => Some(c.0),
            _ => None,
        };
        let kind = TraceKind::Diagnose {
            code,
            rx,
            ry,
            entry,
            exit,
            cc: self.psw.cc,
            program,
        };
        self.trace_instruction(kind, ia, len);
        r
    }

    /// Records S/370 I/O instruction `opcode` for `device` that ended with `cc`.
    #[cold]
    pub(super) fn trace_io_instruction(&mut self, opcode: Opcode, device: u16, cc: u8) {
        let caw = u32::from_be_bytes(self.trace_bytes_at(0x48));
        let kind = TraceKind::IoInstruction {
            opcode,
            device,
            cc,
            caw,
        };
        self.trace_instruction(kind, self.cur_ia, self.cur_len);
    }

    /// The word at real `at`.
    fn trace_bytes_at(&self, at: u32) -> [u8; 4] {
        let b = self.trace_bytes(at, 4);
        [b[0], b[1], b[2], b[3]]
    }

    /// Hands the recorded events to the supervisor; `Some(Stop::Halted)` when it asks
    /// the machine to stop.
    #[cold]
    pub(super) fn flush_trace(&mut self, sup: &mut dyn Supervisor) -> Option<Stop> {
        let mut stop = false;
        let events = std::mem::take(&mut self.trace_events);
        for e in &events {
            stop |= sup.trace(self, e);
        }
        stop.then_some(Stop::Halted)
    }

    /// Executes the next instruction through the interpreter, recording what the trace
    /// mask asks for, and hands the events over. `Some` to stop the run.
    #[cold]
    pub(super) fn trace_step(&mut self, sup: &mut dyn Supervisor) -> Option<Stop> {
        let ia = self.psw.ia;
        self.instructions += 1;
        self.trace_interrupted = false;
        let op = match self.fetch_op(ia) {
            Ok(op) => op,
            Err(code) => {
                if !self.program_interrupt_ilc(code, self.cur_len) {
                    return Some(Stop::ProgramInterruptLoop);
                }
                return self.flush_trace(sup);
            }
        };
        // The general handler, not the run loop's fast branch ones.
        let mut general = op;
        general.handler = super::exec::handler_for(op.opcode, op.invalid);
        let mark = self.trace_events.len();
        let stop = match self.step(sup, ia, &general) {
            Some(Err(stop)) => Some(stop),
            _ => None,
        };
        if !self.trace_interrupted && !op.invalid {
            self.trace_after(ia, &op);
        } else if self.trace.has(TraceMask::INSTRUCT) && !op.invalid {
            // The instruction, then the interruption it caused.
            self.trace_instruction(TraceKind::Instruction, ia, op.len);
            if let Some(e) = self.trace_events.pop() {
                self.trace_events.insert(mark, e);
            }
        }
        match (stop, self.flush_trace(sup)) {
            (Some(s), _) => Some(s),
            (None, s) => s,
        }
    }

    /// The instruction event of `op` at `ia`, which executed without an interruption.
    fn trace_after(&mut self, ia: u32, op: &Op) {
        use Opcode::*;
        let next = ia.wrapping_add(op.len as u32) & self.psw.amask();
        let t = self.trace;
        let psw_insn = matches!(op.opcode, LPSW | SSM | STOSM | STNSM);
        let io = matches!(op.opcode, SIO | SIOF | TIO | CLRIO | HIO | HDV | TCH);
        let privileged = op.opcode.info().privilege == Privilege::Privileged && !io;
        if (psw_insn && t.has(TraceMask::PSW | TraceMask::PRIV))
            || (privileged && t.has(TraceMask::PRIV))
        {
            let psw = self.psw.to_bytes(self.arch);
            self.trace_instruction(TraceKind::Privileged { psw }, ia, op.len);
        } else if self.psw.ia != next && t.has(TraceMask::BRANCH | TraceMask::INSTRUCT) {
            let target = self.psw.ia;
            self.trace_instruction(TraceKind::Branch { target }, ia, op.len);
        } else if t.has(TraceMask::INSTRUCT) {
            self.trace_instruction(TraceKind::Instruction, ia, op.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Psw;
    use crate::storage::{AbsAddr, Storage};
    use s390_decoder::Arch;

    /// A supervisor that keeps the events and stops after the `stop_at`-th.
    #[derive(Default)]
    struct Recorder {
        events: Vec<TraceEvent>,
        stop_at: Option<usize>,
    }
    impl Supervisor for Recorder {
        fn trace(&mut self, _: &mut Cpu, e: &TraceEvent) -> bool {
            self.events.push(*e);
            self.stop_at == Some(self.events.len())
        }
    }

    /// X'1000': LA 1,1(1); BCT 2,0(3) (R3 = X'1000'); then SVC 5 (SVC new PSW: disabled wait).
    fn looping_cpu(rounds: u32) -> Cpu {
        let mut cpu = Cpu::new(Arch::S370, Storage::new(64 * 1024).unwrap());
        cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        cpu.mem
            .load(
                AbsAddr(0x1000),
                &[0x41, 0x11, 0, 1, 0x46, 0x20, 0x30, 0x00, 0x0A, 0x05],
            )
            .unwrap();
        cpu.mem
            .load(AbsAddr(0x60), &[0, 0x02, 0, 0, 0, 0, 0, 0])
            .unwrap();
        cpu.gpr[2] = rounds;
        cpu.gpr[3] = 0x1000;
        cpu.set_jit(Some(1));
        cpu
    }

    /// Off, nothing is recorded (and the loop runs compiled); on, every instruction is
    /// an event even where a region was compiled, the branches with their target, and
    /// the SVC interruption with its code and new PSW.
    #[test]
    fn traced_runs_every_instruction_through_the_interpreter() {
        let mut cpu = looping_cpu(5000);
        let mut r = Recorder::default();
        assert_eq!(cpu.run(&mut r, 1_000_000), Stop::DisabledWait);
        assert!(r.events.is_empty());
        assert_eq!(cpu.gpr[1], 5000);

        let mut cpu = looping_cpu(5000);
        assert_eq!(
            cpu.run(&mut Recorder::default(), 3000),
            Stop::InstructionLimit
        );
        cpu.trace = TraceMask::INSTRUCT | TraceMask::BRANCH | TraceMask::SVC;
        let before = cpu.instructions;
        let mut r = Recorder::default();
        assert_eq!(cpu.run(&mut r, 1_000_000), Stop::DisabledWait);
        let ran = cpu.instructions - before;
        // One event per instruction (the SVC's too), plus the SVC interruption.
        assert_eq!(r.events.len() as u64, ran + 1);
        let branches = r
            .events
            .iter()
            .filter(|e| e.kind == TraceKind::Branch { target: 0x1000 })
            .count();
        assert_eq!(branches as u32, 5000 - 1500 - 1);
        let svc = r.events.last().unwrap();
        assert_eq!(svc.kind, TraceKind::Svc { code: 5, new_ia: 0 });
        assert_eq!(svc.ia, 0x100A);
    }

    /// The supervisor's `true` stops the run after the event (NORUN), and the next run
    /// goes on from there.
    #[test]
    fn the_supervisor_can_stop_after_an_event() {
        let mut cpu = looping_cpu(10);
        cpu.trace = TraceMask::BRANCH;
        let mut r = Recorder {
            stop_at: Some(1),
            ..Default::default()
        };
        assert_eq!(cpu.run(&mut r, 1_000_000), Stop::Halted);
        assert_eq!(cpu.instructions, 2);
        assert_eq!(cpu.psw.ia, 0x1000);
        r.stop_at = None;
        assert_eq!(cpu.run(&mut r, 1_000_000), Stop::DisabledWait);
        // BRANCH alone: the nine branches taken, not the SVC.
        assert_eq!(r.events.len(), 9);
    }
}
