//! Guest tooling for vm390: the HLASM-style assembler ([`asm`]) that turns guest sources into
//! flat images for `vm390 run`.
#![warn(missing_docs)]

pub mod asm;
