//! The vm390 control program: devices, DIAGNOSE, CP commands and the `vm390` binary, above the
//! machine of the `s390-cpu` crate (re-exported here as [`cpu`] and [`storage`], so
//! `cp::cpu::...` and `cp::storage::...` paths keep working).

pub mod cpcmd;
pub mod dasd;
pub mod directory;
pub mod fuzzing;
pub mod io;
pub(crate) mod machine;
pub mod minicms;
pub mod net;
pub mod nss;
pub mod spool;
pub mod study;
pub mod system;
pub mod unattended;
pub mod vm;

pub use s390_cpu::{cpu, storage};
