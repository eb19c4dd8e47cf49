//! A user at a terminal of a system in this process (`cp::system`): log on with a
//! `PipeTerminal`, type lines and wait for what comes back (`cp/tests/system.rs`,
//! `cp/tests/vmcf.rs`).

use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;

use cp::system::{PipeTerminal, System};
use cp::vm::Terminal;

/// How long a test waits for a line or a read.
pub const WAIT: Duration = Duration::from_secs(20);

/// A user logged on at a `PipeTerminal`.
pub struct Session {
    /// The terminal (the test types into its pipe and reads its output).
    pub term: PipeTerminal,
    /// Where the terminal comes back at DISCONNECT and LOGOFF.
    pub back: Receiver<Box<dyn Terminal>>,
}

impl Session {
    /// Logs `userid` on and waits for its first read.
    pub fn logon(system: &Arc<System>, userid: &str) -> Session {
        let term = PipeTerminal::default();
        let back = match system.connect(userid, Box::new(term.clone())) {
            Ok(b) => b,
            Err((e, _)) => panic!("LOGON {userid}: {}", e.message(userid)),
        };
        let s = Session { term, back };
        assert!(
            s.term.pipe.wait_reading(WAIT),
            "{userid} never read its terminal"
        );
        s
    }

    /// Types `line` and waits until `expect` is in what follows; gives what followed.
    pub fn cmd(&self, line: &str, expect: &str) -> String {
        let from = self.term.pipe.output().len();
        self.term.pipe.type_line(line);
        let out = self
            .term
            .pipe
            .wait_for(expect, from, WAIT)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        out[from..].to_string()
    }

    /// Types `line` and waits until the machine took it and reads again.
    pub fn enter(&self, line: &str) {
        self.term.pipe.type_line(line);
        assert!(
            self.term.pipe.wait_reading(WAIT),
            "{line}: no read after it"
        );
    }

    /// Everything the terminal showed.
    pub fn output(&self) -> String {
        self.term.pipe.output()
    }

    /// Waits for the terminal to come back (DISCONNECT, LOGOFF).
    pub fn back(&self) {
        self.back
            .recv_timeout(WAIT)
            .expect("the terminal comes back to its session");
    }
}
