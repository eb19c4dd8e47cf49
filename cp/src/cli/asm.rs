//! `vm390 asm SOURCE -o IMAGE [--listing FILE]`: assembles an HLASM-style source into a flat
//! image (see `guests::asm`). Errors go to stderr as `file:line:column: error: message`; after
//! any error the exit status is 1 and nothing is written: what was at the output paths is
//! left as it was. An output (image or listing) that is the source, a read-only file or not
//! a regular file (symbolic link, FIFO, device, directory) is refused. MNOTEs below
//! severity 8 are printed as `file:line:column: note: message`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `vm390 asm`.
#[derive(clap::Args, Debug)]
pub struct AsmArgs {
    /// The assembler source.
    pub source: PathBuf,
    /// The flat image to write: a new file or an existing regular writable file (not the
    /// source, a link, FIFO or device); written only when the assembly succeeds.
    #[arg(short = 'o', long = "output", value_name = "IMAGE")]
    pub output: PathBuf,
    /// Also write a listing (location, object code, statement, cross-reference); the same
    /// rules as for the image.
    #[arg(long, value_name = "FILE")]
    pub listing: Option<PathBuf>,
}

/// Runs `vm390 asm`.
pub fn run(a: &AsmArgs) -> ExitCode {
    match guests::asm::assemble_file_with_notes(&a.source, &a.output, a.listing.as_deref()) {
        Ok(notes) => {
            for n in notes {
                eprintln!("{n}");
            }
            ExitCode::SUCCESS
        }
        Err(messages) => {
            for m in messages {
                eprintln!("{m}");
            }
            ExitCode::from(1)
        }
    }
}
