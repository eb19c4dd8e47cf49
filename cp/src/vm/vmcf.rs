//! VMCF (DIAGNOSE X'68') on the virtual machine's own thread: presenting the X'4001'
//! interruptions other machines (or this one, a wrap connection) queued for it in the
//! system's hub (`diagnose::vmcf`), and the enabled wait that only VMCF can end.
//!
//! The hub pokes the machine's [`crate::system::VmBlok`] when its queue grows; the thread
//! presents between instruction slices ([`crate::vm::Vm::run`]) and in the CPU's enabled
//! wait ([`Cp::vmcf_wait`]; when the wait is enabled for the console too, the poke wakes
//! the console read, which then returns: [`Cp::vmcf_wakes`]), so the storage written (the
//! message header, SENDX data, REPLY data) is only ever this machine's own.

use std::time::Duration;

use diagnose::vmcf::{self, EXT_VMCF};

use super::{Cp, Effect, VmMachine};
use crate::cpu::Cpu;

/// CR0 bit 31, the mask VM/370 gives the VMCF external interruption (SY20-0886-1 DMKVMC:
/// "running disabled for VMCF interrupts (PSW bit 7 and CR0 bit 31)").
const CR0_VMCF: u32 = 0x0000_0001;

/// How long an enabled wait sleeps before it looks at the terminal's attention key (the
/// hub and the system wake it at once for everything else).
const ATTENTION_POLL: Duration = Duration::from_millis(250);

impl Cp {
    /// Whether a console read of an enabled wait that VMCF can end (`vmcf_ends_read`)
    /// returns now that the terminal was woken: an X'4001' waits to be presented.
    pub(crate) fn vmcf_wakes(&self, status: crate::vm::Status) -> bool {
        self.vmcf_ends_read
            && status == crate::vm::Status::VmRead
            && self.vmcf.hub.pending(&self.vmcf.userid)
    }

    /// Whether the machine can take an X'4001' now: enabled for it, and none pending
    /// (CP posts one at a time, DMKVMC).
    pub(crate) fn vmcf_enabled(cpu: &Cpu) -> bool {
        cpu.psw.ext_enabled() && cpu.cr[0] & CR0_VMCF != 0 && !cpu.external_pending(EXT_VMCF)
    }

    /// Presents the next X'4001' waiting for this machine, if it can take one now; true
    /// if it did.
    pub(crate) fn present_vmcf(&mut self, cpu: &mut Cpu) -> bool {
        if self.logged_off {
            return false;
        }
        let enabled = Self::vmcf_enabled(cpu);
        vmcf::present(&mut VmMachine { cp: self, cpu }, enabled)
    }

    /// The enabled wait of an AUTHORIZEd machine that VMCF can end (enabled for X'4001',
    /// its console not enabled for I/O): blocks until an interruption comes and presents
    /// it (`Some(true)`), or until the machine must leave the wait for CP mode (FORCE,
    /// SHUTDOWN, a reconnection, the attention key: `Some(false)`). `None`: VMCF cannot
    /// end this wait; the caller goes on as before.
    pub(crate) fn vmcf_wait(&mut self, cpu: &mut Cpu) -> Option<bool> {
        if self.logged_off || !Self::vmcf_enabled(cpu) || self.vmcf.auth().is_none() {
            return None;
        }
        if self
            .console_vaddr()
            .is_some_and(|c| Self::enabled_for(cpu, c))
        {
            // A console read ends this wait too: the console path reads, and VMCF traffic
            // ends its read (`vmcf_ends_read`).
            return self.present_vmcf(cpu).then_some(true);
        }
        loop {
            // The signal first, then the queue: a poke after the look at the queue leaves
            // the signal set, and the wait below returns at once.
            if self.blok.signalled() && self.take_mail() {
                return Some(false);
            }
            if self.blok.forced().is_some() || self.logged_off {
                return Some(false);
            }
            if self.present_vmcf(cpu) {
                return Some(true);
            }
            if crate::machine::deliver_block_io(cpu, &mut self.block_io) {
                return Some(true);
            }
            if self.terminal.attention() {
                return Some(false);
            }
            self.blok.wait(Some(ATTENTION_POLL));
        }
    }

    /// The console read of an enabled wait (`read_for_guest`), ended also by VMCF traffic
    /// when the machine is enabled for it: `None` when an X'4001' was presented, else what
    /// `read_for_guest` gave.
    pub(crate) fn wait_read(&mut self, cpu: &mut Cpu) -> Option<Option<String>> {
        loop {
            self.vmcf_ends_read = Self::vmcf_enabled(cpu) && self.vmcf.auth().is_some();
            let read = self.read_for_guest(cpu);
            let vmcf = std::mem::take(&mut self.vmcf_ends_read);
            match read {
                Some(line) => return Some(Some(line)),
                None if self.present_vmcf(cpu) => return None,
                // Woken for a message that went away (cancelled) before it was presented.
                None if vmcf && !self.logged_off && self.pending_effect == Effect::None => continue,
                None => return Some(None),
            }
        }
    }
}
