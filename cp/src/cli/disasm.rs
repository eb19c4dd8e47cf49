//! `vm390 disasm FILE [--org HEX] [--arch s370|esa390]`: one line per instruction (address,
//! bytes, mnemonic, operands); bytes that do not decode print as `DC X'..'` and it goes on.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use s390_decoder::{disassemble_line, Arch, Decoder, DisasmOptions};

/// Arguments of `vm390 disasm`.
#[derive(clap::Args, Debug)]
pub struct DisasmArgs {
    /// The flat image to disassemble.
    pub file: PathBuf,
    /// Address of the first byte (hexadecimal).
    #[arg(long, default_value = "0", value_parser = super::parse_hex)]
    pub org: u32,
    /// Architecture: s370 or esa390.
    #[arg(long, default_value = "esa390", value_parser = super::parse_arch)]
    pub arch: Arch,
    /// Print branches with their mask (BC 8,...) instead of extended mnemonics (BE ...).
    #[arg(long)]
    pub no_extended: bool,
}

/// Runs `vm390 disasm`.
pub fn run(a: &DisasmArgs) -> ExitCode {
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("vm390 disasm: cannot read {}: {e}", a.file.display());
            return ExitCode::from(1);
        }
    };
    let decoder = Decoder::new(a.arch);
    let opts = DisasmOptions {
        extended_mnemonics: !a.no_extended,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut at = 0usize;
    while at < bytes.len() {
        let addr = a.org.wrapping_add(at as u32);
        let line = disassemble_line(&decoder, addr, &bytes[at..], opts);
        if writeln!(out, "{}", line.text).is_err() {
            return ExitCode::SUCCESS; // closed pipe
        }
        at += line.len;
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
