//! The vm390 control program: guest storage, the CPU interpreter, interruptions, and the
//! commands of the `vm390` binary.

pub mod cpcmd;
pub mod cpu;
pub mod dasd;
pub mod directory;
pub mod fuzzing;
pub mod io;
pub mod minicms;
pub mod nss;
pub mod runner;
pub mod storage;
pub mod vm;
