//! `vm390 disasm FILE [--org HEX] [--start ADDR[.LEN]] [--length LEN] [--arch s370|esa390]`:
//! one line per instruction (address, bytes, mnemonic, operands). Bytes that do not decode
//! print as `DC X'..'` and it goes on; an instruction with one bits in a field it does not
//! use prints as its `DC X'..'` with a remark naming it (`* SSM 3392(2) (bits 8-15 not
//! zero)`); runs of 8 or more zero bytes fold into one `DC XL..'00'` line. The statements
//! reassemble with `vm390 asm` to the same bytes.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use s390_decoder::{disassemble_line, zero_run_line, Arch, Decoder, DisasmOptions};

/// `ADDR` or `ADDR.LEN`, hexadecimal.
fn parse_start(s: &str) -> Result<(u32, Option<u32>), String> {
    match s.split_once('.') {
        Some((a, l)) => Ok((super::parse_hex(a)?, Some(super::parse_hex(l)?))),
        None => Ok((super::parse_hex(s)?, None)),
    }
}

/// Arguments of `vm390 disasm`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Runs of 8 or more zero bytes are folded into one `DC XL<n>'00'` line (an even number of \
bytes, at most 65534 a line). An instruction with one bits in a field it does not use (SSM, LPSW or TS with a \
non-zero second byte, IPTE with bits 16-23 set...) executes, but its mnemonic would assemble \
to other bytes: it is printed as `DC X'..'` followed by the remark `* MNEMONIC OPERANDS (bits \
A-B not zero)`. Every line reassembles with `vm390 asm` to the same bytes.")]
pub struct DisasmArgs {
    /// The flat image to disassemble.
    pub file: PathBuf,
    /// Address of the first byte of the file (hexadecimal).
    #[arg(long, default_value = "0", value_parser = super::parse_hex)]
    pub org: u32,
    /// Disassemble from this address (hexadecimal, within the file as placed at --org);
    /// `ADDR.LEN` also gives the length.
    #[arg(long, value_name = "ADDR[.LEN]", value_parser = parse_start)]
    pub start: Option<(u32, Option<u32>)>,
    /// Disassemble this many bytes (hexadecimal); default to the end of the file.
    #[arg(long, value_name = "LEN", value_parser = super::parse_hex)]
    pub length: Option<u32>,
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
    let (start, start_len) = a.start.unwrap_or((a.org, None));
    let length = match (start_len, a.length) {
        (Some(_), Some(_)) => {
            eprintln!("vm390 disasm: give the length either as --start ADDR.LEN or as --length");
            return ExitCode::from(1);
        }
        (l, m) => l.or(m),
    };
    let end_of_file = a.org as u64 + bytes.len() as u64;
    if (start as u64) < a.org as u64 || start as u64 > end_of_file {
        eprintln!(
            "vm390 disasm: --start {start:X} is outside {} (addresses {:X} to {:X})",
            a.file.display(),
            a.org,
            end_of_file.saturating_sub(1)
        );
        return ExitCode::from(1);
    }
    let from = (start - a.org) as usize;
    let to = match length {
        Some(l) => (from as u64 + l as u64).min(bytes.len() as u64) as usize,
        None => bytes.len(),
    };
    let bytes = &bytes[..to];
    let decoder = Decoder::new(a.arch);
    let opts = DisasmOptions {
        extended_mnemonics: !a.no_extended,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut at = from;
    while at < bytes.len() {
        let addr = a.org.wrapping_add(at as u32);
        let line = zero_run_line(addr, &bytes[at..])
            .unwrap_or_else(|| disassemble_line(&decoder, addr, &bytes[at..], opts));
        if writeln!(out, "{}", line.text).is_err() {
            return ExitCode::SUCCESS; // closed pipe
        }
        at += line.len;
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
