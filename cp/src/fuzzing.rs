//! Runs arbitrary bytes as a guest for a bounded number of instructions: the entry point of
//! the fuzz target (`fuzz/fuzz_targets/guest.rs`) and of the no-panic test. Whatever the
//! bytes do, the CP must end in a stop condition, never a panic. The guest runs as
//! `vm390 run` runs it: in a virtual machine with no directory entry (`unattended.rs`)
//! under the full CP, its console output kept in memory.

use s390_decoder::Arch;

use crate::cpu::Stop;
use crate::storage::{AbsAddr, Storage};
use crate::unattended::ConsoleSink;
use crate::vm::Vm;

/// Loads `data` at 0 (after an initial PSW taken from its first 8 bytes, made valid for the
/// architecture chosen by the first byte) and runs at most `limit` instructions; the third
/// byte's low bit compiles every entry point at its first entry (`VM390_JIT=eager`), otherwise
/// the interpreter runs alone.
pub fn run_bytes(data: &[u8], limit: u64) -> Stop {
    run_bytes_counted(data, limit).0
}

/// As [`run_bytes`], with the number of regions compiled.
pub fn run_bytes_counted(data: &[u8], limit: u64) -> (Stop, u64) {
    let arch = if data.first().is_some_and(|b| b & 1 != 0) {
        Arch::S370
    } else {
        Arch::Esa390
    };
    let mut mem = Storage::new(64 * 1024).expect("64K of storage");
    let n = data.len().min(64 * 1024);
    let _ = mem.load(AbsAddr(0), &data[..n]);
    // Make the restart PSW and the program new PSW point into the image so random code runs
    // and program checks re-enter it, as a real guest's would.
    let entry = 0x200u32;
    let psw = match arch {
        Arch::Esa390 => [
            0x00,
            0x08,
            0x00,
            0x00,
            0x80,
            0x00,
            (entry >> 8) as u8,
            entry as u8,
        ],
        Arch::S370 => [
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            (entry >> 8) as u8,
            entry as u8,
        ],
    };
    let _ = mem.load(AbsAddr(0), &psw);
    if data.get(1).is_some_and(|b| b & 1 != 0) {
        let _ = mem.load(AbsAddr(0x68), &psw);
    }
    let (console, _lines) = ConsoleSink::capture();
    let mut vm = Vm::unattended(arch, mem, console);
    let eager = data.get(2).is_some_and(|b| b & 1 != 0);
    vm.cpu.set_jit(eager.then_some(1));
    let stop = match vm.cpu.ipl_psw() {
        Ok(()) => vm.cpu.run(&mut vm.cp, limit),
        Err(stop) => stop,
    };
    (stop, vm.cpu.jit_stats().0)
}
