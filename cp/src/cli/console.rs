//! The console session of `vm390 --directory FILE [--logon USER]`: logs the user on,
//! IPLs what the directory says, and connects the virtual console to the terminal.
//!
//! With standard input a terminal, input is read with line editing and history
//! (rustyline); the status VM shows in the corner of a display terminal (`VM READ`,
//! `CP READ`, `RUNNING`) is the prompt of each read and the terminal's title; Ctrl-C is the
//! attention key: at a read or while the virtual machine runs it enters CP mode (a line
//! is then a CP command; BEGIN goes back). Without `--logon` the terminal first reads
//! `LOGON userid` and the password (`ENTER PASSWORD:`), as VM does.
//!
//! With standard input not a terminal (scripts, tests), input is taken a line at a time
//! when the guest reads its console; output is the guest's EBCDIC translated to UTF-8,
//! with no prompts and no echo (so a script's transcript is exactly what the guest
//! wrote). The end of input logs the user off.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cp::directory::{parse_directory, Directory};
use cp::vm::{Input, RunEnd, Status, Terminal, Vm};

/// Standard input and output as the user's terminal (scripted use).
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

/// An interactive terminal: rustyline line editing and history, the status as prompt and
/// title, Ctrl-C as the attention key.
struct LineTerminal {
    editor: rustyline::DefaultEditor,
    /// Set by the SIGINT handler while the virtual machine runs.
    attention: Arc<AtomicBool>,
    /// The status last shown in the title.
    shown: Option<Status>,
    /// Text of the output line left open (it becomes the front of the prompt).
    open_line: String,
}

impl LineTerminal {
    fn title(&mut self, status: Status) {
        if self.shown != Some(status) {
            self.shown = Some(status);
            // OSC 0: the window title shows the status as the 3270 status area does.
            print!("\x1b]0;VM390  {}\x07", status.text());
            let _ = std::io::stdout().flush();
        }
    }
}

impl Terminal for LineTerminal {
    fn read_line(&mut self) -> Option<String> {
        match self.read_input(Status::VmRead) {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }

    fn read_input(&mut self, status: Status) -> Input {
        self.title(status);
        self.attention.store(false, Ordering::SeqCst);
        // The status as VM shows it, after what an open output line already holds.
        let prompt = format!(
            "{}{:<8} ",
            std::mem::take(&mut self.open_line),
            status.text()
        );
        match self.editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                }
                Input::Line(line)
            }
            Err(rustyline::error::ReadlineError::Interrupted) => Input::Attention,
            Err(_) => Input::End,
        }
    }

    fn write(&mut self, text: &str) {
        // Keep the open line for the next prompt (rustyline redraws the whole line).
        let (done, open) = match text.rfind('\n') {
            Some(i) => (&text[..=i], &text[i + 1..]),
            None => ("", text),
        };
        let mut out = std::io::stdout();
        if !done.is_empty() {
            let _ = out.write_all(std::mem::take(&mut self.open_line).as_bytes());
            let _ = out.write_all(done.as_bytes());
        }
        self.open_line.push_str(open);
        let _ = out.flush();
    }

    fn attention(&mut self) -> bool {
        self.attention.swap(false, Ordering::SeqCst)
    }

    fn running(&mut self) {
        self.title(Status::Running);
    }

    fn shows_input(&self) -> bool {
        true
    }
}

/// Reads `LOGON userid [password]` and the password (`ENTER PASSWORD:`) from the terminal
/// until a user of `dir` logs on; None at the end of input.
fn logon_dialog(term: &mut dyn Terminal, dir: &Directory) -> Option<String> {
    term.write("VM390 ONLINE\n");
    loop {
        let line = match term.read_input(Status::CpRead) {
            Input::Line(l) => l,
            Input::Attention => continue,
            Input::End => return None,
        };
        let mut words = line.split_whitespace();
        let Some(verb) = words.next().map(|v| v.to_ascii_uppercase()) else {
            continue;
        };
        let is_logon = ("LOGON".starts_with(&verb) && !verb.is_empty())
            || (verb.len() >= 4 && "LOGIN".starts_with(&verb));
        if !is_logon {
            if "LOGOFF".starts_with(&verb) && verb.len() >= 3 {
                return None;
            }
            term.write("DMKCFM001E UNKNOWN CP COMMAND\n");
            continue;
        }
        let Some(userid) = words.next().map(|u| u.to_ascii_uppercase()) else {
            term.write("DMKLOG020E USERID MISSING OR INVALID\n");
            continue;
        };
        let Some(user) = dir.user(&userid).filter(|u| !u.is_nolog()) else {
            term.write(&format!("DMKLOG053E {userid} NOT IN CP DIRECTORY\n"));
            continue;
        };
        let password = match words.next() {
            Some(p) => p.to_string(),
            None => {
                term.write("ENTER PASSWORD:\n");
                match term.read_input(Status::CpRead) {
                    Input::Line(l) => l.trim().to_string(),
                    Input::Attention => continue,
                    Input::End => return None,
                }
            }
        };
        if !password.eq_ignore_ascii_case(&user.password) {
            term.write("DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE\n");
            continue;
        }
        return Some(user.id.clone());
    }
}

/// Runs a console session: logs `logon` on (or, without it, whoever logs on at the
/// terminal) and runs it until it logs off.
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
    let mut term: Box<dyn Terminal> = if std::io::stdin().is_terminal() {
        let attention = Arc::new(AtomicBool::new(false));
        let flag = attention.clone();
        if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
            eprintln!("vm390: no attention key: {e}");
        }
        // No cursor-position query before a prompt (it would eat lines typed ahead while
        // the virtual machine ran); output lines are ended before each read anyway.
        let config = rustyline::Config::builder()
            .check_cursor_position(false)
            .build();
        match rustyline::DefaultEditor::with_config(config) {
            Ok(editor) => Box::new(LineTerminal {
                editor,
                attention,
                shown: None,
                open_line: String::new(),
            }),
            Err(e) => {
                eprintln!("vm390: no line editing: {e}");
                Box::new(StdioTerminal {
                    input: std::io::stdin().lock(),
                    output: std::io::stdout(),
                })
            }
        }
    } else {
        Box::new(StdioTerminal {
            input: std::io::stdin().lock(),
            output: std::io::stdout(),
        })
    };
    let userid = match logon {
        Some(u) => u.to_string(),
        None => match logon_dialog(term.as_mut(), &dir) {
            Some(u) => u,
            None => return ExitCode::SUCCESS,
        },
    };
    let mut vm = match Vm::logon(&dir, &userid, term) {
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
