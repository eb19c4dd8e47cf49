//! Guest tooling for vm390: the HLASM-style assembler ([`asm`]) that turns guest sources into
//! flat images for `vm390 run`, and the sources of vm390's own CMS-like guest ([`minicms`]).
#![warn(missing_docs)]

pub mod asm;
pub mod minicms;
