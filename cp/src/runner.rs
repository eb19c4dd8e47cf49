//! The CP side of `vm390 run`: a virtual machine with user id `RUNNER`, no devices, SET EMSG
//! TEXT, and the DIAGNOSE codes of the `diagnose` crate's standard registry (plus Hercules'
//! X'F08'). The CPU has already checked privilege and counted the code; codes the registry
//! does not know give the specification exception.

use std::sync::OnceLock;
use std::time::Instant;

use diagnose::{
    ConsoleInfo, CpResponse, DeviceInfo, Emsg, LocalTime, Machine, ProgramCheck, Registry,
};
use s390_decoder::Arch;

use crate::cpu::{Cpu, Exec, ProgramInterrupt, Supervisor};

/// The runner's supervisor.
#[derive(Debug, Default)]
pub struct Runner;

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
        let mut vm = RunnerVm { cpu };
        registry()
            .dispatch(&mut vm, code, rx, ry)
            .map_err(|ProgramCheck(c)| ProgramInterrupt(c))
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
}

impl Machine for RunnerVm<'_> {
    fn gpr(&self, r: u8) -> u32 {
        self.cpu.gpr[r as usize & 15]
    }
    fn set_gpr(&mut self, r: u8, v: u32) {
        self.cpu.gpr[r as usize & 15] = v;
    }
    fn set_cc(&mut self, cc: u8) {
        self.cpu.psw.cc = cc & 3;
    }
    fn arch(&self) -> Arch {
        self.cpu.arch
    }
    fn address_mask(&self) -> u32 {
        self.cpu.psw.amask()
    }
    fn check_real(&mut self, addr: u32, len: u32, store: bool) -> Result<(), ProgramCheck> {
        self.cpu
            .check_real(addr, len, store)
            .map_err(|p| ProgramCheck(p.0))
    }
    fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), ProgramCheck> {
        self.cpu.read_real(addr, buf).map_err(|p| ProgramCheck(p.0))
    }
    fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), ProgramCheck> {
        self.cpu
            .write_real(addr, data)
            .map_err(|p| ProgramCheck(p.0))
    }
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
    fn device(&self, _devno: u16) -> Option<DeviceInfo> {
        None
    }
    fn console(&self) -> Option<ConsoleInfo> {
        None
    }
    fn cp_command(&mut self, command: &str, _refuse_link_password: bool) -> CpResponse {
        cp_command(command)
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
}
