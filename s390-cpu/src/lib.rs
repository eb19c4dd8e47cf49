//! vm390's machine: the S/370 and ESA/390 CPU below the control program.
//!
//! This crate is what the architecture defines and nothing a control program adds: guest
//! storage with prefixing and storage keys ([`storage`]), the CPU with its PSW, registers,
//! interruptions and run loop, the instruction interpreter, and the region compiler that
//! translates hot guest code to host code with Cranelift ([`cpu`], [`cpu::jit`]). The
//! architecture is the one of the Principles of Operation: *ESA/390 Principles of Operation*
//! (SA22-7201) and *IBM System/370 Principles of Operation* (GA22-7000).
//!
//! Instructions are decoded by the `s390-decoder` crate below this one. Everything the
//! architecture leaves to the control program — DIAGNOSE, S/370 I/O instructions, I/O
//! interruptions, what to do in an enabled wait — the CPU hands over through one window, the
//! [`cpu::Supervisor`] trait, which the `cp` crate above implements.

pub mod cpu;
pub mod storage;
