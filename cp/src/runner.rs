//! The CP side of `vm390 run`: a virtual machine with no devices. DIAGNOSE codes are counted
//! by the CPU; codes this CP does not implement give the specification exception.

use crate::cpu::{Cpu, Exec, ProgramInterrupt, Supervisor};

/// The runner's supervisor.
#[derive(Debug, Default)]
pub struct Runner;

impl Supervisor for Runner {
    fn diagnose(&mut self, cpu: &mut Cpu, rx: u8, _ry: u8, code: u32) -> Exec {
        match code {
            // Hercules' X'F08' (instruction count of this CPU into Rx, ../shared/docs/hercules.md
            // section 1.4): answered so that Hercules timing guests such as loop.S run unchanged
            // and can be measured side by side.
            0xF08 => {
                cpu.gpr[rx as usize] = cpu.instructions as u32;
                Ok(())
            }
            _ => Err(ProgramInterrupt::SPECIFICATION),
        }
    }
}
