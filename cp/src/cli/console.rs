//! The console session of `vm390 --directory FILE [--logon USER]`: logs the user on,
//! IPLs what the directory says, and connects the virtual console to standard input and
//! output.
//!
//! Input is taken a line at a time when the guest reads its console; output is the
//! guest's EBCDIC translated to UTF-8, with no prompts and no echo (so a script's
//! transcript is exactly what the guest wrote). The end of input logs the user off.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use cp::directory::parse_directory;
use cp::vm::{RunEnd, Terminal, Vm};

/// Standard input and output as the user's terminal.
struct StdioTerminal {
    input: std::io::StdinLock<'static>,
    output: std::io::Stdout,
}

impl Terminal for StdioTerminal {
    fn read_line(&mut self) -> Option<String> {
        let _ = self.output.flush();
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                while line.ends_with('\n') || line.ends_with('\r') {
                    line.pop();
                }
                Some(line)
            }
        }
    }

    fn write(&mut self, text: &str) {
        let _ = self.output.write_all(text.as_bytes());
        let _ = self.output.flush();
    }
}

/// Runs a console session: logs `logon` (or the directory's first user with an IPL
/// statement) on and runs it until it logs off.
pub fn run(directory: &Path, logon: Option<&str>) -> ExitCode {
    let dir = match parse_directory(directory) {
        Ok(d) => d,
        Err(errs) => {
            for e in errs {
                eprintln!("vm390: {e}");
            }
            return ExitCode::from(2);
        }
    };
    let userid = match logon {
        Some(u) => u.to_string(),
        None => match dir.users.iter().find(|u| u.ipl.is_some() && !u.is_nolog()) {
            Some(u) => u.id.clone(),
            None => {
                eprintln!("vm390: no --logon given and no user in the directory has an IPL");
                return ExitCode::from(2);
            }
        },
    };
    let term = StdioTerminal {
        input: std::io::stdin().lock(),
        output: std::io::stdout(),
    };
    let mut vm = match Vm::logon(&dir, &userid, Box::new(term)) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("vm390: {e}");
            return ExitCode::from(2);
        }
    };
    match vm.run() {
        RunEnd::LoggedOff => ExitCode::SUCCESS,
    }
}
