//! `vm390`: a control program in user space that runs guests written for IBM's VM.
//! See ARCHITECTURE.md for the walk from here to a running guest.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// vm390 - a VM/370-style control program: runs S/370 and ESA/390 guests and answers their
/// DIAGNOSE calls.
#[derive(Parser, Debug)]
#[command(name = "vm390", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// User directory: log on and run a virtual machine on the console (stdin/stdout).
    #[arg(long, value_name = "FILE")]
    directory: Option<std::path::PathBuf>,
    /// User to log on without the LOGON dialog (default: CP asks for the user id and password).
    #[arg(long, value_name = "USER", requires = "directory")]
    logon: Option<String>,
    /// Users to log on at start-up with no terminal (AUTOLOG); they run disconnected and a
    /// LOGON at the console reconnects them.
    #[arg(long, value_name = "USER", num_args = 1.., requires = "directory")]
    autolog: Vec<String>,
    /// The system printer: printer spool files are written to DIR as text files
    /// (SPOOLID-OWNER-NAME-TYPE.txt) as they are closed, and leave the printer queue.
    #[arg(long, value_name = "DIR")]
    print_to: Option<std::path::PathBuf>,
    /// Data directory of the built-in default (user VM390 IPLing MINICMS, its 191 minidisk
    /// created there on first use); default $XDG_DATA_HOME/vm390 or ~/.local/share/vm390.
    #[arg(long, value_name = "DIR", conflicts_with = "directory")]
    data_dir: Option<std::path::PathBuf>,
    /// Also take terminals over the network: telnet (line mode, a 3215) and TN3270 (a
    /// 3270 display) on [ADDR:]PORT, 127.0.0.1 unless an address is named (port 0: any
    /// free port, named on standard error). The program still ends with the session at
    /// its own console.
    #[arg(long, value_name = "[ADDR:]PORT")]
    listen: Option<String>,
    /// The most network terminals connected at once.
    #[arg(long, value_name = "N", default_value_t = 64, requires = "listen")]
    max_terminals: usize,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Disassemble a flat S/370 or ESA/390 image, one line per instruction.
    Disasm(cli::disasm::DisasmArgs),
    /// Run flat S/370 or ESA/390 images headless until a disabled wait.
    Run(cli::run::RunArgs),
    /// Run the DIAGNOSE conformance probes under the real CP and print the report.
    Conformance(cli::conformance::ConformanceArgs),
    /// Assemble an HLASM-style source into a flat image.
    Asm(cli::asm::AsmArgs),
    /// Work with the spool files on the host (`vm390 spool export SPOOLID FILE`).
    Spool(cli::spool::SpoolArgs),
    /// The paravirtualization study: the same guest I/O by DIAGNOSE and by START I/O,
    /// measured per operation, written as a report (REPORT.md, CSV, SVG plots).
    Study(cli::study::StudyArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let listen = match args.listen.as_deref().map(cp::net::listen_address) {
        None => None,
        Some(Ok(a)) => Some((a, args.max_terminals)),
        Some(Err(e)) => {
            eprintln!("vm390: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        Some(Command::Disasm(a)) => cli::disasm::run(&a),
        Some(Command::Run(a)) => cli::run::run(&a),
        Some(Command::Conformance(a)) => cli::conformance::run_cli(&a),
        Some(Command::Asm(a)) => cli::asm::run(&a),
        Some(Command::Spool(a)) => cli::spool::run(&a),
        Some(Command::Study(a)) => cli::study::run(&a),
        None if args.directory.is_some() => {
            let dir = args.directory.clone().unwrap_or_default();
            cli::console::run(
                &dir,
                args.logon.as_deref(),
                &args.autolog,
                args.print_to.as_deref(),
                listen,
            )
        }
        None => {
            // The built-in default: log on VM390, IPL MINICMS, console on the terminal.
            match cp::minicms::default_session(args.data_dir.as_deref()) {
                Ok((direct, user)) => {
                    cli::console::run(&direct, Some(user), &[], args.print_to.as_deref(), listen)
                }
                Err(code) => code,
            }
        }
    }
}
