//! The CPU: S/370 and ESA/390 instruction execution.

pub mod decimal;
pub mod hfp;
