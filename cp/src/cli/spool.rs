//! `vm390 spool export SPOOLID FILE [--directory FILE | --data-dir DIR]`: writes a spool
//! file's records to a host file as ASCII text, one line per record (EBCDIC translated,
//! trailing blanks removed). The spool is the one of the directory file (`spool/` beside
//! it) or of the built-in default's data directory (`DIR/spool/`). FILE may be new, or an
//! existing regular file that may be written (not a link, directory, FIFO or device); the
//! text goes to a temporary file beside it that is renamed over it, so a failure leaves
//! what was there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cp::spool::{record_text, Spool, DEFAULT_LIMIT};

/// Arguments of `vm390 spool`.
#[derive(clap::Args, Debug)]
pub struct SpoolArgs {
    #[command(subcommand)]
    pub command: SpoolCommand,
}

/// The `vm390 spool` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum SpoolCommand {
    /// Write a spool file (a printer or punch file, or a reader file) to FILE as ASCII text.
    Export {
        /// The spool id (1-9900).
        spoolid: u32,
        /// The host file to write.
        file: PathBuf,
        /// The user directory whose spool (`spool/` beside it) holds the file.
        #[arg(long, value_name = "FILE", conflicts_with = "data_dir")]
        directory: Option<PathBuf>,
        /// The built-in default's data directory (its `spool/`); default
        /// $XDG_DATA_HOME/vm390 or ~/.local/share/vm390.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// Runs `vm390 spool`.
pub fn run(a: &SpoolArgs) -> ExitCode {
    match &a.command {
        SpoolCommand::Export {
            spoolid,
            file,
            directory,
            data_dir,
        } => match export(*spoolid, file, directory.as_deref(), data_dir.as_deref()) {
            Ok(n) => {
                eprintln!(
                    "vm390: spool file {spoolid:04}: {n} records written to {}",
                    file.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("vm390: {e}");
                ExitCode::from(1)
            }
        },
    }
}

/// The spool directory the options name.
fn spool_dir(directory: Option<&Path>, data_dir: Option<&Path>) -> Result<PathBuf, String> {
    match directory {
        Some(d) => Ok(cp::spool::spool_dir_for(d)),
        None => Ok(cp::minicms::data_dir(data_dir)?.join("spool")),
    }
}

/// Writes spool file `id` to `file`; gives the number of records.
fn export(
    id: u32,
    file: &Path,
    directory: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<usize, String> {
    let dir = spool_dir(directory, data_dir)?;
    if !dir.is_dir() {
        return Err(format!("{}: no spool directory", dir.display()));
    }
    let spool = Spool::open(&dir, DEFAULT_LIMIT).map_err(|e| e.to_string())?;
    let f = spool
        .file(id)
        .ok_or_else(|| format!("{}: no spool file {id:04}", dir.display()))?;
    match std::fs::symlink_metadata(file) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(format!(
                "{}: not a regular file; not replaced",
                file.display()
            ))
        }
        Ok(m) if m.permissions().readonly() => {
            return Err(format!("{}: read-only; not replaced", file.display()))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", file.display())),
    }
    let mut text = String::new();
    for r in &f.records {
        text.push_str(&record_text(r));
        text.push('\n');
    }
    let name = file
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", file.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".vm390-tmp");
    let tmp = file.with_file_name(tmp_name);
    if tmp.exists() {
        return Err(format!("{}: exists; remove it first", tmp.display()));
    }
    std::fs::write(&tmp, text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, file).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot replace: {e}", file.display())
    })?;
    Ok(f.records.len())
}
