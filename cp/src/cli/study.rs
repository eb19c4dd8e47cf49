//! `vm390 study`: the paravirtualization experiment (see `cp::study`), its report written
//! into a new directory.

use std::path::PathBuf;
use std::process::ExitCode;

use cp::study;

/// Arguments of `vm390 study`.
#[derive(clap::Args, Debug)]
pub struct StudyArgs {
    /// The report directory: REPORT.md, blockio.csv and the SVG plots are written there.
    /// It must not exist yet, or be empty (nothing is replaced).
    #[arg(long, value_name = "DIR", default_value = "vm390-study")]
    pub out: PathBuf,
    /// The largest work, in blocks and console lines (1 ... 10,000): the study runs 1, 10,
    /// 100, ... up to it.
    #[arg(long, value_name = "N", default_value_t = study::MAX_BLOCKS,
          value_parser = clap::value_parser!(u32).range(1..=study::MAX_BLOCKS as i64))]
    pub max_blocks: u32,
    /// Runs per path and size; the report gives the one of median host time.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=99))]
    pub runs: u32,
}

pub fn run(a: &StudyArgs) -> ExitCode {
    // The report directory first: a study that cannot be written is not run.
    if let Err(e) = study::prepare_out(&a.out) {
        eprintln!("vm390 study: {e}");
        return ExitCode::from(1);
    }
    // The scratch minidisks live in a directory of the study's own, removed at the end.
    let scratch = std::env::temp_dir().join(format!("vm390-study-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir(&scratch) {
        eprintln!("vm390 study: {}: {e}", scratch.display());
        return ExitCode::from(1);
    }
    let rows = study::blockio_rows(a.max_blocks, a.runs as usize, &scratch);
    let _ = std::fs::remove_dir(&scratch);
    let rows = rows.and_then(|r| Ok((r, study::console_rows(a.max_blocks, a.runs as usize)?)));
    let (rows, console) = match rows {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vm390 study: {e}");
            return ExitCode::from(1);
        }
    };
    match study::write_report(&a.out, &rows, &console, a.runs as usize) {
        Ok(files) => {
            print!("{}", study::table(&rows));
            println!();
            print!("{}", study::console_table(&console));
            for f in files {
                println!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vm390 study: {e}");
            ExitCode::from(1)
        }
    }
}
