//! The `vm390` subcommands.

pub mod asm;
pub mod conformance;
pub mod console;
pub mod disasm;
pub mod run;
pub mod spool;
pub mod study;

use s390_decoder::Arch;

/// Parses `s370` / `esa390` for `--arch`.
pub fn parse_arch(s: &str) -> Result<Arch, String> {
    match s.to_ascii_lowercase().as_str() {
        "s370" | "370" | "s/370" => Ok(Arch::S370),
        "esa390" | "390" | "esa/390" | "esa" => Ok(Arch::Esa390),
        _ => Err(format!("unknown architecture '{s}' (use s370 or esa390)")),
    }
}

/// Parses a hexadecimal address (`200`, `0x200`, `X'200'`).
pub fn parse_hex(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let t = t
        .strip_prefix("X'")
        .or_else(|| t.strip_prefix("x'"))
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(t);
    u32::from_str_radix(t, 16).map_err(|_| format!("'{s}' is not a hexadecimal address"))
}
